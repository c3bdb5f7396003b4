/**
 * Learning rate per epoch (1-based), as PyTorch MultiStepLR stepped at the start of each epoch in the
 * official code: lr for epochs 1..m1, lr·γ for m1+1..m2, lr·γ² after m2 (docs/official-code.md §3). With
 * `unit: 'step'` the milestones count optimiser steps instead (1-based step s gets lr·γ^#{m : s > m}), so a
 * step-budgeted run can place its decay without converting steps to epochs.
 *
 * A milestone the budget never reaches is a schedule that silently does nothing (issue 21: the CPU recipe's
 * milestone at epoch 1000 with a budget ending near epoch 223); unreachableMilestones finds them at start.
 */
import { KnownError } from '../core/errors';
import type { ScheduleConfig } from './config';

export function learningRateAt(baseLr: number, schedule: ScheduleConfig, epoch: number, step?: number): number {
  if (!Number.isInteger(epoch) || epoch < 1) throw new Error(`learningRateAt: epoch is 1-based, got ${epoch}`);
  let at = epoch;
  if (schedule.unit === 'step') {
    if (step === undefined || !Number.isInteger(step) || step < 1) throw new Error(`learningRateAt: milestones in steps need the 1-based step, got ${step}`);
    at = step;
  }
  const passed = schedule.milestones.filter((m) => at > m).length;
  return baseLr * Math.pow(schedule.gamma, passed);
}

/** How far a training's budget reaches: its last step and the last epoch that step falls in. */
export interface BudgetReach {
  lastStep: number;
  lastEpoch: number;
}

export function budgetReach(stepsPerEpoch: number, epochs: number, maxSteps?: number): BudgetReach {
  const lastStep = Math.min(epochs * stepsPerEpoch, maxSteps ?? Infinity);
  return { lastStep, lastEpoch: Math.ceil(lastStep / stepsPerEpoch) };
}

/** Milestones that never change the rate within the budget: m fires from epoch (step) m + 1 on. */
export function unreachableMilestones(schedule: ScheduleConfig, reach: BudgetReach): number[] {
  const last = schedule.unit === 'step' ? reach.lastStep : reach.lastEpoch;
  return schedule.milestones.filter((m) => m >= last);
}

/** A schedule with a milestone beyond the budget, under train.schedule.onUnreachable 'refuse'. */
export class UnreachableMilestoneError extends KnownError {}

/**
 * One line naming the milestones that never fire, the budget's reach in both units and the way out; null when
 * every milestone fires. Example: `train.schedule.milestones: 1000 (epochs) lie beyond the last epoch the budget
 * reaches (223: 2000 steps of 9 per epoch); the lr stays 0.001 …`.
 */
export function describeUnreachable(schedule: ScheduleConfig, reach: BudgetReach, stepsPerEpoch: number, baseLr: number): string | null {
  const never = unreachableMilestones(schedule, reach);
  if (never.length === 0) return null;
  const unit = schedule.unit === 'step' ? 'step' : 'epoch';
  const fired = schedule.milestones.length - never.length;
  const finalLr = baseLr * Math.pow(schedule.gamma, fired);
  return (
    `train.schedule.milestones: ${never.join(', ')} (${unit}s) lie beyond the last ${unit} the budget reaches ` +
    `(${unit === 'step' ? reach.lastStep : reach.lastEpoch}: ${reach.lastStep} steps of ${stepsPerEpoch} per epoch, epoch ${reach.lastEpoch}), so ` +
    `${never.length === 1 ? 'it never fires' : 'they never fire'} and the lr ends at ${finalLr}; lower the milestones, give them in steps ` +
    `(train.schedule.unit "step"), or raise the budget (train.epochs / train.maxSteps)`
  );
}
