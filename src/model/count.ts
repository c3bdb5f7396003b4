/**
 * Analytic parameter and MAC counts from a ModelConfig, without allocating weights (building F=256 allocates
 * 240 MB). The rows use the same module labels, in the same order, as FaceModel.parameterTable(); the tests check
 * the two agree on small configs. MACs count conv multiply-accumulates only (H_out·W_out·C_in·C_out·k²), like the
 * PyTorch peer's `--macs`; bias adds, pooling, ReLU and the pixel shuffle are not counted.
 */
import { ModelConfig } from './config';
import { HEATMAP_STRIDE, hrSizeForScale } from '../core/geometry';
import { MEAN_SHIFT_FROZEN_PARAMS } from './blocks';
import { ENCODER_BLOCKS } from './encoder';
import { FUSIONS } from './fusion';
import { ALIGNMENT_BLOCKS } from './heads/alignment';
import { LONG_CONNECTION_CONVS } from './heads/sr';
import { DEFAULT_DEPTH_HEAD, DEPTH_HEADS } from './heads/depth';

export interface CostRow {
  module: string;
  params: number;
  /** Conv MACs per image at the given input side. */
  macs: number;
}

const convParams = (k: number, cin: number, cout: number): number => k * k * cin * cout + cout;
const convMacs = (k: number, cin: number, cout: number, outSide: number): number => outSide * outSide * k * k * cin * cout;
const blockParams = (f: number, blocks: number): number => blocks * 2 * convParams(3, f, f);
const blockMacs = (f: number, blocks: number, side: number): number => blocks * 2 * convMacs(3, f, f, side);

function backboneRows(prefix: string, c: ModelConfig, s: number): CostRow[] {
  const f = c.features;
  const rows: CostRow[] = [
    { module: `${prefix}encoder/head`, params: convParams(3, 3, f), macs: convMacs(3, 3, f, s) },
    { module: `${prefix}encoder/a`, params: blockParams(f, ENCODER_BLOCKS.a), macs: blockMacs(f, ENCODER_BLOCKS.a, s) },
    { module: `${prefix}encoder/b1`, params: blockParams(f, ENCODER_BLOCKS.b1), macs: blockMacs(f, ENCODER_BLOCKS.b1, s / 2) },
    { module: `${prefix}encoder/c1`, params: blockParams(f, ENCODER_BLOCKS.c1), macs: blockMacs(f, ENCODER_BLOCKS.c1, s / 4) },
    { module: `${prefix}encoder/c2`, params: blockParams(f, ENCODER_BLOCKS.c2), macs: blockMacs(f, ENCODER_BLOCKS.c2, s / 8) },
    { module: `${prefix}trunk`, params: blockParams(f, c.trunkBlocks), macs: blockMacs(f, c.trunkBlocks, s / 8) },
    { module: `${prefix}fusion`, params: FUSIONS[c.fusion].params(f), macs: FUSIONS[c.fusion].macs(f, s) },
  ];
  return rows;
}

function srHeadRows(c: ModelConfig, s: number): CostRow[] {
  const f = c.features;
  const low = s / HEATMAP_STRIDE;
  const upSteps = Math.log2(HEATMAP_STRIDE);
  let longMacs = 0;
  for (let i = 0; i < LONG_CONNECTION_CONVS; i++) longMacs += convMacs(3, f, f, s / 2 ** i);
  let tailMacs = convMacs(3, f, 3, s);
  for (let i = 0; i < upSteps; i++) tailMacs += convMacs(3, f, 4 * f, low * 2 ** i);
  return [
    { module: 'sr/feature', params: blockParams(f, 2) + convParams(3, f, f), macs: blockMacs(f, 2, low) + convMacs(3, f, f, low) },
    { module: 'sr/long', params: LONG_CONNECTION_CONVS * convParams(3, f, f), macs: longMacs },
    { module: 'sr/tail', params: upSteps * convParams(3, f, 4 * f) + convParams(3, f, 3), macs: tailMacs },
  ];
}

