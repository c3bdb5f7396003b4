/**
 * reproduceTable(name): every experiment of experiments/tables/<name>.json trained (or resumed, or reused when
 * already finished), evaluated on the held-out test split, and written as results/<name>/ in the format the
 * report reads (src/report/results.ts): table.json/csv/md, ced.json, evaluations/*.json (per image),
 * samples/*.json (SR grids with landmarks), features/*.json (fusion taps of one real face), then report/ (HTML,
 * static figures when Chromium is present). `jasr reproduce`, `jasr main` and notebooks all call this.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Experiment, loadExperiment } from '../config/load';
import { EXPERIMENTS_DIR, loadTable } from '../config/tables';
import { ConfigError } from '../core/schema';
import type { OpenedDataset } from '../data/open';
import type { FaceModel } from '../model/types';
import { ResultRow, writeTable } from '../report/tables';
import { buildReport, BuildReportResult } from '../report/build';
import type { ProgressMode } from '../engine/progress';
import { evaluate, Evaluation, meanShapePredictor, metricsRow, modelPredictor, Predictor } from '../task/evaluate';
import { DEFAULT_RUNS_DIR, buildExperimentModel, isTrainable, loadRunModel, openExperimentData, runDataConfig, runState, trainExperiment } from './run-experiment';
import { CheckpointStore, readCheckpointDir } from '../engine/checkpoint';
import { REUSE_FREE_KEYS, describeDifferences, recipeDifferences } from '../engine/recipe';
import { LockedError, lockHolder } from '../core/lock';
import { writeFusionTaps, writeSrSamples } from './result-extras';
import { hrSizeForScale } from '../core/geometry';

export interface ReproduceOptions {
  /** `--set` overrides applied to every experiment of the table. */
  sets?: string[];
  /** Delete the table's runs and train them again. */
  fresh?: boolean;
  /** Per-experiment training budget (sets train.maxMinutes). */
  budgetMinutes?: number;
  experimentsDir?: string;
  runsDir?: string;
  resultsDir?: string;
  progress?: ProgressMode;
  /** Write PNG/SVG figures through Chromium (default true; skipped with a note when Chromium is absent). */
  staticFigures?: boolean;
  /** Add the no-learning 'mean-shape' landmark row when the table reports NME (default true). */
  meanShape?: boolean;
  /** Test faces shown per experiment in the SR grids (default 2). */
  sampleFaces?: number;
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
  /** Aborting it stops the training in progress after saving (see TrainOptions.signal). */
  signal?: AbortSignal;
}

export type RunOutcome = 'trained' | 'resumed' | 'reused' | 'no training';

export interface ReproducedRow {
  experiment: string;
  runDir: string | null;
  outcome: RunOutcome;
  evaluation: Evaluation;
  trainSeconds: number;
}

export interface ReproduceResult {
  table: string;
  dir: string;
  rows: ResultRow[];
  runs: ReproducedRow[];
  files: { json: string; csv: string; md: string; ced: string };
  report: BuildReportResult | null;
}

/**
 * The experiment recorded in a run's `last` checkpoint. A damaged or edited pointer record is an error naming
 * its file (src/engine/checkpoint-record.ts), not a reason to retrain over the run.
 */
function recordedExperiment(runDir: string): Experiment {
  return readCheckpointDir(new CheckpointStore(runDir).path('last')).experiment as unknown as Experiment;
}

function modelLabel(exp: Experiment, model: FaceModel): string {
  const params = model.trainableVariables().reduce((n, v) => n + v.size, 0);
  const m = exp.model;
  if (m.architecture === 'bicubic') return `bicubic ×${m.scale} (no weights)`;
  const input = m.architecture === 'align-only' ? `, ${m.alignInput} input` : '';
  return `${m.architecture} F${m.features} R${m.trunkBlocks} ×${m.scale}${input}, ${(params / 1000).toFixed(1)}k params`;
}

function orderedMetrics(row: Record<string, number | null>, wanted: string[], extra: Record<string, number | null>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of wanted) out[k] = row[k] ?? null;
  for (const [k, v] of Object.entries(row)) if (!(k in out)) out[k] = v;
  return { ...out, ...extra };
}

