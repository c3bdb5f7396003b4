/**
 * The official JASRNet state-dict names (`src/model/jasr.py` of the authors' code, summarised in docs/model.md and
 * docs/torch-import.md) for each of the kit's conv variables. nn.Sequential indices count the extra nn.ReLU after
 * each ResBlock (so blocks sit at even indices, or odd ones after a leading MaxPool2d), and a ResBlock's two
 * convs are `body.0` and `body.2` (body.1 is its ReLU).
 */
import type { ModelConfig } from '../config';
import { ENCODER_BLOCKS } from '../encoder';
import { ALIGNMENT_BLOCKS } from '../heads/alignment';
import { LONG_CONNECTION_CONVS } from '../heads/sr';
import { HEATMAP_STRIDE } from '../../core/geometry';

export interface ConvName {
  /** Kit variable prefix: `<kit>/kernel` and `<kit>/bias`. */
  kit: string;
  /** State-dict prefix: `<torch>.weight` and `<torch>.bias`. */
  torch: string;
  /** Output channels feed nn.PixelShuffle(2) in torch and the kit's depthToSpace-order shuffle: permute them. */
  pixelShuffle: boolean;
  inChannels: number;
  outChannels: number;
}

/** Frozen MeanShift convs in every official state dict: not kit variables, but checked against the kit's constants. */
export const MEAN_SHIFT_KEYS = { sub_mean: -1, add_mean: 1, sub_mean_cpm: -1 } as const;

/** `count` ResBlocks of an nn.Sequential starting at index `first`, each followed by an nn.ReLU (index step 2). */
function blocks(kit: string, torch: string, count: number, first: number, f: number, step = 2): ConvName[] {
  const out: ConvName[] = [];
  for (let i = 1; i <= count; i++) {
    const t = `${torch}.${first + (i - 1) * step}.body`;
    out.push({ kit: `${kit}/rb${i}/conv1`, torch: `${t}.0`, pixelShuffle: false, inChannels: f, outChannels: f });
    out.push({ kit: `${kit}/rb${i}/conv2`, torch: `${t}.2`, pixelShuffle: false, inChannels: f, outChannels: f });
  }
  return out;
}

const conv = (kit: string, torch: string, inChannels: number, outChannels: number, pixelShuffle = false): ConvName => ({
  kit,
  torch,
  pixelShuffle,
  inChannels,
  outChannels,
});

/** Every conv of the official JASRNet with `config`'s depths, kit name ↔ state-dict name. */
export function jasrnetConvNames(config: ModelConfig): ConvName[] {
  const f = config.features;
  const p = config.landmarks + 1;
  const names: ConvName[] = [
    conv('encoder/head/conv', 'head.0', 3, f),
    ...blocks('encoder/a', 'encoder_a', ENCODER_BLOCKS.a, 0, f),
    ...blocks('encoder/b1', 'encoder_b1', ENCODER_BLOCKS.b1, 1, f), // index 0 is MaxPool2d
    ...blocks('encoder/c1', 'encoder_c1', ENCODER_BLOCKS.c1, 0, f),
    ...blocks('encoder/c2', 'encoder_c2', ENCODER_BLOCKS.c2, 1, f), // index 0 is MaxPool2d
    ...blocks('trunk', 'features', config.trunkBlocks, 0, f),
    conv('fusion/a0Down', 'encoder_a_downsample.0', f, f),
    conv('fusion/a1Down', 'encoder_b1_downsample.0', f, f),
    conv('fusion/a3Down', 'encoder_c1_downsample.0', f, f),
    // sr_feature's ResBlocks have no trailing ReLU: indices 0, 1, then the conv at 2.
    ...blocks('sr/feature', 'sr_feature', 2, 0, f, 1),
    conv('sr/feature/conv', 'sr_feature.2', f, f),
  ];
  for (let i = 1; i <= LONG_CONNECTION_CONVS; i++) names.push(conv(`sr/long/conv${i}`, `long_connection.${2 * (i - 1)}`, f, f)); // conv, MaxPool2d, …
  // sr_tail.0 is the Upsampler: [conv F→4F, PixelShuffle(2)] × log2(8); sr_tail.1 the final conv F→3.
  for (let i = 1; i <= Math.log2(HEATMAP_STRIDE); i++) names.push(conv(`sr/tail/up${i}`, `sr_tail.0.${2 * (i - 1)}`, f, 4 * f, true));
  names.push(conv('sr/tail/out', 'sr_tail.1', f, 3));
  names.push(...blocks('align/feature', 'CPM_feature', ALIGNMENT_BLOCKS.feature, 0, f));
  names.push(conv('align/feature/conv', `CPM_feature.${2 * ALIGNMENT_BLOCKS.feature}`, f, f));
  for (let s = 1; s <= config.stages; s++) {
    const t = `stages.${s - 1}`;
    if (s === 1) {
      names.push(...blocks('align/stage1', t, ALIGNMENT_BLOCKS.firstStage, 0, f));
      names.push(conv('align/stage1/out', `${t}.${2 * ALIGNMENT_BLOCKS.firstStage}`, f, p));
    } else {
      names.push(conv(`align/stage${s}/in`, `${t}.0`, f + p, f)); // then its nn.ReLU at index 1
      names.push(...blocks(`align/stage${s}`, t, ALIGNMENT_BLOCKS.laterStage, 2, f));
      names.push(conv(`align/stage${s}/out`, `${t}.${2 * ALIGNMENT_BLOCKS.laterStage + 2}`, f, p));
    }
  }
  return names;
}

/** The kit variables (name → shape: kernels HWIO [3, 3, in, out], biases [out]) of the official JASRNet for `config`. */
export function jasrnetKitShapes(config: ModelConfig): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const c of jasrnetConvNames(config)) {
    out[`${c.kit}/kernel`] = [3, 3, c.inChannels, c.outChannels];
    out[`${c.kit}/bias`] = [c.outChannels];
  }
  return out;
}
