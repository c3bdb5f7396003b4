import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/model/build';
import { DEFAULT_MODEL_CONFIG, ModelConfig } from '../src/model/config';
import { JasrTrainable } from '../src/task/jasr-adapter';
import { train } from '../src/engine/trainer';
import { DEFAULT_TRAIN_CONFIG, TRAIN_CONFIG_SCHEMA, TrainConfig } from '../src/engine/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { readRunLog, StepRecord } from '../src/engine/log';
import { TrainRng } from '../src/engine/rng';
import { createGradientEngine } from '../src/engine/parallel/engine';
import { microBatchCounts, withAccumulation } from '../src/engine/accumulate';
import { LANDMARKS, SyntheticLoader, relativeDistance, snapshot, syntheticBatch } from './helpers/synthetic-faces';

const MODEL: ModelConfig = { ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 1, landmarks: LANDMARKS };

/** Batches of 8 on one thread, lr decayed after step 1 so the schedule is exercised by step 2. */
const trainConfig = (microBatch: number | undefined, extra: Partial<TrainConfig> = {}): TrainConfig => ({
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 1,
  batchSize: 8,
  microBatch,
  logEvery: 1,
  workers: 1,
  selection: { ...DEFAULT_TRAIN_CONFIG.selection, metric: 'loss' },
  optimizer: { ...DEFAULT_TRAIN_CONFIG.optimizer, lr: 1e-3 },
  schedule: { ...DEFAULT_TRAIN_CONFIG.schedule, milestones: [1], gamma: 0.5, unit: 'step' },
  ...extra,
});

function flatWeights(w: Record<string, Float32Array>, names: string[]): Float32Array {
  return Float32Array.from(names.flatMap((k) => Array.from(w[k])));
}

async function trainRun(
  microBatch: number | undefined,
  runDir: string,
  extra: Partial<TrainConfig> = {},
  resume = false,
): Promise<{ model: JasrTrainable; steps: StepRecord[] }> {
  const model = new JasrTrainable(buildModel(MODEL, 1), trainConfig(microBatch, extra), DEFAULT_EVAL_CONFIG);
  await train(
    model,
    { train: new SyntheticLoader(2, trainConfig(microBatch, extra).batchSize) },
    { name: `accumulate-${microBatch ?? 'whole'}`, train: trainConfig(microBatch, extra) },
    { runDir, progress: 'quiet', resume },
  );
  return { model, steps: readRunLog(runDir).filter((r): r is StepRecord => r.kind === 'step') };
}

