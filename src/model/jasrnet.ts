/**
 * The joint model (reference §1.1): one shared backbone, SR and alignment heads in parallel on the same fused
 * feature, no feedback between branches.
 */
import type { ModelConfig } from './config';
import { Backbone } from './backbone';
import { AlignmentHead } from './heads/alignment';
import { SrHead } from './heads/sr';
import { depthHeadFor } from './heads/depth';
import { ParamScope } from './params';
import type { Network } from './types';

/** Prefixes every key of `taps` with `prefix/`. */
export function prefixTaps<T>(prefix: string, taps: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(taps)) out[`${prefix}/${k}`] = v;
  return out;
}

export function buildJasrNet(scope: ParamScope, config: ModelConfig): Network {
  const backbone = new Backbone(scope, config);
  const srHead = new SrHead(scope.sub('sr'), config);
  const alignHead = new AlignmentHead(scope.sub('align'), config);
  // Created last, so the variables of a model without it (and their seeded values) are exactly as before.
  const depthHead = depthHeadFor(scope, config);
  return {
    forward(input) {
      const b = backbone.apply(input);
      const s = srHead.apply(b.fused, b.encoder.x, input);
      const a = alignHead.apply(b.fused);
      const d = depthHead?.apply(b.fused, a.heatmaps[a.heatmaps.length - 1]);
      const taps = { ...b.taps, ...prefixTaps('sr', s.taps), ...prefixTaps('align', a.taps), ...(d ? prefixTaps('depth', d.taps) : {}) };
      return { sr: s.sr, heatmaps: a.heatmaps, ...(d ? { depth: d.depth } : {}), taps };
    },
    dispose() {
      backbone.dispose();
      srHead.dispose();
    },
  };
}
