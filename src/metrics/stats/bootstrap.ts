/**
 * Bootstrap intervals of a mean of per-face values, clustered by group, with training seeds as a second,
 * crossed factor.
 *
 * Design (see docs/statistics.md): one replicate draws G groups with replacement out of the G groups (all
 * faces of a drawn group come along — frames of one video are not independent), and, independently for each
 * row, S seeds with replacement out of that row's S seeds. The replicate's value is the mean over the drawn
 * seeds of the face-weighted mean over the drawn groups' faces. Seeds are resampled as whole columns, not
 * per group, because a seed is one trained model that scores every face: its luck is shared by all faces,
 * and resampling seeds within groups would average that luck away and understate the seed variance. This
 * is the two-way ("pigeonhole") bootstrap for crossed designs, mildly conservative; with one seed it is the
 * plain clustered bootstrap.
 *
 * A contrast (Σ wᵣ · meanᵣ, e.g. a − b) of rows evaluated on the same faces shares the group draw across
 * rows, so the comparison is paired by face, while each row's seeds are drawn independently (seed k of one
 * model and seed k of another are unrelated training runs).
 *
 * Intervals: percentile (default) or BCa (Efron & Tibshirani §14.3; z₀ from the mid-rank of the estimate
 * among the replicates, acceleration from leave-one-group-out and leave-one-seed-out jackknives summed as
 * for several independent samples — the same conventions as scipy.stats.bootstrap, which the tests use
 * as the oracle). Quantiles interpolate linearly between order statistics (numpy's default).
 */
import { Rng } from '../../core/prng';
import { normalCdf, normalQuantile } from './normal';
import { checkTable, FaceTable, GroupSums, groupSums, StatsInputError, tableMean } from './table';

export type IntervalMethod = 'percentile' | 'bca';

export interface BootstrapOptions {
  /** Replicates drawn (default 10 000: the Monte-Carlo error of a 95 % endpoint is then ~3 % of the standard error). */
  resamples?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
  method?: IntervalMethod;
  /** Seed of the kit's mulberry32 generator (src/core/prng.ts); the same seed gives the same interval. */
  seed?: number;
}

export const DEFAULT_BOOTSTRAP: Required<BootstrapOptions> = { resamples: 10000, level: 0.95, method: 'percentile', seed: 1 };

/** A point estimate with its bootstrap interval and everything needed to reproduce it. */
export interface Interval {
  /** The estimate on the data as observed (a mean, or a mean difference). */
  mean: number;
  lo: number;
  hi: number;
  level: number;
  method: IntervalMethod;
  resamples: number;
  seed: number;
  groups: number;
  faces: number;
  /** Seeds per row of the contrast. */
  seeds: number[];
}

/** One row of a contrast: a table and its coefficient (+1 for a, −1 for b in a − b). */
export interface ContrastTerm {
  table: FaceTable;
  weight: number;
}

function resolve(options: BootstrapOptions): Required<BootstrapOptions> {
  const o = { ...DEFAULT_BOOTSTRAP, ...options };
  if (!Number.isInteger(o.resamples) || o.resamples < 100) throw new StatsInputError(`bootstrap.resamples: expected an integer ≥ 100, found ${o.resamples}`);
  if (!(o.level > 0 && o.level < 1)) throw new StatsInputError(`bootstrap.level: expected a coverage in (0, 1), found ${o.level}`);
  if (o.method !== 'percentile' && o.method !== 'bca') throw new StatsInputError(`bootstrap.method: expected 'percentile' or 'bca', found ${String(o.method)}`);
  if (!Number.isInteger(o.seed)) throw new StatsInputError(`bootstrap.seed: expected an integer, found ${o.seed}`);
  return o;
}

interface Prepared {
  terms: { sums: GroupSums; weight: number; seeds: number }[];
  counts: Float64Array;
  groups: number;
  faces: number;
}

/** Checks that every term scores the same faces in the same groups and precomputes the group sums. */
function prepare(terms: readonly ContrastTerm[]): Prepared {
  if (terms.length === 0) throw new StatsInputError('bootstrap: expected at least one row, found none');
  terms.forEach((t) => checkTable(t.table));
  const ref = terms[0].table;
  for (const t of terms.slice(1)) {
    const same = t.table.groups.length === ref.groups.length && t.table.groups.every((g, i) => g === ref.groups[i]);
    if (!same) {
      throw new StatsInputError(
        `${t.table.label ?? 'row'} vs ${ref.label ?? 'row'}: expected the same faces in the same order and groups (a paired comparison), found ${t.table.groups.length} vs ${ref.groups.length} faces or different groups`,
      );
    }
  }
  const prepared = terms.map((t) => ({ sums: groupSums(t.table), weight: t.weight, seeds: t.table.values.length }));
  return { terms: prepared, counts: prepared[0].sums.counts, groups: prepared[0].sums.counts.length, faces: ref.groups.length };
}

function observed(terms: readonly ContrastTerm[]): number {
  return terms.reduce((acc, t) => acc + t.weight * tableMean(t.table), 0);
}

