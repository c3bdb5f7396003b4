/**
 * reproduceTable(name): PLAN → EXECUTE → COLLECT.
 * - plan: every trained row of experiments/tables/<name>.json × fold × seed as one independent run
 *   (./table-plan.ts), written as results/<name>/jobs.json;
 * - execute: an Executor (./executor.ts; default this process) trains, resumes or reuses each run (./jobs.ts);
 * - collect: collectTable (./table-collect.ts) evaluates every run's checkpoint, pools the folds, checks the equal
 *   step budget and writes the table with intervals and paired differences, and the report.
 * A cluster executor returns 'submitted': the plan is written and `jasr collect` builds the table later, exactly
 * as here. `jasr reproduce`, `jasr main` and notebooks all call this.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Experiment } from '../config/load';
import { ConfigError } from '../core/schema';
import { LockedError, lockHolder, LOCK_FILE } from '../core/lock';
import type { ProgressMode } from '../engine/progress';
import { CheckpointStore, readCheckpointDir } from '../engine/checkpoint';
import { REUSE_FREE_KEYS, describeDifferences, recipeDifferences } from '../engine/recipe';
import { Executor, localExecutor } from './executor';
import { prepareSharedData } from './shared-data';
import { writePlan } from './jobs';
import { runState } from './run-experiment';
import { planTable, PlannedTable, TablePlanOptions } from './table-plan';
import { collectTable, CollectOptions, CollectResult } from './table-collect';

/** The table `npm start` reproduces (experiments/tables/main-cpu.json); notebooks load its runs. */
export const MAIN_TABLE = 'main-cpu';
export interface ReproduceOptions extends TablePlanOptions, Omit<CollectOptions, 'outcomes'> {
  /** Clear the table's runs (only the files the kit wrote in them) and train them again. */
  fresh?: boolean;
  progress?: ProgressMode;
  /** Who runs the jobs (default: this process, one after another). */
  executor?: Executor;
  /** Aborting it stops the training in progress after saving (see TrainOptions.signal). */
  signal?: AbortSignal;
}

export type ReproduceResult =
  | (CollectResult & { kind: 'collected'; planFile: string })
  | { kind: 'submitted'; table: string; dir: string; planFile: string; planned: PlannedTable; description: string };

/**
 * The experiment recorded in a run's `last` checkpoint. A damaged or edited pointer record is an error naming
 * its file (src/engine/checkpoint-record.ts), not a reason to retrain over the run.
 */
function recordedExperiment(runDir: string): Experiment {
  return readCheckpointDir(new CheckpointStore(runDir).path('last')).experiment as unknown as Experiment;
}

/** What a training writes into its run directory (src/engine/checkpoint.ts, src/engine/log.ts): all `--fresh` removes. */
const RUN_OUTPUTS = ['checkpoints', 'log.jsonl', 'log.csv'];

/** Removes the kit's own files from a run directory; anything else a user put there stays (and so does the folder). */
export function clearRun(runDir: string): void {
  const holder = lockHolder(runDir);
  if (holder) throw new LockedError(`${runDir}: in use by ${holder}; --fresh would delete a run that is being written`);
  for (const name of RUN_OUTPUTS) fs.rmSync(path.join(runDir, name), { recursive: true, force: true });
  if (fs.existsSync(runDir) && fs.readdirSync(runDir).every((f) => f === LOCK_FILE)) fs.rmSync(runDir, { recursive: true, force: true });
}

export async function reproduceTable(name: string, opts: ReproduceOptions = {}): Promise<ReproduceResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dir = path.join(opts.resultsDir ?? 'results', name);
  const planned = planTable(name, opts);
  const jobs = planned.plan.jobs;

  // Every run is checked before anything is written, so a refused re-run leaves runs/ and results/ untouched.
  if (!opts.fresh) {
    for (const job of jobs) {
      if (runState(job.runDir) === 'absent' || !new CheckpointStore(job.runDir).has('last')) continue;
      const exp = planned.cells.find((c) => c.job === job)?.experiment as Experiment;
      // The same comparison `train --resume` makes (src/engine/recipe.ts), with only the time budget free: a reused
      // run must have been trained exactly as asked.
      const diffs = recipeDifferences(recordedExperiment(job.runDir), exp, REUSE_FREE_KEYS);
      if (diffs.length > 0)
        throw new ConfigError(
          exp.file,
          '',
          `${job.runDir} was trained with a different config (${describeDifferences(diffs)}); pass --fresh to retrain it (or use another runs directory)`,
        );
    }
  }
  const planFile = path.join(dir, 'jobs.json');
  writePlan(planFile, planned.plan);
  if (opts.fresh) for (const job of jobs) clearRun(job.runDir);

  const executor = opts.executor ?? localExecutor;
  log(
    `[${name}] ${jobs.length} run(s): ${planned.rows.length} rows × ${planned.folds} fold(s) × ${planned.seeds?.length ?? 1} seed(s)${planned.steps !== null ? `, ${planned.steps} steps each` : ''}; executor ${executor.name}; plan ${planFile}`,
  );
  await prepareSharedData(
    planned.cells.map((c) => c.experiment),
    log,
  );
  const report = await executor.execute(planned.plan, { planFile, progress: opts.progress, signal: opts.signal, log });
  if (report.kind === 'submitted') {
    log(`[${name}] submitted: ${report.description}; build the table when the jobs are done with \`jasr collect ${name}\``);
    return { kind: 'submitted', table: name, dir, planFile, planned, description: report.description };
  }
  const collected = await collectTable(name, { ...opts, outcomes: report.outcomes, log }, planned);
  return { ...collected, kind: 'collected', planFile };
}
