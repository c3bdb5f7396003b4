/**
 * Paired comparison of two rows scored on the same faces: the mean difference a − b, its clustered bootstrap
 * interval (groups drawn once for both rows, each row's seeds drawn on their own: src/metrics/stats/bootstrap.ts)
 * and the sign-flip permutation p-value on group-level differences (src/metrics/stats/permutation.ts).
 * The interval is the primary evidence (tables mark differences whose interval excludes 0); the p-value is
 * reported beside it for readers who want a test.
 */
import { bootstrapContrast, BootstrapOptions, Interval } from './bootstrap';
import { groupDifferenceTotals, SignFlipOptions, signFlipTest } from './permutation';
import type { FaceTable } from './table';

export interface PairedOptions {
  bootstrap?: BootstrapOptions;
  signFlip?: SignFlipOptions;
}

export interface PairedDifference extends Interval {
  /** Two-sided sign-flip p-value. */
  p: number;
  test: 'exact' | 'monte-carlo';
  flips: number;
  /** True when the interval lies entirely above or below 0. */
  excludesZero: boolean;
}

/** a − b on the same faces (same order, same groups); either row may have any number of seeds. */
export function pairedDifference(a: FaceTable, b: FaceTable, options: PairedOptions = {}): PairedDifference {
  const interval = bootstrapContrast(
    [
      { table: a, weight: 1 },
      { table: b, weight: -1 },
    ],
    options.bootstrap,
  );
  const test = signFlipTest(groupDifferenceTotals(a, b), options.signFlip);
  return { ...interval, p: test.p, test: test.method, flips: test.flips, excludesZero: interval.lo > 0 || interval.hi < 0 };
}
