/**
 * The `eval` section of an experiment: which named protocol measures the results, and the landmark-metric
 * choices that differ between papers (docs/metrics.md). Kept here rather than in
 * src/metrics because it is only the experiment-file view of those choices; the metrics module owns the maths.
 *
 * Each option is declared once, in EVAL_CONFIG_SCHEMA; EvalConfig and DEFAULT_EVAL_CONFIG are derived from it.
 */
import { z } from 'zod';

const fraction = z.number().min(0).max(1);

export const EVAL_CONFIG_SCHEMA = z.strictObject({
  protocol: z
    .enum(['standard', 'jasr'])
    .default('standard')
    .describe("'standard' (BT.601 Y, border crop, Wang SSIM) or 'jasr' (reproduces the official evaluation quirks)"),
  nmeNormaliser: z
    .enum(['auto', 'inter-ocular', 'inter-pupil', 'box', 'landmark-box', 'box-diagonal'])
    .default('auto')
    .describe("'auto' picks the dataset's usual normaliser (300W: outer eye corners, AFLW: box size)"),
  aucAlphas: z
    .array(fraction)
    .min(1)
    .default(() => [0.07, 0.08])
    .describe("thresholds for AUC@α (as fractions, e.g. 0.08); JASRNet's code reports 0.07 and 0.08"),
  failureAlpha: fraction.default(0.08).describe('FR@α threshold: fraction of faces with NME above it'),
  split: z.enum(['val', 'test']).default('test').describe('which split `jasr eval` measures by default'),
});

export type EvalConfig = z.output<typeof EVAL_CONFIG_SCHEMA>;
export type NmeNormaliser = EvalConfig['nmeNormaliser'];

export const DEFAULT_EVAL_CONFIG: EvalConfig = EVAL_CONFIG_SCHEMA.parse({});
