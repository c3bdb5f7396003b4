/**
 * Result tables as data: experiments/tables/<name>.json names the experiments one table compares and the
 * metrics it reports, so `jasr reproduce <table>` and the report read the same list.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, Schema, validate } from '../core/schema';
import { Experiment, loadExperiment } from './load';

export interface TableSpec {
  title: string;
  description: string;
  /** Experiment files, relative to the experiments directory, one row each, in order. */
  experiments: string[];
  /** Metric columns, e.g. psnr, ssim, nme, auc@0.08. */
  metrics: string[];
}

export interface LoadedTable extends TableSpec {
  name: string;
  file: string;
  rows: Experiment[];
}

export const TABLE_SCHEMA: Schema = {
  type: 'object',
  fields: {
    title: { type: 'string' },
    description: { type: 'string' },
    experiments: { type: 'array', items: { type: 'string' }, minItems: 1 },
    metrics: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
};

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
  const spec = validate<TableSpec>(raw, TABLE_SCHEMA, file);
  const rows = spec.experiments.map((rel, i) => {
    const expFile = path.join(experimentsDir, rel);
    if (!fs.existsSync(expFile)) throw new ConfigError(file, `experiments[${i}]`, `file not found: ${expFile}`);
    return loadExperiment(expFile);
  });
  const names = rows.map((r) => r.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ConfigError(file, 'experiments', `two rows share the run name '${dup}' (they would write the same runs/ directory)`);
  return { name, file, ...spec, rows };
}
