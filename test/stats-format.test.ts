/** Table cells with uncertainty (src/metrics/stats/format.ts): the rounding rule of docs/statistics.md §5. */
import * as assert from 'assert';
import { decimalsFor, formatDifference, formatMean, plusMinus } from '../src/metrics/stats';

describe('stats: ± cells', () => {
  it('keeps two significant digits of the ± value and rounds it up, the mean to nearest', () => {
    assert.strictEqual(formatMean({ mean: 27.4137, lo: 27.2937, hi: 27.5337 }), '27.41 ± 0.12');
    assert.strictEqual(formatMean({ mean: 27.4137, lo: 27.29, hi: 27.5337 }), '27.41 ± 0.13', '0.1237 rounds up to 0.13');
    assert.strictEqual(formatMean({ mean: 0.81234, lo: 0.8, hi: 0.8241 }), '0.812 ± 0.013');
    assert.strictEqual(formatMean({ mean: 0.0412, lo: 0.0401, hi: 0.0423 }), '0.0412 ± 0.0011');
    assert.strictEqual(formatMean({ mean: 31.27, lo: 28.9, hi: 33.5 }), '31.3 ± 2.4', 'the lower side (2.37) is the larger one');
    assert.strictEqual(
      formatMean({ mean: 1234.5, lo: 1210, hi: 1260 }),
      '1235 ± 26',
      '≥ 10 keeps integers (1234.5 is stored as exactly .5, toFixed rounds it up)',
    );
  });

  it('a value that is exactly representable at the precision is not bumped up by floating-point noise', () => {
    // 0.12 · 100 = 12.000000000000002 in doubles; the cell must still say 0.12.
    assert.strictEqual(formatMean({ mean: 1, lo: 0.88, hi: 1.12 }), '1.00 ± 0.12');
    assert.strictEqual(formatMean({ mean: 5, lo: 4.7, hi: 5.3 }), '5.00 ± 0.30');
  });

  it('the ± value covers an asymmetric interval (the larger side)', () => {
    assert.strictEqual(plusMinus({ mean: 10, lo: 9.9, hi: 10.3 }), 10.3 - 10);
    assert.strictEqual(formatMean({ mean: 10, lo: 9.9, hi: 10.3 }), '10.00 ± 0.30');
  });

  it('fixed decimals for a whole column', () => {
    assert.strictEqual(formatMean({ mean: 27.4137, lo: 27.3, hi: 27.5 }, { decimals: 1 }), '27.4 ± 0.2', '0.1137 at 1 decimal rounds up to 0.2');
    assert.strictEqual(formatMean({ mean: 0.81234, lo: 0.8, hi: 0.8241 }, { decimals: 4 }), '0.8123 ± 0.0124');
    assert.strictEqual(formatMean({ mean: 3, lo: 3, hi: 3 }, { decimals: 2 }), '3.00 ± 0.00');
  });

  it('differences carry a sign and the marker only when the interval excludes 0', () => {
    assert.strictEqual(formatDifference({ mean: 0.31, lo: 0.2, hi: 0.43 }), '+0.31 ± 0.12*');
    assert.strictEqual(formatDifference({ mean: -0.0042, lo: -0.0061, hi: -0.0023 }), '-0.0042 ± 0.0019*');
    assert.strictEqual(formatDifference({ mean: 0.05, lo: -0.07, hi: 0.17 }), '+0.05 ± 0.12');
    assert.strictEqual(formatDifference({ mean: -0.001, lo: -0.2, hi: 0.198 }), '+0.00 ± 0.20', 'a difference rounding to zero prints +0.00, never -0.00');
    assert.strictEqual(formatDifference({ mean: 0.31, lo: 0.2, hi: 0.43 }, { marker: ' †' }), '+0.31 ± 0.12 †');
    assert.strictEqual(formatDifference({ mean: 0.1, lo: 0, hi: 0.2 }), '+0.10 ± 0.10', 'touching 0 is not excluding it');
  });

  it('non-finite input prints n/a, and decimalsFor handles 0', () => {
    assert.strictEqual(formatMean({ mean: NaN, lo: 1, hi: 2 }), 'n/a');
    assert.strictEqual(formatDifference({ mean: 1, lo: -Infinity, hi: 2 }), 'n/a');
    assert.strictEqual(decimalsFor(0), 2);
    assert.strictEqual(decimalsFor(0.00000012), 6);
    assert.strictEqual(decimalsFor(99), 0);
  });
});
