/** The public shape of every model the kit builds (the joint JASRNet and all baselines). */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';

export interface ApplyOptions {
  /** Also return every named intermediate (encoder taps, side path, trunk, fused, head features, heatmap stages). */
  taps?: boolean;
  /** The real HR image, [B, H, W, 3] like the input; required by align-only with alignInput 'hr'. */
  hr?: tf.Tensor4D;
}

export interface ModelOutput {
  /** SR image [B, H, W, 3] at the input size; absent for align-only. */
  sr?: tf.Tensor4D;
  /** One [B, H/8, W/8, landmarks + 1] tensor per CPM stage (background last); empty for sr-only and bicubic. */
  heatmaps: tf.Tensor4D[];
  /** Only with model.depth: z per landmark in HR pixels, [B, L] (docs/3d.md). */
  depth?: tf.Tensor2D;
  /** Only with `taps: true`: hierarchical names ('encoder/a0', 'fusion/a4', 'sr/feature', 'align/stage3', …). */
  taps?: Record<string, tf.Tensor>;
}

export interface ParameterRow {
  /** Module label, e.g. 'encoder/a', 'trunk', 'sr/tail', 'align/stage2' (prefixed per branch in composed baselines). */
  module: string;
  params: number;
}

export interface FaceModel {
  readonly config: ModelConfig;
  readonly seed: number;
  /** Pure forward pass; the caller owns (and disposes) every tensor in the result. */
  apply(input: tf.Tensor4D, opts?: ApplyOptions): ModelOutput;
  trainableVariables(): tf.Variable[];
  /** Stable hierarchical names, e.g. 'encoder/head/conv/kernel', in creation order. */
  namedVariables(): Record<string, tf.Variable>;
  /** Trainable parameters per module, in creation order (frozen MeanShift constants are not variables). */
  parameterTable(): ParameterRow[];
  dispose(): void;
}

/** What an architecture builder returns: the forward pass and what it must free besides the variables. */
export interface Network {
  forward(
    input: tf.Tensor4D,
    hr: tf.Tensor4D | undefined,
  ): { sr?: tf.Tensor4D; heatmaps: tf.Tensor4D[]; depth?: tf.Tensor2D; taps: Record<string, tf.Tensor4D> };
  dispose(): void;
}
