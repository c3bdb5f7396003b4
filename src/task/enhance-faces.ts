/**
 * Super-resolve and align every detected face of one frame in one batch. Pure TF.js and array code (no fs,
 * no sharp at run time), so the same file is bundled into the browser page (src/task/web-entry.ts) and the page
 * computes exactly what `jasr enhance` computes.
 *
 * Per face: the detector box → a square crop box with the training margin (squareCropBox, src/data/crop.ts) →
 * cropped straight to the model's LR size with the kit's antialiased bicubic crop (cropFace), clamped to [0, 1]
 * (and taken to 8-bit levels when the run trained with data.quantize) → the network input built by
 * networkInput (src/data/pairs.ts), the function training, evaluation and `jasr infer` use → all faces stacked
 * into one [N, hr, hr, 3] batch → model.apply →
 * heatmaps decoded → landmarks mapped from the SR frame back to the original image through the crop box.
 *
 * Two paths compute the same numbers: the default one crops with enhance-crop.ts and decodes the heatmap values in
 * JS (src/codec/decode-values.ts); `reference: true` crops with cropFace on the face's window and decodes with the
 * kit's tensor decoder (src/codec/decode.ts). The reference path was the per-frame code until the real-time work of
 * issue 19: its crop and its ~30-op decoder cost as much as half the forward pass (bench/RESULTS.md, enhance).
 */
import * as tf from '@tensorflow/tfjs';
import type { FaceModel } from '../model/types';
import { hrSizeForScale } from '../core/geometry';
import { decodeHeatmaps } from '../codec/decode';
import { Box, cropFace, squareCropBox } from '../data/crop';
import { quantize8 } from '../data/resize';
import { networkInput } from '../data/pairs';
import type { RgbImage } from '../data/image-io';
import { cropResampled } from './enhance-crop';
import { decodeHeatmapValues } from '../codec/decode-values';

export interface DetectedFace {
  /**
   * The face box the crop is centred on, [x1, y1, x2, y2] in the original image's pixels (pixel centres at
   * integers), in the training crop's convention (a landmark box): the calibrated detector box
   * (enhance-calibration.ts) or, for a tracked face, the box of its landmarks in the previous frame.
   */
  box: Box;
  /** The detector's own box (pixel-centre convention), when this frame's detector found the face. */
  detectorBox?: Box;
  /** Detector score, or for a tracked face the score of the detection it was tracked from. */
  score: number;
  /** Found by the detector on this frame, or carried from the previous frame's landmarks (enhance-track.ts). */
  source?: 'detector' | 'tracker';
}

export interface EnhancedFace extends DetectedFace {
  /** The square crop in original pixels: left/top edge in pixel-centre coordinates, and side. */
  crop: { x0: number; y0: number; side: number };
  lr: RgbImage;
  /** Bicubic network input (hr²). */
  bicubic: RgbImage;
  /** SR output (hr²); null for align-only models. */
  sr: RgbImage | null;
  /** [x, y] in SR pixels and in the original image's pixels; null for SR-only models. */
  landmarksHr: [number, number][] | null;
  landmarksOriginal: [number, number][] | null;
  /** Mean heatmap peak over the landmarks (the decoder's per-point scores); null for SR-only models. */
  landmarkConfidence: number | null;
}

export interface FaceGeometry {
  lrSize: number;
  hrSize: number;
  /** Crop margin on each side as a fraction of the box side (the experiment's data.margin). */
  margin: number;
  /** The run's data.quantize: LR and network input at 8-bit levels, as in its training. */
  quantize: boolean;
}

export function faceGeometry(model: FaceModel, margin: number, quantize = false): FaceGeometry {
  const hrSize = hrSizeForScale(model.config.scale);
  return { hrSize, lrSize: hrSize / model.config.scale, margin, quantize };
}

const toRgb8 = (data: Float32Array, w: number, h: number): RgbImage => {
  const out = new Uint8Array(w * h * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(data[i] * 255)));
  return { data: out, width: w, height: h };
};

/**
 * The window of `image` that resampling `crop` down to `lrSize` reads: the crop plus the antialiased bicubic
 * kernel's reach (2 source pixels per output pixel's scale, plus 3 for rounding), with the frame's edge pixels
 * repeated outside it (cropFace's own border rule). Cropping from this window gives what cropping from the whole
 * frame gives, but costs the face's size instead of the frame's: cropFace converts its whole input to floats and
 * filters every input row, which for a 720×576 frame was most of the crop time.
 */
export function cropSourceWindow(
  image: RgbImage,
  crop: { x0: number; y0: number; side: number },
  lrSize: number,
): { window: RgbImage; left: number; top: number } {
  const pad = Math.ceil((2 * crop.side) / lrSize) + 3;
  const left = Math.floor(crop.x0) - pad,
    top = Math.floor(crop.y0) - pad;
  const width = Math.ceil(crop.x0 + crop.side) + pad - left + 1,
    height = Math.ceil(crop.y0 + crop.side) + pad - top + 1;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, top + y));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, left + x));
      const s = (sy * image.width + sx) * 3,
        d = (y * width + x) * 3;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
    }
  }
  return { window: { data, width, height }, left, top };
}

/**
 * The LR face (floats in [0, 1], lrSize² × 3; 8-bit levels when quantizing), its 8-bit picture and its crop box.
 * `reference`: cropFace on the face's window (the slower path the fast crop is checked against).
 */
