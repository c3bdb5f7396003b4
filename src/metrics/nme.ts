/**
 * Normalised mean error of landmarks (§6.1): per image, the mean (or RMS) over visible points of the L2
 * error, divided by a normalising distance taken from the ground truth. Returned as a fraction (×100 for %).
 * Plain arrays (flat [x0, y0, x1, y1, ...] per image) and batched [B,L,2] tensors are both accepted.
 */
import * as tf from '@tensorflow/tfjs';
import { Box, landmarkBox } from './protocols';
// The per-convention facts (default normaliser, eye indices) live in one table the data layer's registry also reads.
import { knownPointCounts, landmarkConvention } from '../data/landmark-conventions';

export type NmeNormalizer =
  /** Outer eye corners: 68 pts 36–45, WFLW-98 60–72, 49/51 pts 19–28, COFW-29 8–9, 5 pts 0–1 (eye centres). */
  | 'inter-ocular'
  /** Eye centres: 68 pts mean(36..41)–mean(42..47), WFLW-98 96–97, COFW-29 8–9, 5 pts 0–1. */
  | 'inter-pupil'
  /** √(w·h) of the given face box (AFLW-19 dataset box). */
  | 'box'
  /** √(w·h) of the ground-truth landmarks' bounding box (HELEN-194 in JASRNet). */
  | 'landmark-box'
  /** √(w² + h²) of the given face box. */
  | 'box-diagonal';

export type NmeReduction = 'mean' | 'rms';

export type Points = ArrayLike<number>;

export interface NmeProtocol {
  normalizer: NmeNormalizer;
  reduction: NmeReduction;
  landmarkCount: number;
  /** What the normaliser measures for this landmark count, in words (e.g. '‖p36 − p45‖'). */
  normalizerDefinition: string;
}

export interface NmeOptions {
  /** Default: `defaultNormalizer(landmarkCount)`. */
  normalizer?: NmeNormalizer;
  /** 'mean' (the usual NME) or 'rms' (DIC's eval_landmark.py). Default 'mean'. */
  reduction?: NmeReduction;
  /** Per image, 1 = visible, one per landmark; default all visible. */
  visible?: readonly ArrayLike<number>[] | tf.Tensor2D;
  /** Per image face box [x1,y1,x2,y2]; needed by 'box' and 'box-diagonal'. */
  boxes?: readonly Box[] | tf.Tensor2D;
}

/**
 * The per-dataset convention: 300W-68 and WFLW-98 → inter-ocular (36–45 / 60–72), AFLW-19 → dataset box,
 * HELEN-194 → landmark box, and for CelebA's 5 points the distance between the two eye centres (points 0 and 1),
 * the only eye distance 5 points define (so inter-ocular and inter-pupil coincide there).
 */
export function defaultNormalizer(landmarkCount: number): NmeNormalizer {
  const convention = landmarkConvention(landmarkCount);
  if (!convention) {
    throw new Error(
      `defaultNormalizer: no convention for ${landmarkCount} landmarks (known: ${knownPointCounts().join(', ')}); ` +
        `pass a normalizer such as 'landmark-box' explicitly`,
    );
  }
  return convention.normaliser;
}

/** The GT points whose means give the two eye positions, or null when the normaliser is box-based. */
export function eyeIndices(landmarkCount: number, normalizer: NmeNormalizer): { left: number[]; right: number[] } | null {
  if (normalizer !== 'inter-ocular' && normalizer !== 'inter-pupil') return null;
  const eyes = landmarkConvention(landmarkCount)?.eyes;
  if (!eyes) {
    const defined = knownPointCounts().filter((n) => landmarkConvention(n)?.eyes);
    throw new Error(`NME normalizer '${normalizer}' is not defined for ${landmarkCount} landmarks (defined for ${defined.join(', ')})`);
  }
  const [left, right] = normalizer === 'inter-ocular' ? eyes.ocular : eyes.pupil;
  return { left: [...left], right: [...right] };
}

export function normalizerDefinition(landmarkCount: number, normalizer: NmeNormalizer): string {
  const eyes = eyeIndices(landmarkCount, normalizer);
  if (eyes) {
    const side = (idx: number[]): string => (idx.length === 1 ? `p${idx[0]}` : `mean(p${idx[0]}..p${idx[idx.length - 1]})`);
    return `‖${side(eyes.left)} − ${side(eyes.right)}‖`;
  }
  if (normalizer === 'box') return '√(w·h) of the given face box';
  if (normalizer === 'landmark-box') return '√(w·h) of the GT landmarks bounding box';
  return '√(w² + h²) of the given face box';
}

function meanPoint(points: Points, indices: number[]): [number, number] {
  let x = 0;
  let y = 0;
  for (const i of indices) {
    x += points[2 * i];
    y += points[2 * i + 1];
  }
  return [x / indices.length, y / indices.length];
}

/** The normalising distance of one image, from its GT points (and box where the normaliser needs one). */
export function normalizingDistance(gt: Points, normalizer: NmeNormalizer, box?: Box, visible?: ArrayLike<number>): number {
  const landmarkCount = gt.length / 2;
  const eyes = eyeIndices(landmarkCount, normalizer);
  if (eyes) {
    const [lx, ly] = meanPoint(gt, eyes.left);
    const [rx, ry] = meanPoint(gt, eyes.right);
    return Math.hypot(lx - rx, ly - ry);
  }
  const b = normalizer === 'landmark-box' ? landmarkBox(gt, visible) : box;
  if (!b) throw new Error(`NME normalizer '${normalizer}' needs a face box per image, none was given`);
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return normalizer === 'box-diagonal' ? Math.hypot(w, h) : Math.sqrt(w * h);
}

