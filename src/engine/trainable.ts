/**
 * What the trainer needs from a model, whatever it is: the tiny models of the tests implement this directly;
 * src/task/jasr-adapter.ts maps a FaceModel + the joint loss + FaceBatch onto it. A model with several optimised
 * parts (a GAN's generator and discriminator) also implements players() (./stepper.ts: MultiPlayerModel); its
 * lossFn and trainableVariables are then not used for stepping.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainRng } from './rng';

export interface LossTerms {
  /** What is minimised. */
  total: tf.Scalar;
  /** Terms to log by name (e.g. pixel, heatmap); `total` is logged as well and need not be repeated here. */
  terms: Record<string, tf.Scalar>;
}

export interface StepContext {
  /** 1-based step and epoch being run. */
  step: number;
  epoch: number;
  /** The trainer's checkpointed RNG: draw any training-time randomness from it so resume stays exact. */
  rng: TrainRng;
}

export interface TrainableModel<Batch, ValData = unknown> {
  /** Every variable that a checkpoint holds, by stable name. */
  namedVariables(): Record<string, tf.Variable>;
  /** The variables the optimiser updates (a subset of namedVariables). */
  trainableVariables(): tf.Variable[];
  /** Loss of one batch, built from tf ops on the variables (runs under tf.variableGrads). */
  lossFn(batch: Batch, ctx: StepContext): LossTerms;
  /** Validation metrics (e.g. psnr, ssim, nme, loss); must dispose what it makes. */
  evaluate(val: ValData): Promise<Record<string, number>>;
  /** Names of the `terms` lossFn returns and the metrics evaluate returns: the run log's columns. */
  readonly lossTermNames: string[];
  readonly metricNames: string[];
  /** Images in a batch (for images/s). */
  batchSize(batch: Batch): number;
  disposeBatch(batch: Batch): void;
  /**
   * Consecutive parts of `counts` images each (summing to the batch), for train.microBatch (./accumulate.ts);
   * does not dispose `batch`. Accumulation is exact only when lossFn is a mean over the batch's images.
   */
  splitBatch?(batch: Batch, counts: number[]): Batch[];
}

/** The training stream; `next` wraps to the following epoch after `batchesPerEpoch` batches (as BatchLoader does). */
export interface TrainLoader<Batch> {
  readonly batchesPerEpoch: number;
  next(): Batch | Promise<Batch>;
  /** Position, saved in checkpoints as opaque JSON and handed back to restore. */
  state(): unknown;
  restore(state: unknown): void;
}
