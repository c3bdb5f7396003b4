import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import {
  NATIVE_KERNELS_ENV_VAR,
  NATIVE_THREADS_ENV_VAR,
  activateNativeKernels,
  initBackend,
  loadNativeAddon,
  unregisterWasmNativeConvKernels,
  wasmNativeConvKernelsRegistered,
} from '../src/backend';
import { NativeAddon, nativeThreadsFor } from '../src/backend/native-addon';
import { convParityCases } from './helpers/conv-parity';
import { relativeError, useWasmForSuite } from './helpers/gradient-compare';

/** setup.sh builds the addon; a run without it tests nothing here, so it fails and says how to build it. */
function addon(): NativeAddon {
  const loaded = loadNativeAddon();
  if (!loaded.ok) assert.fail(`the oneDNN addon is not available: ${loaded.reason} (bash scripts/setup.sh builds it)`);
  return loaded.addon;
}

describe('backend: oneDNN conv kernels on the wasm heap match the cpu backend', function () {
  useWasmForSuite(wasmNativeConvKernelsRegistered, 'the oneDNN conv kernels');
  convParityCases();

  it('initBackend reports the oneDNN convs and their thread count', async () => {
    const report = await initBackend({ force: 'wasm', quiet: true });
    assert.equal(report.nativeConv?.active, true, JSON.stringify(report.nativeConv));
    assert.match(report.summary, /convs on oneDNN 2\.\d+\.\d+, \d+ threads?/);
    assert.equal(report.wasmConvGradKernels, true);
    assert.equal(addon().info().version, report.nativeConv?.active ? report.nativeConv.library.replace('oneDNN ', '') : '');
  });

  it('dilated forward convs (no gradient on any TF.js backend) match cpu', async () => {
    const x = tf.randomNormal([2, 13, 11, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
    const run = async (backend: string): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const y = tf.conv2d(x, w, 1, 'same', 'NHWC', 2);
      const v = (await y.data()) as Float32Array;
      y.dispose();
      return v;
    };
    const onWasm = await run('wasm');
    const onCpu = await run('cpu');
    await tf.setBackend('wasm');
    tf.dispose([x, w]);
    assert.ok(relativeError(onWasm, onCpu) < 1e-5, `relative error ${relativeError(onWasm, onCpu)}`);
  });

  it('activations oneDNN is not given (leakyrelu, prelu) fall back to the previous kernel and still match cpu', async () => {
    const x = tf.randomNormal([1, 8, 8, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 6], 0, 1, 'float32', 4) as tf.Tensor4D;
    const bias = tf.randomNormal([6], 0, 1, 'float32', 5) as tf.Tensor1D;
    const alpha = tf.fill([6], 0.25);
    const run = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const ys = [
        tf.fused.conv2d({ x, filter: w, bias, activation: 'leakyrelu', leakyreluAlpha: 0.1, strides: 1, pad: 'same' }),
        tf.fused.conv2d({ x, filter: w, bias, activation: 'prelu', preluActivationWeights: alpha, strides: 1, pad: 'same' }),
      ];
      const v = await Promise.all(ys.map((y) => y.data() as Promise<Float32Array>));
      tf.dispose(ys);
      return v;
    };
    const onWasm = await run('wasm');
    const onCpu = await run('cpu');
    await tf.setBackend('wasm');
    tf.dispose([x, w, bias, alpha]);
    onWasm.forEach((v, i) => assert.ok(relativeError(v, onCpu[i]) < 1e-5, `activation ${i}: relative error ${relativeError(v, onCpu[i])}`));
  });

  it('two oneDNN threads give the same gradients as one (within float reordering)', async () => {
    const x = tf.randomNormal([4, 32, 32, 16], 0, 1, 'float32', 6) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 16, 16], 0, 1, 'float32', 7) as tf.Tensor4D;
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')));
    const gradsWith = async (threads: number): Promise<Float32Array[]> => {
      addon().setThreads(threads);
      const gs = tf.grads(f)([x, w]);
      const v = await Promise.all(gs.map((g) => g.data() as Promise<Float32Array>));
      tf.dispose(gs);
      return v;
    };
    const one = await gradsWith(1);
    const two = await gradsWith(2);
    activateNativeKernels(1);
    tf.dispose([x, w]);
    one.forEach((v, i) => assert.ok(relativeError(two[i], v) < 1e-5, `gradient ${i}: relative error ${relativeError(two[i], v)}`));
  });

  it('primitives are cached per thread count: back at 2 threads after a 1-thread detour, the 2-thread bits again', () => {
    // oneDNN fixes a primitive's work split, and so the order of the weight-gradient sums, from the OpenMP threads at
    // creation. Data-parallel replicas give the main thread 1 thread and 2 again when they close; a primitive cached
    // across that made later steps compute other bits than a fresh process (native/cpu-kernels/conv.cc).
    const native = addon();
    // [n, ih, iw, ic, oc, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, relu]: used by no other test
    const g = Int32Array.from([6, 37, 29, 16, 24, 3, 3, 37, 29, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const wave = (n: number, phase: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase));
    const x = wave(6 * 37 * 29 * 16, 1);
    const dy = wave(6 * 37 * 29 * 24, 2);
    const dwWith = (threads: number): Float32Array => {
      native.setThreads(threads);
      const dw = new Float32Array(3 * 3 * 16 * 24);
      native.conv2dBackwardWeights(x, dy, dw, g);
      return dw;
    };
    const sameBits = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
    try {
      const two = dwWith(2);
      const cached = native.info().cachedPrimitives;
      const one = dwWith(1);
      assert.equal(native.info().cachedPrimitives, cached + 1, 'a new primitive for 1 thread');
      assert.ok(relativeError(one, two) < 1e-5, `1 vs 2 threads: relative error ${relativeError(one, two)}`);
      assert.ok(sameBits(dwWith(2), two), 'back at 2 threads: the bits of the first 2-thread call');
      assert.ok(sameBits(dwWith(1), one), 'back at 1 thread: the bits of the first 1-thread call');
      assert.equal(native.info().cachedPrimitives, cached + 1, 'nothing rebuilt on the way back');
    } finally {
      activateNativeKernels(1);
    }
  });

  it('a wrongly sized buffer is an error naming the operand, not a silent out-of-bounds write', () => {
    const geometry = Int32Array.from([1, 4, 4, 2, 3, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const x = new Float32Array(1 * 4 * 4 * 2);
    const w = new Float32Array(3 * 3 * 2 * 3);
    assert.throws(() => addon().conv2d(x, w, null, new Float32Array(10), geometry), /'y' has 10 elements, the geometry needs 48/);
    assert.throws(() => addon().conv2dBackwardWeights(x, new Float32Array(48), new Float32Array(5), geometry), /'dw' has 5 elements, the geometry needs 54/);
    assert.throws(() => addon().conv2d(x, w, null, new Float32Array(48), Int32Array.from([1, 2])), /geometry must be an Int32Array of 18/);
  });

  it('unregistering puts the XNNPACK kernels back; activating registers oneDNN again', () => {
    unregisterWasmNativeConvKernels();
    assert.equal(wasmNativeConvKernelsRegistered(), false);
    const status = activateNativeKernels(1);
    assert.equal(status.active, true);
    assert.equal(wasmNativeConvKernelsRegistered(), true);
  });
});

describe('backend: oneDNN addon settings', () => {
  it(`${NATIVE_KERNELS_ENV_VAR}=0 keeps the XNNPACK convs and says why`, () => {
    const off = loadNativeAddon({ [NATIVE_KERNELS_ENV_VAR]: '0' });
    assert.deepEqual(off, { ok: false, reason: `disabled by ${NATIVE_KERNELS_ENV_VAR}=0` });
  });

  it(`threads: ${NATIVE_THREADS_ENV_VAR} wins, else the cores are shared among replicas (at least one each)`, () => {
    assert.equal(nativeThreadsFor(1, { [NATIVE_THREADS_ENV_VAR]: '3' }), 3);
    assert.equal(nativeThreadsFor(64, {}), 1);
    assert.ok(nativeThreadsFor(1, {}) >= nativeThreadsFor(2, {}));
    assert.throws(() => nativeThreadsFor(1, { [NATIVE_THREADS_ENV_VAR]: 'two' }), /JASR_NATIVE_THREADS: expected a positive integer, got 'two'/);
  });
});
