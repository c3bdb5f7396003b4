/**
 * How the encoder's intermediate taps join the deep trunk ("deep feature extraction and fusion module").
 * A registry: adding a variant is one entry in FUSIONS (its builder and its analytic cost); FUSION_VARIANTS, and from
 * it the config's type, validation and the editors' JSON Schema (`npm run config:schema`), are read from its keys.
 */
import * as tf from '@tensorflow/tfjs';
import { Conv } from './blocks';
import type { EncoderTaps } from './encoder';
import { ParamScope } from './params';

export interface FusionResult {
  /** The fused feature at 1/8 resolution, read by both heads. */
  fused: tf.Tensor4D;
  /** The variant's own intermediates, for feature taps (names without the 'fusion/' prefix). */
  taps: Record<string, tf.Tensor4D>;
}

export interface Fusion {
  apply(encoder: EncoderTaps, trunkOut: tf.Tensor4D): FusionResult;
}

export interface FusionSpec {
  description: string;
  create(scope: ParamScope, features: number): Fusion;
  /** Trainable parameters, counted analytically (checked against the built module in the tests). */
  params(features: number): number;
  /** Conv multiply-accumulates per image for a square input of side `inputSize`. */
  macs(features: number, inputSize: number): number;
}

const conv3x3Params = (inChannels: number, outChannels: number): number => 9 * inChannels * outChannels + outChannels;

/** Official side path: a1 = down(a0) + b, a2 = down(a1), a3 = a2 + c1, a4 = down(a3); fused = trunk(c2) + a4. */
class AdditiveFusion implements Fusion {
  private readonly a0Down: Conv;
  private readonly a1Down: Conv;
  private readonly a3Down: Conv;

  constructor(scope: ParamScope, features: number) {
    this.a0Down = new Conv(scope, 'a0Down', features, features, { stride: 2 }); // official encoder_a_downsample
    this.a1Down = new Conv(scope, 'a1Down', features, features, { stride: 2 }); // encoder_b1_downsample
    this.a3Down = new Conv(scope, 'a3Down', features, features, { stride: 2 }); // encoder_c1_downsample
  }

  apply(encoder: EncoderTaps, trunkOut: tf.Tensor4D): FusionResult {
    const a1 = tf.add<tf.Tensor4D>(this.a0Down.apply(encoder.a0), encoder.b);
    const a2 = this.a1Down.apply(a1);
    const a3 = tf.add<tf.Tensor4D>(a2, encoder.c1);
    const a4 = this.a3Down.apply(a3);
    return { fused: tf.add<tf.Tensor4D>(trunkOut, a4), taps: { a1, a2, a3, a4 } };
  }
}

class NoFusion implements Fusion {
  apply(_encoder: EncoderTaps, trunkOut: tf.Tensor4D): FusionResult {
    return { fused: trunkOut, taps: {} };
  }
}

/** Taps average-pooled to 1/8 (a0 ÷8, b ÷4, c1 ÷2), concatenated with the trunk output (4F), mixed by a 1×1 conv. */
class ConcatFusion implements Fusion {
  private readonly mix: Conv;

  constructor(scope: ParamScope, features: number) {
    this.mix = new Conv(scope, 'mix', 4 * features, features, { kernelSize: 1 });
  }

  apply(encoder: EncoderTaps, trunkOut: tf.Tensor4D): FusionResult {
    const a0 = tf.avgPool(encoder.a0, 8, 8, 'valid');
    const b = tf.avgPool(encoder.b, 4, 4, 'valid');
    const c1 = tf.avgPool(encoder.c1, 2, 2, 'valid');
    const concatenated = tf.concat<tf.Tensor4D>([trunkOut, a0, b, c1], 3);
    return { fused: this.mix.apply(concatenated), taps: { a0Pooled: a0, bPooled: b, c1Pooled: c1, concatenated } };
  }
}

export const FUSIONS = {
  additive: {
    description: 'official: stride-2 side path a0→(+b)→(+c1)→1/8 added to the trunk output',
    create: (scope, features) => new AdditiveFusion(scope, features),
    params: (f) => 3 * conv3x3Params(f, f),
    macs: (f, s) => 9 * f * f * ((s / 2) ** 2 + (s / 4) ** 2 + (s / 8) ** 2),
  },
  none: {
    description: 'trunk output only (no encoder taps)',
    create: () => new NoFusion(),
    params: () => 0,
    macs: () => 0,
  },
  concat: {
    description: 'a0/b/c1 average-pooled to 1/8, concatenated with the trunk output, 1×1 conv 4F→F',
    create: (scope, features) => new ConcatFusion(scope, features),
    params: (f) => 4 * f * f + f,
    macs: (f, s) => (s / 8) ** 2 * 4 * f * f,
  },
} satisfies Record<string, FusionSpec>;

/** The fusion variants, in registry order: the config's enum, validation and JSON Schema are derived from them. */
export type FusionVariant = keyof typeof FUSIONS;
export const FUSION_VARIANTS = Object.keys(FUSIONS) as [FusionVariant, ...FusionVariant[]];