export async function reproduceTable(name: string, opts: ReproduceOptions = {}): Promise<ReproduceResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const experimentsDir = opts.experimentsDir ?? EXPERIMENTS_DIR;
  const runsDir = opts.runsDir ?? DEFAULT_RUNS_DIR;
  const dir = path.join(opts.resultsDir ?? 'results', name);
  const table = loadTable(name, experimentsDir);
  const sets = [...(opts.sets ?? []), ...(opts.budgetMinutes !== undefined ? [`train.maxMinutes=${opts.budgetMinutes}`] : [])];
  const experiments = table.experiments.map((rel) => loadExperiment(path.join(experimentsDir, rel), sets));
  const dataKey = (e: Experiment): string => JSON.stringify({ ...runDataConfig(e), augment: null, batchSize: null });
  const keys = new Set(experiments.map(dataKey));
  if (keys.size > 1) throw new ConfigError(table.file, 'experiments', 'the rows read different datasets or splits; one table compares models on one test split');

  // Every run is checked before anything is written, so a refused re-run leaves runs/ and results/ untouched.
  for (const exp of experiments) {
    const runDir = path.join(runsDir, exp.name);
    if (!isTrainable(exp) || opts.fresh || runState(runDir) === 'absent' || !new CheckpointStore(runDir).has('last')) continue;
    // The same comparison `train --resume` makes (./recipe.ts), with only the time budget free: a reused run
    // must have been trained exactly as asked.
    const diffs = recipeDifferences(recordedExperiment(runDir), exp, REUSE_FREE_KEYS);
    if (diffs.length > 0) {
      throw new ConfigError(exp.file, '', `${runDir} was trained with a different config (${describeDifferences(diffs)}); pass --fresh to retrain it (or use another runs directory)`);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  for (const sub of ['samples', 'features', 'evaluations']) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
  const dataCache = new Map<string, OpenedDataset>();
  const dataFor = async (e: Experiment): Promise<OpenedDataset> => {
    const k = dataKey(e);
    if (!dataCache.has(k)) dataCache.set(k, await openExperimentData(e));
    return dataCache.get(k) as OpenedDataset;
  };

  const runs: ReproducedRow[] = [];
  const rows: ResultRow[] = [];
  const ced: Record<string, number[]> = {};
  let tapsWritten = false;
  const record = async (expName: string, label: string, predict: Predictor, exp: Experiment, extra: Record<string, number | null>): Promise<Evaluation> => {
    const data = await dataFor(exp);
    if (data.test.length === 0) throw new ConfigError(exp.file, 'data', `the ${exp.data.format} test split is empty`);
    const evaluation = await evaluate(predict, data.test, exp.eval, { scale: exp.data.scale });
    rows.push({ experiment: expName, model: label, protocol: evaluation.protocol.name, metrics: orderedMetrics(metricsRow(evaluation), table.metrics, extra) });
    if (evaluation.ced.length > 0) ced[expName] = evaluation.ced;
    fs.mkdirSync(path.join(dir, 'evaluations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'evaluations', `${expName}.json`), JSON.stringify({ experiment: expName, model: label, ...evaluation }, null, 1));
    writeSrSamples(dir, expName, predict, data.test.slice(0, opts.sampleFaces ?? 2), exp.data.scale);
    return evaluation;
  };

  for (const exp of experiments) {
    const started = Date.now();
    if (!isTrainable(exp)) {
      const model = buildExperimentModel(exp);
      try {
        log(`[${exp.name}] no weights to train: evaluating directly`);
        const evaluation = await record(exp.name, modelLabel(exp, model), modelPredictor(model), exp, { params: 0, steps: 0 });
        runs.push({ experiment: exp.name, runDir: null, outcome: 'no training', evaluation, trainSeconds: 0 });
      } finally {
        model.dispose();
      }
      continue;
    }
    const runDir = path.join(runsDir, exp.name);
    if (opts.fresh) {
      const holder = lockHolder(runDir);
      if (holder) throw new LockedError(`${runDir}: in use by ${holder}; --fresh would delete a run that is being written`);
      fs.rmSync(runDir, { recursive: true, force: true });
    }
    const state = runState(runDir);
    let outcome: RunOutcome;
    if (state === 'finished') {
      outcome = 'reused';
      log(`[${exp.name}] reusing the finished run in ${runDir} (--fresh retrains)`);
    } else {
      outcome = state === 'partial' ? 'resumed' : 'trained';
      log(`[${exp.name}] ${state === 'partial' ? 'resuming' : 'training'} → ${runDir}${exp.train.maxMinutes !== undefined ? ` (budget ${exp.train.maxMinutes} min)` : ''}`);
      const trained = await trainExperiment(exp, { runDir, resume: state === 'partial', progress: opts.progress, data: await dataFor(exp), signal: opts.signal });
      trained.model.dispose();
    }
    const trainSeconds = (Date.now() - started) / 1000;
    const loaded = loadRunModel(runDir);
    try {
      const steps = readCheckpointDir(loaded.checkpointDir).step;
      const evaluation = await record(exp.name, modelLabel(exp, loaded.model), modelPredictor(loaded.model), exp, {
        params: loaded.model.trainableVariables().reduce((n, v) => n + v.size, 0),
        steps,
      });
      if (!tapsWritten && exp.model.architecture === 'jasrnet') {
        const data = await dataFor(exp);
        tapsWritten = writeFusionTaps(dir, exp.name, loaded.model, data.test[0], exp.data.scale) !== null;
      }
      runs.push({ experiment: exp.name, runDir, outcome, evaluation, trainSeconds });
      log(`[${exp.name}] evaluated ${path.relative('.', loaded.checkpointDir)} (step ${steps}) on ${evaluation.summary.count} test faces`);
    } finally {
      loaded.model.dispose();
    }
  }

  if (opts.meanShape !== false && table.metrics.some((m) => m === 'nme' || m.startsWith('auc') || m.startsWith('fr'))) {
    const exp = experiments[0];
    const data = await dataFor(exp);
    const hrSize = hrSizeForScale(exp.data.scale);
    await record('mean-shape', 'training-set mean shape in the crop frame (no learning)', meanShapePredictor(data.train, hrSize), exp, { params: 0, steps: 0 });
  }

  const files = writeTable(dir, rows, { title: table.title, metrics: [...table.metrics, ...rows.flatMap((r) => Object.keys(r.metrics)).filter((k, i, a) => !table.metrics.includes(k) && a.indexOf(k) === i)] });
  const cedFile = path.join(dir, 'ced.json');
  fs.writeFileSync(cedFile, JSON.stringify(ced));
  let report: BuildReportResult | null = null;
  try {
    report = await buildReport(dir, { outDir: path.join(dir, 'report'), staticFigures: opts.staticFigures ?? true });
  } catch (e) {
    log(`report not written: ${(e as Error).message}`);
  }
  return { table: name, dir, rows, runs, files: { ...files, ced: cedFile }, report };
}
