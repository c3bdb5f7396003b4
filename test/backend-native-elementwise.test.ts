import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { activateNativeKernels, loadNativeAddon } from '../src/backend';
import { NativeAddon } from '../src/backend/native-addon';
import {
  broadcastPlan,
  registerWasmNativeElementwiseKernels,
  unregisterWasmNativeElementwiseKernels,
  wasmNativeElementwiseKernelsRegistered,
} from '../src/backend/wasm-native-elementwise-kernels';
import { ADAM_STEP_KERNEL, registerWasmNativeAdamKernel, unregisterWasmNativeAdamKernel } from '../src/backend/wasm-native-adam-kernel';
import { Adam } from '../src/engine/optimizer';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/config';
import { useWasmForSuite } from './helpers/gradient-compare';

/** setup.sh builds the addon; a run without it tests nothing here, so it fails and says how to build it. */
function addon(): NativeAddon {
  const loaded = loadNativeAddon();
  if (!loaded.ok) assert.fail(`the native addon is not available: ${loaded.reason} (bash scripts/setup.sh builds it)`);
  return loaded.addon;
}

/** Element by element with Object.is: NaN equals NaN, 0 differs from −0. */
function assertSameValues(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, the replaced kernel gives ${expected[i]}`);
  }
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Values with the awkward cases mixed in: NaN (both signs), ±∞, ±0, subnormals. */
function awkward(shape: number[], seed: number): tf.Tensor {
  const n = tf.util.sizeFromShape(shape);
  const negativeNaN = new Float32Array(new Uint32Array([0xffc00000]).buffer)[0];
  const special = [NaN, negativeNaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40];
  const values = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    values[i] = i % 97 < special.length ? special[i % 97] : (s / 2147483648 - 0.5) * 8;
  }
  return tf.tensor(values, shape, 'float32');
}

/** Runs `f` with the native kernels, then with the kernels they replaced; returns both outputs. */
async function nativeAndReplaced(f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  const run = async (): Promise<Float32Array> => {
    const y = f();
    const v = (await y.data()) as Float32Array;
    y.dispose();
    return v;
  };
  assert.ok(wasmNativeElementwiseKernelsRegistered());
  const native = await run();
  unregisterWasmNativeElementwiseKernels();
  try {
    return [native, await run()];
  } finally {
    registerWasmNativeElementwiseKernels(addon());
  }
}

describe('backend: native Add/Multiply/Relu/Step and the fused Adam update give the bits of the kernels they replace', function () {
  useWasmForSuite(wasmNativeElementwiseKernelsRegistered, 'the native elementwise kernels');

  it('broadcastPlan: one contiguous run of broadcast axes as [outer, mid, inner], else undefined', () => {
    assert.deepEqual(broadcastPlan([8, 128, 128, 16], [8, 128, 128, 16]), [1, 1, 8 * 128 * 128 * 16]);
    assert.deepEqual(broadcastPlan([8, 128, 128, 16], [16]), [1, 8 * 128 * 128, 16]);
    assert.deepEqual(broadcastPlan([8, 16, 16, 69], [8, 1, 1, 69]), [8, 256, 69]);
    assert.deepEqual(broadcastPlan([8, 16, 16, 3], []), [1, 8 * 16 * 16 * 3, 1]);
    assert.deepEqual(broadcastPlan([8, 16, 16, 3], [8, 1, 1, 1]), [8, 16 * 16 * 3, 1]);
    assert.deepEqual(broadcastPlan([1, 5, 1, 7], [5, 1, 7]), [1, 1, 35], 'size-1 axes of the output fit either kind');
    assert.equal(broadcastPlan([4, 5, 6], [4, 1, 6, 1]), undefined, 'more axes than the output');
    assert.equal(broadcastPlan([4, 5, 6, 7], [1, 5, 1, 7]), undefined, 'two separate runs');
    assert.equal(broadcastPlan([4, 5, 6], [4, 3, 6]), undefined, 'not broadcastable');
  });

  const binaryCases: [string, number[], number[]][] = [
    ['same shape, large (threaded)', [8, 64, 64, 16], [8, 64, 64, 16]],
    ['per-channel vector', [8, 64, 64, 16], [16]],
    ['vector first', [3], [8, 32, 32, 3]],
    ['per-image and channel', [8, 16, 16, 69], [8, 1, 1, 69]],
    ['scalar', [8, 64, 64, 3], []],
    ['per-image scalar', [8, 16, 16, 3], [8, 1, 1, 1]],
    ['small same shape (one thread)', [5, 7], [5, 7]],
  ];
  for (const [name, aShape, bShape] of binaryCases) {
    for (const op of ['add', 'mul'] as const) {
      it(`${op}: ${name} ${JSON.stringify(aShape)} ${JSON.stringify(bShape)}`, async () => {
        const a = awkward(aShape, 1);
        const b = awkward(bShape, 2);
        const [native, replaced] = await nativeAndReplaced(() => (op === 'add' ? tf.add(a, b) : tf.mul(a, b)));
        tf.dispose([a, b]);
        assertSameValues(native, replaced, `${op} ${name}`);
      });
    }
  }

  it('cases the native kernels do not cover run the replaced kernel: int32, both operands broadcast', async () => {
    const i = tf.tensor([1, 2, 3], [3], 'int32');
    const sumInt = tf.add(i, i);
    assert.equal(sumInt.dtype, 'int32');
    assert.deepEqual(Array.from(await sumInt.data()), [2, 4, 6]);
    const outer = tf.add(tf.tensor([1, 2], [2, 1]), tf.tensor([10, 20, 30], [1, 3]));
    assert.deepEqual(Array.from(await outer.data()), [11, 21, 31, 12, 22, 32]);
    tf.dispose([i, sumInt, outer]);
  });

  for (const shape of [
    [8, 64, 64, 16],
    [3, 5],
  ]) {
    it(`relu and step (alpha 0 and 0.3) on ${JSON.stringify(shape)}, NaN/±0/±∞ included`, async () => {
      const x = awkward(shape, 3);
      for (const [name, f] of [
        ['relu', () => tf.relu(x)],
        ['step', () => tf.step(x)],
        ['step 0.3', () => tf.step(x, 0.3)],
      ] as const) {
        const [native, replaced] = await nativeAndReplaced(f);
        assertSameValues(native, replaced, name);
      }
      x.dispose();
    });
  }

  it('every kernel gives the same bits on 1 and 2 OpenMP threads (each element depends on its own index only)', () => {
    const native = addon();
    const n = 8 * 64 * 64 * 16;
    const wave = (len: number, phase: number): Float32Array => Float32Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + phase) * 3);
    const [a, b, m, v] = [wave(n, 1), wave(n, 2), wave(n, 3), wave(n, 4).map(Math.abs)];
    const run = (threads: number): Float32Array[] => {
      native.setThreads(threads);
      const outs = Array.from({ length: 9 }, () => new Float32Array(n));
      native.binary(0, a, b, outs[0], Int32Array.from([1, 1, n]));
      native.binary(1, a, b.subarray(0, 16), outs[1], Int32Array.from([1, n / 16, 16]));
      native.relu(a, outs[2]);
      native.step(a, outs[3], 0.1);
      native.adamStep(
        a,
        b,
        m,
        v,
        outs[4],
        outs[5],
        outs[6],
        Float32Array.from([0.9, 0.1, 0.999, 0.001, 1e-8, 0.03, 1e-3, 0.01, 1]),
        Int32Array.from([1, 0, 0]),
      );
      const sums = new Float32Array(16);
      native.sumRows(a, sums, Int32Array.from([n / 16, 16]));
      outs[7].set(sums);
      native.maxPoolGrad(a, b.subarray(0, n / 4), outs[8], Int32Array.from([8, 64, 64, 16, 2, 2]));
      return outs;
    };
    try {
      const one = run(1);
      const two = run(2);
      one.forEach((o, i) => assert.ok(sameBits(o, two[i]), `output ${i}: 1 and 2 threads differ`));
    } finally {
      activateNativeKernels(1);
    }
  });

  it('a wrongly sized operand is an error naming it, not an out-of-bounds access', () => {
    const native = addon();
    assert.throws(
      () => native.binary(0, new Float32Array(12), new Float32Array(5), new Float32Array(12), Int32Array.from([1, 3, 4])),
      /'b' has 5 elements, the geometry needs 4/,
    );
    assert.throws(() => native.relu(new Float32Array(4), new Float32Array(3)), /'out' has 3 elements, the geometry needs 4/);
  });

  // The fused update against the optimizer's own TF.js op path, for every weight-decay mode and ε placement: the
  // same bits, step after step (moments included), on a parameter large enough to be split across threads.
  for (const decay of ['coupled', 'decoupled'] as const) {
    for (const epsilonPlacement of ['after-bias-correction', 'before-bias-correction'] as const) {
      it(`Adam, ${decay} weight decay, ε ${epsilonPlacement}: fused kernel = op sequence, bit for bit over 3 steps`, async () => {
        const config = { ...DEFAULT_TRAIN_CONFIG.optimizer, weightDecay: 0.01, decay, epsilonPlacement };
        const train = async (fused: boolean): Promise<Float32Array[]> => {
          if (!fused) unregisterWasmNativeAdamKernel();
          const params = { big: tf.variable(awkward([70, 1000], 5).clipByValue(-3, 3)), small: tf.variable(tf.randomNormal([3, 3, 4, 5], 0, 1, 'float32', 6)) };
          const adam = new Adam(config, params);
          try {
            for (let step = 1; step <= 3; step++) {
              const grads = {
                big: tf.randomNormal([70, 1000], 0, 0.1, 'float32', 10 + step),
                small: tf.randomNormal([3, 3, 4, 5], 0, 0.1, 'float32', 20 + step),
              };
              adam.apply(grads, 1e-3 * step);
              tf.dispose(Object.values(grads));
            }
            const state = adam.state();
            return [params.big.dataSync() as Float32Array, params.small.dataSync() as Float32Array, state.slots.big.m, state.slots.big.v, state.slots.small.v];
          } finally {
            adam.dispose();
            tf.dispose(Object.values(params));
            registerWasmNativeAdamKernel(addon());
          }
        };
        assert.ok(tf.getKernel(ADAM_STEP_KERNEL, 'wasm'), 'the fused kernel is registered on wasm');
        const fused = await train(true);
        const ops = await train(false);
        fused.forEach((f, i) => assert.ok(sameBits(f, ops[i]), `tensor ${i}: fused and op path differ`));
        assert.ok(!sameBits(fused[0], awkward([70, 1000], 5).clipByValue(-3, 3).dataSync() as Float32Array), 'the parameters moved');
      });
    }
  }
});
