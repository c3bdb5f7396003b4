/**
 * The joint objective: pixelWeight · L_pixel + heatmapWeight · L_heatmap (official '1*CPM+1*L1').
 * A term whose prediction the model does not produce (no SR for align-only, no heatmaps for sr-only) is 0.
 */
import * as tf from '@tensorflow/tfjs';
import { HeatmapLossKind, heatmapLoss } from './heatmap';
import { PixelLossKind, pixelLoss } from './pixel';

export interface JointLossConfig {
  pixel: PixelLossKind;
  heatmap: HeatmapLossKind;
  pixelWeight: number;
  heatmapWeight: number;
}

export const OFFICIAL_JOINT_LOSS: JointLossConfig = { pixel: 'l1', heatmap: 'official', pixelWeight: 1, heatmapWeight: 1 };

/** The predictions a loss reads (structurally a model's ModelOutput; losses do not import the model layer). */
export interface JointPredictions {
  sr?: tf.Tensor4D;
  heatmaps: tf.Tensor4D[];
}

export interface JointLossTargets {
  hr: tf.Tensor4D;
  heatmaps: tf.Tensor4D;
  /** [B, 1, 1, landmarks + 1]. */
  mask: tf.Tensor4D;
}

export interface JointLoss {
  total: tf.Scalar;
  /** Unweighted terms, for logging. */
  pixel: tf.Scalar;
  heatmap: tf.Scalar;
}

export function jointLoss(output: JointPredictions, targets: JointLossTargets, config: JointLossConfig = OFFICIAL_JOINT_LOSS): JointLoss {
  return tf.tidy(() => {
    const pixel = output.sr ? pixelLoss(config.pixel, output.sr, targets.hr) : tf.scalar(0);
    const heatmap = output.heatmaps.length > 0 ? heatmapLoss(config.heatmap, output.heatmaps, targets.heatmaps, targets.mask) : tf.scalar(0);
    const total = tf.add(tf.mul(pixel, config.pixelWeight), tf.mul(heatmap, config.heatmapWeight)) as tf.Scalar;
    return { total, pixel, heatmap };
  });
}
