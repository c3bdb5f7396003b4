/**
 * Issue 16 item 1: the official apply_bound rule (a landmark outside [0, W]×[0, H] is invisible) holds for the
 * pair maker, the heatmaps and mask, and the NME of `jasr eval` / validation (batch.visible from the loader).
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { boundVisibility, makeHeatmaps } from '../src/codec/heatmaps';
import { makePair } from '../src/data/pairs';
import { BatchLoader } from '../src/data/loader';
import { disposeBatch, FaceSample } from '../src/data/types';
import { syntheticFace } from '../src/data/embedded/synthetic';
import { evaluate, Predictor } from '../src/task/evaluate';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';

const JAW = Array.from({ length: 17 }, (_, i) => i);

/** A synthetic 128 px face whose jaw (points 0–16) is pushed below the crop (y > 128), still flagged visible. */
function faceWithJawOutside(seed: number): FaceSample {
  const s = syntheticFace(seed, 128);
  const landmarks = Float32Array.from(s.landmarks);
  for (const p of JAW) landmarks[2 * p + 1] = 128 + 6 + p; // 134 … 150 px: below the bottom edge
  return { ...s, id: `jaw-out-${seed}`, landmarks, visible: new Uint8Array(68).fill(1) };
}

describe('fidelity: out-of-crop landmarks are invisible (official apply_bound)', () => {
  it('keeps points on the closed box [0, W]×[0, H] and drops points just outside it', () => {
    const pts = [0, 0, 128, 128, -0.001, 5, 5, 128.001, 64, 64, NaN, 3];
    assert.deepStrictEqual(Array.from(boundVisibility(pts, [1, 1, 1, 1, 0, 1], 128, 128)), [1, 1, 0, 0, 0, 0]);
  });

  it('makeHeatmaps gives an out-of-crop point no Gaussian and mask 0, even when flagged visible', () => {
    // Point 0 inside, point 1 at y = 130 whose Gaussian would reach the bottom row (2.5 px from its centre at 127.5).
    const { heatmaps, mask, side } = makeHeatmaps([40, 40, 100, 130], [1, 1], 128);
    assert.deepStrictEqual(Array.from(mask), [1, 0, 1]);
    let ch1 = 0;
    for (let i = 0; i < side * side; i++) ch1 += heatmaps[i * 3 + 1];
    assert.strictEqual(ch1, 0);
    // Cell (15, 12) is centred at (99.5, 123.5): the same point on the edge (y = 128) gives it exp(−(0.5² + 4.5²)/32).
    const bottom = (15 * side + 12) * 3;
    assert.strictEqual(heatmaps[bottom + 1], 0);
    assert.strictEqual(heatmaps[bottom + 2], 1);
    const onEdge = makeHeatmaps([40, 40, 100, 128], [1, 1], 128);
    assert.ok(Math.abs(onEdge.heatmaps[bottom + 1] - Math.exp(-(0.25 + 20.25) / 32)) < 1e-7);
    assert.deepStrictEqual(Array.from(onEdge.mask), [1, 1, 1]);
  });

  it('makePair marks the jaw invisible in the sample, the mask and the heatmaps', () => {
    const pair = makePair(faceWithJawOutside(3), 8);
    for (const p of JAW) {
      assert.strictEqual(pair.sample.visible[p], 0, `point ${p}`);
      assert.strictEqual(pair.mask[p], 0);
    }
    for (let p = 17; p < 68; p++) assert.strictEqual(pair.sample.visible[p], 1, `point ${p}`);
    assert.strictEqual(pair.mask[68], 1);
    const channels = 69;
    for (const p of JAW) {
      let sum = 0;
      for (let i = 0; i < pair.heatmapSide ** 2; i++) sum += pair.heatmaps[i * channels + p];
      assert.strictEqual(sum, 0, `heatmap of point ${p}`);
    }
  });

  it('the loader batch carries the bounded visibility, so evaluation NME does not score the jaw', async () => {
    const faces = [faceWithJawOutside(1), faceWithJawOutside(2)];
    const loader = new BatchLoader(faces, { scale: 8, batchSize: 2, seed: 0, shuffle: false });
    const batch = loader.batchAt(0, 0);
    const visible = batch.visible.arraySync() as number[][];
    disposeBatch(batch);
    assert.deepStrictEqual(visible[0].slice(0, 17), new Array(17).fill(0));
    assert.deepStrictEqual(visible[1].slice(17), new Array(51).fill(1));
    // A predictor exact on the 51 inner points and 50 px off on the jaw: NME 0 when the jaw is not scored.
    const predictor: Predictor = (b) => {
      const pts = b.landmarks.arraySync() as number[][][];
      for (const face of pts) for (const p of JAW) face[p][0] += 50;
      return { landmarksHr: tf.tensor3d(pts) };
    };
    const result = await evaluate(predictor, faces, DEFAULT_EVAL_CONFIG, { scale: 8, batchSize: 2 });
    assert.deepStrictEqual(
      result.perImage.map((r) => r.nme),
      [0, 0],
    );
  });
});
