/** PSNR from a mean squared error; the per-image value that datasets average (§6.3). */
import { CropRect } from './protocols';

/** 10·log10(peak²/MSE); +Infinity for identical images (the official code would divide by zero). */
export function psnrFromMse(mse: number, peak: number): number {
  if (!(mse >= 0)) throw new Error(`psnrFromMse: MSE must be ≥ 0, got ${mse}`);
  if (mse === 0) return Infinity;
  return 10 * Math.log10((peak * peak) / mse);
}

/** Mean of (a − b)² over a rectangle of two row-major single-channel planes of width `width`. */
export function mseInRect(a: ArrayLike<number>, b: ArrayLike<number>, width: number, rect: CropRect): number {
  if (a.length !== b.length) throw new Error(`mseInRect: planes differ in size (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let y = rect.y1; y < rect.y2; y++) {
    for (let x = rect.x1; x < rect.x2; x++) {
      const d = a[y * width + x] - b[y * width + x];
      sum += d * d;
    }
  }
  return sum / ((rect.x2 - rect.x1) * (rect.y2 - rect.y1));
}

/** Float64 mean over a rectangle of one plane stored at `offset` in `values` (e.g. one image of a batch). */
export function meanInRect(values: ArrayLike<number>, offset: number, width: number, rect: CropRect): number {
  let sum = 0;
  for (let y = rect.y1; y < rect.y2; y++) {
    for (let x = rect.x1; x < rect.x2; x++) sum += values[offset + y * width + x];
  }
  return sum / ((rect.x2 - rect.x1) * (rect.y2 - rect.y1));
}

/** PSNR of two single-channel planes (whole image), peak in the planes' unit (255 for 8-bit, 1 for [0,1]). */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number, peak: number): number {
  if (a.length !== width * height) throw new Error(`psnr: expected ${width}×${height} = ${width * height} values, found ${a.length}`);
  return psnrFromMse(mseInRect(a, b, width, { x1: 0, y1: 0, x2: width, y2: height }), peak);
}
