/**
 * Seeded augmentation of HR face samples: horizontal flip (official: x' = W − x with the landmark permutation),
 * rotation/scale/translation jitter (one affine warp of image and landmarks), colour jitter, and offline ×K
 * expansion (the official training set is 15 × the 3,148 300W faces, docs/official-code.md §3).
 */
import type { FaceSample } from './types';
import { flipTable } from './flip-tables';
import { Rng } from '../core/prng';
import { boundVisibility } from '../codec/heatmaps';
import { flipDepthPose, scaleDepth } from './depth';

export interface AugmentConfig {
  /** Probability of a horizontal flip (official 0.5). */
  flipProbability: number;
  /** Max |rotation| in degrees (0 = off). */
  rotationDeg: number;
  /** Scale drawn uniformly in [1 − scaleJitter, 1 + scaleJitter]. */
  scaleJitter: number;
  /** Max translation as a fraction of the HR side. */
  translateFraction: number;
  /** Brightness/contrast/saturation factors drawn in [1 − c, 1 + c] (0 = off). */
  colourJitter: number;
}

/** The official online augmentation: flip only. */
export const OFFICIAL_AUGMENT: AugmentConfig = { flipProbability: 0.5, rotationDeg: 0, scaleJitter: 0, translateFraction: 0, colourJitter: 0 };
/** SAN-style offline recipe seen in commented official AFLW code: rotation ±20°, scale 0.9–1.1. */
export const JITTER_AUGMENT: AugmentConfig = { flipProbability: 0.5, rotationDeg: 20, scaleJitter: 0.1, translateFraction: 0.05, colourJitter: 0.2 };
export const NO_AUGMENT: AugmentConfig = { flipProbability: 0, rotationDeg: 0, scaleJitter: 0, translateFraction: 0, colourJitter: 0 };

/** `'official'`: x' = W − x as the official code; `'exact'`: x' = W − 1 − x, the true mirror of pixel centres. */
export type FlipConvention = 'official' | 'exact';

export function flipSample(s: FaceSample, convention: FlipConvention = 'official'): FaceSample {
  const size = s.hrSize;
  const hr = new Float32Array(s.hr.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = (y * size + x) * 3,
        to = (y * size + (size - 1 - x)) * 3;
      hr[to] = s.hr[from];
      hr[to + 1] = s.hr[from + 1];
      hr[to + 2] = s.hr[from + 2];
    }
  }
  const n = s.visible.length;
  const table = flipTable(n);
  const mirror = convention === 'official' ? size : size - 1;
  const landmarks = new Float32Array(2 * n);
  const visible = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    landmarks[2 * table[i]] = mirror - s.landmarks[2 * i];
    landmarks[2 * table[i] + 1] = s.landmarks[2 * i + 1];
    visible[table[i]] = s.visible[i];
  }
  const [x1, y1, x2, y2] = s.box;
  return { ...s, hr, landmarks, visible, box: [mirror - x2, y1, mirror - x1, y2], ...flipDepthPose(s, table) };
}

/**
 * Warps image and landmarks by a similarity transform about the image centre. Bilinear sampling with edge
 * clamp: the jitter scales stay near 1, where bilinear is enough and 4× cheaper than cubic.
 */
