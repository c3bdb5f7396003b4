/**
 * The `eval` section of an experiment: which named protocol measures the results, and the landmark-metric
 * choices that differ between papers (reference notes peers-and-metrics §6). Kept here rather than in
 * src/metrics because it is only the experiment-file view of those choices; the metrics module owns the maths.
 */
import type { Schema } from '../core/schema';

/** 'auto' picks the dataset's usual normaliser (300W: outer eye corners, AFLW: box size). */
export type NmeNormaliser = 'auto' | 'inter-ocular' | 'inter-pupil' | 'box' | 'landmark-box' | 'box-diagonal';

export interface EvalConfig {
  /** 'standard' (BT.601 Y, border crop, Wang SSIM) or 'jasr' (reproduces the official evaluation quirks). */
  protocol: 'standard' | 'jasr';
  nmeNormaliser: NmeNormaliser;
  /** Thresholds for AUC@α (as fractions, e.g. 0.08). JASRNet's code reports 0.07 and 0.08. */
  aucAlphas: number[];
  /** FR@α threshold: fraction of faces with NME above it. */
  failureAlpha: number;
  /** Which split `jasr eval` measures by default. */
  split: 'val' | 'test';
}

export const DEFAULT_EVAL_CONFIG: EvalConfig = {
  protocol: 'standard',
  nmeNormaliser: 'auto',
  aucAlphas: [0.07, 0.08],
  failureAlpha: 0.08,
  split: 'test',
};

const fraction: Schema = { type: 'number', min: 0, max: 1 };

export const EVAL_CONFIG_SCHEMA: Schema & { type: 'object' } = {
  type: 'object',
  fields: {
    protocol: { type: 'enum', values: ['standard', 'jasr'] },
    nmeNormaliser: { type: 'enum', values: ['auto', 'inter-ocular', 'inter-pupil', 'box', 'landmark-box', 'box-diagonal'] },
    aucAlphas: { type: 'array', items: fraction, minItems: 1 },
    failureAlpha: fraction,
    split: { type: 'enum', values: ['val', 'test'] },
  },
};
