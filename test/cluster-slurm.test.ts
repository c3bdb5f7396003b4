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

const SLURM = withOverrides(DEFAULT_SLURM_OPTIONS, { partition: 'debug', mem: '1500M', time: '10:00', signalSeconds: 60 }, 'test');

function write(file: string, value: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

/** Bytes of a run's `last` checkpoint weights, and the loss of every step (a step logged twice, before an interruption and after the resume, counts once: its last record). */
function runFingerprint(runDir: string): { weights: Buffer; losses: number[]; step: number } {
  const last = new CheckpointStore(runDir).path('last');
  const steps = readRunLog(runDir).filter((r) => r.kind === 'step') as unknown as Array<{ step: number; loss: { total: number } }>;
  const byStep = new Map(steps.map((s) => [s.step, s.loss.total]));
  return {
    weights: fs.readFileSync(path.join(last, 'tensors.bin')),
    losses: [...byStep.keys()].sort((a, b) => a - b).map((k) => byStep.get(k) as number),
    step: steps[steps.length - 1]?.step ?? -1,
  };
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
    write(path.join(experimentsDir, 'tiny-b.json'), {
      ...tinyExperiment('tiny-b'),
      train: { ...(tinyExperiment().train as object), optimizer: { lr: 0.003 } },
    });
    write(path.join(experimentsDir, 'tables', 'tiny.json'), {
      title: 'tiny',
      description: 'cluster test',
      experiments: ['tiny-bicubic.json', 'tiny-a.json', 'tiny-b.json'],
      metrics: ['psnr', 'ssim', 'nme'],
    });
  });
  after(() => {
    cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a table as a job array; collect gives the local executor’s table; a finished run is reused on resubmission', async () => {
    const common = { experimentsDir, staticFigures: false, log: (): void => undefined };
    const local = await quietly(() =>
      reproduceTable('tiny', {
        ...common,
        runsDir: path.join(dir, 'runs-local'),
        resultsDir: path.join(dir, 'results-local'),
        executor: localExecutor,
        progress: 'quiet',
      }),
    );
    assert.equal(local.value.kind, 'collected');

    const resultsDir = path.join(dir, 'results-slurm');
    const runsDir = path.join(dir, 'runs-slurm');
    const submitted = await reproduceTable('tiny', { ...common, runsDir, resultsDir, executor: slurmExecutor(SLURM) });
    assert.equal(submitted.kind, 'submitted');
    const planFile = submitted.planFile;
    const plan = submitted.kind === 'submitted' ? submitted.planned.plan : (null as never);
    assert.equal(plan.jobs.length, 2);
    const script = fs.readFileSync(path.join(slurmDirOf(planFile), 'array.sbatch'), 'utf8');
    for (const line of [
      '#SBATCH --array=0-1',
      '#SBATCH --requeue',
      '#SBATCH --signal=B:USR1@60',
      '#SBATCH --partition=debug',
      '#SBATCH --mem=1500M',
      '#SBATCH --time=10:00',
    ]) {
      assert.ok(script.split('\n').includes(line), `array.sbatch lacks '${line}'`);
    }
    const [first] = readSubmissions(slurmDirOf(planFile));
    assert.match(first.jobId, /^\d+$/);
    assert.deepEqual(first.indices, [0, 1]);

    const states = await waitFor('both array tasks to finish', settled(plan, planFile), 180_000);
    assert.deepEqual(
      states.map((s) => [s.id, s.state]),
      [
        ['tiny-a', 'done'],
        ['tiny-b', 'done'],
      ],
      JSON.stringify(states),
    );

    const collected = await quietly(() => collectTable('tiny', { ...common, runsDir, resultsDir }));
    const metrics = (r: { rows: Array<{ experiment: string; intervals: unknown }> }): unknown => r.rows.map((row) => [row.experiment, row.intervals]);
    assert.equal(local.value.kind, 'collected');
    if (local.value.kind !== 'collected') return;
    assert.deepEqual(metrics(collected.value), metrics(local.value));
    assert.equal(
      fs.readFileSync(path.join(resultsDir, 'tiny', 'table.md'), 'utf8'),
      fs.readFileSync(path.join(dir, 'results-local', 'tiny', 'table.md'), 'utf8'),
    );
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

  it('a task warned of its time limit (USR1) saves, requeues itself and finishes bit-identical to an uninterrupted run', async () => {
    // 6 steps over two epochs, so the signal lands mid-training.
    const long = {
      ...tinyExperiment('tiny-long'),
      data: { format: 'synthetic', scale: 8, syntheticCounts: [6, 2, 2] },
      train: { ...(tinyExperiment().train as object), epochs: 2, maxSteps: 6 },
    };
    const file = write(path.join(experimentsDir, 'tiny-long.json'), long);
    const job = (runDir: string) => ({ id: 'tiny-long', experimentFile: file, sets: [], runDir, labels: { row: 'tiny-long', fold: null, seed: null } });
    const reference = path.join(dir, 'runs-ref', 'tiny-long');
    assert.equal(await runJob(job(reference), { progress: 'quiet' }), 'trained');

    const planFile = path.join(dir, 'results-requeue', 'long', 'jobs.json');
    const plan = makePlan('long', [job(path.join(dir, 'runs-requeue', 'tiny-long'))]);
    writePlan(planFile, plan);
    const report = await slurmExecutor(SLURM).execute(plan, { planFile });
    assert.equal(report.kind, 'submitted');
    const [{ jobId }] = readSubmissions(slurmDirOf(planFile));
    const runDir = plan.jobs[0].runDir;
    const stepsLogged = (): number => (fs.existsSync(path.join(runDir, 'log.jsonl')) ? readRunLog(runDir).filter((r) => r.kind === 'step').length : 0);
    await waitFor('two logged steps', () => (stepsLogged() >= 2 ? true : undefined), 120_000, 200);
    // What Slurm does `signalSeconds` before the time limit: SIGUSR1 to the batch shell only.
    assert.equal(spawnSync('scancel', ['--batch', '--signal=USR1', `${jobId}_0`]).status, 0);
    const states = await waitFor('the requeued task to finish', settled(plan, planFile), 180_000);
    assert.equal(states[0].state, 'done', JSON.stringify(states));

    const log = fs.readFileSync(path.join(slurmDirOf(planFile), 'logs', 'task-0.log'), 'utf8');
    assert.match(log, /USR1[\s\S]*exited with status 75[\s\S]*requeueing/);
    assert.match(log, /restart 1,[\s\S]*resuming[\s\S]*run-job outcome: resumed/);
    const interrupted = runFingerprint(runDir);
    const uninterrupted = runFingerprint(reference);
    assert.equal(interrupted.step, 6);
    assert.deepEqual(interrupted.losses, uninterrupted.losses);
    assert.equal(interrupted.losses.length, 6);
    assert.ok(interrupted.weights.equals(uninterrupted.weights), 'the resumed run’s weights differ from the uninterrupted run’s');
  });

  it('a task requeued by Slurm (SIGTERM, as on preemption) saves, exits 143 and resumes from its checkpoint', async () => {
    const file = write(path.join(experimentsDir, 'tiny-term.json'), {
      ...tinyExperiment('tiny-term'),
      data: { format: 'synthetic', scale: 8, syntheticCounts: [6, 2, 2] },
      train: { ...(tinyExperiment().train as object), epochs: 2, maxSteps: 6 },
    });
    const planFile = path.join(dir, 'results-term', 'term', 'jobs.json');
    const runDir = path.join(dir, 'runs-term', 'tiny-term');
    const plan = makePlan('term', [{ id: 'tiny-term', experimentFile: file, sets: [], runDir, labels: { row: 'tiny-term', fold: null, seed: null } }]);
    writePlan(planFile, plan);
    await slurmExecutor(SLURM).execute(plan, { planFile });
    const [{ jobId }] = readSubmissions(slurmDirOf(planFile));
    await waitFor(
      'two logged steps',
      () => (fs.existsSync(path.join(runDir, 'log.jsonl')) && readRunLog(runDir).filter((r) => r.kind === 'step').length >= 2 ? true : undefined),
      120_000,
      200,
    );
    assert.equal(spawnSync('scontrol', ['requeue', `${jobId}_0`]).status, 0);
    const states = await waitFor('the requeued task to finish', settled(plan, planFile), 180_000);
    assert.equal(states[0].state, 'done', JSON.stringify(states));
    const log = fs.readFileSync(path.join(slurmDirOf(planFile), 'logs', 'task-0.log'), 'utf8');
    assert.match(
      log,
      /SIGTERM: saving after the current step[\s\S]*exited with status 143[\s\S]*restart 1,[\s\S]*resumed tiny-term at step [1-5] [\s\S]*run-job outcome: resumed/,
    );
    assert.equal(runFingerprint(runDir).step, 6);
  });

  it('a failing task is reported with its log; --resubmit-failed submits it alone; the finished run is not retrained', async () => {
    const good = path.join(dir, 'runs-fail', 'tiny-ok');
    const okFile = write(path.join(experimentsDir, 'tiny-ok.json'), tinyExperiment('tiny-ok'));
    const badFile = write(path.join(experimentsDir, 'tiny-bad.json'), {
      ...tinyExperiment('tiny-bad'),
      train: { ...(tinyExperiment().train as object), optimizer: { lr: 'fast' } },
    });
    const planFile = path.join(dir, 'results-fail', 'mixed', 'jobs.json');
    const plan = makePlan('mixed', [
      { id: 'tiny-ok', experimentFile: okFile, sets: [], runDir: good, labels: { row: 'tiny-ok', fold: null, seed: null } },
      {
        id: 'tiny-bad',
        experimentFile: badFile,
        sets: [],
        runDir: path.join(dir, 'runs-fail', 'tiny-bad'),
        labels: { row: 'tiny-bad', fold: null, seed: null },
      },
    ]);
    writePlan(planFile, plan);
    await slurmExecutor(SLURM).execute(plan, { planFile });
    const states = await waitFor('both tasks to end', settled(plan, planFile), 180_000);
    assert.deepEqual(
      states.map((s) => s.state),
      ['done', 'failed'],
      `${JSON.stringify(states)}\n${fs.readFileSync(path.join(slurmDirOf(planFile), 'logs', 'task-0.log'), 'utf8')}`,
    );
    const logFile = path.join(slurmDirOf(planFile), 'logs', 'task-1.log');
    assert.equal(states[1].log, logFile);
    assert.equal(states[1].detail, 'exit status 1');
    assert.match(fs.readFileSync(logFile, 'utf8'), /jasr run-job: .*tiny-bad\.json: key 'train\.optimizer\.lr': expected a number, found the string "fast"/);

    const printed = await quietly(() => statusCommand.run(['mixed', '--results-dir', path.join(dir, 'results-fail')]));
    assert.equal(printed.value, 1);
    assert.match(printed.out, new RegExp(`tiny-bad\\s+failed\\s+exit status 1; log ${logFile.replace(/[.]/g, '\\.')}`));
    assert.match(printed.out, /mixed: 1 done, 1 failed of 2 runs/);

    // Fixed config, resubmitted: only index 1 goes to Slurm; the finished run's files stay as they were.
    const before = runFingerprint(good);
    write(badFile, tinyExperiment('tiny-bad'));
    const resubmitted = await quietly(() => statusCommand.run(['mixed', '--results-dir', path.join(dir, 'results-fail'), '--resubmit-failed']));
    assert.equal(resubmitted.value, 0);
    assert.match(resubmitted.out, /resubmitted 1 failed run\(s\) \(tiny-bad\) as Slurm job array \d+/);
    const subs = readSubmissions(slurmDirOf(planFile));
    assert.deepEqual(
      subs.map((s) => s.indices),
      [[0, 1], [1]],
    );
    const after = await waitFor('the resubmitted task to finish', settled(plan, planFile), 180_000);
    assert.deepEqual(
      after.map((s) => s.state),
      ['done', 'done'],
    );
    assert.deepEqual(runFingerprint(good), before);
  });
});
