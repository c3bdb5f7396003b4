/**
 * collectTable(name): a planned table (./table-plan.ts) → results/<name>/ from its finished runs, whoever ran them
 * (this process, N processes, a Slurm array). Every run's checkpoint (the table's one rule: 'last' or 'best') is
 * evaluated on its fold's test faces; the folds' per-face values are pooled into one evaluation per row and seed;
 * every trained run must have had the same step budget (./table-budget.ts); then the statistics (./table-stats.ts)
 * and the files the report reads: table.json/csv/md with `mean ± interval` cells and the paired differences,
 * differences.csv, stats.json, ced.json, evaluations/<row>.json (per face), samples/, features/, report/.
 * `jasr reproduce` calls this after executing the plan; `jasr collect` calls it alone.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Experiment } from '../config/load';
import { MEAN_SHAPE_ROW } from '../config/tables';
import { ConfigError } from '../core/schema';
import { writeJsonAtomic } from '../core/atomic-write';
import type { OpenedDataset } from '../data/open';
import type { FaceModel } from '../model/types';
import { hrSizeForScale } from '../core/geometry';
import { CheckpointStore, readCheckpointDir } from '../engine/checkpoint';
import { evaluate, FACE_METRIC_COLUMNS, meanShapePredictor, modelPredictor, Predictor } from '../task/evaluate';
import { BootstrapOptions, DEFAULT_BOOTSTRAP, formatDifference, formatMean, decimalsFor, plusMinus } from '../metrics/stats/index';
import { writeStatsTable, StatsTable, StatsRow } from '../report/tables';
import { buildReport, BuildReportResult } from '../report/build';
import { buildExperimentModel, loadRunModel, openExperimentData, resolveCheckpointDir, runDataConfig } from './run-experiment';
import { JobOutcome } from './jobs';
import { planTable, PlannedCell, PlannedTable, TablePlanOptions } from './table-plan';
import { FaceRecord, MetricInterval, PairStats, pairStats, rowInterval } from './table-stats';
import { checkEqualBudgets, RunBudget, runBudget } from './table-budget';
import { writeFusionTaps, writeSrSamples } from './result-extras';
import { OutputSet } from './output-set';

export interface CollectOptions extends TablePlanOptions {
  resultsDir?: string;
  /** Write PNG/SVG figures through Chromium (default true; skipped with a note when Chromium is absent). */
  staticFigures?: boolean;
  /** Add the no-learning 'mean-shape' landmark row when the table reports NME (default true). */
  meanShape?: boolean;
  /** Test faces shown per row in the SR grids (default 2). */
  sampleFaces?: number;
  /** Bootstrap settings (default 10 000 resamples, seed 1: the same table twice gives the same intervals). */
  bootstrap?: BootstrapOptions;
  /** What the executor did with each job (printed beside the runs). */
  outcomes?: Record<string, JobOutcome>;
  log?: (line: string) => void;
}

export interface CollectedRun {
  id: string;
  row: string;
  runDir: string;
  outcome: JobOutcome | 'collected';
  budget: RunBudget;
}

export interface CollectedRow {
  experiment: string;
  model: string;
  protocol: string;
  records: FaceRecord[];
  intervals: Record<string, MetricInterval | null>;
  params: number;
  /** Optimiser steps of the evaluated checkpoints (null: no weights). */
  steps: number | null;
}

export interface CollectResult {
  table: string;
  dir: string;
  planned: PlannedTable;
  rows: CollectedRow[];
  differences: PairStats[];
  runs: CollectedRun[];
  /** The steps every trained run got (equal by construction, or the table failed). */
  steps: number | null;
  stats: StatsTable;
  files: { json: string; csv: string; md: string; differences: string; stats: string; ced: string };
  report: BuildReportResult | null;
}

const LANDMARK_METRIC = (m: string): boolean => m === 'nme' || m.startsWith('nme-box') || m.startsWith('auc') || m.startsWith('fr');

