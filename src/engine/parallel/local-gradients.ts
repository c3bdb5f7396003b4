/**
 * Loss terms and gradients of one batch on this thread: the body of a training step before clipping and the
 * update. The single-thread trainer and every data-parallel replica (main thread and workers) run this.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensors } from '../optimizer';
import type { StepContext, TrainableModel } from '../trainable';
import type { GradientTarget } from './targets';

export interface LocalGradients {
  /** 'total' and every loss term, as numbers. */
  values: Record<string, number>;
  /** Gradients by stable variable name (the caller disposes them); variables the loss does not reach are absent. */
  grads: NamedTensors;
}

/** The target's loss under tf.variableGrads over its variables; `batch` stays the caller's. */
export function targetGradients<B>(target: GradientTarget<B>, batch: B, ctx: StepContext): LocalGradients {
  const names = Object.keys(target.vars);
  const tfNameToName = new Map(names.map((n) => [target.vars[n].name, n]));
  let kept: Record<string, tf.Scalar> = {};
  const { value, grads: rawGrads } = tf.variableGrads(
    () => {
      const out = target.lossFn(batch, ctx);
      kept = {};
      for (const [k, t] of Object.entries(out.terms)) kept[k] = t === out.total ? t : tf.keep(t);
      return out.total;
    },
    names.map((n) => target.vars[n]),
  );
  const values: Record<string, number> = { total: value.dataSync()[0] };
  for (const [k, t] of Object.entries(kept)) values[k] = t.dataSync()[0];
  tf.dispose([value, ...Object.values(kept)]);
  const grads: NamedTensors = {};
  for (const [tfName, g] of Object.entries(rawGrads)) grads[tfNameToName.get(tfName) ?? tfName] = g;
  return { values, grads };
}

/** The target's loss terms without gradients (a player's warm-up); `batch` stays the caller's. */
export function targetValues<B>(target: GradientTarget<B>, batch: B, ctx: StepContext): Record<string, number> {
  return tf.tidy(() => {
    const { total, terms } = target.lossFn(batch, ctx);
    const out: Record<string, number> = { total: total.dataSync()[0] };
    for (const [k, v] of Object.entries(terms)) out[k] = v.dataSync()[0];
    return out;
  });
}

/** The model's lossFn over `trainable` under tf.variableGrads; disposes `batch` (through the model) once it ran. */
export function localGradients<B, V>(model: TrainableModel<B, V>, batch: B, ctx: StepContext, trainable: Record<string, tf.Variable>): LocalGradients {
  try {
    return targetGradients({ lossFn: (b, c) => model.lossFn(b, c), vars: trainable }, batch, ctx);
  } finally {
    model.disposeBatch(batch);
  }
}
