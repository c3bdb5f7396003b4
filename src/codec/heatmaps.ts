/**
 * Target heatmaps exactly as the official `generate_label_map` (docs/official-code.md §1): Gaussian σ in HR pixels,
 * one map per landmark on a grid of stride HEATMAP_STRIDE whose cell (i, j) is centred at HR (offset + j·stride,
 * offset + i·stride), offset = stride/2 − 0.5; values < 0.01 → 0, clip ≤ 1, × visibility; last channel background.
 * Visibility first goes through the official `apply_bound` rule (boundVisibility): a point outside the crop gets
 * no Gaussian and mask 0.
 */
import { HEATMAP_STRIDE } from '../core/geometry';

export const HEATMAP_SIGMA_HR = 4;
export const HEATMAP_THRESHOLD = 0.01;

export interface HeatmapTarget {
  /** [side, side, L + 1] HWC. */
  heatmaps: Float32Array;
  side: number;
  /** [L + 1]: visibility per landmark, 1 for the background channel. */
  mask: Float32Array;
}

/**
 * The official `apply_bound` (docs/official-code.md §1, docs/model.md): a landmark outside [0, W]×[0, H] (bounds
 * included) is invisible, for the heatmaps, the mask and NME alike. Returns a new array; a NaN coordinate is out.
 */
export function boundVisibility(landmarks: ArrayLike<number>, visible: ArrayLike<number>, width: number, height: number): Uint8Array {
  const points = visible.length;
  if (landmarks.length !== 2 * points) throw new Error(`boundVisibility: ${landmarks.length / 2} landmarks but ${points} visibility flags`);
  const out = new Uint8Array(points);
  for (let p = 0; p < points; p++) {
    const x = landmarks[2 * p],
      y = landmarks[2 * p + 1];
    out[p] = visible[p] && x >= 0 && y >= 0 && x <= width && y <= height ? 1 : 0;
  }
  return out;
}

export function makeHeatmaps(
  landmarksHr: ArrayLike<number>,
  visible: ArrayLike<number>,
  hrSize: number,
  stride = HEATMAP_STRIDE,
  sigmaHr = HEATMAP_SIGMA_HR,
): HeatmapTarget {
  const points = landmarksHr.length / 2;
  if (visible.length !== points) throw new Error(`makeHeatmaps: ${points} landmarks but ${visible.length} visibility flags`);
  const side = Math.floor(hrSize / stride);
  const channels = points + 1;
  const offset = stride / 2 - 0.5;
  const heatmaps = new Float32Array(side * side * channels);
  const mask = new Float32Array(channels).fill(1);
  const inCrop = boundVisibility(landmarksHr, visible, hrSize, hrSize);
  for (let p = 0; p < points; p++) mask[p] = inCrop[p];
  for (let i = 0; i < side; i++) {
    const cy = offset + i * stride;
    for (let j = 0; j < side; j++) {
      const cx = offset + j * stride;
      const base = (i * side + j) * channels;
      let peak = 0;
      for (let p = 0; p < points; p++) {
        const dx = cx - landmarksHr[2 * p],
          dy = cy - landmarksHr[2 * p + 1];
        let v = Math.exp(-(dx * dx + dy * dy) / (2 * sigmaHr * sigmaHr));
        if (v < HEATMAP_THRESHOLD) v = 0;
        if (v > 1) v = 1;
        v *= mask[p];
        heatmaps[base + p] = v;
        if (v > peak) peak = v;
      }
      heatmaps[base + points] = Math.max(0, 1 - peak);
    }
  }
  return { heatmaps, side, mask };
}
