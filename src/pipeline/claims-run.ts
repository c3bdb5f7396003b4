/**
 * runClaims: the tables the claims of experiments/claims.json need, reproduced (or taken from tables collected
 * already, as `jasr main` does with its own table), then every claim's verdict, written to results/claims/.
 */
import * as path from 'path';
import { DEFAULT_BOOTSTRAP } from '../metrics/stats/index';
import { ClaimResult, DEFAULT_CLAIMS_FILE, judgeClaims, loadClaims, writeClaims } from './claims';
import { reproduceTable, ReproduceOptions } from './reproduce';
import type { CollectResult } from './table-collect';

export interface RunClaimsOptions extends ReproduceOptions {
  claimsFile?: string;
  /** Claim ids to judge (default all). */
  only?: string[];
  /** Tables already collected (by name): not run again. */
  collected?: ReadonlyMap<string, CollectResult>;
  /** Run the tables not collected yet (default true); false leaves their claims 'not measured'. */
  runTables?: boolean;
}

export interface ClaimsRun {
  results: ClaimResult[];
  files: { md: string; json: string };
  tables: Map<string, CollectResult>;
}

export async function runClaims(opts: RunClaimsOptions = {}): Promise<ClaimsRun> {
  const file = opts.claimsFile ?? DEFAULT_CLAIMS_FILE;
  const claims = loadClaims(file);
  const wanted = opts.only ? claims.claims.filter((c) => opts.only?.includes(c.id)) : claims.claims;
  const tables = new Map<string, CollectResult>(opts.collected ?? []);
  if (opts.runTables !== false) {
    for (const name of [...new Set(wanted.map((c) => c.table))]) {
      if (tables.has(name)) continue;
      const r = await reproduceTable(name, opts);
      if (r.kind === 'collected') tables.set(name, r);
    }
  }
  const missing = (table: string): string => `table ${table} not run here; \`jasr claims\` runs it`;
  const results = judgeClaims({ ...claims, claims: wanted }, tables, missing, opts.bootstrap);
  const designs = [...tables.values()].map(
    (t) =>
      `${t.table}: ${t.planned.folds} fold(s), seeds ${t.planned.seeds?.join(',') ?? 'own'}, ${t.steps ?? '—'} steps, ${t.planned.checkpoint} checkpoint, ${t.rows[0]?.intervals[t.planned.table.metrics[0]]?.faces ?? '?'} test faces`,
  );
  const b = { ...DEFAULT_BOOTSTRAP, ...opts.bootstrap };
  const notes = [
    `Claims: ${file}. Each test is a paired difference a − b with its ${Math.round(b.level * 100)} % clustered bootstrap interval (${b.resamples} resamples, seed ${b.seed}); * marks an interval that excludes 0.`,
    `Designs: ${designs.join('; ') || 'none run'}. A verdict holds for these models at this size and budget, not for the paper's models.`,
  ];
  const files = writeClaims(path.join(opts.resultsDir ?? 'results', 'claims'), results, notes);
  return { results, files, tables };
}
