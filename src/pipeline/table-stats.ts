/**
 * A table's statistics from per-face values: each row's metric as a mean with its 95 % interval (clustered
 * bootstrap over groups of faces, seeds as a crossed factor) and the paired differences the table declares, with
 * the sign-flip p-value, the verdict and the minimum detectable effect — all from src/metrics/stats/ (design:
 * docs/statistics.md). Pure: per-face records in, numbers out; the report only formats what this returns.
 */
import {
  bootstrapMean,
  BootstrapOptions,
  effectiveGroupCount,
  faceTableFromRecords,
  FaceTable,
  groupDifferenceSd,
  metricDirection,
  minimumDetectableEffect,
  pairedDifference,
  perFaceAuc,
  perFaceFailure,
  verdict,
} from '../metrics/stats/index';
import { yawBin } from '../metrics/nme-3d';

/** One face of one row, scored by the model of one fold trained with one seed (null: a row without seeds). */
export interface FaceRecord {
  face: string;
  group: string;
  fold: number;
  seed: number | null;
  /** Per-face nme, psnr, ssim where measured. */
  nme?: number;
  psnr?: number;
  ssim?: number;
  /** Per-face identity similarity and downstream NME, when the table asks for them. */
  identity?: number;
  downstreamNme?: number;
  /** 3D protocols (src/metrics/nme-3d.ts) where the face has depth or pose, and its yaw in degrees. */
  nmeBox?: number;
  nme3d?: number;
  yaw?: number;
}

/** 'nme-box@yaw30-60', 'nme3d@yaw0-30': a per-face value on the faces of one yaw bin only (others have none). */
const isYawBinMetric = (metric: string): boolean => /^(nme-box|nme3d)@yaw\d/.test(metric);

export interface MetricInterval {
  mean: number;
  lo: number;
  hi: number;
  faces: number;
  groups: number;
  seeds: number;
}

export interface PairStats {
  a: string;
  b: string;
  metric: string;
  /** Mean of a − b and its interval. */
  mean: number;
  lo: number;
  hi: number;
  p: number;
  test: 'exact' | 'monte-carlo';
  excludesZero: boolean;
  /** The better row when the interval excludes 0, else null. */
  better: string | null;
  /** |a − b| the default interval would mark with 80 % probability (docs/statistics.md §6). */
  mde80: number;
}

/** Per-face value of a table metric: nme/psnr/ssim/identity/downstream-nme as measured; auc@α and fr@α from the face's NME. */
export function faceValue(r: FaceRecord, metric: string): number | undefined {
  const [base, alphaText] = metric.split('@');
  if (base === 'auc' || base === 'fr') {
    if (r.nme === undefined) return undefined;
    const alpha = Number(alphaText);
    return (base === 'auc' ? perFaceAuc : perFaceFailure)([r.nme], alpha)[0];
  }
  if (base === 'nme' || base === 'psnr' || base === 'ssim' || base === 'identity') return r[base];
  if (base === 'downstream-nme') return r.downstreamNme;
  if (base === 'auc3d') return r.nme3d === undefined ? undefined : perFaceAuc([r.nme3d], Number(alphaText))[0];
  if (base === 'nme-box' || base === 'nme3d') {
    const v = base === 'nme-box' ? r.nmeBox : r.nme3d;
    if (alphaText === undefined) return v;
    // A yaw bin: the value of a face whose |yaw| falls in it.
    return r.yaw !== undefined && yawBin(r.yaw) === alphaText ? v : undefined;
  }
  return undefined;
}

/** The FaceTable of one row and metric (faces sorted by name, one value row per seed), or null where not measured. */
export function metricTable(row: string, records: readonly FaceRecord[], metric: string): FaceTable | null {
  // A yaw-bin column is measured on the faces of its bin; every other column on every face or not at all.
  if (isYawBinMetric(metric)) records = records.filter((r) => faceValue(r, metric) !== undefined);
  const values = records.map((r) => faceValue(r, metric));
  if (records.length === 0 || values.some((v) => v === undefined)) return null;
  return faceTableFromRecords(
    records.map((r, i) => ({ face: r.face, group: r.group, seed: r.seed ?? undefined, value: values[i] as number })),
    `${row} ${metric}`,
  );
}

/** The point estimate of a metric: the mean over seeds and faces (equals the mean over folds' per-face values). */
export function pooledMetric(records: readonly FaceRecord[], metric: string): number | null {
  if (isYawBinMetric(metric)) records = records.filter((r) => faceValue(r, metric) !== undefined);
  const values = records.map((r) => faceValue(r, metric));
  if (records.length === 0 || values.some((v) => v === undefined)) return null;
  return (values as number[]).reduce((a, b) => a + b, 0) / values.length;
}

export function rowInterval(row: string, records: readonly FaceRecord[], metric: string, bootstrap: BootstrapOptions = {}): MetricInterval | null {
  const t = metricTable(row, records, metric);
  if (!t) return null;
  const iv = bootstrapMean(t, bootstrap);
  return { mean: iv.mean, lo: iv.lo, hi: iv.hi, faces: iv.faces, groups: iv.groups, seeds: t.values.length };
}

export function pairStats(
  a: string,
  aRecords: readonly FaceRecord[],
  b: string,
  bRecords: readonly FaceRecord[],
  metric: string,
  bootstrap: BootstrapOptions = {},
): PairStats | null {
  const ta = metricTable(a, aRecords, metric);
  const tb = metricTable(b, bRecords, metric);
  if (!ta || !tb) return null;
  const d = pairedDifference(ta, tb, { bootstrap });
  const v = verdict(d, metricDirection(metric));
  const mde80 = minimumDetectableEffect(groupDifferenceSd(ta, tb), Math.max(2, effectiveGroupCount(ta.groups)), { power: 0.8 });
  return {
    a,
    b,
    metric,
    mean: d.mean,
    lo: d.lo,
    hi: d.hi,
    p: d.p,
    test: d.test,
    excludesZero: d.excludesZero,
    better: v.better === 'a' ? a : v.better === 'b' ? b : null,
    mde80,
  };
}
