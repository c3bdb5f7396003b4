/**
 * Separable cubic resampling of HWC float images, written out so the kernel, antialiasing and border rule are
 * explicit (the official data pipeline mixes MATLAB `imresize` for making LR and OpenCV `INTER_CUBIC` for the
 * network input, and they differ in all three).
 *
 * Coordinates: pixel k covers [k, k+1); output pixel i of a window starting at `origin` with `scale` source px per
 * output px samples the source at centre origin + (i + 0.5)·scale (half-pixel centres, as MATLAB, OpenCV, PIL, torch).
 */

export type BorderRule =
  /** Edge pixel repeated (OpenCV BORDER_REPLICATE, torch). */
  | 'clamp'
  /** Symmetric mirror with the edge pixel repeated (MATLAB imresize). */
  | 'mirror'
  /** Taps outside the image dropped and the rest renormalised (PIL). */
  | 'renormalize';

export interface CubicKernel {
  /** Keys' parameter: −0.5 (MATLAB, PIL) or −0.75 (OpenCV, torch). */
  a: number;
  /** Widen the kernel by the reduction factor when downsampling (MATLAB/PIL), or not (OpenCV). */
  antialias: boolean;
  border: BorderRule;
}

/** MATLAB `imresize(..., 'bicubic')`, antialiasing on (its default when shrinking). */
export const MATLAB_BICUBIC: CubicKernel = { a: -0.5, antialias: true, border: 'mirror' };
/** PIL `Image.resize(..., BICUBIC)`; used as the independent oracle in tests. */
export const PIL_BICUBIC: CubicKernel = { a: -0.5, antialias: true, border: 'renormalize' };
/** OpenCV `cv2.resize(..., INTER_CUBIC)` = torch `interpolate(bicubic, align_corners=False)`. */
export const OPENCV_CUBIC: CubicKernel = { a: -0.75, antialias: false, border: 'clamp' };

export function cubicWeight(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Per-output taps along one axis: `taps` source indices and weights per output pixel (weights sum to 1). */
export interface AxisTaps {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
}

function borderIndex(j: number, size: number, rule: BorderRule): number {
  if (j >= 0 && j < size) return j;
  if (rule === 'clamp') return j < 0 ? 0 : size - 1;
  // MATLAB: aux = [1:n, n:-1:1], index taken modulo 2n.
  const period = 2 * size;
  const m = ((j % period) + period) % period;
  return m < size ? m : period - 1 - m;
}

export function axisTaps(inSize: number, outSize: number, kernel: CubicKernel, origin = 0, scale = inSize / outSize): AxisTaps {
  const widen = kernel.antialias ? Math.max(scale, 1) : 1;
  const support = 2 * widen;
  const taps = Math.ceil(2 * support) + 2;
  const index = new Int32Array(outSize * taps);
  const weight = new Float64Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const centre = origin + (i + 0.5) * scale;
    const first = Math.floor(centre - support - 0.5);
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const j = first + k;
      let w = cubicWeight((j + 0.5 - centre) / widen, kernel.a);
      if (kernel.border === 'renormalize' && (j < 0 || j >= inSize)) w = 0;
      index[i * taps + k] = borderIndex(j, inSize, kernel.border === 'renormalize' ? 'clamp' : kernel.border);
      weight[i * taps + k] = w;
      sum += w;
    }
    for (let k = 0; k < taps; k++) weight[i * taps + k] /= sum;
  }
  return { taps, index, weight };
}

/** Resamples rows then columns (PIL's order), with a float32 intermediate as PIL's 'F' mode does. */
export function resampleHwc(
  src: Float32Array,
  srcW: number,
  srcH: number,
  channels: number,
  dstW: number,
  dstH: number,
  kernel: CubicKernel,
  window?: { x0: number; y0: number; scaleX: number; scaleY: number },
): Float32Array {
  if (src.length !== srcW * srcH * channels) {
    throw new Error(`resampleHwc: expected ${srcW}×${srcH}×${channels} = ${srcW * srcH * channels} values, got ${src.length}`);
  }
  const tx = axisTaps(srcW, dstW, kernel, window?.x0 ?? 0, window?.scaleX ?? srcW / dstW);
  const ty = axisTaps(srcH, dstH, kernel, window?.y0 ?? 0, window?.scaleY ?? srcH / dstH);
  const mid = new Float32Array(srcH * dstW * channels);
  for (let y = 0; y < srcH; y++) {
    const row = y * srcW * channels;
    for (let x = 0; x < dstW; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < tx.taps; k++) {
          const w = tx.weight[x * tx.taps + k];
          if (w !== 0) acc += w * src[row + tx.index[x * tx.taps + k] * channels + c];
        }
        mid[(y * dstW + x) * channels + c] = acc;
      }
    }
  }
  const out = new Float32Array(dstH * dstW * channels);
  const acc = new Float64Array(dstW * channels);
  for (let y = 0; y < dstH; y++) {
    acc.fill(0);
    for (let k = 0; k < ty.taps; k++) {
      const w = ty.weight[y * ty.taps + k];
      if (w === 0) continue;
      const row = ty.index[y * ty.taps + k] * dstW * channels;
      for (let i = 0; i < dstW * channels; i++) acc[i] += w * mid[row + i];
    }
    out.set(acc, y * dstW * channels);
  }
  return out;
}

