/**
 * A real one-node Slurm cluster for the executor tests, started by scripts/slurm-local.sh under a temporary
 * folder (own munge key and socket, own slurm.conf; /etc/slurm is never touched) and stopped afterwards.
 * SLURM_CONF is set in this process's environment so every client call (sbatch, squeue, scontrol) and every
 * child finds it.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'slurm-local.sh');

export interface LocalCluster {
  dir: string;
  conf: string;
  stop(): void;
}

/** Why a cluster cannot start here (not root, Slurm or munge missing), or null when it can. */
export function clusterUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'slurmd must run as root to start jobs as their user';
  for (const b of ['sbatch', 'slurmctld', 'slurmd', 'munged']) {
    if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0) return `${b} is not installed (scripts/setup.sh installs slurm-wlm and munge)`;
  }
  return null;
}

export function startCluster(): LocalCluster {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-slurm-'));
  const previous = process.env.SLURM_CONF;
  try {
    execFileSync('bash', [SCRIPT, 'start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    spawnSync('bash', [SCRIPT, 'stop', dir]);
    throw new Error(`scripts/slurm-local.sh start failed: ${err.stderr ?? ''}${err.stdout ?? ''}`, { cause: e });
  }
  const conf = path.join(dir, 'slurm.conf');
  process.env.SLURM_CONF = conf;
  return {
    dir,
    conf,
    stop() {
      spawnSync('scancel', ['--user', os.userInfo().username], { env: process.env });
      spawnSync('bash', [SCRIPT, 'stop', dir]);
      if (previous === undefined) delete process.env.SLURM_CONF;
      else process.env.SLURM_CONF = previous;
    },
  };
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `squeue` lines `<id> <state> <reason>` of every array task still queued (pending, running, completing). */
export function queue(): string[] {
  return execFileSync('squeue', ['-h', '-r', '-o', '%i %T %r'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/**
 * Slurm holds a requeued task for about two minutes (reason BeginTime) before it may start again; a test has
 * no time for that, so it makes the task eligible at once.
 */
export function releaseRequeued(): void {
  for (const line of queue()) {
    const [id, state, reason] = line.split(' ');
    if (state === 'PENDING' && reason === 'BeginTime') spawnSync('scontrol', ['update', `JobId=${id}`, 'StartTime=now']);
  }
}
