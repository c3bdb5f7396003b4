import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { Architecture, DEFAULT_MODEL_CONFIG, IMAGENET_MEAN_RGB, MODEL_CONFIG_SCHEMA, ModelConfig, SrResidualMode, buildModel, countParams } from '../src/model';
import { validate } from '../src/core/schema';

const small = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  ...DEFAULT_MODEL_CONFIG,
  features: 8,
  trunkBlocks: 1,
  stages: 1,
  meanShift: 'inverse',
  ...over,
});

/** SR output of `config` on `input` with the SR head's last conv (kernel and bias) set to zero. */
function srWithZeroLastConv(config: ModelConfig, input: tf.Tensor4D): Float32Array {
  const model = buildModel(config);
  const vars = model.namedVariables();
  const outNames = Object.keys(vars).filter((n) => /(^|\/)sr\/tail\/out\/(kernel|bias)$/.test(n));
  assert.equal(outNames.length, 2, `expected the SR head's out conv kernel and bias, found ${outNames.join(', ')}`);
  for (const n of outNames) vars[n].assign(tf.zerosLike(vars[n]));
  const out = model.apply(input);
  const sr = out.sr?.dataSync().slice() as Float32Array;
  tf.dispose([out.sr ?? [], ...out.heatmaps].flat());
  model.dispose();
  return sr;
}

describe('model: global SR residual (srResidual)', () => {
  // Made in before(): the backend is initialised by the test setup, after files are loaded.
  let input: tf.Tensor4D;
  let inputValues: Float32Array;
  before(() => {
    input = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    inputValues = input.dataSync() as Float32Array;
  });
  after(() => input.dispose());

  for (const architecture of ['sr-only', 'jasrnet', 'two-stage', 'separate-encoders'] as Architecture[]) {
    it(`${architecture}: 'input' with a zero last conv returns the input exactly (starts at bicubic)`, () => {
      const sr = srWithZeroLastConv(small({ architecture, srResidual: 'input' }), input);
      assert.equal(sr.length, inputValues.length);
      let maxDiff = 0;
      for (let i = 0; i < sr.length; i++) maxDiff = Math.max(maxDiff, Math.abs(sr[i] - inputValues[i]));
      assert.ok(maxDiff < 1e-6, `max |sr − input| = ${maxDiff}`);
    });
  }

  it("'none' (official) with a zero last conv returns the ImageNet mean per channel, not the input", () => {
    const sr = srWithZeroLastConv(small({ architecture: 'sr-only', srResidual: 'none' }), input);
    for (let i = 0; i < sr.length; i++) assert.ok(Math.abs(sr[i] - IMAGENET_MEAN_RGB[i % 3]) < 1e-6, `pixel value ${sr[i]} at ${i}`);
  });

  it('adds no parameters and defaults to the official none', () => {
    assert.equal(DEFAULT_MODEL_CONFIG.srResidual, 'none');
    for (const architecture of ['sr-only', 'jasrnet'] as Architecture[]) {
      const none = countParams(small({ architecture, srResidual: 'none' })).trainableParams;
      const residual = countParams(small({ architecture, srResidual: 'input' })).trainableParams;
      assert.equal(residual, none);
      const model = buildModel(small({ architecture, srResidual: 'input' }));
      const built = model.trainableVariables().reduce((n, v) => n + v.size, 0);
      model.dispose();
      assert.equal(built, residual);
    }
  });

  it('the schema accepts none/input and rejects other values naming the key', () => {
    for (const mode of ['none', 'input'] as SrResidualMode[]) {
      const c = validate<ModelConfig>({ ...DEFAULT_MODEL_CONFIG, srResidual: mode }, MODEL_CONFIG_SCHEMA, 'x.json', 'model');
      assert.equal(c.srResidual, mode);
    }
    assert.throws(() => validate({ ...DEFAULT_MODEL_CONFIG, srResidual: 'bicubic' }, MODEL_CONFIG_SCHEMA, 'x.json', 'model'), /srResidual/);
  });
});
