/**
 * Inference on one face image of any size, including a real tiny face with no HR original: the image is
 * resampled to the model's LR size (lrSize × lrSize; a non-square image is stretched, and landmarks are mapped
 * back with the same two factors), turned into the network input by the same function as training and evaluation
 * (networkInput in src/data/pairs.ts, with the run's data.quantize), and run through the model. An image already at
 * the LR size (a saved 16×16 PNG) is taken as it is: resampling to its own size is the identity. Outputs: the SR image, landmarks in HR pixels and in the original image's pixels, and an
 * overlay of the landmarks on the SR image.
 */
import * as tf from '@tensorflow/tfjs';
import type { FaceModel } from '../model/types';
import { hrSizeForScale, mapPixelCentre } from '../core/geometry';
import { decodeHeatmaps } from '../codec/decode';
import { RgbImage, floatToRgb, rgbToFloat } from '../data/image-io';
import { MATLAB_BICUBIC, quantize8, resampleHwc } from '../data/resize';
import { networkInput } from '../data/pairs';
import { KnownError } from '../core/errors';

/** The checkpoint holds a model that cannot run on a lone face (the CLI names the checkpoint). */
export class InferModelError extends KnownError {}

export interface InferResult {
  /** The LR face the model saw (lrSize²) and the bicubic input (hrSize²). */
  lr: RgbImage;
  input: RgbImage;
  /** SR output (hrSize²); null for align-only models, whose landmarks are then drawn on the input. */
  sr: RgbImage | null;
  /** Landmarks [x, y] in HR pixels (pixel centres at integers) and in the original image's pixels; null for SR-only models. */
  landmarksHr: [number, number][] | null;
  landmarksOriginal: [number, number][] | null;
  overlay: RgbImage;
  sizes: { original: [number, number]; lr: number; hr: number };
}

/** Draws 3×3 dots in place (8-bit RGB). */
export function drawLandmarks(img: RgbImage, points: [number, number][], colour: [number, number, number] = [0, 255, 0]): RgbImage {
  const out = { ...img, data: Uint8Array.from(img.data) };
  for (const [px, py] of points) {
    const cx = Math.round(px),
      cy = Math.round(py);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const x = cx + dx,
          y = cy + dy;
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        for (let c = 0; c < 3; c++) out.data[(y * img.width + x) * 3 + c] = colour[c];
      }
    }
  }
  return out;
}

export interface InferOptions {
  /** data.quantize of the run: LR and network input at 8-bit levels as in its training (default false = float). */
  quantize?: boolean;
}

export function inferFace(model: FaceModel, image: RgbImage, opts: InferOptions = {}): InferResult {
  const quantize = opts.quantize ?? false;
  if (model.config.architecture === 'align-only' && model.config.alignInput === 'hr') {
    throw new InferModelError(
      "expected a model that reads the LR face, found an align-only model with model.alignInput 'hr' (an upper bound that reads the real HR face); a tiny face has no HR original to give it",
    );
  }
  const scale = model.config.scale;
  const hrSize = hrSizeForScale(scale);
  const lrSize = hrSize / scale;
  let lrFloat = resampleHwc(rgbToFloat(image), image.width, image.height, 3, lrSize, lrSize, MATLAB_BICUBIC);
  for (let i = 0; i < lrFloat.length; i++) lrFloat[i] = Math.min(1, Math.max(0, lrFloat[i]));
  if (quantize) lrFloat = quantize8(lrFloat);
  const lr = floatToRgb(lrFloat, lrSize, lrSize);
  const input = networkInput(lrFloat, lrSize, scale, quantize);
  const inputImage = floatToRgb(input, hrSize, hrSize);
  const x = tf.tensor4d(input, [1, hrSize, hrSize, 3]);
  const out = model.apply(x);
  try {
    const sr = out.sr ? floatToRgb(out.sr.dataSync() as Float32Array, hrSize, hrSize) : null;
    let landmarksHr: [number, number][] | null = null;
    if (out.heatmaps.length > 0) {
      const decoded = decodeHeatmaps(out.heatmaps[out.heatmaps.length - 1]);
      const flat = decoded.landmarksHr.dataSync();
      tf.dispose([decoded.landmarksHr, decoded.scores]);
      landmarksHr = [];
      for (let i = 0; i < flat.length; i += 2) landmarksHr.push([flat[i], flat[i + 1]]);
    }
    const landmarksOriginal = landmarksHr
      ? landmarksHr.map(([px, py]) => [mapPixelCentre(px, hrSize, image.width), mapPixelCentre(py, hrSize, image.height)] as [number, number])
      : null;
    const base = sr ?? inputImage;
    return {
      lr,
      input: inputImage,
      sr,
      landmarksHr,
      landmarksOriginal,
      overlay: landmarksHr ? drawLandmarks(base, landmarksHr) : base,
      sizes: { original: [image.width, image.height], lr: lrSize, hr: hrSize },
    };
  } finally {
    tf.dispose([x, ...(out.sr ? [out.sr] : []), ...out.heatmaps]);
  }
}
