/**
 * Zoomed crops of result images for side-by-side comparisons (notebooks/09-adversarial.ipynb): the region around
 * the eyes, where SR methods differ most visibly (texture a GAN invents, blur an L1 model leaves), enlarged by
 * pixel repetition so the viewer sees the model's own pixels, not an interpolation of them.
 */
import type { Points, RgbPixels } from '../report/figures';

/** A crop rectangle in pixels: left, top, width, height. */
export type CropBox = readonly [x: number, y: number, width: number, height: number];

/** `img` cut to `box` (clamped to the image) and enlarged `factor` times by nearest neighbour. */
export function zoomCrop(img: RgbPixels, box: CropBox, factor: number): RgbPixels {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`zoomCrop: factor must be a positive integer, found ${factor}`);
  const x0 = Math.max(0, Math.min(img.width - 1, Math.round(box[0])));
  const y0 = Math.max(0, Math.min(img.height - 1, Math.round(box[1])));
  const w = Math.max(1, Math.min(img.width - x0, Math.round(box[2])));
  const h = Math.max(1, Math.min(img.height - y0, Math.round(box[3])));
  const out = new Uint8Array(w * factor * h * factor * 3);
  for (let y = 0; y < h * factor; y++) {
    for (let x = 0; x < w * factor; x++) {
      const src = ((y0 + Math.floor(y / factor)) * img.width + x0 + Math.floor(x / factor)) * 3;
      const dst = (y * w * factor + x) * 3;
      for (let c = 0; c < 3; c++) out[dst + c] = img.data[src + c];
    }
  }
  return { width: w * factor, height: h * factor, data: out };
}

/**
 * The box around both eyes of a 68-point face (points 36–47, 0-based), widened by `margin` of its width on every
 * side and made twice as wide as tall at most, in the landmarks' pixels.
 */
export function eyeRegion(landmarks: Points, margin = 0.25): CropBox {
  if (landmarks.length !== 68) throw new Error(`eyeRegion: expected 68 landmarks, found ${landmarks.length}`);
  const eyes = landmarks.slice(36, 48);
  const xs = eyes.map((p) => p[0]);
  const ys = eyes.map((p) => p[1]);
  const [left, right, top, bottom] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = (right - left) * margin;
  const width = right - left + 2 * pad;
  const height = Math.max(bottom - top + 2 * pad, width / 2);
  const cy = (top + bottom) / 2;
  return [left - pad, cy - height / 2, width, height];
}
