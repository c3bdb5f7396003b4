import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { train, TrainExperiment } from '../src/engine/trainer';
import type { StepContext, TrainLoader, TrainableModel } from '../src/engine/trainable';
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from '../src/engine/config';
import { CheckpointStore } from '../src/engine/checkpoint';
import { readRunLog, StepRecord, EpochRecord } from '../src/engine/log';
import { NonFiniteLossError } from '../src/engine/guard';
import { dataset, shuffledBatch } from './faults/run-tiny';

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

const FEATURES = 4;
const SAMPLES = 12;

/** Batches of 4 from 12 samples, reshuffled every epoch from (seed, epoch); position {epoch, cursor}. */
class TinyLoader implements TrainLoader<Batch> {
  readonly batchesPerEpoch = SAMPLES / 4;
  private epoch = 0;
  private cursor = 0;
  calls = 0;
  constructor(
    private readonly data: { x: number[][]; y: number[] },
    private readonly crashOnCall = Infinity,
  ) {}
  next(): Batch {
    this.calls += 1;
    if (this.calls === this.crashOnCall) throw new Error('simulated crash in the loader');
    if (this.cursor >= this.batchesPerEpoch) {
      this.epoch += 1;
      this.cursor = 0;
    }
    const batch = shuffledBatch(this.data, this.epoch, this.cursor);
    this.cursor += 1;
    return batch;
  }
  state(): { epoch: number; cursor: number } {
    return { epoch: this.epoch, cursor: this.cursor };
  }
  restore(s: { epoch: number; cursor: number }): void {
    this.epoch = s.epoch;
    this.cursor = s.cursor;
  }
}

/** Linear regression with input noise drawn from the trainer's RNG (so resume must restore the RNG too). */
class TinyModel implements TrainableModel<Batch, Batch> {
  readonly w = tf.variable(tf.tensor2d([[0.1], [0.2], [-0.1], [0.05]]));
  readonly b = tf.variable(tf.zeros([1]));
  readonly lossTermNames = ['data', 'reg'];
  readonly metricNames = ['loss', 'psnr'];
  constructor(private readonly nanAtStep = Infinity) {}
  namedVariables(): Record<string, tf.Variable> {
    return { 'tiny/w': this.w, 'tiny/b': this.b };
  }
  trainableVariables(): tf.Variable[] {
    return [this.w, this.b];
  }
  lossFn(batch: Batch, ctx: StepContext): { total: tf.Scalar; terms: Record<string, tf.Scalar> } {
    const noise = tf.tensor2d(
      Array.from({ length: batch.x.shape[0] * FEATURES }, () => 0.05 * ctx.rng.normal()),
      batch.x.shape,
    );
    const pred = batch.x.add(noise).matMul(this.w).add(this.b);
    const data = tf.losses.meanSquaredError(batch.y, pred) as tf.Scalar;
    const reg = this.w.square().sum().mul(0.01) as tf.Scalar;
    let total = data.add(reg) as tf.Scalar;
    if (ctx.step >= this.nanAtStep) total = total.mul(NaN) as tf.Scalar;
    return { total, terms: { data, reg } };
  }
  async evaluate(val: Batch): Promise<Record<string, number>> {
    const mse = tf.tidy(() => tf.losses.meanSquaredError(val.y, val.x.matMul(this.w).add(this.b)).dataSync()[0]);
    return { loss: mse, psnr: -10 * Math.log10(mse) };
  }
  batchSize(b: Batch): number {
    return b.x.shape[0];
  }
  disposeBatch(b: Batch): void {
    tf.dispose([b.x, b.y]);
  }
  dispose(): void {
    tf.dispose([this.w, this.b]);
  }
}

function experiment(over: Partial<TrainConfig> = {}): TrainExperiment {
  const trainCfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    epochs: 2,
    optimizer: { ...DEFAULT_TRAIN_CONFIG.optimizer, lr: 0.2, weightDecay: 0.01 },
    schedule: { type: 'step', milestones: [1], gamma: 0.5 },
    gradClip: 1.5,
    logEvery: 1,
    ...over,
  };
  return { name: 'tiny', train: trainCfg };
}

