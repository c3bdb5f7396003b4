/**
 * The gradient step of the trainer, on one thread or data-parallel. The parallel engine cuts the global batch
 * into shards, computes the first on the main thread and the rest in replica workers at the same time, and
 * returns the shard-size-weighted mean of gradients and loss terms: the gradient of the same global-batch
 * mean loss, up to float32 summation order. The main thread keeps the only optimiser (so checkpoints and resume
 * are unchanged) and publishes its weights to the workers before each step.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../backend/index';
// A file, not the folder: tslab cannot import directories.
import { preferredReplicas, replicableBackend, replicasPointless, shareCores } from '../../backend/thread-budget';
import type { NamedTensors } from '../optimizer';
import type { StepContext, TrainableModel } from '../trainable';
import { FlatLayout, flatLayout, writeVariables } from './layout';
import { LocalGradients, localGradients } from './local-gradients';
import { ReplicaPool, WorkerShardResult } from './replica-pool';
import { shardCounts, weightedMeans } from './shards';
import { ReplicaModule, isReplicable } from './types';
import { WorkersSetting, resolveWorkers } from './worker-count';

export interface GradientEngine<Batch> {
  /** Threads computing each step (1 = the single-thread path). */
  readonly replicas: number;
  /** One line for the progress output: what runs, or why data parallelism is off; null when nothing to say. */
  readonly note: string | null;
  /** Loss terms and gradients of `batch` (disposed here); the caller disposes the gradients. */
  compute(batch: Batch, ctx: StepContext): Promise<LocalGradients>;
  close(): Promise<void>;
}

class SingleThreadEngine<B, V> implements GradientEngine<B> {
  readonly replicas = 1;
  constructor(
    private readonly model: TrainableModel<B, V>,
    private readonly trainable: Record<string, tf.Variable>,
    readonly note: string | null,
  ) {}

  async compute(batch: B, ctx: StepContext): Promise<LocalGradients> {
    return localGradients(this.model, batch, ctx, this.trainable);
  }

  async close(): Promise<void> {}
}

class DataParallelEngine<B, V> implements GradientEngine<B> {
  readonly note: string;

  constructor(
    private readonly model: TrainableModel<B, V>,
    private readonly module: ReplicaModule<B>,
    private readonly all: Record<string, tf.Variable>,
    private readonly trainable: Record<string, tf.Variable>,
    private readonly pool: ReplicaPool,
    private readonly backend: BackendName,
  ) {
    this.note = `data-parallel: ${this.replicas} replicas (main thread + ${pool.size} worker${pool.size === 1 ? '' : 's'}) on ${backend}`;
  }

  get replicas(): number {
    return this.pool.size + 1;
  }

  async compute(batch: B, ctx: StepContext): Promise<LocalGradients> {
    const counts = shardCounts(this.model.batchSize(batch), this.replicas);
    if (counts.length === 1) return localGradients(this.model, batch, ctx, this.trainable);
    writeVariables(this.pool.weightLayout, this.all, this.pool.weights);
    let split: { head: B; rest: ReturnType<ReplicaModule<B>['split']>['rest'] };
    try {
      split = this.module.split(batch, counts);
    } finally {
      this.model.disposeBatch(batch);
    }
    const remote = this.pool.step(ctx.step, ctx.epoch, split.rest);
    // Workers run while the main thread computes its own shard; a worker failure surfaces at the await below.
    remote.catch(() => undefined);
    const local = localGradients(this.model, split.head, ctx, this.trainable);
    let shards: WorkerShardResult[];
    try {
      shards = await remote;
    } catch (e) {
      tf.dispose(Object.values(local.grads));
      throw e;
    }
    try {
      return {
        values: weightedMeans([local.values, ...shards.map((s) => s.values)], counts),
        grads: combine(this.pool.gradLayout, local.grads, shards, counts),
      };
    } finally {
      tf.dispose(Object.values(local.grads));
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
    // The main thread had its share of the cores while the workers ran; alone again, it gets them all.
    shareCores(this.backend, 1);
  }
}

/** Σ_i (counts_i / total) · g_i per variable, from the main thread's tensors and the workers' shared buffers. */
function combine(layout: FlatLayout, local: NamedTensors, shards: WorkerShardResult[], counts: number[]): NamedTensors {
  const total = counts.reduce((a, b) => a + b, 0);
  const out: NamedTensors = {};
  for (const e of layout.entries) {
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

/**
 * The engine for `workers` (train.workers): the data-parallel one when it can run here, else the single-thread
 * one with a note saying why not.
 */
export async function createGradientEngine<B, V>(
  model: TrainableModel<B, V>,
  all: Record<string, tf.Variable>,
  trainable: Record<string, tf.Variable>,
  workers: WorkersSetting | undefined,
): Promise<GradientEngine<B>> {
  const automatic = workers === undefined || workers === 'auto';
  // The backend may know better than one replica per core (src/backend/thread-budget.ts).
  const preferred = automatic ? preferredReplicas() : null;
  if (preferred !== null && preferred.replicas === 1) return new SingleThreadEngine(model, trainable, `one replica: ${preferred.reason}`);
  const replicas = resolveWorkers(workers);
  if (replicas === 1) return new SingleThreadEngine(model, trainable, null);
  const off = (why: string): GradientEngine<B> => new SingleThreadEngine(model, trainable, `data-parallel off (one thread): ${why}`);
  const backend = replicableBackend();
  if (backend === null) return off(`backend '${tf.getBackend()}' cannot be started in a worker`);
  const pointless = replicasPointless(backend);
  if (pointless !== null) return off(pointless);
  if (typeof SharedArrayBuffer === 'undefined') return off('SharedArrayBuffer is not available in this runtime');
  if (!isReplicable(model)) return off('this model has no replicaRecipe() (workers cannot rebuild it)');
  const recipe = model.replicaRecipe();
  let module: ReplicaModule<B>;
  try {
    const loaded = (require(recipe.module) as Record<string, ReplicaModule<B> | undefined>)[recipe.exportName];
    if (!loaded) throw new Error(`${recipe.module} has no export '${recipe.exportName}'`);
    module = loaded;
  } catch (e) {
    return off((e as Error).message.split('\n')[0]);
  }
  const weightLayout = flatLayout(all);
  const gradLayout = flatLayout(trainable);
  try {
    const pool = await ReplicaPool.start(replicas - 1, recipe, backend, weightLayout, gradLayout);
    shareCores(backend, replicas);
    return new DataParallelEngine(model, module, all, trainable, pool, backend);
  } catch (e) {
    return off(`workers did not start: ${(e as Error).message.split('\n')[0]}`);
  }
}
