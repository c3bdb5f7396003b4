/**
 * The few Slurm commands the executor uses, run as child processes (sbatch, squeue, sacct). Every client call
 * inherits the environment, so SLURM_CONF (a test cluster, scripts/slurm-local.sh) reaches them all.
 */
import { spawnSync } from 'child_process';
import { KnownError } from '../../core/errors';

export class SlurmError extends KnownError {}

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string; missing: boolean } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', missing };
}

/** Submits a batch script; returns the job id (`sbatch --parsable` prints `<id>` or `<id>;<cluster>`). */
export function sbatch(script: string, extraArgs: string[] = []): string {
  const r = run('sbatch', ['--parsable', ...extraArgs, script]);
  if (r.missing) throw new SlurmError(`sbatch: expected Slurm's client commands on the PATH (run this on a login node), found no sbatch`);
  const id = r.stdout.trim().split(';')[0];
  if (r.status !== 0 || !/^\d+$/.test(id)) {
    throw new SlurmError(
      `sbatch ${script}: expected a job id, found exit status ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').join(' ') || '(no output)'}`,
    );
  }
  return id;
}

/** Queue states of array tasks still known to the controller, by array job id then task index. */
export type QueueStates = Map<string, Map<number, string>>;

/**
 * Every state in which a task is still the controller's to run, asked for by name: squeue's default list is a
 * subset that does not name the requeue states. This alone did not stop the requeue test from reading a requeued
 * task as failed (3 of 18 runs): there is also a moment when the task is in no list at all, which status.ts
 * covers with a grace period after an exit 143.
 */
export const LIVE_QUEUE_STATES = [
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'STOPPED',
  'SIGNALING',
  'STAGE_OUT',
  'RESIZING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'SPECIAL_EXIT',
] as const;

/**
 * The live tasks of the given array jobs (`squeue -r`: one line per task, pending and requeued ones included).
 * Null when squeue cannot be asked (no Slurm here): the caller then knows only what the run directories say.
 */
export function queuedTasks(arrayJobIds: string[]): QueueStates | null {
  const r = run('squeue', ['-h', '-r', '-t', LIVE_QUEUE_STATES.join(','), '-o', '%F|%K|%T']);
  if (r.missing || r.status !== 0) return null;
  const wanted = new Set(arrayJobIds);
  const out: QueueStates = new Map();
  for (const line of r.stdout.split('\n')) {
    const [jobId, task, state] = line.trim().split('|');
    if (!wanted.has(jobId) || !/^\d+$/.test(task ?? '')) continue;
    if (!out.has(jobId)) out.set(jobId, new Map());
    out.get(jobId)?.set(Number(task), state);
  }
  return out;
}

/**
 * Final states from accounting (`sacct`), by `<arrayJobId>_<task>`, e.g. TIMEOUT, OUT_OF_MEMORY, NODE_FAIL.
 * Empty when the site (or the test cluster) runs without accounting; the task exit records cover that case.
 */
export function accountedTasks(arrayJobIds: string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (arrayJobIds.length === 0) return out;
  const r = run('sacct', ['-n', '-P', '-X', '-o', 'JobID,State', '-j', arrayJobIds.join(',')]);
  if (r.missing || r.status !== 0) return out;
  for (const line of r.stdout.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (id && state) out.set(id, state.split(' ')[0]);
  }
  return out;
}
