/**
 * Depth loss (docs/3d.md): L1 or L2 between predicted and labelled z per landmark, both centred on the labelled
 * points of their face (a single image does not fix the distance to the camera) and divided by the face size
 * √(w·h) of the GT landmark box, the normaliser of the 3D NME (src/metrics/nme-3d.ts), so faces of every size
 * weigh alike. Only points whose z is a label count (`valid`: the sample has depth and the point is visible); a
 * batch without any gives 0.
 */
import * as tf from '@tensorflow/tfjs';

export type DepthLossKind = 'l1' | 'l2';
export const DEPTH_LOSS_KINDS: readonly DepthLossKind[] = ['l1', 'l2'];

/** Centres each row of `z` [B, L] on the mean of its valid entries (rows without any are left as they are). */
function centreRows(z: tf.Tensor2D, valid: tf.Tensor2D, count: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(z, tf.div(tf.sum(tf.mul(z, valid), 1, true), count));
}

/** √(w·h) of each face's box of valid landmarks [B, L, 2] → [B, 1]; at least 1 px so an empty row stays finite. */
function faceSize(landmarks: tf.Tensor3D, valid: tf.Tensor2D): tf.Tensor2D {
  // Invalid points are pushed beyond the extremes so they never widen the box (as nmeTensor's landmark box).
  const hidden = tf.mul(tf.sub(1, valid), 1e9).expandDims(2);
  const low = tf.min(tf.add(landmarks, hidden), 1);
  const high = tf.max(tf.sub(landmarks, hidden), 1);
  const extent = tf.relu(tf.sub(high, low));
  const [w, h] = tf.split(extent, 2, 1);
  return tf.maximum(tf.sqrt(tf.mul(w, h)), 1) as tf.Tensor2D;
}

/**
 * pred, target, valid: [B, L]; landmarks: GT [B, L, 2] in the same pixels as z. Mean over valid entries of
 * |e| ('l1') or e² ('l2'), e = (z̃_pred − z̃_gt) / size.
 */
export function depthLoss(kind: DepthLossKind, pred: tf.Tensor2D, target: tf.Tensor2D, valid: tf.Tensor2D, landmarks: tf.Tensor3D): tf.Scalar {
  const [b, l] = target.shape;
  for (const [what, t] of [
    ['prediction', pred],
    ['valid', valid],
  ] as const)
    if (!tf.util.arraysEqual(t.shape, [b, l])) throw new Error(`depth loss: ${what} is [${t.shape}], target is [${target.shape}]`);
  if (!tf.util.arraysEqual(landmarks.shape, [b, l, 2])) throw new Error(`depth loss: landmarks must be [${b}, ${l}, 2], found [${landmarks.shape}]`);
  return tf.tidy(() => {
    const count = tf.maximum(tf.sum(valid, 1, true), 1) as tf.Tensor2D;
    const size = faceSize(landmarks, valid);
    const error = tf.div(tf.sub(centreRows(pred, valid, count), centreRows(target, valid, count)), size);
    const perEntry = kind === 'l1' ? tf.abs(error) : tf.square(error);
    return tf.div(tf.sum(tf.mul(perEntry, valid)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}
