/**
 * The GAN losses against their formulas evaluated here in float64 (JS numbers) on small fixed logits, and the
 * heatmap-consistency loss against losses/heatmap.ts's form.
 */
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { ADVERSARIAL_LOSS_KINDS, discriminatorLoss, generatorLoss, stableSoftplus } from '../src/losses/adversarial';
import { heatmapConsistencyLoss, stopGradient } from '../src/losses/heatmap-consistency';
import { meanHeatmapLoss, officialHeatmapLoss } from '../src/losses/heatmap';

const REAL = [2.0, -0.5, 0.1, 3.0, 1.25, -1.5];
const FAKE = [-1.0, 0.3, -2.5, 0.7, -0.2, 4.0];

// float64 reference formulas.
const softplus = (x: number): number => Math.log(1 + Math.exp(x));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const EXPECTED = {
  'non-saturating': {
    d: mean(REAL.map((r) => -Math.log(1 / (1 + Math.exp(-r))))) + mean(FAKE.map((f) => -Math.log(1 - 1 / (1 + Math.exp(-f))))),
    g: mean(FAKE.map((f) => -Math.log(1 / (1 + Math.exp(-f))))),
  },
  'least-squares': {
    d: 0.5 * mean(REAL.map((r) => (r - 1) ** 2)) + 0.5 * mean(FAKE.map((f) => f * f)),
    g: 0.5 * mean(FAKE.map((f) => (f - 1) ** 2)),
  },
  'relativistic-average': {
    d: mean(REAL.map((r) => softplus(-(r - mean(FAKE))))) + mean(FAKE.map((f) => softplus(f - mean(REAL)))),
    g: mean(FAKE.map((f) => softplus(-(f - mean(REAL))))) + mean(REAL.map((r) => softplus(r - mean(FAKE)))),
  },
};

const scalar = (t: tf.Scalar): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

describe('adversarial: GAN losses on logits', () => {
  it('the reference numbers are what the formulas give (spot values written out)', () => {
    assert.ok(Math.abs(EXPECTED['least-squares'].g - (0.5 * (4 + 0.49 + 12.25 + 0.09 + 1.44 + 9)) / 6) < 1e-12);
    assert.ok(Math.abs(EXPECTED['non-saturating'].g - mean(FAKE.map((f) => softplus(-f)))) < 1e-12);
  });

  for (const kind of ADVERSARIAL_LOSS_KINDS)
    it(`${kind}: D and G losses equal the float64 formula on [2, 3] patch grids within 1e-6`, () => {
      // The grid shape does not matter: every mean runs over all elements.
      const real = tf.tensor4d(REAL, [1, 2, 3, 1]);
      const fake = tf.tensor4d(FAKE, [1, 2, 3, 1]);
      const before = tf.memory().numTensors;
      const d = scalar(discriminatorLoss(kind, real, fake));
      const g = scalar(generatorLoss(kind, fake, real));
      assert.equal(tf.memory().numTensors, before);
      assert.ok(Math.abs(d - EXPECTED[kind].d) < 1e-6, `${kind} D: ${d} vs ${EXPECTED[kind].d}`);
      assert.ok(Math.abs(g - EXPECTED[kind].g) < 1e-6, `${kind} G: ${g} vs ${EXPECTED[kind].g}`);
      tf.dispose([real, fake]);
    });

  it('non-saturating G gradient is −σ(−f)/N per logit (large where D rejects the fake: no saturation)', () => {
    const fake = tf.tensor1d(FAKE);
    const grad = tf.grad((f: tf.Tensor) => generatorLoss('non-saturating', f))(fake);
    const expected = FAKE.map((f) => -1 / (1 + Math.exp(f)) / FAKE.length);
    grad.dataSync().forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-7, `${v} vs ${expected[i]}`));
    tf.dispose([fake, grad]);
  });

  it('relativistic G gradient flows through the fake logits and through the mean of the real ones', () => {
    const real = tf.tensor1d(REAL);
    const fake = tf.tensor1d(FAKE);
    const [gReal, gFake] = tf.grads((r: tf.Tensor, f: tf.Tensor) => generatorLoss('relativistic-average', f, r))([real, fake]);
    const sig = (x: number): number => 1 / (1 + Math.exp(-x));
    const mr = mean(REAL);
    const mf = mean(FAKE);
    const n = FAKE.length;
    // L = mean softplus(−(f − mr)) + mean softplus(r − mf): ∂L/∂f_j = −σ(−(f_j − mr))/n − Σ_i σ(r_i − mf)/n²
    const dFake = FAKE.map((f) => -sig(-(f - mr)) / n - REAL.reduce((s, r) => s + sig(r - mf), 0) / (n * n));
    gFake.dataSync().forEach((v, i) => assert.ok(Math.abs(v - dFake[i]) < 1e-6, `${v} vs ${dFake[i]}`));
    // ∂L/∂r_j = Σ_i σ(−(f_i − mr))/n² + σ(r_j − mf)/n
    const dReal = REAL.map((r) => FAKE.reduce((s, f) => s + sig(-(f - mr)), 0) / (n * n) + sig(r - mf) / n);
    gReal.dataSync().forEach((v, i) => assert.ok(Math.abs(v - dReal[i]) < 1e-6, `${v} vs ${dReal[i]}`));
    tf.dispose([real, fake, gReal, gFake]);
  });

  it('stays finite and exact for logits of ±100 (where log(1 + eˣ) overflows float32)', () => {
    const x = tf.tensor1d([-100, -20, 0, 20, 100]);
    const sp = stableSoftplus(x);
    const got = Array.from(sp.dataSync());
    const want = [Math.exp(-100), Math.log1p(Math.exp(-20)), Math.log(2), 20 + Math.log1p(Math.exp(-20)), 100];
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-6 * Math.max(1, want[i]), `${v} vs ${want[i]}`));
    const confident = tf.tensor1d([100, 100]);
    const rejected = tf.tensor1d([-100, -100]);
    assert.ok(scalar(discriminatorLoss('non-saturating', confident, rejected)) < 1e-30);
    assert.equal(scalar(generatorLoss('non-saturating', rejected)), 100);
    tf.dispose([x, sp, confident, rejected]);
  });

  it('a perfect D scores 0 on least squares; the relativistic G loss needs the real logits', () => {
    const ones = tf.ones([2, 2, 2, 1]);
    const zeros = tf.zeros([2, 2, 2, 1]);
    assert.equal(scalar(discriminatorLoss('least-squares', ones, zeros)), 0);
    assert.equal(scalar(generatorLoss('least-squares', ones)), 0);
    assert.throws(() => generatorLoss('relativistic-average', zeros), /needs the discriminator's logits on the real images/);
    assert.throws(() => discriminatorLoss('non-saturating', tf.zeros([0]), zeros), /empty logits/);
    tf.dispose([ones, zeros]);
  });
});

