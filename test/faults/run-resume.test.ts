import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ResumeConfigError, TrainingInterruptedError, train } from '../../src/engine/trainer';
import { DEFAULT_TRAIN_CONFIG } from '../../src/engine/config';
import { CheckpointStore } from '../../src/engine/checkpoint';
import { readRunLog } from '../../src/engine/log';
import { command as trainCommand } from '../../src/cli/train';
import { runState } from '../../src/pipeline/run-experiment';
import { writeTinyExperiment } from '../helpers/cli-tiny';
import { TinyLoader, TinyModel, TRAIN_DATA_SEED, dataset, learningRecords, makeVal, tinyExperiment, tmpDir } from './run-tiny';

const ROOT = path.join(__dirname, '..', '..');

function events(runDir: string): { event: string; message: string }[] {
  return readRunLog(runDir)
    .filter((r) => r.kind === 'event')
    .map((r) => r as { event: string; message: string });
}

describe('faults/run: resume refuses a changed recipe; an interruption saves and says how to resume', function () {
  this.timeout(120_000);

  it('resume with a changed lr, batch size and seed is refused naming each key (old → new); allowed and logged with the flag', async () => {
    const val = makeVal();
    const runDir = path.join(tmpDir('resume-config'), 'run');
    const model = new TinyModel();
    await train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ maxSteps: 4 }), { runDir, progress: 'quiet' });
    const changed = tinyExperiment({ optimizer: { ...DEFAULT_TRAIN_CONFIG.optimizer, lr: 0.05, weightDecay: 0.01 }, batchSize: 4, seed: 7 });
    const logBefore = fs.readFileSync(path.join(runDir, 'log.jsonl'), 'utf8');
    await assert.rejects(
      train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, changed, { runDir, progress: 'quiet', resume: true }),
      (e: Error) =>
        e instanceof ResumeConfigError &&
        e.message ===
          `${runDir}: --resume with a config that differs from the run's (train.batchSize 2 → 4, train.optimizer.lr 0.2 → 0.05, train.seed 1 → 7); resume with the recorded values, pass --allow-config-change to accept the change (it is logged), or start a new run`,
    );
    assert.equal(fs.readFileSync(path.join(runDir, 'log.jsonl'), 'utf8'), logBefore, 'a refused resume writes nothing');
    // Budgets may change without the flag (epochs 4 → 5, maxSteps 4 → unset).
    const budget = await train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ epochs: 5, maxSteps: 6 }), {
      runDir,
      progress: 'quiet',
      resume: true,
    });
    assert.equal(budget.step, 6);
    const accepted = await train(
      model,
      { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val },
      { ...changed, train: { ...changed.train, epochs: 5 } },
      { runDir, progress: 'quiet', resume: true, allowConfigChange: true },
    );
    assert.equal(accepted.step, 15);
    const resume = events(runDir).filter((e) => e.event === 'resume');
    assert.equal(resume.length, 2);
    assert.match(resume[1].message, /; accepted config changes: train\.batchSize 2 → 4, train\.optimizer\.lr 0\.2 → 0\.05, train\.seed 1 → 7$/);
    // Later checkpoints record the accepted config: resuming with it again needs no flag.
    assert.equal((new CheckpointStore(runDir).load('last').experiment as { train: { seed: number } }).train.seed, 7);
    model.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('an abort (what SIGTERM or Ctrl-C do in the CLI) saves after the current step, carries exit status 143, and a resume equals an uninterrupted run', async () => {
    const val = makeVal();
    const root = tmpDir('abort');
    const refDir = path.join(root, 'reference');
    const ref = new TinyModel();
    await train(ref, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), { runDir: refDir, progress: 'quiet' });
    const runDir = path.join(root, 'run');
    const controller = new AbortController();
    const model = new TinyModel();
    await assert.rejects(
      train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), {
        runDir,
        progress: 'quiet',
        signal: controller.signal,
        resumeCommand: 'jasr train --config tiny.json --resume',
        onProgress: (p) => (p.step === 5 ? controller.abort('SIGTERM') : undefined),
      }),
      (e: Error) =>
        e instanceof TrainingInterruptedError &&
        e.exitCode === 143 &&
        e.message ===
          `interrupted by SIGTERM at step 5; the state is saved in ${path.join(runDir, 'checkpoints', 'step-00000005')}; resume with: jasr train --config tiny.json --resume`,
    );
    assert.equal(new CheckpointStore(runDir).load('last').step, 5, 'step 5 is mid-epoch 2: saved on the way out');
    model.dispose();
    const resumed = new TinyModel();
    await train(resumed, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), { runDir, progress: 'quiet', resume: true });
    assert.deepEqual(learningRecords(runDir), learningRecords(refDir));
    assert.deepEqual(Array.from(resumed.w.dataSync()), Array.from(ref.w.dataSync()));
    assert.deepEqual(
      events(runDir).map((e) => e.event),
      ['start', 'error', 'resume', 'done'],
    );
    for (const m of [ref, resumed]) m.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('a run that died before its first checkpoint resumes from step 0 (and counts as partial for reproduce)', async () => {
    const val = makeVal();
    const root = tmpDir('no-checkpoint');
    const refDir = path.join(root, 'reference');
    const ref = new TinyModel();
    await train(ref, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), { runDir: refDir, progress: 'quiet' });
    const runDir = path.join(root, 'run');
    let batches = 0;
    const crashing = new TinyLoader(dataset(TRAIN_DATA_SEED), {
      gate: async () => {
        if (++batches === 3) throw new Error('simulated crash before the first checkpoint');
      },
    });
    const model = new TinyModel();
    await assert.rejects(train(model, { train: crashing, val }, tinyExperiment(), { runDir, progress: 'quiet' }), /simulated crash/);
    model.dispose();
    assert.equal(new CheckpointStore(runDir).record(), null);
    assert.equal(runState(runDir), 'partial');
    const resumed = new TinyModel();
    await train(resumed, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), { runDir, progress: 'quiet', resume: true });
    assert.deepEqual(learningRecords(runDir), learningRecords(refDir));
    assert.deepEqual(
      events(runDir).map((e) => e.event),
      ['start', 'resume', 'done'],
    );
    // A resume of a directory with neither log nor checkpoint has nothing to continue.
    await assert.rejects(
      train(resumed, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), {
        runDir: path.join(root, 'empty'),
        progress: 'quiet',
        resume: true,
      }),
      /checkpoints\.json: no 'last' checkpoint in .*: nothing to resume \(start the run without --resume\)/,
    );
    for (const m of [ref, resumed]) m.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('Ctrl-C on `jasr train` prints the exact resume command and exits 130; that command continues the run, and a changed lr is refused', async () => {
    const root = tmpDir('sigint');
    const config = writeTinyExperiment(root);
    const runDir = path.join(root, 'run');
    const sets = ['--set', 'train.maxSteps=4', '--set', 'train.epochs=2', '--set', 'train.checkpointEvery=1'];
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'jasr.js'), 'train', '--config', config, ...sets, '--run-dir', runDir, '--progress', 'quiet'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Interrupt once the first step is logged.
    const logFile = path.join(runDir, 'log.jsonl');
    const stepLogged = (): boolean => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('"kind":"step"');
    for (let i = 0; i < 600 && !stepLogged(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(stepLogged(), `no step logged: ${stderr}`);
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, `stderr: ${stderr}`);
    const resumeCommand = `jasr train --config ${config} --set train.maxSteps=4 --set train.epochs=2 --set train.checkpointEvery=1 --run-dir ${runDir} --resume`;
    const last = stderr.trim().split('\n').pop()!;
    assert.match(
      last,
      new RegExp(
        `^jasr train: interrupted by SIGINT at step [1-3]; the state is saved in .*step-0000000[1-3]; resume with: ${resumeCommand.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`,
      ),
    );
    const interruptedAt = Number(/at step (\d)/.exec(last)![1]);
    assert.equal(new CheckpointStore(runDir).load('last').step, interruptedAt);

    const argv = resumeCommand.split(' ').slice(2);
    await assert.rejects(
      trainCommand.run([...argv, '--set', 'train.optimizer.lr=0.002', '--progress', 'quiet']),
      /differs from the run's \(train\.optimizer\.lr 0\.001 → 0\.002\)/,
    );
    const printed: string[] = [];
    const original = console.log;
    console.log = (...parts: unknown[]) => printed.push(parts.join(' '));
    try {
      assert.equal(await trainCommand.run([...argv, '--progress', 'quiet']), 0);
    } finally {
      console.log = original;
    }
    const steps = readRunLog(runDir)
      .filter((r) => r.kind === 'step')
      .map((r) => r.step);
    assert.deepEqual(steps, [1, 2, 3, 4]);
    assert.deepEqual(
      events(runDir).map((e) => e.event),
      ['start', 'error', 'resume', 'done'],
    );
  });
});
