/**
 * One batch held across the phases of an optimiser step: each phase takes one gradient target's (one player's)
 * gradients or loss terms at the current weights, the caller applying that player's update before the next
 * phase. On one thread the batch stays whole; data-parallel, it is cut into shards once (the main thread keeps the
 * first, each worker holds one), every phase runs on every shard at the same time, and the results are combined
 * weighted by shard size, as the single-player engine always did (./engine.ts). A GAN's D phases therefore judge,
 * on each replica, the SR images its own G phase produced from its own shard.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensors } from '../optimizer';
import type { StepContext } from '../trainable';
import { EntryRange, FlatLayout, wholeLayout, writeVariables } from './layout';
import { LocalGradients, targetGradients, targetValues } from './local-gradients';
import type { ReplicaPool, WorkerShardResult } from './replica-pool';
import { weightedMeans } from './shards';
import type { GradientTarget } from './targets';
import type { BatchPayload } from './types';

export interface BatchPhases {
  /**
   * Target `target`'s loss terms and gradients (by variable name; the caller disposes them). The caller applies
   * that target's update before the next phase: the next phase republishes its weights to the replicas.
   */
  gradients(target: number): Promise<LocalGradients>;
  /** Target `target`'s loss terms without gradients (a player's warm-up): weights do not change after it. */
  values(target: number): Promise<Record<string, number>>;
  /** Frees the main thread's batch (workers free their shard when the next one arrives). */
  release(): void;
}

/** The whole batch on this thread. */
export class LocalPhases<B> implements BatchPhases {
  constructor(
    private readonly targets: GradientTarget<B>[],
    private readonly batch: B,
    private readonly ctx: StepContext,
    private readonly dispose: (batch: B) => void,
  ) {}

  async gradients(target: number): Promise<LocalGradients> {
    return targetGradients(this.targets[target], this.batch, this.ctx);
  }

  async values(target: number): Promise<Record<string, number>> {
    return targetValues(this.targets[target], this.batch, this.ctx);
  }

  release(): void {
    this.dispose(this.batch);
  }
}

/** What the sharded phases share with their engine for the whole run. */
export interface ShardedRun<B> {
  targets: GradientTarget<B>[];
  /** Each target's entries in both layouts (the targets' variables come first in the weight layout, in order). */
  targetRanges: EntryRange[];
  all: Record<string, tf.Variable>;
  pool: ReplicaPool;
  dispose(batch: B): void;
}

const NOTHING: EntryRange = [0, 0];

/** The main thread's shard `head` and the workers' shards `rest` (payloads, sent with the first phase). */
export class ShardedPhases<B> implements BatchPhases {
  private unsent: BatchPayload[] | null;
  /** Weight entries changed since the workers last read them (by the update of the last gradient phase). */
  private changed: EntryRange;

  constructor(
    private readonly run: ShardedRun<B>,
    private readonly head: B,
    rest: BatchPayload[],
    private readonly counts: number[],
    private readonly ctx: StepContext,
  ) {
    this.unsent = rest;
    // The step's first phase publishes every weight: restores and the previous step's updates all reach the workers.
    this.changed = wholeLayout(run.pool.weightLayout);
  }

  async gradients(target: number): Promise<LocalGradients> {
    const { local, shards } = await this.phase(
      target,
      'gradients',
      () => targetGradients(this.run.targets[target], this.head, this.ctx),
      (g) => tf.dispose(Object.values(g.grads)),
    );
    try {
      return {
        values: weightedMeans([local.values, ...shards.map((s) => s.values)], this.counts),
        grads: combine(this.run.pool.gradLayout, this.run.targetRanges[target], local.grads, shards, this.counts),
      };
    } finally {
      tf.dispose(Object.values(local.grads));
    }
  }

  async values(target: number): Promise<Record<string, number>> {
    const { local, shards } = await this.phase(target, 'values', () => targetValues(this.run.targets[target], this.head, this.ctx));
    return weightedMeans([local, ...shards.map((s) => s.values)], this.counts);
  }

  release(): void {
    this.run.dispose(this.head);
  }

  /** Starts the phase on the workers, computes the main thread's shard meanwhile, then waits for the workers. */
  private async phase<T>(
    target: number,
    mode: 'gradients' | 'values',
    onHead: () => T,
    discard: (local: T) => void = () => undefined,
  ): Promise<{ local: T; shards: WorkerShardResult[] }> {
    const { pool, all } = this.run;
    const refresh = this.changed;
    writeVariables(pool.weightLayout, all, pool.weights, refresh);
    const shards = this.unsent ?? this.counts.slice(1).map(() => undefined);
    this.unsent = null;
    this.changed = mode === 'gradients' ? this.run.targetRanges[target] : NOTHING;
    const remote = pool.run({ step: this.ctx.step, epoch: this.ctx.epoch, target, mode, refresh }, shards);
    // A worker failure surfaces at the await below; a failure here waits for the workers, so no reply is left
    // pending for a later phase to receive.
    remote.catch(() => undefined);
    let local: T;
    try {
      local = onHead();
    } catch (e) {
      await remote.catch(() => undefined);
      throw e;
    }
    try {
      return { local, shards: await remote };
    } catch (e) {
      discard(local);
      throw e;
    }
  }
}

/**
 * Σ_i (counts_i / total) · g_i per variable of the target's entries, from the main thread's tensors and the
 * workers' shared buffers.
 */
function combine(layout: FlatLayout, range: EntryRange, local: NamedTensors, shards: WorkerShardResult[], counts: number[]): NamedTensors {
  const total = counts.reduce((a, b) => a + b, 0);
  const out: NamedTensors = {};
  for (const e of layout.entries.slice(range[0], range[1])) {
    const g = local[e.name];
    shards.forEach((s, i) => {
      if (s.present.has(e.name) !== (g !== undefined)) {
        throw new Error(`data-parallel: variable '${e.name}' has a gradient on ${g !== undefined ? 'the main thread' : `worker ${i + 1}`} only`);
      }
    });
    if (g === undefined) continue;
    const sum = Float32Array.from(g.dataSync() as Float32Array, (x) => (counts[0] / total) * x);
    shards.forEach((s, i) => {
      const w = counts[i + 1] / total;
      const src = s.grads;
      for (let j = 0, k = e.offset; j < e.size; j++, k++) sum[j] += w * src[k];
    });
    out[e.name] = tf.tensor(sum, e.shape, 'float32');
  }
  return out;
}
