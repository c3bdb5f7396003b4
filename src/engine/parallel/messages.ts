/** Messages between the trainer's main thread and its replica workers. */
import type { BackendName } from '../../backend/index';
import type { EntryRange, FlatLayout } from './layout';
import type { BatchPayload, ReplicaRecipe } from './types';

export interface InitMessage {
  kind: 'init';
  recipe: ReplicaRecipe;
  backend: BackendName;
  /** Replicas in the run (main thread included): each takes its share of the cores (src/backend/thread-budget.ts). */
  replicas: number;
  /**
   * Every named variable, the gradient targets' first (target 0's, then target 1's, …), then the rest: the main
   * thread writes current weights here before each phase.
   */
  weightLayout: FlatLayout;
  weights: Float32Array;
  /** The targets' variables, in the weight layout's order: this worker writes its shard's gradients here. */
  gradLayout: FlatLayout;
  grads: Float32Array;
  /** Entries of each gradient target (./targets.ts), the same indices in both layouts. */
  targetRanges: EntryRange[];
}

/** What one phase of a step computes on the shard: one target's gradients, or only its loss terms. */
export interface Phase {
  step: number;
  epoch: number;
  target: number;
  mode: 'gradients' | 'values';
  /** Weight-layout entries to reload from the shared weights first: those changed since the worker last read them. */
  refresh: EntryRange;
}

export interface PhaseMessage extends Phase {
  kind: 'phase';
  /** A new shard (the worker disposes the one it held); absent: the shard of this step's earlier phases. */
  payload?: BatchPayload;
}

export type ToWorker = InitMessage | PhaseMessage;

export type FromWorker = { kind: 'ready' } | { kind: 'done'; values: Record<string, number>; present: string[] } | { kind: 'error'; message: string };