function modelLabel(exp: Experiment, model: FaceModel): string {
  const params = model.trainableVariables().reduce((n, v) => n + v.size, 0);
  const m = exp.model;
  if (m.architecture === 'bicubic') return `bicubic ×${m.scale} (no weights)`;
  const input = m.architecture === 'align-only' ? `, ${m.alignInput} input` : '';
  return `${m.architecture} F${m.features} R${m.trunkBlocks} ×${m.scale}${input}, ${(params / 1000).toFixed(1)}k params`;
}

/** Evaluates a table's finished runs and writes results/<name>/ (see the file comment). */
export async function collectTable(name: string, opts: CollectOptions = {}, planned: PlannedTable = planTable(name, opts)): Promise<CollectResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dir = path.join(opts.resultsDir ?? 'results', name);
  const bootstrap = { ...DEFAULT_BOOTSTRAP, ...opts.bootstrap };
  const { table } = planned;

  // Budgets first: a missing, unfinished or cut run fails the table before anything is evaluated or written.
  const runs: CollectedRun[] = planned.cells
    .filter((c): c is PlannedCell & { job: NonNullable<PlannedCell['job']> } => c.job !== null)
    .map((c) => ({
      id: c.job.id,
      row: c.row,
      runDir: c.job.runDir,
      outcome: opts.outcomes?.[c.job.id] ?? 'collected',
      budget: runBudget(c.job.id, c.job.runDir, c.experiment),
    }));
  const steps = checkEqualBudgets(
    table.file,
    runs.map((r) => r.budget),
  );

  const dataCache = new Map<string, OpenedDataset>();
  const dataFor = async (e: Experiment): Promise<OpenedDataset> => {
    const k = JSON.stringify({ ...runDataConfig(e), augment: null, batchSize: null });
    if (!dataCache.has(k)) dataCache.set(k, await openExperimentData(e));
    const d = dataCache.get(k) as OpenedDataset;
    if (d.test.length === 0) throw new ConfigError(e.file, 'data', `the ${e.data.format} test split is empty`);
    return d;
  };

  const outputs = new OutputSet(dir);
  const records = new Map<string, FaceRecord[]>();
  const labels = new Map<string, { model: string; protocol: string; params: number; steps: number | null }>();
  let tapsWritten = false;
  const score = async (
    row: string,
    cell: { fold: number; seed: number | null; experiment: Experiment },
    predict: Predictor,
    model: FaceModel | null,
    info: { label: string; params: number; steps: number | null },
  ): Promise<void> => {
    const data = await dataFor(cell.experiment);
    const groupOf = new Map(data.test.map((s) => [s.id, s.provenance.group]));
    const evaluation = await evaluate(predict, data.test, cell.experiment.eval, {
      scale: cell.experiment.data.scale,
      quantize: cell.experiment.data.quantize ?? false,
      dataset: data.info,
      faceMetrics: table.metrics.some((m) => (FACE_METRIC_COLUMNS as readonly string[]).includes(m)),
    });
    const list = records.get(row) ?? [];
    for (const r of evaluation.perImage)
      list.push({
        face: r.id,
        group: groupOf.get(r.id) ?? r.id,
        fold: cell.fold,
        seed: cell.seed,
        nme: r.nme,
        psnr: r.psnr,
        ssim: r.ssim,
        ...(r.identity !== undefined ? { identity: r.identity } : {}),
        ...(r.downstreamNme !== undefined ? { downstreamNme: r.downstreamNme } : {}),
        ...(r.nmeBox !== undefined ? { nmeBox: r.nmeBox } : {}),
        ...(r.nme3d !== undefined ? { nme3d: r.nme3d } : {}),
        ...(r.yaw !== undefined ? { yaw: r.yaw } : {}),
      });
    records.set(row, list);
    if (!labels.has(row)) {
      labels.set(row, { model: info.label, protocol: evaluation.protocol.name, params: info.params, steps: info.steps });
      // Pictures from the first cell of each row (fold 0, first seed).
      outputs.add(...writeSrSamples(dir, row, predict, data.test.slice(0, opts.sampleFaces ?? 2), cell.experiment.data.scale));
      if (model && !tapsWritten && cell.experiment.model.architecture === 'jasrnet') {
        const file = writeFusionTaps(dir, row, model, data.test[0], cell.experiment.data.scale);
        if (file) outputs.add(file);
        tapsWritten = file !== null;
      }
    }
  };

  for (const cell of planned.cells) {
    if (!cell.job) {
      const model = buildExperimentModel(cell.experiment);
      try {
        await score(cell.row, cell, modelPredictor(model), null, { label: modelLabel(cell.experiment, model), params: 0, steps: null });
      } finally {
        model.dispose();
      }
      continue;
    }
    const store = new CheckpointStore(cell.job.runDir);
    const checkpointDir = planned.checkpoint === 'last' ? store.path('last') : resolveCheckpointDir(cell.job.runDir);
    const loaded = loadRunModel(checkpointDir);
    try {
      const step = readCheckpointDir(checkpointDir).step;
      const params = loaded.model.trainableVariables().reduce((n, v) => n + v.size, 0);
      await score(cell.row, cell, modelPredictor(loaded.model), loaded.model, { label: modelLabel(cell.experiment, loaded.model), params, steps: step });
      log(`[${cell.job.id}] evaluated the ${planned.checkpoint} checkpoint (step ${step})`);
    } finally {
      loaded.model.dispose();
    }
  }

  const rowNames = planned.rows.map((r) => r.name);
  if (opts.meanShape !== false && table.metrics.some(LANDMARK_METRIC)) {
    for (let fold = 0; fold < planned.folds; fold++) {
      const exp = planned.cells.find((c) => c.fold === fold)?.experiment as Experiment;
      const data = await dataFor(exp);
      await score(MEAN_SHAPE_ROW, { fold, seed: null, experiment: exp }, meanShapePredictor(data.train, hrSizeForScale(exp.data.scale)), null, {
        label: 'training-set mean shape in the crop frame (no learning)',
        params: 0,
        steps: null,
      });
    }
    rowNames.push(MEAN_SHAPE_ROW);
  }

  const rows: CollectedRow[] = rowNames.map((row) => {
    const recs = (records.get(row) ?? []).sort(
      (a, b) => String(a.seed ?? '').localeCompare(String(b.seed ?? ''), 'en', { numeric: true }) || (a.face < b.face ? -1 : a.face > b.face ? 1 : 0),
    );
    const l = labels.get(row)!;
    const intervals = Object.fromEntries(table.metrics.map((m) => [m, rowInterval(row, recs, m, bootstrap)]));
    return { experiment: row, model: l.model, protocol: l.protocol, records: recs, intervals, params: l.params, steps: l.steps };
  });
  const byName = new Map(rows.map((r) => [r.experiment, r]));
  const differences = (table.pairs ?? []).flatMap((p) =>
    p.metrics.map((m) => {
      const a = byName.get(p.a);
      const b = byName.get(p.b);
      if (!a || !b) throw new ConfigError(table.file, 'pairs', `row '${a ? p.b : p.a}' was not evaluated (a mean-shape pair needs a landmark metric)`);
      const d = pairStats(p.a, a.records, p.b, b.records, m, bootstrap);
      if (!d) throw new ConfigError(table.file, 'pairs', `${p.a} − ${p.b}: '${m}' is not measured for both rows`);
      return d;
    }),
  );

  const stats = statsTable(planned, rows, differences, steps, bootstrap);
  const written = writeStatsTable(dir, stats);
  outputs.add(...Object.values(written));
  const ced: Record<string, number[]> = {};
  for (const r of rows) if (r.records.some((x) => x.nme !== undefined)) ced[r.experiment] = r.records.map((x) => x.nme as number);
  const files = { ...written, stats: path.join(dir, 'stats.json'), ced: path.join(dir, 'ced.json') };
  writeJsonAtomic(files.ced, ced);
  writeJsonAtomic(files.stats, {
    table: name,
    design: { folds: planned.folds, foldSeed: planned.foldSeed, seeds: planned.seeds, steps, checkpoint: planned.checkpoint, bootstrap },
    rows: rows.map((r) => ({ experiment: r.experiment, model: r.model, protocol: r.protocol, intervals: r.intervals, steps: r.steps, params: r.params })),
    differences,
    runs: runs.map((r) => ({ id: r.id, row: r.row, runDir: r.runDir, step: r.budget.step, event: r.budget.event })),
  });
  outputs.add(files.ced, files.stats);
  fs.mkdirSync(path.join(dir, 'evaluations'), { recursive: true });
  for (const r of rows) {
    const file = path.join(dir, 'evaluations', `${r.experiment}.json`);
    writeJsonAtomic(file, { experiment: r.experiment, model: r.model, protocol: r.protocol, faces: r.records });
    outputs.add(file);
  }
  let report: BuildReportResult | null = null;
  try {
    report = await buildReport(dir, { outDir: path.join(dir, 'report'), staticFigures: opts.staticFigures ?? true });
  } catch (e) {
    log(`report not written: ${(e as Error).message}`);
  }
  // Files this kit wrote last time and not this time (a row dropped from the table) go; nothing else is touched.
  outputs.commit();
  return { table: name, dir, planned, rows, differences, runs, steps, stats, files, report };
}

