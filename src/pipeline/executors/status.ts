/**
 * Where each run of a plan stands, from the run directories first (a finished run is done whoever ran it) and
 * then from Slurm: the queue (pending/running), accounting when the site has it, and the exit record each array
 * task leaves (src/pipeline/executors/slurm-script.ts), which names the log of a failed task.
 */
import * as fs from 'fs';
import type { RunJob, RunPlan } from '../jobs';
import { jobExperiment } from '../jobs';
import { isTrainable, runState } from '../run-experiment';
import { REQUEUE_EXIT, taskExitFile, taskLogFile } from './slurm-script';
import { accountedTasks, queuedTasks } from './slurm-client';
import { latestByIndex, readSubmissions } from './submissions';
import { slurmDirOf } from './slurm';

export type TaskState = 'pending' | 'running' | 'done' | 'failed';

export interface JobStatus {
  index: number;
  id: string;
  runDir: string;
  state: TaskState;
  /** Why, in a few words: `finished`, `queued as 12_3`, `exit status 1`, `not submitted`. */
  detail: string;
  /** The task's log, when a Slurm task ran it. */
  log: string | null;
}

const RUNNING = new Set(['RUNNING', 'COMPLETING', 'CONFIGURING', 'STAGE_OUT', 'SIGNALING', 'RESIZING']);

/** A run stopped by SIGTERM (scancel, preemption, `scontrol requeue`) saves and exits 128 + 15 (src/cli/run-job.ts). */
export const SIGTERM_EXIT = 143;
/**
 * How long a task that exited on SIGTERM and is in no queue counts as pending: Slurm puts a requeued or preempted
 * task back within seconds, but between its exit and its next PENDING it is in no queue at all (seen on the test
 * cluster, where the requeue test failed about one run in three). A task cancelled for good reads failed after it.
 */
export const REQUEUE_GRACE_MS = 60_000;

interface ExitRecord {
  jobId: string;
  status: number;
  restart: number;
}

function readExitRecord(file: string): ExitRecord | null {
  if (!fs.existsSync(file)) return null;
  const [jobId, status, restart] = fs.readFileSync(file, 'utf8').trim().split(/\s+/);
  if (!/^\d+$/.test(jobId ?? '') || !/^\d+$/.test(status ?? '')) return null;
  return { jobId, status: Number(status), restart: Number(restart ?? 0) };
}

/** Whether a job trains anything; a config that no longer loads counts as trainable (its task fails and says why). */
function trainableOrBroken(job: RunJob): boolean {
  try {
    return isTrainable(jobExperiment(job));
  } catch {
    return true;
  }
}

/** `now`: the clock the SIGTERM grace is measured against (tests pass their own). */
export function planStatus(plan: RunPlan, planFile: string, now: number = Date.now()): JobStatus[] {
  const slurmDir = slurmDirOf(planFile);
  const subs = readSubmissions(slurmDir);
  const latest = latestByIndex(subs);
  const ids = [...new Set(subs.map((s) => s.jobId))];
  const queue = ids.length > 0 ? queuedTasks(ids) : null;
  const accounted = ids.length > 0 ? accountedTasks(ids) : new Map<string, string>();
  return plan.jobs.map((job, index) => {
    const sub = latest.get(index);
    const log = sub ? taskLogFile(slurmDir, index) : null;
    const base = { index, id: job.id, runDir: job.runDir, log };
    const trainable = trainableOrBroken(job);
    const run = trainable ? runState(job.runDir) : 'absent';
    if (run === 'finished') return { ...base, state: 'done', detail: 'finished' };
    const exit = sub ? readExitRecord(taskExitFile(slurmDir, index)) : null;
    const exitHere = exit && sub && exit.jobId === sub.jobId ? exit : null;
    if (!trainable && exitHere?.status === 0) return { ...base, state: 'done', detail: 'nothing to train' };
    if (!trainable && !sub) return { ...base, state: 'done', detail: 'nothing to train' };
    const queued = sub ? queue?.get(sub.jobId)?.get(index) : undefined;
    if (queued) return { ...base, state: RUNNING.has(queued) ? 'running' : 'pending', detail: `${queued.toLowerCase()} as ${sub?.jobId}_${index}` };
    if (!sub) return { ...base, state: 'pending', detail: run === 'partial' ? 'interrupted run, not submitted' : 'not submitted' };
    const final = accounted.get(`${sub.jobId}_${index}`);
    if (exitHere?.status === SIGTERM_EXIT && (final === undefined || final === 'REQUEUED' || final === 'PREEMPTED')) {
      const age = now - fs.statSync(taskExitFile(slurmDir, index)).mtimeMs;
      if (age < REQUEUE_GRACE_MS)
        return {
          ...base,
          state: 'pending',
          detail: `stopped by SIGTERM ${Math.round(age / 1000)} s ago: waiting for Slurm to requeue it (failed if not back within ${REQUEUE_GRACE_MS / 1000} s)`,
        };
    }
    if (exitHere && exitHere.status !== 0 && exitHere.status !== REQUEUE_EXIT) {
      return { ...base, state: 'failed', detail: `exit status ${exitHere.status}${final ? ` (${final})` : ''}` };
    }
    if (exitHere) return { ...base, state: 'failed', detail: `task ended (exit status ${exitHere.status}) but the run is ${run}` };
    // Submitted, not queued, no exit record: Slurm killed the batch shell (time limit, memory, node failure),
    // or the queue could not be asked.
    if (queue === null) return { ...base, state: 'pending', detail: `submitted as ${sub.jobId}_${index}; squeue unavailable` };
    return { ...base, state: 'failed', detail: final ? `Slurm state ${final}` : 'left the queue without an exit record (killed by Slurm?)' };
  });
}
