/**
 * Loss terms and gradients of one batch on this thread: the body of a training step before clipping and the
 * update. The single-thread trainer and every data-parallel replica (main thread and workers) run this.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensors } from '../optimizer';
import type { StepContext, TrainableModel } from '../trainable';

export interface LocalGradients {
  /** 'total' and every loss term, as numbers. */
  values: Record<string, number>;
  /** Gradients by stable variable name (the caller disposes them); variables the loss does not reach are absent. */
  grads: NamedTensors;
}

/** Runs lossFn under tf.variableGrads and disposes `batch` (through the model) once the graph has run. */
export function localGradients<B, V>(model: TrainableModel<B, V>, batch: B, ctx: StepContext, trainable: Record<string, tf.Variable>): LocalGradients {
  const names = Object.keys(trainable);
  const tfNameToName = new Map(names.map((n) => [trainable[n].name, n]));
  let kept: Record<string, tf.Scalar> = {};
  let value: tf.Scalar;
  let rawGrads: NamedTensors;
  try {
    ({ value, grads: rawGrads } = tf.variableGrads(
      () => {
        const out = model.lossFn(batch, ctx);
        kept = {};
        for (const [k, t] of Object.entries(out.terms)) kept[k] = t === out.total ? t : tf.keep(t);
        return out.total;
      },
      names.map((n) => trainable[n]),
    ));
  } finally {
    model.disposeBatch(batch);
  }
  const values: Record<string, number> = { total: value.dataSync()[0] };
  for (const [k, t] of Object.entries(kept)) values[k] = t.dataSync()[0];
  tf.dispose([value, ...Object.values(kept)]);
  const grads: NamedTensors = {};
  for (const [tfName, g] of Object.entries(rawGrads)) grads[tfNameToName.get(tfName) ?? tfName] = g;
  return { values, grads };
}
