/**
 * The trainer's seeded generator (mulberry32, as src/data/prng.ts) with a state that can be saved in a
 * checkpoint and restored, so that any randomness drawn during training continues identically after a resume.
 */
export interface RngState {
  mulberry32: number;
}

export class TrainRng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller; uses two uniforms per draw so the state advance is fixed). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A fresh 32-bit seed, e.g. for a tf op that takes one. */
  seed(): number {
    return Math.floor(this.next() * 4294967296);
  }

  state(): RngState {
    return { mulberry32: this.s };
  }

  restore(state: RngState): void {
    if (typeof state?.mulberry32 !== 'number') throw new Error(`TrainRng.restore: expected { mulberry32: number }, found ${JSON.stringify(state)}`);
    this.s = state.mulberry32 >>> 0;
  }
}
