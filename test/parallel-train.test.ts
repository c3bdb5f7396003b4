import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/model/build';
import { DEFAULT_MODEL_CONFIG, ModelConfig } from '../src/model/config';
import { disposeBatch } from '../src/data/types';
import { JasrTrainable } from '../src/task/jasr-adapter';
import { train } from '../src/engine/trainer';
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from '../src/engine/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { ProgressReporter } from '../src/engine/progress';
import { readRunLog, StepRecord } from '../src/engine/log';
import { TrainRng } from '../src/engine/rng';
import type { TrainableModel } from '../src/engine/trainable';
import { createGradientEngine } from '../src/engine/parallel/engine';
import { shardCounts } from '../src/engine/parallel/shards';
import { jasrReplica } from '../src/task/jasr-replica';
import { coreCount } from '../src/engine/parallel/worker-count';
import { activateNativeKernels, unregisterWasmNativeConvKernels, wasmNativeConvKernelsRegistered } from '../src/backend';
import { LANDMARKS, SyntheticLoader, relativeDistance, snapshot, syntheticBatch } from './helpers/synthetic-faces';

const MODEL: ModelConfig = { ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 1, landmarks: LANDMARKS };

const trainConfig = (workers: number): TrainConfig => ({
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 1,
  batchSize: 3,
  logEvery: 1,
  workers,
  selection: { ...DEFAULT_TRAIN_CONFIG.selection, metric: 'loss' },
  optimizer: { ...DEFAULT_TRAIN_CONFIG.optimizer, lr: 1e-3 },
});

