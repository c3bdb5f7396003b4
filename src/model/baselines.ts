/**
 * Baselines and ablations built from the same modules as JASRNet (config.architecture):
 * bicubic, sr-only, align-only, two-stage (SR then alignment on the SR output), separate-encoders.
 * Composed models name their two backbones 'srBackbone/…' and 'alignBackbone/…'; heads stay 'sr/…', 'align/…'.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { Backbone } from './backbone';
import { AlignmentHead } from './heads/alignment';
import { SrHead } from './heads/sr';
import { depthHeadFor } from './heads/depth';
import { prefixTaps } from './jasrnet';
import { ParamScope } from './params';
import type { Network } from './types';

/** No learning: the bicubic-upsampled input is the SR output (a copy, so disposing outputs never frees the input). */
export function buildBicubic(): Network {
  return {
    forward: (input) => ({ sr: tf.clone(input), heatmaps: [], taps: {} }),
    dispose() {},
  };
}

export function buildSrOnly(scope: ParamScope, config: ModelConfig): Network {
  const backbone = new Backbone(scope, config);
  const srHead = new SrHead(scope.sub('sr'), config);
  return {
    forward(input) {
      const b = backbone.apply(input);
      const s = srHead.apply(b.fused, b.encoder.x, input);
      return { sr: s.sr, heatmaps: [], taps: { ...b.taps, ...prefixTaps('sr', s.taps) } };
    },
    dispose() {
      backbone.dispose();
      srHead.dispose();
    },
  };
}

/** Alignment on the upsampled LR input, or on the real HR image (alignInput 'hr', an upper bound). */
export function buildAlignOnly(scope: ParamScope, config: ModelConfig): Network {
  const backbone = new Backbone(scope, config);
  const alignHead = new AlignmentHead(scope.sub('align'), config);
  const depthHead = depthHeadFor(scope, config);
  return {
    forward(input, hr) {
      let image = input;
      if (config.alignInput === 'hr') {
        if (!hr) throw new Error("align-only with alignInput 'hr' needs the HR image: call apply(input, { hr })");
        image = hr;
      }
      const b = backbone.apply(image);
      const a = alignHead.apply(b.fused);
      const d = depthHead?.apply(b.fused, a.heatmaps[a.heatmaps.length - 1]);
      const taps = { ...b.taps, ...prefixTaps('align', a.taps), ...(d ? prefixTaps('depth', d.taps) : {}) };
      return { heatmaps: a.heatmaps, ...(d ? { depth: d.depth } : {}), taps };
    },
    dispose() {
      backbone.dispose();
    },
  };
}

/**
 * Two backbones, no sharing. `alignOnSr` false: both read the input (separate-encoders);
 * true: the alignment backbone reads the SR output (two-stage, trained end to end through the SR image).
 */
function buildTwoBackbones(scope: ParamScope, config: ModelConfig, alignOnSr: boolean): Network {
  const srBackbone = new Backbone(scope.sub('srBackbone'), config);
  const srHead = new SrHead(scope.sub('sr'), config);
  const alignBackbone = new Backbone(scope.sub('alignBackbone'), config);
  const alignHead = new AlignmentHead(scope.sub('align'), config);
  const depthHead = depthHeadFor(scope, config);
  return {
    forward(input) {
      const bs = srBackbone.apply(input);
      const s = srHead.apply(bs.fused, bs.encoder.x, input);
      const ba = alignBackbone.apply(alignOnSr ? s.sr : input);
      const a = alignHead.apply(ba.fused);
      const d = depthHead?.apply(ba.fused, a.heatmaps[a.heatmaps.length - 1]);
      const taps = {
        ...prefixTaps('srBackbone', bs.taps),
        ...prefixTaps('sr', s.taps),
        ...prefixTaps('alignBackbone', ba.taps),
        ...prefixTaps('align', a.taps),
        ...(d ? prefixTaps('depth', d.taps) : {}),
      };
      return { sr: s.sr, heatmaps: a.heatmaps, ...(d ? { depth: d.depth } : {}), taps };
    },
    dispose() {
      srBackbone.dispose();
      srHead.dispose();
      alignBackbone.dispose();
    },
  };
}

export const buildTwoStage = (scope: ParamScope, config: ModelConfig): Network => buildTwoBackbones(scope, config, true);
export const buildSeparateEncoders = (scope: ParamScope, config: ModelConfig): Network => buildTwoBackbones(scope, config, false);
