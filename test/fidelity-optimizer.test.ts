/**
 * Issue 16 items 3 and 4: Adam's ε placement of older PyTorch (ε added to √v before the bias correction) against a
 * float64 reference of that formula, and gradient clipping by value (official --gclip) beside clipping by norm.
 */
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { Adam, AdamConfig, EpsilonPlacement } from '../src/engine/optimizer';
import { clipGradients } from '../src/engine/clip';
import { DEFAULT_TRAIN_CONFIG, TRAIN_CONFIG_SCHEMA } from '../src/engine/config';

/** Adam written out in float64 with both ε placements (coupled L2), one parameter vector. */
function reference(cfg: AdamConfig, placement: EpsilonPlacement, theta0: number[], grads: number[][], lrs: number[]): number[] {
  const theta = [...theta0];
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  grads.forEach((gs, s) => {
    const t = s + 1;
    const bc1 = 1 - cfg.beta1 ** t;
    const bc2 = 1 - cfg.beta2 ** t;
    for (let i = 0; i < theta.length; i++) {
      const g = gs[i] + cfg.weightDecay * theta[i];
      m[i] = cfg.beta1 * m[i] + (1 - cfg.beta1) * g;
      v[i] = cfg.beta2 * v[i] + (1 - cfg.beta2) * g * g;
      if (placement === 'before-bias-correction') {
        // Older torch.optim.Adam: denom = √v + ε; step_size = lr·√bc2/bc1.
        theta[i] -= ((lrs[s] * Math.sqrt(bc2)) / bc1) * (m[i] / (Math.sqrt(v[i]) + cfg.epsilon));
      } else {
        theta[i] -= (lrs[s] / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + cfg.epsilon));
      }
    }
  });
  return theta;
}

// Gradients of 1e-9…1e-7 make ε = 1e-8 matter: there the two placements part by far more than float32 rounding.
const theta0 = [0.5, -1.25, 2.0, 0.75];
const grads = [
  [3e-8, -2e-9, 1.5, 1e-7],
  [-1e-8, 4e-9, 1.2, -5e-8],
  [2.5e-8, 1e-9, -0.8, 2e-8],
  [5e-9, -3e-8, 0.1, 1e-8],
  [1e-8, 1e-8, 0.3, -1e-8],
];
const lrs = [0.1, 0.1, 0.05, 0.05, 0.05];

function run(cfg: AdamConfig): number[] {
  const w = tf.variable(tf.tensor1d(theta0));
  const adam = new Adam(cfg, { w });
  grads.forEach((g, s) => {
    const gt = tf.tensor1d(g);
    adam.apply({ w: gt }, lrs[s]);
    gt.dispose();
  });
  const out = Array.from(w.dataSync());
  adam.dispose();
  w.dispose();
  return out;
}

describe('fidelity: Adam ε placement (older PyTorch) and clipping by value', () => {
  const base: AdamConfig = { ...DEFAULT_TRAIN_CONFIG.optimizer, weightDecay: 0 };

  for (const placement of ['before-bias-correction', 'after-bias-correction'] as const) {
    it(`'${placement}' matches the float64 reference of its formula within 1e-6 after 5 steps`, () => {
      const want = reference(base, placement, theta0, grads, lrs);
      const got = run({ ...base, epsilonPlacement: placement });
      for (let i = 0; i < theta0.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-6, `θ[${i}] = ${got[i]}, reference ${want[i]}`);
    });
  }

  it('the two placements differ where ε matters (tiny gradients) and the default is the current one', () => {
    const before = run({ ...base, epsilonPlacement: 'before-bias-correction' });
    const after = run({ ...base, epsilonPlacement: 'after-bias-correction' });
    const absent = run(base);
    assert.deepStrictEqual(absent, after);
    // Reference gap on θ[0] (gradients ~1e-8): the placements move it by visibly different amounts.
    const gap = Math.abs(reference(base, 'before-bias-correction', theta0, grads, lrs)[0] - reference(base, 'after-bias-correction', theta0, grads, lrs)[0]);
    assert.ok(gap > 1e-3, `reference gap ${gap}`);
    assert.ok(Math.abs(before[0] - after[0]) > 1e-3);
    // With large gradients (θ[2]) ε is negligible, so both agree to float32 rounding.
    assert.ok(Math.abs(before[2] - after[2]) < 1e-6);
  });

  it('rejects an unknown placement naming the choices', () => {
    const w = tf.variable(tf.tensor1d([1]));
    const adam = new Adam({ ...base, epsilonPlacement: 'sideways' as EpsilonPlacement }, { w });
    const g = tf.tensor1d([1]);
    assert.throws(() => adam.apply({ w: g }, 0.1), /after-bias-correction, before-bias-correction/);
    tf.dispose([g]);
    adam.dispose();
    w.dispose();
  });

  it("clip mode 'value' clamps each element (torch clip_grad_value_), 'norm' rescales all; 0 = off in both", () => {
    const grads = { a: tf.tensor1d([3, -0.5, -4]), b: tf.tensor1d([0.2, 12]) };
    const byValue = clipGradients(grads, 1, 'value');
    assert.deepStrictEqual(Array.from(byValue.clipped.a.dataSync()), [1, -0.5, -1]);
    assert.deepStrictEqual(Array.from(byValue.clipped.b.dataSync()), [Math.fround(0.2), 1]);
    const norm = Math.hypot(3, 0.5, 4, 0.2, 12);
    assert.ok(Math.abs(byValue.norm - norm) < 1e-5);
    const byNorm = clipGradients(grads, 1, 'norm');
    const c = 1 / (norm + 1e-6);
    assert.ok(Math.abs(byNorm.clipped.b.dataSync()[1] - 12 * c) < 1e-6);
    const off = clipGradients(grads, 0, 'value');
    assert.deepStrictEqual(Array.from(off.clipped.b.dataSync()), Array.from(grads.b.dataSync()));
    assert.throws(() => clipGradients(grads, 1, 'elementwise' as never), /norm, value/);
    for (const r of [byValue, byNorm, off]) tf.dispose(Object.values(r.clipped));
    tf.dispose(Object.values(grads));
  });
});

describe('fidelity: config keys train.optimizer.epsilonPlacement and train.gradClipMode', () => {
  it('are optional (absent = the behaviour before they existed), accept the named values and refuse others', () => {
    assert.strictEqual(DEFAULT_TRAIN_CONFIG.optimizer.epsilonPlacement, undefined);
    assert.strictEqual(DEFAULT_TRAIN_CONFIG.gradClipMode, undefined);
    const c = TRAIN_CONFIG_SCHEMA.parse({ optimizer: { epsilonPlacement: 'before-bias-correction' }, gradClip: 0.5, gradClipMode: 'value' });
    assert.strictEqual(c.optimizer.epsilonPlacement, 'before-bias-correction');
    assert.strictEqual(c.gradClipMode, 'value');
    assert.ok(!TRAIN_CONFIG_SCHEMA.safeParse({ gradClipMode: 'elementwise' }).success);
    assert.ok(!TRAIN_CONFIG_SCHEMA.safeParse({ optimizer: { epsilonPlacement: 'torch' } }).success);
  });
});
