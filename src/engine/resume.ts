/**
 * How a training begins in its run directory: a new run refuses a directory that already holds one; a resume
 * refuses a changed recipe (unless allowed, then logs what it accepted), restores the `last` checkpoint, truncates
 * the log to it and says so; a run killed before its first checkpoint starts again from step 0.
 */
import * as path from 'path';
import { KnownError } from '../core/errors';
import { CheckpointError, CheckpointState, CheckpointStore, SelectionRecord } from './checkpoint';
import type { EpochRecord, RunLog } from './log';
import type { ProgressReporter } from './progress';
import { RESUME_FREE_KEYS, RecipeSource, describeDifferences, recipeDifferences } from './recipe';

/** A run directory that already holds a run, started again without resume. */
export class ExistingRunError extends KnownError {}

/** A resume whose recipe differs from the recorded one (without allowConfigChange). */
export class ResumeConfigError extends KnownError {}

/** Running sums of the epoch in progress, saved in checkpoints so a mid-epoch resume averages the same steps. */
export interface TrainerBook {
  epochSums: Record<string, number>;
  epochSteps: number;
  epochImages: number;
  /** Step counts of a multi-player model's optimisers after the first (./stepper.ts); absent with one player. */
  optimizerSteps?: Record<string, number>;
}

/** Where the loop starts. */
export interface RunStart {
  step: number;
  book: TrainerBook;
  history: EpochRecord[];
  best: SelectionRecord | null;
  /** The newest saved checkpoint whose weights have not yet produced a loss: the next finite step marks it good. */
  unvalidated: string | null;
}

export interface BeginArgs {
  runLog: RunLog;
  store: CheckpointStore;
  reporter: ProgressReporter;
  experiment: RecipeSource & { name: string };
  opts: { runDir: string; resume?: boolean; allowConfigChange?: boolean };
  logExists: boolean;
  stepsPerEpoch: number;
  /** Added to a new run's start event (e.g. the schedule warning). */
  startNote: string | null;
}

/** Starts, restarts or resumes; `restore` loads a checkpoint's variables, optimisers, RNG and loader position. */
export function beginRun(a: BeginArgs, restore: (state: CheckpointState, source: string) => void): RunStart {
  const { runLog, store, reporter, experiment, opts } = a;
  const epochOf = (s: number): number => Math.floor(s / a.stepsPerEpoch);
  const fresh: RunStart = { step: 0, book: { epochSums: {}, epochSteps: 0, epochImages: 0 }, history: [], best: null, unvalidated: null };
  if (opts.resume && !store.has('last')) {
    // Killed before its first checkpoint: nothing to restore, so the run starts again from step 0.
    if (!a.logExists) throw new CheckpointError(store.recordFile, `no 'last' checkpoint in ${store.dir}: nothing to resume (start the run without --resume)`);
    runLog.truncateAfter(0);
    runLog.append({
      kind: 'event',
      epoch: 0,
      step: 0,
      event: 'resume',
      message: 'no checkpoint was saved before the interruption: starting again from step 0',
      time: new Date().toISOString(),
    });
    reporter.message(`no checkpoint in ${store.dir} yet: training ${experiment.name} again from step 0`);
    return fresh;
  }
  if (!opts.resume) {
    runLog.append({
      kind: 'event',
      epoch: 0,
      step: 0,
      event: 'start',
      message: `training ${experiment.name}${a.startNote !== null ? `; ${a.startNote}` : ''}`,
      time: new Date().toISOString(),
    });
    return fresh;
  }
  const source = store.path('last');
  const state = store.load('last');
  const diffs = recipeDifferences(state.experiment as unknown as RecipeSource, experiment, RESUME_FREE_KEYS);
  if (diffs.length > 0 && !opts.allowConfigChange) {
    throw new ResumeConfigError(
      `${opts.runDir}: --resume with a config that differs from the run's (${describeDifferences(diffs)}); resume with the recorded values, pass --allow-config-change to accept the change (it is logged), or start a new run`,
    );
  }
  restore(state, source);
  const step = state.step;
  runLog.truncateAfter(step);
  const accepted = diffs.length > 0 ? `; accepted config changes: ${describeDifferences(diffs)}` : '';
  runLog.append({ kind: 'event', epoch: epochOf(step), step, event: 'resume', message: `resumed from ${source}${accepted}`, time: new Date().toISOString() });
  reporter.message(`resumed ${experiment.name} at step ${step} (epoch ${epochOf(step)}) from ${source}${accepted}`);
  return {
    step,
    book: state.trainer as unknown as TrainerBook,
    history: state.metrics as unknown as EpochRecord[],
    best: store.pointer('best')?.selection ?? null,
    unvalidated: store.pointer('lastGood')?.dir === path.basename(source) ? null : path.basename(source),
  };
}