/** The report's view: formatted cells (one decimals setting per column), differences and the design notes. */
export function statsTable(
  planned: PlannedTable,
  rows: CollectedRow[],
  differences: PairStats[],
  steps: number | null,
  bootstrap: Required<BootstrapOptions>,
): StatsTable {
  const metrics = planned.table.metrics;
  // One precision per column: two significant digits of the smallest ± in the column.
  const decimals = Object.fromEntries(
    metrics.map((m) => {
      const pms = rows
        .map((r) => r.intervals[m])
        .filter((iv): iv is MetricInterval => iv !== null)
        .map((iv) => plusMinus(iv))
        .filter((v) => v > 0);
      return [m, pms.length > 0 ? Math.max(...pms.map(decimalsFor)) : 4];
    }),
  );
  const statsRows: StatsRow[] = rows.map((r) => ({
    experiment: r.experiment,
    model: r.model,
    protocol: r.protocol,
    cells: Object.fromEntries(
      metrics.map((m) => {
        const iv = r.intervals[m];
        return [m, iv ? { text: formatMean(iv, { decimals: decimals[m] }), mean: iv.mean, lo: iv.lo, hi: iv.hi } : null];
      }),
    ),
    info: { steps: r.steps, seeds: r.intervals[metrics.find((m) => r.intervals[m]) ?? '']?.seeds ?? null, params: r.params },
  }));
  const faces = rows[0]?.records.filter((x) => x.seed === rows[0].records[0].seed).length ?? 0;
  const groups = Object.values(rows[0]?.intervals ?? {}).find((iv) => iv)?.groups ?? 0;
  const notes = [
    `Design: ${planned.folds > 1 ? `${planned.folds}-fold cross-validation by group (every face a test face once, fold seed ${planned.foldSeed})` : "the data set's own test split"}; ${faces} test faces in ${groups} groups; ${planned.seeds ? `training seeds ${planned.seeds.join(', ')}` : "one training seed per row (the experiment's own)"}; ${steps !== null ? `${steps} optimiser steps for every trained row` : 'no trained rows'}; the ${planned.checkpoint === 'last' ? 'last checkpoint of every run (equal steps)' : 'checkpoint each run selected on its validation split'} evaluated.`,
    `Cells: mean ± the larger distance to the ends of its ${Math.round(bootstrap.level * 100)} % ${bootstrap.method} bootstrap interval (${bootstrap.resamples} resamples of groups of faces${planned.seeds && planned.seeds.length > 1 ? ' and of seeds' : ''}, seed ${bootstrap.seed}); differences are paired by face, * marks an interval that excludes 0; p: sign-flip test over groups; detectable (80 %): the true difference this design marks with probability 0.8 (docs/statistics.md).`,
  ];
  return {
    title: planned.table.title,
    metrics,
    rows: statsRows,
    // A difference is often far smaller than the rows' spread: its own two significant digits, not the column's.
    differences: differences.map((d) => {
      const places = Math.max(decimals[d.metric], plusMinus(d) > 0 ? decimalsFor(plusMinus(d)) : 0);
      return { ...d, text: formatDifference(d, { decimals: places }), marked: d.excludesZero, mde80Text: d.mde80.toFixed(places) };
    }),
    notes,
  };
}
