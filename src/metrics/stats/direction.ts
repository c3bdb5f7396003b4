/**
 * Which way is better for each table metric, and the verdict a paired interval supports. Column names follow
 * src/task/evaluate.ts `metricsRow`: nme, auc@α, fr@α, psnr, ssim.
 */
import { StatsInputError } from './table';

export type MetricDirection = 'higher' | 'lower';

/** Higher is better for PSNR, SSIM, AUC and identity similarity; lower is better for NME (2D, 3D, box-normalised, downstream) and the failure rate. */
export const METRIC_DIRECTIONS: Readonly<Record<string, MetricDirection>> = {
  psnr: 'higher',
  ssim: 'higher',
  auc: 'higher',
  nme: 'lower',
  fr: 'lower',
  // The metrics that see faces (src/metrics/identity.ts, src/metrics/downstream-nme.ts).
  identity: 'higher',
  'downstream-nme': 'lower',
  // The 3D protocols of src/metrics/nme-3d.ts (yaw-bin columns read the name before '@').
  'nme-box': 'lower',
  nme3d: 'lower',
  auc3d: 'higher',
};

/** The direction of a column name; `auc@0.08` and `fr@0.1` use the name before `@`, case-insensitively. */
export function metricDirection(metric: string): MetricDirection {
  const base = metric.split('@')[0].trim().toLowerCase();
  const d = METRIC_DIRECTIONS[base];
  if (!d)
    throw new StatsInputError(
      `metric ${JSON.stringify(metric)}: expected one of ${Object.keys(METRIC_DIRECTIONS).join(', ')} (optionally with @α), found no known direction`,
    );
  return d;
}

export interface Verdict {
  /** 'a' or 'b' when the interval of a − b excludes 0; null when it does not (no evidence either way). */
  better: 'a' | 'b' | null;
  excludesZero: boolean;
  direction: MetricDirection;
}

/** Reads an interval of the difference a − b: which row is better, if the interval excludes 0. */
export function verdict(difference: { lo: number; hi: number }, metricOrDirection: string): Verdict {
  const direction = metricOrDirection === 'higher' || metricOrDirection === 'lower' ? metricOrDirection : metricDirection(metricOrDirection);
  const above = difference.lo > 0;
  const below = difference.hi < 0;
  const excludesZero = above || below;
  if (!excludesZero) return { better: null, excludesZero, direction };
  return { better: above === (direction === 'higher') ? 'a' : 'b', excludesZero, direction };
}

/**
 * Per-face values whose mean is a dataset-level landmark metric, so AUC and FR get intervals like any mean:
 * AUC@α (the exact method of src/metrics/ced.ts) is the mean of max(0, α − NMEᵢ)/α, and FR@α the mean of
 * [NMEᵢ > α]. (The sampled official AUC variants differ from the exact one by the sampling error only.)
 */
export function perFaceAuc(nmes: readonly number[], alpha: number): number[] {
  return nmes.map((e) => Math.max(0, alpha - e) / alpha);
}

export function perFaceFailure(nmes: readonly number[], alpha: number): number[] {
  return nmes.map((e) => (e > alpha ? 1 : 0));
}
