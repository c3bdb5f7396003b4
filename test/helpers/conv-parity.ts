/**
 * One parity suite for a wasm conv path against the cpu backend: forward outputs and dx, dW, dbias through plain
 * and fused (bias + relu) convs over strides, pads and kernel sizes, then a small net that must train with a flat
 * tensor count. Run for the XNNPACK path (test/backend-grads.test.ts) and the oneDNN one (backend-native-conv).
 */
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { relativeError } from './gradient-compare';

async function gradsOn(backend: string, f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: tf.Tensor[]): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend), `could not switch to ${backend}`);
  assert.equal(tf.getBackend(), backend);
  const grads = tf.grads(f)(inputs);
  const values = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
  tf.dispose(grads);
  return values;
}

/** Plain conv and fused conv (bias + relu) outputs on the named backend. */
async function forwardOn(
  backend: string,
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  bias: tf.Tensor1D,
  stride: number | [number, number],
  pad: Pad,
): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend), `could not switch to ${backend}`);
  const outs = [tf.conv2d(x, w, stride, pad), tf.fused.conv2d({ x, filter: w, strides: stride, pad, bias, activation: 'relu' })];
  const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outs);
  return values;
}

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** Registers the `it`s inside the caller's describe, whose hooks have made the path under test active. */
export function convParityCases(): void {
  // Non-square 9×8 input with 5→4 channels, so a swapped height/width or in/out axis cannot pass.
  const inputShape: [number, number, number, number] = [2, 9, 8, 5];
  const outChannels = 4;
  const cases: { kernel: number; stride: number | [number, number]; pad: Pad }[] = [];
  for (const kernel of [1, 3]) for (const stride of [1, 2]) for (const pad of ['same', 'valid'] as Pad[]) cases.push({ kernel, stride, pad });
  // The model's explicit 'pad 1' convs, plus shapes no model uses yet (asymmetric strides and pads, 5×5 stride 3).
  cases.push({ kernel: 3, stride: 2, pad: 1 }, { kernel: 3, stride: 1, pad: 1 }, { kernel: 1, stride: 2, pad: 1 });
  cases.push(
    {
      kernel: 3,
      stride: [2, 1],
      pad: [
        [0, 0],
        [2, 0],
        [1, 3],
        [0, 0],
      ],
    },
    { kernel: 5, stride: 3, pad: 'same' },
  );

  cases.forEach(({ kernel, stride, pad }, i) => {
    it(`conv2d ${kernel}×${kernel} stride ${stride} pad ${JSON.stringify(pad)}: forward within 1e-5, dx and dW within 1e-4 (plain and fused with bias + relu)`, async () => {
      const x = tf.randomNormal(inputShape, 0, 1, 'float32', 100 + i) as tf.Tensor4D;
      const w = tf.randomNormal([kernel, kernel, inputShape[3], outChannels], 0, 1, 'float32', 200 + i) as tf.Tensor4D;
      const bias = tf.randomNormal([outChannels], 0, 1, 'float32', 300 + i) as tf.Tensor1D;
      const outShape = tf.conv2d(x, w, stride, pad).shape;
      // A random dy (through a weighted sum) exercises every output position with a different weight.
      const dyWeights = tf.randomNormal(outShape, 0, 1, 'float32', 400 + i);
      const plain = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), dyWeights));
      const fused = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: stride, pad, bias: c, activation: 'relu' }), dyWeights));

      const forwardWasm = await forwardOn('wasm', x, w, bias, stride, pad);
      const forwardCpu = await forwardOn('cpu', x, w, bias, stride, pad);
      const onWasm = await gradsOn('wasm', plain, [x, w]);
      const onCpu = await gradsOn('cpu', plain, [x, w]);
      const fusedWasm = await gradsOn('wasm', fused, [x, w, bias]);
      const fusedCpu = await gradsOn('cpu', fused, [x, w, bias]);
      await tf.setBackend('wasm');
      tf.dispose([x, w, bias, dyWeights]);

      ['plain', 'fused'].forEach((name, k) =>
        assert.ok(relativeError(forwardWasm[k], forwardCpu[k]) < 1e-5, `${name} forward: relative error ${relativeError(forwardWasm[k], forwardCpu[k])}`),
      );
      ['dx', 'dW'].forEach((name, k) => assert.ok(relativeError(onWasm[k], onCpu[k]) < 1e-4, `${name}: relative error ${relativeError(onWasm[k], onCpu[k])}`));
      ['dx', 'dW', 'dbias'].forEach((name, k) =>
        assert.ok(relativeError(fusedWasm[k], fusedCpu[k]) < 1e-4, `fused ${name}: relative error ${relativeError(fusedWasm[k], fusedCpu[k])}`),
      );
      assert.equal(
        onWasm[0].length,
        inputShape.reduce((a, b) => a * b),
      );
      assert.equal(onWasm[1].length, kernel * kernel * inputShape[3] * outChannels);
    });
  });

  it('a small 64-channel conv net trains with Adam on wasm: loss falls, tensor count stays flat', async () => {
    assert.equal(tf.getBackend(), 'wasm');
    const init = (shape: number[], seed: number): tf.Variable =>
      tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / (shape[0] * shape[1] * shape[2])), 'float32', seed));
    const w1 = init([3, 3, 3, 64], 1);
    const w2 = init([3, 3, 64, 64], 2);
    const w3 = init([1, 1, 64, 3], 3);
    const b1 = tf.variable(tf.zeros([64]));
    const b2 = tf.variable(tf.zeros([64]));
    const input = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const target = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 5);
    const optimizer = tf.train.adam(1e-3);
    const lossFn = (): tf.Scalar => {
      const h1 = tf.fused.conv2d({ x: input, filter: w1 as tf.Tensor4D, strides: 1, pad: 'same', bias: b1, activation: 'relu' });
      const h2 = tf.fused.conv2d({ x: h1, filter: w2 as tf.Tensor4D, strides: 2, pad: 1, bias: b2, activation: 'relu' });
      return tf.losses.meanSquaredError(target, tf.conv2d(h2, w3 as tf.Tensor4D, 1, 'valid'));
    };
    const losses: number[] = [];
    const tensorCounts: number[] = [];
    for (let step = 0; step < 6; step++) {
      const loss = optimizer.minimize(lossFn, true) as tf.Scalar;
      losses.push((await loss.data())[0]);
      loss.dispose();
      tensorCounts.push(tf.memory().numTensors);
    }
    optimizer.dispose();
    tf.dispose([w1, w2, w3, b1, b2, input, target]);

    assert.ok(losses.every(Number.isFinite), `losses: ${losses}`);
    for (let s = 1; s < losses.length; s++) assert.ok(losses[s] < losses[s - 1], `loss did not fall at step ${s}: ${losses}`);
    // Adam creates its moment slots on the first step; after that nothing may accumulate.
    assert.deepEqual(tensorCounts.slice(1), new Array(tensorCounts.length - 1).fill(tensorCounts[1]), `tensor counts per step: ${tensorCounts}`);
  });
}
