/**
 * Heatmap consistency (Super-FAN's heatmap loss, docs/adversarial.md): the alignment branch applied to the SR
 * output should reproduce the HR face's heatmaps. The SR image is what G makes, so this term tells G to keep the
 * structure a landmark network reads (eye corners, lip lines), which a pixel loss averages away and an adversarial
 * loss may hallucinate wrongly.
 *
 * The caller runs the alignment branch on the SR image (for jasrnet: the model applied to its own SR output;
 * for two-stage: the alignment net on the SR image) and passes its heatmap stages here with the targets: the
 * encoded ground-truth heatmaps, or the same branch's heatmaps on the HR image with their gradient stopped
 * (Super-FAN's form, which needs no labels). The loss has the form of losses/heatmap.ts (masked squared error over
 * every CPM stage, background channel last), so its weight is comparable with the joint loss's heatmap term.
 */
import * as tf from '@tensorflow/tfjs';
import { HeatmapLossKind, heatmapLoss } from './heatmap';

/**
 * @param stagesOnSr the alignment branch's heatmap stages on the SR image, each [B, h, w, P]
 * @param targetHeatmaps [B, h, w, P]: ground-truth heatmaps, or the branch's heatmaps on HR (treated as constants)
 * @param mask [B, 1, 1, P]: landmark visibility, 1 for the background channel
 * @param kind 'mean' (default: independent of batch, heatmap size and landmark count) or 'official'
 */
export function heatmapConsistencyLoss(stagesOnSr: tf.Tensor4D[], targetHeatmaps: tf.Tensor4D, mask: tf.Tensor4D, kind: HeatmapLossKind = 'mean'): tf.Scalar {
  if (stagesOnSr.length === 0)
    throw new Error('heatmapConsistencyLoss: the alignment branch gave no heatmap stages on the SR image (an sr-only model has no alignment branch)');
  // The target is a constant of this term: with HR heatmaps from the same branch, no gradient may flow into them.
  return tf.tidy(() => heatmapLoss(kind, stagesOnSr, stopGradient(targetHeatmaps), mask));
}

/** Identity forward, zero gradient backward (TF.js has no tf.stopGradient). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  // customGrad passes the inputs followed by a save function; only the first input is used.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
  }));
  return op(x) as T;
}
