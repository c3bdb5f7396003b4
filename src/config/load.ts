/**
 * Experiment files: JSON with an optional `extends` (a path relative to the file, chained), then `--set`
 * overrides, then one parse against EXPERIMENT_FILE_SCHEMA (sections.ts), which fills every section's defaults.
 * Unknown keys and wrong types are errors that name the file and the key.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, describeValue, knownKeys, validate } from '../core/schema';
import { Json, applySet, deepMerge } from '../core/overrides';
import { EXPERIMENT_FILE_SCHEMA, SectionValues } from './sections';

export interface ExperimentMeta {
  /** Run name; results go to runs/<name>/. Defaults to the file's base name. */
  name: string;
  description: string;
  /** The file loaded (absolute), and the chain of files it extends, nearest first. */
  file: string;
  extendsChain: string[];
  /** The `--set` assignments applied, recorded with every run. */
  overrides: string[];
}

export type Experiment = ExperimentMeta & SectionValues;

const TOP_LEVEL_KEYS = knownKeys(EXPERIMENT_FILE_SCHEMA);

function readJson(file: string): Record<string, Json> {
  if (!fs.existsSync(file)) throw new ConfigError(file, '', 'file not found');
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, '', `not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(file, '', 'expected a JSON object');
  return parsed as Record<string, Json>;
}

/** Reads a file and everything it extends, merged (the file wins over what it extends). */
function readWithParents(file: string, seen: string[]): { merged: Record<string, Json>; chain: string[] } {
  const abs = path.resolve(file);
  if (seen.includes(abs)) throw new ConfigError(abs, 'extends', `cycle: ${[...seen, abs].join(' → ')}`);
  const own = readJson(abs);
  for (const k of Object.keys(own)) {
    if (!TOP_LEVEL_KEYS.includes(k)) throw new ConfigError(abs, k, `unknown key (known here: ${TOP_LEVEL_KEYS.join(', ')})`);
  }
  const parent = own.extends;
  delete own.extends;
  // Each file names its own schema for editors; it is not inherited and means nothing to a run.
  if (own.$schema !== undefined && typeof own.$schema !== 'string')
    throw new ConfigError(abs, '$schema', `expected a path string, found ${describeValue(own.$schema)}`);
  delete own.$schema;
  if (parent === undefined) return { merged: own, chain: [] };
  if (typeof parent !== 'string') throw new ConfigError(abs, 'extends', 'expected a path string');
  const parentFile = path.resolve(path.dirname(abs), parent);
  const up = readWithParents(parentFile, [...seen, abs]);
  return { merged: deepMerge(up.merged, own) as Record<string, Json>, chain: [parentFile, ...up.chain] };
}

export function loadExperiment(file: string, sets: string[] = []): Experiment {
  const abs = path.resolve(file);
  const { merged, chain } = readWithParents(abs, []);
  let config: Json = merged;
  for (const s of sets) {
    try {
      config = applySet(config, s);
    } catch (e) {
      throw new ConfigError(abs, '--set', (e as Error).message);
    }
  }
  const obj = config as Record<string, Json>;
  const where = sets.length > 0 ? `${abs} (with --set ${sets.join(' ')})` : abs;
  const { name, description, $schema: _schema, extends: _extends, ...sections } = validate(obj, EXPERIMENT_FILE_SCHEMA, where);
  return {
    name: name ?? path.basename(abs).replace(/\.json$/, ''),
    description: description ?? '',
    file: abs,
    extendsChain: chain,
    overrides: [...sets],
    ...sections,
  };
}

/**
 * What an experiment file and the files it extends set themselves, merged as `extends` merges them, before any
 * default: the layer loadExperiment starts from. The file is loaded in full first, so a broken one is refused
 * naming its key.
 */
export function experimentSettings(file: string): Record<string, Json> {
  loadExperiment(file);
  return readWithParents(path.resolve(file), []).merged;
}