const valData = dataset(7);
const makeVal = (): Batch => ({ x: tf.tensor2d(valData.x), y: tf.tensor2d(valData.y.map((v) => [v])) });
const tmpRun = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-train-')), 'run');

function stepLosses(runDir: string): { step: number; loss: Record<string, number>; gradNorm: number; lr: number }[] {
  return readRunLog(runDir)
    .filter((r): r is StepRecord => r.kind === 'step')
    .map((r) => ({ step: r.step, loss: r.loss, gradNorm: r.gradNorm, lr: r.lr }));
}

function epochRows(runDir: string): { epoch: number; loss: Record<string, number>; val: Record<string, number>; isBest: boolean }[] {
  return readRunLog(runDir)
    .filter((r): r is EpochRecord => r.kind === 'epoch')
    .map((r) => ({ epoch: r.epoch, loss: r.loss, val: r.val, isBest: r.isBest }));
}

describe('train/trainer: the generic loop on a tiny model', () => {
  it('a run that crashes at step 5 and resumes logs exactly the losses of an uninterrupted run', async () => {
    const val = makeVal();
    const data = dataset(3);

    const fullDir = tmpRun();
    const full = new TinyModel();
    const fullResult = await train(full, { train: new TinyLoader(data), val }, experiment(), { runDir: fullDir, progress: 'quiet' });
    assert.equal(fullResult.status, 'done');
    assert.equal(fullResult.step, 6);

    const runDir = tmpRun();
    const first = new TinyModel();
    await assert.rejects(train(first, { train: new TinyLoader(data, 5), val }, experiment(), { runDir, progress: 'quiet' }), /simulated crash/);
    assert.equal(new CheckpointStore(runDir).load('last').step, 3);
    first.dispose();

    const resumed = new TinyModel(); // fresh initial values: everything must come from the checkpoint
    const result = await train(resumed, { train: new TinyLoader(data), val }, experiment(), { runDir, progress: 'quiet', resume: true });
    assert.equal(result.step, 6);

    const want = stepLosses(fullDir);
    assert.equal(want.length, 6);
    assert.deepEqual(stepLosses(runDir), want);
    assert.deepEqual(epochRows(runDir), epochRows(fullDir));
    assert.deepEqual(Array.from(resumed.w.dataSync()), Array.from(full.w.dataSync()));
    // The schedule halved lr at epoch 2, and training reduced the loss.
    assert.deepEqual(
      want.map((r) => r.lr),
      [0.2, 0.2, 0.2, 0.1, 0.1, 0.1],
    );
    const untrained = new TinyModel();
    const before = (await untrained.evaluate(val)).loss;
    untrained.dispose();
    const after = epochRows(fullDir).map((r) => r.val.loss);
    assert.ok(after[0] < before && after[1] < after[0], `val loss ${before} → ${after}`);
    // Clipping at 1.5 was active on the first steps (their pre-clip norm is above it).
    assert.ok(want[0].gradNorm > 1.5);
    for (const m of [full, resumed]) m.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('budget stop (maxSteps) then resume equals the uninterrupted run; best follows the val metric', async () => {
    const val = makeVal();
    const data = dataset(5);
    const fullDir = tmpRun();
    const full = new TinyModel();
    await train(full, { train: new TinyLoader(data), val }, experiment({ epochs: 3 }), { runDir: fullDir, progress: 'quiet' });

    const runDir = tmpRun();
    const a = new TinyModel();
    const stopped = await train(a, { train: new TinyLoader(data), val }, experiment({ epochs: 3, maxSteps: 4 }), { runDir, progress: 'quiet' });
    assert.equal(stopped.status, 'budget');
    assert.equal(stopped.step, 4);
    a.dispose();
    const b = new TinyModel();
    const done = await train(b, { train: new TinyLoader(data), val }, experiment({ epochs: 3 }), { runDir, progress: 'quiet', resume: true });
    assert.equal(done.status, 'done');
    assert.deepEqual(stepLosses(runDir), stepLosses(fullDir));
    const rows = epochRows(runDir);
    assert.deepEqual(rows, epochRows(fullDir));
    // best = the epoch with the highest val psnr so far, and the best checkpoint holds it.
    let bestPsnr = -Infinity;
    let bestEpoch = 0;
    for (const r of rows) {
      assert.equal(r.isBest, r.val.psnr > bestPsnr);
      if (r.val.psnr > bestPsnr) [bestPsnr, bestEpoch] = [r.val.psnr, r.epoch];
    }
    const bestCkpt = new CheckpointStore(runDir).load('best');
    assert.equal(bestCkpt.selection?.epoch, bestEpoch);
    assert.equal(bestCkpt.selection?.value, bestPsnr);
    // A second fresh run into the same directory is refused.
    await assert.rejects(train(new TinyModel(), { train: new TinyLoader(data), val }, experiment(), { runDir, progress: 'quiet' }), /already holds a run/);
    for (const m of [full, b]) m.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('a NaN loss stops with a message naming the step and terms, keeping the last good checkpoint', async () => {
    const val = makeVal();
    const runDir = tmpRun();
    const model = new TinyModel(5);
    await assert.rejects(
      train(model, { train: new TinyLoader(dataset(3)), val }, experiment(), { runDir, progress: 'quiet' }),
      (e: Error) => e instanceof NonFiniteLossError && e.step === 5 && /total/.test(e.message) && /data=\d/.test(e.message),
    );
    const store = new CheckpointStore(runDir);
    assert.equal(store.load('last').step, 3);
    const events = readRunLog(runDir)
      .filter((r) => r.kind === 'event')
      .map((r) => (r as { event: string }).event);
    assert.deepEqual(events, ['start', 'non-finite']);
    // The NaN step changed nothing: the variables equal those of a clean run stopped after step 4.
    const clean = new TinyModel();
    await train(clean, { train: new TinyLoader(dataset(3)), val }, experiment({ maxSteps: 4 }), { runDir: tmpRun(), progress: 'quiet' });
    assert.deepEqual(Array.from(model.w.dataSync()), Array.from(clean.w.dataSync()));
    assert.ok(Array.from(model.w.dataSync()).every(Number.isFinite));
    clean.dispose();
    model.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('keeps the tensor count constant across steps (no leaks per step or per epoch)', async () => {
    const val = makeVal();
    const counts: number[] = [];
    const model = new TinyModel();
    await train(model, { train: new TinyLoader(dataset(3)), val }, experiment({ epochs: 3, checkpointEvery: 2 }), {
      runDir: tmpRun(),
      progress: 'quiet',
      onProgress: () => counts.push(tf.memory().numTensors),
    });
    assert.equal(counts.length, 9);
    assert.deepEqual(
      counts.slice(1),
      counts.slice(1).map(() => counts[1]),
      `tensor counts per step: ${counts}`,
    );
    model.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('refuses selection by a metric without a validation loader, and unknown selection metrics', async () => {
    const model = new TinyModel();
    await assert.rejects(
      train(model, { train: new TinyLoader(dataset(3)) }, experiment(), { runDir: tmpRun(), progress: 'quiet' }),
      /needs a validation loader/,
    );
    const val = makeVal();
    await assert.rejects(
      train(model, { train: new TinyLoader(dataset(3)), val }, experiment({ selection: { metric: 'nme', split: 'val', mode: 'standard' } }), {
        runDir: tmpRun(),
        progress: 'quiet',
      }),
      /'nme' is not among the validation metrics \(loss, psnr\)/,
    );
    model.dispose();
    tf.dispose([val.x, val.y]);
  });
});
