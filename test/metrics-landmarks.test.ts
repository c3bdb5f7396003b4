import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { auc, ced, defaultNormalizer, failureRate, nmePerImage, nmeSummary, nmeTensor, AUC_METHODS } from '../src/metrics';
import { runPythonOracle } from './metrics-oracle';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);

/** 68 GT points with 36 = (100,100) and 45 = (200,100) (IOD 100), the rest spread deterministically. */
function gt68(): Float64Array {
  const p = new Float64Array(136);
  for (let l = 0; l < 68; l++) {
    p[2 * l] = 60 + ((l * 37) % 140);
    p[2 * l + 1] = 50 + ((l * 53) % 150);
  }
  p.set([100, 100], 72);
  p.set([200, 100], 90);
  return p;
}

function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
}

describe('metrics: NME (peers-and-metrics §6.1, §6.6)', () => {
  it('every point shifted by (3,4) with IOD 100 gives NME 0.05, on arrays and on [B,L,2] tensors', () => {
    const gt = gt68();
    const pred = gt.map((v, i) => v + (i % 2 === 0 ? 3 : 4));
    const { nme, protocol } = nmePerImage([pred], [gt]);
    close(nme[0], 0.05, 1e-12, 'array NME');
    assert.deepStrictEqual(protocol, { normalizer: 'inter-ocular', reduction: 'mean', landmarkCount: 68, normalizerDefinition: '‖p36 − p45‖' });
    const t = nmeTensor(tf.tensor3d(Array.from(pred), [1, 68, 2]), tf.tensor3d(Array.from(gt), [1, 68, 2]));
    close(t.dataSync()[0], 0.05, 1e-6, 'tensor NME');
  });

  it('half the points off by 3 px and half by 4 px: mean 0.035, RMS 0.0353553391', () => {
    const gt = gt68();
    const pred = gt.map((v, i) => (i % 2 === 0 ? v + (i / 2 < 34 ? 3 : 4) : v));
    close(nmePerImage([pred], [gt]).nme[0], 0.035, 1e-12, 'mean');
    close(nmePerImage([pred], [gt], { reduction: 'rms' }).nme[0], 0.0353553391, 1e-10, 'rms');
    const tensorRms = nmeTensor(tf.tensor3d(Array.from(pred), [1, 68, 2]), tf.tensor3d(Array.from(gt), [1, 68, 2]), { reduction: 'rms' });
    close(tensorRms.dataSync()[0], 0.0353553391, 1e-7, 'tensor rms');
  });

  it('normalisers: inter-pupil, box, landmark box, box diagonal, WFLW 60–72, CelebA 5 points; per-dataset defaults', () => {
    const gt = gt68();
    // Eye centres = means of 36..41 and 42..47.
    const left = [0, 0];
    const right = [0, 0];
    for (let l = 36; l < 42; l++) [left[0], left[1]] = [left[0] + gt[2 * l] / 6, left[1] + gt[2 * l + 1] / 6];
    for (let l = 42; l < 48; l++) [right[0], right[1]] = [right[0] + gt[2 * l] / 6, right[1] + gt[2 * l + 1] / 6];
    const pupil = Math.hypot(left[0] - right[0], left[1] - right[1]);
    const pred = gt.map((v, i) => v + (i % 2 === 0 ? 3 : 4)); // error 5 px everywhere
    close(nmePerImage([pred], [gt], { normalizer: 'inter-pupil' }).nme[0], 5 / pupil, 1e-12, 'inter-pupil');
    close(nmePerImage([pred], [gt], { normalizer: 'box', boxes: [[10, 20, 110, 56]] }).nme[0], 5 / 60, 1e-12, 'box √(100·36)');
    close(nmePerImage([pred], [gt], { normalizer: 'box-diagonal', boxes: [[0, 0, 30, 40]] }).nme[0], 5 / 50, 1e-12, 'diagonal');
    let minX = Infinity,
      maxX = -Infinity,
      minY = Infinity,
      maxY = -Infinity;
    for (let l = 0; l < 68; l++) {
      minX = Math.min(minX, gt[2 * l]);
      maxX = Math.max(maxX, gt[2 * l]);
      minY = Math.min(minY, gt[2 * l + 1]);
      maxY = Math.max(maxY, gt[2 * l + 1]);
    }
    close(nmePerImage([pred], [gt], { normalizer: 'landmark-box' }).nme[0], 5 / Math.sqrt((maxX - minX) * (maxY - minY)), 1e-12, 'landmark box');

    const wflw = new Float64Array(196).fill(50);
    wflw.set([10, 20], 120);
    wflw.set([10 + 24, 20 + 7], 144); // |p60 − p72| = 25
    close(nmePerImage([wflw.map((v) => v + 1)], [wflw]).nme[0], Math.SQRT2 / 25, 1e-12, 'WFLW');
    const celeba = Float64Array.from([30, 40, 70, 40, 50, 60, 35, 80, 65, 80]);
    close(nmePerImage([celeba.map((v, i) => (i === 0 ? v + 8 : v))], [celeba]).nme[0], 8 / 5 / 40, 1e-12, 'CelebA eye centres');

    assert.deepStrictEqual([68, 19, 194, 98, 5].map(defaultNormalizer), ['inter-ocular', 'box', 'landmark-box', 'inter-ocular', 'inter-ocular']);
    assert.throws(() => defaultNormalizer(21), /no convention for 21 landmarks/);
    assert.throws(() => nmePerImage([new Float64Array(38)], [new Float64Array(38)]), /needs a face box per image/);
  });

  it('only visible points count, and tensors agree with arrays on a random batch with every normaliser', () => {
    const random = seededUniform(3);
    const batch = 5;
    const gt = Array.from({ length: batch }, () => Float64Array.from({ length: 136 }, () => 20 + 100 * random()));
    const pred = gt.map((g) => g.map((v) => v + 6 * (random() - 0.5)));
    const visible = gt.map(() => Uint8Array.from({ length: 68 }, () => (random() < 0.8 ? 1 : 0)));
    const boxes = gt.map((): [number, number, number, number] => [10 * random(), 10 * random(), 100 + 20 * random(), 110 + 20 * random()]);

    // Invisible points may be arbitrarily wrong without changing anything.
    const spoiled = pred.map((p, i) => p.map((v, k) => (visible[i][k >> 1] ? v : v + 1000)));
    assert.deepStrictEqual(nmePerImage(spoiled, gt, { visible }).nme, nmePerImage(pred, gt, { visible }).nme);

    const toTensor = (rows: Float64Array[]) =>
      tf.tensor3d(
        rows.flatMap((r) => Array.from(r)),
        [batch, 68, 2],
      );
    for (const normalizer of ['inter-ocular', 'inter-pupil', 'box', 'landmark-box', 'box-diagonal'] as const) {
      for (const reduction of ['mean', 'rms'] as const) {
        const arrays = nmePerImage(pred, gt, { visible, boxes, normalizer, reduction }).nme;
        const before = tf.memory().numTensors;
        const predT = toTensor(pred);
        const gtT = toTensor(gt);
        const visT = tf.tensor2d(
          visible.flatMap((v) => Array.from(v)),
          [batch, 68],
        );
        const boxT = tf.tensor2d(boxes.flat(), [batch, 4]);
        const tensor = nmeTensor(predT, gtT, { visible: visT, boxes: boxT, normalizer, reduction });
        const values = Array.from(tensor.dataSync());
        const fromTensors = nmePerImage(predT, gtT, { visible: visT, boxes: boxT, normalizer, reduction }).nme;
        tf.dispose([predT, gtT, visT, boxT, tensor]);
        assert.strictEqual(tf.memory().numTensors, before, 'nmeTensor leaks');
        arrays.forEach((v, i) => {
          close(values[i], v, 1e-5 * v, `${normalizer}/${reduction} image ${i} (tensor)`);
          close(fromTensors[i], v, 1e-5 * v, `${normalizer}/${reduction} image ${i} (tensor input)`);
        });
      }
    }
  });
});

