/**
 * From an HR face sample to the arrays one training example needs at a given scale: HR at the scale's size,
 * LR by MATLAB-style antialiased bicubic, the network input by OpenCV-style cubic upsampling, and heatmaps.
 */
import type { FaceSample } from './types';
import { MATLAB_BICUBIC, downsampleMatlab, resampleHwc, upsampleOpenCv } from './resize';
import { HEATMAP_SIGMA_HR, makeHeatmaps } from '../codec/heatmaps';
import { HEATMAP_STRIDE, hrSizeForScale, mapPixelCentre } from '../core/geometry';

/** Brings a stored sample (e.g. 256 px) to another HR size, resampling the image and scaling coordinates. */
export function resizeSample(s: FaceSample, hrSize: number): FaceSample {
  if (s.hrSize === hrSize) return s;
  const f = hrSize / s.hrSize;
  const hr = resampleHwc(s.hr, s.hrSize, s.hrSize, 3, hrSize, hrSize, MATLAB_BICUBIC);
  for (let i = 0; i < hr.length; i++) hr[i] = Math.min(1, Math.max(0, hr[i]));
  const map = (v: number): number => mapPixelCentre(v, s.hrSize, hrSize);
  const landmarks = s.landmarks.map(map);
  const [x1, y1, x2, y2] = s.box;
  return { ...s, hr, hrSize, landmarks, box: [map(x1), map(y1), map(x2), map(y2)] };
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

/** `heatmapSigmaHr`: σ of the target Gaussians in HR pixels of the scale's HR size (DataConfig.heatmapSigma). */
export function makePair(sample: FaceSample, scale: 4 | 8, heatmapSigmaHr = HEATMAP_SIGMA_HR): TrainingPair {
  const hrSize = hrSizeForScale(scale);
  const s = resizeSample(sample, hrSize);
  const lrSize = hrSize / scale;
  const lr = downsampleMatlab(s.hr, hrSize, scale);
  // Stored LR files are 8-bit in the official pipeline; clamping keeps the ringing of cubic inside [0, 1].
  for (let i = 0; i < lr.length; i++) lr[i] = Math.min(1, Math.max(0, lr[i]));
  const input = upsampleOpenCv(lr, lrSize, scale);
  for (let i = 0; i < input.length; i++) input[i] = Math.min(1, Math.max(0, input[i]));
  const { heatmaps, side, mask } = makeHeatmaps(s.landmarks, s.visible, hrSize, HEATMAP_STRIDE, heatmapSigmaHr);
  return { hr: s.hr, lr, input, heatmaps, mask, hrSize, lrSize, heatmapSide: side, sample: s };
}
