import { strict as assert } from 'assert';

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
