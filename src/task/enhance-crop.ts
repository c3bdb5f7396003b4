/**
 * The per-frame face crop of `jasr enhance` and the web page: the kit's training crop (cropFace, src/data/crop.ts:
 * antialiased MATLAB bicubic over the square crop box, edge pixels repeated outside the frame, clamped to [0, 1]),
 * computed with the same taps (axisTaps, src/data/resize.ts) in the same order, so its floats are bit-identical
 * (test/enhance-fast-path.test.ts), at the face's cost instead of the frame's. cropFace converts the whole frame to
 * floats and filters every row of it, one channel at a time; here the 8-bit pixels are read through a 256-entry
 * table of the same float32 values, only the rows the vertical taps reach are filtered, and the three channels
 * share each tap's index and weight. Measured on a 720×576 frame (bench/RESULTS.md, enhance section).
 */
import { MATLAB_BICUBIC, axisTaps } from '../data/resize';
import type { RgbImage } from '../data/image-io';

/** i / 255 as the float32 cropFace stores it. */
const LEVELS = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * `crop` (x0, y0 = its left/top edge in pixel-centre coordinates; side in pixels) of an 8-bit RGB frame resampled
 * to `size`² × 3 floats in [0, 1]: cropFace(image, [], box, crop, size).hr.
 */
export function cropResampled(image: RgbImage, crop: { x0: number; y0: number; side: number }, size: number): Float32Array {
  const kernel = { ...MATLAB_BICUBIC, border: 'clamp' as const };
  const scale = crop.side / size;
  // The window origin as cropFace gives it: pixel centre c sits at c + 0.5 in the resampler's edge coordinates.
  const tx = axisTaps(image.width, size, kernel, crop.x0 + 0.5, scale);
  const ty = axisTaps(image.height, size, kernel, crop.y0 + 0.5, scale);
  let firstRow = image.height,
    lastRow = -1;
  for (let i = 0; i < ty.index.length; i++) {
    if (ty.weight[i] === 0) continue;
    firstRow = Math.min(firstRow, ty.index[i]);
    lastRow = Math.max(lastRow, ty.index[i]);
  }
  const rowValues = size * 3;
  // Rows first (PIL's order, cropFace's), into a float32 intermediate of the reached rows only.
  const mid = new Float32Array(Math.max(0, lastRow - firstRow + 1) * rowValues);
  const data = image.data;
  for (let y = firstRow; y <= lastRow; y++) {
    const row = y * image.width * 3;
    const out = (y - firstRow) * rowValues;
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let k = 0; k < tx.taps; k++) {
        const w = tx.weight[x * tx.taps + k];
        if (w === 0) continue;
        const p = row + tx.index[x * tx.taps + k] * 3;
        r += w * LEVELS[data[p]];
        g += w * LEVELS[data[p + 1]];
        b += w * LEVELS[data[p + 2]];
      }
      mid[out + x * 3] = r;
      mid[out + x * 3 + 1] = g;
      mid[out + x * 3 + 2] = b;
    }
  }
  const result = new Float32Array(size * rowValues);
  const acc = new Float64Array(rowValues);
  for (let y = 0; y < size; y++) {
    acc.fill(0);
    for (let k = 0; k < ty.taps; k++) {
      const w = ty.weight[y * ty.taps + k];
      if (w === 0) continue;
      const row = (ty.index[y * ty.taps + k] - firstRow) * rowValues;
      for (let i = 0; i < rowValues; i++) acc[i] += w * mid[row + i];
    }
    result.set(acc, y * rowValues);
  }
  for (let i = 0; i < result.length; i++) result[i] = Math.min(1, Math.max(0, result[i]));
  return result;
}
