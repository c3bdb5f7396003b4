/**
 * Contracts of data-parallel training: how a worker thread rebuilds a replica of the model being trained, and
 * how one batch travels to it as plain typed arrays (structured clone / transfer, no tensors across threads).
 */
import type { Json } from '../../core/overrides';
import type { TrainableModel } from '../trainable';

/** One tensor as plain data. */
export interface TensorPayload {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** A batch shard as named tensors (plus any JSON the module needs, e.g. sample ids). */
export interface BatchPayload {
  tensors: Record<string, TensorPayload>;
  extra?: Json;
}

/**
 * Where a worker finds the code that rebuilds a replica: `module` is an absolute path (a .ts file is loaded
 * through tsx) whose export `exportName` is a ReplicaModule; `args` (JSON) is handed to its `create`.
 */
export interface ReplicaRecipe {
  module: string;
  exportName: string;
  args: Json;
}

/**
 * What a recipe module provides. Data parallelism is exact only when the model's loss (every player's) is a *mean* over the
 * images of the batch (so that the batch loss is the shard losses weighted by shard size) and when lossFn draws
 * no randomness from the step context (workers have no access to the trainer's RNG).
 */
export interface ReplicaModule<Batch> {
  /** A model with the same variables (names, shapes) as the original; its weights are overwritten every step. */
  create(args: Json): TrainableModel<Batch, unknown>;
  /**
   * Splits a batch into consecutive shards of `counts` images: the first stays a Batch (computed on the main
   * thread), the others become payloads for workers. Does not dispose `batch`.
   */
  split(batch: Batch, counts: number[]): { head: Batch; rest: BatchPayload[] };
  /** A worker's Batch from a payload (tensors the caller disposes through the model's disposeBatch). */
  fromPayload(payload: BatchPayload): Batch;
}

/** A TrainableModel that can be replicated in worker threads. */
export interface Replicable {
  replicaRecipe(): ReplicaRecipe;
  /**
   * Why this configuration of the model cannot be cut into shards exactly (e.g. a loss that couples the images of
   * a batch), or null; absent = it can.
   */
  replicaProblem?(): string | null;
}

export function isReplicable(m: object): m is Replicable {
  return typeof (m as Partial<Replicable>).replicaRecipe === 'function';
}
