/**
 * From an HR face sample to the arrays one training example needs at a given scale: HR at the scale's size,
 * LR by MATLAB-style antialiased bicubic, the network input by OpenCV-style cubic upsampling, and heatmaps.
 * Training, evaluation and `jasr infer` build the network input with the one function `networkInput`, so the
 * three cannot drift apart (docs/model.md, "Fidelity to the official code", 8-bit images).
 */
import type { FaceSample } from './types';
import { MATLAB_BICUBIC, downsampleMatlab, quantize8, resampleHwc, toUint8, upsampleOpenCv, upsampleOpenCvUint8 } from './resize';
import { HEATMAP_SIGMA_HR, boundVisibility, makeHeatmaps } from '../codec/heatmaps';
import { HEATMAP_STRIDE, hrSizeForScale, mapPixelCentre } from '../core/geometry';
import { scaleDepth } from './depth';

/** Brings a stored sample (e.g. 256 px) to another HR size, resampling the image and scaling coordinates. */
export function resizeSample(s: FaceSample, hrSize: number): FaceSample {
  if (s.hrSize === hrSize) return s;
  const hr = resampleHwc(s.hr, s.hrSize, s.hrSize, 3, hrSize, hrSize, MATLAB_BICUBIC);
  for (let i = 0; i < hr.length; i++) hr[i] = Math.min(1, Math.max(0, hr[i]));
  const map = (v: number): number => mapPixelCentre(v, s.hrSize, hrSize);
  const landmarks = s.landmarks.map(map);
  const [x1, y1, x2, y2] = s.box;
  const out: FaceSample = { ...s, hr, hrSize, landmarks, box: [map(x1), map(y1), map(x2), map(y2)] };
  if (s.depth) out.depth = scaleDepth(s.depth, hrSize / s.hrSize);
  return out;
}

/**
 * LR face → network input at HR size. `quantize` false: float LR, float OpenCV-style cubic, clamped to [0, 1].
 * `quantize` true (the official data code): the LR is taken to 8-bit levels and upsampled as `cv2.resize` on
 * uint8 (integer result), then / 255.
 */
export function networkInput(lr: Float32Array, lrSize: number, scale: number, quantize: boolean): Float32Array {
  if (quantize) {
    const up = upsampleOpenCvUint8(toUint8(lr), lrSize, scale);
    const input = new Float32Array(up.length);
    for (let i = 0; i < up.length; i++) input[i] = up[i] / 255;
    return input;
  }
  const input = upsampleOpenCv(lr, lrSize, scale);
  for (let i = 0; i < input.length; i++) input[i] = Math.min(1, Math.max(0, input[i]));
  return input;
}

/** HR → LR by MATLAB-style bicubic, clamped to [0, 1] (a stored LR file cannot hold ringing outside it); rounded to 8 bits when `quantize`. */
export function lrFromHr(hr: Float32Array, hrSize: number, scale: number, quantize: boolean): Float32Array {
  const lr = downsampleMatlab(hr, hrSize, scale);
  for (let i = 0; i < lr.length; i++) lr[i] = Math.min(1, Math.max(0, lr[i]));
  return quantize ? quantize8(lr) : lr;
}

export interface TrainingPair {
  hr: Float32Array;
  lr: Float32Array;
  input: Float32Array;
  heatmaps: Float32Array;
  mask: Float32Array;
  hrSize: number;
  lrSize: number;
  heatmapSide: number;
  sample: FaceSample;
}

/**
 * `heatmapSigmaHr`: σ of the target Gaussians in HR pixels of the scale's HR size (DataConfig.heatmapSigma).
 * `quantize` (data.quantize): HR, LR and the network input at 8-bit levels where the official code reads or makes
 * 8-bit images (HR file, LR file, uint8 cv2 upsampling); false keeps them in float.
 * The returned sample's `visible` has the official out-of-crop rule applied (boundVisibility), so the mask, the
 * heatmaps and every NME computed on a batch (validation, `jasr eval`) skip points outside the crop.
 */
export function makePair(sample: FaceSample, scale: 4 | 8, heatmapSigmaHr = HEATMAP_SIGMA_HR, quantize = false): TrainingPair {
  const hrSize = hrSizeForScale(scale);
  const resized = resizeSample(sample, hrSize);
  const visible = boundVisibility(resized.landmarks, resized.visible, hrSize, hrSize);
  const s: FaceSample = { ...resized, visible, hr: quantize ? quantize8(resized.hr) : resized.hr };
  const lrSize = hrSize / scale;
  const lr = lrFromHr(s.hr, hrSize, scale, quantize);
  const input = networkInput(lr, lrSize, scale, quantize);
  const { heatmaps, side, mask } = makeHeatmaps(s.landmarks, s.visible, hrSize, HEATMAP_STRIDE, heatmapSigmaHr);
  return { hr: s.hr, lr, input, heatmaps, mask, hrSize, lrSize, heatmapSide: side, sample: s };
}
