import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '../src/backend/native-addon';
import {
  registerWasmMaxPoolGradKernel,
  unregisterWasmMaxPoolGradKernel,
  useNativeMaxPoolGrad,
  wasmMaxPoolGradKernelRegistered,
} from '../src/backend/wasm-max-pool-grad-kernel';
import { gradOnBackend, relativeError, useWasmForSuite } from './helpers/gradient-compare';

describe('backend: wasm MaxPoolGrad kernel matches the cpu backend', function () {
  useWasmForSuite(wasmMaxPoolGradKernelRegistered, 'the MaxPoolGrad kernel');

  // 9×7 leaves a row and a column outside every 2×2 window; relu makes tied all-zero windows, where the cpu
  // backend sends dy to the first element only. (The built-in wasm kernel differs from cpu in both cases.)
  const cases: { name: string; shape: [number, number, number, number]; filter: number; stride: number; pad: 'valid' | 'same'; relu: boolean }[] = [
    { name: '2×2/2 valid, odd 9×7 input', shape: [2, 9, 7, 5], filter: 2, stride: 2, pad: 'valid', relu: false },
    { name: '2×2/2 valid, relu input with tied zero windows', shape: [3, 8, 8, 4], filter: 2, stride: 2, pad: 'valid', relu: true },
    { name: '3×3/3 valid', shape: [1, 9, 12, 3], filter: 3, stride: 3, pad: 'valid', relu: false },
  ];
  // Both implementations of the non-overlapping case: the native addon's (when built; setup.sh builds it) and the JS loop.
  const paths = ['native', 'js'] as const;
  const withPath = async <T>(path: (typeof paths)[number], run: () => Promise<T>): Promise<T> => {
    const addon = loadNativeAddon();
    if (path === 'native' && !addon.ok) assert.fail(`native addon not available: ${addon.reason}`);
    useNativeMaxPoolGrad(path === 'native' && addon.ok ? addon.addon : undefined);
    try {
      return await run();
    } finally {
      useNativeMaxPoolGrad(addon.ok ? addon.addon : undefined);
    }
  };
  paths.forEach((path) =>
    cases.forEach(({ name, shape, filter, stride, pad, relu }, i) => {
      it(`${name} (${path}): dx within 1e-4 of cpu`, () =>
        withPath(path, async () => {
          const raw = tf.randomNormal(shape, 0, 1, 'float32', 500 + i);
          const x = relu ? tf.relu(raw) : raw;
          const outShape = tf.maxPool(x as tf.Tensor4D, filter, stride, pad).shape;
          const dyWeights = tf.randomNormal(outShape, 0, 1, 'float32', 600 + i);
          const f = (a: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, filter, stride, pad), dyWeights));
          const onWasm = await gradOnBackend('wasm', f, x);
          const onCpu = await gradOnBackend('cpu', f, x);
          await tf.setBackend('wasm');
          tf.dispose([raw, x, dyWeights]);
          assert.equal(
            onWasm.length,
            shape.reduce((a, b) => a * b),
          );
          const err = relativeError(onWasm, onCpu);
          assert.ok(err < 1e-4, `relative error ${err}`);
          // Non-overlapping windows route each dy to exactly one input, so the non-zero count is the output size.
          if (pad === 'valid' && filter === stride) assert.equal(onWasm.filter((v) => v !== 0).length, onCpu.filter((v) => v !== 0).length);
        }));
    }),
  );

  it('overlapping 3×3/2 same windows run the built-in kernel: same dx as with ours unregistered', async () => {
    const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 700);
    const dyWeights = tf.randomNormal([2, 5, 4, 3], 0, 1, 'float32', 701);
    const f = (a: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 3, 2, 'same'), dyWeights));
    const withOurs = await gradOnBackend('wasm', f, x);
    unregisterWasmMaxPoolGradKernel();
    try {
      assert.ok(!wasmMaxPoolGradKernelRegistered());
      const builtin = await gradOnBackend('wasm', f, x);
      assert.deepEqual(Array.from(withOurs), Array.from(builtin));
      assert.ok(builtin.some((v) => v !== 0));
    } finally {
      registerWasmMaxPoolGradKernel();
      tf.dispose([x, dyWeights]);
    }
  });
});
