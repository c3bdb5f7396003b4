/**
 * One experiment, as data → a trained run directory, and a run directory → the model it trained.
 *
 * Keys that two sections both hold have one source of truth: `train.batchSize` and `train.seed` win; the
 * data section's `batchSize` and `seed` are derived from them for every run (so a `--set train.seed=2`
 * changes weights, shuffling and augmentation together), and the model's weight seed is `train.seed` too.
 * `data.scale` must equal `model.scale` (an error naming both keys otherwise).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildModel } from '../model/build';
import type { FaceModel } from '../model/types';
import type { DataConfig } from '../data/config';
import { openDataset, OpenedDataset } from '../data/open';
import { BatchLoader } from '../data/loader';
import { ConfigError } from '../core/schema';
import { Experiment, loadExperiment } from '../config/load';
import { CheckpointError, CheckpointStore, readCheckpointDir, restoreVariables } from '../engine/checkpoint';
import { JasrTrainable, ValidationOptions } from '../task/jasr-adapter';
import { generatorProblem, JasrGanTrainable } from '../task/jasr-gan';
import { buildDiscriminator } from '../model/discriminator';
import { train, TrainOptions, TrainResult } from '../engine/trainer';
import { readRunLog } from '../engine/log';

/** Where runs go by default: <cwd>/runs/<experiment name>. */
export const DEFAULT_RUNS_DIR = 'runs';

/** The data config a run actually uses: train.batchSize and train.seed override data.batchSize and data.seed. */
export function runDataConfig(exp: Experiment): DataConfig {
  return { ...exp.data, batchSize: exp.train.batchSize, seed: exp.train.seed };
}

/** Cross-section rules that no single section can check. */
export function checkExperiment(exp: Experiment): void {
  if (exp.data.scale !== exp.model.scale) {
    throw new ConfigError(exp.file, 'data.scale', `must equal model.scale: data.scale is ${exp.data.scale}, model.scale is ${exp.model.scale}`);
  }
  const arch = exp.model.architecture;
  if ((exp.train.lossWeights.heatmapConsistency ?? 0) > 0 && arch !== 'jasrnet')
    throw new ConfigError(
      exp.file,
      'train.lossWeights.heatmapConsistency',
      `needs model.architecture 'jasrnet' (its alignment branch is applied to its SR output), found '${arch}'`,
    );
  const adv = exp.train.adversarial;
  if (adv) {
    const problem = generatorProblem(exp.model, adv);
    if (problem !== null) throw new ConfigError(exp.file, 'train.adversarial', problem);
  }
}

/**
 * The trainable of an experiment: the joint-loss adapter, or the two-player GAN one with train.adversarial. The
 * caller disposes the model, then the trainable (which frees the discriminator).
 */
export function experimentTrainable(exp: Experiment, model: FaceModel, validation: ValidationOptions): JasrTrainable | JasrGanTrainable {
  const adv = exp.train.adversarial;
  return adv ? new JasrGanTrainable(model, exp.train, adv, exp.eval, validation) : new JasrTrainable(model, exp.train, exp.eval, validation);
}

/** The generator's share of a checkpoint's variables: a GAN run also saved its discriminator (disc/…). */
export function generatorVariables<T>(exp: Experiment, saved: Record<string, T>): Record<string, T> {
  if (!exp.train.adversarial) return saved;
  const d = buildDiscriminator(exp.train.adversarial.discriminator, exp.train.seed);
  try {
    const names = new Set(Object.keys(d.namedVariables()));
    return Object.fromEntries(Object.entries(saved).filter(([n]) => !names.has(n)));
  } finally {
    d.dispose();
  }
}

/** model.depth trains on z labels: a dataset whose training faces carry none is refused (one line, names the dataset). */
export function checkDepthData(exp: Experiment, data: OpenedDataset): void {
  if (!exp.model.depth || data.train.some((s) => s.depth !== undefined)) return;
  throw new ConfigError(
    exp.file,
    'model.depth',
    `the depth head needs z labels, but the ${data.info.name} dataset (data.format '${exp.data.format}') has none in its ${data.train.length} training faces; use a 3D set (docs/3d.md) or set model.depth to false`,
  );
}

/** True when the architecture has weights to train (bicubic has none). */
export function isTrainable(exp: Experiment): boolean {
  return exp.model.architecture !== 'bicubic';
}

export function buildExperimentModel(exp: Experiment): FaceModel {
  return buildModel(exp.model, exp.train.seed);
}

export async function openExperimentData(exp: Experiment): Promise<OpenedDataset> {
  checkExperiment(exp);
  return openDataset(runDataConfig(exp));
}

export interface TrainExperimentOptions extends Omit<TrainOptions, 'runDir'> {
  /** Default runs/<experiment name>. */
  runDir?: string;
  /** Already opened data (reproduceTable opens each dataset once for several experiments). */
  data?: OpenedDataset;
}

export interface TrainedExperiment {
  result: TrainResult;
  runDir: string;
  model: FaceModel;
  data: OpenedDataset;
}

