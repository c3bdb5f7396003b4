/**
 * The paper's claims as data (experiments/claims.json) and their verdicts on the kit's tables: each claim names a
 * table and paired tests a − b on one metric; a test is 'better' (the interval of a − b excludes 0 in the metric's
 * good direction) or 'comparable' (the interval lies within ± margin·|mean of b|). Verdicts:
 * supported (every test passes), contradicted (some test shows the opposite: b better, or a difference surely
 * beyond the margin), inconclusive (neither, at this size). No paper number is used or needed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ConfigError, validate } from '../core/schema';
import { EXPERIMENTS_DIR } from '../config/tables';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic-write';
import { BootstrapOptions, decimalsFor, formatDifference, metricDirection, plusMinus } from '../metrics/stats/index';
import type { CollectResult } from './table-collect';
import { pairStats, PairStats } from './table-stats';

const TEST_SCHEMA = z.strictObject({
  a: z.string(),
  b: z.string(),
  metric: z.string(),
  expect: z.enum(['better', 'comparable']),
  margin: z.number().positive().optional().describe("'comparable': the equivalence bound as a fraction of |mean of b| (required)"),
});

export const CLAIMS_SCHEMA = z.strictObject({
  $schema: z.string().optional(),
  description: z.string(),
  claims: z
    .array(z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]+$/), claim: z.string(), table: z.string(), tests: z.array(TEST_SCHEMA).min(1) }))
    .min(1),
});

export type ClaimsFile = z.infer<typeof CLAIMS_SCHEMA>;
export type ClaimTest = z.infer<typeof TEST_SCHEMA>;
export type Claim = ClaimsFile['claims'][number];
export type ClaimVerdict = 'supported' | 'contradicted' | 'inconclusive' | 'not measured';

export const DEFAULT_CLAIMS_FILE = path.join(EXPERIMENTS_DIR, 'claims.json');

export function loadClaims(file = DEFAULT_CLAIMS_FILE): ClaimsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, '', (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid JSON (${(e as Error).message})`);
  }
  const claims = validate(raw, CLAIMS_SCHEMA, file);
  claims.claims.forEach((c, i) =>
    c.tests.forEach((t, j) => {
      if (t.expect === 'comparable' && t.margin === undefined)
        throw new ConfigError(file, `claims[${i}].tests[${j}].margin`, "expected a margin (fraction of |mean of b|) for a 'comparable' test, found none");
      metricDirection(t.metric);
    }),
  );
  return claims;
}

export interface TestResult {
  test: ClaimTest;
  difference: PairStats;
  /** The difference as a share of b's mean (e.g. −0.12 = 12 % lower). */
  relative: number;
  bound: number | null;
  verdict: Exclude<ClaimVerdict, 'not measured'>;
  text: string;
}

export interface ClaimResult {
  claim: Claim;
  verdict: ClaimVerdict;
  tests: TestResult[];
  /** Why a claim was not measured (its table was not run). */
  reason?: string;
}

/** `+12.3 %`, `-4.0 %`, `0.0 %` (no sign on a value that rounds to zero). */
function signedPercent(x: number): string {
  const t = (x * 100).toFixed(1);
  return /^-?0\.0$/.test(t) ? '0.0 %' : `${x > 0 ? '+' : ''}${t} %`;
}

/** The verdict of one test from the interval of a − b. */
export function testVerdict(
  test: ClaimTest,
  d: { mean: number; lo: number; hi: number },
  meanB: number,
): { verdict: TestResult['verdict']; bound: number | null } {
  if (test.expect === 'comparable') {
    const bound = (test.margin as number) * Math.abs(meanB);
    if (d.lo >= -bound && d.hi <= bound) return { verdict: 'supported', bound };
    if (d.lo > bound || d.hi < -bound) return { verdict: 'contradicted', bound };
    return { verdict: 'inconclusive', bound };
  }
  const good = metricDirection(test.metric) === 'higher' ? d.lo > 0 : d.hi < 0;
  const bad = metricDirection(test.metric) === 'higher' ? d.hi < 0 : d.lo > 0;
  return { verdict: good ? 'supported' : bad ? 'contradicted' : 'inconclusive', bound: null };
}

