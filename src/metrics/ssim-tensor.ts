/**
 * Batched SSIM maps on tensors: the five local moments go through one separable depthwise Gaussian
 * convolution (TF.js has no SSIM op), 'valid' padding, so a [B,H,W,1] pair gives a [B,H−n+1,W−n+1,1] map.
 * Per-image region averaging is left to the caller, because face-box crops differ per image.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussianTaps } from './gaussian';
import { SsimSettings } from './protocols';

export interface SsimMapOptions {
  dataRange: number;
  settings: SsimSettings;
  /**
   * Constant that was left out of x and y (e.g. JASRNet's +16). Variances do not depend on it, so it is
   * added back only to the means, keeping float32 precise where the values themselves sit far from 0.
   */
  offset?: number;
}

/** Valid separable Gaussian of single-channel [N,H,W,1] planes. */
function separableGaussian(planes: tf.Tensor4D, settings: SsimSettings): tf.Tensor4D {
  const taps = Array.from(gaussianTaps(settings.windowSize, settings.sigma));
  const n = settings.windowSize;
  const vertical = tf.tensor4d(taps, [n, 1, 1, 1]);
  const horizontal = tf.tensor4d(taps, [1, n, 1, 1]);
  return tf.depthwiseConv2d(tf.depthwiseConv2d(planes, vertical, 1, 'valid'), horizontal, 1, 'valid');
}

/** SSIM map of two [B,H,W,1] batches. Pure: everything it makes besides the result is disposed. */
export function ssimMapTensor(x: tf.Tensor4D, y: tf.Tensor4D, opts: SsimMapOptions): tf.Tensor4D {
  if (x.shape.join() !== y.shape.join() || x.shape[3] !== 1) {
    throw new Error(`ssimMapTensor: expected two [B,H,W,1] tensors of one shape, found [${x.shape}] and [${y.shape}]`);
  }
  const n = opts.settings.windowSize;
  if (x.shape[1] < n || x.shape[2] < n) throw new Error(`ssimMapTensor: images ${x.shape[1]}×${x.shape[2]} are smaller than the ${n}×${n} window`);
  return tf.tidy(() => {
    // Centre each pair on the reference's mean so the second moments are differences of small numbers.
    const shift = tf.mean(y, [1, 2, 3], true);
    const xs = tf.sub(x, shift) as tf.Tensor4D;
    const ys = tf.sub(y, shift) as tf.Tensor4D;
    // Each moment is filtered on its own: stacking them for one convolution costs more in the wasm
    // backend's concat/split copies than it saves in kernel launches.
    const blur = (plane: tf.Tensor4D): tf.Tensor4D => separableGaussian(plane, opts.settings);
    const mx = blur(xs);
    const my = blur(ys);
    const mxx = blur(tf.mul(xs, xs) as tf.Tensor4D);
    const myy = blur(tf.mul(ys, ys) as tf.Tensor4D);
    const mxy = blur(tf.mul(xs, ys) as tf.Tensor4D);
    const covNorm = opts.settings.covariance === 'sample' ? (n * n) / (n * n - 1) : 1;
    const vx = tf.mul(tf.sub(mxx, tf.mul(mx, mx)), covNorm);
    const vy = tf.mul(tf.sub(myy, tf.mul(my, my)), covNorm);
    const vxy = tf.mul(tf.sub(mxy, tf.mul(mx, my)), covNorm);
    const c1 = (opts.settings.k1 * opts.dataRange) ** 2;
    const c2 = (opts.settings.k2 * opts.dataRange) ** 2;
    const ux = tf.add(mx, tf.add(shift, opts.offset ?? 0));
    const uy = tf.add(my, tf.add(shift, opts.offset ?? 0));
    // (2·ux·uy + C1)/(ux² + uy² + C1) written as 1 − (ux−uy)²/(…) so equal large means give exactly 1.
    const luminanceDenominator = tf.add(tf.add(tf.mul(ux, ux), tf.mul(uy, uy)), c1);
    const luminance = tf.sub(1, tf.div(tf.square(tf.sub(mx, my)), luminanceDenominator));
    const structure = tf.div(tf.add(tf.mul(vxy, 2), c2), tf.add(tf.add(vx, vy), c2));
    return tf.mul(luminance, structure) as tf.Tensor4D;
  });
}
