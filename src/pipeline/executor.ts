/**
 * Who runs a plan's jobs. The table, sweep and cross-validation code builds a RunPlan (./jobs.ts) and hands it to
 * an executor; it never loops over trainings itself. `local` runs the jobs in this process one after another
 * (a data set opened once is shared); other executors (N local processes, a Slurm job array) register here.
 * Every executor ends in runJob, so a job run anywhere leaves the same run directory behind.
 */
import type { ProgressMode } from '../engine/progress';
import { JobOutcome, RunPlan, runJob } from './jobs';

export interface ExecuteOptions {
  /** Where the plan lives (jobs.json) and where an executor keeps its own files (scripts, logs). */
  planFile: string;
  progress?: ProgressMode;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** What an executor reports: finished jobs with their outcome, or a submission that finishes later. */
export type ExecutionReport = { kind: 'finished'; outcomes: Record<string, JobOutcome> } | { kind: 'submitted'; description: string };

export interface Executor {
  readonly name: string;
  execute(plan: RunPlan, opts: ExecuteOptions): Promise<ExecutionReport>;
}

/** This process, one job after another (today's behaviour of `jasr reproduce`). */
export const localExecutor: Executor = {
  name: 'local',
  async execute(plan, opts) {
    const outcomes: Record<string, JobOutcome> = {};
    for (const job of plan.jobs) outcomes[job.id] = await runJob(job, { progress: opts.progress, signal: opts.signal, log: opts.log });
    return { kind: 'finished', outcomes };
  },
};

const EXECUTORS = new Map<string, Executor>([['local', localExecutor]]);

/** Adds an executor (one entry per executor; `--executor NAME` picks it). */
export function registerExecutor(e: Executor): void {
  EXECUTORS.set(e.name, e);
}

export function executorNames(): string[] {
  return [...EXECUTORS.keys()];
}

export function getExecutor(name: string): Executor | undefined {
  return EXECUTORS.get(name);
}
