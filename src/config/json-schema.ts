/**
 * JSON Schemas for editors, generated from the same zod declarations the loader parses with (sections.ts,
 * tables.ts), so an option is declared once and VS Code / JetBrains validate and complete experiments/*.json.
 * Each committed experiment and table file names its schema in "$schema" (a path relative to the file);
 * test/config-json-schema.test.ts checks the committed schema files are up to date and that every committed file
 * validates against them with an independent JSON Schema validator.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write';
import { EXPERIMENT_FILE_SCHEMA } from './sections';
import { EXPERIMENTS_DIR, TABLE_SCHEMA } from './tables';

/** Folder of the generated schemas, relative to the experiments directory. */
export const SCHEMA_DIR = 'schema';

/** Generated file name → title and zod schema. */
const GENERATED: Record<string, { title: string; schema: z.ZodType }> = {
  'experiment.schema.json': { title: 'jasr-kit experiment file (experiments/**/*.json)', schema: EXPERIMENT_FILE_SCHEMA },
  'table.schema.json': { title: 'jasr-kit result table (experiments/tables/*.json)', schema: TABLE_SCHEMA },
};

/**
 * The JSON Schema of a config file as an editor should see it: the *input* side (keys with a declared default
 * are optional), draft-07 (the draft editors support best).
 */
export function configJsonSchema(schema: z.ZodType, title: string): Record<string, unknown> {
  const generated = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title, ...rest };
}

/** Every generated schema file: name → text (stable key order, trailing newline). */
export function configSchemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, g] of Object.entries(GENERATED)) out[name] = `${JSON.stringify(configJsonSchema(g.schema, g.title), null, 2)}\n`;
  return out;
}

/** The "$schema" value a config file at `file` should carry: the relative path to its generated schema. */
export function schemaRefFor(file: string, experimentsDir = EXPERIMENTS_DIR): string {
  const rel = path.relative(experimentsDir, path.resolve(file)).split(path.sep);
  const name = rel[0] === 'tables' && rel.length === 2 ? 'table.schema.json' : 'experiment.schema.json';
  const ref = path
    .relative(path.dirname(path.resolve(file)), path.join(experimentsDir, SCHEMA_DIR, name))
    .split(path.sep)
    .join('/');
  return ref.startsWith('.') ? ref : `./${ref}`;
}

/** Schema files under `experimentsDir`/schema/ that are missing or differ from what the declarations generate. */
export function staleConfigSchemas(experimentsDir = EXPERIMENTS_DIR): string[] {
  const dir = path.join(experimentsDir, SCHEMA_DIR);
  return Object.entries(configSchemaFiles())
    .filter(([name, text]) => {
      const file = path.join(dir, name);
      return !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
    })
    .map(([name]) => path.join(dir, name));
}

/** Writes the generated schemas (atomically, only those that changed); returns the files written. */
export function writeConfigSchemas(experimentsDir = EXPERIMENTS_DIR): string[] {
  const stale = staleConfigSchemas(experimentsDir);
  const files = configSchemaFiles();
  fs.mkdirSync(path.join(experimentsDir, SCHEMA_DIR), { recursive: true });
  for (const file of stale) writeFileAtomic(file, files[path.basename(file)]);
  return stale;
}
