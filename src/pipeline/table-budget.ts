/**
 * Equal budgets: every trained run of a table must have run the same number of optimiser steps. A run stopped by
 * a wall-clock cap (train.maxMinutes) before its step budget, or a table whose runs ended at different steps,
 * fails the table in one line instead of comparing rows trained for different lengths (on a busy machine a
 * per-row cap once gave SR-only 270 steps and JASRNet 1,989 in one table).
 */
import { Experiment } from '../config/load';
import { KnownError } from '../core/errors';
import { CheckpointStore, readCheckpointDir } from '../engine/checkpoint';
import { readRunLog } from '../engine/log';
import { runState } from './run-experiment';

export class TableBudgetError extends KnownError {}

export interface RunBudget {
  id: string;
  runDir: string;
  /** Step of the run's last checkpoint. */
  step: number;
  /** How the run ended: 'done' (all epochs) or 'budget' (maxSteps or maxMinutes). */
  event: 'done' | 'budget';
  /** train.maxSteps, when set. */
  maxSteps: number | null;
  maxMinutes: number | null;
}

/** A finished run's budget; an unfinished or missing run is a TableBudgetError naming it. */
export function runBudget(id: string, runDir: string, exp: Experiment): RunBudget {
  const state = runState(runDir);
  if (state !== 'finished') {
    throw new TableBudgetError(
      `${id}: expected a finished run in ${runDir}, found ${state === 'absent' ? 'nothing' : 'an unfinished run'}; run the table's jobs first (jasr reproduce, or an executor on its jobs.json)`,
    );
  }
  const events = readRunLog(runDir).filter((r) => r.kind === 'event');
  const last = events[events.length - 1];
  const step = readCheckpointDir(new CheckpointStore(runDir).path('last')).step;
  return {
    id,
    runDir,
    step,
    event: last && last.kind === 'event' && last.event === 'done' ? 'done' : 'budget',
    maxSteps: exp.train.maxSteps ?? null,
    maxMinutes: exp.train.maxMinutes ?? null,
  };
}

/** The one step count every run got; throws when a run was cut short or the runs differ. Null without runs. */
export function checkEqualBudgets(tableFile: string, budgets: readonly RunBudget[]): number | null {
  for (const b of budgets) {
    if (b.event === 'budget' && (b.maxSteps === null || b.step < b.maxSteps)) {
      throw new TableBudgetError(
        `${tableFile}: run ${b.id} stopped at step ${b.step}${b.maxSteps !== null ? ` of ${b.maxSteps}` : ''} by the wall-clock cap train.maxMinutes=${b.maxMinutes}; rows must train for equal steps — retrain it without the cap (--fresh, and a larger --budget-minutes or none)`,
      );
    }
  }
  const steps = [...new Set(budgets.map((b) => b.step))];
  if (steps.length > 1) {
    const list = budgets.map((b) => `${b.id} ${b.step}`).join(', ');
    throw new TableBudgetError(
      `${tableFile}: expected every trained run at the same step, found ${list}; set one budget for the table ('steps' in the table file)`,
    );
  }
  return steps.length === 1 ? steps[0] : null;
}
