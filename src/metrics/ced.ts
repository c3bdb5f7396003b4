/**
 * Dataset-level landmark summaries over per-image NMEs (§6.2): CED, AUC@α, failure rate@α, and per-subset
 * breakdowns (e.g. 300W common / challenging / full).
 */

export type AucMethod =
  /** (1/α)∫₀^α CED(e)de of the empirical CDF, in closed form: mean of max(0, α − NMEᵢ)/α. */
  | 'exact'
  /** JASRNet / SAN: CED with strict < on np.linspace(0, α, 2000), trapezoid (sklearn auc) / α. */
  | 'jasr-linspace2000'
  /** PIPNet compute_fr_and_auc: CED with ≤ on np.arange(0, α + 1e-4, 1e-4), scipy Simpson / α. */
  | 'pipnet-simpson';

export const AUC_METHODS: readonly AucMethod[] = ['exact', 'jasr-linspace2000', 'pipnet-simpson'];

function checkNmes(nmes: readonly number[]): void {
  if (nmes.length === 0) throw new Error('no NME values');
  const bad = nmes.findIndex((e) => !Number.isFinite(e) || e < 0);
  if (bad >= 0) throw new Error(`NME values must be finite and ≥ 0; index ${bad} is ${nmes[bad]}`);
}

/** CED(e) = fraction of images with NME ≤ e, at each threshold. */
export function ced(nmes: readonly number[], thresholds: readonly number[]): number[] {
  checkNmes(nmes);
  return thresholds.map((t) => nmes.filter((e) => e <= t).length / nmes.length);
}

/** Fraction of images with NME strictly greater than α (HRNet convention: NME = α is not a failure). */
export function failureRate(nmes: readonly number[], alpha: number): number {
  checkNmes(nmes);
  return nmes.filter((e) => e > alpha).length / nmes.length;
}

/** numpy.linspace(start, stop, num): i·step + start, with the last value set to stop exactly. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/** numpy.arange(0, stop, step): ceil(stop/step) values i·step. */
function arange(stop: number, step: number): number[] {
  return Array.from({ length: Math.ceil(stop / step) }, (_, i) => i * step);
}

function trapezoid(y: readonly number[], x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += ((x[i + 1] - x[i]) * (y[i + 1] + y[i])) / 2;
  return s;
}

/** scipy 1.10 _basic_simpson with sample points x, over points start..stop (stop inclusive, even count of intervals). */
function basicSimpson(y: readonly number[], x: readonly number[], start: number, stop: number): number {
  let s = 0;
  for (let i = start; i + 2 <= stop; i += 2) {
    const h0 = x[i + 1] - x[i];
    const h1 = x[i + 2] - x[i + 1];
    const hsum = h0 + h1;
    const hprod = h0 * h1;
    const h0divh1 = h0 / h1;
    s += (hsum / 6) * (y[i] * (2 - 1 / h0divh1) + y[i + 1] * ((hsum * hsum) / hprod) + y[i + 2] * (2 - h0divh1));
  }
  return s;
}

/** scipy.integrate.simpson(y, x) as in scipy 1.10 (even='avg' when the number of points is even). */
function simpson(y: readonly number[], x: readonly number[]): number {
  const n = x.length;
  if (n % 2 === 1) return basicSimpson(y, x, 0, n - 1);
  const lastTrapezoid = 0.5 * (x[n - 1] - x[n - 2]) * (y[n - 1] + y[n - 2]);
  const firstTrapezoid = 0.5 * (x[1] - x[0]) * (y[1] + y[0]);
  return (basicSimpson(y, x, 0, n - 2) + lastTrapezoid + basicSimpson(y, x, 1, n - 1) + firstTrapezoid) / 2;
}

/** AUC@α of the CED, normalised to [0,1]. */
export function auc(nmes: readonly number[], alpha: number, method: AucMethod = 'exact'): number {
  checkNmes(nmes);
  if (!(alpha > 0)) throw new Error(`auc: α must be > 0, got ${alpha}`);
  const n = nmes.length;
  if (method === 'exact') return nmes.reduce((s, e) => s + Math.max(0, alpha - e), 0) / (n * alpha);
  if (method === 'jasr-linspace2000') {
    const xs = linspace(0, alpha, 2000);
    const ys = xs.map((t) => nmes.filter((e) => e < t).length / n);
    return trapezoid(ys, xs) / alpha;
  }
  if (method === 'pipnet-simpson') {
    const step = 1e-4;
    const xs = arange(alpha + step, step);
    const ys = xs.map((t) => nmes.filter((e) => e <= t).length / n);
    return simpson(ys, xs) / alpha;
  }
  throw new Error(`auc: unknown method '${String(method)}'; expected one of ${AUC_METHODS.join(', ')}`);
}

export interface NmeSummary {
  count: number;
  /** Mean of per-image NME, as a fraction (×100 for the usual %). */
  nme: number;
  /** AUC@α keyed by String(α), e.g. '0.08'. */
  auc: Record<string, number>;
  /** FR@α (strict >) keyed by String(α). */
  failureRate: Record<string, number>;
}

export interface NmeSummaryOptions {
  /** Thresholds for AUC and FR; default [0.08, 0.1] (300W / WFLW conventions). */
  alphas?: readonly number[];
  aucMethod?: AucMethod;
  /** One label per image (e.g. 'common' / 'challenging'); each label gets its own summary. */
  subsets?: readonly string[];
}

export interface NmeReport {
  /** Every image (300W 'full'). */
  all: NmeSummary;
  /** Keyed by subset label, in first-seen order; empty when no labels were given. */
  subsets: Record<string, NmeSummary>;
  protocol: { aucMethod: AucMethod; alphas: number[]; failure: 'nme > alpha'; aggregate: 'mean-of-per-image' };
}

function summarise(nmes: readonly number[], alphas: readonly number[], method: AucMethod): NmeSummary {
  const out: NmeSummary = { count: nmes.length, nme: nmes.reduce((s, e) => s + e, 0) / nmes.length, auc: {}, failureRate: {} };
  for (const a of alphas) {
    out.auc[String(a)] = auc(nmes, a, method);
    out.failureRate[String(a)] = failureRate(nmes, a);
  }
  return out;
}

export function nmeSummary(nmes: readonly number[], opts: NmeSummaryOptions = {}): NmeReport {
  checkNmes(nmes);
  const alphas = [...(opts.alphas ?? [0.08, 0.1])];
  const aucMethod = opts.aucMethod ?? 'exact';
  const subsets: Record<string, NmeSummary> = {};
  if (opts.subsets) {
    if (opts.subsets.length !== nmes.length) throw new Error(`nmeSummary: ${nmes.length} NMEs but ${opts.subsets.length} subset labels`);
    for (const label of new Set(opts.subsets)) {
      subsets[label] = summarise(
        nmes.filter((_, i) => opts.subsets?.[i] === label),
        alphas,
        aucMethod,
      );
    }
  }
  return { all: summarise(nmes, alphas, aucMethod), subsets, protocol: { aucMethod, alphas, failure: 'nme > alpha', aggregate: 'mean-of-per-image' } };
}