describe('metrics: CED, AUC, failure rate (§6.2, §6.6)', () => {
  const nmes = [0.02, 0.04, 0.06, 0.1];

  it('reference table for NMEs {0.02, 0.04, 0.06, 0.10}', () => {
    close(auc(nmes, 0.08, 'exact'), 0.375, 1e-15, 'exact @0.08');
    close(auc(nmes, 0.1, 'exact'), 0.45, 1e-15, 'exact @0.10');
    close(auc(nmes, 0.08, 'pipnet-simpson'), 0.3753125, 1e-12, 'Simpson @0.08');
    close(auc(nmes, 0.1, 'pipnet-simpson'), 0.4503333, 1e-7, 'Simpson @0.10');
    close(auc(nmes, 0.08, 'jasr-linspace2000'), 0.375, 1e-12, 'JASRNet @0.08');
    close(auc(nmes, 0.1, 'jasr-linspace2000'), 0.4500375, 1e-7, 'JASRNet @0.10');
    assert.strictEqual(failureRate(nmes, 0.08), 0.25);
    assert.strictEqual(failureRate(nmes, 0.1), 0, '0.10 is not > 0.10');
    assert.deepStrictEqual(ced(nmes, [0, 0.02, 0.05, 0.1]), [0, 0.25, 0.5, 1]);
  });

  it('per-subset summaries (300W common / challenging / full)', () => {
    const labels = ['common', 'challenging', 'common', 'challenging'];
    const report = nmeSummary(nmes, { subsets: labels, alphas: [0.08] });
    assert.deepStrictEqual(Object.keys(report.subsets), ['common', 'challenging']);
    close(report.all.nme, 0.055, 1e-15, 'full mean');
    close(report.subsets.common.nme, 0.04, 1e-15, 'common mean');
    close(report.subsets.challenging.nme, 0.07, 1e-15, 'challenging mean');
    assert.strictEqual(report.subsets.challenging.failureRate['0.08'], 0.5);
    close(report.subsets.common.auc['0.08'], (0.06 + 0.02) / 2 / 0.08, 1e-15, 'common AUC');
    assert.strictEqual(report.all.count, 4);
    assert.strictEqual(report.protocol.aucMethod, 'exact');
    assert.throws(() => nmeSummary(nmes, { subsets: ['a'] }), /4 NMEs but 1 subset labels/);
  });

  it('every AUC method and FR agree with numpy/scipy/sklearn-style code on 300 random NMEs', () => {
    const random = seededUniform(11);
    const values = Array.from({ length: 300 }, () => 0.15 * random() ** 2);
    const alphas = [0.07, 0.08, 0.1];
    const oracle = runPythonOracle<Record<string, number[]>>(
      String.raw`
import json, sys
import numpy as np
from scipy.integrate import simpson
job = json.load(sys.stdin); e = np.array(job['nmes'])
out = {'exact': [], 'jasr-linspace2000': [], 'pipnet-simpson': [], 'fr': []}
for a in job['alphas']:
    # exact: area under the step CED, summed interval by interval between the sorted errors below a
    cuts = np.concatenate([[0.0], np.sort(e[e < a]), [a]])
    area = sum(np.mean(e <= cuts[k]) * (cuts[k + 1] - cuts[k]) for k in range(len(cuts) - 1))
    out['exact'].append(float(area / a))
    th = np.linspace(0, a, num=2000)
    acc = np.array([np.sum(e < t) / e.size for t in th])
    out['jasr-linspace2000'].append(float(np.trapz(acc, th) / a))
    xs = np.arange(0, a + 1e-4, 1e-4)
    ys = np.array([np.count_nonzero(e <= x) for x in xs]) / float(e.size)
    out['pipnet-simpson'].append(float(simpson(ys, x=xs) / a))
    out['fr'].append(float(np.mean(e > a)))
print(json.dumps(out))`,
      { nmes: values, alphas },
    );
    alphas.forEach((a, k) => {
      for (const method of AUC_METHODS) close(auc(values, a, method), oracle[method][k], 1e-12, `${method} @${a}`);
      assert.strictEqual(failureRate(values, a), oracle.fr[k]);
    });
    // The three conventions really differ on the same errors (third decimal).
    assert.ok(Math.abs(auc(values, 0.07, 'pipnet-simpson') - auc(values, 0.07, 'exact')) > 1e-4);
  });
});
