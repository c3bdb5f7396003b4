/**
 * Heatmap → landmark coordinates, as the official `find_tensor_peak_batch` (reference §1.5), batched:
 * argmax per channel (row = floor(index / W)), then a weighted mean over the 9×9 window around it, gathered
 * with zero padding (grid_sample with align_corners=True semantics lands exactly on integer offsets), with
 * values ≤ 1e-6 replaced by eps (F.threshold), then mapped to HR pixels: x_hr = x·stride + stride/2 − 0.5.
 * The background channel (last) is dropped.
 */
import * as tf from '@tensorflow/tfjs';
import { HEATMAP_STRIDE } from '../core/geometry';

export const DECODE_WINDOW_RADIUS = 4;
/** F.threshold(x, 1e-6, eps) keeps x only when x > 1e-6. */
export const DECODE_THRESHOLD = 1e-6;
/** np.finfo(float).eps, the replacement value in the official code. */
export const DECODE_EPS = 2.220446049250313e-16;

export interface DecodedLandmarks {
  /** [B, L, 2] (x, y) in HR pixels (pixel centres at integers). */
  landmarksHr: tf.Tensor3D;
  /** [B, L] peak value per landmark heatmap. */
  scores: tf.Tensor2D;
}

/**
 * `heatmaps`: [B, h, w, L + 1] with the background channel last (set `hasBackground` false for [B, h, w, L]).
 * `stride`: HR pixels per heatmap pixel (HEATMAP_STRIDE, 8, for both ×8 and ×4 here).
 */
export function decodeHeatmaps(heatmaps: tf.Tensor4D, opts: { stride?: number; radius?: number; hasBackground?: boolean } = {}): DecodedLandmarks {
  const stride = opts.stride ?? HEATMAP_STRIDE;
  const radius = opts.radius ?? DECODE_WINDOW_RADIUS;
  const [batch, height, width, channels] = heatmaps.shape;
  const landmarks = opts.hasBackground === false ? channels : channels - 1;
  if (landmarks < 1) throw new Error(`decodeHeatmaps: expected [B, h, w, landmarks + 1] heatmaps, found [${heatmaps.shape}]`);
  return tf.tidy(() => {
    const n = batch * landmarks;
    const maps = tf.transpose(tf.slice(heatmaps, [0, 0, 0, 0], [batch, height, width, landmarks]), [0, 3, 1, 2]);
    const flat = tf.reshape(maps, [n, height * width]);
    const index = tf.argMax(flat, 1); // first maximum, like torch.max
    const scores = tf.max(flat, 1);
    const row = tf.floorDiv(index, tf.scalar(width, 'int32'));
    const col = tf.sub(index, tf.mul(row, tf.scalar(width, 'int32')));

    // Gather each (2r+1)² window from a zero-padded copy by flat index.
    const size = 2 * radius + 1;
    const paddedHeight = height + 2 * radius;
    const paddedWidth = width + 2 * radius;
    const padded = tf.reshape(
      tf.pad(tf.reshape(maps, [n, height, width]), [
        [0, 0],
        [radius, radius],
        [radius, radius],
      ]),
      [-1],
    );
    const offsets = tf.range(0, size, 1, 'int32'); // window row/col k ↔ offset k − r
    const mapBase = tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(paddedHeight * paddedWidth, 'int32'));
    // Top-left of the window in padded coordinates is (row, col): padding shifts by r, the window starts at −r.
    const rowIndex = tf.add(tf.reshape(row, [n, 1, 1]), tf.reshape(offsets, [1, size, 1]));
    const colIndex = tf.add(tf.reshape(col, [n, 1, 1]), tf.reshape(offsets, [1, 1, size]));
    const flatIndex = tf.add(tf.add(tf.reshape(mapBase, [n, 1, 1]), tf.mul(rowIndex, tf.scalar(paddedWidth, 'int32'))), colIndex);
    const window = tf.reshape(tf.gather(padded, tf.reshape(flatIndex, [-1])), [n, size, size]);
    const weights = tf.where(tf.greater(window, DECODE_THRESHOLD), window, tf.fill(window.shape, DECODE_EPS));

    const delta = tf.sub(tf.range(0, size, 1, 'float32'), radius);
    const total = tf.sum(weights, [1, 2]);
    const dx = tf.div(tf.sum(tf.mul(weights, tf.reshape(delta, [1, 1, size])), [1, 2]), total);
    const dy = tf.div(tf.sum(tf.mul(weights, tf.reshape(delta, [1, size, 1])), [1, 2]), total);
    const x = tf.add(tf.cast(col, 'float32'), dx);
    const y = tf.add(tf.cast(row, 'float32'), dy);
    const toHr = (v: tf.Tensor): tf.Tensor => tf.add(tf.mul(v, stride), stride / 2 - 0.5);
    const landmarksHr = tf.reshape(tf.stack([toHr(x), toHr(y)], 1), [batch, landmarks, 2]) as tf.Tensor3D;
    return { landmarksHr, scores: tf.reshape(scores, [batch, landmarks]) as tf.Tensor2D };
  });
}