describe('train/parallel: data-parallel training over worker threads', () => {
  it('cuts a batch into near-equal consecutive shards, never more shards than images', () => {
    assert.deepEqual(shardCounts(8, 2), [4, 4]);
    assert.deepEqual(shardCounts(3, 2), [2, 1]);
    assert.deepEqual(shardCounts(7, 3), [3, 2, 2]);
    assert.deepEqual(shardCounts(1, 4), [1]);
  });

  it('one engine step over 2 replicas (shards of 2 and 1 images) equals the same-thread shard mean and the whole-batch gradient', async () => {
    const model = new JasrTrainable(buildModel(MODEL, 1), trainConfig(2), DEFAULT_EVAL_CONFIG);
    const all = model.namedVariables();
    const before = tf.memory().numTensors;
    const ctx = { step: 1, epoch: 1, rng: new TrainRng(1) };
    const single = await createGradientEngine(model, all, all, 1);
    const parallel = await createGradientEngine(model, all, all, 2);
    try {
      assert.equal(single.replicas, 1);
      assert.equal(parallel.replicas, 2, parallel.note ?? '');
      assert.match(parallel.note ?? '', /data-parallel: 2 replicas \(main thread \+ 1 worker\)/);
      const whole = await single.compute(syntheticBatch(3, 7), ctx);
      const par = await parallel.compute(syntheticBatch(3, 7), ctx);
      // The same two shards on this thread, combined with tf ops: what the workers must reproduce.
      const source = syntheticBatch(3, 7);
      const { head, rest } = jasrReplica.split(source, [2, 1]);
      disposeBatch(source);
      const h = await single.compute(head, ctx);
      const r = await single.compute(jasrReplica.fromPayload(rest[0]), ctx);
      assert.deepEqual(Object.keys(par.grads).sort(), Object.keys(whole.grads).sort());
      assert.equal(Object.keys(whole.grads).length, Object.keys(all).length);
      for (const k of ['total', 'pixel', 'heatmap']) {
        assert.ok(Math.abs(par.values[k] - whole.values[k]) <= 1e-5 * Math.abs(whole.values[k]), `${k}: ${par.values[k]} vs ${whole.values[k]}`);
      }
      let worstVsShards = 0;
      const parFlat: number[] = [];
      const wholeFlat: number[] = [];
      for (const k of Object.keys(whole.grads)) {
        const meanT = tf.tidy(() => tf.add(tf.mul(h.grads[k], 2 / 3), tf.mul(r.grads[k], 1 / 3)));
        const mean = meanT.dataSync() as Float32Array;
        meanT.dispose();
        const p = par.grads[k].dataSync() as Float32Array;
        worstVsShards = Math.max(worstVsShards, relativeDistance(p, mean));
        parFlat.push(...p);
        wholeFlat.push(...(whole.grads[k].dataSync() as Float32Array));
      }
      assert.ok(worstVsShards < 1e-5, `worst per-variable relative difference from the same-thread shard mean ${worstVsShards}`);
      const vsWhole = relativeDistance(Float32Array.from(parFlat), Float32Array.from(wholeFlat));
      assert.ok(vsWhole < 1e-4, `relative difference from the whole-batch gradient ${vsWhole}`);
      // A gradient from the main thread's shard alone (2 of 3 images) differs far more than that: the test can fail.
      const headFlat = Object.keys(whole.grads).flatMap((k) => Array.from(h.grads[k].dataSync()));
      assert.ok(relativeDistance(Float32Array.from(headFlat), Float32Array.from(wholeFlat)) > 1e-2);
      tf.dispose([whole, par, h, r].flatMap((g) => Object.values(g.grads)));
      assert.equal(tf.memory().numTensors, before, 'no tensors leak from either engine');
    } finally {
      await single.close();
      await parallel.close();
      model.model.dispose();
    }
  });

  it('train() with workers 2 ends 3 Adam steps at the weights of workers 1 (1e-4 relative) and logs the same losses', async () => {
    const runs: { weights: Record<string, Float32Array>; steps: StepRecord[]; messages: string }[] = [];
    let init: Record<string, Float32Array> = {};
    for (const workers of [1, 2]) {
      const model = new JasrTrainable(buildModel(MODEL, 1), trainConfig(workers), DEFAULT_EVAL_CONFIG);
      init = snapshot(model);
      const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-parallel-')), 'run');
      const stream = new PassThrough();
      let messages = '';
      stream.on('data', (d: Buffer) => (messages += d.toString()));
      await train(
        model,
        { train: new SyntheticLoader(3, 3) },
        { name: `parallel-${workers}`, train: trainConfig(workers) },
        { runDir, progress: new ProgressReporter({ mode: 'plain', stream, plainEverySec: 1e9 }) },
      );
      runs.push({ weights: snapshot(model), steps: readRunLog(runDir).filter((r): r is StepRecord => r.kind === 'step'), messages });
      model.model.dispose();
    }
    const [one, two] = runs;
    assert.doesNotMatch(one.messages, /data-parallel/);
    assert.match(two.messages, /data-parallel: 2 replicas/);
    assert.equal(two.steps.length, 3);
    two.steps.forEach((s, i) => {
      const ref = one.steps[i].loss.total;
      assert.ok(Math.abs(s.loss.total - ref) <= 1e-5 * ref, `step ${i + 1}: ${s.loss.total} vs ${ref}`);
    });
    // Over all weights at once: a max-pool or ReLU whose inputs tie to float32 rounding routes a few gradients
    // differently when the batch is cut (the same happens on one thread), so single small variables may differ more.
    const names = Object.keys(one.weights);
    const flat = (w: Record<string, Float32Array>): Float32Array => Float32Array.from(names.flatMap((k) => Array.from(w[k])));
    const difference = relativeDistance(flat(two.weights), flat(one.weights));
    assert.ok(difference < 1e-4, `relative weight difference ${difference}`);
    let leastMoved = Infinity;
    for (const k of names) leastMoved = Math.min(leastMoved, relativeDistance(one.weights[k], init[k]));
    // Every variable moved by far more than the tolerance, so agreement is not agreement on the initial weights.
    assert.ok(leastMoved > 1e-2, `least relative move from init ${leastMoved}`);
  });

  it('falls back to one thread with a one-line reason for a model workers cannot rebuild', async () => {
    const w = tf.variable(tf.ones([2]), true, 'fallback-w');
    const model: TrainableModel<number, unknown> = {
      namedVariables: () => ({ w }),
      trainableVariables: () => [w],
      lossFn: () => ({ total: tf.sum(tf.square(w)) as tf.Scalar, terms: {} }),
      evaluate: async () => ({}),
      lossTermNames: [],
      metricNames: [],
      batchSize: () => 4,
      disposeBatch: () => undefined,
    };
    const engine = await createGradientEngine(model, { w }, { w }, 2);
    try {
      assert.equal(engine.replicas, 1);
      assert.equal(engine.note, 'data-parallel off (one thread): this model has no replicaRecipe() (workers cannot rebuild it)');
      const { values, grads } = await engine.compute(0, { step: 1, epoch: 1, rng: new TrainRng(1) });
      assert.equal(values.total, 2);
      assert.deepEqual(Array.from(grads.w.dataSync()), [2, 2]);
      grads.w.dispose();
    } finally {
      await engine.close();
      w.dispose();
    }
  });

  it("'auto' is one replica while oneDNN convs use every core, one replica per core on the XNNPACK path", async () => {
    assert.equal(tf.getBackend(), 'wasm');
    const model = new JasrTrainable(buildModel(MODEL, 1), DEFAULT_TRAIN_CONFIG, DEFAULT_EVAL_CONFIG);
    const vars = model.namedVariables();
    try {
      assert.ok(wasmNativeConvKernelsRegistered(), 'the native addon should be active here (setup.sh builds it)');
      const native = await createGradientEngine(model, vars, vars, 'auto');
      assert.equal(native.replicas, 1);
      assert.equal(native.note, `one replica: convs on oneDNN use all ${coreCount()} cores`);
      await native.close();
      unregisterWasmNativeConvKernels();
      const xnnpack = await createGradientEngine(model, vars, vars, 'auto');
      try {
        assert.equal(xnnpack.replicas, coreCount(), xnnpack.note ?? '');
      } finally {
        await xnnpack.close();
      }
    } finally {
      activateNativeKernels(1);
      model.model.dispose();
    }
  });
});
