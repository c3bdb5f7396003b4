import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { wasmSharedIdentityKernelsRegistered } from '../src/backend/wasm-shared-identity-kernels';
import { useWasmForSuite } from './helpers/gradient-compare';

describe('backend: wasm Identity / same-dtype Cast share data instead of copying', function () {
  useWasmForSuite(wasmSharedIdentityKernelsRegistered, 'the shared Identity/Cast kernels');

  it('a clone shares the data (no new tensor memory) and outlives its source', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const y = tf.clone(x);
    assert.equal(y.dataId, x.dataId, 'the clone has its own data (a copy)');
    x.dispose();
    assert.deepEqual(Array.from(await y.data()), [1, 2, 3, 4, 5, 6, 7, 8]);
    y.dispose();
  });

  // (float32 → bool is left out: the built-in wasm Cast stores −2.7 as 254, not 1 — a tfjs-backend-wasm quirk.)
  it('cast to the same dtype shares; a real cast converts (int32 → float32, float32 → int32 truncates)', async () => {
    const f = tf.tensor1d([1.5, -2.7, 0]);
    const same = tf.cast(f, 'float32');
    assert.equal(same.dataId, f.dataId);
    const toInt = tf.cast(f, 'int32');
    const fromInt = tf.cast(tf.tensor1d([3, -4], 'int32'), 'float32');
    assert.deepEqual(Array.from(await toInt.data()), [1, -2, 0]);
    assert.deepEqual(Array.from(await fromInt.data()), [3, -4]);
    assert.equal(fromInt.dtype, 'float32');
    tf.dispose([f, same, toInt, fromInt]);
  });

  it('string tensors still clone through the built-in kernel', async () => {
    const s = tf.tensor1d(['a', 'bc'], 'string');
    const c = tf.clone(s);
    assert.deepEqual(await c.data(), ['a', 'bc']);
    tf.dispose([s, c]);
  });

  it('gradients through saved (cloned) tensors are unchanged and nothing leaks', () => {
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() =>
      tf.sum(tf.relu(tf.fused.conv2d({ x, filter: w as tf.Tensor4D, strides: 1, pad: 'same', activation: 'relu' }))),
    );
    const g = grads[w.name];
    assert.ok(Number.isFinite(value.dataSync()[0]));
    assert.ok(g.dataSync().some((v) => v !== 0));
    tf.dispose([value, g]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, w]);
  });
});
