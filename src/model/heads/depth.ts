/**
 * Depth head (FAN-3D style, docs/3d.md): the heatmaps give x and y, a small regression head gives one z per
 * landmark. It reads the fused 1/8 feature with the last CPM stage's heatmaps beside it (so it knows where each
 * point is), and regresses z in HR pixels:
 *   concat[fused (F), heatmaps (L + 1)] → conv 3×3 → F, ReLU → conv 3×3 stride 2 → F, ReLU
 *   → global average pool → 1×1 conv F → L (a dense layer on the pooled vector) → × HEATMAP_STRIDE (z in HR pixels).
 * A registry as FUSIONS (src/model/fusion.ts): a new depth head is one entry in DEPTH_HEADS with its analytic cost,
 * which src/model/count.ts adds to the parameter table and the tests check against the built module.
 */
import * as tf from '@tensorflow/tfjs';
import { Conv } from '../blocks';
import { HEATMAP_STRIDE } from '../../core/geometry';
import { ParamScope } from '../params';
import type { ModelConfig } from '../config';

export interface DepthHeadOutput {
  /** z per landmark in HR pixels, [B, L]. */
  depth: tf.Tensor2D;
  taps: Record<string, tf.Tensor4D>;
}

export interface DepthHead {
  apply(fused: tf.Tensor4D, heatmaps: tf.Tensor4D): DepthHeadOutput;
}

export interface DepthHeadSpec {
  description: string;
  create(scope: ParamScope, features: number, landmarks: number): DepthHead;
  /** Trainable parameters, counted analytically. */
  params(features: number, landmarks: number): number;
  /** Conv multiply-accumulates per image for a square input of side `inputSize`. */
  macs(features: number, landmarks: number, inputSize: number): number;
}

class RegressionDepthHead implements DepthHead {
  private readonly mix: Conv;
  private readonly down: Conv;
  private readonly out: Conv;

  constructor(scope: ParamScope, features: number, landmarks: number) {
    this.mix = new Conv(scope, 'mix', features + landmarks + 1, features);
    this.down = new Conv(scope, 'down', features, features, { stride: 2 });
    this.out = new Conv(scope, 'out', features, landmarks, { kernelSize: 1 });
  }

  apply(fused: tf.Tensor4D, heatmaps: tf.Tensor4D): DepthHeadOutput {
    const mixed = this.mix.apply(tf.concat<tf.Tensor4D>([fused, heatmaps], 3), 'relu');
    const down = this.down.apply(mixed, 'relu');
    const pooled = tf.mean(down, [1, 2], true) as tf.Tensor4D;
    const z = this.out.apply(pooled);
    // Regressed in heatmap cells (HEATMAP_STRIDE HR pixels each): a face's z spans tens of HR pixels, which a
    // unit-scale output would reach only after many steps.
    const depth = tf.mul(tf.reshape(z, [z.shape[0], z.shape[3]]), HEATMAP_STRIDE) as tf.Tensor2D;
    return { depth, taps: { mix: mixed, down, out: z } };
  }
}

const conv3x3Params = (inChannels: number, outChannels: number): number => 9 * inChannels * outChannels + outChannels;

export const DEPTH_HEADS = {
  regression: {
    description: 'FAN-3D style: fused feature + heatmaps → two 3×3 convs (second stride 2) → global mean → dense to one z per landmark',
    create: (scope, f, l) => new RegressionDepthHead(scope, f, l),
    params: (f, l) => conv3x3Params(f + l + 1, f) + conv3x3Params(f, f) + f * l + l,
    macs: (f, l, s) => {
      const low = s / HEATMAP_STRIDE;
      const down = Math.ceil(low / 2); // the stride-2 conv pads 1 on each side
      return low * low * 9 * (f + l + 1) * f + down * down * 9 * f * f + f * l;
    },
  },
} satisfies Record<string, DepthHeadSpec>;

export type DepthHeadVariant = keyof typeof DEPTH_HEADS;

/** The depth head every depth-enabled model builds (model.depth: true); one variant so far. */
export const DEFAULT_DEPTH_HEAD: DepthHeadVariant = 'regression';

/** The depth head of a model config, under `<scope>/depth` (its own parameter-table row), or none without model.depth. */
export function depthHeadFor(scope: ParamScope, config: Pick<ModelConfig, 'depth' | 'features' | 'landmarks'>): DepthHead | undefined {
  return config.depth ? DEPTH_HEADS[DEFAULT_DEPTH_HEAD].create(scope.module('depth'), config.features, config.landmarks) : undefined;
}
