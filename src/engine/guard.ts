/**
 * Stops training at the first non-finite loss or gradient norm (before the update is applied), or when a
 * checkpoint about to be saved holds non-finite weights or optimiser moments, saying which step and which term.
 * The trainer then adds which checkpoint is known good (finite weights whose loss was computed finite) and where.
 */
import { KnownError } from '../core/errors';
import type { HostTensor } from './checkpoint';
import type { AdamState } from './optimizer';

export class NonFiniteError extends KnownError {
  constructor(
    readonly step: number,
    readonly epoch: number,
    message: string,
  ) {
    super(message);
  }

  /** Appends what the trainer knows about the checkpoint to resume from (kept on one line). */
  addRecovery(text: string): void {
    this.message = `${this.message}; ${text}`;
  }
}

export class NonFiniteLossError extends NonFiniteError {
  constructor(
    step: number,
    epoch: number,
    readonly terms: Record<string, number>,
    /** The player whose loss or gradient it was, when a model has several (./stepper.ts). */
    readonly player?: string,
  ) {
    const list = Object.entries(terms)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const bad = Object.entries(terms)
      .filter(([, v]) => !Number.isFinite(v))
      .map(([k]) => k);
    const who = player === undefined ? '' : ` in player ${player}'s update`;
    super(step, epoch, `non-finite loss at step ${step} (epoch ${epoch})${who}: ${bad.join(', ')} not finite (${list}); the update was not applied`);
  }
}

export class NonFiniteWeightsError extends NonFiniteError {
  constructor(
    step: number,
    epoch: number,
    readonly tensor: string,
  ) {
    super(step, epoch, `non-finite values in ${tensor} after step ${step} (epoch ${epoch}); this state was not saved`);
  }
}

/** Throws NonFiniteLossError if any value is NaN or ±Infinity. `step` is the 1-based step that produced them. */
export function assertFiniteLoss(step: number, epoch: number, terms: Record<string, number>, player?: string): void {
  if (Object.values(terms).some((v) => !Number.isFinite(v))) throw new NonFiniteLossError(step, epoch, terms, player);
}

function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Throws NonFiniteWeightsError naming the first variable or Adam moment with a NaN or ±Infinity in it. */
export function assertFiniteState(step: number, epoch: number, variables: Record<string, HostTensor>, optimizer: AdamState): void {
  for (const [name, t] of Object.entries(variables)) {
    const i = firstNonFinite(t.values);
    if (i >= 0) throw new NonFiniteWeightsError(step, epoch, `variable '${name}' (value ${t.values[i]} at index ${i})`);
  }
  for (const [name, slot] of Object.entries(optimizer.slots)) {
    for (const [moment, values] of [
      ['m', slot.m],
      ['v', slot.v],
    ] as const) {
      const i = firstNonFinite(values);
      if (i >= 0) throw new NonFiniteWeightsError(step, epoch, `Adam ${moment} of '${name}' (value ${values[i]} at index ${i})`);
    }
  }
}
