/**
 * The 3D path from data to loss: depth and pose on samples (files → crop → resize → augmentation → batch), the
 * depth head (built shapes, analytic parameter counts, 2D models unchanged), the depth loss against numpy, and a
 * few training steps of a depth JASRNet on synthetic faces with synthetic z.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { syntheticFaces } from '../src/data/embedded/synthetic';
import { affineSample, flipSample } from '../src/data/augment';
import { flipTable } from '../src/data/flip-tables';
import { resizeSample } from '../src/data/pairs';
import { BatchLoader } from '../src/data/loader';
import { disposeBatch, FaceSample } from '../src/data/types';
import { depthInCrop, visibleMean } from '../src/data/depth';
import { withSyntheticDepth } from '../src/data/depth-synthetic';
import { openDataset } from '../src/data/open';
import { MODEL_CONFIG_SCHEMA, DEPTH_ARCHITECTURES } from '../src/model/config';
import { buildModel, countParams } from '../src/model';
import { DEPTH_HEADS } from '../src/model/heads/depth';
import { depthLoss } from '../src/losses/depth';
import { jointLoss } from '../src/losses/joint';
import { runPythonOracle } from './metrics-oracle';
import { JasrTrainable } from '../src/task/jasr-adapter';
import { TRAIN_CONFIG_SCHEMA } from '../src/engine/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { checkDepthData } from '../src/pipeline/run-experiment';
import type { Experiment } from '../src/config/load';
import type { OpenedDataset } from '../src/data/open';
import { jasrReplica } from '../src/task/jasr-replica';

const tiny = { features: 4, trunkBlocks: 1, stages: 1, scale: 8 as const };

describe('3D: depth and pose on samples, the depth head and its loss', function () {
  this.timeout(120000);

  it('AFLW2000-3D files → samples: z follows x, y into the crop (centred, ÷ crop scale), pose in degrees', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-3d-'));
    const xy: number[] = [];
    const z: number[] = [];
    for (let i = 0; i < 68; i++) {
      // A 16 px wide face in a 24 px image, z from −6 to 7.
      xy.push(4 + ((i * 7) % 17), 3 + ((i * 5) % 15));
      z.push(-6 + ((i * 3) % 14) + 0.25);
    }
    const pose = [0.1, -0.7, 0.2, 1, 2, 3, 0.001];
    const pt3d = { rows: 3, cols: 68, data: [...xy.filter((_, k) => k % 2 === 0), ...xy.filter((_, k) => k % 2 === 1), ...z] };
    const files = [
      { path: path.join(root, 'image00002.mat'), kind: 'mat', vars: { pt3d_68: pt3d, Pose_Para: { rows: 1, cols: 7, data: pose } } },
      { path: path.join(root, 'image00002.jpg'), kind: 'image', seed: 3 },
    ];
    const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'oracles', 'fixtures_3d.py')], { input: JSON.stringify(files), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const data = await openDataset({ format: 'aflw2000-3d', root, hrSize: 64, margin: 0.1 });
    assert.equal(data.test.length, 1);
    const s = data.test[0];
    assert.ok(s.depth && s.pose);
    // Crop side: landmark box side max(16, 14) · 1.2 = 19.2 source px for 64 HR px.
    const perHr = (16 * 1.2) / 64;
    const meanZ = z.reduce((a, b) => a + b, 0) / 68;
    z.forEach((v, i) => assert.ok(Math.abs((s.depth as Float32Array)[i] - (v - meanZ) / perHr) < 1e-4, `point ${i}`));
    assert.ok(Math.abs(visibleMean(s.depth, s.visible)) < 1e-4);
    // x scales by the same factor: the span of x in HR pixels is 16 / perHr.
    const xs = Array.from({ length: 68 }, (_, i) => s.landmarks[2 * i]);
    assert.ok(Math.abs(Math.max(...xs) - Math.min(...xs) - 16 / perHr) < 1e-3);
    const deg = 180 / Math.PI;
    assert.ok(Math.abs(s.pose.pitch - 0.1 * deg) < 1e-9 && Math.abs(s.pose.yaw + 0.7 * deg) < 1e-9 && Math.abs(s.pose.roll - 0.2 * deg) < 1e-9);
  });

  it('depthInCrop centres on the visible points only', () => {
    const d = depthInCrop([1, 2, 3, 100], [1, 1, 1, 0], 2);
    assert.deepEqual(Array.from(d), [-0.5, 0, 0.5, 49]);
  });

  it('flip permutes z without changing it and negates yaw and roll; resize and zoom scale z', () => {
    const [s] = withSyntheticDepth(syntheticFaces(1, 5, 64));
    const f = flipSample(s);
    const table = flipTable(68);
    for (let i = 0; i < 68; i++) assert.equal((f.depth as Float32Array)[table[i]], (s.depth as Float32Array)[i]);
    assert.deepEqual(f.pose, { pitch: s.pose?.pitch, yaw: -(s.pose?.yaw as number), roll: -(s.pose?.roll as number) });
    // Flipping twice gives the original depth back.
    assert.deepEqual(Array.from(flipSample(f).depth as Float32Array), Array.from(s.depth as Float32Array));
    const big = resizeSample(s, 128);
    (big.depth as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - 2 * (s.depth as Float32Array)[i]) < 1e-5));
    const zoomed = affineSample(s, 0, 1.25, 0, 0);
    (zoomed.depth as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - 1.25 * (s.depth as Float32Array)[i]) < 1e-5));
    assert.deepEqual(zoomed.pose, s.pose);
    assert.equal(affineSample(s, 0.1, 1, 0, 0).pose, undefined, 'a rotated face drops its pose (roll would be wrong)');
  });

  it('batches carry depth [B, L] and its mask only when some sample has depth; a sample without depth is masked out', () => {
    const faces = syntheticFaces(3, 7, 128);
    const withDepth = withSyntheticDepth(faces.slice(0, 2));
    const mixed = new BatchLoader([...withDepth, faces[2]], { scale: 8, batchSize: 3, seed: 1, shuffle: false });
    const b = mixed.next();
    try {
      assert.deepEqual(b.depth?.shape, [3, 68]);
      const valid = b.depthValid?.arraySync() as number[][];
      const visible = b.visible.arraySync() as number[][];
      assert.deepEqual(valid[0], visible[0]);
      assert.deepEqual(valid[2], new Array(68).fill(0));
      const z = b.depth?.arraySync() as number[][];
      z[1].forEach((v, i) => assert.ok(Math.abs(v - (withDepth[1].depth as Float32Array)[i]) < 1e-5));
    } finally {
      disposeBatch(b);
    }
    const plain = new BatchLoader(faces, { scale: 8, batchSize: 3, seed: 1, shuffle: false }).next();
    assert.equal(plain.depth, undefined);
    assert.equal(plain.depthValid, undefined);
    disposeBatch(plain);
  });

  it('worker shards of a depth batch carry their rows of depth and depthValid', () => {
    const faces = withSyntheticDepth(syntheticFaces(3, 9, 128));
    const batch = new BatchLoader(faces, { scale: 8, batchSize: 3, seed: 1, shuffle: false }).next();
    const { head, rest } = jasrReplica.split(batch, [2, 1]);
    const shard = jasrReplica.fromPayload(rest[0]);
    try {
      const z = batch.depth?.arraySync() as number[][];
      assert.deepEqual(head.depth?.arraySync(), z.slice(0, 2));
      assert.deepEqual(shard.depth?.arraySync(), z.slice(2));
      assert.deepEqual(shard.depthValid?.arraySync(), (batch.depthValid?.arraySync() as number[][]).slice(2));
    } finally {
      for (const b of [batch, head, shard]) disposeBatch(b);
    }
  });

  it('the depth head: [B, L] output, analytic parameter count = built, 2D models unchanged', () => {
    const spec = DEPTH_HEADS.regression;
    for (const architecture of DEPTH_ARCHITECTURES) {
      const config = MODEL_CONFIG_SCHEMA.parse({ ...tiny, landmarks: 5, architecture, depth: true });
      const plainConfig = MODEL_CONFIG_SCHEMA.parse({ ...tiny, landmarks: 5, architecture });
      const model = buildModel(config);
      const plain = buildModel(plainConfig);
      try {
        const built = model.trainableVariables().reduce((s, v) => s + v.size, 0);
        assert.equal(built, countParams(config).trainableParams, architecture);
        const depthRow = model.parameterTable().find((r) => r.module === 'depth');
        // 9·(F+L+1)·F + F + 9F² + F + F·L + L with F 4, L 5: 360 + 4 + 144 + 4 + 20 + 5.
        assert.equal(depthRow?.params, 537);
        assert.equal(spec.params(4, 5), 537);
        assert.equal(countParams(config).trainableParams - countParams(plainConfig).trainableParams, 537);
        // Without model.depth: no depth variables, and the shared variables are the same, with the same values.
        const names = Object.keys(plain.namedVariables());
        assert.ok(!names.some((n) => n.startsWith('depth/')));
        const withDepth = model.namedVariables();
        for (const [n, v] of Object.entries(plain.namedVariables())) assert.deepEqual(Array.from(v.dataSync()), Array.from(withDepth[n].dataSync()), n);
        const input = tf.zeros([2, 64, 64, 3]) as tf.Tensor4D;
        const out = model.apply(input, { hr: input });
        assert.deepEqual(out.depth?.shape, [2, 5]);
        const out2d = plain.apply(input, { hr: input });
        assert.equal(out2d.depth, undefined);
        tf.dispose([input, out.sr, out.depth, ...out.heatmaps, out2d.sr, ...out2d.heatmaps]);
      } finally {
        model.dispose();
        plain.dispose();
      }
    }
  });

  it('model.depth on an architecture without an alignment head is refused, naming the key', () => {
    const r = MODEL_CONFIG_SCHEMA.safeParse({ architecture: 'sr-only', depth: true });
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), /depth.*alignment head/);
  });

  it('depth loss equals an independent numpy computation (L1 and L2, centred, ÷ box size, masked)', () => {
    const b = 3,
      l = 6;
    const rnd = (k: number): number => Math.sin(k * 12.9898) * 43758.5453 - Math.floor(Math.sin(k * 12.9898) * 43758.5453);
    const pred = Array.from({ length: b * l }, (_, k) => 10 * rnd(k + 1) - 5);
    const target = Array.from({ length: b * l }, (_, k) => 10 * rnd(k + 100) - 5);
    const valid = [1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    const lm = Array.from({ length: b * l * 2 }, (_, k) => 40 * rnd(k + 200) + 10);
    const script = `
import json, sys, numpy as np
d = json.load(sys.stdin)
p = np.array(d['pred']).reshape(3, 6); t = np.array(d['target']).reshape(3, 6)
v = np.array(d['valid'], float).reshape(3, 6); lm = np.array(d['lm']).reshape(3, 6, 2)
out = {}
for kind in ['l1', 'l2']:
    tot, cnt = 0.0, 0.0
    for i in range(3):
        m = v[i] > 0
        if not m.any():
            continue
        pc = p[i] - p[i][m].mean(); tc = t[i] - t[i][m].mean()
        w = lm[i][m, 0].max() - lm[i][m, 0].min(); h = lm[i][m, 1].max() - lm[i][m, 1].min()
        e = (pc - tc)[m] / max(np.sqrt(w * h), 1)
        tot += (np.abs(e) if kind == 'l1' else e ** 2).sum(); cnt += m.sum()
    out[kind] = tot / cnt
print(json.dumps(out))`;
    const ref = runPythonOracle<{ l1: number; l2: number }>(script, { pred, target, valid, lm });
    for (const kind of ['l1', 'l2'] as const) {
      const v = tf.tidy(
        () => depthLoss(kind, tf.tensor2d(pred, [b, l]), tf.tensor2d(target, [b, l]), tf.tensor2d(valid, [b, l]), tf.tensor3d(lm, [b, l, 2])).dataSync()[0],
      );
      assert.ok(Math.abs(v - ref[kind]) < 1e-5 * Math.max(1, ref[kind]), `${kind}: ${v} vs numpy ${ref[kind]}`);
    }
    const none = tf.tidy(() => depthLoss('l1', tf.ones([1, 3]), tf.zeros([1, 3]), tf.zeros([1, 3]), tf.zeros([1, 3, 2])).dataSync()[0]);
    assert.equal(none, 0);
  });

  it('joint loss: a 2D model has the same total as before; a depth model adds weight · depth term', () => {
    const hr = tf.fill([1, 16, 16, 3], 0.5) as tf.Tensor4D;
    const sr = tf.fill([1, 16, 16, 3], 0.25) as tf.Tensor4D;
    const heat = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const mask = tf.ones([1, 1, 1, 3]) as tf.Tensor4D;
    const targets = {
      hr,
      heatmaps: heat,
      mask,
      depth: tf.tensor2d([[1, -1]]),
      depthValid: tf.tensor2d([[1, 1]]),
      landmarks: tf.tensor3d([
        [
          [0, 0],
          [4, 4],
        ],
      ]),
    };
    const cfg = { pixel: 'l1' as const, heatmap: 'official' as const, pixelWeight: 1, heatmapWeight: 1, depthWeight: 0.5 };
    const flat = jointLoss({ sr, heatmaps: [heat] }, targets, cfg);
    assert.ok(Math.abs(flat.total.dataSync()[0] - 0.25) < 1e-7);
    const withDepth = jointLoss({ sr, heatmaps: [heat], depth: tf.tensor2d([[0, 0]]) }, targets, cfg);
    // |0 − 1| / 4 and |0 + 1| / 4: mean 0.25, weighted 0.5.
    assert.ok(Math.abs(withDepth.depth.dataSync()[0] - 0.25) < 1e-7);
    assert.ok(Math.abs(withDepth.total.dataSync()[0] - (0.25 + 0.5 * 0.25)) < 1e-7);
    tf.dispose([hr, sr, heat, mask, targets.depth, targets.depthValid, targets.landmarks, flat, withDepth] as unknown as tf.Tensor[]);
  });

  it('a depth JASRNet trains on synthetic faces with z: the depth term is logged and falls, nothing leaks', async () => {
    const faces = withSyntheticDepth(syntheticFaces(4, 11, 64));
    const model = buildModel(MODEL_CONFIG_SCHEMA.parse({ ...tiny, depth: true, srResidual: 'input', meanShift: 'inverse' }), 3);
    const train = TRAIN_CONFIG_SCHEMA.parse({ batchSize: 4, lossWeights: { pixel: 1, heatmap: 0.01, depth: 1 }, workers: 1 });
    const trainable = new JasrTrainable(model, train, DEFAULT_EVAL_CONFIG);
    assert.deepEqual(trainable.lossTermNames, ['pixel', 'heatmap', 'depth']);
    assert.ok(trainable.metricNames.includes('nme3d'));
    const loader = new BatchLoader(faces, { scale: 8, batchSize: 4, seed: 1, shuffle: false });
    const batch = loader.next();
    const optimizer = tf.train.adam(1e-2);
    const depthOf = (): number =>
      tf.tidy(() => {
        const t = trainable.lossFn(batch, { step: 0, epoch: 0, rng: undefined as never });
        return t.terms.depth.dataSync()[0];
      });
    try {
      const before = depthOf();
      const tensorsBefore = tf.memory().numTensors;
      for (let i = 0; i < 8; i++) {
        const cost = optimizer.minimize(
          () => trainable.lossFn(batch, { step: i, epoch: 0, rng: undefined as never }).total,
          true,
          trainable.trainableVariables(),
        );
        cost?.dispose();
      }
      const after = depthOf();
      assert.ok(after < 0.8 * before, `depth loss ${before} → ${after}`);
      // Adam's slots are made on the first step; later steps must not add tensors.
      const steady = tf.memory().numTensors;
      const cost = optimizer.minimize(
        () => trainable.lossFn(batch, { step: 99, epoch: 0, rng: undefined as never }).total,
        true,
        trainable.trainableVariables(),
      );
      cost?.dispose();
      assert.equal(tf.memory().numTensors, steady, `tensors before training ${tensorsBefore}`);
      const metrics = await trainable.evaluate(faces.slice(0, 2));
      assert.ok(Number.isFinite(metrics.nme3d) && Number.isFinite(metrics.depth));
    } finally {
      optimizer.dispose();
      disposeBatch(batch);
      model.dispose();
    }
  });

  it('model.depth on a dataset without depth fails with one line naming the dataset', () => {
    const exp = { file: 'experiments/3d/x.json', model: { depth: true }, data: { format: 'embedded' } } as unknown as Experiment;
    const data = { train: syntheticFaces(1, 1, 64) as FaceSample[], info: { name: 'embedded real faces' } } as unknown as OpenedDataset;
    assert.throws(
      () => checkDepthData(exp, data),
      (e: Error) => /experiments\/3d\/x\.json: key 'model\.depth': .*embedded real faces.*'embedded'.*no(ne)? /.test(e.message) && !e.message.includes('\n'),
    );
    assert.doesNotThrow(() => checkDepthData(exp, { ...data, train: withSyntheticDepth(data.train) }));
  });
});
