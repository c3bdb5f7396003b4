/**
 * Result tables as data: experiments/tables/<name>.json names the experiments one table compares, the metrics it
 * reports, and how it measures them: group k-fold cross-validation (`folds`), training seeds (`seeds`), one step
 * budget for every trained row (`steps`), one checkpoint rule for every row (`checkpoint`) and the pairs of rows
 * whose paired differences it reports (`pairs`), so `jasr reproduce <table>`, `jasr collect` and the report read
 * the same list. Design of the statistics: docs/statistics.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ConfigError, validate } from '../core/schema';
import { Experiment, loadExperiment } from './load';

export const TABLE_PAIR_SCHEMA = z.strictObject({
  a: z.string().describe("a row's run name (or 'mean-shape')"),
  b: z.string().describe('the row a is compared with'),
  metrics: z.array(z.string()).min(1).describe('metrics whose paired difference a − b is reported'),
});

/** A row: an experiment file, or a file with overrides under its own run name (a variant without a new file). */
export const TABLE_ROW_SCHEMA = z.union([
  z.string(),
  z.strictObject({
    file: z.string().describe('experiment file, relative to the experiments directory'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional()
      .describe("the row's run name (default: the experiment's name); needed when sets change what is trained"),
    sets: z.array(z.string()).optional().describe('`--set` overrides of this row, applied before the table-wide ones'),
  }),
]);

export const TABLE_SCHEMA = z.strictObject({
  $schema: z.string().optional().describe('the JSON Schema editors validate this file with (ignored by the loader)'),
  title: z.string(),
  description: z.string(),
  experiments: z.array(TABLE_ROW_SCHEMA).min(1).describe('rows in order: experiment files relative to the experiments directory, or {file, name, sets}'),
  sets: z.array(z.string()).optional().describe('`--set` overrides applied to every row (e.g. another scale); give the rows their own names'),
  metrics: z.array(z.string()).min(1).describe('metric columns, e.g. psnr, ssim, nme, auc@0.08'),
  folds: z.number().int().min(1).optional().describe("group k-fold over all faces of the data set (every face a test face once); 1 = the data set's own split"),
  foldSeed: z.number().int().optional().describe('seed of the fold assignment (the same for every training seed, so rows and seeds share their faces)'),
  seeds: z.array(z.number().int()).min(1).optional().describe("training seeds (train.seed) each row is trained with; default: the experiments' own seed"),
  steps: z.number().int().min(1).optional().describe("optimiser steps for every trained row (sets train.maxSteps); default: the experiments' own budget"),
  checkpoint: z
    .enum(['last', 'best'])
    .optional()
    .describe("which checkpoint of every trained row is evaluated: 'last' (equal steps, the default) or 'best' on validation"),
  pairs: z.array(TABLE_PAIR_SCHEMA).optional().describe("paired differences a − b the table reports (run names; 'mean-shape' is the no-learning landmark row)"),
});

export type TableSpec = z.infer<typeof TABLE_SCHEMA>;
export type TableRowSpec = z.infer<typeof TABLE_ROW_SCHEMA>;

/** A row resolved: absolute experiment file, the run name and the row's own overrides (table-wide ones after them). */
export interface TableRow {
  file: string;
  name: string | null;
  sets: string[];
}

/** The experiment of a table row with its overrides (and extra ones after them), under the row's run name. */
export function loadTableRow(row: TableRow, extraSets: string[] = []): Experiment {
  const exp = loadExperiment(row.file, [...row.sets, ...extraSets]);
  return row.name ? { ...exp, name: row.name } : exp;
}
export type TablePair = z.infer<typeof TABLE_PAIR_SCHEMA>;

export interface LoadedTable extends TableSpec {
  name: string;
  file: string;
  /** The rows with the table-wide `sets` applied. */
  rows: Experiment[];
  rowSpecs: TableRow[];
}

/** The run name of the no-learning landmark row reproduceTable adds when a table reports NME. */
export const MEAN_SHAPE_ROW = 'mean-shape';

/** Default experiments directory: <repo>/experiments. */
export const EXPERIMENTS_DIR = path.resolve(__dirname, '..', '..', 'experiments');

export function listTables(experimentsDir = EXPERIMENTS_DIR): string[] {
  const dir = path.join(experimentsDir, 'tables');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/** Reads and validates a table and every experiment it names (errors name the table file and key). */
export function loadTable(name: string, experimentsDir = EXPERIMENTS_DIR): LoadedTable {
  const file = path.join(experimentsDir, 'tables', `${name}.json`);
  if (!fs.existsSync(file)) throw new ConfigError(file, '', `no such table (known: ${listTables(experimentsDir).join(', ') || 'none'})`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, '', `not valid JSON (${(e as Error).message})`);
  }
  const spec = validate(raw, TABLE_SCHEMA, file);
  const rowSpecs: TableRow[] = spec.experiments.map((r, i) => {
    const rel = typeof r === 'string' ? r : r.file;
    const expFile = path.resolve(experimentsDir, rel);
    if (!fs.existsSync(expFile)) throw new ConfigError(file, `experiments[${i}]`, `file not found: ${expFile}`);
    return {
      file: expFile,
      name: typeof r === 'string' ? null : (r.name ?? null),
      sets: [...(typeof r === 'string' ? [] : (r.sets ?? [])), ...(spec.sets ?? [])],
    };
  });
  const rows = rowSpecs.map((r) => loadTableRow(r));
  const names = rows.map((r) => r.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ConfigError(file, 'experiments', `two rows share the run name '${dup}' (they would write the same runs/ directory)`);
  if (spec.seeds && new Set(spec.seeds).size !== spec.seeds.length)
    throw new ConfigError(file, 'seeds', `expected distinct seeds, found ${JSON.stringify(spec.seeds)}`);
  (spec.pairs ?? []).forEach((p, i) => {
    for (const side of ['a', 'b'] as const) {
      if (!names.includes(p[side]) && p[side] !== MEAN_SHAPE_ROW)
        throw new ConfigError(file, `pairs[${i}].${side}`, `expected a row's run name (${[...names, MEAN_SHAPE_ROW].join(', ')}), found '${p[side]}'`);
    }
    p.metrics.forEach((m, j) => {
      if (!spec.metrics.includes(m))
        throw new ConfigError(file, `pairs[${i}].metrics[${j}]`, `expected one of the table's metrics (${spec.metrics.join(', ')}), found '${m}'`);
    });
  });
  return { name, file, ...spec, rows, rowSpecs };
}
