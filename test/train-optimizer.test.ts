import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../src/engine/optimizer';
import { clipByGlobalNorm } from '../src/engine/clip';
import { learningRateAt } from '../src/engine/schedule';
import { DEFAULT_TRAIN_CONFIG, OptimizerConfig } from '../src/engine/config';

/** torch.optim.Adam / AdamW written out in float64, one parameter vector, as an independent reference. */
function referenceAdam(cfg: OptimizerConfig, theta0: number[], gradsPerStep: number[][], lrPerStep: number[]): number[] {
  const theta = [...theta0];
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  gradsPerStep.forEach((grads, s) => {
    const t = s + 1;
    const lr = lrPerStep[s];
    for (let i = 0; i < theta.length; i++) {
      let g = grads[i];
      if (cfg.decay === 'coupled') g += cfg.weightDecay * theta[i];
      else theta[i] *= 1 - lr * cfg.weightDecay;
      m[i] = cfg.beta1 * m[i] + (1 - cfg.beta1) * g;
      v[i] = cfg.beta2 * v[i] + (1 - cfg.beta2) * g * g;
      const bc1 = 1 - cfg.beta1 ** t;
      const bc2 = 1 - cfg.beta2 ** t;
      theta[i] -= (lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + cfg.epsilon));
    }
  });
  return theta;
}

const theta0 = [0.5, -1.25, 2.0];
// Gradients with varied sign and magnitude (including a tiny one, where ε matters) over four steps.
const grads = [
  [0.3, -0.02, 1.5],
  [-0.1, 0.04, 1.2],
  [0.25, 1e-7, -0.8],
  [0.05, -0.3, 0.1],
];
const lrs = [0.1, 0.1, 0.05, 0.05];

function runTf(cfg: OptimizerConfig): { theta: number[]; adam: Adam; w: tf.Variable } {
  const w = tf.variable(tf.tensor1d(theta0));
  const adam = new Adam(cfg, { w });
  grads.forEach((g, s) => {
    const gt = tf.tensor1d(g);
    adam.apply({ w: gt }, lrs[s]);
    gt.dispose();
  });
  return { theta: Array.from(w.dataSync()), adam, w };
}

describe('train/optimizer: Adam against a float64 PyTorch-equivalent reference', () => {
  for (const decay of ['coupled', 'decoupled'] as const) {
    it(`${decay} weight decay matches the reference within 1e-6 after 4 steps`, () => {
      const cfg: OptimizerConfig = { ...DEFAULT_TRAIN_CONFIG.optimizer, weightDecay: 0.05, decay };
      const expected = referenceAdam(cfg, theta0, grads, lrs);
      const { theta, adam, w } = runTf(cfg);
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(theta[i] - expected[i]) < 1e-6, `θ[${i}] = ${theta[i]}, reference ${expected[i]}`);
      // The parameters actually moved (a no-op optimiser would leave θ0).
      assert.ok(Math.abs(theta[2] - theta0[2]) > 0.1);
      adam.dispose();
      w.dispose();
    });
  }

  it('coupled and decoupled decay give different results (the mode is not ignored)', () => {
    const a = runTf({ ...DEFAULT_TRAIN_CONFIG.optimizer, weightDecay: 0.5, decay: 'coupled' });
    const b = runTf({ ...DEFAULT_TRAIN_CONFIG.optimizer, weightDecay: 0.5, decay: 'decoupled' });
    assert.ok(Math.abs(a.theta[1] - b.theta[1]) > 1e-3);
    for (const r of [a, b]) {
      r.adam.dispose();
      r.w.dispose();
    }
  });

  it('state saved after 2 steps and restored into a fresh optimiser continues bit-identically', () => {
    const cfg: OptimizerConfig = { ...DEFAULT_TRAIN_CONFIG.optimizer, weightDecay: 0.01 };
    const full = runTf(cfg);
    const w = tf.variable(tf.tensor1d(theta0));
    const first = new Adam(cfg, { w });
    for (let s = 0; s < 2; s++) tf.tidy(() => first.apply({ w: tf.tensor1d(grads[s]) }, lrs[s]));
    const saved = first.state();
    const wSaved = Array.from(w.dataSync());
    first.dispose();
    const w2 = tf.variable(tf.tensor1d(wSaved));
    const second = new Adam(cfg, { w: w2 });
    second.restore(saved);
    assert.equal(second.step, 2);
    for (let s = 2; s < 4; s++) tf.tidy(() => second.apply({ w: tf.tensor1d(grads[s]) }, lrs[s]));
    assert.deepEqual(Array.from(w2.dataSync()), full.theta);
    for (const t of [w, w2, full.w]) t.dispose();
    second.dispose();
    full.adam.dispose();
  });

  it('restore rejects a state whose shapes or names differ, naming the parameter', () => {
    const w = tf.variable(tf.zeros([3]));
    const adam = new Adam(DEFAULT_TRAIN_CONFIG.optimizer, { w });
    const bad = { step: 1, slots: { w: { shape: [4], m: new Float32Array(4), v: new Float32Array(4) } } };
    assert.throws(() => adam.restore(bad, 'ckpt/meta.json'), /ckpt\/meta\.json: parameter 'w' has shape \[4\]/);
    assert.throws(() => adam.restore({ step: 1, slots: {} }, 'x'), /missing: w/);
    adam.dispose();
    w.dispose();
  });

  it('leaves no tensors behind per step', () => {
    const w = tf.variable(tf.zeros([5]));
    const adam = new Adam(DEFAULT_TRAIN_CONFIG.optimizer, { w });
    const g = tf.ones([5]);
    adam.apply({ w: g }, 1e-3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) adam.apply({ w: g }, 1e-3);
    assert.equal(tf.memory().numTensors, before);
    for (const t of [g, w]) t.dispose();
    adam.dispose();
  });
});

