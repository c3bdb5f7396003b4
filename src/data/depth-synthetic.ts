/**
 * Synthetic depth and pose for 2D-labelled 68-point faces, so the 3D path (depth head, loss, 3D metrics, yaw bins)
 * can be exercised on any set — the tests and the notebook's quick mode use it on the synthetic faces. Not a
 * label of any dataset: z comes from an ellipsoidal head model fitted to the landmark box, with the nose (points
 * 27–35) raised, and the pose is estimated from the 2D points. Samples get provenance labels 'synthetic'.
 */
import type { FaceSample } from './types';
import { landmarkBox } from './crop';
import { visibleMean } from './depth';

/** iBUG-68 points of the nose (bridge 27–30, nostrils 31–35), the outer eye corners and the nose tip. */
const NOSE = { from: 27, to: 35 };
const OUTER_EYE = [36, 45] as const;
const NOSE_TIP = 30;

/** z per point (towards the camera positive, HR pixels, zero-mean over the visible points). */
export function ellipsoidDepth(landmarks: ArrayLike<number>, visible: ArrayLike<number>): Float32Array {
  const n = visible.length;
  const [x1, y1, x2, y2] = landmarkBox(landmarks, visible);
  const cx = (x1 + x2) / 2,
    cy = (y1 + y2) / 2;
  const rx = Math.max((x2 - x1) / 2, 1),
    ry = Math.max((y2 - y1) / 2, 1);
  // Depth of the head about 0.8 of its half-width; the landmarks sit a little inside the ellipsoid's outline.
  const rz = 0.8 * rx;
  const z = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = (0.9 * (landmarks[2 * i] - cx)) / rx,
      v = (0.9 * (landmarks[2 * i + 1] - cy)) / ry;
    z[i] = rz * Math.sqrt(Math.max(0, 1 - u * u - v * v));
    if (n === 68 && i >= NOSE.from && i <= NOSE.to) z[i] += 0.3 * rx * (i <= 30 ? (i - 26) / 4 : 0.5);
  }
  const mean = visibleMean(z, visible);
  return z.map((v) => v - mean);
}

/** Yaw from the nose tip's offset from the box centre, roll from the outer-eye line (degrees); pitch 0. */
export function estimatedPose(landmarks: ArrayLike<number>, visible: ArrayLike<number>): NonNullable<FaceSample['pose']> {
  const [x1, , x2] = landmarkBox(landmarks, visible);
  const rx = Math.max((x2 - x1) / 2, 1);
  const offset = Math.max(-1, Math.min(1, (landmarks[2 * NOSE_TIP] - (x1 + x2) / 2) / (0.8 * rx)));
  const [a, b] = OUTER_EYE;
  const deg = 180 / Math.PI;
  const roll = Math.atan2(landmarks[2 * b + 1] - landmarks[2 * a + 1], landmarks[2 * b] - landmarks[2 * a]) * deg;
  return { pitch: 0, yaw: Math.asin(offset) * deg, roll };
}

/** The samples with synthetic depth and pose (68-point faces only), labelled 'synthetic'. */
export function withSyntheticDepth(samples: readonly FaceSample[]): FaceSample[] {
  return samples.map((s) => {
    if (s.visible.length !== 68) throw new Error(`withSyntheticDepth: ${s.id} has ${s.visible.length} points; the head model is defined for 68`);
    return {
      ...s,
      depth: ellipsoidDepth(s.landmarks, s.visible),
      pose: estimatedPose(s.landmarks, s.visible),
      provenance: { ...s.provenance, labels: 'synthetic' },
    };
  });
}
