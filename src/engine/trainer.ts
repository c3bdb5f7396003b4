/**
 * The training loop, generic over TrainableModel. Per step: one optimiser step (./stepper.ts: loss and gradients,
 * a non-finite check before anything changes, clipping, Adam at the schedule's rate; one player, or several with
 * their own optimisers, e.g. a GAN's G and D); per epoch: validation and best-model selection (./selection.ts).
 * What the loop reports goes through hooks (./hooks.ts): the run log, checkpoints (every epoch, and every
 * `checkpointEvery` steps), progress, the caller's callbacks and hooks. It stops on the step/time budget or an
 * abort. How a run begins, including resume, is ./resume.ts: it restores variables, optimisers, RNG, loader
 * position and the running epoch sums, and truncates the log to the checkpoint, so a resumed run logs exactly
 * what an uninterrupted one would.
 *
 * Reliability rules: the run directory is locked for the whole training (src/core/lock.ts; a second writer,
 * another process or another train() here, is refused in one line); a resume refuses a changed recipe (lr,
 * batch size, seed, …) unless allowed, and logs what it accepted; a checkpoint is never saved with non-finite
 * weights, and one becomes `lastGood` once a finite loss was computed from its weights, so the NaN guard can
 * point `last` back at weights a resume can use; an abort (Ctrl-C/SIGTERM in the CLI) saves, then stops.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Json } from '../core/overrides';
import type { TrainConfig } from './config';
import { TrainHook, callbackHook, checkpointHook, progressHook, runLogHook } from './hooks';
import { validateEpoch } from './selection';
import { UnreachableMilestoneError, budgetReach, describeSchedule, describeUnreachable, learningRateAt, resolveSchedule } from './schedule';
import { createStepper, Stepper } from './stepper';
import { CheckpointStore, SelectionRecord, isBetterSelection, restoreVariables, snapshotVariables } from './checkpoint';
import { EpochRecord, RunLog, StepRecord } from './log';
import { ProgressInfo, ProgressMode, ProgressReporter, formatNumber } from './progress';
import { NonFiniteError, assertFiniteState } from './guard';
import { ExistingRunError, ResumeConfigError, TrainerBook, beginRun } from './resume';
import { KnownError } from '../core/errors';
import { LockedError, lockDir } from '../core/lock';
import { RngState, TrainRng } from './rng';
import type { TrainLoader, TrainableModel } from './trainable';

/** The parts of an experiment training reads; the whole object is recorded in every checkpoint. */
export interface TrainExperiment {
  name: string;
  train: TrainConfig;
}

export interface TrainOptions {
  /** runs/<name>/: checkpoints/, log.jsonl, log.csv. */
  runDir: string;
  /** Continue from runDir's `last` checkpoint. Without it, a run directory that already has a log is refused. */
  resume?: boolean;
  /** How progress is shown (default 'auto': live line on a TTY, periodic lines otherwise). */
  progress?: ProgressMode | ProgressReporter;
  /** Called after every step (e.g. a notebook's live plot). */
  onProgress?: (p: ProgressInfo) => void;
  /** Called after every epoch with its record. */
  onEpoch?: (r: EpochRecord) => void;
  /** More hooks, called after the built-in ones (run log, checkpoints, progress) in this order (./hooks.ts). */
  hooks?: TrainHook[];
  /**
   * Resume even though the recorded recipe differs from this experiment's (lr, batch size, seed, …); the
   * accepted differences are logged with the resume event. Budgets (epochs, maxSteps, maxMinutes) and
   * bookkeeping (workers, logEvery, checkpointEvery) may always change.
   */
  allowConfigChange?: boolean;
  /**
   * Aborting it (e.g. on Ctrl-C) stops after the step in progress: the state is saved as `last`, the log says
   * so, and TrainingInterruptedError is thrown. Its reason names the signal ('SIGINT', 'SIGTERM').
   */
  signal?: AbortSignal;
  /** The command that resumes this run, quoted in the interruption message (default: a generic hint). */
  resumeCommand?: string;
}

export { ExistingRunError, ResumeConfigError };

