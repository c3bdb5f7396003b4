/**
 * N runs at a time on this machine, each in its own `jasr run-job <jobs.json> --index i` process (a process per
 * run keeps one run's crash or memory from touching the others, and is exactly what a Slurm task runs). The
 * native kernels' threads are split between the processes so N runs do not oversubscribe the cores.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KnownError } from '../../core/errors';
import type { Executor } from '../executor';
import type { JobOutcome } from '../jobs';
import { KIT_ROOT } from './slurm';
import { loggedStep, planProgressLine } from './plan-progress';

export class ParallelRunError extends KnownError {}

/** Default parallelism: one process per core, at most one per job. */
export function defaultParallelism(): number {
  return Math.max(1, os.cpus().length);
}

const OUTCOME_LINE = /^run-job outcome: (trained|resumed|reused|no training)$/m;

/** How often the parent prints the plan's progress line (the children write their own logs only). */
const PROGRESS_EVERY_MS = 30_000;

export function localParallelExecutor(processes = defaultParallelism(), progressEveryMs = PROGRESS_EVERY_MS): Executor {
  return {
    name: 'local-parallel',
    async execute(plan, opts) {
      const log = opts.log ?? ((): void => undefined);
      const n = Math.max(1, Math.min(processes, plan.jobs.length));
      const threads = Math.max(1, Math.floor(os.cpus().length / n));
      const logDir = path.join(path.dirname(path.resolve(opts.planFile)), 'local-logs');
      fs.mkdirSync(logDir, { recursive: true });
      const outcomes: Record<string, JobOutcome> = {};
      const failures: string[] = [];
      let next = 0;
      const running = new Set<number>();
      const startStep = plan.jobs.map((j) => loggedStep(j.runDir));
      const began = Date.now();
      const tick = (): void => log(planProgressLine(plan.jobs, { started: next, running: [...running] }, startStep, (Date.now() - began) / 1000));
      const ticker = opts.progress === 'quiet' ? null : setInterval(tick, progressEveryMs);
      const runOne = (index: number): Promise<void> =>
        new Promise((resolve) => {
          const job = plan.jobs[index];
          const logFile = path.join(logDir, `${job.id}.log`);
          // The log is appended to (a resumed run keeps its history); this process's lines start at `from`.
          const from = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
          const out = fs.openSync(logFile, 'a');
          running.add(index);
          log(`[${job.id}] started (process ${index + 1}/${plan.jobs.length}; log ${logFile})`);
          const child = spawn(
            process.execPath,
            [path.join(KIT_ROOT, 'bin', 'jasr.js'), 'run-job', path.resolve(opts.planFile), '--index', String(index), '--progress', 'plain'],
            {
              stdio: ['ignore', out, out],
              env: { ...process.env, JASR_NATIVE_THREADS: process.env.JASR_NATIVE_THREADS ?? String(threads) },
            },
          );
          const onAbort = (): void => void child.kill('SIGTERM');
          opts.signal?.addEventListener('abort', onAbort);
          child.on('close', (code, sig) => {
            running.delete(index);
            opts.signal?.removeEventListener('abort', onAbort);
            fs.closeSync(out);
            const m = OUTCOME_LINE.exec(fs.readFileSync(logFile).subarray(from).toString('utf8'));
            if (code === 0 && m) outcomes[job.id] = m[1] as JobOutcome;
            else failures.push(`${job.id} (exit ${code ?? sig}; log ${logFile})`);
            log(`[${job.id}] ${code === 0 ? (m?.[1] ?? 'ended') : `failed with exit status ${code ?? sig}`}`);
            resolve();
          });
        });
      const worker = async (): Promise<void> => {
        while (next < plan.jobs.length && !opts.signal?.aborted) await runOne(next++);
      };
      try {
        await Promise.all(Array.from({ length: n }, worker));
      } finally {
        if (ticker !== null) clearInterval(ticker);
      }
      if (ticker !== null) tick();
      if (failures.length > 0) throw new ParallelRunError(`${failures.length} of ${plan.jobs.length} runs failed: ${failures.join(', ')}`);
      return { kind: 'finished', outcomes };
    },
  };
}
