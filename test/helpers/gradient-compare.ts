import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { activateNativeKernels, initBackend, unregisterWasmNativeConvKernels } from '../../src/backend';

/** max |a − b| / max |b|: scale-free, and strict where gradients are large. Refuses an all-zero reference. */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  assert.equal(actual.length, reference.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - reference[i]));
    maxRef = Math.max(maxRef, Math.abs(reference[i]));
  }
  assert.ok(maxRef > 0, 'reference gradient is all zeros, so the comparison would prove nothing');
  return maxDiff / maxRef;
}

/** The gradient of f at x computed on the named backend (both backends coexist; variables migrate). */
export async function gradOnBackend(backend: string, f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): Promise<Float32Array> {
  assert.ok(await tf.setBackend(backend), `could not switch to ${backend}`);
  const g = tf.grad(f)(x);
  const values = (await g.data()) as Float32Array;
  g.dispose();
  return values;
}

/**
 * Mocha hooks for a suite that compares wasm against cpu: wasm is initialised (with the kit's kernels, which
 * `registered` confirms) before the suite, and the backend the run had is restored after it.
 * `convs: 'xnnpack'` takes the oneDNN conv kernels out for the suite, so it tests the XNNPACK path they replace
 * (the fallback without the addon), and puts them back after.
 */
export function useWasmForSuite(registered: () => boolean, what: string, opts: { convs?: 'xnnpack' } = {}): void {
  let previousBackend: string;
  before(async () => {
    previousBackend = tf.getBackend();
    await initBackend({ force: 'wasm', quiet: true });
    if (opts.convs === 'xnnpack') unregisterWasmNativeConvKernels();
    assert.ok(registered(), `initBackend on wasm must register ${what}`);
  });
  after(async () => {
    if (opts.convs === 'xnnpack') activateNativeKernels(1);
    await tf.setBackend(previousBackend);
  });
}
