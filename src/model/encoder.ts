/**
 * The shared shallow encoder (reference §1.3, rows sub_mean … encoder_c2): multi-scale taps at 1/1, 1/2, 1/4, 1/8.
 * The input is the LR face already bicubic-upsampled to HR size, so three ÷2 steps put c2 at HR/8 for both ×8 and
 * ×4 (the official code only runs ×8; keeping ÷8 for ×4 is our adaptation, see docs/model.md).
 */
import * as tf from '@tensorflow/tfjs';
import { Conv, MeanShift, ResBlockStack, maxPool2 } from './blocks';
import { ParamScope } from './params';

/** Official block counts of encoder_a, encoder_b1, encoder_c1, encoder_c2. */
export const ENCODER_BLOCKS = { a: 2, b1: 3, c1: 4, c2: 2 } as const;

export interface EncoderTaps {
  /** Head conv output, full resolution (feeds the SR long connection). */
  x: tf.Tensor4D;
  /** Full resolution. */
  a0: tf.Tensor4D;
  /** 1/2. */
  b: tf.Tensor4D;
  /** 1/4. */
  c1: tf.Tensor4D;
  /** 1/8, input of the deep trunk. */
  c2: tf.Tensor4D;
}

export class SharedEncoder {
  private readonly subMean = new MeanShift('subtract');
  private readonly head: Conv;
  private readonly a: ResBlockStack;
  private readonly b1: ResBlockStack;
  private readonly c1: ResBlockStack;
  private readonly c2: ResBlockStack;

  constructor(scope: ParamScope, features: number) {
    this.head = new Conv(scope.module('head'), 'conv', 3, features);
    this.a = new ResBlockStack(scope.module('a'), ENCODER_BLOCKS.a, features);
    this.b1 = new ResBlockStack(scope.module('b1'), ENCODER_BLOCKS.b1, features);
    this.c1 = new ResBlockStack(scope.module('c1'), ENCODER_BLOCKS.c1, features);
    this.c2 = new ResBlockStack(scope.module('c2'), ENCODER_BLOCKS.c2, features);
  }

  apply(image: tf.Tensor4D): EncoderTaps {
    const x = this.head.apply(this.subMean.apply(image));
    const a0 = this.a.apply(x);
    const b = this.b1.apply(maxPool2(a0));
    const c1 = this.c1.apply(maxPool2(b));
    const c2 = this.c2.apply(maxPool2(c1));
    return { x, a0, b, c1, c2 };
  }

  dispose(): void {
    this.subMean.dispose();
  }
}
