import { strict as assert } from 'assert';
import { ARCHITECTURE_NAMES, Architecture, DEFAULT_MODEL_CONFIG, FUSION_VARIANTS, FusionVariant, ModelConfig } from '../src/model/config';
import { buildModel } from '../src/model/build';
import { costTable, countParams, macsPerImage } from '../src/model/count';

const small = (over: Partial<ModelConfig>): ModelConfig => ({ ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 2, ...over });
// Every registered variant (the registries are the lists: a new entry is tested without editing this file).
const ARCHITECTURES: Architecture[] = [...ARCHITECTURE_NAMES];
const FUSIONS: FusionVariant[] = [...FUSION_VARIANTS];

describe('model parameter counts', () => {
  it('paper-era 256 features / 16 trunk blocks / 68 points: 59,817,170 trainable (official log 59,817,206 incl. 3 MeanShifts)', () => {
    const counts = countParams({ ...DEFAULT_MODEL_CONFIG, features: 256, trunkBlocks: 16 });
    assert.equal(counts.trainableParams, 59_817_170);
    assert.equal(counts.officialTotalParams, 59_817_206);
  });

  it('released 128 / 32: 19,885,778 trainable (official 19,885,814 − 36), analytic and built agree', () => {
    const config = { ...DEFAULT_MODEL_CONFIG };
    assert.equal(countParams(config).trainableParams, 19_885_778);
    assert.equal(countParams(config).officialTotalParams, 19_885_814);
    const model = buildModel(config);
    try {
      assert.equal(
        model.trainableVariables().reduce((sum, v) => sum + v.size, 0),
        19_885_778,
      );
    } finally {
      model.dispose();
    }
  });

  it('conv MACs per 128×128 image match the PyTorch peer figures (96.6 G for 256/16, 25.5 G for 128/32)', () => {
    assert.ok(Math.abs(macsPerImage({ ...DEFAULT_MODEL_CONFIG, features: 256, trunkBlocks: 16 }) / 1e9 - 96.6) < 0.05);
    assert.ok(Math.abs(macsPerImage(DEFAULT_MODEL_CONFIG) / 1e9 - 25.5) < 0.05);
    // ×4 runs the same network on a 256×256 input: 4× the MACs.
    assert.equal(macsPerImage({ ...DEFAULT_MODEL_CONFIG, scale: 4 }), 4 * macsPerImage(DEFAULT_MODEL_CONFIG));
  });

  for (const architecture of ARCHITECTURES) {
    for (const fusion of FUSIONS) {
      it(`analytic table equals the built model's parameterTable: ${architecture}, fusion ${fusion}`, () => {
        const config = small({ architecture, fusion, landmarks: 5, stages: 2 });
        const model = buildModel(config);
        try {
          const analytic = costTable(config).map(({ module, params }) => ({ module, params }));
          assert.deepEqual(model.parameterTable(), analytic);
          const built = model.trainableVariables().reduce((sum, v) => sum + v.size, 0);
          assert.equal(built, countParams(config).trainableParams);
          if (architecture !== 'bicubic') assert.ok(built > 0);
        } finally {
          model.dispose();
        }
      });
    }
  }

  it('variable names are hierarchical, unique and stable', () => {
    const model = buildModel(small({ landmarks: 5 }));
    try {
      const names = Object.keys(model.namedVariables());
      assert.equal(names.length, model.trainableVariables().length);
      assert.equal(names[0], 'encoder/head/conv/kernel');
      for (const n of [
        'encoder/a/rb1/conv1/kernel',
        'fusion/a0Down/bias',
        'trunk/rb2/conv2/kernel',
        'sr/tail/up3/kernel',
        'sr/tail/out/kernel',
        'align/stage3/in/kernel',
        'align/stage3/out/bias',
      ])
        assert.ok(names.includes(n), `missing ${n}`);
      assert.deepEqual(model.namedVariables()['align/stage3/out/kernel'].shape, [3, 3, 8, 6]);
      assert.deepEqual(model.namedVariables()['align/stage2/in/kernel'].shape, [3, 3, 8 + 6, 8]);
      assert.deepEqual(model.namedVariables()['sr/tail/up1/kernel'].shape, [3, 3, 8, 32]);
    } finally {
      model.dispose();
    }
  });
});
