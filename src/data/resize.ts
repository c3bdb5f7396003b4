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
