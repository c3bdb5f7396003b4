import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '../src/backend/native-addon';
import { leadingAxesCount, wasmSumKernelRegistered } from '../src/backend/wasm-sum-leading-axes-kernel';
import { relativeError, useWasmForSuite } from './helpers/gradient-compare';

describe('backend: wasm Sum over leading axes (bias gradients, native addon) matches the cpu backend', function () {
  useWasmForSuite(wasmSumKernelRegistered, 'the leading-axes Sum kernel');

  const cases: { shape: number[]; axis: number | number[]; keepDims: boolean; dtype?: 'float32' | 'int32' }[] = [
    { shape: [3, 5, 4, 6], axis: [0, 1, 2], keepDims: false },
    { shape: [3, 5, 4, 6], axis: [2, 0, 1], keepDims: true },
    { shape: [7, 9], axis: 0, keepDims: false },
    { shape: [2, 3, 4], axis: [-3, -2], keepDims: false },
    // Not leading (built-in kernel) and all axes (plain total): must still be right.
    { shape: [3, 5, 4, 6], axis: [1, 2], keepDims: false },
    { shape: [3, 5, 4, 6], axis: [0, 1, 2, 3], keepDims: false },
    { shape: [4, 6], axis: 0, keepDims: false, dtype: 'int32' },
  ];
  cases.forEach(({ shape, axis, keepDims, dtype }, i) => {
    it(`sum over ${JSON.stringify(axis)} of [${shape}] (${dtype ?? 'float32'}, keepDims ${keepDims})`, async () => {
      const x = dtype === 'int32' ? tf.randomUniform(shape, -50, 50, 'int32', i + 1) : tf.randomNormal(shape, 0, 1, 'float32', i + 1);
      const run = async (backend: string): Promise<{ shape: number[]; values: Float32Array | Int32Array }> => {
        await tf.setBackend(backend);
        const y = tf.sum(x, axis, keepDims);
        const r = { shape: y.shape, values: (await y.data()) as Float32Array | Int32Array };
        y.dispose();
        return r;
      };
      const onWasm = await run('wasm');
      const onCpu = await run('cpu');
      await tf.setBackend('wasm');
      x.dispose();
      assert.deepEqual(onWasm.shape, onCpu.shape);
      assert.ok(relativeError(onWasm.values, onCpu.values) < 1e-6, `relative error ${relativeError(onWasm.values, onCpu.values)}`);
    });
  });

  it('the gradient of a fused conv bias (Σ over N, H, W) goes through it and matches cpu', async () => {
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 12) as tf.Tensor4D;
    const b = tf.randomNormal([4], 0, 1, 'float32', 13) as tf.Tensor1D;
    const f = (bias: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.fused.conv2d({ x, filter: w, bias: bias as tf.Tensor1D, strides: 1, pad: 'same' })));
    const run = async (backend: string): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const g = tf.grad(f)(b);
      const v = (await g.data()) as Float32Array;
      g.dispose();
      return v;
    };
    const onWasm = await run('wasm');
    const onCpu = await run('cpu');
    await tf.setBackend('wasm');
    tf.dispose([x, w, b]);
    assert.ok(relativeError(onWasm, onCpu) < 1e-5, `relative error ${relativeError(onWasm, onCpu)}`);
  });
});

describe('backend: leading-axes helpers', () => {
  it('leadingAxesCount accepts only a prefix of the axes, in any order, negatives included', () => {
    assert.equal(leadingAxesCount([0, 1, 2], 4), 3);
    assert.equal(leadingAxesCount([2, 1, 0], 4), 3);
    assert.equal(leadingAxesCount(-4, 4), 1);
    assert.equal(leadingAxesCount([1, 2], 4), 0);
    assert.equal(leadingAxesCount([0, 2], 4), 0);
  });

  it("the addon's sumRows adds the rows of an [outer, inner] matrix, in float64", () => {
    const loaded = loadNativeAddon();
    if (!loaded.ok) assert.fail(`native addon not available: ${loaded.reason}`);
    const out = new Float32Array(3);
    loaded.addon.sumRows(Float32Array.from([1, 2, 3, 10, 20, 30]), out, Int32Array.from([2, 3]));
    assert.deepEqual([...out], [11, 22, 33]);
    // 1e8 + 1 + … in float32 would lose every 1; a float64 accumulator keeps them.
    const rows = Float32Array.from([1e8, 1, 1, 1, 1, -1e8]);
    loaded.addon.sumRows(rows, out.subarray(0, 1), Int32Array.from([6, 1]));
    assert.equal(out[0], 4);
    assert.throws(() => loaded.addon.sumRows(rows, out, Int32Array.from([6, 2])), /'x' has 6 elements, the geometry needs 12/);
  });
});
