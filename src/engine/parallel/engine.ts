/**
 * The gradient step of the trainer, on one thread or data-parallel. The parallel engine cuts the global batch
 * into shards, computes the first on the main thread and the rest in replica workers at the same time, and
 * returns the shard-size-weighted mean of gradients and loss terms: the gradient of the same global-batch
 * mean loss, up to float32 summation order. The main thread keeps the only optimisers (so checkpoints and resume
 * are unchanged) and publishes its weights to the workers before each step.
 *
 * A model with several players (../players.ts, e.g. a GAN's G and D) steps in phases on one batch (./phases.ts):
 * the shards are cut once per step, and each player update is one phase on every replica — its gradients on each
 * shard, combined on the main thread, its optimiser step there, its changed weights republished before the next
 * phase. A plain model is the one-phase case (compute).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../backend/index';
// A file, not the folder: tslab cannot import directories.
import { preferredReplicas, replicableBackend, replicasPointless, shareCores } from '../../backend/thread-budget';
import type { StepContext, TrainableModel } from '../trainable';
import { EntryRange, FlatLayout, flatLayout } from './layout';
import type { LocalGradients } from './local-gradients';
import { BatchPhases, LocalPhases, ShardedPhases, ShardedRun } from './phases';
import { ReplicaPool } from './replica-pool';
import { shardCounts } from './shards';
import type { GradientTarget } from './targets';
import { BatchPayload, ReplicaModule, isReplicable } from './types';
import { WorkersSetting, resolveWorkers } from './worker-count';

export interface GradientEngine<Batch> {
  /** Threads computing each step (1 = the single-thread path). */
  readonly replicas: number;
  /** One line for the progress output: what runs, or why data parallelism is off; null when nothing to say. */
  readonly note: string | null;
  /** Loss terms and gradients of target 0 on `batch` (disposed here); the caller disposes the gradients. */
  compute(batch: Batch, ctx: StepContext): Promise<LocalGradients>;
  close(): Promise<void>;
}

/** An engine that also holds a batch across several phases (the players of ../players.ts, one after another). */
export interface PhasedGradientEngine<Batch> extends GradientEngine<Batch> {
  /** Takes `batch` (disposed by the phases' release(), or here on a failure) for the phases of one step. */
  open(batch: Batch, ctx: StepContext): BatchPhases;
}

/** What an engine needs of the model besides its targets: the batch's size and its disposal. */
type BatchOwner<B> = Pick<TrainableModel<B, unknown>, 'batchSize' | 'disposeBatch'>;

/** Target 0 in one phase: the single-player step. */
async function computeOnce<B>(engine: PhasedGradientEngine<B>, batch: B, ctx: StepContext): Promise<LocalGradients> {
  const phases = engine.open(batch, ctx);
  try {
    return await phases.gradients(0);
  } finally {
    phases.release();
  }
}

class SingleThreadEngine<B> implements PhasedGradientEngine<B> {
  readonly replicas = 1;
  constructor(
    private readonly model: BatchOwner<B>,
    private readonly targets: GradientTarget<B>[],
    readonly note: string | null,
  ) {}

  open(batch: B, ctx: StepContext): BatchPhases {
    return new LocalPhases(this.targets, batch, ctx, (b) => this.model.disposeBatch(b));
  }

  compute(batch: B, ctx: StepContext): Promise<LocalGradients> {
    return computeOnce(this, batch, ctx);
  }

  async close(): Promise<void> {}
}

class DataParallelEngine<B> implements PhasedGradientEngine<B> {
  readonly note: string;
  private readonly run: ShardedRun<B>;

  constructor(
    private readonly model: BatchOwner<B>,
    private readonly module: ReplicaModule<B>,
    targets: GradientTarget<B>[],
    targetRanges: EntryRange[],
    all: Record<string, tf.Variable>,
    private readonly pool: ReplicaPool,
    private readonly backend: BackendName,
  ) {
    this.run = { targets, targetRanges, all, pool, dispose: (b) => model.disposeBatch(b) };
    this.note = `data-parallel: ${this.replicas} replicas (main thread + ${pool.size} worker${pool.size === 1 ? '' : 's'}) on ${backend}`;
  }

  get replicas(): number {
    return this.pool.size + 1;
  }

  open(batch: B, ctx: StepContext): BatchPhases {
    const counts = shardCounts(this.model.batchSize(batch), this.replicas);
    if (counts.length === 1) return new LocalPhases(this.run.targets, batch, ctx, this.run.dispose);
    let split: { head: B; rest: BatchPayload[] };
    try {
      split = this.module.split(batch, counts);
    } finally {
      this.model.disposeBatch(batch);
    }
    return new ShardedPhases(this.run, split.head, split.rest, counts, ctx);
  }