export function affineSample(s: FaceSample, angleRad: number, scale: number, shiftX: number, shiftY: number): FaceSample {
  const size = s.hrSize;
  const c = (size - 1) / 2;
  const cos = Math.cos(angleRad) * scale,
    sin = Math.sin(angleRad) * scale;
  const forward = (x: number, y: number): [number, number] => [cos * (x - c) - sin * (y - c) + c + shiftX, sin * (x - c) + cos * (y - c) + c + shiftY];
  const det = cos * cos + sin * sin;
  const hr = new Float32Array(s.hr.length);
  const clampIndex = (v: number): number => (v < 0 ? 0 : v > size - 1 ? size - 1 : v);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - c - shiftX,
        dy = y - c - shiftY;
      const sx = clampIndex((cos * dx + sin * dy) / det + c),
        sy = clampIndex((-sin * dx + cos * dy) / det + c);
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, size - 1),
        y1 = Math.min(y0 + 1, size - 1);
      const fx = sx - x0,
        fy = sy - y0;
      for (let ch = 0; ch < 3; ch++) {
        const p00 = s.hr[(y0 * size + x0) * 3 + ch],
          p01 = s.hr[(y0 * size + x1) * 3 + ch];
        const p10 = s.hr[(y1 * size + x0) * 3 + ch],
          p11 = s.hr[(y1 * size + x1) * 3 + ch];
        hr[(y * size + x) * 3 + ch] = (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy;
      }
    }
  }
  const n = s.visible.length;
  const landmarks = new Float32Array(2 * n);
  let bx1 = Infinity,
    by1 = Infinity,
    bx2 = -Infinity,
    by2 = -Infinity;
  for (let i = 0; i < n; i++) {
    const [x, y] = forward(s.landmarks[2 * i], s.landmarks[2 * i + 1]);
    landmarks[2 * i] = x;
    landmarks[2 * i + 1] = y;
  }
  // Official apply_bound: a point pushed outside [0, W]×[0, H] becomes invisible (makePair applies it again).
  const visible = boundVisibility(landmarks, s.visible, size, size);
  const [ox1, oy1, ox2, oy2] = s.box;
  for (const [x, y] of [forward(ox1, oy1), forward(ox2, oy1), forward(ox1, oy2), forward(ox2, oy2)]) {
    bx1 = Math.min(bx1, x);
    by1 = Math.min(by1, y);
    bx2 = Math.max(bx2, x);
    by2 = Math.max(by2, y);
  }
  const out: FaceSample = { ...s, hr, landmarks, visible, box: [bx1, by1, bx2, by2] };
  // z zooms with x and y; an in-plane rotation leaves z, pitch and yaw as they are but changes roll, whose sign
  // convention differs between datasets, so a rotated face drops its pose rather than carry a wrong roll.
  if (s.depth) out.depth = scaleDepth(s.depth, scale);
  if (s.pose && angleRad !== 0) delete out.pose;
  return out;
}

export function colourJitterSample(s: FaceSample, brightness: number, contrast: number, saturation: number): FaceSample {
  const hr = new Float32Array(s.hr.length);
  let mean = 0;
  for (let i = 0; i < s.hr.length; i++) mean += s.hr[i];
  mean /= s.hr.length;
  for (let i = 0; i < s.hr.length; i += 3) {
    const grey = 0.299 * s.hr[i] + 0.587 * s.hr[i + 1] + 0.114 * s.hr[i + 2];
    for (let ch = 0; ch < 3; ch++) {
      let v = s.hr[i + ch] * brightness;
      v = (v - mean) * contrast + mean;
      v = (v - grey * brightness) * saturation + grey * brightness;
      hr[i + ch] = Math.min(1, Math.max(0, v));
    }
  }
  return { ...s, hr };
}

/** One random augmentation of a sample; draws from `rng` in a fixed order so a seed fixes the result. */
export function augmentSample(s: FaceSample, cfg: AugmentConfig, rng: Rng): FaceSample {
  const doFlip = rng.next() < cfg.flipProbability;
  const angle = rng.uniform(-cfg.rotationDeg, cfg.rotationDeg) * (Math.PI / 180);
  const scale = rng.uniform(1 - cfg.scaleJitter, 1 + cfg.scaleJitter);
  const shiftX = rng.uniform(-cfg.translateFraction, cfg.translateFraction) * s.hrSize;
  const shiftY = rng.uniform(-cfg.translateFraction, cfg.translateFraction) * s.hrSize;
  const b = rng.uniform(1 - cfg.colourJitter, 1 + cfg.colourJitter);
  const c = rng.uniform(1 - cfg.colourJitter, 1 + cfg.colourJitter);
  const sat = rng.uniform(1 - cfg.colourJitter, 1 + cfg.colourJitter);
  let out = s;
  if (doFlip) out = flipSample(out);
  if (cfg.rotationDeg > 0 || cfg.scaleJitter > 0 || cfg.translateFraction > 0) out = affineSample(out, angle, scale, shiftX, shiftY);
  if (cfg.colourJitter > 0) out = colourJitterSample(out, b, c, sat);
  return out;
}

/** Offline ×K expansion: the originals plus K − 1 augmented copies each, ids suffixed `#aug<k>`. */
export function expandOffline(samples: FaceSample[], copies: number, cfg: AugmentConfig, seed: number): FaceSample[] {
  const rng = new Rng(seed);
  const out: FaceSample[] = [];
  for (const s of samples) {
    out.push(s);
    for (let k = 1; k < copies; k++) out.push({ ...augmentSample(s, cfg, rng), id: `${s.id}#aug${k}` });
  }
  return out;
}
