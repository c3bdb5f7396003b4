/**
 * Progress of a plan whose runs train in other processes (the local-parallel executor): the runs' own log files
 * (runs/<name>/log.jsonl, read with the one run-log reader) say how far each run is, so the parent process can
 * print one line for all of them without any channel to its children. Steps done count across runs, and the
 * remaining time is the remaining steps at the rate measured since the plan started.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readRunLog } from '../../core/run-log';
import type { RunJob } from '../jobs';

/** The step budget a job's overrides give it (the last `train.maxSteps=` wins), or null when they give none. */
export function plannedSteps(job: RunJob): number | null {
  let steps: number | null = null;
  for (const s of job.sets) {
    const m = /^train\.maxSteps=(\d+)$/.exec(s);
    if (m) steps = Number(m[1]);
  }
  return steps;
}

/** The last step a run has logged (0 when it has not started or has no log yet; a torn log reads as far as it is whole). */
export function loggedStep(runDir: string): number {
  if (!fs.existsSync(path.join(runDir, 'log.jsonl'))) return 0;
  let last = 0;
  try {
    for (const r of readRunLog(runDir)) if (r.kind !== 'event' && r.step > last) last = r.step;
  } catch {
    // A log being rewritten right now is read again at the next tick; progress is only a display.
  }
  return last;
}

export interface PlanProgressState {
  /** Jobs 0..started-1 have been started (in index order); those not running have ended. */
  started: number;
  running: readonly number[];
}

/** One line: `4/12 runs done; running fold2 cpu-jasrnet 120/300, …; 1,320/3,600 steps, 6.1 min, ~9 min left`. */
export function planProgressLine(jobs: RunJob[], state: PlanProgressState, startStep: number[], elapsedSec: number): string {
  let total = 0;
  let done = 0;
  let doneSinceStart = 0;
  const parts: string[] = [];
  jobs.forEach((job, i) => {
    const planned = plannedSteps(job);
    if (planned === null) return;
    const finished = i < state.started && !state.running.includes(i);
    const at = finished ? planned : Math.min(planned, loggedStep(job.runDir));
    total += planned;
    done += at;
    doneSinceStart += Math.max(0, at - startStep[i]);
    if (state.running.includes(i)) parts.push(`${job.id} ${at}/${planned}`);
  });
  const rate = elapsedSec > 0 ? doneSinceStart / elapsedSec : 0;
  const left = rate > 0 ? `, ~${Math.ceil((total - done) / rate / 60)} min left` : '';
  const running = parts.length > 0 ? `; running ${parts.join(', ')}` : '';
  const ended = state.started - state.running.length;
  return `${ended}/${jobs.length} runs done${running}; ${done}/${total} steps, ${(elapsedSec / 60).toFixed(1)} min${left}`;
}
