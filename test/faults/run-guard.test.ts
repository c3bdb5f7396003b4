import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { train } from '../../src/engine/trainer';
import { CheckpointStore, readCheckpointDir } from '../../src/engine/checkpoint';
import { NonFiniteLossError, NonFiniteWeightsError } from '../../src/engine/guard';
import { readRunLog } from '../../src/engine/log';
import { TinyLoader, TinyModel, TRAIN_DATA_SEED, dataset, makeVal, tinyExperiment, tmpDir } from './run-tiny';

const maxAbs = (values: Float32Array): number => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

function weightsOf(dir: string): Float32Array[] {
  return Object.values(readCheckpointDir(dir).variables).map((t) => t.values);
}

describe('faults/run: the NaN guard points at a checkpoint that can be resumed', function () {
  this.timeout(60_000);

  it('exploding weights (finite, |w| ~ 1e29) then a non-finite loss: the named checkpoint has finite, sane weights, and resuming from it works', async () => {
    const val = makeVal();
    const runDir = path.join(tmpDir('guard'), 'run');
    // Epoch 1 trains at lr 0.2; from epoch 2 the schedule multiplies it by 1e30: step 4 throws the weights to
    // ~1e29 (still finite, and saved as step 4), step 5's loss overflows.
    const exploding = tinyExperiment({ epochs: 3, checkpointEvery: 1, schedule: { type: 'step', milestones: [1], gamma: 1e30 } });
    const model = new TinyModel();
    let error: NonFiniteLossError | undefined;
    await train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, exploding, { runDir, progress: 'quiet' }).catch(
      (e: NonFiniteLossError) => (error = e),
    );
    assert.ok(error instanceof NonFiniteLossError, String(error));
    assert.equal(error.step, 5);
    const store = new CheckpointStore(runDir);
    const good = path.join(store.dir, 'step-00000003');
    assert.match(
      error.message,
      /^non-finite loss at step 5 \(epoch 2\): .*total.* not finite .*; the update was not applied; last good checkpoint \(finite weights, loss [0-9.]+ computed from them\): step 3 at /,
    );
    assert.ok(error.message.includes(`step 3 at ${good}, which 'last' now names`), error.message);
    assert.ok(!error.message.includes('\n'));
    // What the old guard called the last good checkpoint: step 4, finite but exploded.
    assert.ok(weightsOf(path.join(store.dir, 'step-00000004')).some((w) => maxAbs(w) > 1e20));
    // The named one is sane, and the record now resumes from it.
    for (const w of weightsOf(good)) assert.ok(w.every(Number.isFinite) && maxAbs(w) < 10, `|w| ${maxAbs(w)}`);
    const record = store.record()!;
    assert.deepEqual([record.last.dir, record.lastGood?.dir, record.lastGood?.step], ['step-00000003', 'step-00000003', 3]);
    assert.ok(Number.isFinite(record.lastGood!.loss));
    const logged = readRunLog(runDir)
      .filter((r) => r.kind === 'event')
      .map((r) => r as { event: string; message: string });
    assert.deepEqual(
      logged.map((e) => e.event),
      ['start', 'non-finite'],
    );
    assert.equal(logged[1].message, error.message);
    model.dispose();

    // Resume with a sane schedule: it continues from step 3 to the end with finite weights.
    const resumed = new TinyModel();
    const sane = tinyExperiment({ epochs: 3, checkpointEvery: 1, schedule: { type: 'step', milestones: [1], gamma: 0.5 } });
    const result = await train(resumed, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, sane, {
      runDir,
      progress: 'quiet',
      resume: true,
      allowConfigChange: true,
    });
    assert.equal(result.status, 'done');
    assert.ok(maxAbs(resumed.w.dataSync() as Float32Array) < 10);
    const events = readRunLog(runDir)
      .filter((r) => r.kind === 'event')
      .map((r) => r as { event: string; message: string });
    // The resume truncates the log to step 3, as for any resume: the records after it are re-run.
    assert.deepEqual(
      events.map((e) => e.event),
      ['start', 'resume', 'done'],
    );
    assert.match(events[1].message, /step-00000003; accepted config changes: train\.schedule\.gamma 1e\+30 → 0\.5$/);
    resumed.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('an update that makes the weights non-finite is never saved; the error names the variable and the good checkpoint', async () => {
    const val = makeVal();
    const runDir = path.join(tmpDir('guard-weights'), 'run');
    // lr × 1e40 is beyond float32: step 4's update turns the weights into ±Infinity/NaN with a finite loss.
    const overflowing = tinyExperiment({ epochs: 3, checkpointEvery: 1, schedule: { type: 'step', milestones: [1], gamma: 1e40 } });
    const model = new TinyModel();
    await assert.rejects(
      train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, overflowing, { runDir, progress: 'quiet' }),
      (e: Error) =>
        e instanceof NonFiniteWeightsError &&
        /^non-finite values in variable 'tiny\/[wb]' \(value (-?Infinity|NaN) at index \d\) after step 4 \(epoch 2\); this state was not saved; last good checkpoint .*: step 3 at .*step-00000003/.test(
          e.message,
        ),
    );
    const store = new CheckpointStore(runDir);
    assert.ok(!fs.existsSync(path.join(store.dir, 'step-00000004')));
    assert.equal(store.load('last').step, 3);
    model.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('with no checkpoint known good (the loss blows up right after the first save) the error says so', async () => {
    const val = makeVal();
    const runDir = path.join(tmpDir('guard-none'), 'run');
    const model = new TinyModel();
    await assert.rejects(
      train(
        model,
        { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val },
        tinyExperiment({ checkpointEvery: 1, optimizer: { ...tinyExperiment().train.optimizer, lr: 1e30 } }),
        { runDir, progress: 'quiet' },
      ),
      (e: Error) =>
        e instanceof NonFiniteLossError &&
        /^non-finite loss at step 2 .*; no checkpoint of this run is known good \(none had a finite loss computed from its weights\); start a new run with a lower train\.optimizer\.lr$/.test(
          e.message,
        ),
    );
    assert.equal(new CheckpointStore(runDir).record()?.lastGood, null);
    model.dispose();
    tf.dispose([val.x, val.y]);
  });
});
