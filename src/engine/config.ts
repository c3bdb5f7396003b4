/**
 * The `train` section of an experiment: optimiser, schedule, loss weighting, model selection and budgets.
 * Defaults follow the official JASRNet recipe (reference notes §2): Adam lr 5e-5, β (0.9, 0.999), ε 1e-8,
 * coupled L2 5e-4 on every parameter, MultiStepLR [20, 30] γ 0.5, 40 epochs, batch 2, no clipping, seed 1,
 * loss = 1·heatmap + 1·L1. The one deliberate difference: the official code picks the best epoch by *test*
 * PSNR; here selection uses the validation split unless the run names the mode 'official-selection'.
 */
import type { Schema } from '../core/schema';
import { ConfigError } from '../core/schema';

/** 'coupled': L2 added to the gradient (torch.optim.Adam weight_decay); 'decoupled': AdamW. */
export type WeightDecayMode = 'coupled' | 'decoupled';

export interface OptimizerConfig {
  type: 'adam';
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  decay: WeightDecayMode;
}

/** Step schedule indexed by 1-based epoch: lr · gamma^(number of milestones strictly below the epoch). */
export interface ScheduleConfig {
  type: 'step';
  milestones: number[];
  gamma: number;
}

export type SelectionMetric = 'nme' | 'psnr' | 'ssim' | 'loss';

export interface SelectionConfig {
  metric: SelectionMetric;
  /** Which split selects the best epoch; 'test' is only accepted with mode 'official-selection'. */
  split: 'val' | 'test';
  /**
   * 'standard': honest selection on a held-out split. 'official-selection': reproduces the official code,
   * which keeps the epoch with the best *test* score (reported numbers are then optimistically biased).
   */
  mode: 'standard' | 'official-selection';
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  /** Global-norm gradient clipping threshold; 0 = off (official gclip 0). */
  gradClip: number;
  lossWeights: { pixel: number; heatmap: number };
  pixelLoss: 'l1' | 'l2';
  /** 'official': SSE over masked heatmaps summed over stages, ÷ (2·B); 'mean': mean squared error. */
  heatmapLoss: 'official' | 'mean';
  selection: SelectionConfig;
  seed: number;
  /** Also save `last` every this many steps (0 = only at the end of each epoch). */
  checkpointEvery: number;
  /** Write a step record to the run log every this many steps. */
  logEvery: number;
  /** Stop (after saving) once this many optimiser steps have run in total. */
  maxSteps?: number;
  /** Stop (after saving) once this many minutes of wall-clock time have passed in this process. */
  maxMinutes?: number;
  /**
   * Data-parallel replicas per step (main thread + workers, src/engine/parallel/): 'auto' = one per core on the
   * XNNPACK path, one replica when the native addon's oneDNN convs already use every core (replicas measured no
   * faster there, bench/RESULTS.md); 1 = the single-thread path. Same results up to float32 summation order; falls
   * back to 1 with a reason where it cannot run.
   */
  workers?: number | 'auto';
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 40,
  // option.py says 8, but every logged official run used batch 2 (2 GPUs × 1).
  batchSize: 2,
  optimizer: { type: 'adam', lr: 5e-5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 5e-4, decay: 'coupled' },
  schedule: { type: 'step', milestones: [20, 30], gamma: 0.5 },
  gradClip: 0,
  lossWeights: { pixel: 1, heatmap: 1 },
  pixelLoss: 'l1',
  heatmapLoss: 'official',
  selection: { metric: 'psnr', split: 'val', mode: 'standard' },
  seed: 1,
  checkpointEvery: 0,
  logEvery: 10,
  workers: 'auto',
};

/** Largest train.workers an experiment may ask for. */
export const MAX_WORKERS = 64;

const positiveInt: Schema = { type: 'number', integer: true, min: 1 };
const nonNegativeInt: Schema = { type: 'number', integer: true, min: 0 };

export const TRAIN_CONFIG_SCHEMA: Schema & { type: 'object' } = {
  type: 'object',
  fields: {
    epochs: positiveInt,
    batchSize: positiveInt,
    optimizer: {
      type: 'object',
      fields: {
        type: { type: 'enum', values: ['adam'] },
        lr: { type: 'number', min: 0 },
        beta1: { type: 'number', min: 0, max: 0.999999 },
        beta2: { type: 'number', min: 0, max: 0.999999999 },
        epsilon: { type: 'number', min: 0 },
        weightDecay: { type: 'number', min: 0 },
        decay: { type: 'enum', values: ['coupled', 'decoupled'] },
      },
    },
    schedule: {
      type: 'object',
      fields: {
        type: { type: 'enum', values: ['step'] },
        milestones: { type: 'array', items: positiveInt },
        gamma: { type: 'number', min: 0 },
      },
    },
    gradClip: { type: 'number', min: 0 },
    lossWeights: { type: 'object', fields: { pixel: { type: 'number', min: 0 }, heatmap: { type: 'number', min: 0 } } },
    pixelLoss: { type: 'enum', values: ['l1', 'l2'] },
    heatmapLoss: { type: 'enum', values: ['official', 'mean'] },
    selection: {
      type: 'object',
      fields: {
        metric: { type: 'enum', values: ['nme', 'psnr', 'ssim', 'loss'] },
        split: { type: 'enum', values: ['val', 'test'] },
        mode: { type: 'enum', values: ['standard', 'official-selection'] },
      },
    },
    seed: { type: 'number', integer: true },
    checkpointEvery: nonNegativeInt,
    logEvery: positiveInt,
    maxSteps: { type: 'optional', inner: positiveInt },
    maxMinutes: { type: 'optional', inner: { type: 'number', min: 0 } },
    // The schema language has no unions: 'auto' or a replica count up to MAX_WORKERS.
    workers: { type: 'optional', inner: { type: 'enum', values: ['auto', ...Array.from({ length: MAX_WORKERS }, (_, i) => i + 1)] } },
  },
};

/** Rules across keys that a per-key schema cannot say; `file` names the experiment in the error. */
export function checkTrainConfig(c: TrainConfig, file: string): void {
  if (c.selection.split === 'test' && c.selection.mode !== 'official-selection') {
    throw new ConfigError(
      file,
      'train.selection.split',
      "'test' selects the best epoch on the test set; allowed only with train.selection.mode 'official-selection'",
    );
  }
  const m = c.schedule.milestones;
  for (let i = 1; i < m.length; i++) {
    if (m[i] <= m[i - 1]) throw new ConfigError(file, `train.schedule.milestones[${i}]`, `must be increasing, found ${m[i - 1]} then ${m[i]}`);
  }
}

/** True when a larger value of the metric is better. */
export function higherIsBetter(metric: SelectionMetric): boolean {
  return metric === 'psnr' || metric === 'ssim';
}
