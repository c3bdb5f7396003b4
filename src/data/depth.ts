/**
 * Depth (z per landmark) and head pose on face samples: how a file's z becomes the sample's `depth` (HR pixels,
 * zero-mean over the visible points), how it follows the crop, resize and augmentation of x and y, and how a
 * batch carries it. Conventions are stated in docs/3d.md.
 */
import type { FaceSample } from './types';

export type HeadPose = NonNullable<FaceSample['pose']>;

/** Mean of `z` over the visible points (over all of them when none is visible). */
export function visibleMean(z: ArrayLike<number>, visible: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < z.length; i++) {
    if (!visible[i]) continue;
    sum += z[i];
    count++;
  }
  if (count > 0) return sum / count;
  for (let i = 0; i < z.length; i++) sum += z[i];
  return z.length > 0 ? sum / z.length : 0;
}

/**
 * A file's z (image pixels, the file's sign) → the sample's depth: the visible points' mean removed (a single
 * image does not fix the distance to the camera) and divided by `pixelsPerHrPixel`, the crop's source pixels
 * per HR pixel, so z keeps the scale of x and y.
 */
export function depthInCrop(z: ArrayLike<number>, visible: ArrayLike<number>, pixelsPerHrPixel: number): Float32Array {
  if (z.length !== visible.length) throw new Error(`depthInCrop: ${z.length} depths but ${visible.length} visibility flags`);
  if (!(pixelsPerHrPixel > 0)) throw new Error(`depthInCrop: the crop scale must be > 0, found ${pixelsPerHrPixel}`);
  const mean = visibleMean(z, visible);
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = (z[i] - mean) / pixelsPerHrPixel;
  return out;
}

/** Depth scaled by `factor` (an image resize or zoom by `factor` scales z as it scales x and y). */
export function scaleDepth(depth: Float32Array | undefined, factor: number): Float32Array | undefined {
  if (!depth) return undefined;
  return depth.map((z) => z * factor);
}

/**
 * Depth and pose of a horizontally mirrored face: z is unchanged and follows the point permutation `table`
 * (point i goes to table[i]); yaw and roll change sign, pitch does not.
 */
export function flipDepthPose(s: FaceSample, table: ArrayLike<number>): Pick<FaceSample, 'depth' | 'pose'> {
  const out: Pick<FaceSample, 'depth' | 'pose'> = {};
  if (s.depth) {
    const depth = new Float32Array(s.depth.length);
    for (let i = 0; i < s.depth.length; i++) depth[table[i]] = s.depth[i];
    out.depth = depth;
  }
  if (s.pose) out.pose = { pitch: s.pose.pitch, yaw: -s.pose.yaw, roll: -s.pose.roll };
  return out;
}

/** The record's pose (pitchDeg, yawDeg, rollDeg, as src/data/formats/common.ts names them) as the sample's. */
export function samplePose(p: { pitchDeg: number; yawDeg: number; rollDeg: number } | undefined): HeadPose | undefined {
  return p ? { pitch: p.pitchDeg, yaw: p.yawDeg, roll: p.rollDeg } : undefined;
}

/** Whether any sample of `samples` carries depth (the loader then builds the batch's depth tensors). */
export function anyDepth(samples: readonly FaceSample[]): boolean {
  return samples.some((s) => s.depth !== undefined);
}

/** The batch's depth rows: z (0 where absent) and the 0/1 mask of labelled, visible points, both [B·L] flat. */
export function depthRows(samples: readonly FaceSample[]): { depth: Float32Array; valid: Float32Array } {
  const points = samples[0]?.visible.length ?? 0;
  const depth = new Float32Array(samples.length * points);
  const valid = new Float32Array(samples.length * points);
  samples.forEach((s, b) => {
    if (!s.depth) return;
    if (s.depth.length !== points) throw new Error(`depthRows: sample ${s.id} has ${s.depth.length} depths for ${points} landmarks`);
    for (let i = 0; i < points; i++) {
      depth[b * points + i] = s.depth[i];
      valid[b * points + i] = s.visible[i] ? 1 : 0;
    }
  });
  return { depth, valid };
}
