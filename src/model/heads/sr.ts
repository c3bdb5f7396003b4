/**
 * SR head (reference §1.3, rows sr_feature … add_mean): fused 1/8 feature → SR image at input size.
 * The tail always upsamples ×8 (HEATMAP_STRIDE): the input is already HR-sized and the encoder divides by 8,
 * for ×4 as for ×8 (our ×4 adaptation; the official release only runs ×8).
 */
import * as tf from '@tensorflow/tfjs';
import { ModelConfig } from '../config';
import { HEATMAP_STRIDE } from '../../core/geometry';
import { Conv, MeanShift, ResBlockStack, Upsampler, maxPool2 } from '../blocks';
import { ParamScope } from '../params';

export const LONG_CONNECTION_CONVS = 3;

export interface SrHeadOutput {
  sr: tf.Tensor4D;
  taps: Record<string, tf.Tensor4D>;
}

export class SrHead {
  private readonly featureBlocks: ResBlockStack;
  private readonly featureConv: Conv;
  private readonly longConvs: Conv[] = [];
  private readonly upsampler: Upsampler;
  private readonly outConv: Conv;
  private readonly addMean: MeanShift;
  private readonly residualOnInput: boolean;

  constructor(scope: ParamScope, config: ModelConfig) {
    const f = config.features;
    const feature = scope.module('feature');
    // Official sr_feature: the only ResBlocks with res_scale 0.1 and without the extra trailing ReLU.
    this.featureBlocks = new ResBlockStack(feature, 2, f, { resScale: config.srResScale, trailingRelu: false });
    this.featureConv = new Conv(feature, 'conv', f, f);
    const long = scope.module('long');
    for (let i = 1; i <= LONG_CONNECTION_CONVS; i++) this.longConvs.push(new Conv(long, `conv${i}`, f, f));
    const tail = scope.module('tail');
    this.upsampler = new Upsampler(tail, HEATMAP_STRIDE, f);
    this.outConv = new Conv(tail, 'out', f, 3);
    this.addMean = new MeanShift(config.meanShift);
    this.residualOnInput = config.srResidual === 'input';
  }

  /**
   * `fused`: 1/8 feature; `headOut`: the encoder's full-resolution head conv output (x), for the long connection;
   * `input`: the network input image, added to the output when srResidual is 'input'.
   */
  apply(fused: tf.Tensor4D, headOut: tf.Tensor4D, input: tf.Tensor4D): SrHeadOutput {
    const feature = this.featureConv.apply(this.featureBlocks.apply(fused));
    let long = headOut;
    for (const c of this.longConvs) long = maxPool2(c.apply(long));
    const summed = tf.add<tf.Tensor4D>(feature, long);
    const tail = this.outConv.apply(this.upsampler.apply(summed));
    // The residual replaces add_mean: the head then predicts a zero-centred correction in pixel units (adding the
    // ImageNet mean would shift every pixel of an untrained head away from the input).
    const sr = this.residualOnInput ? tf.add<tf.Tensor4D>(input, tail) : this.addMean.apply(tail);
    return { sr, taps: { feature, long, summed, tail, out: sr } };
  }

  dispose(): void {
    this.addMean.dispose();
  }
}
