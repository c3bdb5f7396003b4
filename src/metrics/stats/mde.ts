/**
 * Minimum detectable effect: how large a true mean difference must be before the default interval of a
 * paired comparison excludes 0, given how much the difference varies from group to group.
 *
 * For G groups of similar size whose group-mean differences have sample SD σ, the bootstrap distribution of the
 * mean difference has SD σ·√((G−1)/G)/√G (the plug-in SD over √G), and a 95 % interval has half-width
 * z₀.₉₇₅ times that. An observed difference beyond that half-width is marked; a true difference of
 * (z₁₋α/₂ + z_power)·σ·√((G−1)/G)/√G is marked with probability `power`. The default power 0.5 gives the
 * half-width itself ("the effect the interval would exclude 0 for"); power 0.8 is the conventional MDE.
 * Groups of very unequal size (one long video) make the real interval wider than this.
 */
import { normalQuantile } from './normal';
import { checkTable, FaceTable, groupSums, StatsInputError } from './table';
import { groupDifferenceTotals } from './permutation';

export interface MdeOptions {
  /** Interval coverage (default 0.95). */
  level?: number;
  /** Probability that a true effect of the returned size is detected (default 0.5: the interval half-width). */
  power?: number;
}

/** `groups` may be fractional (an effective count, see effectiveGroupCount) but at least 2. */
export function minimumDetectableEffect(sdOfGroupDifferences: number, groups: number, options: MdeOptions = {}): number {
  const level = options.level ?? 0.95;
  const power = options.power ?? 0.5;
  if (!(sdOfGroupDifferences >= 0 && Number.isFinite(sdOfGroupDifferences)))
    throw new StatsInputError(`minimum detectable effect: expected a finite SD ≥ 0, found ${sdOfGroupDifferences}`);
  if (!(groups >= 2 && Number.isFinite(groups))) throw new StatsInputError(`minimum detectable effect: expected a number of groups ≥ 2, found ${groups}`);
  if (!(level > 0 && level < 1)) throw new StatsInputError(`minimum detectable effect level: expected a coverage in (0, 1), found ${level}`);
  if (!(power >= 0.5 && power < 1)) throw new StatsInputError(`minimum detectable effect power: expected a probability in [0.5, 1), found ${power}`);
  const z = normalQuantile(1 - (1 - level) / 2) + normalQuantile(power);
  return (z * sdOfGroupDifferences * Math.sqrt((groups - 1) / groups)) / Math.sqrt(groups);
}

function sampleSd(xs: readonly number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Per-group means (over the group's faces and the row's seeds), groups in order of first appearance. */
export function groupMeans(table: FaceTable): number[] {
  checkTable(table);
  const s = groupSums(table);
  return Array.from(s.counts, (c, g) => s.sums.reduce((acc, row) => acc + row[g], 0) / (c * s.sums.length));
}

/** Sample SD of the per-group mean differences a − b: the σ that minimumDetectableEffect takes. */
export function groupDifferenceSd(a: FaceTable, b: FaceTable): number {
  const totals = groupDifferenceTotals(a, b);
  const counts = groupSums(a).counts;
  return sampleSd(totals.map((t, g) => t / counts[g]));
}

/**
 * Kish's effective number of groups, (Σ n_g)² / Σ n_g², for a face-weighted mean: G for equal groups, far
 * fewer when one group (a long video) holds many faces. When group effects dominate, the face-weighted mean
 * varies from one draw of groups to the next like a mean of G_eff groups, so minimumDetectableEffect(σ, G_eff)
 * is the honest planning figure. The clustered bootstrap's own interval in such data is narrower on average
 * but skewed, and still covered 92 % of the time in the simulation of docs/statistics.md §7.
 */
export function effectiveGroupCount(groups: readonly string[]): number {
  const sizes = new Map<string, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  let squares = 0;
  for (const n of sizes.values()) squares += n * n;
  return groups.length > 0 ? (groups.length * groups.length) / squares : 0;
}