describe('train/schedule: step learning rate by epoch', () => {
  it('official recipe: 5e-5 for epochs 1–20, 2.5e-5 for 21–30, 1.25e-5 after', () => {
    const s = DEFAULT_TRAIN_CONFIG.schedule;
    const lr = DEFAULT_TRAIN_CONFIG.optimizer.lr;
    assert.equal(learningRateAt(lr, s, 1), 5e-5);
    assert.equal(learningRateAt(lr, s, 20), 5e-5);
    assert.equal(learningRateAt(lr, s, 21), 2.5e-5);
    assert.equal(learningRateAt(lr, s, 30), 2.5e-5);
    assert.equal(learningRateAt(lr, s, 31), 1.25e-5);
    assert.equal(learningRateAt(lr, s, 40), 1.25e-5);
  });
  it('no milestones = constant; epoch 0 is rejected', () => {
    assert.equal(learningRateAt(0.1, { type: 'step', milestones: [], gamma: 0.1 }, 99), 0.1);
    assert.throws(() => learningRateAt(0.1, DEFAULT_TRAIN_CONFIG.schedule, 0), /1-based/);
  });
});

describe('train/clip: global-norm clipping', () => {
  it('scales all gradients by maxNorm/(norm+1e-6) when the norm is above the threshold', () => {
    // Global norm of {a: [3, 4], b: [12]} is √(9 + 16 + 144) = 13.
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) };
    const { clipped, norm } = clipByGlobalNorm(grads, 6.5);
    assert.ok(Math.abs(norm - 13) < 1e-5);
    const k = 6.5 / (13 + 1e-6);
    const a = clipped.a.dataSync();
    assert.ok(Math.abs(a[0] - 3 * k) < 1e-6 && Math.abs(a[1] - 4 * k) < 1e-6);
    assert.ok(Math.abs(clipped.b.dataSync()[0] - 12 * k) < 1e-5);
    tf.dispose([...Object.values(grads), ...Object.values(clipped)]);
  });
  it('leaves gradients bit-identical below the threshold and when clipping is off', () => {
    const grads = { a: tf.tensor1d([0.1, -0.2]) };
    for (const maxNorm of [0, 10]) {
      const { clipped, norm } = clipByGlobalNorm(grads, maxNorm);
      assert.deepEqual(Array.from(clipped.a.dataSync()), Array.from(grads.a.dataSync()));
      assert.ok(Math.abs(norm - Math.sqrt(0.05)) < 1e-6);
      tf.dispose(Object.values(clipped));
    }
    tf.dispose(Object.values(grads));
  });
});