function alignmentRows(c: ModelConfig, s: number): CostRow[] {
  const f = c.features;
  const p = c.landmarks + 1;
  const low = s / HEATMAP_STRIDE;
  const rows: CostRow[] = [
    {
      module: 'align/feature',
      params: blockParams(f, ALIGNMENT_BLOCKS.feature) + convParams(3, f, f),
      macs: blockMacs(f, ALIGNMENT_BLOCKS.feature, low) + convMacs(3, f, f, low),
    },
  ];
  for (let i = 1; i <= c.stages; i++) {
    const first = i === 1;
    const blocks = first ? ALIGNMENT_BLOCKS.firstStage : ALIGNMENT_BLOCKS.laterStage;
    let params = blockParams(f, blocks) + convParams(3, f, p);
    let macs = blockMacs(f, blocks, low) + convMacs(3, f, p, low);
    if (!first) {
      params += convParams(3, f + p, f);
      macs += convMacs(3, f + p, f, low);
    }
    rows.push({ module: `align/stage${i}`, params, macs });
  }
  return rows;
}

/** The depth head's row (model.depth), after the alignment rows as it is built after the alignment head. */
function depthRows(c: ModelConfig, s: number): CostRow[] {
  if (!c.depth) return [];
  const spec = DEPTH_HEADS[DEFAULT_DEPTH_HEAD];
  return [{ module: 'depth', params: spec.params(c.features, c.landmarks), macs: spec.macs(c.features, c.landmarks, s) }];
}

/** Rows in parameterTable() order; modules without trainable parameters (e.g. fusion 'none') are left out. */
export function costTable(config: ModelConfig, inputSize: number = hrSizeForScale(config.scale)): CostRow[] {
  if (inputSize % HEATMAP_STRIDE !== 0) throw new Error(`costTable: inputSize must be a multiple of ${HEATMAP_STRIDE}, found ${inputSize}`);
  const s = inputSize;
  let rows: CostRow[];
  switch (config.architecture) {
    case 'bicubic':
      rows = [];
      break;
    case 'jasrnet':
      rows = [...backboneRows('', config, s), ...srHeadRows(config, s), ...alignmentRows(config, s)];
      break;
    case 'sr-only':
      rows = [...backboneRows('', config, s), ...srHeadRows(config, s)];
      break;
    case 'align-only':
      rows = [...backboneRows('', config, s), ...alignmentRows(config, s)];
      break;
    case 'two-stage':
    case 'separate-encoders':
      rows = [...backboneRows('srBackbone/', config, s), ...srHeadRows(config, s), ...backboneRows('alignBackbone/', config, s), ...alignmentRows(config, s)];
      break;
  }
  return [...rows, ...depthRows(config, s)].filter((r) => r.params > 0);
}

export interface ParamCounts {
  trainableParams: number;
  /** Frozen MeanShift 1×1 convs actually used (12 each), counted as the official code stores them. */
  frozenParams: number;
  totalParams: number;
  /**
   * jasrnet only: the total the official log prints, which also counts `sub_mean_cpm`, a MeanShift the official
   * model defines but never calls (59,817,206 for F=256/R=16; 19,885,814 for F=128/R=32).
   */
  officialTotalParams?: number;
}

function meanShiftCount(config: ModelConfig): number {
  switch (config.architecture) {
    case 'bicubic':
      return 0;
    case 'align-only':
      return 1;
    case 'jasrnet':
    case 'sr-only':
      return 2;
    case 'two-stage':
    case 'separate-encoders':
      return 3;
  }
}

export function countParams(config: ModelConfig): ParamCounts {
  const trainableParams = costTable(config).reduce((sum, r) => sum + r.params, 0);
  const frozenParams = meanShiftCount(config) * MEAN_SHIFT_FROZEN_PARAMS;
  const counts: ParamCounts = { trainableParams, frozenParams, totalParams: trainableParams + frozenParams };
  if (config.architecture === 'jasrnet') counts.officialTotalParams = counts.totalParams + MEAN_SHIFT_FROZEN_PARAMS;
  return counts;
}

/** Conv MACs per image for a square input of side `inputSize` (default: the HR size of config.scale). */
export function macsPerImage(config: ModelConfig, inputSize: number = hrSizeForScale(config.scale)): number {
  return costTable(config, inputSize).reduce((sum, r) => sum + r.macs, 0);
}
