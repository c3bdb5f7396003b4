/**
 * One optimiser step of a trainable, as players: each player is a set of variables with its own loss, optimiser
 * and schedule, updated `updatesPerStep` times per step on the step's batch, in order. A plain TrainableModel is
 * one player (its trainableVariables, lossFn, train.optimizer and train.schedule); a model with players()
 * (./players.ts, e.g. a GAN's generator and discriminator, k D-updates per G-update) has several. Both run on the
 * gradient engine, data-parallel where it can (./parallel/engine.ts): a plain model one gradient per batch, a
 * multi-player one a phase per player update on the batch the engine holds for the step. The loop (./trainer.ts)
 * is the same for both.
 *
 * Checkpoints keep one optimiser state (./checkpoint.ts): the players' moments are stored together (their
 * variables are disjoint, so names cannot clash) and the step counts beyond the first player's go in the
 * trainer's book, so a one-player checkpoint is byte-for-byte what it was before players existed.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig, ScheduleConfig, TrainConfig } from './config';
import { Adam, AdamState, NamedTensors } from './optimizer';
import { clipGradients } from './clip';
import { assertFiniteLoss } from './guard';
import { BudgetReach, learningRateAt, resolveSchedule } from './schedule';
import { createGradientEngine, createPhasedEngine, GradientEngine, PhasedGradientEngine } from './parallel/engine';
import { namedSubset } from './parallel/targets';
import { withAccumulation } from './accumulate';
import { hasPlayers, Player } from './players';
import type { StepContext, TrainableModel } from './trainable';

/** The players' optimisers, saved and restored as one state (see the header). */
export class OptimizerSet {
  constructor(private readonly entries: { name: string; adam: Adam; params: string[] }[]) {}

  get size(): number {
    return this.entries.length;
  }

  state(): AdamState {
    const slots: AdamState['slots'] = {};
    for (const e of this.entries) Object.assign(slots, e.adam.state().slots);
    return { step: this.entries[0].adam.step, slots };
  }

  /** Step counts of the players after the first (undefined with one player: nothing extra to save). */
  extraSteps(): Record<string, number> | undefined {
    if (this.entries.length === 1) return undefined;
    return Object.fromEntries(this.entries.slice(1).map((e) => [e.name, e.adam.step]));
  }

  restore(state: AdamState, extraSteps: Record<string, number> | undefined, source: string): void {
    const claimed = new Set(this.entries.flatMap((e) => e.params));
    const stray = Object.keys(state.slots).filter((n) => !claimed.has(n));
    if (stray.length > 0) throw new Error(`${source}: optimizer moments for parameters no player owns: ${stray.join(', ')}`);
    this.entries.forEach((e, i) => {
      const slots = Object.fromEntries(Object.entries(state.slots).filter(([n]) => e.params.includes(n)));
      const step = i === 0 ? state.step : extraSteps?.[e.name];
      if (step === undefined) throw new Error(`${source}: no saved step count for player '${e.name}'`);
      e.adam.restore({ step, slots }, source);
    });
  }

  dispose(): void {
    for (const e of this.entries) e.adam.dispose();
  }
}

export interface StepOutcome {
  /** 'total' and the loss terms of the first player; '<player>.<term>' of the others (last update). */
  values: Record<string, number>;
  /** Gradient norm of the first player's (last) update, before clipping. */
  gradNorm: number;
}

export interface Stepper<Batch> {
  readonly optimizers: OptimizerSet;
  /** What runs, or why data parallelism is off; null when nothing to say. */
  readonly note: string | null;
  /**
   * One optimiser step on `batch` (disposed here). `beforeUpdate` runs once the first loss is known finite and
   * before any weight changes (the trainer marks the last checkpoint good there). Throws NonFiniteLossError before
   * applying an update whose loss or gradient is not finite.
   */
  step(batch: Batch, ctx: StepContext, beforeUpdate: (values: Record<string, number>) => void): Promise<StepOutcome>;
  close(): Promise<void>;
}

interface RuntimePlayer<Batch> {
  spec: Player<Batch>;
  vars: Record<string, tf.Variable>;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
}

/**
 * Clips, checks and applies one gradient set; disposes `grads`. `player` names the player in the non-finite
 * message (with several players), whose terms then carry their logged names.
 */
function update(
  grads: NamedTensors,
  values: Record<string, number>,
  cfg: TrainConfig,
  adam: Adam,
  lr: number,
  ctx: StepContext,
  before: () => void,
  player?: { name: string; prefix: string },
): number {
  const { clipped, norm } = clipGradients(grads, cfg.gradClip, cfg.gradClipMode ?? 'norm');
  tf.dispose(Object.values(grads));
  try {
    assertFiniteLoss(ctx.step, ctx.epoch, prefixed({ ...values, gradNorm: norm }, player?.prefix ?? ''), player?.name);
    before();
    adam.apply(clipped, lr);
  } finally {
    tf.dispose(Object.values(clipped));
  }
  return norm;
}