/** The bootstrap distribution of the contrast, in draw order (groups first, then each row's seeds). */
export function bootstrapReplicates(terms: readonly ContrastTerm[], options: BootstrapOptions = {}): Float64Array {
  const o = resolve(options);
  return drawReplicates(prepare(terms), o.resamples, o.seed);
}

function drawReplicates(p: Prepared, resamples: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const G = p.groups;
  const m = new Float64Array(G);
  const out = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    m.fill(0);
    for (let j = 0; j < G; j++) m[rng.int(G)] += 1;
    let count = 0;
    for (let g = 0; g < G; g++) count += m[g] * p.counts[g];
    let stat = 0;
    for (const t of p.terms) {
      let total = 0;
      if (t.seeds === 1) {
        const row = t.sums.sums[0];
        for (let g = 0; g < G; g++) total += m[g] * row[g];
      } else {
        for (let k = 0; k < t.seeds; k++) {
          const row = t.sums.sums[rng.int(t.seeds)];
          for (let g = 0; g < G; g++) total += m[g] * row[g];
        }
      }
      stat += (t.weight * total) / (t.seeds * count);
    }
    out[b] = stat;
  }
  return out;
}

/** numpy's default (linear) quantile of sorted values, q in [0, 1]. */
export function quantileSorted(sorted: Float64Array | readonly number[], q: number): number {
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The jackknife estimates of one "sample" (the groups, or one row's seeds), as scipy's BCa forms them. */
function accelerationParts(thetas: number[]): { num: number; den: number } {
  const n = thetas.length;
  const dot = thetas.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (const t of thetas) {
    const u = (n - 1) * (dot - t);
    num += u ** 3;
    den += u ** 2;
  }
  return { num: num / n ** 3, den: den / n ** 2 };
}

/** BCa acceleration: leave-one-group-out over all rows, plus leave-one-seed-out within each row with several seeds. */
export function bcaAcceleration(terms: readonly ContrastTerm[]): number {
  const p = prepare(terms);
  const rowMean = (t: Prepared['terms'][number], skipGroup: number, skipSeed: number): number => {
    let total = 0;
    let count = 0;
    for (let g = 0; g < p.groups; g++) if (g !== skipGroup) count += p.counts[g];
    for (let s = 0; s < t.seeds; s++) {
      if (s === skipSeed) continue;
      for (let g = 0; g < p.groups; g++) if (g !== skipGroup) total += t.sums.sums[s][g];
    }
    return total / ((t.seeds - (skipSeed >= 0 ? 1 : 0)) * count);
  };
  const parts: { num: number; den: number }[] = [];
  parts.push(accelerationParts(Array.from({ length: p.groups }, (_, g) => p.terms.reduce((acc, t) => acc + t.weight * rowMean(t, g, -1), 0))));
  p.terms.forEach((t, r) => {
    if (t.seeds < 2) return;
    const thetas = Array.from({ length: t.seeds }, (_, s) => p.terms.reduce((acc, u, q) => acc + u.weight * rowMean(u, -1, q === r ? s : -1), 0));
    parts.push(accelerationParts(thetas));
  });
  const num = parts.reduce((a, x) => a + x.num, 0);
  const den = parts.reduce((a, x) => a + x.den, 0);
  return den > 0 ? num / (6 * den ** 1.5) : 0;
}

/** Bootstrap interval of a contrast Σ wᵣ·meanᵣ of rows scored on the same faces. */
export function bootstrapContrast(terms: readonly ContrastTerm[], options: BootstrapOptions = {}): Interval {
  const o = resolve(options);
  const p = prepare(terms);
  const theta = observed(terms);
  const reps = drawReplicates(p, o.resamples, o.seed).sort();
  const alpha = (1 - o.level) / 2;
  let qLo = alpha;
  let qHi = 1 - alpha;
  if (o.method === 'bca') {
    let below = 0;
    let atOrBelow = 0;
    for (const r of reps) {
      if (r < theta) below++;
      if (r <= theta) atOrBelow++;
    }
    const z0 = normalQuantile((below + atOrBelow) / (2 * reps.length));
    const a = bcaAcceleration(terms);
    const adjust = (z: number): number => normalCdf(z0 + (z0 + z) / (1 - a * (z0 + z)));
    qLo = adjust(normalQuantile(alpha));
    qHi = adjust(normalQuantile(1 - alpha));
    // A degenerate distribution (every replicate equal) leaves no correction to make.
    if (Number.isNaN(qLo) || Number.isNaN(qHi)) [qLo, qHi] = [alpha, 1 - alpha];
  }
  return {
    mean: theta,
    lo: quantileSorted(reps, qLo),
    hi: quantileSorted(reps, qHi),
    level: o.level,
    method: o.method,
    resamples: o.resamples,
    seed: o.seed,
    groups: p.groups,
    faces: p.faces,
    seeds: p.terms.map((t) => t.seeds),
  };
}

/** Bootstrap interval of one row's mean (clustered by group; seeds as a crossed factor when there are several). */
export function bootstrapMean(table: FaceTable, options: BootstrapOptions = {}): Interval {
  return bootstrapContrast([{ table, weight: 1 }], options);
}
