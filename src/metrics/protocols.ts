/**
 * The two named PSNR/SSIM protocols. Every choice that changes the numbers is a field here, and the whole
 * object is returned beside every result, so a table can always say how its numbers were made.
 * See docs/metrics.md for why each choice matters when comparing with published numbers.
 */
import { YConversion } from './color';
import { KnownError } from '../core/errors';

export type ImageProtocolName = 'standard' | 'jasr';
export const IMAGE_PROTOCOL_NAMES: readonly ImageProtocolName[] = ['standard', 'jasr'];

export interface SsimSettings {
  windowSize: number;
  sigma: number;
  k1: number;
  k2: number;
  /** 'population' = Wang 2004; 'sample' multiplies (co)variances by N/(N−1), N = windowSize² (skimage default). */
  covariance: 'population' | 'sample';
  /**
   * Both protocols average the map only where the whole window fits inside the crop. skimage's
   * reflect-filtered full-size map cropped by (win−1)/2 px equals exactly this 'valid' map.
   */
  boundary: 'valid';
}

export interface ImageProtocol {
  name: ImageProtocolName;
  yConversion: YConversion;
  /** PSNR peak and SSIM's L, in the unit of the Y values. */
  dataRange: number;
  /**
   * Clamp SR to [0,255] and round (half-even) before measuring, as a saved 8-bit image would be; HR is
   * rounded to the same 8-bit levels, which only removes float32 noise from GT read from 8-bit files
   * (without it an exact SR would score ~150 dB instead of ∞ against float32 k/255 values).
   */
  quantizeTo8bit: boolean;
  /** 'border': drop `borderPx` on each side. 'box-within-border': face box ∩ that border (JASRNet). */
  crop: 'border' | 'box-within-border';
  borderPx: number;
  ssim: SsimSettings;
  /** How per-image values become one number. */
  aggregate: 'mean-of-per-image';
}

const WANG_WINDOW = { windowSize: 11, sigma: 1.5, k1: 0.01, k2: 0.03 };

export function imageProtocol(name: ImageProtocolName, scale: number): ImageProtocol {
  if (!Number.isInteger(scale) || scale < 0) throw new Error(`imageProtocol: scale must be a non-negative integer, got ${scale}`);
  if (name === 'standard') {
    return {
      name,
      yConversion: 'bt601-matlab-255',
      dataRange: 255,
      quantizeTo8bit: true,
      crop: 'border',
      borderPx: scale,
      ssim: { ...WANG_WINDOW, covariance: 'population', boundary: 'valid' },
      aggregate: 'mean-of-per-image',
    };
  }
  if (name === 'jasr') {
    return {
      name,
      yConversion: 'edsr-offset16-unit',
      dataRange: 1,
      quantizeTo8bit: true,
      crop: 'box-within-border',
      borderPx: scale,
      ssim: { ...WANG_WINDOW, covariance: 'sample', boundary: 'valid' },
      aggregate: 'mean-of-per-image',
    };
  }
  throw new Error(`imageProtocol: unknown protocol '${String(name)}'; expected one of ${IMAGE_PROTOCOL_NAMES.join(', ')}`);
}

/** Face box in pixels: [x1, y1, x2, y2]. */
export type Box = readonly [number, number, number, number];

/** Half-open pixel rectangle [x1,x2) × [y1,y2) that a protocol measures. */
export interface CropRect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * The measured region of one image. For 'box-within-border' this is the official
 * `x1 = max(int(bx1), s); x2 = min(int(bx2), W − s)` (Python int() truncates toward zero; the slice end is
 * exclusive, so the right-most landmark column itself is left out, as in the official code).
 */
export function cropRect(protocol: ImageProtocol, width: number, height: number, box: Box | undefined, what: string): CropRect {
  const s = protocol.borderPx;
  let rect: CropRect;
  if (protocol.crop === 'border') {
    rect = { x1: s, y1: s, x2: width - s, y2: height - s };
  } else {
    if (!box) throw new Error(`${what}: protocol '${protocol.name}' crops to the face box, but no box was given`);
    if (box.some((v) => !Number.isFinite(v))) throw new Error(`${what}: face box must be 4 finite numbers, found [${box.join(', ')}]`);
    rect = {
      x1: Math.max(Math.trunc(box[0]), s),
      y1: Math.max(Math.trunc(box[1]), s),
      x2: Math.min(Math.trunc(box[2]), width - s),
      y2: Math.min(Math.trunc(box[3]), height - s),
    };
  }
  const w = rect.x2 - rect.x1;
  const h = rect.y2 - rect.y1;
  const win = protocol.ssim.windowSize;
  if (w < win || h < win) {
    throw new KnownError(
      `${what}: the measured region [x ${rect.x1}..${rect.x2}) × [y ${rect.y1}..${rect.y2}) is ${w}×${h} px, ` +
        `smaller than the ${win}×${win} SSIM window (image ${width}×${height}, protocol '${protocol.name}', border ${s}` +
        `${box ? `, box [${box.join(', ')}]` : ''})`,
    );
  }
  return rect;
}

/** [minx, miny, maxx, maxy] of flat [x0, y0, x1, y1, ...] points; the JASRNet face box for 300W / HELEN. */
export function landmarkBox(points: ArrayLike<number>, visible?: ArrayLike<number>): Box {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let l = 0; l < points.length / 2; l++) {
    if (visible && !visible[l]) continue;
    const x = points[2 * l];
    const y = points[2 * l + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (!Number.isFinite(minX + minY + maxX + maxY)) {
    throw new Error(`landmarkBox: no visible finite points among ${points.length / 2}`);
  }
  return [minX, minY, maxX, maxY];
}
