/**
 * The seam for models with several optimised parts (a GAN's generator and discriminator): each is a player with
 * its own variables, loss, optimiser and schedule. The stepper (./stepper.ts) updates them in order on one batch;
 * the gradient engine (./parallel/engine.ts) computes each player's gradients, on one thread or data-parallel.
 */
import type * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig, ScheduleConfig } from './config';
import type { LossTerms, StepContext, TrainableModel } from './trainable';

/** One optimised part of a model. */
export interface Player<Batch> {
  /** Names the player in logs ('<name>.<term>') and in the saved step counts; unique within the model. */
  name: string;
  /** The variables its optimiser updates: among the model's namedVariables, disjoint from other players'. */
  variables: tf.Variable[];
  lossFn(batch: Batch, ctx: StepContext): LossTerms;
  /** Default train.optimizer / train.schedule. */
  optimizer?: OptimizerConfig;
  schedule?: ScheduleConfig;
  /** Updates per optimiser step (default 1), each a fresh loss and gradient on the same batch. */
  updatesPerStep?: number;
  /**
   * Steps 1 … warmupSteps only measure this player's loss (for the log and the finite check; no gradient, no
   * update, its optimiser's step count stays 0): e.g. a discriminator held still while the generator learns the
   * pixel solution first. Default 0.
   */
  warmupSteps?: number;
}

/** A trainable stepped by several players instead of its single lossFn. */
export interface MultiPlayerModel<Batch, ValData = unknown> extends TrainableModel<Batch, ValData> {
  players(): Player<Batch>[];
}

export function hasPlayers<B, V>(m: TrainableModel<B, V>): m is MultiPlayerModel<B, V> {
  return typeof (m as Partial<MultiPlayerModel<B, V>>).players === 'function';
}
