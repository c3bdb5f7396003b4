/**
 * What the training loop (./trainer.ts) tells the world, as hooks: after each optimiser step and after each
 * epoch's validation and selection. The loop calls its built-in hooks in a fixed order, then the caller's
 * (TrainOptions.hooks): after a step the run log, progress, callbacks, then the periodic checkpoint; after an
 * epoch the run log, then the checkpoint (a record is on disk before the checkpoint that covers it), then the
 * progress line and callbacks. A later trainer (e.g. GAN's extra logging or sample
 * images) adds a hook instead of a branch in the loop.
 */
import type { EpochRecord, RunLog, StepRecord } from './log';
import type { SelectionRecord } from './checkpoint';
import { ProgressInfo, ProgressReporter, formatNumber } from './progress';

export interface StepEvent {
  /** The log's step record (whether or not this step is logged). */
  record: StepRecord;
  progress: ProgressInfo;
  /** The step ends its epoch (validation and the epoch hooks follow). */
  endsEpoch: boolean;
}

export interface EpochEvent {
  record: EpochRecord;
  selection: SelectionRecord;
  plannedEpochs: number;
}

export interface TrainHook {
  onStep?(e: StepEvent): void;
  onEpoch?(e: EpochEvent): void;
}

/** Step records every `logEvery` steps and every epoch record, to log.jsonl/log.csv. */
export function runLogHook(log: RunLog, logEvery: number): TrainHook {
  return {
    onStep: (e) => {
      if (e.record.step % logEvery === 0) log.append(e.record);
    },
    onEpoch: (e) => log.append(e.record),
  };
}

/** `last` every `checkpointEvery` steps within an epoch (0: never) and a best-candidate at each epoch's end. */
export function checkpointHook(save: (candidateBest: boolean, selection: SelectionRecord | null) => void, checkpointEvery: number): TrainHook {
  return {
    onStep: (e) => {
      if (!e.endsEpoch && checkpointEvery > 0 && e.record.step % checkpointEvery === 0) save(false, null);
    },
    onEpoch: (e) => save(true, e.selection),
  };
}

/** The progress line per step and a summary line per epoch. */
export function progressHook(reporter: ProgressReporter, metric: string): TrainHook {
  return {
    onStep: (e) => reporter.update(e.progress),
    onEpoch: ({ record: rec, selection, plannedEpochs }) => {
      const valText = Object.entries(rec.val)
        .map(([k, v]) => `${k} ${formatNumber(v)}`)
        .join(' ');
      reporter.message(
        `epoch ${rec.epoch}/${plannedEpochs}: loss ${formatNumber(rec.loss.total)}${valText ? ` | val ${valText}` : ''} | ${metric} ${formatNumber(selection.value)}${rec.isBest ? ' (best)' : ''}`,
        { epoch: rec.epoch, loss: rec.loss, val: rec.val, isBest: rec.isBest },
      );
    },
  };
}

/** TrainOptions.onProgress / onEpoch as a hook. */
export function callbackHook(onProgress?: (p: ProgressInfo) => void, onEpoch?: (r: EpochRecord) => void): TrainHook {
  return { onStep: onProgress && ((e) => onProgress(e.progress)), onEpoch: onEpoch && ((e) => onEpoch(e.record)) };
}