  compute(batch: B, ctx: StepContext): Promise<LocalGradients> {
    return computeOnce(this, batch, ctx);
  }

  async close(): Promise<void> {
    await this.pool.close();
    // The main thread had its share of the cores while the workers ran; alone again, it gets them all.
    shareCores(this.backend, 1);
  }
}

/**
 * Both layouts with the targets' variables first, target by target, so that a target's entries are one range
 * [from, to) in each (the weights a phase republishes, the gradients it combines).
 */
function targetLayouts<B>(all: Record<string, tf.Variable>, targets: GradientTarget<B>[]): { weights: FlatLayout; grads: FlatLayout; ranges: EntryRange[] } {
  const names = targets.flatMap((t) => Object.keys(t.vars));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`data-parallel: variable '${dup}' belongs to two gradient targets`);
  const ranges: EntryRange[] = [];
  let from = 0;
  for (const t of targets) {
    const to = from + Object.keys(t.vars).length;
    ranges.push([from, to]);
    from = to;
  }
  const trainable = Object.fromEntries(targets.flatMap((t) => Object.entries(t.vars)));
  const rest = Object.keys(all).filter((n) => !(n in trainable));
  return { weights: flatLayout(all, [...names, ...rest]), grads: flatLayout(trainable, names), ranges };
}

/**
 * The engine for `workers` (train.workers) of a plain model: its lossFn over `trainable`, one phase per step
 * (compute), data-parallel when it can run here.
 */
export function createGradientEngine<B, V>(
  model: TrainableModel<B, V>,
  all: Record<string, tf.Variable>,
  trainable: Record<string, tf.Variable>,
  workers: WorkersSetting | undefined,
): Promise<PhasedGradientEngine<B>> {
  return createPhasedEngine(model, all, [{ lossFn: (b, c) => model.lossFn(b, c), vars: trainable }], workers);
}

/**
 * The engine for `workers` over `targets` (./targets.ts: the model's players in order, or its lossFn over its
 * trainable variables): the data-parallel one when it can run here, else the single-thread one with a note saying
 * why not. A worker derives its targets from its replica (gradientTargets) and checks they are these.
 */
export async function createPhasedEngine<B, V>(
  model: TrainableModel<B, V>,
  all: Record<string, tf.Variable>,
  targets: GradientTarget<B>[],
  workers: WorkersSetting | undefined,
): Promise<PhasedGradientEngine<B>> {
  const automatic = workers === undefined || workers === 'auto';
  // The backend may know better than one replica per core (src/backend/thread-budget.ts).
  const preferred = automatic ? preferredReplicas() : null;
  if (preferred !== null && preferred.replicas === 1) return new SingleThreadEngine(model, targets, `one replica: ${preferred.reason}`);
  const replicas = resolveWorkers(workers);
  if (replicas === 1) return new SingleThreadEngine(model, targets, null);
  const off = (why: string): PhasedGradientEngine<B> => new SingleThreadEngine(model, targets, `data-parallel off (one thread): ${why}`);
  const backend = replicableBackend();
  if (backend === null) return off(`backend '${tf.getBackend()}' cannot be started in a worker`);
  const pointless = replicasPointless(backend);
  if (pointless !== null) return off(pointless);
  if (typeof SharedArrayBuffer === 'undefined') return off('SharedArrayBuffer is not available in this runtime');
  if (!isReplicable(model)) return off('this model has no replicaRecipe() (workers cannot rebuild it)');
  const problem = model.replicaProblem?.() ?? null;
  if (problem !== null) return off(problem);
  const recipe = model.replicaRecipe();
  let module: ReplicaModule<B>;
  try {
    const loaded = (require(recipe.module) as Record<string, ReplicaModule<B> | undefined>)[recipe.exportName];
    if (!loaded) throw new Error(`${recipe.module} has no export '${recipe.exportName}'`);
    module = loaded;
  } catch (e) {
    return off((e as Error).message.split('\n')[0]);
  }
  const layouts = targetLayouts(all, targets);
  try {
    const pool = await ReplicaPool.start(replicas - 1, recipe, backend, layouts.weights, layouts.grads, layouts.ranges);
    shareCores(backend, replicas);
    return new DataParallelEngine(model, module, targets, layouts.ranges, all, pool, backend);
  } catch (e) {
    return off(`workers did not start: ${(e as Error).message.split('\n')[0]}`);
  }
}
