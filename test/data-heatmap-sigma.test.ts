import { strict as assert } from 'assert';
import { BatchLoader } from '../src/data/loader';
import { makePair } from '../src/data/pairs';
import { dataConfig, DEFAULT_DATA_CONFIG } from '../src/data/config';
import { HEATMAP_SIGMA_HR } from '../src/codec/heatmaps';
import { disposeBatch, FaceSample } from '../src/data/types';
import { loadExperiment } from '../src/config/load';

/** One 128-px face with two landmarks: enough to read the Gaussians' widths. */
function face(): FaceSample {
  const hrSize = 128;
  const hr = new Float32Array(hrSize * hrSize * 3).fill(0.5);
  return {
    id: 'sigma-face',
    hr,
    hrSize,
    landmarks: new Float32Array([43.5, 51.5, 80, 70.25]),
    visible: new Uint8Array([1, 1]),
    box: [20, 20, 108, 108],
    provenance: { source: 'test', file: 'none', licence: 'none', labels: 'synthetic', group: 'g' },
  };
}

/** Independent reference: the Gaussian value of landmark p at heatmap cell (i, j), stride 8, offset 3.5. */
function gaussianAt(x: number, y: number, i: number, j: number, sigma: number): number {
  const cx = 3.5 + 8 * j,
    cy = 3.5 + 8 * i;
  const v = Math.exp(-((cx - x) ** 2 + (cy - y) ** 2) / (2 * sigma * sigma));
  return v < 0.01 ? 0 : v;
}

describe('data: heatmap σ (DataConfig.heatmapSigma)', () => {
  it('defaults to the official σ = 4 HR px and rejects σ ≤ 0 naming the key', () => {
    assert.equal(HEATMAP_SIGMA_HR, 4);
    assert.equal(DEFAULT_DATA_CONFIG.heatmapSigma, 4);
    assert.throws(() => dataConfig({ heatmapSigma: 0 }), /data\.heatmapSigma.*found 0/);
    assert.throws(() => dataConfig({ heatmapSigma: -2 }), /data\.heatmapSigma/);
    assert.equal(dataConfig({ heatmapSigma: 10 }).heatmapSigma, 10);
  });

  it('makePair: every heatmap value equals the Gaussian of the given σ (and σ 10 covers more cells than σ 4)', () => {
    const s = face();
    const nonZero: Record<number, number> = {};
    for (const sigma of [4, 10]) {
      const pair = makePair(s, 8, sigma);
      assert.equal(pair.heatmapSide, 16);
      const channels = 3;
      let count = 0;
      for (let i = 0; i < 16; i++) {
        for (let j = 0; j < 16; j++) {
          for (let p = 0; p < 2; p++) {
            const got = pair.heatmaps[(i * 16 + j) * channels + p];
            const want = gaussianAt(s.landmarks[2 * p], s.landmarks[2 * p + 1], i, j, sigma);
            assert.ok(Math.abs(got - want) < 1e-6, `σ ${sigma} cell (${i}, ${j}) point ${p}: ${got} vs ${want}`);
            if (got > 0) count++;
          }
        }
      }
      nonZero[sigma] = count;
    }
    assert.ok(nonZero[10] > 4 * nonZero[4], `non-zero cells σ 4: ${nonZero[4]}, σ 10: ${nonZero[10]}`);
    // The default argument is the official σ.
    assert.deepEqual(Array.from(makePair(s, 8).heatmaps), Array.from(makePair(s, 8, 4).heatmaps));
  });

  it('BatchLoader passes heatmapSigma through to the batch targets', () => {
    const s = face();
    const batch = new BatchLoader([s], { scale: 8, batchSize: 1, seed: 0, shuffle: false, heatmapSigma: 10 }).next();
    const got = batch.heatmaps.dataSync();
    const want = makePair(s, 8, 10).heatmaps;
    assert.equal(got.length, want.length);
    for (let k = 0; k < want.length; k++) assert.ok(Math.abs(got[k] - want[k]) < 1e-6, `index ${k}: ${got[k]} vs ${want[k]}`);
    disposeBatch(batch);
  });

  it('experiment files accept data.heatmapSigma and reject a non-positive one naming the key', () => {
    const ok = loadExperiment('experiments/cpu/jasrnet.json', ['data.heatmapSigma=8']);
    assert.equal(ok.data.heatmapSigma, 8);
    assert.throws(() => loadExperiment('experiments/cpu/jasrnet.json', ['data.heatmapSigma=0']), /heatmapSigma/);
  });
});
