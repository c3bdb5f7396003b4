import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { WasmKernelOverride } from '../src/backend/wasm-kernel-override';

/** A kernel that answers with its layer number in the shape, so a test can see which one ran. */
const layer =
  (n: number, below?: () => WasmKernelOverride): tf.KernelFunc =>
  (args) => {
    if (below) {
      const fromBelow = below().fallback(args) as tf.TensorInfo;
      return { dataId: {}, shape: [n, ...fromBelow.shape], dtype: 'float32' };
    }
    return { dataId: {}, shape: [n], dtype: 'float32' };
  };

describe('backend: layered wasm kernel overrides', () => {
  const NAME = 'JasrOverrideTestKernel';
  const call = (): number[] => (tf.getKernel(NAME, 'wasm')?.kernelFunc({ inputs: {}, backend: tf.backend(), attrs: {} }) as tf.TensorInfo).shape;

  it('re-registering the lower layer never makes it fall back on the upper one (no loop), and unregistering unwinds in order', () => {
    tf.registerKernel({ kernelName: NAME, backendName: 'wasm', kernelFunc: layer(0) });
    const lower: WasmKernelOverride = new WasmKernelOverride(
      NAME,
      layer(1, () => lower),
    );
    const upper: WasmKernelOverride = new WasmKernelOverride(
      NAME,
      layer(2, () => upper),
    );
    try {
      lower.register();
      upper.register();
      assert.deepEqual(call(), [2, 1, 0]);
      // A backend re-selection registers the lower layer again, then the upper one.
      lower.register();
      assert.deepEqual(call(), [1, 0]);
      upper.register();
      assert.deepEqual(call(), [2, 1, 0]);
      upper.unregister();
      assert.deepEqual(call(), [1, 0]);
      lower.unregister();
      assert.deepEqual(call(), [0]);
      assert.equal(lower.active || upper.active, false);
    } finally {
      tf.unregisterKernel(NAME, 'wasm');
    }
  });

  it('over a kernel wasm lacks, fallback is an error naming it and unregister leaves none', () => {
    const missing = 'JasrMissingTestKernel';
    const o: WasmKernelOverride = new WasmKernelOverride(
      missing,
      layer(1, () => o),
    );
    o.register();
    assert.throws(() => o.fallback({ inputs: {}, backend: tf.backend(), attrs: {} }), /no built-in wasm JasrMissingTestKernel kernel to fall back on/);
    o.unregister();
    assert.equal(tf.getKernel(missing, 'wasm'), undefined);
  });
});
