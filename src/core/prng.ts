/**
 * A small seeded PRNG (mulberry32) so every shuffle and augmentation is reproducible from a number,
 * independent of Math.random and of the JS engine.
 */
export class Rng {
  /** The whole generator state: one 32-bit word, so it can be saved (checkpoints) and restored exactly. */
  protected word: number;

  constructor(seed: number) {
    this.word = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.word = (this.word + 0x6d2b79f5) >>> 0;
    let t = this.word;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates, in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** Derives an independent seed from a base seed and integer keys (epoch, index, ...) without consuming a stream. */
export function mixSeed(base: number, ...keys: number[]): number {
  let h = (base ^ 0x9e3779b9) >>> 0;
  for (const k of keys) {
    h = Math.imul(h ^ (k >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}
