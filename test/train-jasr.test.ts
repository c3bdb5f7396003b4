import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/model/build';
import { DEFAULT_MODEL_CONFIG } from '../src/model/config';
import { BatchLoader } from '../src/data/loader';
import { syntheticFaces } from '../src/data/embedded/synthetic';
import { JasrTrainable } from '../src/task/jasr-adapter';
import { train } from '../src/engine/trainer';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { CheckpointStore, restoreVariables } from '../src/engine/checkpoint';
import { readRunLog, StepRecord, EpochRecord } from '../src/engine/log';

describe('train/jasr-adapter: a tiny JASRNet end to end on synthetic faces', () => {
  it('trains 4 steps with finite joint losses, validates PSNR/SSIM/NME, checkpoints, and restores bit-exactly', async () => {
    const trainSet = syntheticFaces(4, 1, 128, 'syn-train');
    const valSet = syntheticFaces(2, 2, 128, 'syn-val');
    const trainLoader = new BatchLoader(trainSet, { scale: 8, batchSize: 2, seed: 1 });
    const valLoader = new BatchLoader(valSet, { scale: 8, batchSize: 2, seed: 1, shuffle: false });
    const modelConfig = { ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 1 };
    const model = buildModel(modelConfig, 1);
    const trainCfg = { ...DEFAULT_TRAIN_CONFIG, epochs: 2, logEvery: 1, optimizer: { ...DEFAULT_TRAIN_CONFIG.optimizer, lr: 1e-3 } };
    const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-e2e-')), 'run');
    const counts: number[] = [];
    const experiment = { name: 'tiny-jasr', model: modelConfig, train: trainCfg };
    const result = await train(new JasrTrainable(model, trainCfg, DEFAULT_EVAL_CONFIG), { train: trainLoader, val: valSet }, experiment, {
      runDir,
      progress: 'quiet',
      onProgress: () => counts.push(tf.memory().numTensors),
    });
    assert.equal(result.step, 4);
    const steps = readRunLog(runDir).filter((r): r is StepRecord => r.kind === 'step');
    assert.equal(steps.length, 4);
    for (const s of steps) {
      assert.ok(Number.isFinite(s.loss.total) && s.loss.pixel > 0 && s.loss.heatmap > 0, JSON.stringify(s.loss));
      // total = 1·pixel + 1·heatmap (official weights), up to float32 rounding.
      assert.ok(Math.abs(s.loss.total - (s.loss.pixel + s.loss.heatmap)) < 1e-4 * s.loss.total);
    }
    const epochs = readRunLog(runDir).filter((r): r is EpochRecord => r.kind === 'epoch');
    assert.equal(epochs.length, 2);
    for (const e of epochs) {
      assert.ok(e.val.psnr > 5 && e.val.psnr < 60, `psnr ${e.val.psnr}`);
      assert.ok(e.val.ssim > -1 && e.val.ssim <= 1);
      assert.ok(e.val.nme > 0 && Number.isFinite(e.val.nme));
    }
    assert.deepEqual(
      counts.slice(1),
      counts.slice(1).map(() => counts[1]),
      `tensor counts ${counts}`,
    );
    // The last checkpoint restores into a fresh model with identical outputs.
    const fresh = buildModel(modelConfig, 99);
    const state = new CheckpointStore(runDir).load('last');
    restoreVariables(fresh.namedVariables(), state.variables, result.lastCheckpoint);
    const batch = valLoader.batchAt(0, 0);
    const a = model.apply(batch.input);
    const b = fresh.apply(batch.input);
    assert.deepEqual(Array.from(b.sr!.dataSync()), Array.from(a.sr!.dataSync()));
    tf.dispose([
      a.sr!,
      b.sr!,
      ...a.heatmaps,
      ...b.heatmaps,
      batch.input,
      batch.lr,
      batch.hr,
      batch.heatmaps,
      batch.mask,
      batch.landmarks,
      batch.visible,
      batch.box,
    ]);
    model.dispose();
    fresh.dispose();
  });
});
