import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { wasmConvGradKernelsRegistered } from '../src/backend';
import { gradOnBackend, relativeError, useWasmForSuite } from './helpers/gradient-compare';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

function filterGradOn(backend: string, x: tf.Tensor4D, w: tf.Tensor4D, pad: Pad, dyWeights: tf.Tensor): Promise<Float32Array> {
  return gradOnBackend(backend, (filter) => tf.sum(tf.mul(tf.conv2d(x, filter as tf.Tensor4D, 1, pad), dyWeights)) as tf.Scalar, w);
}

// backend-grads.test.ts covers ci ≥ co; stride-1 convs with fewer input than output channels take the branch that
// packs x as the conv filter (conv-grads-as-forward.ts, filterGradPackingX).
describe('backend: wasm stride-1 filter gradient with ci < co matches the cpu backend', function () {
  useWasmForSuite(wasmConvGradKernelsRegistered, 'the conv-gradient kernels', { convs: 'xnnpack' });

  const cases: { kernel: number; pad: Pad }[] = [
    { kernel: 3, pad: 'same' },
    { kernel: 3, pad: 'valid' },
    { kernel: 3, pad: 1 },
    { kernel: 1, pad: 'valid' },
    { kernel: 5, pad: 'same' },
    {
      kernel: 3,
      pad: [
        [0, 0],
        [2, 0],
        [1, 3],
        [0, 0],
      ],
    },
    { kernel: 4, pad: 'same' },
  ];
  cases.forEach(({ kernel, pad }, i) => {
    it(`${kernel}×${kernel} pad ${JSON.stringify(pad)}, 9×8 input, 3→7 channels: dW within 1e-4`, async () => {
      const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 800 + i) as tf.Tensor4D;
      const w = tf.randomNormal([kernel, kernel, 3, 7], 0, 1, 'float32', 900 + i) as tf.Tensor4D;
      const dyWeights = tf.randomNormal(tf.conv2d(x, w, 1, pad).shape, 0, 1, 'float32', 1000 + i);
      const onWasm = await filterGradOn('wasm', x, w, pad, dyWeights);
      const onCpu = await filterGradOn('cpu', x, w, pad, dyWeights);
      await tf.setBackend('wasm');
      tf.dispose([x, w, dyWeights]);
      assert.equal(onWasm.length, kernel * kernel * 3 * 7);
      const err = relativeError(onWasm, onCpu);
      assert.ok(err < 1e-4, `relative error ${err}`);
    });
  });
});
