/** Messages between the trainer's main thread and its replica workers. */
import type { BackendName } from '../../backend/index';
import type { FlatLayout } from './layout';
import type { BatchPayload, ReplicaRecipe } from './types';

export interface InitMessage {
  kind: 'init';
  recipe: ReplicaRecipe;
  backend: BackendName;
  /** Replicas in the run (main thread included): each takes its share of the cores (src/backend/thread-budget.ts). */
  replicas: number;
  /** Every named variable: the main thread writes current weights here before each step. */
  weightLayout: FlatLayout;
  weights: Float32Array;
  /** Trainable variables: this worker writes its shard's gradients here. */
  gradLayout: FlatLayout;
  grads: Float32Array;
}

export interface StepMessage {
  kind: 'step';
  step: number;
  epoch: number;
  payload: BatchPayload;
}

export type ToWorker = InitMessage | StepMessage;

export type FromWorker = { kind: 'ready' } | { kind: 'stepped'; values: Record<string, number>; present: string[] } | { kind: 'error'; message: string };