/** Training stopped by an abort (Ctrl-C/SIGTERM) after saving; exit status 130 for SIGINT, 143 for SIGTERM. */
export class TrainingInterruptedError extends KnownError {
  constructor(
    readonly signalName: string,
    readonly step: number,
    readonly checkpoint: string,
    resumeCommand: string,
  ) {
    super(
      `interrupted by ${signalName} at step ${step}; the state is saved in ${checkpoint}; resume with: ${resumeCommand}`,
      signalName === 'SIGTERM' ? 143 : 130,
    );
  }
}

/** Run directories a train() of this process is writing: the folder lock is re-entrant within a process. */
const activeRuns = new Set<string>();

export interface TrainResult {
  /** 'done': all epochs ran; 'budget': stopped by maxSteps/maxMinutes (resume continues). */
  status: 'done' | 'budget';
  step: number;
  epoch: number;
  best: SelectionRecord | null;
  lastCheckpoint: string;
  bestCheckpoint: string | null;
  epochs: EpochRecord[];
}

export interface TrainLoaders<Batch, ValData> {
  train: TrainLoader<Batch>;
  val?: ValData;
}

export async function train<Batch, ValData>(
  model: TrainableModel<Batch, ValData>,
  loaders: TrainLoaders<Batch, ValData>,
  experiment: TrainExperiment,
  opts: TrainOptions,
): Promise<TrainResult> {
  const stepsPerEpoch = loaders.train.batchesPerEpoch;
  if (!(stepsPerEpoch >= 1)) throw new Error(`train: the training loader has ${stepsPerEpoch} batches per epoch`);
  const reach = budgetReach(stepsPerEpoch, experiment.train.epochs, experiment.train.maxSteps);
  // Budget-fraction milestones become steps here, once; the stepper and the log see step milestones.
  const cfg = { ...experiment.train, schedule: resolveSchedule(experiment.train.schedule, reach) };
  if (cfg.selection.metric !== 'loss' && loaders.val === undefined) {
    throw new Error(`train: selection by '${cfg.selection.metric}' needs a validation loader (or set train.selection.metric to 'loss')`);
  }
  // A decay the budget never reaches is said at start, or refused before anything is written.
  const unreachable = describeUnreachable(cfg.schedule, reach, stepsPerEpoch, cfg.optimizer.lr);
  if (unreachable !== null && cfg.schedule.onUnreachable === 'refuse') {
    throw new UnreachableMilestoneError(`${experiment.name}: ${unreachable} (refused: train.schedule.onUnreachable is "refuse")`);
  }
  const all: Record<string, tf.Variable> = model.namedVariables();
  const runKey = path.resolve(opts.runDir);
  if (activeRuns.has(runKey)) throw new LockedError(`${runKey}: in use by another training in this process; wait for it to finish`);
  const lock = lockDir(opts.runDir, 'jasr train');
  activeRuns.add(runKey);
  let stepper: Stepper<Batch> | undefined;
  let log: RunLog | undefined;
  const store = new CheckpointStore(opts.runDir);
  const reporter = opts.progress instanceof ProgressReporter ? opts.progress : new ProgressReporter({ mode: opts.progress ?? 'auto' });
  const epochRecordOf = (s: number): number => Math.floor(s / stepsPerEpoch);

  try {
    if (lock.tookOver) reporter.message(`took over the lock of ${opts.runDir} from ${lock.tookOver}, which is gone`);
    const logExists = fs.existsSync(path.join(opts.runDir, 'log.jsonl')) && fs.statSync(path.join(opts.runDir, 'log.jsonl')).size > 0;
    if (!opts.resume && (logExists || store.has('last'))) {
      throw new ExistingRunError(`${opts.runDir}: already holds a run (log or checkpoints); resume it or choose another run name`);
    }
    const runLog = new RunLog(opts.runDir, { lossTerms: ['total', ...model.lossTermNames], metrics: model.metricNames });
    log = runLog;
    const steps = await createStepper(model, cfg, all, reach);
    stepper = steps;
    if (steps.note) reporter.message(steps.note);
    if (unreachable !== null) reporter.message(`warning: ${unreachable}`);
    // Budget fractions are said in steps at start: where the decay lands depends on the budget of this run.
    const budgetNote = experiment.train.schedule.unit === 'budget' ? describeSchedule(experiment.train.schedule, reach) : null;
    if (budgetNote !== null) reporter.message(budgetNote);
    const startNote = [unreachable !== null ? `warning: ${unreachable}` : null, budgetNote].filter((n) => n !== null).join('; ');
    const rng = new TrainRng(cfg.seed);
    const begun = beginRun(
      { runLog, store, reporter, experiment, opts, logExists, stepsPerEpoch, startNote: startNote === '' ? null : startNote },
      (state, source) => {
        restoreVariables(all, state.variables, source);
        steps.optimizers.restore(state.optimizer, (state.trainer as unknown as TrainerBook).optimizerSteps, source);
        rng.restore(state.rng as unknown as RngState);
        loaders.train.restore(state.dataPosition);
      },
    );
    let { step, book, best, unvalidated } = begun;
    const { history } = begun;

    const totalSteps = Math.min(cfg.epochs * stepsPerEpoch, cfg.maxSteps ?? Infinity);
    // The epochs the run will actually reach: a step budget ends it before train.epochs.
    const plannedEpochs = Math.ceil(totalSteps / stepsPerEpoch);
    const startMs = Date.now();
    // Rate and ETA over the last 20 steps, images and seconds together: an epoch's last batch can be smaller
    // (33 faces in batches of 4 end with 1), and dividing its size by the typical step time made the bar show
    // 16 img/s for a run going at 46.
    const recent: { sec: number; images: number }[] = [];
    let lastSavedStep = step;
    let status: TrainResult['status'] = 'done';
    let interrupted = false;

    // Never saves non-finite weights or moments: such a checkpoint would fail again on resume.
    const save = (candidateBest: boolean, selection: SelectionRecord | null): void => {
      const variables = snapshotVariables(all);
      const optimizerState = steps.optimizers.state();
      const optimizerSteps = steps.optimizers.extraSteps();
      // The 1-based epoch the last step belonged to, as the loss guard names it.
      assertFiniteState(step, Math.max(1, Math.ceil(step / stepsPerEpoch)), variables, optimizerState);
      const saved = store.save(
        {
          epoch: epochRecordOf(step),
          step,
          variables,
          optimizer: optimizerState,
          rng: rng.state() as unknown as Json,
          dataPosition: loaders.train.state() as Json,
          experiment: experiment as unknown as Json,
          metrics: history as unknown as Json,
          trainer: (optimizerSteps === undefined ? book : { ...book, optimizerSteps }) as unknown as Json,
          selection,
        },
        { candidateBest },
      );
      lastSavedStep = step;
      unvalidated = saved.name;
    };

    // After a step the periodic checkpoint comes last (the progress line shows the step first); after an epoch the
    // checkpoint follows the log record it covers and precedes the line that reports it.
    const logging = runLogHook(runLog, cfg.logEvery);
    const saving = checkpointHook(save, cfg.checkpointEvery);
    const showing = progressHook(reporter, cfg.selection.metric);
    const calling = callbackHook(opts.onProgress, opts.onEpoch);
    const stepHooks: TrainHook[] = [logging, showing, calling, saving, ...(opts.hooks ?? [])];
    const epochHooks: TrainHook[] = [logging, saving, showing, calling, ...(opts.hooks ?? [])];

    while (step < cfg.epochs * stepsPerEpoch) {
      // One turn of the event loop per step: a step can be all synchronous work and resolved promises, and a
      // signal handler (the CLI's Ctrl-C) only runs when the loop turns.
      if (opts.signal) await new Promise<void>((resolve) => setImmediate(resolve));
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (step >= totalSteps || (cfg.maxMinutes !== undefined && Date.now() - startMs >= cfg.maxMinutes * 60_000)) {
        status = 'budget';
        break;
      }
      const epoch = epochRecordOf(step) + 1;
      // The first player's rate (the only one for a plain model), as logged.
      const lr = learningRateAt(cfg.optimizer.lr, cfg.schedule, epoch, step + 1);
      const t0 = Date.now();
      const batch = await loaders.train.next();
      const images = model.batchSize(batch);
      const ctx = { step: step + 1, epoch, rng };
      const { values, gradNorm } = await steps.step(batch, ctx, (first) => {
        // These values came from the weights saved last (if nothing changed them since): they are good.
        if (unvalidated !== null && lastSavedStep === step) store.markGood(unvalidated, first.total);
        unvalidated = null;
      });
      step += 1;
      const stepSec = (Date.now() - t0) / 1000;
      recent.push({ sec: stepSec, images });
      if (recent.length > 20) recent.shift();
      const recentSec = recent.reduce((a, r) => a + r.sec, 0);
      const secPerStep = recentSec / recent.length;
      for (const [k, v] of Object.entries(values)) book.epochSums[k] = (book.epochSums[k] ?? 0) + v;
      book.epochSteps += 1;
      book.epochImages += images;
      const stepInEpoch = step - (epoch - 1) * stepsPerEpoch;
      const endsEpoch = stepInEpoch === stepsPerEpoch;
      const record: StepRecord = {
        kind: 'step',
        epoch,
        step,
        lr,
        loss: values,
        gradNorm,
        imagesPerSec: stepSec > 0 ? images / stepSec : 0,
        elapsedSec: (Date.now() - startMs) / 1000,
      };
      const progress: ProgressInfo = {
        epoch,
        epochs: plannedEpochs,
        stepInEpoch,
        stepsPerEpoch,
        step,
        totalSteps,
        imagesPerSec: recentSec > 0 ? recent.reduce((a, r) => a + r.images, 0) / recentSec : 0,
        etaSec: secPerStep * (totalSteps - step),
        lr,
        loss: values,
      };
      for (const h of stepHooks) h.onStep?.({ record, progress, endsEpoch });

      if (endsEpoch) {
        const meanLoss: Record<string, number> = {};
        for (const [k, v] of Object.entries(book.epochSums)) meanLoss[k] = v / book.epochSteps;
        const { val, selection } = await validateEpoch(model, loaders.val, cfg, epoch, meanLoss);
        book = { epochSums: {}, epochSteps: 0, epochImages: 0 };
        const isBest = isBetterSelection(selection, best);
        const rec: EpochRecord = { kind: 'epoch', epoch, step, lr, loss: meanLoss, val, isBest, elapsedSec: (Date.now() - startMs) / 1000 };
        history.push(rec);
        // A crash between the log record and the checkpoint resumes from the previous checkpoint, which truncates it.
        for (const h of epochHooks) {
          h.onEpoch?.({ record: rec, selection, plannedEpochs });
          if (h === saving && isBest) best = selection;
        }
      }
    }
    if (step !== lastSavedStep || !store.has('last')) save(false, null);
    if (interrupted) {
      const reason = typeof opts.signal?.reason === 'string' ? opts.signal.reason : 'an abort';
      const saved = store.path('last');
      runLog.append({
        kind: 'event',
        epoch: epochRecordOf(step),
        step,
        event: 'error',
        message: `interrupted by ${reason} at step ${step}; saved ${saved}`,
        time: new Date().toISOString(),
      });
      reporter.done();
      throw new TrainingInterruptedError(reason, step, saved, opts.resumeCommand ?? 'the same training with --resume (resume: true)');
    }
    const event = status === 'done' ? 'done' : 'budget';
    runLog.append({
      kind: 'event',
      epoch: epochRecordOf(step),
      step,
      event,
      message: status === 'done' ? 'finished' : `stopped by the budget at step ${step}`,
      time: new Date().toISOString(),
    });
    reporter.done();
    return {
      status,
      step,
      epoch: epochRecordOf(step),
      best,
      lastCheckpoint: store.path('last'),
      bestCheckpoint: store.has('best') ? store.path('best') : null,
      epochs: history,
    };
  } catch (e) {
    reporter.done();
    if (e instanceof NonFiniteError) {
      // `last` goes back to the newest checkpoint known good, so that a resume (with a lower lr) can work.
      const good = store.rollBackToGood();
      e.addRecovery(
        good
          ? `last good checkpoint (finite weights, loss ${formatNumber(good.loss)} computed from them): step ${good.step} at ${path.join(store.dir, good.dir)}, which 'last' now names; lower train.optimizer.lr and resume with --resume --allow-config-change`
          : 'no checkpoint of this run is known good (none had a finite loss computed from its weights); start a new run with a lower train.optimizer.lr',
      );
      log?.append({ kind: 'event', epoch: e.epoch, step: e.step, event: 'non-finite', message: e.message, time: new Date().toISOString() });
    }
    throw e;
  } finally {
    stepper?.optimizers.dispose();
    await stepper?.close();
    activeRuns.delete(runKey);
    lock.release();
  }
}
