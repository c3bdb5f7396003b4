/**
 * k-fold cross-validation by group, and pooling of per-fold evaluations into one per-face table.
 *
 * Every sample is a test sample in exactly one fold; a group (photo, person, video) never straddles two
 * folds' test sets, and within a fold test, validation and training sets are disjoint by group. Folds are
 * balanced by number of samples as far as groups allow: groups are shuffled by the seed (kit generator,
 * src/core/prng.ts), ordered largest first (a stable sort, so equal sizes keep the seeded order) and each goes
 * to the fold with the fewest samples so far (lowest index on ties). With many equal-sized groups (single
 * photos) the seed changes the partition; with all sizes distinct the greedy balance decides it alone.
 * Each fold's validation groups are drawn by a per-fold seed from the groups outside its test set, as in
 * src/data/embedded/split.ts: whole groups until valFraction of those samples is reached, skipping groups that
 * would overshoot by more than 20 %; if none fits, the smallest one.
 */
import { KnownError } from '../core/errors';
import { mixSeed, Rng } from '../core/prng';

export interface FoldOptions {
  /** Number of folds, 2 ≤ k ≤ number of groups. */
  k: number;
  seed: number;
  /** Share of each fold's non-test samples held out as validation, by group (default 0.15; 0 = none). */
  valFraction?: number;
  /** Names the data in error messages (a dataset or a config key). */
  source?: string;
}

export interface Fold<T> {
  index: number;
  train: T[];
  val: T[];
  test: T[];
}

/** A fold request the data cannot satisfy (too few groups for k, or for a validation set). */
export class FoldError extends KnownError {}

function byGroup<T>(items: readonly T[], groupOf: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const g = groupOf(it);
    const members = groups.get(g);
    if (members) members.push(it);
    else groups.set(g, [it]);
  }
  return groups;
}

/** Assigns groups to k folds: seeded shuffle, largest first, each to the currently smallest fold. */
export function assignGroupsToFolds(groupSizes: ReadonlyMap<string, number>, k: number, seed: number): Map<string, number> {
  const names = new Rng(seed).shuffle([...groupSizes.keys()].sort());
  names.sort((a, b) => groupSizes.get(b)! - groupSizes.get(a)!);
  const load = new Array<number>(k).fill(0);
  const out = new Map<string, number>();
  for (const name of names) {
    let best = 0;
    for (let f = 1; f < k; f++) if (load[f] < load[best]) best = f;
    load[best] += groupSizes.get(name)!;
    out.set(name, best);
  }
  return out;
}

function pickValidation(names: string[], sizes: ReadonlyMap<string, number>, valFraction: number, seed: number): Set<string> {
  const val = new Set<string>();
  if (valFraction <= 0) return val;
  const total = names.reduce((acc, n) => acc + sizes.get(n)!, 0);
  const target = valFraction * total;
  const order = new Rng(seed).shuffle([...names].sort());
  let count = 0;
  for (const n of order) {
    const size = sizes.get(n)!;
    if (count < target && count + size <= Math.ceil(target * 1.2)) {
      val.add(n);
      count += size;
    }
  }
  if (val.size === 0) {
    const smallest = order.reduce((best, n) => (sizes.get(n)! < sizes.get(best)! ? n : best));
    val.add(smallest);
  }
  return val;
}

/** k group-disjoint folds over `items` (each item's split keeps the input order). */
export function groupKFold<T>(items: readonly T[], groupOf: (t: T) => string, options: FoldOptions): Fold<T>[] {
  const { k, seed } = options;
  const valFraction = options.valFraction ?? 0.15;
  const where = options.source ? `${options.source}: ` : '';
  const groups = byGroup(items, groupOf);
  if (!Number.isInteger(k) || k < 2) throw new FoldError(`${where}folds.k: expected an integer ≥ 2, found ${k}`);
  if (k > groups.size)
    throw new FoldError(`${where}folds.k: expected at most ${groups.size} (the number of groups; each test fold needs a whole group), found ${k}`);
  if (!(valFraction >= 0 && valFraction < 1)) throw new FoldError(`${where}folds.valFraction: expected a share in [0, 1), found ${valFraction}`);
  if (!Number.isInteger(seed)) throw new FoldError(`${where}folds.seed: expected an integer, found ${seed}`);
  const sizes = new Map([...groups].map(([g, m]) => [g, m.length]));
  const foldOf = assignGroupsToFolds(sizes, k, seed);
  return Array.from({ length: k }, (_, index) => {
    const outside = [...sizes.keys()].filter((g) => foldOf.get(g) !== index);
    const val = pickValidation(outside, sizes, valFraction, mixSeed(seed, index));
    if (val.size >= outside.length) {
      throw new FoldError(
        `${where}folds: fold ${index} leaves ${outside.length} group(s) outside its test set; expected at least 2 so validation (valFraction ${valFraction}) and training both get one — lower k or set valFraction 0`,
      );
    }
    const fold: Fold<T> = { index, train: [], val: [], test: [] };
    for (const it of items) {
      const g = groupOf(it);
      (foldOf.get(g) === index ? fold.test : val.has(g) ? fold.val : fold.train).push(it);
    }
    return fold;
  });
}

/** One face's metrics from one fold's evaluation. */
export interface FoldFaceRecord {
  face: string;
  group: string;
  metrics: Readonly<Record<string, number>>;
}

export interface PooledFace extends FoldFaceRecord {
  /** The fold whose held-out model scored this face. */
  fold: number;
}

/**
 * Pools per-fold evaluations (perFold[f] = the records of fold f's test faces) into one per-face table, each
 * face once, sorted by face. With `expectedFaces`, every one of them must be present (a fold that was not
 * evaluated is an error, not a smaller table). The pooled mean of a metric is the mean over all faces.
 */
export function poolFolds(perFold: readonly (readonly FoldFaceRecord[])[], expectedFaces?: readonly string[], source = 'cross-validation'): PooledFace[] {
  const seen = new Map<string, PooledFace>();
  perFold.forEach((records, fold) => {
    for (const r of records) {
      const before = seen.get(r.face);
      if (before)
        throw new FoldError(`${source}: face ${r.face} is scored in fold ${before.fold} and in fold ${fold}; expected each face in exactly one test fold`);
      seen.set(r.face, { ...r, fold });
    }
  });
  if (expectedFaces) {
    const missing = expectedFaces.filter((f) => !seen.has(f));
    if (missing.length > 0)
      throw new FoldError(
        `${source}: expected every face scored once, found ${missing.length} missing (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`,
      );
    const expected = new Set(expectedFaces);
    const extra = [...seen.keys()].filter((f) => !expected.has(f));
    if (extra.length > 0) throw new FoldError(`${source}: found ${extra.length} face(s) not in the data (${extra.slice(0, 5).join(', ')})`);
  }
  return [...seen.values()].sort((a, b) => (a.face < b.face ? -1 : a.face > b.face ? 1 : 0));
}

/** The mean of one metric over the pooled faces; an error naming the face that lacks it. */
export function pooledMean(pooled: readonly PooledFace[], metric: string, source = 'cross-validation'): number {
  if (pooled.length === 0) throw new FoldError(`${source}: expected pooled faces, found none`);
  let total = 0;
  for (const f of pooled) {
    const v = f.metrics[metric];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new FoldError(`${source}: face ${f.face} (fold ${f.fold}): expected a finite ${metric}, found ${v}`);
    total += v;
  }
  return total / pooled.length;
}
