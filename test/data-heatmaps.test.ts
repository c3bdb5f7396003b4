import * as assert from 'assert';
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import { makeHeatmaps, HEATMAP_THRESHOLD } from '../src/codec/heatmaps';
import { HEATMAP_STRIDE } from '../src/core/geometry';
import { Rng } from '../src/core/prng';

const PYTHON = '/usr/bin/python3';

// The official apply_bound then generate_label_map (reference notes §1.5, docs/model.md), retyped in numpy as the oracle.
const OFFICIAL = `
import sys, json, numpy as np
a = json.load(sys.stdin)
pts = np.array(a['pts'], dtype=np.float64).reshape(3, -1)
h = w = a['side']; ds = a['stride']; sigma = 4.0
W = H = h * ds
oks = np.vstack((pts[0] >= 0, pts[1] >= 0, pts[0] <= W, pts[1] <= H, pts[2].astype('bool')))
pts[2] = np.sum(oks, axis=0) == 5
offset = ds / 2.0 - 0.5
n = pts.shape[1]
lab = np.fromfunction(lambda y, x, p: ((offset + x*ds - pts[0,p])**2 + (offset + y*ds - pts[1,p])**2) / -2.0 / sigma / sigma, (h, w, n), dtype=int)
mask = np.ones((1, 1, n+1), dtype='float32'); mask[0, 0, :n] = pts[2].astype(bool)
lab = np.exp(lab); lab[lab < 0.01] = 0; lab[lab > 1] = 1; lab = lab * mask[:, :, :n]
bg = 1 - np.amax(lab, axis=2); bg[bg < 0] = 0
hm = np.concatenate((lab, bg[:, :, None]), axis=2).astype('float32') * mask
print(json.dumps({'hm': hm.reshape(-1).tolist(), 'mask': mask.reshape(-1).tolist()}))
`;

describe('data: official heatmaps', () => {
  it('uses the stride from the model config (8) for both scales', () => {
    assert.strictEqual(HEATMAP_STRIDE, 8);
    assert.strictEqual(makeHeatmaps([60, 60], [1], 128).side, 16);
    assert.strictEqual(makeHeatmaps([60, 60], [1], 256).side, 32);
  });

  it('peaks at 1 on the cell centred on the landmark (offset 3.5), exp(−2) next to it, zero below 0.01', () => {
    // Landmark exactly at the centre of cell (row 5, col 7): (3.5 + 7·8, 3.5 + 5·8).
    const { heatmaps, side, mask } = makeHeatmaps([3.5 + 56, 3.5 + 40], [1], 128);
    const at = (r: number, c: number, ch: number): number => heatmaps[(r * side + c) * 2 + ch];
    assert.strictEqual(at(5, 7, 0), 1);
    assert.ok(Math.abs(at(5, 8, 0) - Math.exp(-2)) < 1e-7); // 8 px away, σ = 4
    assert.ok(Math.abs(at(6, 8, 0) - Math.exp(-4)) < 1e-7); // diagonal: 0.0183 > 0.01 kept
    assert.strictEqual(at(5, 9, 0), 0); // exp(−8) = 0.00034 < 0.01 zeroed
    assert.ok(Math.exp(-8) < HEATMAP_THRESHOLD && Math.exp(-4) > HEATMAP_THRESHOLD);
    assert.strictEqual(at(5, 7, 1), 0); // background = 1 − max
    assert.ok(Math.abs(at(5, 8, 1) - (1 - Math.exp(-2))) < 1e-7);
    assert.strictEqual(at(0, 0, 1), 1);
    assert.deepStrictEqual(Array.from(mask), [1, 1]);
  });

  it('an invisible landmark gives an all-zero channel and mask 0; the background mask stays 1', () => {
    const { heatmaps, mask } = makeHeatmaps([60, 60, 20, 20], [1, 0], 128);
    for (let i = 1; i < heatmaps.length; i += 3) assert.strictEqual(heatmaps[i], 0);
    assert.deepStrictEqual(Array.from(mask), [1, 0, 1]);
  });

  it('equals the official numpy generate_label_map on random landmarks (68 points, 128 and 256 HR)', () => {
    assert.ok(fs.existsSync(PYTHON), `${PYTHON} (Debian, with numpy) is required for this oracle test`);
    const rng = new Rng(3);
    for (const hrSize of [128, 256]) {
      const points = 68;
      const xy = Array.from({ length: 2 * points }, () => rng.uniform(-4, hrSize + 4));
      const vis = Array.from({ length: points }, () => (rng.next() < 0.9 ? 1 : 0));
      const ours = makeHeatmaps(xy, vis, hrSize);
      const pts = [...xy.filter((_, i) => i % 2 === 0), ...xy.filter((_, i) => i % 2 === 1), ...vis];
      const r = spawnSync(PYTHON, ['-c', OFFICIAL], { input: JSON.stringify({ pts, side: hrSize / 8, stride: 8 }), encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.strictEqual(r.status, 0, r.stderr);
      const ref = JSON.parse(r.stdout) as { hm: number[]; mask: number[] };
      assert.strictEqual(ours.heatmaps.length, ref.hm.length);
      let worst = 0;
      for (let i = 0; i < ref.hm.length; i++) worst = Math.max(worst, Math.abs(ours.heatmaps[i] - ref.hm[i]));
      assert.ok(worst < 1e-6, `HR ${hrSize}: max diff ${worst}`);
      assert.deepStrictEqual(Array.from(ours.mask), ref.mask);
    }
  });
});
