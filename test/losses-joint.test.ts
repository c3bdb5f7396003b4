import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { l1Loss, l2Loss } from '../src/losses/pixel';
import { meanHeatmapLoss, officialHeatmapLoss } from '../src/losses/heatmap';
import { jointLoss } from '../src/losses/joint';

/** Deterministic pseudo-random values (LCG) so the JS reference and the tensors see the same numbers. */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.fround(s / 2147483648);
  });
}

const [B, H, W, P] = [2, 3, 4, 5];
const maskValues = [1, 0, 1, 1, 1, 0, 1, 1, 0, 1]; // [B, P]: sample 0 hides point 1, sample 1 hides points 0 and 3
const stagesValues = [values(B * H * W * P, 1), values(B * H * W * P, 2), values(B * H * W * P, 3)];
const targetValues = values(B * H * W * P, 4);

/** Σ over stages, samples, pixels and visible channels of (pred − target)², in float64. */
function referenceMaskedSse(): { sse: number; entries: number } {
  let sse = 0;
  let entries = 0;
  for (const stage of stagesValues)
    for (let b = 0; b < B; b++)
      for (let i = 0; i < H * W; i++)
        for (let p = 0; p < P; p++) {
          if (!maskValues[b * P + p]) continue;
          const k = (b * H * W + i) * P + p;
          sse += (stage[k] - targetValues[k]) ** 2;
          entries++;
        }
  return { sse, entries };
}

describe('losses', () => {
  // Created after the test setup has initialised the backend.
  let stages: tf.Tensor4D[];
  let target: tf.Tensor4D;
  let mask: tf.Tensor4D;
  before(() => {
    stages = stagesValues.map((v) => tf.tensor4d(v, [B, H, W, P]));
    target = tf.tensor4d(targetValues, [B, H, W, P]);
    mask = tf.tensor4d(maskValues, [B, 1, 1, P]);
  });
  after(() => tf.dispose([...stages, target, mask]));

  it('official heatmap loss = Σ_stages masked SSE / (2·B)', () => {
    const { sse } = referenceMaskedSse();
    const loss = officialHeatmapLoss(stages, target, mask);
    assert.ok(Math.abs(loss.dataSync()[0] - sse / (2 * B)) < 1e-5, `${loss.dataSync()[0]} vs ${sse / (2 * B)}`);
    loss.dispose();
  });

  it('mean heatmap loss = masked SSE / masked entries (averaged over stages)', () => {
    const { sse, entries } = referenceMaskedSse();
    const loss = meanHeatmapLoss(stages, target, mask);
    assert.ok(Math.abs(loss.dataSync()[0] - sse / entries) < 1e-6);
    loss.dispose();
  });

  it('pixel L1 and L2 are means over every pixel and channel', () => {
    const a = values(2 * 4 * 4 * 3, 5);
    const b = values(2 * 4 * 4 * 3, 6);
    const sr = tf.tensor4d(a, [2, 4, 4, 3]);
    const hr = tf.tensor4d(b, [2, 4, 4, 3]);
    const l1 = l1Loss(sr, hr);
    const l2 = l2Loss(sr, hr);
    const refL1 = a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
    const refL2 = a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;
    assert.ok(Math.abs(l1.dataSync()[0] - refL1) < 1e-6);
    assert.ok(Math.abs(l2.dataSync()[0] - refL2) < 1e-6);
    assert.throws(() => l1Loss(sr, tf.zeros([2, 4, 4, 1]) as tf.Tensor4D), /differ in shape/);
    tf.dispose([sr, hr, l1, l2]);
  });

  it('joint loss = wp·pixel + wh·heatmap; a missing prediction contributes 0', () => {
    const sr = tf.fill([B, 8, 8, 3], 0.25) as tf.Tensor4D;
    const hr = tf.fill([B, 8, 8, 3], 0.75) as tf.Tensor4D;
    const targets = { hr, heatmaps: target, mask };
    const { sse } = referenceMaskedSse();
    const weighted = jointLoss({ sr, heatmaps: stages }, targets, { pixel: 'l1', heatmap: 'official', pixelWeight: 3, heatmapWeight: 0.5 });
    assert.ok(Math.abs(weighted.pixel.dataSync()[0] - 0.5) < 1e-7);
    assert.ok(Math.abs(weighted.heatmap.dataSync()[0] - sse / (2 * B)) < 1e-5);
    assert.ok(Math.abs(weighted.total.dataSync()[0] - (3 * 0.5 + 0.5 * (sse / (2 * B)))) < 1e-5);
    const srOnly = jointLoss({ sr, heatmaps: [] }, targets);
    assert.equal(srOnly.heatmap.dataSync()[0], 0);
    assert.ok(Math.abs(srOnly.total.dataSync()[0] - 0.5) < 1e-7);
    const alignOnly = jointLoss({ heatmaps: stages }, targets);
    assert.equal(alignOnly.pixel.dataSync()[0], 0);
    tf.dispose([sr, hr, ...Object.values(weighted), ...Object.values(srOnly), ...Object.values(alignOnly)]);
  });

  it('rejects a mask that is not [B, 1, 1, P], naming both shapes', () => {
    const badMask = tf.ones([B, P]) as unknown as tf.Tensor4D;
    assert.throws(() => officialHeatmapLoss(stages, target, badMask), /mask must be \[2, 1, 1, 5\], found \[2,5\]/);
    badMask.dispose();
  });
});
