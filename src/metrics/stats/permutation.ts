/**
 * Paired sign-flip permutation test on group-level differences.
 *
 * Under the null hypothesis that two rows are exchangeable on every group (swapping which model produced a
 * group's numbers changes nothing), each group's difference is as likely to carry either sign. The statistic
 * is |Σ_g s_g·D_g| with D_g the group's total of per-face differences (each face's difference averaged over
 * seeds), i.e. the face-weighted mean difference the tables report, times the number of faces. Flipping
 * whole groups keeps the faces of one video or person together.
 *
 * p-value (two-sided): with G ≤ 16 groups every one of the 2^G sign patterns is enumerated and
 * p = #{|T*| ≥ |T|} / 2^G exactly (the identity pattern included, so p ≥ 2/2^G). With more groups, B seeded
 * random patterns give p = (1 + #{|T*| ≥ |T|}) / (B + 1), the +1 correction that keeps a Monte-Carlo p-value
 * valid (never 0). Ties are judged with a tolerance of 1e-9 · Σ|D_g|, so sums that are equal in exact
 * arithmetic count as ties whatever order the floating-point additions ran in.
 */
import { Rng } from '../../core/prng';
import { checkTable, FaceTable, StatsInputError } from './table';

export interface SignFlipOptions {
  /** Enumerate every pattern up to this many groups (default 16, i.e. 65 536 patterns). */
  exactUpToGroups?: number;
  /** Random patterns when enumeration is too large (default 100 000). */
  resamples?: number;
  /** Seed of the kit's mulberry32 generator (src/core/prng.ts). */
  seed?: number;
}

export const DEFAULT_SIGN_FLIP: Required<SignFlipOptions> = { exactUpToGroups: 16, resamples: 100000, seed: 1 };

export interface SignFlipResult {
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'monte-carlo';
  /** Sign patterns evaluated (2^G when exact, B when Monte Carlo). */
  flips: number;
  groups: number;
}

/** Σ over each group's faces of (mean over a's seeds − mean over b's seeds), groups in order of first appearance. */
export function groupDifferenceTotals(a: FaceTable, b: FaceTable): number[] {
  checkTable(a);
  checkTable(b);
  if (a.groups.length !== b.groups.length || a.groups.some((g, i) => g !== b.groups[i])) {
    throw new StatsInputError(`${a.label ?? 'row a'} vs ${b.label ?? 'row b'}: expected the same faces in the same order and groups, found different ones`);
  }
  const faceMean = (t: FaceTable, i: number): number => t.values.reduce((acc, row) => acc + row[i], 0) / t.values.length;
  const index = new Map<string, number>();
  const totals: number[] = [];
  a.groups.forEach((g, i) => {
    if (!index.has(g)) {
      index.set(g, totals.length);
      totals.push(0);
    }
    totals[index.get(g)!] += faceMean(a, i) - faceMean(b, i);
  });
  return totals;
}

/** The sign-flip test on group totals D_g (see the file header). */
export function signFlipTest(groupTotals: readonly number[], options: SignFlipOptions = {}): SignFlipResult {
  const o = { ...DEFAULT_SIGN_FLIP, ...options };
  const G = groupTotals.length;
  if (G < 2) throw new StatsInputError(`sign-flip test: expected at least 2 groups, found ${G}`);
  if (!groupTotals.every(Number.isFinite))
    throw new StatsInputError(`sign-flip test: expected finite group differences, found ${groupTotals.find((d) => !Number.isFinite(d))}`);
  if (!Number.isInteger(o.exactUpToGroups) || o.exactUpToGroups < 1 || o.exactUpToGroups > 24) {
    throw new StatsInputError(`sign-flip test exactUpToGroups: expected an integer in [1, 24], found ${o.exactUpToGroups}`);
  }
  const scale = groupTotals.reduce((acc, d) => acc + Math.abs(d), 0);
  let observed = 0;
  for (const d of groupTotals) observed += d;
  const threshold = Math.abs(observed) - 1e-9 * scale;
  if (G <= o.exactUpToGroups) {
    const patterns = 2 ** G;
    let extreme = 0;
    for (let mask = 0; mask < patterns; mask++) {
      let t = 0;
      for (let g = 0; g < G; g++) t += mask & (1 << g) ? -groupTotals[g] : groupTotals[g];
      if (Math.abs(t) >= threshold) extreme++;
    }
    return { p: extreme / patterns, method: 'exact', flips: patterns, groups: G };
  }
  if (!Number.isInteger(o.resamples) || o.resamples < 100)
    throw new StatsInputError(`sign-flip test resamples: expected an integer ≥ 100, found ${o.resamples}`);
  const rng = new Rng(o.seed);
  let extreme = 0;
  for (let b = 0; b < o.resamples; b++) {
    let t = 0;
    for (let g = 0; g < G; g++) t += rng.next() < 0.5 ? -groupTotals[g] : groupTotals[g];
    if (Math.abs(t) >= threshold) extreme++;
  }
  return { p: (1 + extreme) / (1 + o.resamples), method: 'monte-carlo', flips: o.resamples, groups: G };
}
