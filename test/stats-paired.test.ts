/**
 * Paired differences (src/metrics/stats/paired.ts, permutation.ts, direction.ts, mde.ts): the sign-flip
 * p-value equals test/oracles/stats_oracle.py's numpy enumeration of every sign pattern EXACTLY (same count
 * over 2^G), the Monte-Carlo path agrees with the exact p within its sampling error, verdicts follow each
 * metric's direction, and the minimum detectable effect matches the width of real bootstrap intervals.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { TrainRng } from '../src/engine/rng';
import { auc, failureRate } from '../src/metrics/ced';
import {
  bootstrapContrast,
  bootstrapMean,
  FaceTable,
  effectiveGroupCount,
  groupDifferenceSd,
  groupDifferenceTotals,
  metricDirection,
  minimumDetectableEffect,
  pairedDifference,
  perFaceAuc,
  perFaceFailure,
  signFlipTest,
  StatsInputError,
  verdict,
} from '../src/metrics/stats';
import { runPythonOracle } from './metrics-oracle';

const ORACLE = fs.readFileSync(path.join(__dirname, 'oracles', 'stats_oracle.py'), 'utf8');

/** Two rows on the same faces: b = a − shift + noise, with group effects shared by both rows (so pairing matters). */
function pairOfRows(seed: number, groups: number, shift: number, seedsA = 1, seedsB = 1, size = (g: number) => 1 + ((g * 5) % 4)): [FaceTable, FaceTable] {
  const rng = new TrainRng(seed);
  const names: string[] = [];
  const base: number[] = [];
  const groupShift: number[] = [];
  for (let g = 0; g < groups; g++) {
    const effect = rng.normal() * 2;
    const gShift = shift + rng.normal() * 0.3;
    for (let i = 0; i < size(g); i++) {
      names.push(`group${g}`);
      base.push(27 + effect + rng.normal());
      groupShift.push(gShift);
    }
  }
  const a = Array.from({ length: seedsA }, () => base.map((v) => v + rng.normal() * 0.05));
  const b = Array.from({ length: seedsB }, () => base.map((v, i) => v - groupShift[i] + rng.normal() * 0.1));
  return [
    { groups: names, values: a, label: 'jasrnet psnr' },
    { groups: names, values: b, label: 'sr-only psnr' },
  ];
}

/** Integer-valued rows whose group totals tie under many sign patterns (ties must be counted identically). */
const tiesA: FaceTable = {
  groups: ['p', 'q', 'q', 'r', 's', 's', 't', 'u'],
  values: [
    [3, 1, 2, 4, 0, 1, 2, 5],
    [3, 1, 2, 4, 0, 1, 2, 5],
  ],
  label: 'ties a',
};
const tiesB: FaceTable = {
  groups: tiesA.groups,
  values: [
    [2, 1, 1, 1, 1, 0, 0, 2],
    [2, 1, 1, 1, 1, 0, 0, 2],
    [2, 1, 1, 1, 1, 0, 0, 2],
  ],
  label: 'ties b',
};

