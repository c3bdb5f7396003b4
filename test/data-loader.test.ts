import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { BatchLoader } from '../src/data/loader';
import { syntheticFaces, syntheticFace } from '../src/data/embedded/synthetic';
import { disposeBatch, FaceBatch } from '../src/data/types';
import { JITTER_AUGMENT } from '../src/data/augment';
import { dataConfig } from '../src/data/config';
import { openDataset } from '../src/data/open';

function snapshot(b: FaceBatch): { ids: string[]; input: number[]; landmarks: number[] } {
  const out = { ids: b.ids, input: Array.from(b.input.dataSync()), landmarks: Array.from(b.landmarks.dataSync()) };
  disposeBatch(b);
  return out;
}

describe('data: BatchLoader', () => {
  const faces = syntheticFaces(7, 1, 64);

  it('yields FaceBatch tensors of the contract shapes for ×8 (from 64-px samples) and ×4', () => {
    const l8 = new BatchLoader(faces, { scale: 8, batchSize: 3, seed: 1 });
    assert.strictEqual(l8.batchesPerEpoch, 3);
    const b = l8.next();
    assert.deepStrictEqual(b.input.shape, [3, 128, 128, 3]);
    assert.deepStrictEqual(b.lr.shape, [3, 16, 16, 3]);
    assert.deepStrictEqual(b.hr.shape, [3, 128, 128, 3]);
    assert.deepStrictEqual(b.heatmaps.shape, [3, 16, 16, 69]);
    assert.deepStrictEqual(b.mask.shape, [3, 1, 1, 69]);
    assert.deepStrictEqual(b.landmarks.shape, [3, 68, 2]);
    assert.deepStrictEqual(b.visible.shape, [3, 68]);
    assert.deepStrictEqual(b.box.shape, [3, 4]);
    // Landmarks were rescaled ×2 from the 64-px samples (pixel centres: (v + 0.5)·2 − 0.5).
    const src = faces.find((f) => f.id === b.ids[0]);
    assert.ok(src);
    assert.ok(Math.abs(b.landmarks.dataSync()[0] - ((src.landmarks[0] + 0.5) * 2 - 0.5)) < 1e-4);
    disposeBatch(b);
    const l4 = new BatchLoader(faces, { scale: 4, batchSize: 2, seed: 1, dropLast: true });
    assert.strictEqual(l4.batchesPerEpoch, 3);
    const b4 = l4.next();
    assert.deepStrictEqual(b4.lr.shape, [2, 64, 64, 3]);
    assert.deepStrictEqual(b4.heatmaps.shape, [2, 32, 32, 69]);
    disposeBatch(b4);
  });

  it('the last batch of an epoch is smaller unless dropLast; every sample appears once per epoch', () => {
    const l = new BatchLoader(faces, { scale: 8, batchSize: 3, seed: 2 });
    const ids: string[] = [];
    const sizes: number[] = [];
    for (const b of l.epochBatches()) {
      ids.push(...b.ids);
      sizes.push(b.ids.length);
      disposeBatch(b);
    }
    assert.deepStrictEqual(sizes, [3, 3, 1]);
    assert.deepStrictEqual([...ids].sort(), faces.map((f) => f.id).sort());
    assert.deepStrictEqual(l.state(), { epoch: 0, cursor: 3 });
  });

  it('is deterministic for a seed, reshuffles per epoch, and resumes exactly from state()', () => {
    const opts = { scale: 8 as const, batchSize: 2, seed: 5, augment: JITTER_AUGMENT };
    const a = new BatchLoader(faces, opts);
    const run: ReturnType<typeof snapshot>[] = [];
    let saved = a.state();
    for (let i = 0; i < 7; i++) {
      if (i === 5) saved = a.state();
      run.push(snapshot(a.next()));
    }
    assert.deepStrictEqual(saved, { epoch: 1, cursor: 1 });
    const epoch0 = run.slice(0, 4).flatMap((r) => r.ids);
    const epoch1 = run.slice(4, 7).flatMap((r) => r.ids);
    assert.notDeepStrictEqual(epoch0.slice(0, 6), epoch1.slice(0, 6));
    const again = new BatchLoader(faces, opts);
    assert.deepStrictEqual(snapshot(again.next()), run[0]);
    const resumed = new BatchLoader(faces, opts);
    resumed.restore(saved);
    assert.deepStrictEqual(snapshot(resumed.next()), run[5]);
    assert.deepStrictEqual(snapshot(resumed.next()), run[6]);
    const other = new BatchLoader(faces, { ...opts, seed: 6 });
    assert.notDeepStrictEqual(snapshot(other.next()).input, run[0].input);
    assert.throws(() => resumed.restore({ epoch: 0, cursor: 99 }), /invalid state/);
  });

  it('the input is the OpenCV-cubic upsampling of the LR, and tensors do not leak', () => {
    const before = tf.memory().numTensors;
    const l = new BatchLoader([syntheticFace(9, 128)], { scale: 8, batchSize: 1, seed: 1 });
    const b = l.next();
    const lr = b.lr.dataSync();
    const input = b.input.dataSync();
    // Input pixel (4, 4) samples LR (0.0625, 0.0625), nearly LR pixel (0, 0); interior LR mean ≈ input mean.
    assert.ok(Math.abs(input[(4 * 128 + 4) * 3] - lr[0]) < 0.05);
    const mean = (xs: ArrayLike<number>): number => {
      let sum = 0;
      for (let i = 0; i < xs.length; i++) sum += xs[i];
      return sum / xs.length;
    };
    assert.ok(Math.abs(mean(input) - mean(lr)) < 0.01);
    disposeBatch(b);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('openDataset(synthetic) gives the configured split sizes; DataConfig validates its fields', async () => {
    const ds = await openDataset({ format: 'synthetic', syntheticCounts: [4, 2, 3], hrSize: 64 });
    assert.deepStrictEqual(ds.info.counts, { train: 4, val: 2, test: 3 });
    assert.strictEqual(ds.info.points, 68);
    const x3 = await openDataset({ format: 'synthetic', syntheticCounts: [2, 1, 1], hrSize: 32, offlineCopies: 3 });
    assert.strictEqual(x3.train.length, 6);
    assert.throws(() => dataConfig({ scale: 3 as 4 }), /data.scale: expected 4 or 8, found 3/);
    assert.throws(() => dataConfig({ format: 'lfw' as 'synthetic' }), /data.format: expected one of .* found 'lfw'/);
  });
});
