/**
 * The trainer's seeded generator: the data layer's mulberry32 `Rng` with a state that can be saved in a
 * checkpoint and restored, so that any randomness drawn during training continues identically after a resume.
 */
import { Rng } from '../core/prng';

export interface RngState {
  mulberry32: number;
}

export class TrainRng extends Rng {
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
    return { mulberry32: this.word };
  }

  restore(state: RngState): void {
    if (typeof state?.mulberry32 !== 'number') throw new Error(`TrainRng.restore: expected { mulberry32: number }, found ${JSON.stringify(state)}`);
    this.word = state.mulberry32 >>> 0;
  }
}