export function cropLr(
  image: RgbImage,
  box: Box,
  g: FaceGeometry,
  reference = false,
): { lrFloat: Float32Array; lr: RgbImage; crop: { x0: number; y0: number; side: number } } {
  const crop = squareCropBox(box, g.margin);
  let hr: Float32Array;
  if (reference) {
    const w = cropSourceWindow(image, crop, g.lrSize);
    const shifted: Box = [box[0] - w.left, box[1] - w.top, box[2] - w.left, box[3] - w.top];
    hr = cropFace(w.window, [], shifted, { x0: crop.x0 - w.left, y0: crop.y0 - w.top, side: crop.side }, g.lrSize).hr; // cropFace clamps to [0, 1]
  } else {
    hr = cropResampled(image, crop, g.lrSize);
  }
  const lrFloat = g.quantize ? quantize8(hr) : hr;
  return { lrFloat, lr: toRgb8(lrFloat, g.lrSize, g.lrSize), crop };
}

/** Network input for one LR face (hrSize² × 3), by the function training uses. */
export function bicubicInput(lrFloat: Float32Array, g: FaceGeometry): Float32Array {
  return networkInput(lrFloat, g.lrSize, g.hrSize / g.lrSize, g.quantize);
}

/** SR pixel (x, y) of a crop → original image pixel-centre coordinates: the inverse of cropFace's mapping. */
export function hrToOriginal(p: [number, number], crop: { x0: number; y0: number; side: number }, hrSize: number): [number, number] {
  const s = crop.side / hrSize;
  return [(p[0] + 0.5) * s + crop.x0, (p[1] + 0.5) * s + crop.y0];
}

export interface EnhanceFacesOptions {
  /** Crop margin on each side as a fraction of the box side (the experiment's data.margin). */
  margin: number;
  /** The run's data.quantize. */
  quantize?: boolean;
  /** At most this many faces per model.apply (bounds memory). */
  maxBatch?: number;
  /** The reference path: cropFace on the face window and the tensor heatmap decoder (same numbers, slower). */
  reference?: boolean;
}

/** Landmarks and per-landmark peaks of the last heatmap stage, read back as arrays. */
function decodeLast(heatmaps: tf.Tensor4D, reference: boolean): { landmarksHr: Float32Array; scores: Float32Array; points: number } {
  if (reference) {
    const d = decodeHeatmaps(heatmaps);
    try {
      return { landmarksHr: d.landmarksHr.dataSync() as Float32Array, scores: d.scores.dataSync() as Float32Array, points: d.landmarksHr.shape[1] };
    } finally {
      tf.dispose([d.landmarksHr, d.scores]);
    }
  }
  const d = decodeHeatmapValues(heatmaps.dataSync() as Float32Array, heatmaps.shape);
  return { landmarksHr: d.landmarksHr, scores: d.scores, points: d.landmarks };
}

/** All faces of one frame through the model in one batch (at most `maxBatch` per apply to bound memory). */
export function enhanceFaces(model: FaceModel, image: RgbImage, faces: DetectedFace[], o: EnhanceFacesOptions): EnhancedFace[] {
  const g = faceGeometry(model, o.margin, o.quantize ?? false);
  const maxBatch = o.maxBatch ?? 32;
  const reference = o.reference ?? false;
  const out: EnhancedFace[] = [];
  for (let start = 0; start < faces.length; start += maxBatch) {
    const chunk = faces.slice(start, start + maxBatch);
    const crops = chunk.map((f) => cropLr(image, f.box, g, reference));
    const inputs = crops.map((c) => bicubicInput(c.lrFloat, g));
    const n = chunk.length;
    const per = g.hrSize * g.hrSize * 3;
    const batch = new Float32Array(n * per);
    inputs.forEach((x, i) => batch.set(x, i * per));
    const x = tf.tensor4d(batch, [n, g.hrSize, g.hrSize, 3]);
    const y = model.apply(x);
    try {
      const srAll = y.sr ? (y.sr.dataSync() as Float32Array) : null;
      let lmAll: Float32Array | null = null;
      let scoreAll: Float32Array | null = null;
      let points = 0;
      if (y.heatmaps.length > 0) {
        const d = decodeLast(y.heatmaps[y.heatmaps.length - 1], reference);
        lmAll = d.landmarksHr;
        scoreAll = d.scores;
        points = d.points;
      }
      chunk.forEach((f, i) => {
        const sr = srAll ? toRgb8(srAll.subarray(i * per, (i + 1) * per), g.hrSize, g.hrSize) : null;
        let landmarksHr: [number, number][] | null = null;
        let landmarkConfidence: number | null = null;
        if (lmAll && scoreAll) {
          landmarksHr = [];
          landmarkConfidence = 0;
          for (let k = 0; k < points; k++) {
            landmarksHr.push([lmAll[(i * points + k) * 2], lmAll[(i * points + k) * 2 + 1]]);
            landmarkConfidence += scoreAll[i * points + k] / points;
          }
        }
        out.push({
          ...f,
          crop: crops[i].crop,
          lr: crops[i].lr,
          bicubic: toRgb8(inputs[i], g.hrSize, g.hrSize),
          sr,
          landmarksHr,
          landmarksOriginal: landmarksHr ? landmarksHr.map((p) => hrToOriginal(p, crops[i].crop, g.hrSize)) : null,
          landmarkConfidence,
        });
      });
    } finally {
      tf.dispose([x, ...(y.sr ? [y.sr] : []), ...y.heatmaps]);
    }
  }
  return out;
}
