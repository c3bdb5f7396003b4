/**
 * The local-parallel executor's progress line: read from the runs' own log.jsonl files (the one run-log reader),
 * counting steps across runs and a remaining time from the steps trained since the plan started.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loggedStep, planProgressLine, plannedSteps } from '../src/pipeline/executors/plan-progress';
import type { RunJob } from '../src/pipeline/jobs';

function stepLine(step: number): string {
  return JSON.stringify({ kind: 'step', epoch: 1, step, lr: 0.001, loss: { total: 1 }, gradNorm: 1, imagesPerSec: 10, elapsedSec: step });
}

describe('pipeline/executors/plan-progress: one progress line for runs training in other processes', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-plan-progress-'));
  const job = (id: string, sets: string[]): RunJob => ({
    id,
    experimentFile: '/x.json',
    sets,
    runDir: path.join(root, id),
    labels: { row: id, fold: null, seed: null },
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('takes the budget from the last train.maxSteps override and the step from the last whole log line', () => {
    assert.equal(plannedSteps(job('a', ['data.fold=1', 'train.maxSteps=500', 'train.maxSteps=300'])), 300);
    assert.equal(plannedSteps(job('b', ['data.fold=1'])), null);
    const dir = path.join(root, 'logged');
    fs.mkdirSync(dir);
    assert.equal(loggedStep(dir), 0, 'no log yet');
    // A torn last line (a write in progress) is skipped by the reader, so the step is the last whole one.
    fs.writeFileSync(path.join(dir, 'log.jsonl'), `${stepLine(5)}\n${stepLine(10)}\n{"kind":"st`);
    assert.equal(loggedStep(dir), 10);
  });

  it('counts finished, running and waiting runs, and estimates the time left from the steps trained since start', () => {
    const jobs = [
      job('bicubic', []),
      job('sr.fold1', ['train.maxSteps=300']),
      job('jasr.fold1', ['train.maxSteps=300']),
      job('jasr.fold2', ['train.maxSteps=300']),
    ];
    fs.mkdirSync(jobs[2].runDir, { recursive: true });
    fs.writeFileSync(path.join(jobs[2].runDir, 'log.jsonl'), `${stepLine(60)}\n${stepLine(150)}\n`);
    // Jobs 0 and 1 ended, job 2 runs at step 150, job 3 waits: 450 of 900 steps in 2 min at 450 steps / 120 s.
    const line = planProgressLine(jobs, { started: 3, running: [2] }, [0, 0, 0, 0], 120);
    assert.equal(line, '2/4 runs done; running jasr.fold1 150/300; 450/900 steps, 2.0 min, ~2 min left');
    // A run resumed at step 60 counts only its new steps in the rate: (300 + 90) steps in 120 s → 510 left ≈ 2.6 min.
    assert.match(planProgressLine(jobs, { started: 3, running: [2] }, [0, 0, 60, 0], 120), /~3 min left$/);
    // Before anything starts, a run left half-trained by an earlier invocation already counts its steps.
    assert.equal(planProgressLine(jobs, { started: 0, running: [] }, [0, 0, 150, 0], 0), '0/4 runs done; 150/900 steps, 0.0 min');
  });
});