describe('stats: paired differences, sign-flip test, verdicts, minimum detectable effect', () => {
  const exactCases: [string, FaceTable, FaceTable][] = [
    ['6 groups with tied patterns (2 vs 3 seeds)', tiesA, tiesB],
    ['12 groups, small effect', ...pairOfRows(31, 12, 0.15)],
    ['16 groups (the largest enumerated), 2 vs 3 seeds', ...pairOfRows(32, 16, 0.1, 2, 3)],
  ];
  const mcCase = pairOfRows(33, 20, 0.04);
  let oracle: { count: number; patterns: number; p: number }[];
  before(function () {
    this.timeout(120000);
    const jobs = [...exactCases, ['20 groups', ...mcCase] as [string, FaceTable, FaceTable]].map(([, a, b]) => ({
      kind: 'signflip',
      groups: a.groups,
      a: a.values,
      b: b.values,
    }));
    oracle = runPythonOracle(ORACLE, { jobs });
  });

  exactCases.forEach(([name, a, b], k) => {
    it(`${name}: the exact sign-flip p equals numpy's enumeration exactly`, () => {
      const r = signFlipTest(groupDifferenceTotals(a, b));
      assert.strictEqual(r.method, 'exact');
      assert.strictEqual(r.flips, oracle[k].patterns);
      assert.strictEqual(r.p * r.flips, oracle[k].count, `count ${r.p * r.flips} vs numpy ${oracle[k].count}`);
      assert.strictEqual(r.p, oracle[k].p);
      assert.ok(r.p < 1 && r.p >= 2 / r.flips, `p = ${r.p} is informative`);
    });
  });

  it('20 groups: the Monte-Carlo p (B = 100 000) is within 5 SE of the exact p over 2^20 patterns, and deterministic', () => {
    const ref = oracle[exactCases.length];
    assert.strictEqual(ref.patterns, 2 ** 20);
    const totals = groupDifferenceTotals(...mcCase);
    const r = signFlipTest(totals, { seed: 5 });
    assert.strictEqual(r.method, 'monte-carlo');
    const se = Math.sqrt((ref.p * (1 - ref.p)) / r.flips);
    assert.ok(ref.p > 0.01 && ref.p < 0.99, `the case is not trivial (exact p ${ref.p})`);
    assert.ok(Math.abs(r.p - ref.p) < 5 * se, `MC p ${r.p} vs exact ${ref.p} (SE ${se})`);
    assert.strictEqual(signFlipTest(totals, { seed: 5 }).p, r.p);
    assert.notStrictEqual(signFlipTest(totals, { seed: 6 }).p, r.p);
  });

  it('Monte Carlo applies the +1 correction: a clear difference gives p = 1/(B+1), never 0', () => {
    const totals = Array.from({ length: 20 }, (_, g) => 1 + g / 10);
    const r = signFlipTest(totals, { resamples: 1000 });
    assert.strictEqual(r.p, 1 / 1001);
    // The same data with ≤ 16 groups enumerates: only the identity and the full flip reach |T|.
    assert.strictEqual(signFlipTest(totals.slice(0, 16)).p, 2 / 65536);
    assert.throws(() => signFlipTest([1]), StatsInputError);
  });

  it('pairedDifference: a − b with the contrast interval, the test and excludesZero; pairing beats comparing two intervals', () => {
    const [a, b] = pairOfRows(41, 24, 0.3, 2, 3);
    const d = pairedDifference(a, b, { bootstrap: { seed: 8 } });
    const direct = bootstrapContrast(
      [
        { table: a, weight: 1 },
        { table: b, weight: -1 },
      ],
      { seed: 8 },
    );
    assert.deepStrictEqual([d.mean, d.lo, d.hi, d.seeds], [direct.mean, direct.lo, direct.hi, [2, 3]]);
    assert.strictEqual(d.p, signFlipTest(groupDifferenceTotals(a, b)).p);
    assert.ok(d.excludesZero && d.lo > 0, `[${d.lo}, ${d.hi}] excludes 0`);
    assert.ok(d.p < 0.001, `p = ${d.p}`);
    // Each row's own interval is wide (group effects of SD 2 dB); they overlap although the paired one excludes 0.
    const ia = bootstrapMean(a);
    const ib = bootstrapMean(b);
    assert.ok(ia.lo < ib.hi, `row intervals overlap: a [${ia.lo}, ${ia.hi}], b [${ib.lo}, ${ib.hi}]`);
    assert.ok(d.hi - d.lo < 0.25 * (ia.hi - ia.lo), 'the paired interval is far narrower than a row interval');
    // No effect: interval covers 0.
    const [c, e] = pairOfRows(42, 24, 0);
    const none = pairedDifference(c, e);
    assert.ok(!none.excludesZero && none.lo < 0 && none.hi > 0 && none.p > 0.05, `no effect: [${none.lo}, ${none.hi}], p ${none.p}`);
  });

  it('verdict: which row is better follows the metric direction', () => {
    assert.deepStrictEqual(verdict({ lo: 0.1, hi: 0.4 }, 'psnr'), { better: 'a', excludesZero: true, direction: 'higher' });
    assert.deepStrictEqual(verdict({ lo: 0.1, hi: 0.4 }, 'nme'), { better: 'b', excludesZero: true, direction: 'lower' });
    assert.deepStrictEqual(verdict({ lo: -0.4, hi: -0.1 }, 'fr@0.1'), { better: 'a', excludesZero: true, direction: 'lower' });
    assert.deepStrictEqual(verdict({ lo: -0.4, hi: -0.1 }, 'AUC@0.08'), { better: 'b', excludesZero: true, direction: 'higher' });
    assert.deepStrictEqual(verdict({ lo: -0.1, hi: 0.2 }, 'ssim'), { better: null, excludesZero: false, direction: 'higher' });
    assert.strictEqual(verdict({ lo: 0, hi: 0.2 }, 'higher').better, null, 'an interval touching 0 does not exclude it');
    assert.strictEqual(metricDirection('nme'), 'lower');
    assert.throws(() => metricDirection('lpips'), /metric "lpips": expected one of psnr, ssim, auc, nme, fr/);
  });

  it('per-face AUC and FR contributions average to the exact AUC and failure rate of src/metrics/ced.ts', () => {
    const rng = new TrainRng(3);
    const nmes = Array.from({ length: 57 }, () => Math.abs(rng.normal()) * 0.05);
    const mean = (xs: number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
    for (const alpha of [0.08, 0.1]) {
      assert.ok(Math.abs(mean(perFaceAuc(nmes, alpha)) - auc(nmes, alpha, 'exact')) < 1e-12);
      assert.ok(Math.abs(mean(perFaceFailure(nmes, alpha)) - failureRate(nmes, alpha)) < 1e-15);
    }
    assert.ok(failureRate(nmes, 0.08) > 0, 'some failures, so the check is not vacuous');
  });

  it('minimum detectable effect: equals the half-width of real bootstrap intervals (equal groups) within 6 %', () => {
    for (const [seed, groups] of [
      [51, 40],
      [52, 12],
    ]) {
      const [a, b] = pairOfRows(seed, groups, 0.2, 1, 1, () => 4);
      const sd = groupDifferenceSd(a, b);
      const mde = minimumDetectableEffect(sd, groups);
      const d = pairedDifference(a, b, { bootstrap: { resamples: 20000 } });
      const half = (d.hi - d.lo) / 2;
      assert.ok(Math.abs(mde / half - 1) < 0.06, `G=${groups}: MDE ${mde.toFixed(4)} vs bootstrap half-width ${half.toFixed(4)}`);
    }
    const m50 = minimumDetectableEffect(1, 25);
    assert.ok(Math.abs(m50 - (1.959963984540054 * Math.sqrt(24 / 25)) / 5) < 1e-12);
    assert.ok(Math.abs(minimumDetectableEffect(1, 25, { power: 0.8 }) / m50 - (1.959963984540054 + 0.8416212335729143) / 1.959963984540054) < 1e-9);
    assert.throws(() => minimumDetectableEffect(1, 1), /expected a number of groups ≥ 2, found 1/);
  });

  it('effective group count: G for equal groups, about 4.5 when one video holds 23 of 50 faces', () => {
    assert.strictEqual(effectiveGroupCount(['a', 'a', 'b', 'b', 'c', 'c']), 3);
    const videoHeavy = [...Array.from({ length: 23 }, () => 'video'), ...Array.from({ length: 27 }, (_, i) => `photo${i}`)];
    assert.ok(Math.abs(effectiveGroupCount(videoHeavy) - 2500 / (23 * 23 + 27)) < 1e-12);
    // A fractional count is accepted and behaves like G in the formula.
    assert.ok(Math.abs(minimumDetectableEffect(1, 4.5) - (1.959963984540054 * Math.sqrt(3.5 / 4.5)) / Math.sqrt(4.5)) < 1e-12);
  });
});
