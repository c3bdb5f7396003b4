/**
 * Group-disjoint splits: whole groups (a photo, a person, a video) go to one split, chosen by a seeded shuffle
 * of the groups and filled test first, then val, until each reaches its share of faces.
 */
import { Rng } from '../../core/prng';

export function splitByGroup<T>(items: T[], groupOf: (t: T) => string, seed: number, valShare = 0.15, testShare = 0.15): { train: T[]; val: T[]; test: T[] } {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const g = groupOf(it);
    groups.set(g, [...(groups.get(g) ?? []), it]);
  }
  const names = new Rng(seed).shuffle([...groups.keys()].sort());
  const out = { train: [] as T[], val: [] as T[], test: [] as T[] };
  for (const name of names) {
    const members = groups.get(name) ?? [];
    // A group much larger than a split's share (a whole video) would swamp val/test, so it goes to train.
    const fits = (split: T[], share: number): boolean =>
      split.length < share * items.length && split.length + members.length <= Math.ceil(share * items.length * 1.2);
    const target = fits(out.test, testShare) ? out.test : fits(out.val, valShare) ? out.val : out.train;
    target.push(...members);
  }
  return out;
}