/** HR → LR as MATLAB `imresize(hr, 1/factor, 'bicubic')`. */
export function downsampleMatlab(hr: Float32Array, hrSize: number, factor: number, channels = 3): Float32Array {
  const lrSize = hrSize / factor;
  if (!Number.isInteger(lrSize)) throw new Error(`downsampleMatlab: HR side ${hrSize} is not divisible by ${factor}`);
  return resampleHwc(hr, hrSize, hrSize, channels, lrSize, lrSize, MATLAB_BICUBIC);
}

/** LR → HR-sized network input as `cv2.resize(lr, (hr, hr), interpolation=INTER_CUBIC)` in the official code. */
export function upsampleOpenCv(lr: Float32Array, lrSize: number, factor: number, channels = 3): Float32Array {
  return resampleHwc(lr, lrSize, lrSize, channels, lrSize * factor, lrSize * factor, OPENCV_CUBIC);
}

/** Rounds [0, 1] floats to 8-bit levels (as an image file stores them), clamped: round(v·255)/255. */
export function quantize8(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255) / 255;
  return out;
}

/** [0, 1] floats to uint8 levels, clamped and rounded. */
export function toUint8(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
  return out;
}

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/**
 * OpenCV's cubic taps for one axis of an integer upscale as its uint8 path computes them: source position
 * fx = (dx + 0.5)/factor − 0.5 in float32, Keys a = −0.75 weights in float32, the last weight 1 − the other three,
 * then each weight × 2048 rounded to a short (ties to even, as cvRound); taps at floor(fx) − 1 … + 2, clamped.
 */
function openCvCubicTapsFixed(inSize: number, factor: number): { index: Int32Array; weight: Int32Array } {
  const outSize = inSize * factor;
  const f = Math.fround;
  const a = f(-0.75);
  const index = new Int32Array(outSize * 4);
  const weight = new Int32Array(outSize * 4);
  const scale = f(1 / factor);
  const roundEven = (v: number): number => {
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  for (let d = 0; d < outSize; d++) {
    let fx = f(f(f(d + 0.5) * scale) - 0.5);
    const sx = Math.floor(fx);
    fx = f(fx - sx);
    const x1 = f(fx + 1),
      x2 = f(1 - fx);
    const c0 = f(f(f(f(f(f(a * x1) - f(5 * a)) * x1) + f(8 * a)) * x1) - f(4 * a));
    const c1 = f(f(f(f(f(f(a + 2) * fx) - f(a + 3)) * fx) * fx) + 1);
    const c2 = f(f(f(f(f(f(a + 2) * x2) - f(a + 3)) * x2) * x2) + 1);
    const c3 = f(f(f(1 - c0) - c1) - c2);
    [c0, c1, c2, c3].forEach((c, k) => {
      weight[d * 4 + k] = roundEven(f(c * COEF_SCALE));
      index[d * 4 + k] = Math.min(inSize - 1, Math.max(0, sx - 1 + k));
    });
  }
  return { index, weight };
}

/**
 * `cv2.resize(lr, (side·factor, side·factor), interpolation=INTER_CUBIC)` on a uint8 HWC image, as the official
 * data code makes its network input: 11-bit fixed-point weights, integer sums, result (sum + 2²¹) >> 22 saturated
 * to 0…255. OpenCV's SIMD loop forms the same sum in float32 and rounds ties to even, so it can differ from this by
 * one level where the exact sum lies within ~1e-5 of a half level (rare; measured against cv2 in
 * test/fidelity-quantize.test.ts).
 */
export function upsampleOpenCvUint8(lr: Uint8Array, lrSize: number, factor: number, channels = 3): Uint8Array {
  if (lr.length !== lrSize * lrSize * channels) throw new Error(`upsampleOpenCvUint8: expected ${lrSize}×${lrSize}×${channels} values, got ${lr.length}`);
  const out = lrSize * factor;
  const t = openCvCubicTapsFixed(lrSize, factor);
  const mid = new Int32Array(lrSize * out * channels);
  for (let y = 0; y < lrSize; y++) {
    for (let x = 0; x < out; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) acc += lr[(y * lrSize + t.index[x * 4 + k]) * channels + c] * t.weight[x * 4 + k];
        mid[(y * out + x) * channels + c] = acc;
      }
    }
  }
  const dst = new Uint8Array(out * out * channels);
  const half = 2 ** (2 * COEF_BITS - 1),
    whole = 2 ** (2 * COEF_BITS);
  for (let y = 0; y < out; y++) {
    for (let i = 0; i < out * channels; i++) {
      // Sums reach ±2³¹ range; float64 holds them exactly, and floor matches C's arithmetic shift.
      let acc = 0;
      for (let k = 0; k < 4; k++) acc += mid[t.index[y * 4 + k] * out * channels + i] * t.weight[y * 4 + k];
      const v = Math.floor((acc + half) / whole);
      dst[y * out * channels + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return dst;
}
