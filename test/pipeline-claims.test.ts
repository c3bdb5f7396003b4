import { strict as assert } from 'assert';
import { combine, loadClaims, testVerdict } from '../src/pipeline/claims';
import { planTable } from '../src/pipeline/table-plan';
import { MEAN_SHAPE_ROW } from '../src/config/tables';

describe('claims as data', () => {
  it('experiments/claims.json names tables and rows that exist (no paper numbers: only rows, metrics and a declared margin)', () => {
    const claims = loadClaims();
    assert.deepEqual(
      claims.claims.map((c) => c.id),
      ['a', 'b', 'c', 'd'],
    );
    for (const c of claims.claims) {
      const p = planTable(c.table);
      const rows = [...p.rows.map((r) => r.name), MEAN_SHAPE_ROW];
      for (const t of c.tests) {
        assert.ok(rows.includes(t.a) && rows.includes(t.b), `${c.id}: ${t.a} / ${t.b} in ${c.table}`);
        assert.ok(p.table.metrics.includes(t.metric), `${c.id}: ${t.metric} in ${c.table}`);
      }
    }
  });

  it("'better' reads the interval in the metric's direction; 'comparable' needs the whole interval inside the margin", () => {
    const better = { a: 'j', b: 's', metric: 'psnr', expect: 'better' as const };
    assert.equal(testVerdict(better, { mean: 0.3, lo: 0.1, hi: 0.5 }, 27).verdict, 'supported');
    assert.equal(testVerdict(better, { mean: -0.3, lo: -0.5, hi: -0.1 }, 27).verdict, 'contradicted');
    assert.equal(testVerdict(better, { mean: 0.1, lo: -0.1, hi: 0.3 }, 27).verdict, 'inconclusive');
    const nme = { ...better, metric: 'nme' };
    assert.equal(testVerdict(nme, { mean: -0.01, lo: -0.02, hi: -0.005 }, 0.09).verdict, 'supported', 'lower NME is better');
    assert.equal(testVerdict(nme, { mean: 0.01, lo: 0.005, hi: 0.02 }, 0.09).verdict, 'contradicted');
    const comparable = { ...nme, expect: 'comparable' as const, margin: 0.1 };
    // bound = 0.1 × 0.08 = 0.008
    assert.deepEqual(testVerdict(comparable, { mean: 0.001, lo: -0.005, hi: 0.007 }, 0.08), { verdict: 'supported', bound: 0.1 * 0.08 });
    assert.equal(testVerdict(comparable, { mean: 0.001, lo: -0.005, hi: 0.009 }, 0.08).verdict, 'inconclusive');
    assert.equal(testVerdict(comparable, { mean: 0.02, lo: 0.009, hi: 0.03 }, 0.08).verdict, 'contradicted');
    assert.equal(combine(['supported', 'supported']), 'supported');
    assert.equal(combine(['supported', 'inconclusive']), 'inconclusive');
    assert.equal(combine(['supported', 'contradicted', 'inconclusive']), 'contradicted');
  });
});
