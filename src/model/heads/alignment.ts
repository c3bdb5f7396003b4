/**
 * Alignment head (reference §1.3/§1.5): CPM_feature, then `stages` CPM stages with intermediate supervision.
 * Heatmaps have landmarks + 1 channels (background last) at 1/8 of the input (HEATMAP_STRIDE).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config';
import { Conv, ResBlockStack } from '../blocks';
import { ParamScope } from '../params';

/** ResBlocks in CPM_feature, stage 1, and each later stage. */
export const ALIGNMENT_BLOCKS = { feature: 2, firstStage: 2, laterStage: 3 } as const;

interface Stage {
  /** Stages ≥ 2 only: conv (F+P)→F on concat[xf, previous heatmaps], followed by ReLU. */
  input?: Conv;
  blocks: ResBlockStack;
  out: Conv;
}

export interface AlignmentHeadOutput {
  /** One heatmap tensor per stage, [B, h, w, landmarks + 1]; the last is used at test time. */
  heatmaps: tf.Tensor4D[];
  taps: Record<string, tf.Tensor4D>;
}

export class AlignmentHead {
  private readonly featureBlocks: ResBlockStack;
  private readonly featureConv: Conv;
  private readonly stages: Stage[] = [];

  constructor(scope: ParamScope, config: ModelConfig) {
    const f = config.features;
    const p = config.landmarks + 1;
    const feature = scope.module('feature');
    this.featureBlocks = new ResBlockStack(feature, ALIGNMENT_BLOCKS.feature, f);
    this.featureConv = new Conv(feature, 'conv', f, f);
    for (let i = 1; i <= config.stages; i++) {
      const s = scope.module(`stage${i}`);
      const first = i === 1;
      const input = first ? undefined : new Conv(s, 'in', f + p, f);
      const blocks = new ResBlockStack(s, first ? ALIGNMENT_BLOCKS.firstStage : ALIGNMENT_BLOCKS.laterStage, f);
      this.stages.push({ input, blocks, out: new Conv(s, 'out', f, p) });
    }
  }

  apply(fused: tf.Tensor4D): AlignmentHeadOutput {
    const xf = this.featureConv.apply(this.featureBlocks.apply(fused));
    const heatmaps: tf.Tensor4D[] = [];
    const taps: Record<string, tf.Tensor4D> = { feature: xf };
    for (const [i, stage] of this.stages.entries()) {
      const previous = heatmaps[heatmaps.length - 1];
      const stageIn = stage.input && previous ? stage.input.apply(tf.concat<tf.Tensor4D>([xf, previous], 3), 'relu') : xf;
      const out = stage.out.apply(stage.blocks.apply(stageIn));
      heatmaps.push(out);
      taps[`stage${i + 1}`] = out;
    }
    return { heatmaps, taps };
  }
}