describe('train/accumulate: gradient accumulation over micro-batches (train.microBatch)', () => {
  it('cuts a batch into passes of microBatch images, the last one smaller', () => {
    assert.deepEqual(microBatchCounts(8, 2), [2, 2, 2, 2]);
    assert.deepEqual(microBatchCounts(7, 2), [2, 2, 2, 1]);
    assert.deepEqual(microBatchCounts(2, 8), [2]);
    assert.throws(() => microBatchCounts(8, 0), /train\.microBatch: expected an integer ≥ 1, found 0/);
  });

  it("refuses heatmapLoss 'mean' (normalised by the whole batch's visible landmarks) with micro-batches", () => {
    const parsed = TRAIN_CONFIG_SCHEMA.safeParse({ batchSize: 8, microBatch: 2, heatmapLoss: 'mean' });
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), /heatmapLoss 'mean' normalises by the whole batch's visible landmarks/);
    assert.equal(TRAIN_CONFIG_SCHEMA.safeParse({ batchSize: 8, microBatch: 2 }).success, true);
  });

  it('a batch of 3D samples keeps its depth and depth mask in every micro-batch, row for row', () => {
    const model = new JasrTrainable(buildModel(MODEL, 1), trainConfig(2), DEFAULT_EVAL_CONFIG);
    const source = syntheticBatch(4, 3);
    const points = source.landmarks.shape[1];
    source.depth = tf.tensor2d(
      Float32Array.from({ length: 4 * points }, (_, i) => i),
      [4, points],
    );
    source.depthValid = tf.ones([4, points]);
    try {
      const parts = model.splitBatch(source, [1, 3]);
      assert.deepEqual(
        parts.map((p) => p.depth?.shape),
        [
          [1, points],
          [3, points],
        ],
      );
      assert.deepEqual(Array.from(parts[1].depth!.dataSync()).slice(0, 2), [points, points + 1], 'the second part starts at row 1');
      assert.deepEqual(parts[0].depthValid?.shape, [1, points]);
      for (const p of parts) model.disposeBatch(p);
      const flat = model.splitBatch(syntheticBatch(2, 3), [1, 1]);
      assert.equal(flat[0].depth, undefined, 'a 2D batch stays without depth');
      for (const p of flat) model.disposeBatch(p);
    } finally {
      model.disposeBatch(source);
      model.model.dispose();
    }
  });

  it('the gradient of batch 8 as 4 micro-batches of 2 equals the whole-batch gradient (1e-6 relative) and leaks no tensor', async () => {
    const model = new JasrTrainable(buildModel(MODEL, 1), trainConfig(2), DEFAULT_EVAL_CONFIG);
    const all = model.namedVariables();
    const ctx = { step: 1, epoch: 1, rng: new TrainRng(1) };
    const whole = await createGradientEngine(model, all, all, 1);
    const micro = withAccumulation(await createGradientEngine(model, all, all, 1), model, 2);
    const before = tf.memory().numTensors;
    try {
      assert.match(micro.note ?? '', /gradient accumulation: micro-batches of 2 images, one optimiser step per batch/);
      const w = await whole.compute(syntheticBatch(8, 7), ctx);
      const m = await micro.compute(syntheticBatch(8, 7), ctx);
      // The first micro-batch alone: what a wrong weighting (or a single pass) would come near.
      const source = syntheticBatch(8, 7);
      const [head, tail] = model.splitBatch(source, [2, 6]);
      model.disposeBatch(source);
      model.disposeBatch(tail);
      const h = await whole.compute(head, ctx);
      const names = Object.keys(all);
      assert.deepEqual(Object.keys(m.grads).sort(), Object.keys(w.grads).sort());
      assert.equal(Object.keys(w.grads).length, names.length);
      for (const k of ['total', 'pixel', 'heatmap']) {
        assert.ok(Math.abs(m.values[k] - w.values[k]) <= 1e-6 * Math.abs(w.values[k]), `${k}: ${m.values[k]} vs ${w.values[k]}`);
      }
      const flat = (g: Record<string, tf.Tensor>): Float32Array => Float32Array.from(names.flatMap((k) => Array.from(g[k].dataSync())));
      const difference = relativeDistance(flat(m.grads), flat(w.grads));
      assert.ok(difference < 1e-6, `relative difference from the whole-batch gradient ${difference}`);
      assert.ok(relativeDistance(flat(h.grads), flat(w.grads)) > 1e-2, 'one micro-batch alone differs from the batch: the check can fail');
      tf.dispose([w, m, h].flatMap((g) => Object.values(g.grads)));
      assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    } finally {
      await whole.close();
      await micro.close();
      model.model.dispose();
    }
  });

  it('train(): batch 8 as 4×2 micro-batches ends 2 Adam steps at the whole-batch weights and logs the same steps, lr and losses', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-accumulate-'));
    const whole = await trainRun(undefined, path.join(root, 'whole'));
    const micro = await trainRun(2, path.join(root, 'micro'));
    const init = snapshot(new JasrTrainable(buildModel(MODEL, 1), trainConfig(2), DEFAULT_EVAL_CONFIG));
    const names = Object.keys(init);
    const w = snapshot(whole.model);
    const m = snapshot(micro.model);
    // Adam's first steps move each weight by about lr·sign(g): the gradients' float32 summation-order differences
    // (≈ 1e-7 relative, the check above) only matter where a gradient is near 0, far below 1e-6 of the weights.
    const difference = relativeDistance(flatWeights(m, names), flatWeights(w, names));
    assert.ok(difference < 1e-6, `relative weight difference ${difference}`);
    const moved = relativeDistance(flatWeights(w, names), flatWeights(init, names));
    assert.ok(moved > 1e-3, `the weights moved ${moved}, far more than the tolerance`);
    assert.deepEqual(
      micro.steps.map((s) => [s.epoch, s.step, s.lr]),
      [
        [1, 1, 1e-3],
        [1, 2, 5e-4],
      ],
    );
    assert.deepEqual(
      micro.steps.map((s) => [s.epoch, s.step, s.lr]),
      whole.steps.map((s) => [s.epoch, s.step, s.lr]),
    );
    micro.steps.forEach((s, i) => {
      const ref = whole.steps[i].loss.total;
      assert.ok(Math.abs(s.loss.total - ref) <= 1e-5 * ref, `step ${i + 1}: ${s.loss.total} vs ${ref}`);
    });
    whole.model.model.dispose();
    micro.model.model.dispose();
  });

  it('a micro-batched run (batch 4 as 2×2) stopped after step 1 and resumed ends bit-identical to the uninterrupted micro-batched run', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-accumulate-resume-'));
    const straight = await trainRun(2, path.join(root, 'straight'), { batchSize: 4 });
    const stopped = await trainRun(2, path.join(root, 'resumed'), { batchSize: 4, maxSteps: 1 });
    assert.deepEqual(
      stopped.steps.map((s) => s.step),
      [1],
    );
    stopped.model.model.dispose();
    const resumed = await trainRun(2, path.join(root, 'resumed'), { batchSize: 4 }, true);
    assert.deepEqual(
      resumed.steps.map((s) => [s.step, s.lr, s.loss.total]),
      straight.steps.map((s) => [s.step, s.lr, s.loss.total]),
    );
    const a = snapshot(resumed.model);
    const b = snapshot(straight.model);
    for (const k of Object.keys(b)) assert.deepEqual(Array.from(a[k]), Array.from(b[k]), k);
    resumed.model.model.dispose();
    straight.model.model.dispose();
  });
});