export function combine(verdicts: TestResult['verdict'][]): ClaimVerdict {
  if (verdicts.includes('contradicted')) return 'contradicted';
  return verdicts.every((v) => v === 'supported') ? 'supported' : 'inconclusive';
}

/** Verdicts from collected tables (by name); a claim whose table is missing is 'not measured', with the reason. */
export function judgeClaims(
  claims: ClaimsFile,
  tables: ReadonlyMap<string, CollectResult>,
  missingReason: (table: string) => string,
  bootstrap: BootstrapOptions = {},
): ClaimResult[] {
  return claims.claims.map((claim) => {
    const t = tables.get(claim.table);
    if (!t) return { claim, verdict: 'not measured', tests: [], reason: missingReason(claim.table) };
    const tests = claim.tests.map((test): TestResult => {
      const row = (name: string) => {
        const r = t.rows.find((x) => x.experiment === name);
        if (!r)
          throw new ConfigError(
            DEFAULT_CLAIMS_FILE,
            `claims ${claim.id}`,
            `table ${claim.table} has no row '${name}' (rows: ${t.rows.map((x) => x.experiment).join(', ')})`,
          );
        return r;
      };
      const [a, b] = [row(test.a), row(test.b)];
      const d = pairStats(test.a, a.records, test.b, b.records, test.metric, bootstrap);
      if (!d) throw new ConfigError(DEFAULT_CLAIMS_FILE, `claims ${claim.id}`, `'${test.metric}' is not measured for both ${test.a} and ${test.b}`);
      const meanB = b.intervals[test.metric]?.mean ?? NaN;
      const { verdict, bound } = testVerdict(test, d, meanB);
      const decimals = decimalsFor(plusMinus(d));
      const relative = d.mean / Math.abs(meanB);
      const text = `${test.a} − ${test.b} ${test.metric}: ${formatDifference(d, { decimals })} (${signedPercent(relative)} of ${test.b}; p ${d.p < 0.001 ? '<0.001' : d.p.toFixed(3)}${bound !== null ? `; comparable within ±${bound.toFixed(decimals)}` : ''}) → ${verdict}`;
      return { test, difference: d, relative, bound, verdict, text };
    });
    return { claim, verdict: combine(tests.map((x) => x.verdict)), tests };
  });
}

/** The claims report as Markdown lines. */
export function claimsMarkdown(results: ClaimResult[], notes: string[] = []): string {
  const lines = ['### Claims of the paper, measured by this kit', ''];
  for (const r of results) {
    lines.push(`**(${r.claim.id}) ${r.claim.claim}** — table \`${r.claim.table}\`: **${r.verdict}**${r.reason ? ` (${r.reason})` : ''}`, '');
    for (const t of r.tests) lines.push(`- ${t.text}`);
    if (r.tests.length > 0) lines.push('');
  }
  lines.push(...notes.map((n) => `${n}  `));
  return lines.join('\n') + '\n';
}

/** Writes results/claims/claims.md and claims.json. */
export function writeClaims(dir: string, results: ClaimResult[], notes: string[]): { md: string; json: string } {
  fs.mkdirSync(dir, { recursive: true });
  const files = { md: path.join(dir, 'claims.md'), json: path.join(dir, 'claims.json') };
  writeFileAtomic(files.md, claimsMarkdown(results, notes));
  writeJsonAtomic(files.json, {
    notes,
    claims: results.map((r) => ({
      id: r.claim.id,
      claim: r.claim.claim,
      table: r.claim.table,
      verdict: r.verdict,
      reason: r.reason,
      tests: r.tests.map((t) => ({ ...t.test, ...t.difference, relative: t.relative, bound: t.bound, verdict: t.verdict })),
    })),
  });
  return files;
}
