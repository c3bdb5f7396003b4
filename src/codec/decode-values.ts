/**
 * The per-frame heatmap decoder of `jasr enhance` and the web page: the same arithmetic as the kit's decoder
 * (./decode.ts, the official `find_tensor_peak_batch`: first argmax per channel, weighted mean over the
 * 9×9 window around it with zero padding, values ≤ 1e-6 replaced by eps, x_hr = x·stride + stride/2 − 0.5; the
 * background channel dropped), on the heatmap values read back once. The tensor decoder runs about 30 small TF.js
 * ops per call, each a kernel dispatch and an allocation; for one frame's few faces (16×16×69 values per face with
 * the ×8 model) those dispatches cost ~2.5 ms, while this loop reads 256 values per landmark plus an 81-value
 * window: ~0.1 ms (bench/RESULTS.md, enhance section). test/enhance-fast-path.test.ts checks it equals decodeHeatmaps.
 * Sums run in float64 where the tensor decoder sums in float32: coordinates agree to ~1e-5 HR px.
 */
import { HEATMAP_STRIDE } from '../core/geometry';
import { DECODE_EPS, DECODE_THRESHOLD, DECODE_WINDOW_RADIUS } from './decode';

export interface DecodedLandmarksArrays {
  /** [B · L · 2]: (x, y) per landmark in HR pixels (pixel centres at integers). */
  landmarksHr: Float32Array;
  /** [B · L]: each landmark's heatmap peak. */
  scores: Float32Array;
  /** Landmarks per face (channels − 1 with the background channel). */
  landmarks: number;
}

/**
 * `values`: [B, h, w, C] heatmaps in NHWC order (as `dataSync()` returns them), background channel last unless
 * `hasBackground` is false.
 */
export function decodeHeatmapValues(
  values: Float32Array,
  shape: readonly [number, number, number, number],
  opts: { stride?: number; radius?: number; hasBackground?: boolean } = {},
): DecodedLandmarksArrays {
  const [batch, height, width, channels] = shape;
  const stride = opts.stride ?? HEATMAP_STRIDE;
  const radius = opts.radius ?? DECODE_WINDOW_RADIUS;
  const landmarks = opts.hasBackground === false ? channels : channels - 1;
  if (landmarks < 1 || values.length !== batch * height * width * channels)
    throw new Error(`decodeHeatmapValues: expected ${batch}×${height}×${width}×${channels} values with a landmark channel, found ${values.length}`);
  const landmarksHr = new Float32Array(batch * landmarks * 2);
  const scores = new Float32Array(batch * landmarks);
  const at = (b: number, y: number, x: number, l: number): number => values[((b * height + y) * width + x) * channels + l];
  for (let b = 0; b < batch; b++) {
    for (let l = 0; l < landmarks; l++) {
      // First maximum in row-major order, as tf.argMax (and torch.max) pick it.
      let best = -Infinity,
        row = 0,
        col = 0;
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const v = at(b, y, x, l);
          if (v > best) {
            best = v;
            row = y;
            col = x;
          }
        }
      let total = 0,
        sx = 0,
        sy = 0;
      for (let dy = -radius; dy <= radius; dy++)
        for (let dx = -radius; dx <= radius; dx++) {
          const y = row + dy,
            x = col + dx;
          const v = y >= 0 && y < height && x >= 0 && x < width ? at(b, y, x, l) : 0; // zero padding outside
          const w = v > DECODE_THRESHOLD ? v : DECODE_EPS;
          total += w;
          sx += w * dx;
          sy += w * dy;
        }
      const k = b * landmarks + l;
      landmarksHr[2 * k] = (col + sx / total) * stride + stride / 2 - 0.5;
      landmarksHr[2 * k + 1] = (row + sy / total) * stride + stride / 2 - 0.5;
      scores[k] = best;
    }
  }
  return { landmarksHr, scores, landmarks };
}