describe('adversarial: heatmap consistency (Super-FAN)', () => {
  // Made once the backend is ready (test/setup.ts initialises it in a root hook).
  let stage1: tf.Tensor4D, stage2: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D;
  before(() => {
    stage1 = tf.tensor4d([0.1, 0.9, 0.4, 0.2, 0.0, 0.5, 0.3, 0.8], [1, 2, 2, 2]);
    stage2 = tf.tensor4d([0.2, 0.7, 0.5, 0.1, 0.1, 0.6, 0.2, 0.9], [1, 2, 2, 2]);
    target = tf.tensor4d([0.0, 1.0, 0.5, 0.0, 0.0, 0.5, 0.5, 1.0], [1, 2, 2, 2]);
    mask = tf.tensor4d([1, 1], [1, 1, 1, 2]);
  });
  after(() => tf.dispose([stage1, stage2, target, mask]));

  it('equals the mean masked squared error over stages, by hand: Σ_stages SSE / (stages · masked entries), as losses/heatmap.ts computes it', () => {
    const sse = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
    const t = [0.0, 1.0, 0.5, 0.0, 0.0, 0.5, 0.5, 1.0];
    const s1 = sse([0.1, 0.9, 0.4, 0.2, 0.0, 0.5, 0.3, 0.8], t);
    const s2 = sse([0.2, 0.7, 0.5, 0.1, 0.1, 0.6, 0.2, 0.9], t);
    const want = (s1 + s2) / (2 * 8);
    const got = scalar(heatmapConsistencyLoss([stage1, stage2], target, mask));
    assert.ok(Math.abs(got - want) < 1e-7, `${got} vs ${want}`);
    assert.ok(Math.abs(got - scalar(meanHeatmapLoss([stage1, stage2], target, mask))) < 1e-9);
    const official = scalar(heatmapConsistencyLoss([stage1, stage2], target, mask, 'official'));
    assert.ok(Math.abs(official - scalar(officialHeatmapLoss([stage1, stage2], target, mask))) < 1e-9);
    assert.ok(Math.abs(official - (s1 + s2) / 2) < 1e-6);
  });

  it('sends gradient to the SR-side heatmaps only: the HR-side target is a constant', () => {
    const [gSr, gTarget] = tf.grads((sr: tf.Tensor, hr: tf.Tensor) => heatmapConsistencyLoss([sr as tf.Tensor4D], hr as tf.Tensor4D, mask))([stage1, target]);
    // ∂/∂sr of Σ(sr − t)²/8 = 2(sr − t)/8
    const sr = stage1.dataSync();
    const t = target.dataSync();
    gSr.dataSync().forEach((v, i) => assert.ok(Math.abs(v - (2 * (sr[i] - t[i])) / 8) < 1e-7));
    assert.deepEqual(Array.from(gTarget.dataSync()), new Array(8).fill(0));
    const same = stopGradient(target);
    assert.deepEqual(Array.from(same.dataSync()), Array.from(target.dataSync()));
    tf.dispose([gSr, gTarget, same]);
    assert.throws(() => heatmapConsistencyLoss([], target, mask), /no heatmap stages on the SR image/);
  });
});
