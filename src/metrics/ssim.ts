/**
 * Reference SSIM in float64 on plain arrays (Wang et al. 2004, §6.4): separable Gaussian, 'valid' map over a
 * rectangle, mean of the map. Slow-but-exact; the batched tensor version (ssim-tensor.ts) is checked against it.
 */
import { gaussianTaps } from './gaussian';
import { CropRect, SsimSettings } from './protocols';

export const WANG_SSIM: SsimSettings = { windowSize: 11, sigma: 1.5, k1: 0.01, k2: 0.03, covariance: 'population', boundary: 'valid' };

/** Valid-mode separable filtering of a w×h plane: result is (w−n+1)×(h−n+1). */
function filterValid(plane: Float64Array, w: number, h: number, taps: Float64Array): Float64Array {
  const n = taps.length;
  const ow = w - n + 1;
  const oh = h - n + 1;
  const rows = new Float64Array(ow * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += taps[k] * plane[y * w + x + k];
      rows[y * ow + x] = s;
    }
  }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += taps[k] * rows[(y + k) * ow + x];
      out[y * ow + x] = s;
    }
  }
  return out;
}

/**
 * Mean SSIM of two single-channel planes over `rect` (default: whole image), `dataRange` = L.
 * The planes are shifted by a common constant before the second moments so that offsets such as JASRNet's
 * +16 cost no precision; the luminance term uses the unshifted means.
 */
export function ssim(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  width: number,
  height: number,
  dataRange: number,
  settings: SsimSettings = WANG_SSIM,
  rect: CropRect = { x1: 0, y1: 0, x2: width, y2: height },
): number {
  if (a.length !== width * height || b.length !== width * height) {
    throw new Error(`ssim: expected two ${width}×${height} planes (${width * height} values), found ${a.length} and ${b.length}`);
  }
  const w = rect.x2 - rect.x1;
  const h = rect.y2 - rect.y1;
  const n = settings.windowSize;
  if (w < n || h < n) throw new Error(`ssim: region ${w}×${h} is smaller than the ${n}×${n} window`);
  const shift = b[rect.y1 * width + rect.x1];
  const x = new Float64Array(w * h);
  const y = new Float64Array(w * h);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      x[r * w + c] = a[(r + rect.y1) * width + c + rect.x1] - shift;
      y[r * w + c] = b[(r + rect.y1) * width + c + rect.x1] - shift;
    }
  }
  const xx = x.map((v) => v * v);
  const yy = y.map((v) => v * v);
  const xy = x.map((v, i) => v * y[i]);
  const taps = gaussianTaps(n, settings.sigma);
  const [mx, my, mxx, myy, mxy] = [x, y, xx, yy, xy].map((p) => filterValid(p, w, h, taps));
  const covNorm = settings.covariance === 'sample' ? (n * n) / (n * n - 1) : 1;
  const c1 = (settings.k1 * dataRange) ** 2;
  const c2 = (settings.k2 * dataRange) ** 2;
  let sum = 0;
  for (let i = 0; i < mx.length; i++) {
    const ux = mx[i] + shift;
    const uy = my[i] + shift;
    const vx = covNorm * (mxx[i] - mx[i] * mx[i]);
    const vy = covNorm * (myy[i] - my[i] * my[i]);
    const vxy = covNorm * (mxy[i] - mx[i] * my[i]);
    sum += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  }
  return sum / mx.length;
}
