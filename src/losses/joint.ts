/**
 * The joint objective: pixelWeight · L_pixel + heatmapWeight · L_heatmap (official '1*CPM+1*L1'), plus
 * depthWeight · L_depth for a model with a depth head (docs/3d.md).
 * A term whose prediction the model does not produce (no SR for align-only, no heatmaps for sr-only, no depth
 * without model.depth) or whose labels the batch lacks (no depth) is 0.
 */
import * as tf from '@tensorflow/tfjs';
import { HeatmapLossKind, heatmapLoss } from './heatmap';
import { PixelLossKind, pixelLoss } from './pixel';
import { DepthLossKind, depthLoss } from './depth';

export interface JointLossConfig {
  pixel: PixelLossKind;
  heatmap: HeatmapLossKind;
  pixelWeight: number;
  heatmapWeight: number;
  /** Depth loss kind and weight (absent: 'l1' and 1); read only when the model predicts depth. */
  depth?: DepthLossKind;
  depthWeight?: number;
}

export const OFFICIAL_JOINT_LOSS: JointLossConfig = { pixel: 'l1', heatmap: 'official', pixelWeight: 1, heatmapWeight: 1 };

/** The predictions a loss reads (structurally a model's ModelOutput; losses do not import the model layer). */
export interface JointPredictions {
  sr?: tf.Tensor4D;
  heatmaps: tf.Tensor4D[];
  /** [B, L] z per landmark, from a model with a depth head. */
  depth?: tf.Tensor2D;
}

export interface JointLossTargets {
  hr: tf.Tensor4D;
  heatmaps: tf.Tensor4D;
  /** [B, 1, 1, landmarks + 1]. */
  mask: tf.Tensor4D;
  /** Depth labels [B, L], their 0/1 validity [B, L] and the GT landmarks [B, L, 2] (the face size); FaceBatch's fields. */
  depth?: tf.Tensor2D;
  depthValid?: tf.Tensor2D;
  landmarks?: tf.Tensor3D;
}

export interface JointLoss {
  total: tf.Scalar;
  /** Unweighted terms, for logging. */
  pixel: tf.Scalar;
  heatmap: tf.Scalar;
  depth: tf.Scalar;
}

export function jointLoss(output: JointPredictions, targets: JointLossTargets, config: JointLossConfig = OFFICIAL_JOINT_LOSS): JointLoss {
  return tf.tidy(() => {
    const pixel = output.sr ? pixelLoss(config.pixel, output.sr, targets.hr) : tf.scalar(0);
    const heatmap = output.heatmaps.length > 0 ? heatmapLoss(config.heatmap, output.heatmaps, targets.heatmaps, targets.mask) : tf.scalar(0);
    const { depth: z, depthValid, landmarks } = targets;
    const depth = output.depth && z && depthValid && landmarks ? depthLoss(config.depth ?? 'l1', output.depth, z, depthValid, landmarks) : tf.scalar(0);
    let total = tf.add(tf.mul(pixel, config.pixelWeight), tf.mul(heatmap, config.heatmapWeight)) as tf.Scalar;
    // Added only when predicted, so a 2D model's total is the same expression (and the same float) as before.
    if (output.depth) total = tf.add(total, tf.mul(depth, config.depthWeight ?? 1));
    return { total, pixel, heatmap, depth };
  });
}
