/**
 * A feature map's channels projected onto their first three principal components and shown as RGB: one
 * picture of what dozens of channels encode, where a per-channel grid shows only a few.
 *
 * The covariance is C×C (C ≤ a few hundred), so power iteration with deflation in tf ops is enough and needs no
 * eigen-solver (TF.js has none).
 */
import * as tf from '@tensorflow/tfjs';

export interface PcaImage {
  /** RGB floats in [0, 1], row-major HWC: component k of each pixel, min–max scaled per component, in channel k. */
  rgb: Float32Array;
  width: number;
  height: number;
  /** Fraction of the total channel variance each of the three components explains (0 for missing components). */
  explained: [number, number, number];
  /** The components as unit vectors over channels, [3][C]; the largest |loading| of each is positive. */
  components: number[][];
}

export interface PcaOptions {
  /** Power-iteration steps per component. */
  iterations?: number;
}

/** PCA of a feature map [1, H, W, C] or [H, W, C] over its H·W pixels. */
export function pcaRgb(feature: tf.Tensor, opts: PcaOptions = {}): PcaImage {
  const shape = feature.shape.length === 4 && feature.shape[0] === 1 ? feature.shape.slice(1) : feature.shape;
  if (shape.length !== 3) throw new Error(`pcaRgb: expected a feature map [1, H, W, C] or [H, W, C], found shape [${feature.shape.join(', ')}]`);
  const [height, width, channels] = shape;
  const pixels = height * width;
  if (pixels < 2) throw new Error(`pcaRgb: a ${height}×${width} map has too few pixels for a covariance`);
  const iterations = opts.iterations ?? 200;
  const { projected, components, eigenvalues, total } = tf.tidy(() => {
    const x = tf.reshape(feature, [pixels, channels]).toFloat();
    const centred = tf.sub(x, tf.mean(x, 0, true));
    let cov = tf.div(tf.matMul(centred, centred, true, false), pixels - 1) as tf.Tensor2D;
    // Trace of the covariance = total variance of the channels.
    const totalVariance = tf.div(tf.sum(tf.square(centred)), pixels - 1).dataSync()[0];
    const vectors: tf.Tensor2D[] = [];
    const values: number[] = [];
    for (let k = 0; k < Math.min(3, channels); k++) {
      // Deterministic start that is never orthogonal to every eigenvector: all ones plus a ramp.
      let v = tf.add(tf.ones([channels, 1]), tf.div(tf.range(0, channels).reshape([channels, 1]), channels)) as tf.Tensor2D;
      v = tf.div(v, tf.norm(v)) as tf.Tensor2D;
      for (let i = 0; i < iterations; i++) {
        const w = tf.matMul(cov, v);
        // A zero residual covariance (rank < k + 1) gives v = 0, whose eigenvalue and projection are then 0.
        v = tf.div(w, tf.maximum(tf.norm(w), 1e-30)) as tf.Tensor2D;
      }
      const lambda = tf.sum(tf.mul(v, tf.matMul(cov, v)));
      // Sign convention: the largest |loading| is positive, so the colours do not flip between runs.
      const flat = v.reshape([channels]);
      const largest = tf.gather(flat, tf.argMax(tf.abs(flat)));
      v = tf.mul(v, tf.sign(tf.add(tf.sign(largest), 0.5))) as tf.Tensor2D;
      cov = tf.sub(cov, tf.mul(lambda, tf.matMul(v, v, false, true))) as tf.Tensor2D;
      vectors.push(v);
      values.push(Math.max(0, lambda.dataSync()[0]));
    }
    const basis = tf.concat(vectors, 1);
    return { projected: tf.matMul(centred, basis), components: tf.transpose(basis), eigenvalues: values, total: totalVariance };
  });
  const proj = projected.dataSync() as Float32Array;
  const used = projected.shape[1] ?? 0;
  const comps = (components.arraySync() as number[][]).map((c) => c.slice());
  tf.dispose([projected, components]);
  const rgb = new Float32Array(pixels * 3);
  for (let k = 0; k < used; k++) {
    let lo = Infinity,
      hi = -Infinity;
    for (let p = 0; p < pixels; p++) {
      lo = Math.min(lo, proj[p * used + k]);
      hi = Math.max(hi, proj[p * used + k]);
    }
    const span = hi - lo;
    for (let p = 0; p < pixels; p++) rgb[p * 3 + k] = span > 0 ? (proj[p * used + k] - lo) / span : 0.5;
  }
  const explained: [number, number, number] = [0, 0, 0];
  eigenvalues.forEach((l, k) => (explained[k] = total > 0 ? l / total : 0));
  return { rgb, width, height, explained, components: comps };
}