function toArrays(points: readonly Points[] | tf.Tensor3D): Points[] {
  if (points instanceof tf.Tensor) return (points.arraySync() as number[][][]).map((p) => p.flat());
  return [...points];
}

function toRows<T extends ArrayLike<number>>(rows: readonly T[] | tf.Tensor2D | undefined): ArrayLike<number>[] | undefined {
  if (rows === undefined) return undefined;
  if (rows instanceof tf.Tensor) return rows.arraySync() as number[][];
  return [...rows];
}

/** NME of each image as a fraction, with the protocol that produced it. */
export function nmePerImage(
  pred: readonly Points[] | tf.Tensor3D,
  gt: readonly Points[] | tf.Tensor3D,
  opts: NmeOptions = {},
): { nme: number[]; protocol: NmeProtocol } {
  const predRows = toArrays(pred);
  const gtRows = toArrays(gt);
  if (predRows.length !== gtRows.length) throw new Error(`nmePerImage: ${predRows.length} predictions but ${gtRows.length} ground truths`);
  if (gtRows.length === 0) throw new Error('nmePerImage: no images');
  const landmarkCount = gtRows[0].length / 2;
  const normalizer = opts.normalizer ?? defaultNormalizer(landmarkCount);
  const reduction = opts.reduction ?? 'mean';
  const visible = toRows(opts.visible);
  const boxes = toRows(opts.boxes) as Box[] | undefined;
  const nme = gtRows.map((g, i) => {
    const p = predRows[i];
    if (p.length !== g.length || g.length !== landmarkCount * 2) {
      throw new Error(`nmePerImage: image ${i} has ${p.length / 2} predicted and ${g.length / 2} GT points, expected ${landmarkCount}`);
    }
    const v = visible?.[i];
    let sum = 0;
    let count = 0;
    for (let l = 0; l < landmarkCount; l++) {
      if (v && !v[l]) continue;
      const d = Math.hypot(p[2 * l] - g[2 * l], p[2 * l + 1] - g[2 * l + 1]);
      sum += reduction === 'rms' ? d * d : d;
      count++;
    }
    if (count === 0) throw new Error(`nmePerImage: image ${i} has no visible landmarks`);
    const dist = normalizingDistance(g, normalizer, boxes?.[i], v);
    if (!(dist > 0)) throw new Error(`nmePerImage: image ${i} has normalising distance ${dist} (${normalizerDefinition(landmarkCount, normalizer)})`);
    return (reduction === 'rms' ? Math.sqrt(sum / count) : sum / count) / dist;
  });
  return { nme, protocol: { normalizer, reduction, landmarkCount, normalizerDefinition: normalizerDefinition(landmarkCount, normalizer) } };
}

/**
 * In-graph NME for training logs: [B,L,2] predictions and GT, [B,L] visibility, optional [B,4] boxes → [B].
 * Pure; intermediate tensors are disposed.
 */
export function nmeTensor(
  pred: tf.Tensor3D,
  gt: tf.Tensor3D,
  opts: { visible?: tf.Tensor2D; boxes?: tf.Tensor2D; normalizer?: NmeNormalizer; reduction?: NmeReduction } = {},
): tf.Tensor1D {
  if (pred.shape.join() !== gt.shape.join() || gt.shape[2] !== 2) {
    throw new Error(`nmeTensor: expected prediction and GT as [B,L,2] of one shape, found [${pred.shape}] and [${gt.shape}]`);
  }
  const [batch, landmarkCount] = gt.shape;
  const normalizer = opts.normalizer ?? defaultNormalizer(landmarkCount);
  return tf.tidy(() => {
    const visible = opts.visible ? tf.cast(opts.visible, 'float32') : tf.ones([batch, landmarkCount]);
    const distance = tf.sqrt(tf.sum(tf.square(tf.sub(pred, gt)), 2));
    const perPoint = opts.reduction === 'rms' ? tf.square(distance) : distance;
    let error = tf.div(tf.sum(tf.mul(perPoint, visible), 1), tf.sum(visible, 1));
    if (opts.reduction === 'rms') error = tf.sqrt(error);
    return tf.div(error, normalizerTensor(gt, normalizer, visible, opts.boxes)) as tf.Tensor1D;
  });
}

function normalizerTensor(gt: tf.Tensor3D, normalizer: NmeNormalizer, visible: tf.Tensor, boxes?: tf.Tensor2D): tf.Tensor1D {
  const eyes = eyeIndices(gt.shape[1], normalizer);
  if (eyes) {
    const left = tf.mean(tf.gather(gt, eyes.left, 1), 1);
    const right = tf.mean(tf.gather(gt, eyes.right, 1), 1);
    return tf.sqrt(tf.sum(tf.square(tf.sub(left, right)), 1)) as tf.Tensor1D;
  }
  let box: tf.Tensor2D;
  if (normalizer === 'landmark-box') {
    // Invisible points are pushed outside the extremes so they never widen the box.
    const hidden = tf.mul(tf.sub(1, visible), 1e9).expandDims(2);
    box = tf.concat([tf.min(tf.add(gt, hidden), 1), tf.max(tf.sub(gt, hidden), 1)], 1) as tf.Tensor2D;
  } else {
    if (!boxes) throw new Error(`nmeTensor: normalizer '${normalizer}' needs boxes [B,4]`);
    box = boxes;
  }
  const [x1, y1, x2, y2] = tf.split(box, 4, 1);
  const w = tf.sub(x2, x1);
  const h = tf.sub(y2, y1);
  const size = normalizer === 'box-diagonal' ? tf.sqrt(tf.add(tf.square(w), tf.square(h))) : tf.sqrt(tf.mul(w, h));
  return size.reshape([-1]) as tf.Tensor1D;
}
