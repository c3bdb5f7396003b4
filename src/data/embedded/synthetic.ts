/**
 * Seeded synthetic faces for fast unit tests: a skin ellipse, eyes, brows, nose and mouth drawn where the 68
 * iBUG landmarks say they are (jaw 0–16 image-left to right, brows 17–26, nose 27–35, eyes 36–47 with 36/45 the
 * outer corners, mouth 48–67), under a random similarity pose and colours. Labelled 'synthetic'.
 */
import type { FaceSample } from '../types';
import { Rng } from '../../core/prng';
import { landmarkBox } from '../crop';

type Pt = [number, number];

const ellipse = (cx: number, cy: number, rx: number, ry: number, angles: number[]): Pt[] => angles.map((a) => [cx + rx * Math.cos(a), cy - ry * Math.sin(a)]);
const steps = (n: number, from: number, to: number): number[] => Array.from({ length: n }, (_, k) => from + ((to - from) * k) / (n - 1));

/** The 68-point template in face units (face width ≈ 1, origin at the face centre, y down). */
export function template68(): Pt[] {
  const jaw: Pt[] = steps(17, Math.PI, 0).map((t) => [0.45 * Math.cos(t), -0.05 + 0.55 * Math.sin(t)]);
  const brow = (x0: number, x1: number): Pt[] => steps(5, 0, 1).map((f) => [x0 + (x1 - x0) * f, -0.25 - 0.05 * Math.sin(Math.PI * f)]);
  const bridge: Pt[] = steps(4, -0.15, 0.1).map((y) => [0, y]);
  const nostrils: Pt[] = steps(5, -0.08, 0.08).map((x) => [x, 0.17 + 0.02 * (1 - Math.abs(x) / 0.08)]);
  // Both eyes start at their image-left corner (36 = right eye outer, 42 = left eye inner) and run clockwise.
  const eye = (cx: number): Pt[] => ellipse(cx, -0.1, 0.08, 0.035, [Math.PI, (2 * Math.PI) / 3, Math.PI / 3, 0, -Math.PI / 3, (-2 * Math.PI) / 3]);
  const mouthOuter = ellipse(0, 0.3, 0.17, 0.07, steps(13, Math.PI, -Math.PI).slice(0, 12));
  const mouthInner = ellipse(0, 0.3, 0.11, 0.03, steps(9, Math.PI, -Math.PI).slice(0, 8));
  return [...jaw, ...brow(-0.38, -0.08), ...brow(0.08, 0.38), ...bridge, ...nostrils, ...eye(-0.2), ...eye(0.2), ...mouthOuter, ...mouthInner];
}

function insidePolygon(x: number, y: number, poly: Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i],
      [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function distanceToPolyline(x: number, y: number, line: Pt[]): number {
  let best = Infinity;
  for (let i = 0; i + 1 < line.length; i++) {
    const [ax, ay] = line[i],
      [bx, by] = line[i + 1];
    const dx = bx - ax,
      dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy));
  }
  return best;
}

export function syntheticFace(seed: number, hrSize = 128, id = `synthetic-${seed}`): FaceSample {
  const rng = new Rng(seed);
  const tpl = template68();
  const faceWidth = rng.uniform(0.5, 0.62) * hrSize;
  const angle = rng.uniform(-0.25, 0.25);
  const cx = hrSize / 2 + rng.uniform(-0.04, 0.04) * hrSize,
    cy = hrSize / 2 + rng.uniform(-0.04, 0.04) * hrSize;
  const cos = Math.cos(angle),
    sin = Math.sin(angle);
  const toImage = ([u, v]: Pt): Pt => [cx + faceWidth * (cos * u - sin * v), cy + faceWidth * (sin * u + cos * v)];
  const colour = (lo: number, hi: number): number[] => [rng.uniform(lo, hi), rng.uniform(lo, hi), rng.uniform(lo, hi)];
  const background = colour(0.1, 0.9);
  const skinBase = rng.uniform(0.35, 0.9);
  const skin = [skinBase, skinBase * rng.uniform(0.7, 0.85), skinBase * rng.uniform(0.55, 0.7)];
  const dark = colour(0.02, 0.2);
  const lips = [rng.uniform(0.5, 0.8), rng.uniform(0.1, 0.3), rng.uniform(0.15, 0.35)];
  const faceOutline: Pt[] = [...tpl.slice(0, 17), ...ellipse(0, -0.05, 0.45, 0.5, steps(9, 0, Math.PI).slice(1, 8))];
  const eyes = [tpl.slice(36, 42), tpl.slice(42, 48)];
  const brows = [tpl.slice(17, 22), tpl.slice(22, 27)];
  const nose = [...tpl.slice(27, 31), tpl[33]];
  const hr = new Float32Array(hrSize * hrSize * 3);
  for (let y = 0; y < hrSize; y++) {
    for (let x = 0; x < hrSize; x++) {
      const dx = x - cx,
        dy = y - cy;
      const u = (cos * dx + sin * dy) / faceWidth,
        v = (-sin * dx + cos * dy) / faceWidth;
      let c = background;
      if (insidePolygon(u, v, faceOutline)) {
        c = skin;
        if (eyes.some((e) => insidePolygon(u, v, e))) c = dark;
        else if (brows.some((b) => distanceToPolyline(u, v, b) < 0.025)) c = dark;
        else if (insidePolygon(u, v, tpl.slice(60, 68))) c = dark;
        else if (insidePolygon(u, v, tpl.slice(48, 60))) c = lips;
        else if (distanceToPolyline(u, v, nose) < 0.012 || distanceToPolyline(u, v, tpl.slice(31, 36)) < 0.015) c = skin.map((s) => s * 0.7);
      }
      const noise = rng.uniform(-0.02, 0.02);
      for (let ch = 0; ch < 3; ch++) hr[(y * hrSize + x) * 3 + ch] = Math.min(1, Math.max(0, c[ch] + noise));
    }
  }
  const landmarks = new Float32Array(136);
  tpl.forEach((p, i) => {
    const [ix, iy] = toImage(p);
    landmarks[2 * i] = ix;
    landmarks[2 * i + 1] = iy;
  });
  return {
    id,
    hr,
    hrSize,
    landmarks,
    visible: new Uint8Array(68).fill(1),
    box: landmarkBox(landmarks),
    provenance: { source: 'synthetic', file: `seed ${seed}`, licence: 'generated (no licence needed)', labels: 'synthetic', group: id },
  };
}

export function syntheticFaces(count: number, seed: number, hrSize = 128, prefix = 'synthetic'): FaceSample[] {
  return Array.from({ length: count }, (_, i) => syntheticFace(seed * 100003 + i, hrSize, `${prefix}-${seed}-${i}`));
}
