/**
 * A result table for a notebook: full mode reads results/<table>/ when `npm start` or `jasr reproduce` wrote
 * it (and runs reproduceTable when it did not); quick mode always runs reproduceTable with the quick budgets
 * in the scratch folder (its finished runs are reused by later notebooks).
 */
import * as fs from 'fs';
import * as path from 'path';
import { reproduceTable } from '../pipeline/reproduce';
import { readTableDir, TableResults } from '../report/results';
import { QUICK_SETS, notebookDirs } from './mode';

export interface NotebookTableOptions {
  quick: boolean;
  /** Extra `--set` overrides for every experiment of the table (e.g. cpuRecipeSets() for paper-sized tables). */
  sets?: string[];
  /** Full mode: where runs go (default runs/); quick mode ignores it. */
  runsDir?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Cross-validation folds instead of the table's (e.g. 1 in quick mode, to keep a notebook within its CI time). */
  folds?: number;
}

export async function notebookTable(name: string, opts: NotebookTableOptions): Promise<TableResults & { produced: 'loaded' | 'reproduced' }> {
  const dirs = notebookDirs(opts.quick);
  const dir = path.join(dirs.resultsDir, name);
  if (!opts.quick && fs.existsSync(path.join(dir, 'table.json'))) return { ...readTableDir(dir), produced: 'loaded' };
  await reproduceTable(name, {
    // Quick budgets last, so they win over the caller's recipe overrides.
    sets: [...(opts.sets ?? []), ...(opts.quick ? QUICK_SETS : [])],
    runsDir: opts.quick ? dirs.runsDir : (opts.runsDir ?? dirs.runsDir),
    resultsDir: dirs.resultsDir,
    staticFigures: !opts.quick,
    progress: 'quiet',
    sampleFaces: opts.quick ? 1 : 2,
    ...(opts.folds !== undefined ? { folds: opts.folds } : {}),
    log: opts.log ?? (() => undefined),
  });
  return { ...readTableDir(dir), produced: 'reproduced' };
}
