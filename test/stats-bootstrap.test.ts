/**
 * Bootstrap intervals (src/metrics/stats/bootstrap.ts) against independent computations in
 * test/oracles/stats_oracle.py: scipy.stats.bootstrap (percentile and BCa; the clustered and seed-crossed
 * designs passed to scipy as independent samples of group and seed indices), the BCa acceleration from raw
 * leave-one-out means, and the exact bootstrap distribution of tiny cases by enumerating every draw.
 * Monte-Carlo agreement is judged against the bootstrap standard error: each endpoint from B = 20 000
 * replicates carries ~3 % SE of noise per side, so 0.2·SE is about 4.5 standard deviations of the gap.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { TrainRng } from '../src/engine/rng';
import {
  bcaAcceleration,
  bootstrapContrast,
  bootstrapMean,
  bootstrapReplicates,
  ContrastTerm,
  FaceTable,
  faceTableFromRecords,
  normalCdf,
  normalQuantile,
  StatsInputError,
} from '../src/metrics/stats';
import { runPythonOracle } from './metrics-oracle';

const ORACLE = fs.readFileSync(path.join(__dirname, 'oracles', 'stats_oracle.py'), 'utf8');

/** Skewed per-face values: group effect + seed effect + face noise, exponentiated (so BCa ≠ percentile). */
function syntheticTable(seed: number, groups: number, seeds: number, label: string): FaceTable {
  const rng = new TrainRng(seed);
  const groupNames: string[] = [];
  const effects: number[] = [];
  for (let g = 0; g < groups; g++) {
    const size = 1 + ((g * 7) % 5);
    const effect = rng.normal() * 0.4;
    for (let i = 0; i < size; i++) {
      groupNames.push(`g${g}`);
      effects.push(effect);
    }
  }
  const seedEffects = Array.from({ length: seeds }, () => rng.normal() * 0.15);
  const values = seedEffects.map((se) => effects.map((e) => 20 + Math.exp(e + se + rng.normal() * 0.3)));
  return { groups: groupNames, values, label };
}

interface ScipyInterval {
  lo: number;
  hi: number;
  se: number;
  estimate: number;
}

function job(kind: string, terms: ContrastTerm[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind, groups: terms[0].table.groups, terms: terms.map((t) => ({ values: t.table.values, weight: t.weight })), ...extra };
}

