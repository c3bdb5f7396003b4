/**
 * The input every statistic here takes: per-face metric values of one table row, over training seeds × test
 * faces, with the group (photo, person, video) of each face. Faces of one group are not independent (frames
 * of one video, photos of one person), so every resampling or permutation treats a group as one unit.
 */
import { KnownError } from '../../core/errors';

export interface FaceTable {
  /** The group of each face; faces of one group are resampled, and sign-flipped, together. */
  readonly groups: readonly string[];
  /** values[seed][face]: one row per training seed, one column per face (same order as `groups`). */
  readonly values: readonly (readonly number[])[];
  /** Names the row in error messages, e.g. `jasrnet-cpu psnr`. */
  readonly label?: string;
}

/** A statistics input that cannot be used: one line naming the row, what was expected and what was found. */
export class StatsInputError extends KnownError {}

/** One per-face value, as evaluation writes it; `seed` absent means a single run. */
export interface FaceValueRecord {
  readonly face: string;
  readonly group: string;
  readonly seed?: number | string;
  readonly value: number;
}

/** Per-group sums over faces, per seed: what every resampling statistic needs, computed once. */
export interface GroupSums {
  readonly groupNames: string[];
  /** Faces per group. */
  readonly counts: Float64Array;
  /** sums[seed][group]: the sum of that seed's values over the group's faces. */
  readonly sums: Float64Array[];
  readonly faces: number;
}

/** Checks shape and values; throws StatsInputError naming the row, seed and face. */
export function checkTable(t: FaceTable, minGroups = 2): void {
  const name = t.label ?? 'statistics input';
  if (t.values.length === 0) throw new StatsInputError(`${name}: expected values for at least one seed, found none`);
  t.values.forEach((row, s) => {
    if (row.length !== t.groups.length)
      throw new StatsInputError(`${name}: seed row ${s} has ${row.length} values, expected one per face (${t.groups.length})`);
    row.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new StatsInputError(`${name}: seed row ${s}, face ${i} (group ${t.groups[i]}): expected a finite number, found ${v}`);
    });
  });
  const n = new Set(t.groups).size;
  if (n < minGroups) throw new StatsInputError(`${name}: expected faces from at least ${minGroups} groups (an interval from fewer says nothing), found ${n}`);
}

/** Groups in order of first appearance, with per-seed sums. */
export function groupSums(t: FaceTable): GroupSums {
  const index = new Map<string, number>();
  for (const g of t.groups) if (!index.has(g)) index.set(g, index.size);
  const counts = new Float64Array(index.size);
  const sums = t.values.map(() => new Float64Array(index.size));
  t.groups.forEach((g, i) => {
    const k = index.get(g)!;
    counts[k] += 1;
    t.values.forEach((row, s) => (sums[s][k] += row[i]));
  });
  return { groupNames: [...index.keys()], counts, sums, faces: t.groups.length };
}

/** The point estimate: the mean over seeds of each seed's mean over all faces (= the mean of every value). */
export function tableMean(t: FaceTable): number {
  let total = 0;
  for (const row of t.values) for (const v of row) total += v;
  return total / (t.values.length * t.groups.length);
}

/**
 * Builds a FaceTable from evaluation records (faces sorted by name, seeds sorted): every face must have exactly
 * one value for every seed that occurs, and one group.
 */
export function faceTableFromRecords(records: readonly FaceValueRecord[], label?: string): FaceTable {
  const name = label ?? 'statistics input';
  const seeds = [...new Set(records.map((r) => String(r.seed ?? '')))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const faces = [...new Set(records.map((r) => r.face))].sort();
  const groupOf = new Map<string, string>();
  const cell = new Map<string, number>();
  for (const r of records) {
    const g = groupOf.get(r.face);
    if (g !== undefined && g !== r.group)
      throw new StatsInputError(`${name}: face ${r.face} is in group ${g} and in group ${r.group}; expected one group per face`);
    groupOf.set(r.face, r.group);
    const key = `${String(r.seed ?? '')}\u0000${r.face}`;
    if (cell.has(key)) throw new StatsInputError(`${name}: face ${r.face} has two values for seed ${r.seed ?? '(none)'}; expected one`);
    cell.set(key, r.value);
  }
  const values = seeds.map((s) =>
    faces.map((f) => {
      const v = cell.get(`${s}\u0000${f}`);
      if (v === undefined) throw new StatsInputError(`${name}: face ${f} has no value for seed ${s}; expected every face evaluated under every seed`);
      return v;
    }),
  );
  return { groups: faces.map((f) => groupOf.get(f)!), values, label };
}
