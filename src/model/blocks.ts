/**
 * The building blocks of JASRNet (reference §1.2), NHWC, as plain TF.js ops on ParamScope variables.
 * Each block's `apply` is a pure function of its input; callers run it inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamScope } from './params';

/** ImageNet statistics of the official MeanShift (rgb_range = 1). */
export const IMAGENET_MEAN_RGB: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD_RGB: readonly [number, number, number] = [0.229, 0.224, 0.225];
/** The official MeanShift is a frozen 1×1 conv 3→3: 9 weights + 3 biases. */
/** `faithful`: the official add_mean quirk y = (x + mean)/std; `inverse`: the correct y = x·std + mean. */
export const MEAN_SHIFT_MODES = ['faithful', 'inverse'] as const;
export type MeanShiftMode = (typeof MEAN_SHIFT_MODES)[number];

export const MEAN_SHIFT_FROZEN_PARAMS = 12;

export interface ConvOptions {
  kernelSize?: 1 | 3;
  stride?: 1 | 2;
}

/** Conv with bias. 3×3 convs pad 1 on every side, as PyTorch's `padding=1`. */
export class Conv {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  private readonly stride: 1 | 2;
  private readonly kernelSize: 1 | 3;

  constructor(scope: ParamScope, name: string, inChannels: number, outChannels: number, opts: ConvOptions = {}) {
    this.kernelSize = opts.kernelSize ?? 3;
    this.stride = opts.stride ?? 1;
    const s = scope.sub(name);
    this.kernel = s.kernel('kernel', this.kernelSize, inChannels, outChannels);
    this.bias = s.bias('bias', outChannels);
  }

  apply(x: tf.Tensor4D, activation: 'linear' | 'relu' = 'linear'): tf.Tensor4D {
    const filter = this.kernel as tf.Tensor4D;
    const bias = this.bias as tf.Tensor1D;
    if (this.kernelSize === 1) return tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'valid', activation });
    if (this.stride === 1) return tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation });
    // Stride 2: TF's 'same' pads only bottom/right for even sizes, so output row i would read input rows 2i..2i+2.
    // PyTorch's padding=1 reads 2i−1..2i+1; pad explicitly to sample the same pixels as the official model.
    // Padding inside the conv (not tf.pad first) spares a copy forward and crops of the padded tensor backward.
    return tf.fused.conv2d({
      x,
      filter,
      bias,
      strides: 2,
      pad: [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      activation,
    });
  }
}

/** EDSR ResBlock: conv → ReLU → conv, × resScale, + identity; `trailingRelu` is the official extra nn.ReLU after it. */
export class ResBlock {
  private readonly conv1: Conv;
  private readonly conv2: Conv;

  constructor(
    scope: ParamScope,
    name: string,
    features: number,
    private readonly resScale = 1,
    private readonly trailingRelu = true,
  ) {
    const s = scope.sub(name);
    this.conv1 = new Conv(s, 'conv1', features, features);
    this.conv2 = new Conv(s, 'conv2', features, features);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const body = this.conv2.apply(this.conv1.apply(x, 'relu'));
    const scaled = this.resScale === 1 ? body : tf.mul(body, this.resScale);
    const sum = tf.add<tf.Tensor4D>(scaled, x);
    return this.trailingRelu ? tf.relu(sum) : sum;
  }
}

/** `count` ResBlocks named rb1..rbN in `scope`. */
export class ResBlockStack {
  private readonly blocks: ResBlock[] = [];

  constructor(scope: ParamScope, count: number, features: number, opts: { resScale?: number; trailingRelu?: boolean } = {}) {
    for (let i = 1; i <= count; i++) this.blocks.push(new ResBlock(scope, `rb${i}`, features, opts.resScale ?? 1, opts.trailingRelu ?? true));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    let y = x;
    for (const b of this.blocks) y = b.apply(y);
    return y;
  }
}

/**
 * Frozen per-channel affine map of the official MeanShift (not trainable, not saved).
 * - 'subtract': y = (x − mean)/std (official sub_mean).
 * - 'faithful': y = (x + mean)/std — the official add_mean quirk, NOT the inverse of 'subtract'; the network
 *   learns around it, so a faithful port keeps it.
 * - 'inverse': y = x·std + mean, the true inverse (an option, not the official model).
 */
export class MeanShift {
  private readonly scale: tf.Tensor1D;
  private readonly offset: tf.Tensor1D;

  constructor(kind: 'subtract' | MeanShiftMode) {
    const mean = [...IMAGENET_MEAN_RGB];
    const std = [...IMAGENET_STD_RGB];
    if (kind === 'inverse') {
      this.scale = tf.tensor1d(std);
      this.offset = tf.tensor1d(mean);
    } else {
      const sign = kind === 'subtract' ? -1 : 1;
      this.scale = tf.tensor1d(std.map((s) => 1 / s));
      this.offset = tf.tensor1d(mean.map((m, c) => (sign * m) / std[c]));
    }
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.add<tf.Tensor4D>(tf.mul(x, this.scale), this.offset);
  }

  dispose(): void {
    this.scale.dispose();
    this.offset.dispose();
  }
}

/**
 * Sub-pixel shuffle by `factor`, from reshape/transpose so that it has a gradient (tf.depthToSpace has none).
 * Equals tf.depthToSpace(x, factor) ('NHWC'): out[b, h·r+i, w·r+j, c] = in[b, h, w, (i·r + j)·C + c].
 * PyTorch's nn.PixelShuffle reads channel c·r² + i·r + j instead; that only matters when importing PyTorch weights
 * (the 4F output channels of each upsampling conv would need permuting).
 */
export function pixelShuffle(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, depth] = x.shape;
    const r2 = factor * factor;
    if (depth % r2 !== 0) throw new Error(`pixelShuffle: channels (${depth}) must be divisible by factor² (${r2})`);
    const channels = depth / r2;
    // [B·H, W, i, j·C+c] → [B·H, i, W, j·C+c]: row h·r+i, column w·r+j after the final reshape.
    const rows = tf.reshape(x, [batch * height, width, factor, factor * channels]);
    const moved = tf.transpose(rows, [0, 2, 1, 3]);
    return tf.reshape(moved, [batch, height * factor, width * factor, channels]);
  });
}

/** ×2^n upsampler: n × [conv F→4F, pixel shuffle 2], no activation (official `Upsampler`). */
export class Upsampler {
  private readonly convs: Conv[] = [];

  constructor(scope: ParamScope, factor: number, features: number) {
    const steps = Math.log2(factor);
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`Upsampler: factor must be a power of 2 ≥ 2, found ${factor}`);
    for (let i = 1; i <= steps; i++) this.convs.push(new Conv(scope, `up${i}`, features, 4 * features));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    let y = x;
    for (const c of this.convs) y = pixelShuffle(c.apply(y), 2);
    return y;
  }
}

/** Max-pool 2×2, stride 2 (nn.MaxPool2d(2, 2)). */
export function maxPool2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 2, 2, 'valid');
}
