/**
 * A sweep: one experiment file crossed with a grid of `--set` values (`train.optimizer.lr=1e-3,3e-4` ×
 * `model.features=16,32`), written as a generated table so that planning, any executor, `jasr status`,
 * `jasr collect` and the table code treat it exactly like a table of experiments/tables/. The generated files
 * live in `<results>/<sweep>/experiments/`: one small file per grid point that `extends` the base file and sets
 * the point's values, and `tables/<sweep>.json` listing them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../core/atomic-write';
import { KnownError } from '../core/errors';
import { applySet, deepMerge, Json } from '../core/overrides';
import { loadExperiment } from '../config/load';

export class SweepError extends KnownError {}

export interface GridAxis {
  key: string;
  values: string[];
}

/** `key.path=v1,v2,…` → one axis. Values are split at commas, so a value cannot contain one. */
export function parseGridAxis(text: string): GridAxis {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq) : '';
  const values =
    eq > 0
      ? text
          .slice(eq + 1)
          .split(',')
          .map((v) => v.trim())
      : [];
  if (!/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(key) || values.length === 0 || values.some((v) => v === '')) {
    throw new SweepError(`--grid: expected key.path=value1,value2,…, found '${text}'`);
  }
  if (new Set(values).size !== values.length) throw new SweepError(`--grid ${key}: expected distinct values, found ${values.join(',')}`);
  return { key, values };
}

/** Every combination, the first axis varying slowest: each point is its list of `key=value` assignments. */
export function expandGrid(axes: GridAxis[]): string[][] {
  const keys = axes.map((a) => a.key);
  if (new Set(keys).size !== keys.length) throw new SweepError(`--grid: a key appears twice (${keys.join(', ')})`);
  let points: string[][] = [[]];
  for (const axis of axes) points = points.flatMap((p) => axis.values.map((v) => [...p, `${axis.key}=${v}`]));
  return points;
}

/** A run name for a grid point: `<base>.lr1e-3.features16` (the last key segment and the value, file-name safe). */
export function pointName(base: string, assignments: string[]): string {
  const parts = assignments.map((a) => {
    const eq = a.indexOf('=');
    const leaf = a.slice(0, eq).split('.').pop() as string;
    return `${leaf}${a.slice(eq + 1)}`.replace(/[^A-Za-z0-9.-]/g, '_');
  });
  return [base, ...parts].join('.');
}

export interface SweepSpec {
  name: string;
  configFile: string;
  axes: GridAxis[];
  /** Metric columns of the generated table. */
  metrics: string[];
  /** `--set` overrides for every point (also checked here with each point). */
  sets?: string[];
}

export interface WrittenSweep {
  experimentsDir: string;
  tableFile: string;
  points: Array<{ name: string; file: string; assignments: string[] }>;
}

/** Writes the sweep's experiment files and table under `<resultsDir>/<name>/experiments/`. */
export function writeSweep(spec: SweepSpec, resultsDir = 'results'): WrittenSweep {
  if (!/^[A-Za-z0-9._-]+$/.test(spec.name)) throw new SweepError(`--name: expected a file-name-safe sweep name, found '${spec.name}'`);
  const base = loadExperiment(spec.configFile, spec.sets ?? []);
  const points = expandGrid(spec.axes).map((assignments) => ({ name: pointName(base.name, assignments), assignments }));
  const experimentsDir = path.resolve(resultsDir, spec.name, 'experiments');
  const written = points.map((p) => {
    let own: Json = { extends: path.resolve(spec.configFile), name: p.name, description: `${spec.name}: ${p.assignments.join(' ')}` };
    for (const a of p.assignments) own = deepMerge(own, applySet({}, a));
    const file = path.join(experimentsDir, `${p.name}.json`);
    return { ...p, file, own };
  });
  // Each point is loaded back as written, so a bad grid value is one line naming the point's file and key.
  fs.mkdirSync(experimentsDir, { recursive: true });
  for (const w of written) {
    writeJsonAtomic(w.file, w.own);
    loadExperiment(w.file, spec.sets ?? []);
  }
  const tableFile = path.join(experimentsDir, 'tables', `${spec.name}.json`);
  fs.mkdirSync(path.dirname(tableFile), { recursive: true });
  writeJsonAtomic(tableFile, {
    title: `Sweep ${spec.name}`,
    description: `${path.basename(spec.configFile)} over ${spec.axes.map((a) => `${a.key} ∈ {${a.values.join(', ')}}`).join(' × ')} (written by jasr sweep)`,
    experiments: written.map((w) => path.basename(w.file)),
    metrics: spec.metrics,
  });
  return { experimentsDir, tableFile, points: written.map(({ name, file, assignments }) => ({ name, file, assignments })) };
}
