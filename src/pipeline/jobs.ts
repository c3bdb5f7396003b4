/**
 * The seam between what a table, a sweep or a cross-validation needs and who runs it: a list of independent
 * training runs (experiment file + `--set` overrides → run directory), written as `jobs.json` beside the results
 * so any executor can run them — this process one after another, N processes at a time, or a Slurm job array
 * whose task i runs `jasr run-job <jobs.json> --index i`. `runJob` is the one function every executor ends in:
 * it trains, resumes an interrupted run, or reuses a finished one, and never retrains a finished run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../core/atomic-write';
import { KnownError } from '../core/errors';
import type { ProgressMode } from '../engine/progress';
import { loadExperiment, Experiment } from '../config/load';
import { isTrainable, runState, trainExperiment } from './run-experiment';
import type { OpenedDataset } from '../data/open';

export const PLAN_FORMAT = 'jasr-run-plan';
export const PLAN_VERSION = 1;

/** One independent training run. Everything an executor on another machine needs is in here (paths absolute). */
export interface RunJob {
  /** Unique within its plan and safe as a file name (e.g. `jasrnet-cpu.fold2.seed3`). */
  id: string;
  /** The experiment file (absolute). */
  experimentFile: string;
  /** `--set` overrides, applied in order after the file (fold, seed and budget included). */
  sets: string[];
  /** Where the run writes its checkpoints and log (absolute). */
  runDir: string;
  /** What the tabulation needs to put the run's evaluation in its place. */
  labels: { row: string; fold: number | null; seed: number | null };
}

export interface RunPlan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  /** The table, sweep or cross-validation this plan belongs to. */
  name: string;
  jobs: RunJob[];
}

export class PlanError extends KnownError {}

export function makePlan(name: string, jobs: RunJob[]): RunPlan {
  const seen = new Set<string>();
  for (const j of jobs) {
    if (!/^[A-Za-z0-9._-]+$/.test(j.id)) throw new PlanError(`plan ${name}: job id '${j.id}' is not a safe file name`);
    if (seen.has(j.id)) throw new PlanError(`plan ${name}: job id '${j.id}' appears twice`);
    seen.add(j.id);
  }
  const runDirs = new Set(jobs.map((j) => j.runDir));
  if (runDirs.size !== jobs.length) throw new PlanError(`plan ${name}: two jobs write the same run directory`);
  return { format: PLAN_FORMAT, version: PLAN_VERSION, name, jobs };
}

export function writePlan(file: string, plan: RunPlan): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, plan);
}

/** Reads a plan written by writePlan; anything else is a one-line PlanError naming the file. */
export function readPlan(file: string): RunPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PlanError(
      `${file}: expected a run plan (jobs.json) written by jasr, ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'found no file' : `found invalid JSON (${(e as Error).message})`}`,
    );
  }
  const p = raw as Partial<RunPlan>;
  if (p.format !== PLAN_FORMAT || p.version !== PLAN_VERSION || !Array.isArray(p.jobs) || typeof p.name !== 'string') {
    throw new PlanError(
      `${file}: expected format '${PLAN_FORMAT}' version ${PLAN_VERSION} with a jobs array, found ${JSON.stringify({ format: p.format, version: p.version })}`,
    );
  }
  for (const [i, j] of p.jobs.entries()) {
    const ok =
      j &&
      typeof j.id === 'string' &&
      typeof j.experimentFile === 'string' &&
      typeof j.runDir === 'string' &&
      Array.isArray(j.sets) &&
      j.sets.every((s) => typeof s === 'string');
    if (!ok) throw new PlanError(`${file}: jobs[${i}]: expected {id, experimentFile, sets: string[], runDir, labels}`);
  }
  return makePlan(p.name, p.jobs);
}

/** The experiment of a job, with its overrides applied and the run directory's name. */
export function jobExperiment(job: RunJob): Experiment {
  return loadExperiment(job.experimentFile, job.sets);
}

export type JobOutcome = 'trained' | 'resumed' | 'reused' | 'no training';

export interface RunJobOptions {
  progress?: ProgressMode;
  /** Already opened data for the job's experiment (a local executor opens each dataset once). */
  data?: OpenedDataset;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Runs one job to completion: trains it, resumes it after an interruption (a requeued Slurm task lands here
 * too), or reuses it when finished. Untrainable rows (bicubic) have nothing to run.
 */
export async function runJob(job: RunJob, opts: RunJobOptions = {}): Promise<JobOutcome> {
  const log = opts.log ?? ((): void => undefined);
  const exp = jobExperiment(job);
  if (!isTrainable(exp)) return 'no training';
  const state = runState(job.runDir);
  if (state === 'finished') {
    log(`[${job.id}] reusing the finished run in ${job.runDir}`);
    return 'reused';
  }
  log(`[${job.id}] ${state === 'partial' ? 'resuming' : 'training'} → ${job.runDir}`);
  const trained = await trainExperiment(exp, {
    runDir: job.runDir,
    resume: state === 'partial',
    progress: opts.progress,
    data: opts.data,
    signal: opts.signal,
  });
  trained.model.dispose();
  return state === 'partial' ? 'resumed' : 'trained';
}
