import { strict as assert } from 'assert';
import { poolFolds, pooledMean } from '../src/data/folds';
import { checkEqualBudgets, RunBudget } from '../src/pipeline/table-budget';
import { FaceRecord, faceValue, pairStats, pooledMetric, rowInterval } from '../src/pipeline/table-stats';
import { statsToMarkdown, StatsTable } from '../src/report/tables';
import { formatDifference } from '../src/metrics/stats';
import { Rng } from '../src/core/prng';

/** 12 groups of 2 faces, 3 folds, 2 seeds; `shift` is added to every PSNR and subtracted from every NME. */
function fixture(shift: number, noiseSeed: number): FaceRecord[] {
  const rng = new Rng(noiseSeed);
  const out: FaceRecord[] = [];
  for (const seed of [1, 2]) {
    for (let g = 0; g < 12; g++) {
      for (let k = 0; k < 2; k++) {
        const base = 25 + (g % 5) * 0.7 + k * 0.3; // face difficulty, shared by every row
        out.push({
          face: `g${g}-f${k}`,
          group: `g${g}`,
          fold: g % 3,
          seed,
          psnr: base + shift + 0.05 * (rng.next() - 0.5),
          nme: 0.08 + 0.004 * (g % 4) - shift / 100 + 0.0005 * (rng.next() - 0.5),
        });
      }
    }
  }
  return out;
}

describe('table statistics from per-face records', () => {
  it('pooled evaluation equals the mean of the per-fold per-face values (src/data/folds.ts poolFolds)', () => {
    const records = fixture(0, 3);
    for (const seed of [1, 2]) {
      const mine = records.filter((r) => r.seed === seed);
      const perFold = [0, 1, 2].map((f) =>
        mine.filter((r) => r.fold === f).map((r) => ({ face: r.face, group: r.group, metrics: { psnr: r.psnr as number } })),
      );
      const pooled = poolFolds(
        perFold,
        mine.map((r) => r.face),
      );
      assert.equal(pooled.length, 24);
      assert.ok(Math.abs((pooledMetric(mine, 'psnr') as number) - pooledMean(pooled, 'psnr')) < 1e-12);
    }
    // Over seeds: the mean of each seed's pooled mean.
    const bySeed = [1, 2].map(
      (s) =>
        pooledMetric(
          records.filter((r) => r.seed === s),
          'psnr',
        ) as number,
    );
    assert.ok(Math.abs((pooledMetric(records, 'psnr') as number) - (bySeed[0] + bySeed[1]) / 2) < 1e-12);
    assert.ok(Math.abs((rowInterval('a', records, 'psnr')?.mean as number) - (bySeed[0] + bySeed[1]) / 2) < 1e-12);
  });

  it('per-face AUC and FR average to the dataset values of the exact method', () => {
    const r: FaceRecord = { face: 'x', group: 'x', fold: 0, seed: null, nme: 0.02 };
    assert.equal(faceValue(r, 'auc@0.08'), 0.75);
    assert.equal(faceValue(r, 'fr@0.01'), 1);
    assert.equal(faceValue(r, 'fr@0.08'), 0);
    assert.equal(faceValue({ ...r, nme: undefined }, 'auc@0.08'), undefined);
  });

  it('marks the difference of a clearly better row, in the direction of each metric, and not a tie', () => {
    const base = fixture(0, 1);
    const better = fixture(1, 2); // +1 dB PSNR, −0.01 NME on every face
    const tie = fixture(0, 5); // the same faces with other noise only
    const psnr = pairStats('better', better, 'base', base, 'psnr');
    assert.ok(psnr && psnr.excludesZero && psnr.lo > 0.9 && psnr.hi < 1.1, JSON.stringify(psnr));
    assert.equal(psnr?.better, 'better');
    const nme = pairStats('better', better, 'base', base, 'nme');
    assert.ok(nme && nme.excludesZero && nme.hi < 0);
    assert.equal(nme?.better, 'better', 'lower NME is better');
    assert.ok((nme?.p as number) <= 2 / 4096 + 1e-12, 'all 12 groups favour one row: the exact sign-flip p is 2/2^12');
    const none = pairStats('tie', tie, 'base', base, 'psnr');
    assert.ok(none && !none.excludesZero && none.better === null, JSON.stringify(none));

    const table: StatsTable = {
      metrics: ['psnr'],
      rows: [],
      differences: [psnr, none].map((d) => ({
        ...(d as NonNullable<typeof d>),
        text: formatDifference(d as NonNullable<typeof d>, { decimals: 2 }),
        marked: (d as NonNullable<typeof d>).excludesZero,
        mde80Text: '0',
      })),
      notes: [],
    };
    const md = statsToMarkdown(table);
    const lines = md.split('\n');
    assert.match(lines.find((l) => l.includes('better − base')) as string, /\+1\.00 ± 0\.\d\d\* \|/);
    assert.doesNotMatch(lines.find((l) => l.includes('tie − base')) as string, /\*/);
  });

  it('a run cut by the wall clock, or runs at different steps, fail the table in one line', () => {
    const ok: RunBudget = { id: 'a', runDir: '/r/a', step: 400, event: 'budget', maxSteps: 400, maxMinutes: 8 };
    assert.equal(checkEqualBudgets('t.json', [ok, { ...ok, id: 'b' }]), 400);
    assert.throws(
      () => checkEqualBudgets('t.json', [ok, { ...ok, id: 'b', step: 270 }]),
      /run b stopped at step 270 of 400 by the wall-clock cap train\.maxMinutes=8/,
    );
    assert.throws(() => checkEqualBudgets('t.json', [ok, { ...ok, id: 'c', step: 300, event: 'done' }]), /same step, found a 400, c 300/);
    assert.equal(checkEqualBudgets('t.json', []), null);
  });
});
