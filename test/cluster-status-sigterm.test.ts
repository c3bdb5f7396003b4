import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makePlan, writePlan } from '../src/pipeline/jobs';
import { REQUEUE_GRACE_MS, SIGTERM_EXIT, planStatus } from '../src/pipeline/executors/status';
import { addSubmission } from '../src/pipeline/executors/submissions';
import { taskExitFile } from '../src/pipeline/executors/slurm-script';
import { slurmDirOf } from '../src/pipeline/executors/slurm';
import { tinyExperiment } from './helpers/cli-tiny';

// Between a requeue (or preemption) and its next PENDING a task is in no Slurm queue while its exit record already
// says 143; it used to read failed there (a flaky requeue test on the real cluster). Here squeue cannot answer
// (no cluster is configured for this process), which is the case the grace must also cover.
describe('cluster status: a task stopped by SIGTERM is pending while Slurm may requeue it, failed after', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-status-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function planWithExit(name: string, status: number): { plan: ReturnType<typeof makePlan>; planFile: string; exitAt: number } {
    const experimentFile = path.join(dir, `${name}.json`);
    fs.writeFileSync(experimentFile, JSON.stringify(tinyExperiment(name)));
    const plan = makePlan(name, [{ id: name, experimentFile, sets: [], runDir: path.join(dir, 'runs', name), labels: { row: name, fold: null, seed: null } }]);
    const planFile = path.join(dir, name, 'jobs.json');
    writePlan(planFile, plan);
    const slurmDir = slurmDirOf(planFile);
    fs.mkdirSync(slurmDir, { recursive: true });
    addSubmission(slurmDir, { jobId: '41', indices: [0], script: path.join(slurmDir, 'task.sh'), submittedAt: new Date().toISOString() });
    fs.mkdirSync(path.dirname(taskExitFile(slurmDir, 0)), { recursive: true });
    fs.writeFileSync(taskExitFile(slurmDir, 0), `41 ${status} 0\n`);
    return { plan, planFile, exitAt: fs.statSync(taskExitFile(slurmDir, 0)).mtimeMs };
  }

  it(`exit ${SIGTERM_EXIT}: pending within ${REQUEUE_GRACE_MS / 1000} s of the exit, failed after`, () => {
    const { plan, planFile, exitAt } = planWithExit('term', SIGTERM_EXIT);
    const soon = planStatus(plan, planFile, exitAt + 5_000)[0];
    assert.equal(soon.state, 'pending', JSON.stringify(soon));
    assert.match(soon.detail, /stopped by SIGTERM 5 s ago: waiting for Slurm to requeue it \(failed if not back within 60 s\)/);
    const late = planStatus(plan, planFile, exitAt + REQUEUE_GRACE_MS + 1_000)[0];
    assert.equal(late.state, 'failed', JSON.stringify(late));
    assert.match(late.detail, /exit status 143/);
  });

  it('any other failing exit status is failed at once', () => {
    const { plan, planFile, exitAt } = planWithExit('crash', 1);
    const s = planStatus(plan, planFile, exitAt + 1_000)[0];
    assert.equal(s.state, 'failed', JSON.stringify(s));
    assert.match(s.detail, /exit status 1/);
  });
});
