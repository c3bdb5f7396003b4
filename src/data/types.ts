/**
 * What the data layer hands to models, metrics and training. Extend it without breaking these fields: models,
 * metrics, the engine and the notebooks read them.
 * Coordinates are in HR pixels, x right, y down, pixel centres at integer + 0 (the `.pts` convention used as-is,
 * as the official code does).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * How a face's landmarks were made: 'human' annotators (only where the release guarantees it), a 'model'
 * (pseudo-labels, e.g. face-api's or dlib's 68-point predictor, a fitted 3D model), 'unknown' (the file does not
 * say), or 'synthetic' (drawn with the face).
 */
export type LabelProvenance = 'human' | 'model' | 'unknown' | 'synthetic';

export const LABEL_PROVENANCES: readonly LabelProvenance[] = ['human', 'model', 'unknown', 'synthetic'];

/** Where a face came from; shown beside any result computed on it. */
export interface Provenance {
  /** npm package or dataset name, e.g. '@vladmandic/face-api', '300W', 'synthetic'. */
  source: string;
  /** File inside the source. */
  file: string;
  licence: string;
  /** See LabelProvenance: the dataset registry's default, what the file states, or what the user declared. */
  labels: LabelProvenance;
  /** Photo / video identity used to keep splits disjoint. */
  group: string;
}

/** One face, cropped and resized to HR, in RGB float [0,1]. */
export interface FaceSample {
  id: string;
  /** HR image, row-major HWC float32 in [0,1], side `hrSize`. */
  hr: Float32Array;
  hrSize: number;
  /** Landmarks in HR pixel coordinates, [x0, y0, x1, y1, ...]. */
  landmarks: Float32Array;
  /** 1 = visible / annotated, 0 = not, one per landmark. */
  visible: Uint8Array;
  /** Face box in HR pixels [x1, y1, x2, y2] (dataset box where the dataset has one, else the landmark box). */
  box: [number, number, number, number];
  /** Per-landmark depth z in HR pixels (same scale as x, y; zero-mean over the visible points), where labels are 3D. */
  depth?: Float32Array;
  /** Head pose in degrees where the dataset gives it (AFLW2000-3D / 300W-LP Pose_Para). */
  pose?: { pitch: number; yaw: number; roll: number };
  provenance: Provenance;
}

/** A batch ready for a forward pass; every tensor is owned by the caller (dispose with `disposeBatch`). */
export interface FaceBatch {
  /** Network input: LR bicubic-upsampled back to HR size, [B, HR, HR, 3] in [0,1]. */
  input: tf.Tensor4D;
  /** LR image, [B, LR, LR, 3] in [0,1]. */
  lr: tf.Tensor4D;
  /** HR ground truth, [B, HR, HR, 3] in [0,1]. */
  hr: tf.Tensor4D;
  /** Target heatmaps at HR/8, [B, HR/8, HR/8, L + 1] (last channel = background). */
  heatmaps: tf.Tensor4D;
  /** Visibility mask broadcastable over heatmaps, [B, 1, 1, L + 1] (background always 1). */
  mask: tf.Tensor4D;
  /** Landmarks in HR pixels, [B, L, 2]. */
  landmarks: tf.Tensor3D;
  /** Visibility, [B, L]. */
  visible: tf.Tensor2D;
  /** Face boxes in HR pixels, [B, 4] as x1, y1, x2, y2. */
  box: tf.Tensor2D;
  /**
   * Only when some sample of the batch has `depth`: z per landmark in HR pixels, [B, L] (0 where the sample has
   * none), and `depthValid` [B, L]: 1 where z is a label (the sample has depth and the point is visible), else 0.
   */
  depth?: tf.Tensor2D;
  depthValid?: tf.Tensor2D;
  /** Sample ids, in batch order. */
  ids: string[];
}

/** The tensors every FaceBatch holds, all indexed by image on their first axis. */
export const FACE_BATCH_TENSOR_KEYS = ['input', 'lr', 'hr', 'heatmaps', 'mask', 'landmarks', 'visible', 'box'] as const;
/** The tensors only a batch of 3D samples holds (see FaceBatch.depth). */
export const FACE_BATCH_DEPTH_KEYS = ['depth', 'depthValid'] as const;

export function disposeBatch(b: FaceBatch): void {
  for (const k of [...FACE_BATCH_TENSOR_KEYS, ...FACE_BATCH_DEPTH_KEYS]) b[k]?.dispose();
}

/**
 * Images [from, from + count) of a batch as a batch of its own (new tensors; the caller disposes both). The one
 * place that knows which fields a batch carries, for micro-batches and data-parallel shards alike.
 */
export function sliceBatch(b: FaceBatch, from: number, count: number): FaceBatch {
  const tensors: Record<string, tf.Tensor> = tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    for (const k of FACE_BATCH_TENSOR_KEYS) out[k] = tf.slice(b[k], from, count);
    for (const k of FACE_BATCH_DEPTH_KEYS) {
      const t = b[k];
      if (t) out[k] = tf.slice(t, from, count);
    }
    return out;
  });
  return { ...(tensors as unknown as Omit<FaceBatch, 'ids'>), ids: b.ids.slice(from, from + count) };
}
