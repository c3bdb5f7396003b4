/**
 * Shared encoder + deep trunk + fusion: image → fused feature at 1/8 resolution (plus every intermediate).
 * Variables: <prefix>encoder/…, <prefix>trunk/…, <prefix>fusion/…
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { ResBlockStack } from './blocks';
import { EncoderTaps, SharedEncoder } from './encoder';
import { FUSIONS, Fusion } from './fusion';
import { ParamScope } from './params';

export interface BackboneOutput {
  encoder: EncoderTaps;
  trunkOut: tf.Tensor4D;
  fused: tf.Tensor4D;
  /** Every intermediate, keyed 'encoder/a0', 'fusion/a4', 'trunk/out', 'fused', … */
  taps: Record<string, tf.Tensor4D>;
}

export class Backbone {
  private readonly encoder: SharedEncoder;
  private readonly trunk: ResBlockStack;
  private readonly fusion: Fusion;

  constructor(scope: ParamScope, config: ModelConfig) {
    this.encoder = new SharedEncoder(scope.sub('encoder'), config.features);
    this.trunk = new ResBlockStack(scope.module('trunk'), config.trunkBlocks, config.features); // official `features`
    this.fusion = FUSIONS[config.fusion].create(scope.module('fusion'), config.features);
  }

  apply(image: tf.Tensor4D): BackboneOutput {
    const encoder = this.encoder.apply(image);
    const trunkOut = this.trunk.apply(encoder.c2);
    const { fused, taps: fusionTaps } = this.fusion.apply(encoder, trunkOut);
    const taps: Record<string, tf.Tensor4D> = {};
    for (const [k, v] of Object.entries(encoder)) taps[`encoder/${k}`] = v;
    for (const [k, v] of Object.entries(fusionTaps)) taps[`fusion/${k}`] = v;
    taps['trunk/out'] = trunkOut;
    taps.fused = fused;
    return { encoder, trunkOut, fused, taps };
  }

  dispose(): void {
    this.encoder.dispose();
  }
}
