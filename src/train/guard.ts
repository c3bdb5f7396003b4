/** Stops training at the first non-finite loss (or gradient norm), saying which step and which term. */
import { KnownError } from '../core/errors';

export class NonFiniteLossError extends KnownError {
  constructor(readonly step: number, readonly epoch: number, readonly terms: Record<string, number>) {
    const list = Object.entries(terms)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const bad = Object.entries(terms)
      .filter(([, v]) => !Number.isFinite(v))
      .map(([k]) => k);
    super(`non-finite loss at step ${step} (epoch ${epoch}): ${bad.join(', ')} not finite (${list}); the update was not applied`);
  }
}

/** Throws NonFiniteLossError if any value is NaN or ±Infinity. `step` is the 1-based step that produced them. */
export function assertFiniteLoss(step: number, epoch: number, terms: Record<string, number>): void {
  if (Object.values(terms).some((v) => !Number.isFinite(v))) throw new NonFiniteLossError(step, epoch, terms);
}
