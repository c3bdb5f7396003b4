import { strict as assert } from 'assert';
import { median, medianInterval } from '../bench/median';

describe('bench/median: medians and the distribution-free interval of bench/paired-steps.ts', () => {
  it('median: middle value, or the mean of the two middle values', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  // The lower bound is order statistic k, the first whose binomial(n, ½) CDF exceeds 2.5 % (scipy.stats.binom:
  // k = 0 for n = 3 and 5, k = 4 for n = 16), and the upper bound its mirror.
  it('interval: the order statistics a binomial(n, 1/2) puts at most 2.5 % outside on each side', () => {
    const xs = Array.from({ length: 16 }, (_, i) => 16 - i); // 16 … 1, unsorted on purpose
    assert.deepEqual(medianInterval(xs), [5, 12]);
    assert.deepEqual(medianInterval([5, 1, 4, 2, 3]), [1, 5], 'n = 5: no narrower interval reaches 95 %, so min–max');
    assert.deepEqual(medianInterval([2, 3, 1]), [1, 3]);
  });
});
