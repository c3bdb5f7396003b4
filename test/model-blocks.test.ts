import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { Conv, IMAGENET_MEAN_RGB, IMAGENET_STD_RGB, MeanShift, ResBlock, pixelShuffle } from '../src/model/blocks';
import { ParamScope } from '../src/model/params';

describe('model blocks', () => {
  it('pixelShuffle equals tf.depthToSpace (NHWC) for factors 2 and 4', () => {
    for (const factor of [2, 4]) {
      const x = tf.randomNormal([2, 3, 5, factor * factor * 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const ours = pixelShuffle(x, factor);
      const reference = tf.depthToSpace(x, factor, 'NHWC');
      assert.deepEqual(ours.shape, [2, 3 * factor, 5 * factor, 3]);
      assert.deepEqual(Array.from(ours.dataSync()), Array.from(reference.dataSync()));
      tf.dispose([x, ours, reference]);
    }
  });

  it('pixelShuffle has a gradient: the inverse permutation of the upstream gradient', () => {
    const x = tf.randomNormal([1, 4, 4, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
    const upstream = tf.randomNormal([1, 8, 8, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
    const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(pixelShuffle(input as tf.Tensor4D, 2), upstream)))(x) as tf.Tensor4D;
    // d/dx Σ w·shuffle(x) = shuffle⁻¹(w), so shuffling the gradient must give w back.
    const back = tf.depthToSpace(grad, 2, 'NHWC');
    assert.deepEqual(Array.from(back.dataSync()), Array.from(upstream.dataSync()));
    tf.dispose([x, upstream, grad, back]);
  });

  it('MeanShift: subtract = (x − mean)/std; faithful = (x + mean)/std (official quirk); inverse = x·std + mean', () => {
    const value = 0.7;
    const x = tf.fill([1, 1, 1, 3], value) as tf.Tensor4D;
    const expected = {
      subtract: IMAGENET_MEAN_RGB.map((m, c) => (value - m) / IMAGENET_STD_RGB[c]),
      faithful: IMAGENET_MEAN_RGB.map((m, c) => (value + m) / IMAGENET_STD_RGB[c]),
      inverse: IMAGENET_MEAN_RGB.map((m, c) => value * IMAGENET_STD_RGB[c] + m),
    };
    for (const kind of ['subtract', 'faithful', 'inverse'] as const) {
      const shift = new MeanShift(kind);
      const y = shift.apply(x).dataSync();
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(y[c] - expected[kind][c]) < 1e-5, `${kind} channel ${c}: ${y[c]} vs ${expected[kind][c]}`);
      shift.dispose();
    }
    x.dispose();
  });

  it('stride-2 conv samples like PyTorch padding=1 (rows 2i−1..2i+1), not TF "same"', () => {
    const scope = ParamScope.root('official', 1).module('t');
    const conv = new Conv(scope, 'down', 1, 1, { stride: 2 });
    conv.kernel.assign(tf.ones([3, 3, 1, 1]));
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => i + 1),
      [1, 4, 4, 1],
    );
    const y = conv.apply(x);
    assert.deepEqual(y.shape, [1, 2, 2, 1]);
    // Output (0,0) sums the zero-padded window rows/cols −1..1, i.e. x[0..1][0..1] = 1+2+5+6.
    // Output (1,1) sums rows/cols 1..3: 6+7+8+10+11+12+14+15+16.
    const values = Array.from(y.dataSync());
    assert.equal(values[0], 14);
    assert.equal(values[3], 99);
    tf.dispose([x, y, conv.kernel, conv.bias]);
  });

  it('ResBlock = relu(x + s·conv2(relu(conv1(x)))) with the trailing ReLU, checked with identity-like 1-channel kernels', () => {
    const scope = ParamScope.root('official', 1).module('t');
    const block = new ResBlock(scope, 'rb', 1, 0.5, true);
    const noTrailing = new ResBlock(scope, 'rb2', 1, 0.5, false);
    const centre = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]);
    const vars = scope.params.map((p) => p.variable);
    for (const p of scope.params) if (p.name.endsWith('kernel')) p.variable.assign(centre);
    for (const p of scope.params) if (p.name.endsWith('conv2/kernel')) p.variable.assign(tf.mul(centre, -3));
    const x = tf.tensor4d([1, -2, 0.5, 4], [1, 2, 2, 1]);
    // body = −3·relu(x); x + 0.5·body = x − 1.5·relu(x)
    const expectedNoRelu = [1, -2, 0.5, 4].map((v) => v - 1.5 * Math.max(0, v));
    assert.deepEqual(Array.from(noTrailing.apply(x).dataSync()), expectedNoRelu);
    assert.deepEqual(
      Array.from(block.apply(x).dataSync()),
      expectedNoRelu.map((v) => Math.max(0, v)),
    );
    tf.dispose([centre, x, ...vars]);
  });

  it('official init: kernels ~ N(0, 0.01), biases 0, identical for the same seed and name', () => {
    const a = ParamScope.root('official', 5).module('m').kernel('k', 3, 64, 64);
    const b = ParamScope.root('official', 5).module('m').kernel('k', 3, 64, 64);
    const c = ParamScope.root('official', 6).module('m').kernel('k', 3, 64, 64);
    const values = Array.from(a.dataSync());
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(mean) < 5e-4, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.01) < 5e-4, `std ${std}`);
    assert.deepEqual(Array.from(b.dataSync()), values);
    assert.notDeepEqual(Array.from(c.dataSync()), values);
    const heKernel = ParamScope.root('he', 5).module('m').kernel('k', 3, 64, 64);
    const he = Array.from(heKernel.dataSync());
    const heStd = Math.sqrt(he.reduce((s, v) => s + v * v, 0) / he.length);
    assert.ok(Math.abs(heStd - Math.sqrt(2 / (9 * 64))) < 3e-3, `He std ${heStd}`);
    tf.dispose([a, b, c, heKernel]);
  });
});
