/** Pixel losses between the SR image and the HR image (both [B, H, W, 3] in [0, 1]). */
import * as tf from '@tensorflow/tfjs';

export type PixelLossKind = 'l1' | 'l2';

function checkSameShape(what: string, a: tf.Tensor, b: tf.Tensor): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new Error(`${what}: prediction [${a.shape}] and target [${b.shape}] differ in shape`);
}

/** Official L_pixel: nn.L1Loss() — mean absolute error over every pixel and channel. */
export function l1Loss(sr: tf.Tensor4D, hr: tf.Tensor4D): tf.Scalar {
  checkSameShape('l1Loss', sr, hr);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(sr, hr))) as tf.Scalar);
}

/** Mean squared error (an option; not used by the official model). */
export function l2Loss(sr: tf.Tensor4D, hr: tf.Tensor4D): tf.Scalar {
  checkSameShape('l2Loss', sr, hr);
  return tf.tidy(() => tf.mean(tf.squaredDifference(sr, hr)) as tf.Scalar);
}

export function pixelLoss(kind: PixelLossKind, sr: tf.Tensor4D, hr: tf.Tensor4D): tf.Scalar {
  return kind === 'l1' ? l1Loss(sr, hr) : l2Loss(sr, hr);
}
