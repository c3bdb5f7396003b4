/**
 * The 3D protocols (src/metrics/nme-3d.ts) against an independent numpy computation on fixed data, and their
 * wiring into the one evaluator (src/task/evaluate.ts) and the table statistics (src/pipeline/table-stats.ts).
 */
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { nme3dPerImage, nmeBoxPerImage, yawBin, yawBinned } from '../src/metrics/nme-3d';
import { runPythonOracle } from './metrics-oracle';
import { syntheticFaces } from '../src/data/embedded/synthetic';
import { withSyntheticDepth } from '../src/data/depth-synthetic';
import { evaluate, metricsRow, Predictor } from '../src/task/evaluate';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { faceValue, metricTable } from '../src/pipeline/table-stats';
import { metricDirection } from '../src/metrics/stats/direction';

/** Deterministic pseudo-random numbers in [0, 1). */
const rnd = (k: number): number => {
  const v = Math.sin(k * 12.9898 + 78.233) * 43758.5453;
  return v - Math.floor(v);
};

describe('metrics: 3D protocols (box NME, 3D NME, yaw bins)', function () {
  this.timeout(120000);

  it('box NME, 3D NME and yaw bins equal numpy on fixed data', () => {
    const images = 7,
      points = 10;
    const gtXy = Array.from({ length: images }, (_, i) => Array.from({ length: 2 * points }, (_, k) => 20 + 60 * rnd(i * 100 + k)));
    const predXy = gtXy.map((g, i) => g.map((v, k) => v + 6 * (rnd(i * 100 + k + 50) - 0.5)));
    const gtZ = Array.from({ length: images }, (_, i) => Array.from({ length: points }, (_, k) => 30 * rnd(i * 100 + k + 70) - 15));
    // Predicted z: GT + noise + a per-image offset the protocol must ignore.
    const predZ = gtZ.map((z, i) => z.map((v, k) => v + 4 * (rnd(i * 100 + k + 90) - 0.5) + 10 * i));
    const visible = gtXy.map((_, i) => Array.from({ length: points }, (_, k) => ((i + k) % 4 === 3 ? 0 : 1)));
    const yaws = [5, -29.9, 30, 45.5, -61, 89, -95];
    const script = `
import json, sys, numpy as np
d = json.load(sys.stdin)
box, n3 = [], []
for gx, px, gz, pz, v in zip(d['gtXy'], d['predXy'], d['gtZ'], d['predZ'], d['visible']):
    g = np.array(gx).reshape(-1, 2); p = np.array(px).reshape(-1, 2); m = np.array(v) > 0
    gz = np.array(gz); pz = np.array(pz)
    size = np.sqrt(np.ptp(g[m, 0]) * np.ptp(g[m, 1]))
    box.append(float(np.linalg.norm(p[m] - g[m], axis=1).mean() / size))
    dz = (pz - pz[m].mean()) - (gz - gz[m].mean())
    e3 = np.sqrt(((p - g) ** 2).sum(1) + dz ** 2)
    n3.append(float(e3[m].mean() / size))
yaw = np.abs(np.array(d['yaws']))
edges = [(0, 30), (30, 60), (60, 90)]
bins = []
for lo, hi in edges:
    sel = (yaw <= hi) & ((yaw > lo) | (lo == 0))
    bins.append(float(np.array(box)[sel].mean()) if sel.any() else None)
print(json.dumps({'box': box, 'n3': n3, 'bins': bins, 'mean': float(np.mean([b for b in bins if b is not None]))}))`;
    const ref = runPythonOracle<{ box: number[]; n3: number[]; bins: number[]; mean: number }>(script, { gtXy, predXy, gtZ, predZ, visible, yaws });
    const box = nmeBoxPerImage(predXy, gtXy, visible);
    const n3 = nme3dPerImage(predXy, predZ, gtXy, gtZ, visible);
    box.forEach((v, i) => assert.ok(Math.abs(v - ref.box[i]) < 1e-12, `box ${i}: ${v} vs ${ref.box[i]}`));
    n3.forEach((v, i) => assert.ok(Math.abs(v - ref.n3[i]) < 1e-12, `3d ${i}: ${v} vs ${ref.n3[i]}`));
    // The 3D error is at least the 2D one (z adds a non-negative term per point).
    n3.forEach((v, i) => assert.ok(v >= box[i]));
    const binned = yawBinned(box, yaws);
    assert.deepEqual(
      [binned.bins['yaw0-30'].count, binned.bins['yaw30-60'].count, binned.bins['yaw60-90'].count],
      [3, 1, 2],
      '30° goes to the first bin, −95° to none',
    );
    (['yaw0-30', 'yaw30-60', 'yaw60-90'] as const).forEach((b, k) => assert.ok(Math.abs((binned.bins[b].mean as number) - ref.bins[k]) < 1e-12, b));
    assert.ok(Math.abs((binned.mean as number) - ref.mean) < 1e-12);
    assert.equal(yawBin(90), 'yaw60-90');
    assert.equal(yawBin(90.01), null);
  });

  it('the evaluator adds the 3D columns on faces with depth and pose, and only there', async () => {
    const faces = withSyntheticDepth(syntheticFaces(3, 21, 128));
    // A predictor off by a known shift in x and a known z error on point 0.
    const predictor: Predictor = (batch) => ({
      landmarksHr: tf.tidy(() => tf.add(batch.landmarks, tf.tensor1d([2, 0])) as tf.Tensor3D),
      depth: tf.tidy(() => tf.add(batch.depth as tf.Tensor2D, tf.oneHot([0], 68).mul(5).reshape([1, 68])) as tf.Tensor2D),
    });
    const e = await evaluate(predictor, faces, DEFAULT_EVAL_CONFIG, { scale: 8, batchSize: 2 });
    const row = metricsRow(e);
    const three = e.summary.threeD;
    assert.ok(three && three.nme3d !== undefined && three.yaw);
    for (const r of e.perImage) {
      const face = faces.find((f) => f.id === r.id) as (typeof faces)[number];
      const xs = Array.from({ length: 68 }, (_, i) => face.landmarks[2 * i]);
      const ys = Array.from({ length: 68 }, (_, i) => face.landmarks[2 * i + 1]);
      const size = Math.sqrt((Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys)));
      assert.ok(Math.abs((r.nmeBox as number) - 2 / size) < 1e-5, `${r.id} box NME`);
      // Point 0's z is off by 5, the centred difference is 5 − 5/68 there and −5/68 elsewhere.
      let sum = Math.hypot(2, 5 - 5 / 68);
      for (let i = 1; i < 68; i++) sum += Math.hypot(2, 5 / 68);
      assert.ok(Math.abs((r.nme3d as number) - sum / 68 / size) < 1e-5, `${r.id} 3D NME`);
      assert.equal(r.yaw, face.pose?.yaw);
    }
    assert.equal(row['nme-box'], three.nmeBox);
    assert.equal(row.nme3d, three.nme3d);
    assert.ok('nme-box@yaw0-30' in row && 'nme3d@yaw-mean' in row && 'auc3d@0.08' in row);
    assert.match(e.protocol.name, /3D: nme-box and nme-3d/);
    // 2D faces: the row keeps exactly its 2D columns.
    const plain = await evaluate((batch) => ({ landmarksHr: tf.clone(batch.landmarks) }), syntheticFaces(2, 3, 128), DEFAULT_EVAL_CONFIG, { scale: 8 });
    assert.deepEqual(Object.keys(metricsRow(plain)), ['nme', 'auc@0.07', 'auc@0.08', 'fr@0.08', 'psnr', 'ssim']);
    assert.equal(plain.summary.threeD, undefined);
  });

  it('table columns: yaw-bin metrics are measured on the faces of their bin, with directions', () => {
    const records = [
      { face: 'a', group: 'a', fold: 0, seed: 1, nme: 0.1, nmeBox: 0.05, nme3d: 0.07, yaw: 10 },
      { face: 'b', group: 'b', fold: 0, seed: 1, nme: 0.2, nmeBox: 0.06, nme3d: 0.08, yaw: -40 },
      { face: 'c', group: 'c', fold: 0, seed: 1, nme: 0.3, nmeBox: 0.09, nme3d: 0.1, yaw: 70 },
    ];
    assert.equal(faceValue(records[1], 'nme-box@yaw30-60'), 0.06);
    assert.equal(faceValue(records[0], 'nme-box@yaw30-60'), undefined);
    assert.equal(faceValue(records[2], 'nme3d'), 0.1);
    assert.equal(faceValue(records[0], 'auc3d@0.08'), (0.08 - 0.07) / 0.08);
    assert.deepEqual(metricTable('r', records, 'nme3d@yaw60-90')?.values, [[0.1]]);
    assert.deepEqual(metricTable('r', records, 'nme-box')?.groups, ['a', 'b', 'c']);
    assert.equal(metricDirection('nme-box@yaw0-30'), 'lower');
    assert.equal(metricDirection('auc3d@0.08'), 'higher');
  });
});