/** Trains (or resumes) one experiment; the caller owns the returned model (dispose it). */
export async function trainExperiment(exp: Experiment, opts: TrainExperimentOptions = {}): Promise<TrainedExperiment> {
  checkExperiment(exp);
  if (!isTrainable(exp)) throw new ConfigError(exp.file, 'model.architecture', `'${exp.model.architecture}' has no weights to train; evaluate it directly`);
  const runDir = opts.runDir ?? path.join(DEFAULT_RUNS_DIR, exp.name);
  const data = opts.data ?? (await openExperimentData(exp));
  if (data.train.length === 0) throw new ConfigError(exp.file, 'data', `the ${exp.data.format} training split is empty`);
  checkDepthData(exp, data);
  const dc = runDataConfig(exp);
  const trainLoader = new BatchLoader(data.train, {
    scale: exp.data.scale,
    batchSize: dc.batchSize,
    seed: dc.seed,
    augment: dc.augment,
    heatmapSigma: dc.heatmapSigma,
    quantize: dc.quantize ?? false,
  });
  // Validation takes the split's samples: the evaluator (src/task/evaluate.ts) batches them as `jasr eval` does.
  const val = data.val.length > 0 ? data.val : undefined;
  const model = buildExperimentModel(exp);
  let trainable: JasrTrainable | JasrGanTrainable | undefined;
  try {
    trainable = experimentTrainable(exp, model, { heatmapSigma: dc.heatmapSigma, quantize: dc.quantize ?? false, dataset: data.info });
    const { data: _unused, runDir: _dir, ...trainOpts } = opts;
    const result = await train(trainable, { train: trainLoader, val }, exp, { ...trainOpts, runDir });
    return { result, runDir, model, data };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    // The returned model is the generator; a GAN's discriminator is not needed past training.
    if (trainable instanceof JasrGanTrainable) trainable.dispose();
  }
}

export type RunState = 'absent' | 'partial' | 'finished';

/**
 * 'finished': the log ends with a 'done' or 'budget' event (a budget is the experiment's fixed allowance, so a
 * re-run reuses it rather than training on); 'partial': checkpoints or a log without such an event (interrupted:
 * resume, which starts again from step 0 when no checkpoint was saved yet); 'absent': nothing there.
 */
export function runState(runDir: string): RunState {
  const store = new CheckpointStore(runDir);
  const logFile = path.join(runDir, 'log.jsonl');
  if (!fs.existsSync(logFile) || fs.statSync(logFile).size === 0) return store.has('last') ? 'partial' : 'absent';
  const events = readRunLog(runDir).filter((r) => r.kind === 'event');
  const last = events[events.length - 1];
  if (last && last.kind === 'event' && (last.event === 'done' || last.event === 'budget') && store.has('last')) return 'finished';
  return 'partial';
}

/**
 * A run directory's best checkpoint (else last), or a checkpoint directory itself. The pointers are followed
 * only to complete checkpoint folders inside the run's checkpoints/ (src/engine/checkpoint-record.ts).
 */
export function resolveCheckpointDir(dirOrCheckpoint: string): string {
  if (fs.existsSync(path.join(dirOrCheckpoint, 'meta.json'))) return dirOrCheckpoint;
  const store = new CheckpointStore(dirOrCheckpoint);
  if (store.has('best')) return store.path('best');
  if (store.has('last')) return store.path('last');
  throw new CheckpointError(
    dirOrCheckpoint,
    'expected a run directory (with checkpoints/checkpoints.json) or a checkpoint directory (with meta.json), found neither',
  );
}

/**
 * The experiment recorded in a checkpoint, re-validated with extra `--set` overrides (or replaced by `configFile`).
 * Written to a temporary file so that loadExperiment's validation and error messages apply unchanged.
 */
export function checkpointExperiment(checkpointDir: string, sets: string[] = [], configFile?: string): Experiment {
  if (configFile) return loadExperiment(configFile, sets);
  const recorded = readCheckpointDir(checkpointDir).experiment as unknown as Experiment;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-exp-')), `${recorded.name}.json`);
  const { name, description, model, data, train: trainCfg, eval: evalCfg } = recorded;
  fs.writeFileSync(file, JSON.stringify({ name, description, model, data, train: trainCfg, eval: evalCfg }));
  try {
    const exp = loadExperiment(file, sets);
    return { ...exp, file: recorded.file ?? checkpointDir };
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

export interface LoadedRun {
  model: FaceModel;
  experiment: Experiment;
  checkpointDir: string;
}

/** Builds the experiment's model and loads a checkpoint's weights into it (names and shapes must match). */
export function loadRunModel(dirOrCheckpoint: string, sets: string[] = [], configFile?: string): LoadedRun {
  const checkpointDir = resolveCheckpointDir(dirOrCheckpoint);
  const experiment = checkpointExperiment(checkpointDir, sets, configFile);
  const state = readCheckpointDir(checkpointDir);
  const model = buildExperimentModel(experiment);
  try {
    restoreVariables(model.namedVariables(), generatorVariables(experiment, state.variables), checkpointDir);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, experiment, checkpointDir };
}
