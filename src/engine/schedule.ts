/**
 * Learning rate per epoch (1-based), as PyTorch MultiStepLR stepped at the start of each epoch in the
 * official code: lr for epochs 1..m1, lr·γ for m1+1..m2, lr·γ² after m2 (docs/official-code.md §3). With
 * `unit: 'step'` the milestones count optimiser steps instead (1-based step s gets lr·γ^#{m : s > m}), so a
 * step-budgeted run can place its decay without converting steps to epochs.
 *
 * With `unit: 'budget'` the milestones are fractions of the run's step budget; resolveSchedule turns them into
 * step milestones once the budget is known (at the start of a training), so the rest of the engine sees steps.
 *
 * A milestone the budget never reaches is a schedule that silently does nothing (issue 21: the CPU recipe's
 * milestone at epoch 1000 with a budget ending near epoch 223); unreachableMilestones finds them at start.
 */
import { KnownError } from '../core/errors';
import type { ScheduleConfig } from './config';

export function learningRateAt(baseLr: number, schedule: ScheduleConfig, epoch: number, step?: number): number {
  if (!Number.isInteger(epoch) || epoch < 1) throw new Error(`learningRateAt: epoch is 1-based, got ${epoch}`);
  let at = epoch;
  if (schedule.unit === 'budget') throw new Error('learningRateAt: budget-fraction milestones must be resolved to steps first (resolveSchedule)');
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

/**
 * The schedule in the units the engine steps with: budget fractions become step milestones (fraction × last step,
 * rounded, at least 1; fractions that round to the same step merge), every other schedule is returned as is.
 */
export function resolveSchedule(schedule: ScheduleConfig, reach: BudgetReach): ScheduleConfig {
  if (schedule.unit !== 'budget') return schedule;
  const steps = [...new Set(schedule.milestones.map((f) => Math.max(1, Math.round(f * reach.lastStep))))];
  return { ...schedule, unit: 'step', milestones: steps };
}

/** For the start message: `lr ×0.5 after steps 150, 225 (0.5, 0.75 of 300 steps)`; null without milestones. */
export function describeSchedule(schedule: ScheduleConfig, reach: BudgetReach): string | null {
  if (schedule.milestones.length === 0) return null;
  const resolved = resolveSchedule(schedule, reach);
  const unit = resolved.unit === 'step' ? 'steps' : 'epochs';
  const fractions = schedule.unit === 'budget' ? ` (${schedule.milestones.join(', ')} of ${reach.lastStep} steps)` : '';
  return `lr ×${schedule.gamma} after ${unit} ${resolved.milestones.join(', ')}${fractions}`;
}
