import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { Architecture, DEFAULT_MODEL_CONFIG, FUSION_VARIANTS, FusionVariant, ModelConfig } from '../src/model/config';
import { buildModel } from '../src/model/build';

const small = (over: Partial<ModelConfig> = {}): ModelConfig => ({ ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 2, ...over });

function disposeOutput(out: { sr?: tf.Tensor; heatmaps: tf.Tensor[]; taps?: Record<string, tf.Tensor> }): void {
  tf.dispose([out.sr ?? [], ...out.heatmaps, ...Object.values(out.taps ?? {})].flat());
}

describe('model forward pass', () => {
  it('×8: input 128×128 → sr [B,128,128,3], 3 heatmap stages [B,16,16,69]; no tensors leak', () => {
    const model = buildModel(small());
    const input = tf.randomUniform([2, 128, 128, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = model.apply(input);
    assert.deepEqual(out.sr?.shape, [2, 128, 128, 3]);
    assert.equal(out.heatmaps.length, 3);
    for (const h of out.heatmaps) assert.deepEqual(h.shape, [2, 16, 16, 69]);
    assert.equal(out.taps, undefined);
    disposeOutput(out);
    assert.equal(tf.memory().numTensors, before);
    input.dispose();
    model.dispose();
  });

  it('×4: input 256×256 → sr [B,256,256,3], heatmaps [B,32,32,69] (heatmaps at HR/8 for both scales)', () => {
    const model = buildModel(small({ scale: 4, stages: 1 }));
    const input = tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const out = model.apply(input);
    assert.deepEqual(out.sr?.shape, [1, 256, 256, 3]);
    assert.deepEqual(
      out.heatmaps.map((h) => h.shape),
      [[1, 32, 32, 69]],
    );
    disposeOutput(out);
    input.dispose();
    model.dispose();
  });

  it('taps: one pass returns every named intermediate with the right shape', () => {
    const f = 8;
    const p = 6;
    const model = buildModel(small({ landmarks: p - 1 }));
    const input = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = model.apply(input, { taps: true });
    const expected: Record<string, number[]> = {
      'encoder/x': [1, 64, 64, f],
      'encoder/a0': [1, 64, 64, f],
      'encoder/b': [1, 32, 32, f],
      'encoder/c1': [1, 16, 16, f],
      'encoder/c2': [1, 8, 8, f],
      'fusion/a1': [1, 32, 32, f],
      'fusion/a2': [1, 16, 16, f],
      'fusion/a3': [1, 16, 16, f],
      'fusion/a4': [1, 8, 8, f],
      'trunk/out': [1, 8, 8, f],
      fused: [1, 8, 8, f],
      'sr/feature': [1, 8, 8, f],
      'sr/long': [1, 8, 8, f],
      'sr/summed': [1, 8, 8, f],
      'sr/tail': [1, 64, 64, 3],
      'sr/out': [1, 64, 64, 3],
      'align/feature': [1, 8, 8, f],
      'align/stage1': [1, 8, 8, p],
      'align/stage2': [1, 8, 8, p],
      'align/stage3': [1, 8, 8, p],
    };
    const taps = out.taps ?? {};
    assert.deepEqual(Object.keys(taps).sort(), Object.keys(expected).sort());
    for (const [name, shape] of Object.entries(expected)) assert.deepEqual(taps[name].shape, shape, name);
    // The taps are the tensors the outputs were computed from.
    assert.deepEqual(Array.from(taps['align/stage3'].dataSync()), Array.from(out.heatmaps[2].dataSync()));
    const fused = tf.add(taps['trunk/out'], taps['fusion/a4']);
    assert.deepEqual(Array.from(fused.dataSync()), Array.from(taps.fused.dataSync()));
    fused.dispose();
    disposeOutput(out);
    input.dispose();
    model.dispose();
  });

  it('same seed → identical outputs; different seed → different outputs', () => {
    const input = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const run = (seed: number): Float32Array => {
      const model = buildModel(small({ init: 'he' }), seed);
      const out = model.apply(input);
      const values = out.heatmaps[2].dataSync() as Float32Array;
      disposeOutput(out);
      model.dispose();
      return values;
    };
    assert.deepEqual(Array.from(run(9)), Array.from(run(9)));
    assert.notDeepEqual(Array.from(run(9)), Array.from(run(10)));
    input.dispose();
  });

  const cases: [Architecture, boolean, boolean][] = [
    ['bicubic', true, false],
    ['sr-only', true, false],
    ['align-only', false, true],
    ['two-stage', true, true],
    ['separate-encoders', true, true],
  ];
  for (const [architecture, hasSr, hasHeatmaps] of cases) {
    it(`baseline ${architecture} builds and runs (sr: ${hasSr}, heatmaps: ${hasHeatmaps})`, () => {
      const model = buildModel(small({ architecture, landmarks: 5 }));
      const input = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const out = model.apply(input, { taps: true });
      assert.equal(out.sr !== undefined, hasSr);
      if (out.sr) assert.deepEqual(out.sr.shape, [2, 32, 32, 3]);
      assert.deepEqual(
        out.heatmaps.map((h) => h.shape),
        hasHeatmaps
          ? [
              [2, 4, 4, 6],
              [2, 4, 4, 6],
              [2, 4, 4, 6],
            ]
          : [],
      );
      if (architecture === 'bicubic') assert.deepEqual(Array.from(out.sr?.dataSync() ?? []), Array.from(input.dataSync()));
      if (architecture === 'two-stage' || architecture === 'separate-encoders') {
        assert.ok('srBackbone/fused' in (out.taps ?? {}) && 'alignBackbone/fused' in (out.taps ?? {}));
      }
      disposeOutput(out);
      input.dispose();
      model.dispose();
    });
  }

  it("align-only with alignInput 'hr' reads opts.hr (and refuses to run without it)", () => {
    const model = buildModel(small({ architecture: 'align-only', alignInput: 'hr', landmarks: 5 }));
    const lr = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const hr = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    assert.throws(() => model.apply(lr), /needs the HR image/);
    const fromHr = model.apply(lr, { hr });
    const fromHrOnly = model.apply(hr, { hr });
    const lrModel = buildModel(small({ architecture: 'align-only', alignInput: 'lr', landmarks: 5 }));
    const fromLr = lrModel.apply(lr, { hr });
    // Same weights (same seed and names): the 'hr' model ignores the first argument; the 'lr' model ignores hr.
    assert.deepEqual(Array.from(fromHr.heatmaps[2].dataSync()), Array.from(fromHrOnly.heatmaps[2].dataSync()));
    assert.notDeepEqual(Array.from(fromHr.heatmaps[2].dataSync()), Array.from(fromLr.heatmaps[2].dataSync()));
    [fromHr, fromHrOnly, fromLr].forEach(disposeOutput);
    tf.dispose([lr, hr]);
    model.dispose();
    lrModel.dispose();
  });

  for (const fusion of FUSION_VARIANTS as readonly FusionVariant[]) {
    it(`fusion ${fusion} builds and produces the fused feature at 1/8`, () => {
      const model = buildModel(small({ fusion, landmarks: 5 }));
      const input = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
      const out = model.apply(input, { taps: true });
      assert.deepEqual(out.taps?.fused.shape, [1, 4, 4, 8]);
      if (fusion === 'none') assert.deepEqual(Array.from(out.taps?.fused.dataSync() ?? []), Array.from(out.taps?.['trunk/out'].dataSync() ?? []));
      if (fusion === 'concat') assert.deepEqual(out.taps?.['fusion/concatenated'].shape, [1, 4, 4, 32]);
      disposeOutput(out);
      input.dispose();
      model.dispose();
    });
  }

  it('rejects inputs that are not [B, H, W, 3] with H, W multiples of 8, naming the shape', () => {
    const model = buildModel(small());
    const bad = tf.zeros([1, 30, 32, 3]) as tf.Tensor4D;
    assert.throws(() => model.apply(bad), /multiples of 8, found \[1, 30, 32, 3\]/);
    bad.dispose();
    model.dispose();
  });
});
