import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MODEL_CONFIG, ModelConfig } from '../src/model/config';
import { buildModel } from '../src/model/build';
import type { FaceModel } from '../src/model/types';
import { jointLoss } from '../src/losses/joint';

const small = (over: Partial<ModelConfig> = {}): ModelConfig => ({ ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 2, landmarks: 5, ...over });

interface Batch {
  input: tf.Tensor4D;
  hr: tf.Tensor4D;
  heatmaps: tf.Tensor4D;
  mask: tf.Tensor4D;
}

function fixedBatch(size: number, landmarks: number): Batch {
  const input = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
  const hr = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
  const heatmaps = tf.randomUniform([2, size / 8, size / 8, landmarks + 1], 0, 1, 'float32', 13) as tf.Tensor4D;
  // Landmark 2 of sample 1 invisible; background always on.
  const maskValues = Array.from({ length: 2 * (landmarks + 1) }, (_, i) => (i === landmarks + 1 + 2 ? 0 : 1));
  const mask = tf.tensor4d(maskValues, [2, 1, 1, landmarks + 1]);
  return { input, hr, heatmaps, mask };
}

function lossOf(model: FaceModel, batch: Batch): tf.Scalar {
  const out = model.apply(batch.input, { hr: batch.hr });
  const { total, pixel, heatmap } = jointLoss(out, batch);
  tf.dispose([out.sr ?? [], ...out.heatmaps, pixel, heatmap].flat());
  return total;
}

describe(`model training (backend ${process.env.JASR_BACKEND ?? 'default'})`, () => {
  for (const over of [{}, { fusion: 'concat' as const }, { architecture: 'two-stage' as const }]) {
    it(`every trainable variable gets a finite, non-zero gradient from the joint loss (${JSON.stringify(over)})`, () => {
      const model = buildModel(small(over));
      const batch = fixedBatch(32, 5);
      const { value, grads } = tf.variableGrads(() => lossOf(model, batch), model.trainableVariables());
      const names = Object.entries(model.namedVariables());
      const byId = new Map(model.trainableVariables().map((v) => [v.name, v]));
      assert.equal(Object.keys(grads).length, names.length);
      for (const [name, variable] of names) {
        assert.ok(byId.has(variable.name));
        const g = grads[variable.name].dataSync();
        let nonZero = 0;
        for (const x of g) {
          assert.ok(Number.isFinite(x), `${name}: non-finite gradient ${x}`);
          if (x !== 0) nonZero++;
        }
        assert.ok(nonZero > 0, `${name}: gradient is all zeros`);
      }
      tf.dispose([value, ...Object.values(grads), ...Object.values(batch)]);
      model.dispose();
    });
  }

  it('one Adam step lowers the joint loss on a fixed batch', () => {
    const model = buildModel(small({ init: 'he' }));
    const batch = fixedBatch(32, 5);
    const optimizer = tf.train.adam(1e-3);
    const before = lossOf(model, batch);
    const beforeValue = before.dataSync()[0];
    before.dispose();
    const cost = optimizer.minimize(() => lossOf(model, batch), true, model.trainableVariables());
    cost?.dispose();
    const after = lossOf(model, batch);
    const afterValue = after.dataSync()[0];
    after.dispose();
    assert.ok(Number.isFinite(beforeValue) && afterValue < beforeValue, `loss ${beforeValue} → ${afterValue}`);
    optimizer.dispose();
    tf.dispose(Object.values(batch));
    model.dispose();
  });
});