describe('stats: bootstrap intervals against scipy and exact enumeration', () => {
  const B = 20000;
  // Each face its own group: the ordinary (unclustered) bootstrap scipy computes directly.
  const flat = ((): FaceTable => {
    const t = syntheticTable(3, 40, 1, 'flat');
    return { groups: t.groups.map((_, i) => `face${i}`), values: t.values, label: 'flat' };
  })();
  const clustered = syntheticTable(5, 30, 1, 'clustered');
  const seeded = syntheticTable(7, 25, 3, 'seeded');
  const other = { ...syntheticTable(11, 25, 4, 'other'), groups: seeded.groups };
  const cases: { name: string; terms: ContrastTerm[] }[] = [
    { name: 'unclustered (40 faces)', terms: [{ table: flat, weight: 1 }] },
    { name: 'clustered (30 groups, 90 faces)', terms: [{ table: clustered, weight: 1 }] },
    { name: 'clustered × 3 seeds', terms: [{ table: seeded, weight: 1 }] },
    {
      name: 'paired contrast, 3 vs 4 seeds',
      terms: [
        { table: seeded, weight: 1 },
        { table: other, weight: -1 },
      ],
    },
  ];
  const tiny: FaceTable = { groups: ['a', 'a', 'b', 'c', 'c', 'c'], values: [[1, 2, 4, 7, 8, 12]], label: 'tiny' };
  const tinySeeded: FaceTable = {
    groups: ['a', 'b', 'b'],
    values: [
      [1, 5, 6],
      [2, 9, 7],
    ],
    label: 'tiny seeded',
  };

  let oracle: unknown[];
  before(function () {
    this.timeout(120000);
    const jobs = [
      {
        kind: 'normal',
        x: [-40, -8.5, -3, -1.959963984540054, -0.5, 0, 0.3, 1, 2.5, 6, 7.2, 9],
        p: [1e-12, 1e-5, 0.01, 0.02425, 0.025, 0.3, 0.5, 0.8, 0.975, 0.99, 1 - 1e-9],
      },
      ...cases.flatMap((c) =>
        (['percentile', 'bca'] as const).map((method) => job('scipy_bootstrap', c.terms, { method, level: 0.95, resamples: B, seed: 17 })),
      ),
      ...cases.map((c) => job('acceleration', c.terms)),
      job('enumerate', [{ table: tiny, weight: 1 }]),
      job('enumerate', [{ table: tinySeeded, weight: 1 }]),
    ];
    oracle = runPythonOracle<unknown[]>(ORACLE, { jobs });
  });

  it('Φ and Φ⁻¹ match scipy ndtr / ndtri to ~1e-15', () => {
    const r = oracle[0] as { cdf: number[]; quantile: number[] };
    const x = [-40, -8.5, -3, -1.959963984540054, -0.5, 0, 0.3, 1, 2.5, 6, 7.2, 9];
    const p = [1e-12, 1e-5, 0.01, 0.02425, 0.025, 0.3, 0.5, 0.8, 0.975, 0.99, 1 - 1e-9];
    x.forEach((v, i) => {
      const ours = normalCdf(v);
      // Absolute error 1e-15 overall, and relative 1e-12 in the far lower tail.
      assert.ok(Math.abs(ours - r.cdf[i]) <= 1e-15 + 1e-12 * r.cdf[i], `Φ(${v}) = ${ours}, scipy ${r.cdf[i]}`);
    });
    p.forEach((v, i) =>
      assert.ok(
        Math.abs(normalQuantile(v) - r.quantile[i]) < 1e-9 * Math.max(1, Math.abs(r.quantile[i])),
        `Φ⁻¹(${v}) = ${normalQuantile(v)}, scipy ${r.quantile[i]}`,
      ),
    );
    assert.strictEqual(normalQuantile(0), -Infinity);
    assert.ok(Number.isNaN(normalQuantile(1.5)));
  });

  cases.forEach((c, k) => {
    (['percentile', 'bca'] as const).forEach((method, m) => {
      it(`${c.name}, ${method}: the interval agrees with scipy.stats.bootstrap within 0.2 SE`, () => {
        const ref = oracle[1 + 2 * k + m] as ScipyInterval;
        const ours = bootstrapContrast(c.terms, { method, resamples: B, seed: 17 });
        assert.ok(Math.abs(ours.mean - ref.estimate) < 1e-12 * Math.abs(ref.estimate), `estimate ${ours.mean} vs ${ref.estimate}`);
        const tol = 0.2 * ref.se;
        assert.ok(Math.abs(ours.lo - ref.lo) < tol, `lo ${ours.lo} vs scipy ${ref.lo} (tol ${tol})`);
        assert.ok(Math.abs(ours.hi - ref.hi) < tol, `hi ${ours.hi} vs scipy ${ref.hi} (tol ${tol})`);
        assert.ok(ours.lo < ours.mean && ours.mean < ours.hi, `${ours.lo} < ${ours.mean} < ${ours.hi}`);
        assert.deepStrictEqual([ours.resamples, ours.seed, ours.level, ours.method], [B, 17, 0.95, method]);
      });
    });
  });

  it('the BCa acceleration equals the jackknife computed from raw faces (to 1e-9)', () => {
    cases.forEach((c, k) => {
      const ref = (oracle[1 + 2 * cases.length + k] as { a: number }).a;
      const ours = bcaAcceleration(c.terms);
      assert.ok(Math.abs(ours - ref) < 1e-9 * Math.max(1e-3, Math.abs(ref)), `${c.name}: a = ${ours} vs ${ref}`);
      assert.ok(Math.abs(ref) > 1e-4, `${c.name}: the skewed data give a non-trivial acceleration (${ref})`);
    });
  });

  it('3 groups: the Monte-Carlo bootstrap distribution matches the exact one over all 27 draws', () => {
    const exact = oracle[1 + 3 * cases.length] as { support: number[]; prob: number[]; mean: number; sd: number; draws: number };
    assert.strictEqual(exact.draws, 27);
    const n = 50000;
    const reps = bootstrapReplicates([{ table: tiny, weight: 1 }], { resamples: n, seed: 4 });
    const freq = new Map<number, number>();
    for (const r of reps) {
      const key = exact.support.find((s) => Math.abs(s - r) < 1e-9);
      assert.ok(key !== undefined, `replicate ${r} is not a value any draw can produce`);
      freq.set(key, (freq.get(key) ?? 0) + 1 / n);
    }
    exact.support.forEach((s, i) => {
      const p = exact.prob[i];
      const se = Math.sqrt((p * (1 - p)) / n);
      assert.ok(Math.abs((freq.get(s) ?? 0) - p) < 5 * se, `P(${s.toFixed(4)}) = ${freq.get(s)} vs exact ${p}`);
    });
    const mean = reps.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(reps.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    assert.ok(Math.abs(mean - exact.mean) < 5 * (exact.sd / Math.sqrt(n)), `mean ${mean} vs ${exact.mean}`);
    assert.ok(Math.abs(sd / exact.sd - 1) < 0.02, `sd ${sd} vs ${exact.sd}`);
    // The 2.5 % and 97.5 % points fall inside the smallest and largest atoms (each 1/27 > 2.5 %).
    const iv = bootstrapMean(tiny, { resamples: n, seed: 4 });
    assert.ok(
      Math.abs(iv.lo - exact.support[0]) < 1e-9 && Math.abs(iv.hi - exact.support[exact.support.length - 1]) < 1e-9,
      `[${iv.lo}, ${iv.hi}] vs support ends`,
    );
    assert.strictEqual(iv.mean, 34 / 6);
  });

  it('2 groups × 2 seeds: the two-way draw matches the exact distribution over all 16 draws', () => {
    const exact = oracle[2 + 3 * cases.length] as { support: number[]; prob: number[]; draws: number };
    assert.strictEqual(exact.draws, 16);
    const n = 40000;
    const reps = bootstrapReplicates([{ table: tinySeeded, weight: 1 }], { resamples: n, seed: 9 });
    exact.support.forEach((s, i) => {
      const f = reps.filter((r) => Math.abs(r - s) < 1e-9).length / n;
      const se = Math.sqrt((exact.prob[i] * (1 - exact.prob[i])) / n);
      assert.ok(Math.abs(f - exact.prob[i]) < 5 * se, `P(${s}) = ${f} vs exact ${exact.prob[i]}`);
    });
    assert.ok(exact.support.length > 4, 'seeds and groups both vary the statistic');
  });

  it('is deterministic for a seed, changes with the seed by Monte-Carlo noise only, and identical seed rows add no width', () => {
    const a = bootstrapMean(clustered, { seed: 3 });
    assert.deepStrictEqual(bootstrapMean(clustered, { seed: 3 }), a);
    const b = bootstrapMean(clustered, { seed: 4 });
    assert.notStrictEqual(a.lo, b.lo);
    assert.ok(Math.abs(a.lo - b.lo) < 0.1 * (a.hi - a.lo), 'another seed moves the endpoints by Monte-Carlo noise only');
    // Adding seed rows that are exact copies adds no seed variance: same replicates as one row.
    const copies: FaceTable = { ...clustered, values: [clustered.values[0], clustered.values[0]] };
    const withCopies = bootstrapMean(copies, { seed: 3 });
    assert.ok(Math.abs(withCopies.hi - withCopies.lo - (a.hi - a.lo)) < 0.1 * (a.hi - a.lo), 'identical seeds give the single-seed width');
  });

  it('seeds widen the interval of a row whose seeds disagree', () => {
    const base = syntheticTable(21, 30, 1, 'base');
    const shifted: FaceTable = { ...base, values: [base.values[0], base.values[0].map((v) => v + 1), base.values[0].map((v) => v - 1)] };
    const one = bootstrapMean(base);
    const three = bootstrapMean(shifted);
    assert.ok(Math.abs(three.mean - one.mean) < 1e-12);
    assert.ok(three.hi - three.lo > 2 * (one.hi - one.lo), `3 seeds ±1 apart: width ${three.hi - three.lo} vs ${one.hi - one.lo}`);
  });

  it('builds tables from evaluation records and refuses unusable input in one line', () => {
    const t = faceTableFromRecords(
      [
        { face: 'f2', group: 'v', seed: 2, value: 3 },
        { face: 'f1', group: 'p', seed: 1, value: 1 },
        { face: 'f2', group: 'v', seed: 1, value: 2 },
        { face: 'f1', group: 'p', seed: 2, value: 4 },
      ],
      'jasrnet psnr',
    );
    assert.deepStrictEqual(t, {
      groups: ['p', 'v'],
      values: [
        [1, 2],
        [4, 3],
      ],
      label: 'jasrnet psnr',
    });
    assert.throws(
      () =>
        faceTableFromRecords(
          [
            { face: 'f1', group: 'p', seed: 1, value: 1 },
            { face: 'f2', group: 'p', seed: 2, value: 1 },
          ],
          'x',
        ),
      /x: face f2 has no value for seed 1; expected every face evaluated under every seed/,
    );
    assert.throws(
      () => bootstrapMean({ groups: ['a', 'a'], values: [[1, 2]], label: 'one group' }),
      (e: Error) => e instanceof StatsInputError && /one group: expected faces from at least 2 groups/.test(e.message),
    );
    assert.throws(
      () => bootstrapMean({ groups: ['a', 'b'], values: [[1, NaN]], label: 'r' }),
      /r: seed row 0, face 1 \(group b\): expected a finite number, found NaN/,
    );
    assert.throws(
      () =>
        bootstrapContrast([
          { table: tiny, weight: 1 },
          { table: tinySeeded, weight: -1 },
        ]),
      /tiny seeded vs tiny: expected the same faces/,
    );
    assert.throws(() => bootstrapMean(tiny, { resamples: 10 }), /bootstrap.resamples: expected an integer ≥ 100, found 10/);
  });
});