function prefixed(values: Record<string, number>, prefix: string): Record<string, number> {
  return prefix === '' ? values : Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}${k}`, v]));
}

class SinglePlayerStepper<B> implements Stepper<B> {
  constructor(
    readonly optimizers: OptimizerSet,
    private readonly adam: Adam,
    private readonly engine: GradientEngine<B>,
    private readonly cfg: TrainConfig,
  ) {}

  get note(): string | null {
    return this.engine.note;
  }

  async step(batch: B, ctx: StepContext, beforeUpdate: (values: Record<string, number>) => void): Promise<StepOutcome> {
    // The engine disposes the batch; on one thread this is tf.variableGrads of lossFn, data-parallel it is the
    // shard-weighted mean of the replicas' gradients (./parallel/engine.ts).
    const { values, grads } = await this.engine.compute(batch, ctx);
    const lr = learningRateAt(this.cfg.optimizer.lr, this.cfg.schedule, ctx.epoch, ctx.step);
    const gradNorm = update(grads, values, this.cfg, this.adam, lr, ctx, () => beforeUpdate(values));
    return { values, gradNorm };
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

class MultiPlayerStepper<B> implements Stepper<B> {
  constructor(
    private readonly players: RuntimePlayer<B>[],
    readonly optimizers: OptimizerSet,
    private readonly adams: Adam[],
    private readonly engine: PhasedGradientEngine<B>,
    private readonly cfg: TrainConfig,
  ) {}

  get note(): string | null {
    return this.engine.note;
  }

  async step(batch: B, ctx: StepContext, beforeUpdate: (values: Record<string, number>) => void): Promise<StepOutcome> {
    const out: StepOutcome = { values: {}, gradNorm: 0 };
    let first = true;
    // The engine holds the batch (whole, or as shards on the replicas) for every player's phases, then frees it.
    const phases = this.engine.open(batch, ctx);
    try {
      for (const [i, p] of this.players.entries()) {
        const lr = learningRateAt(p.optimizer.lr, p.schedule, ctx.epoch, ctx.step);
        const prefix = i === 0 ? '' : `${p.spec.name}.`;
        const record = (values: Record<string, number>, norm: number): void => {
          if (i === 0) {
            out.values = { ...values, ...out.values };
            out.gradNorm = norm;
          } else {
            Object.assign(out.values, prefixed(values, prefix));
          }
        };
        if (ctx.step <= (p.spec.warmupSteps ?? 0)) {
          // The warm-up measures the player's loss (for the log and the finite check): no gradient, no update.
          const values = await phases.values(i);
          assertFiniteLoss(ctx.step, ctx.epoch, prefixed(values, prefix), p.spec.name);
          record(values, 0);
          continue;
        }
        for (let u = 0; u < (p.spec.updatesPerStep ?? 1); u++) {
          const { values, grads } = await phases.gradients(i);
          const norm = update(
            grads,
            values,
            this.cfg,
            this.adams[i],
            lr,
            ctx,
            () => {
              if (first) beforeUpdate(values);
              first = false;
            },
            { name: p.spec.name, prefix },
          );
          record(values, norm);
        }
      }
    } finally {
      phases.release();
    }
    return out;
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

/** The stepper for `model`: its players, or the single player its lossFn and trainableVariables make. */
export async function createStepper<B, V>(
  model: TrainableModel<B, V>,
  cfg: TrainConfig,
  all: Record<string, tf.Variable>,
  reach?: BudgetReach,
): Promise<Stepper<B>> {
  if (!hasPlayers(model)) {
    const trainable = namedSubset(all, model.trainableVariables(), 'trainable');
    const adam = new Adam(cfg.optimizer, trainable);
    try {
      // train.microBatch wraps the engine (./accumulate.ts): each micro-batch runs on it, data-parallel or not.
      const engine = withAccumulation(await createGradientEngine(model, all, trainable, cfg.workers), model, cfg.microBatch);
      return new SinglePlayerStepper(new OptimizerSet([{ name: 'main', adam, params: Object.keys(trainable) }]), adam, engine, cfg);
    } catch (e) {
      adam.dispose();
      throw e;
    }
  }
  if (cfg.microBatch !== undefined && cfg.microBatch < cfg.batchSize) {
    throw new Error(`train.microBatch: ${cfg.microBatch} < batchSize ${cfg.batchSize}, but a model with players (several optimisers) steps whole batches only`);
  }
  const specs = model.players();
  if (specs.length === 0) throw new Error('train: players() returned no player');
  const seen = new Map<string, string>();
  const players: RuntimePlayer<B>[] = specs.map((spec) => {
    const vars = namedSubset(all, spec.variables, `player '${spec.name}'`);
    for (const n of Object.keys(vars)) {
      const other = seen.get(n);
      if (other !== undefined) throw new Error(`train: variable '${n}' belongs to players '${other}' and '${spec.name}'; each variable has one optimiser`);
      seen.set(n, spec.name);
    }
    // A player's own schedule in budget fractions resolves against the same budget as train.schedule (the trainer's).
    const schedule = spec.schedule && reach ? resolveSchedule(spec.schedule, reach) : (spec.schedule ?? cfg.schedule);
    return { spec, vars, optimizer: spec.optimizer ?? cfg.optimizer, schedule };
  });
  if (new Set(specs.map((s) => s.name)).size !== specs.length) throw new Error(`train: player names must be unique (${specs.map((s) => s.name).join(', ')})`);
  const adams = players.map((p) => new Adam(p.optimizer, p.vars));
  const set = new OptimizerSet(players.map((p, i) => ({ name: p.spec.name, adam: adams[i], params: Object.keys(p.vars) })));
  try {
    // One gradient target per player, in players() order: what a replica worker derives from its copy (./parallel/targets.ts).
    const targets = players.map((p) => ({ lossFn: (b: B, c: StepContext) => p.spec.lossFn(b, c), vars: p.vars }));
    const engine = await createPhasedEngine(model, all, targets, cfg.workers);
    return new MultiPlayerStepper(players, set, adams, engine, cfg);
  } catch (e) {
    set.dispose();
    throw e;
  }
}
