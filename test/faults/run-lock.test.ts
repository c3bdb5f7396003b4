import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import { PassThrough } from 'stream';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { train } from '../../src/engine/trainer';
import { LockedError } from '../../src/core/lock';
import { readRunLog } from '../../src/engine/log';
import { ProgressReporter } from '../../src/engine/progress';
import { writeTinyExperiment } from '../helpers/cli-tiny';
import { TinyLoader, TinyModel, TRAIN_DATA_SEED, dataset, learningRecords, makeVal, startTinyChild, tinyExperiment, tmpDir } from './run-tiny';

const ROOT = path.join(__dirname, '..', '..');

/** `jasr train …` in a child process; resolves with its exit code and stderr. */
function jasrTrainChild(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jasr.js'), 'train', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('faults/run: one writer per run directory', function () {
  this.timeout(120_000);

  it('while a training holds the run directory, a second train() and a second `jasr train` are refused in one line; the first run is intact', async () => {
    const root = tmpDir('lock');
    const runDir = path.join(root, 'run');
    const val = makeVal();
    // The first training parks before its third batch until the two intruders have been turned away.
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    let batches = 0;
    let parked: () => void = () => undefined;
    const isParked = new Promise<void>((r) => (parked = r));
    const gate = async (): Promise<void> => {
      batches += 1;
      if (batches === 3) {
        parked();
        await released;
      }
    };
    const model = new TinyModel();
    const first = train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED), { gate }), val }, tinyExperiment({ checkpointEvery: 1 }), {
      runDir,
      progress: 'quiet',
    });
    await isParked;

    const intruder = new TinyModel();
    await assert.rejects(
      train(intruder, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), { runDir, progress: 'quiet', resume: true }),
      (e: Error) => e instanceof LockedError && e.message === `${path.resolve(runDir)}: in use by another training in this process; wait for it to finish`,
    );
    intruder.dispose();
    const config = writeTinyExperiment(root);
    const cli = await jasrTrainChild(['--config', config, '--run-dir', runDir, '--progress', 'quiet']);
    assert.equal(cli.code, 1, cli.stderr);
    const lines = cli.stderr.trim().split('\n');
    assert.equal(lines.length, 1, cli.stderr);
    assert.match(
      lines[0],
      new RegExp(`^jasr train: ${path.resolve(runDir)}: in use by jasr train \\(pid ${process.pid} on .* since .*\\); wait for it to finish`),
    );

    release();
    const result = await first;
    assert.equal(result.step, 12);
    // Nothing of the intruders is in the run: the log equals that of an undisturbed run, once.
    const refDir = path.join(root, 'reference');
    const ref = new TinyModel();
    await train(ref, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ checkpointEvery: 1 }), { runDir: refDir, progress: 'quiet' });
    assert.deepEqual(learningRecords(runDir), learningRecords(refDir));
    const events = readRunLog(runDir)
      .filter((r) => r.kind === 'event')
      .map((r) => (r as { event: string }).event);
    assert.deepEqual(events, ['start', 'done']);
    assert.ok(!fs.existsSync(path.join(runDir, '.jasr-lock')), 'the lock is released at the end');
    for (const m of [model, ref]) m.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('a lock held by another live process refuses train(); once that process is killed its lock is stale and resume takes over', async () => {
    const runDir = path.join(tmpDir('lock-child'), 'run');
    const child = startTinyChild(runDir, { delayMs: 400, train: { checkpointEvery: 1 } });
    await child.ready;
    // The child takes the lock right after printing `ready`: wait until its lock file is there.
    for (let i = 0; i < 100 && !fs.existsSync(path.join(runDir, '.jasr-lock')); i++) await new Promise((r) => setTimeout(r, 50));
    const val = makeVal();
    const model = new TinyModel();
    await assert.rejects(
      train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), { runDir, progress: 'quiet', resume: true }),
      (e: Error) => e instanceof LockedError && e.message.includes(`in use by jasr train (pid ${child.child.pid} on`) && !e.message.includes('\n'),
    );
    await new Promise((r) => setTimeout(r, 1000)); // let it save a checkpoint or two
    child.child.kill('SIGKILL');
    await child.exited;
    let printed = '';
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => (printed += d.toString()));
    const result = await train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ checkpointEvery: 1 }), {
      runDir,
      resume: true,
      progress: new ProgressReporter({ mode: 'plain', stream }),
    });
    assert.equal(result.status, 'done');
    assert.match(printed, new RegExp(`took over the lock of .* from pid ${child.child.pid} on .*, which is gone`));
    assert.match(printed, /resumed tiny at step [1-9]/);
    model.dispose();
    tf.dispose([val.x, val.y]);
  });
});
