import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { decodeHeatmaps } from '../src/codec/decode';

/** Plain-JS transcription of the official find_tensor_peak_batch for one [h][w] map (float64). */
function referencePeak(map: number[][], radius: number, stride: number): { x: number; y: number; score: number } {
  const h = map.length;
  const w = map[0].length;
  let best = -Infinity;
  let row = 0;
  let col = 0;
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) if (map[i][j] > best) [best, row, col] = [map[i][j], i, j];
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      const r = row + dy;
      const c = col + dx;
      const v = r >= 0 && r < h && c >= 0 && c < w ? map[r][c] : 0;
      const weight = v > 1e-6 ? v : 2.220446049250313e-16;
      sum += weight;
      sx += weight * dx;
      sy += weight * dy;
    }
  }
  return { x: (col + sx / sum) * stride + stride / 2 - 0.5, y: (row + sy / sum) * stride + stride / 2 - 0.5, score: best };
}

function gaussian(h: number, w: number, cx: number, cy: number, sigma: number): number[][] {
  return Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => Math.exp(-((j - cx) ** 2 + (i - cy) ** 2) / (2 * sigma * sigma))));
}

describe('model heatmap decoding (official find_tensor_peak_batch)', () => {
  it('recovers sub-pixel Gaussian centres in HR pixels (x·8 + 3.5), batched, background dropped', () => {
    const [batch, h, w, landmarks] = [2, 16, 20, 4];
    // Centres ≥ 4.5 px from the border: the 9×9 window then holds the whole Gaussian (σ = 1) and the mean is unbiased.
    const centres: [number, number][][] = [
      [
        [4.3, 4.7],
        [10.25, 8.5],
        [14.6, 5.4],
        [7.0, 10.9],
      ],
      [
        [5.5, 5.5],
        [12.8, 10.1],
        [8.2, 9.3],
        [14.4, 6.6],
      ],
    ];
    const values = new Float32Array(batch * h * w * (landmarks + 1));
    for (let b = 0; b < batch; b++) {
      const maps = centres[b].map(([cx, cy]) => gaussian(h, w, cx, cy, 1));
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const base = ((b * h + i) * w + j) * (landmarks + 1);
          for (let l = 0; l < landmarks; l++) values[base + l] = maps[l][i][j];
          values[base + landmarks] = 1 - Math.max(...maps.map((m) => m[i][j])); // background, large but dropped
        }
    }
    const heatmaps = tf.tensor4d(values, [batch, h, w, landmarks + 1]);
    const { landmarksHr, scores } = decodeHeatmaps(heatmaps);
    assert.deepEqual(landmarksHr.shape, [batch, landmarks, 2]);
    assert.deepEqual(scores.shape, [batch, landmarks]);
    const got = landmarksHr.arraySync();
    for (let b = 0; b < batch; b++)
      for (let l = 0; l < landmarks; l++) {
        const [cx, cy] = centres[b][l];
        assert.ok(Math.abs(got[b][l][0] - (cx * 8 + 3.5)) < 0.05, `b${b} l${l} x ${got[b][l][0]} vs ${cx * 8 + 3.5}`);
        assert.ok(Math.abs(got[b][l][1] - (cy * 8 + 3.5)) < 0.05, `b${b} l${l} y ${got[b][l][1]} vs ${cy * 8 + 3.5}`);
      }
    tf.dispose([heatmaps, landmarksHr, scores]);
  });

  it('matches a plain-JS transcription of the official code near borders (zero padding, eps, floor row)', () => {
    const [h, w] = [8, 11];
    const maps = [gaussian(h, w, 0.3, 7.2, 1.3), gaussian(h, w, 10.4, 0.1, 0.8), gaussian(h, w, 5.2, 3.9, 2.5)];
    // A sparse map: most of the window ≤ 1e-6, so the eps replacement decides the weights there.
    maps.push(Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => (i === 2 && j === 9 ? 0.8 : i === 3 && j === 9 ? 0.2 : 0))));
    const values = new Float32Array(h * w * (maps.length + 1));
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) maps.forEach((m, l) => (values[(i * w + j) * (maps.length + 1) + l] = m[i][j]));
    const heatmaps = tf.tensor4d(values, [1, h, w, maps.length + 1]);
    const { landmarksHr, scores } = decodeHeatmaps(heatmaps, { stride: 4 });
    const got = landmarksHr.arraySync()[0];
    const gotScores = scores.arraySync()[0];
    maps.forEach((m, l) => {
      const f32 = m.map((r) => r.map((v) => Math.fround(v)));
      const ref = referencePeak(f32, 4, 4);
      assert.ok(Math.abs(got[l][0] - ref.x) < 1e-4 && Math.abs(got[l][1] - ref.y) < 1e-4, `landmark ${l}: ${got[l]} vs ${ref.x},${ref.y}`);
      assert.ok(Math.abs(gotScores[l] - ref.score) < 1e-7);
    });
    // The sparse map: weighted row 2.2 at column 9 → (9·4 + 1.5, 2.2·4 + 1.5).
    assert.ok(Math.abs(got[3][0] - 37.5) < 1e-4 && Math.abs(got[3][1] - 10.3) < 1e-4, `${got[3]}`);
    tf.dispose([heatmaps, landmarksHr, scores]);
  });
});
