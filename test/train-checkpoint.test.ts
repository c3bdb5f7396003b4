import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointState, CheckpointStore, restoreVariables, snapshotVariables } from '../src/engine/checkpoint';

function tmpRun(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-ckpt-'));
}

/** A small state with distinct, non-trivial values in every tensor. */
function makeState(step: number, psnr: number | null): CheckpointState {
  const w = Float32Array.from({ length: 6 }, (_, i) => Math.sin(step + i) * 3.7);
  const b = Float32Array.from([step * 0.125]);
  return {
    epoch: Math.floor(step / 3),
    step,
    variables: { 'conv/w': { shape: [2, 3], values: w }, 'conv/b': { shape: [1], values: b } },
    optimizer: {
      step,
      slots: {
        'conv/w': { shape: [2, 3], m: w.map((x) => x * 0.1), v: w.map((x) => x * x) },
        'conv/b': { shape: [1], m: Float32Array.from([0.5]), v: Float32Array.from([0.25]) },
      },
    },
    rng: { seed: 1, draws: step * 10 },
    dataPosition: { epoch: 0, index: step },
    experiment: { name: 'unit', train: { epochs: 2 } },
    metrics: [{ epoch: 1, psnr: 20.5 }],
    trainer: { lossSum: 1.5 },
    selection: psnr === null ? null : { metric: 'psnr', value: psnr, higherIsBetter: true, epoch: Math.floor(step / 3) },
  };
}

describe('train/checkpoint: atomic, verified checkpoints', () => {
  it('round-trips every field and every tensor value exactly', () => {
    const store = new CheckpointStore(tmpRun());
    const s = makeState(7, 21.25);
    store.save(s, { candidateBest: true });
    const back = store.load('last');
    assert.deepEqual(back, s);
    assert.deepEqual(store.load('best'), s);
  });

  it('best moves only on a strictly better value; last always moves; old directories are removed', () => {
    const run = tmpRun();
    const store = new CheckpointStore(run);
    store.save(makeState(3, 20), { candidateBest: true });
    const r2 = store.save(makeState(6, 19), { candidateBest: true });
    assert.equal(r2.isBest, false);
    assert.equal(store.load('best').step, 3);
    assert.equal(store.load('last').step, 6);
    const r3 = store.save(makeState(9, 22), { candidateBest: true });
    assert.equal(r3.isBest, true);
    assert.equal(store.load('best').step, 9);
    const dirs = fs.readdirSync(path.join(run, 'checkpoints')).filter((f) => f.startsWith('step-'));
    assert.deepEqual(dirs.sort(), ['step-00000009']);
  });

  it('a corrupted byte in tensors.bin is a clear error naming the file', () => {
    const store = new CheckpointStore(tmpRun());
    const { dir } = store.save(makeState(4, null));
    const file = path.join(dir, 'tensors.bin');
    const bytes = fs.readFileSync(file);
    bytes[5] ^= 0x40;
    fs.writeFileSync(file, bytes);
    assert.throws(
      () => store.load('last'),
      (e: Error) => e.message.includes(file) && /checksum mismatch/.test(e.message),
    );
  });

  it('an edited meta.json is detected by its own checksum, naming the file', () => {
    const store = new CheckpointStore(tmpRun());
    const { dir } = store.save(makeState(4, null));
    const file = path.join(dir, 'meta.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"step": 4', '"step": 5'));
    assert.throws(
      () => store.load('last'),
      (e: Error) => e.message.includes(file) && /checksum mismatch/.test(e.message),
    );
    fs.writeFileSync(file, '{"format": "jasr-che');
    assert.throws(
      () => store.load('last'),
      (e: Error) => e.message.includes(file) && /not valid JSON/.test(e.message),
    );
  });

  it('a crash at any stage of a save leaves the previous checkpoint as last, intact and loadable', () => {
    for (const stage of ['tensors-written', 'meta-written', 'verified'] as const) {
      const run = tmpRun();
      const store = new CheckpointStore(run);
      const good = makeState(3, 20);
      store.save(good, { candidateBest: true });
      assert.throws(
        () =>
          store.save(makeState(6, 30), {
            candidateBest: true,
            onStage: (s) => {
              if (s === stage) throw new Error(`simulated crash after ${s}`);
            },
          }),
        /simulated crash/,
      );
      assert.deepEqual(store.load('last'), good, `after a crash at ${stage}`);
      assert.deepEqual(store.load('best'), good);
      // The next save cleans up and succeeds.
      store.save(makeState(9, 10));
      assert.equal(store.load('last').step, 9);
      assert.ok(!fs.readdirSync(path.join(run, 'checkpoints')).some((f) => f.startsWith('.tmp-')));
    }
  });

  it('restoreVariables checks names and shapes against the model, naming the checkpoint and the variable', () => {
    const store = new CheckpointStore(tmpRun());
    const w = tf.variable(tf.zeros([2, 3]));
    const b = tf.variable(tf.zeros([1]));
    const { dir } = store.save(makeState(2, null));
    const saved = store.load('last').variables;
    restoreVariables({ 'conv/w': w, 'conv/b': b }, saved, dir);
    assert.deepEqual(Array.from(w.dataSync()), Array.from(makeState(2, null).variables['conv/w'].values));
    const wrong = tf.variable(tf.zeros([3, 2]));
    assert.throws(
      () => restoreVariables({ 'conv/w': wrong, 'conv/b': b }, saved, dir),
      (e: Error) => e.message.includes(dir) && e.message.includes("variable 'conv/w' has shape [2,3] in the checkpoint, the model expects [3,2]"),
    );
    assert.throws(() => restoreVariables({ 'conv/w': w }, saved, dir), /not in model: conv\/b/);
    assert.deepEqual(snapshotVariables({ 'conv/w': w })['conv/w'].shape, [2, 3]);
    tf.dispose([w, b, wrong]);
  });

  it('loading a run without checkpoints says so, naming the pointer record', () => {
    const run = tmpRun();
    assert.throws(
      () => new CheckpointStore(run).load('best'),
      (e: Error) => e.message.includes(path.join(run, 'checkpoints', 'checkpoints.json')) && /no 'best' checkpoint/.test(e.message),
    );
  });
});
