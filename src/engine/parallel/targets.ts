/**
 * What the gradient engine differentiates: one target per player (./../players.ts), or the model's lossFn and
 * trainable variables as the only target. The main thread and every replica worker derive the list from their own
 * copy of the model the same way, so a target's index names the same loss and variables on every thread.
 */
import type * as tf from '@tensorflow/tfjs';
import { hasPlayers } from '../players';
import type { LossTerms, StepContext, TrainableModel } from '../trainable';

export interface GradientTarget<Batch> {
  /** The loss whose gradients are taken (a player's, or the model's). */
  lossFn(batch: Batch, ctx: StepContext): LossTerms;
  /** The variables differentiated, by their stable names (the model's namedVariables keys). */
  vars: Record<string, tf.Variable>;
}

/** `vars` under their names in `all`; throws for a variable `all` does not hold (it would not be checkpointed). */
export function namedSubset(all: Record<string, tf.Variable>, vars: tf.Variable[], who: string): Record<string, tf.Variable> {
  const byVar = new Map<tf.Variable, string>(Object.entries(all).map(([k, v]) => [v, k]));
  const out: Record<string, tf.Variable> = {};
  for (const v of vars) {
    const name = byVar.get(v);
    if (name === undefined) throw new Error(`train: ${who} variable '${v.name}' is not among the model's namedVariables (it would not be checkpointed)`);
    out[name] = v;
  }
  return out;
}

/** The players of `model` in order, or its lossFn over its trainable variables. */
export function gradientTargets<B, V>(model: TrainableModel<B, V>): GradientTarget<B>[] {
  const all = model.namedVariables();
  if (!hasPlayers(model)) return [{ lossFn: (b, c) => model.lossFn(b, c), vars: namedSubset(all, model.trainableVariables(), 'trainable') }];
  return model.players().map((p) => ({ lossFn: (b: B, c: StepContext) => p.lossFn(b, c), vars: namedSubset(all, p.variables, `player '${p.name}'`) }));
}
