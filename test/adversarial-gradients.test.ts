/**
 * Gradient flow between the two players: the D loss reaches every discriminator variable, the G loss every
 * generator variable, and a step of one player computed with tf.variableGrads over its own variable list
 * leaves the other player's weights bit-identical.
 */
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { ADVERSARIAL_LOSS_KINDS, discriminatorLoss, generatorLoss } from '../src/losses/adversarial';
import { heatmapConsistencyLoss } from '../src/losses/heatmap-consistency';
import { DEFAULT_MODEL_CONFIG, ModelConfig } from '../src/model/config';
import { buildModel } from '../src/model/build';
import type { FaceModel } from '../src/model/types';
import { buildDiscriminator, DEFAULT_DISCRIMINATOR_CONFIG, Discriminator } from '../src/model/discriminator';

const SIDE = 16;
const toyGenerator = (over: Partial<ModelConfig> = {}): FaceModel =>
  buildModel({ ...DEFAULT_MODEL_CONFIG, architecture: 'sr-only', features: 4, trunkBlocks: 1, landmarks: 5, stages: 1, init: 'he', ...over }, 2);

const snapshot = (vars: tf.Variable[]): Float32Array[] => vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
const sameAs = (vars: tf.Variable[], before: Float32Array[]): boolean => vars.every((v, i) => tf.util.arraysEqual(v.dataSync() as Float32Array, before[i]));
const named = (grads: tf.NamedTensorMap): { name: string; tensor: tf.Tensor }[] => Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
const maxAbs = (t: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);

/**
 * Every variable of `vars` has a gradient entry, no other variable has one, and every entry is non-zero (above
 * float32 round-off) except those named in `invariant`, which must be zero to round-off.
 */
function assertGradsCoverExactly(grads: tf.NamedTensorMap, vars: tf.Variable[], names: string[], invariant: string[] = []): void {
  assert.deepEqual(Object.keys(grads).sort(), vars.map((v) => v.name).sort());
  vars.forEach((v, i) => {
    const size = maxAbs(grads[v.name]);
    if (invariant.includes(names[i])) assert.ok(size < 1e-6, `${names[i]} should get no gradient, got ${size}`);
    else assert.ok(size > 1e-6, `no gradient reaches ${names[i]} (max |grad| ${size})`);
  });
}

describe('adversarial: gradient flow between generator and discriminator', () => {
  let lr: tf.Tensor4D;
  let hr: tf.Tensor4D;
  before(() => {
    lr = tf.randomUniform([2, SIDE, SIDE, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    hr = tf.randomUniform([2, SIDE, SIDE, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
  });
  after(() => tf.dispose([lr, hr]));

  for (const kind of ADVERSARIAL_LOSS_KINDS)
    it(`${kind}: the D step reaches every D variable and leaves G untouched; the G step reaches every G variable and leaves D untouched`, () => {
      const g = toyGenerator();
      const d: Discriminator = buildDiscriminator({ ...DEFAULT_DISCRIMINATOR_CONFIG, features: 4 }, 3);
      const gVars = g.trainableVariables();
      const dVars = d.trainableVariables();
      const gNames = Object.keys(g.namedVariables());
      const dNames = Object.keys(d.namedVariables());
      const gOpt = tf.train.adam(1e-2);
      const dOpt = tf.train.adam(1e-2);
      try {
        const before = tf.memory().numTensors;
        // D step: SR from G is an input of D's loss, but only D's variables are differentiated and updated.
        const gBefore = snapshot(gVars);
        const dBefore = snapshot(dVars);
        const dStep = tf.variableGrads(() => {
          const sr = g.apply(lr).sr as tf.Tensor4D;
          return discriminatorLoss(kind, d.apply(hr), d.apply(sr));
        }, dVars);
        // The relativistic loss sees only differences r − E f and f − E r, so it is invariant to D's output bias
        // (it shifts every logit alike): that one variable gets an exactly-zero gradient, by design.
        const invariant = kind === 'relativistic-average' ? ['disc/out/conv/bias'] : [];
        assertGradsCoverExactly(dStep.grads, dVars, dNames, invariant);
        dOpt.applyGradients(named(dStep.grads));
        assert.ok(sameAs(gVars, gBefore), 'a D step changed a generator weight');
        assert.ok(!sameAs(dVars, dBefore), 'a D step changed no discriminator weight');
        tf.dispose([dStep.value, ...Object.values(dStep.grads)]);

        // G step: D's logits on HR (relativistic loss) and on SR feed G's loss; only G's variables move.
        const dAfter = snapshot(dVars);
        const gStep = tf.variableGrads(() => {
          const sr = g.apply(lr).sr as tf.Tensor4D;
          return generatorLoss(kind, d.apply(sr), d.apply(hr));
        }, gVars);
        assertGradsCoverExactly(gStep.grads, gVars, gNames);
        gOpt.applyGradients(named(gStep.grads));
        assert.ok(sameAs(dVars, dAfter), 'a G step changed a discriminator weight');
        assert.ok(!sameAs(gVars, gBefore), 'a G step changed no generator weight');
        tf.dispose([gStep.value, ...Object.values(gStep.grads)]);
        // The optimizers own their slots (Adam: 2 moments per variable; its β-power scalars predate `before`).
        assert.equal(tf.memory().numTensors, before + 2 * (gVars.length + dVars.length));
      } finally {
        gOpt.dispose();
        dOpt.dispose();
        g.dispose();
        d.dispose();
      }
    });

  it('a heatmap-conditioned D and the heatmap-consistency term send gradient to every variable of a joint generator', () => {
    const g = toyGenerator({ architecture: 'jasrnet' });
    const d = buildDiscriminator({ ...DEFAULT_DISCRIMINATOR_CONFIG, features: 4, heatmapChannels: 6 }, 3);
    const gVars = g.trainableVariables();
    const dVars = d.trainableVariables();
    const targetHeatmaps = tf.randomUniform([2, SIDE / 8, SIDE / 8, 6], 0, 1, 'float32', 13) as tf.Tensor4D;
    const mask = tf.ones([2, 1, 1, 6]) as tf.Tensor4D;
    try {
      const dBefore = snapshot(dVars);
      const step = tf.variableGrads(() => {
        const out = g.apply(lr);
        const sr = out.sr as tf.Tensor4D;
        const heatmaps = out.heatmaps[out.heatmaps.length - 1];
        const adversarial = generatorLoss('non-saturating', d.apply(sr, heatmaps));
        // Super-FAN: the same network on its own SR output should reproduce the target heatmaps.
        const consistency = heatmapConsistencyLoss(g.apply(sr).heatmaps, targetHeatmaps, mask);
        return tf.add(adversarial, consistency) as tf.Scalar;
      }, gVars);
      assertGradsCoverExactly(step.grads, gVars, Object.keys(g.namedVariables()));
      assert.ok(sameAs(dVars, dBefore));
      tf.dispose([step.value, ...Object.values(step.grads)]);
      // And the conditioned D's own loss reaches all of D, heatmap-input kernel included.
      const dStep = tf.variableGrads(() => {
        const out = g.apply(lr);
        return discriminatorLoss('least-squares', d.apply(hr, targetHeatmaps), d.apply(out.sr as tf.Tensor4D, out.heatmaps[0]));
      }, dVars);
      assertGradsCoverExactly(dStep.grads, dVars, Object.keys(d.namedVariables()));
      tf.dispose([dStep.value, ...Object.values(dStep.grads)]);
    } finally {
      tf.dispose([targetHeatmaps, mask]);
      g.dispose();
      d.dispose();
    }
  });
});
