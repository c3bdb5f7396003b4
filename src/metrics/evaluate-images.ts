/**
 * PSNR and SSIM of SR images against HR under a named protocol: per-image values, their mean, and the
 * protocol that produced them. `evaluateImages` is the batched tensor path (training / eval loops);
 * `evaluateImagesExact` is the float64 plain-array path (CLI, tests' second opinion). They agree to ~1e-5.
 */
import * as tf from '@tensorflow/tfjs';
import { quantize01To8bit, quantize01To8bitTensor, yCoefficients, yPlane, yWithoutOffsetTensor } from './color';
import { Box, CropRect, cropRect, ImageProtocol, ImageProtocolName, imageProtocol } from './protocols';
import { meanInRect, mseInRect, psnrFromMse } from './psnr';
import { ssim } from './ssim';
import { ssimMapTensor } from './ssim-tensor';

/** Row-major HWC RGB in [0,1]; FaceSample.hr and image-io's rgbToFloat output fit this shape. */
export interface FloatRgbImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

export interface EvaluateImagesOptions {
  /** A protocol name (built with `scale`) or a full protocol object for ablations. */
  protocol: ImageProtocolName | ImageProtocol;
  /** Upscaling factor; the border shave in pixels. Ignored when `protocol` is an object. */
  scale?: number;
  /** One face box [x1,y1,x2,y2] per image (GT-landmark box or dataset box); needed by 'jasr'. */
  boxes?: readonly Box[];
  /** Images per tensor chunk, to bound memory (tensor path only). */
  chunkSize?: number;
}

export interface ImageMetrics {
  /** Mean of per-image PSNR (dB); Infinity if any pair is identical inside its crop. */
  psnr: number;
  /** Mean of per-image SSIM. */
  ssim: number;
  count: number;
  perImage: { psnr: number[]; ssim: number[]; crop: CropRect[] };
  protocol: ImageProtocol;
}

function resolveProtocol(opts: EvaluateImagesOptions): ImageProtocol {
  if (typeof opts.protocol !== 'string') return opts.protocol;
  if (opts.scale === undefined) throw new Error(`evaluateImages: protocol '${opts.protocol}' needs a scale (the border shave in px)`);
  return imageProtocol(opts.protocol, opts.scale);
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function checkBoxes(protocol: ImageProtocol, count: number, boxes: readonly Box[] | undefined): void {
  if (protocol.crop === 'box-within-border' && (!boxes || boxes.length !== count)) {
    throw new Error(`evaluateImages: protocol '${protocol.name}' needs one face box per image: ${count} images, ${boxes ? boxes.length : 'no'} boxes`);
  }
}

/** Mean of the valid SSIM map over the positions whose window lies inside `rect`. */
function meanOverRectWindows(map: Float32Array, offset: number, mapWidth: number, rect: CropRect, windowSize: number): number {
  let sum = 0;
  let count = 0;
  // Map position (r, c) is the window whose top-left pixel is (r, c).
  for (let r = rect.y1; r <= rect.y2 - windowSize; r++) {
    for (let c = rect.x1; c <= rect.x2 - windowSize; c++) {
      sum += map[offset + r * mapWidth + c];
      count++;
    }
  }
  return sum / count;
}

/** Batched tensor path. `sr` and `hr` are [B,H,W,3] in [0,1]; neither is disposed. */
export function evaluateImages(sr: tf.Tensor4D, hr: tf.Tensor4D, opts: EvaluateImagesOptions): ImageMetrics {
  if (sr.shape.join() !== hr.shape.join() || sr.shape[3] !== 3) {
    throw new Error(`evaluateImages: expected SR and HR as [B,H,W,3] of one shape, found [${sr.shape}] and [${hr.shape}]`);
  }
  const protocol = resolveProtocol(opts);
  const [count, height, width] = sr.shape;
  checkBoxes(protocol, count, opts.boxes);
  const rects = Array.from({ length: count }, (_, i) => cropRect(protocol, width, height, opts.boxes?.[i], `image ${i}`));
  const n = protocol.ssim.windowSize;
  const mapWidth = width - n + 1;
  const mapSize = (height - n + 1) * mapWidth;
  const chunk = opts.chunkSize ?? 64;
  const psnrs: number[] = [];
  const ssims: number[] = [];
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    const [sqErr, map] = tf.tidy(() => {
      const srPart = sr.slice([start, 0, 0, 0], [size, height, width, 3]);
      const hrPart = hr.slice([start, 0, 0, 0], [size, height, width, 3]);
      const ySr = yWithoutOffsetTensor(protocol.quantizeTo8bit ? quantize01To8bitTensor(srPart) : srPart, protocol.yConversion);
      const yHr = yWithoutOffsetTensor(protocol.quantizeTo8bit ? quantize01To8bitTensor(hrPart) : hrPart, protocol.yConversion);
      const offset = yCoefficients(protocol.yConversion).offset;
      return [tf.squaredDifference(ySr, yHr), ssimMapTensor(ySr, yHr, { dataRange: protocol.dataRange, settings: protocol.ssim, offset })];
    });
    const sqErrValues = sqErr.dataSync() as Float32Array;
    const mapValues = map.dataSync() as Float32Array;
    sqErr.dispose();
    map.dispose();
    for (let i = 0; i < size; i++) {
      const rect = rects[start + i];
      // Float64 accumulation over the crop: a float32 sum over 10⁴ pixels would cost ~1e-3 dB.
      psnrs.push(psnrFromMse(meanInRect(sqErrValues, i * height * width, width, rect), protocol.dataRange));
      ssims.push(meanOverRectWindows(mapValues, i * mapSize, mapWidth, rect, n));
    }
  }
  return { psnr: mean(psnrs), ssim: mean(ssims), count, perImage: { psnr: psnrs, ssim: ssims, crop: rects }, protocol };
}

/** Float64 plain-array path: the same numbers without TF.js (used by the CLI for one pair). */
export function evaluateImagesExact(sr: readonly FloatRgbImage[], hr: readonly FloatRgbImage[], opts: EvaluateImagesOptions): ImageMetrics {
  if (sr.length !== hr.length) throw new Error(`evaluateImagesExact: ${sr.length} SR images but ${hr.length} HR images`);
  const protocol = resolveProtocol(opts);
  checkBoxes(protocol, sr.length, opts.boxes);
  const psnrs: number[] = [];
  const ssims: number[] = [];
  const rects: CropRect[] = [];
  sr.forEach((srImage, i) => {
    const hrImage = hr[i];
    if (srImage.width !== hrImage.width || srImage.height !== hrImage.height) {
      throw new Error(`image ${i}: SR is ${srImage.width}×${srImage.height} but HR is ${hrImage.width}×${hrImage.height}`);
    }
    const { width, height } = hrImage;
    const rect = cropRect(protocol, width, height, opts.boxes?.[i], `image ${i}`);
    const srPixels = protocol.quantizeTo8bit ? quantize01To8bit(srImage.data) : srImage.data;
    const hrPixels = protocol.quantizeTo8bit ? quantize01To8bit(hrImage.data) : hrImage.data;
    const ySr = yPlane(srPixels, width * height, protocol.yConversion);
    const yHr = yPlane(hrPixels, width * height, protocol.yConversion);
    rects.push(rect);
    psnrs.push(psnrFromMse(mseInRect(ySr, yHr, width, rect), protocol.dataRange));
    ssims.push(ssim(ySr, yHr, width, height, protocol.dataRange, protocol.ssim, rect));
  });
  return { psnr: mean(psnrs), ssim: mean(ssims), count: sr.length, perImage: { psnr: psnrs, ssim: ssims, crop: rects }, protocol };
}
