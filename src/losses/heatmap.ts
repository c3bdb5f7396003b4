/**
 * Heatmap losses over all CPM stages (intermediate supervision).
 * Heatmaps [B, h, w, P] (P = landmarks + 1, background last); mask [B, 1, 1, P]: landmark visibility, 1 for the
 * background channel, broadcast over h and w (the official mask is (1, 1, P) per sample).
 */
import * as tf from '@tensorflow/tfjs';

export type HeatmapLossKind = 'official' | 'mean';

function check(stages: tf.Tensor4D[], target: tf.Tensor4D, mask: tf.Tensor4D): void {
  if (stages.length === 0) throw new Error('heatmap loss: no heatmap stages given');
  for (const [i, s] of stages.entries())
    if (!tf.util.arraysEqual(s.shape, target.shape)) throw new Error(`heatmap loss: stage ${i + 1} is [${s.shape}], target is [${target.shape}]`);
  const [b, , , p] = target.shape;
  if (!tf.util.arraysEqual(mask.shape, [b, 1, 1, p])) throw new Error(`heatmap loss: mask must be [${b}, 1, 1, ${p}], found [${mask.shape}]`);
}

function maskedSquaredErrorSum(prediction: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
  return tf.sum(tf.mul(tf.squaredDifference(prediction, target), mask)) as tf.Scalar;
}

/**
 * Official "CPM" loss: Σ_stages Σ_masked (pred − target)², divided by 2·B
 * (nn.MSELoss(size_average=False) on masked_select, summed over stages, / batch / 2).
 * The mask is 0/1, so multiplying by it equals selecting the masked entries.
 */
export function officialHeatmapLoss(stages: tf.Tensor4D[], target: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
  check(stages, target, mask);
  return tf.tidy(() => {
    const total = tf.addN(stages.map((s) => maskedSquaredErrorSum(s, target, mask)));
    return tf.div(total, 2 * target.shape[0]) as tf.Scalar;
  });
}

/**
 * Mean-normalised variant: per stage, the masked SSE divided by the number of masked entries; averaged over
 * stages. Independent of batch size, heatmap size and landmark count (the official loss grows with all three).
 */
export function meanHeatmapLoss(stages: tf.Tensor4D[], target: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
  check(stages, target, mask);
  return tf.tidy(() => {
    const [, h, w] = target.shape;
    const maskedEntries = tf.maximum(tf.mul(tf.sum(mask), h * w), 1);
    const total = tf.addN(stages.map((s) => maskedSquaredErrorSum(s, target, mask)));
    return tf.div(total, tf.mul(maskedEntries, stages.length)) as tf.Scalar;
  });
}

export function heatmapLoss(kind: HeatmapLossKind, stages: tf.Tensor4D[], target: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
  return kind === 'official' ? officialHeatmapLoss(stages, target, mask) : meanHeatmapLoss(stages, target, mask);
}
