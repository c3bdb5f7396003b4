import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import {
  buildDiscriminator,
  countDiscriminatorParams,
  DEFAULT_DISCRIMINATOR_CONFIG,
  DISCRIMINATOR_CONFIG_SCHEMA,
  DiscriminatorConfig,
  discriminatorCostTable,
  DISCRIMINATORS,
  instanceNorm,
} from '../src/model/discriminator';

const small = (over: Partial<DiscriminatorConfig>): DiscriminatorConfig => ({ ...DEFAULT_DISCRIMINATOR_CONFIG, features: 4, ...over });

describe('adversarial: patch discriminator', () => {
  it('default (64 features, 3 downsamplings, 3 channels in, instance norm): 1,554,689 parameters, counted by hand per conv', () => {
    // 3×3 convs 3→64, 64→128, 128→256 (stride 2), 256→512 (stride 1), 512→1 (logits); the three instance-normalised
    // convs (conv2, conv3, mid) carry no bias.
    const hand = 9 * 3 * 64 + 64 + 9 * 64 * 128 + 9 * 128 * 256 + 9 * 256 * 512 + (9 * 512 + 1);
    assert.equal(hand, 1_554_689);
    // Without norm every conv has its bias: + 128 + 256 + 512.
    assert.equal(countDiscriminatorParams({ ...DEFAULT_DISCRIMINATOR_CONFIG, norm: 'none' }), hand + 128 + 256 + 512);
    assert.equal(countDiscriminatorParams(DEFAULT_DISCRIMINATOR_CONFIG), hand);
    const built = buildDiscriminator(DEFAULT_DISCRIMINATOR_CONFIG);
    try {
      assert.equal(
        built.trainableVariables().reduce((sum, v) => sum + v.size, 0),
        hand,
      );
    } finally {
      built.dispose();
    }
    // Conditioning on 69 heatmap channels adds 9·69·64 weights to the first conv only.
    assert.equal(countDiscriminatorParams({ ...DEFAULT_DISCRIMINATOR_CONFIG, heatmapChannels: 69 }), hand + 9 * 69 * 64);
    // Channel doubling is capped at 8× features: 5 downsamplings → 64,128,256,512,512 then mid 512.
    const five = discriminatorCostTable({ ...DEFAULT_DISCRIMINATOR_CONFIG, downsamplings: 5 });
    assert.deepEqual(
      five.map((r) => r.module),
      ['disc/conv1', 'disc/conv2', 'disc/conv3', 'disc/conv4', 'disc/conv5', 'disc/mid', 'disc/out'],
    );
    assert.equal(five[4].params, 9 * 512 * 512);
    assert.equal(five[5].params, 9 * 512 * 512);
  });

  it('conv MACs of the default on a 128×128 image: 64² · 9 · 3 · 64 for conv1, 16² · 9 · 256 · 512 for mid', () => {
    const rows = discriminatorCostTable(DEFAULT_DISCRIMINATOR_CONFIG, 128);
    assert.equal(rows[0].macs, 64 * 64 * 9 * 3 * 64);
    assert.equal(rows[3].macs, 16 * 16 * 9 * 256 * 512);
    assert.equal(rows[4].macs, 16 * 16 * 9 * 512);
  });

  for (const norm of ['none', 'instance'] as const)
    for (const heatmapChannels of [0, 6])
      for (const downsamplings of [2, 3])
        it(`analytic table equals the built parameterTable: norm ${norm}, heatmaps ${heatmapChannels}, ${downsamplings} downsamplings`, () => {
          const config = small({ norm, heatmapChannels, downsamplings });
          const d = buildDiscriminator(config, 3);
          try {
            assert.deepEqual(
              d.parameterTable(),
              discriminatorCostTable(config).map(({ module, params }) => ({ module, params })),
            );
            assert.equal(
              d.trainableVariables().reduce((s, v) => s + v.size, 0),
              countDiscriminatorParams(config),
            );
            assert.deepEqual(Object.keys(d.namedVariables()).slice(0, 2), ['disc/conv1/conv/kernel', 'disc/conv1/conv/bias']);
          } finally {
            d.dispose();
          }
        });

  it('returns a logit grid of side H / 2^downsamplings; conditioned D reads resized heatmaps; frees its intermediates', () => {
    const plain = buildDiscriminator(small({}), 1);
    const conditioned = buildDiscriminator(small({ heatmapChannels: 6 }), 1);
    const image = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const heatmaps = tf.randomUniform([2, 4, 4, 6], 0, 1, 'float32', 8) as tf.Tensor4D;
    try {
      const before = tf.memory().numTensors;
      const logits = plain.apply(image);
      assert.deepEqual(logits.shape, [2, 4, 4, 1]);
      assert.equal(tf.memory().numTensors, before + 1);
      const c1 = conditioned.apply(image, heatmaps);
      const zeroHeatmaps = tf.zerosLike(heatmaps);
      const c2 = conditioned.apply(image, zeroHeatmaps);
      assert.deepEqual(c1.shape, [2, 4, 4, 1]);
      // The heatmaps change the logits (the conditioning is wired in).
      const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(c1, c2))));
      assert.ok(gap.dataSync()[0] > 1e-4);
      tf.dispose([logits, c1, c2, zeroHeatmaps, gap]);
      assert.equal(tf.memory().numTensors, before);
      assert.throws(() => plain.apply(image, heatmaps), /unconditioned/);
      assert.throws(() => conditioned.apply(image), /conditioned on 6 heatmap channels; none given/);
      assert.throws(() => plain.apply(tf.zeros([1, 30, 30, 3]) as tf.Tensor4D), /multiples of 8, found \[1, 30, 30, 3\]/);
    } finally {
      tf.dispose([image, heatmaps]);
      plain.dispose();
      conditioned.dispose();
    }
  });

  it('is bit-identical for one seed and differs for another', () => {
    const a = buildDiscriminator(small({}), 5);
    const b = buildDiscriminator(small({}), 5);
    const c = buildDiscriminator(small({}), 6);
    try {
      const k = 'disc/conv2/conv/kernel';
      assert.deepEqual(a.namedVariables()[k].dataSync(), b.namedVariables()[k].dataSync());
      assert.notDeepEqual(a.namedVariables()[k].dataSync(), c.namedVariables()[k].dataSync());
    } finally {
      [a, b, c].forEach((d) => d.dispose());
    }
  });

  it('instance norm gives every sample and channel mean 0 and variance v/(v + 1e-5) over H, W', () => {
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40, 5, -5, 5, -5, 5, -5, 5, -5], [2, 2, 2, 2]);
    const y = instanceNorm(x);
    const { mean, variance } = tf.moments(y, [1, 2]);
    for (const m of mean.dataSync()) assert.ok(Math.abs(m) < 1e-6);
    const v = variance.dataSync();
    // Sample 0 channel 0: values 1..4, population variance 1.25 → 1.25 / (1.25 + 1e-5).
    assert.ok(Math.abs(v[0] - 1.25 / (1.25 + 1e-5)) < 1e-6);
    // Sample 0 channel 1: 10..40, variance 125. Sample 1 is constant per channel: normalised to 0, variance 0.
    assert.ok(Math.abs(v[1] - 125 / (125 + 1e-5)) < 1e-6);
    assert.deepEqual([v[2], v[3]], [0, 0]);
    assert.deepEqual(Array.from(y.dataSync()).slice(8), [0, 0, 0, 0, 0, 0, 0, 0]);
    tf.dispose([x, y, mean, variance]);
  });

  it('the config schema gives the documented defaults and refuses batch norm, zero features and unknown keys', () => {
    assert.deepEqual(DEFAULT_DISCRIMINATOR_CONFIG, { variant: 'patch', features: 64, downsamplings: 3, norm: 'instance', heatmapChannels: 0, init: 'he' });
    assert.equal(DISCRIMINATOR_CONFIG_SCHEMA.safeParse({ norm: 'batch' }).success, false);
    assert.equal(DISCRIMINATOR_CONFIG_SCHEMA.safeParse({ features: 0 }).success, false);
    assert.equal(DISCRIMINATOR_CONFIG_SCHEMA.safeParse({ layers: 3 }).success, false);
    assert.equal(DISCRIMINATOR_CONFIG_SCHEMA.parse({ heatmapChannels: 69 }).heatmapChannels, 69);
  });

  it('rejects a bad configuration in one line naming the key', () => {
    assert.throws(() => buildDiscriminator(small({ features: 0 })), /features must be a positive integer, found 0/);
    assert.throws(() => buildDiscriminator(small({ heatmapChannels: -1 })), /heatmapChannels must be an integer ≥ 0, found -1/);
    assert.throws(() => discriminatorCostTable(small({}), 100), /multiple of 8, found 100/);
    const tiny = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    const d = buildDiscriminator(small({}));
    assert.throws(() => d.apply(tiny), /logit grid must be at least 2×2; a 8×8 image gives 1×1 after 3 downsamplings/);
    d.dispose();
    tiny.dispose();
    assert.deepEqual(Object.keys(DISCRIMINATORS), ['patch']);
  });
});
