/**
 * The editors' JSON Schemas (experiments/schema/) are generated from the zod declarations, are up to date, are
 * named by every committed config file, and accept every committed config. The JSON Schema side is checked by an
 * independent validator (Python's jsonschema, Draft 7, installed with the notebooks' nbformat by scripts/setup.sh),
 * and on a set of good and broken documents it must agree with the loader's own verdict.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configSchemaFiles, schemaRefFor, staleConfigSchemas, writeConfigSchemas, SCHEMA_DIR } from '../src/config/json-schema';
import { loadExperiment } from '../src/config/load';
import { EXPERIMENTS_DIR, listTables, loadTable } from '../src/config/tables';

const PYTHON = '/usr/bin/python3';

/** Validates each document against its named schema with jsonschema's Draft7Validator; null = valid, else the first error. */
const VALIDATOR = `
import json, sys
from jsonschema import Draft7Validator
req = json.load(sys.stdin)
validators = {name: Draft7Validator(schema) for name, schema in req['schemas'].items()}
for s in req['schemas'].values():
    Draft7Validator.check_schema(s)
out = []
for d in req['docs']:
    errors = sorted(validators[d['schema']].iter_errors(d['doc']), key=lambda e: list(e.path))
    out.append(None if not errors else '/'.join(str(p) for p in errors[0].path) + ': ' + errors[0].message)
print(json.dumps(out))
`;

function jsonSchemaVerdicts(docs: { schema: string; doc: unknown }[]): (string | null)[] {
  const schemas: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(configSchemaFiles())) schemas[name] = JSON.parse(text);
  const r = spawnSync(PYTHON, ['-c', VALIDATOR], { input: JSON.stringify({ schemas, docs }), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as (string | null)[];
}

function committedConfigs(): { file: string; kind: 'experiment' | 'table' }[] {
  const out: { file: string; kind: 'experiment' | 'table' }[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && p !== path.join(EXPERIMENTS_DIR, SCHEMA_DIR)) walk(p);
      // experiments/claims.json has its own format, validated when loaded (src/pipeline/claims.ts).
      else if (e.name.endsWith('.json') && p !== path.join(EXPERIMENTS_DIR, 'claims.json'))
        out.push({ file: p, kind: path.dirname(p) === path.join(EXPERIMENTS_DIR, 'tables') ? 'table' : 'experiment' });
    }
  };
  walk(EXPERIMENTS_DIR);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

const schemaName = (kind: 'experiment' | 'table'): string => `${kind}.schema.json`;

describe('config: generated JSON Schemas for editors', () => {
  it('the committed schema files are what the declarations generate (npm run config:schema rewrites them)', () => {
    assert.deepEqual(staleConfigSchemas(), []);
  });

  it('every committed experiment and table names its schema by a relative path that exists', () => {
    const configs = committedConfigs();
    assert.ok(configs.filter((c) => c.kind === 'experiment').length >= 30, `found ${configs.length} files`);
    assert.ok(configs.filter((c) => c.kind === 'table').length >= 5);
    for (const { file, kind } of configs) {
      const ref = (JSON.parse(fs.readFileSync(file, 'utf8')) as { $schema?: string }).$schema;
      assert.equal(ref, schemaRefFor(file), file);
      assert.equal(path.basename(ref), schemaName(kind), file);
      assert.ok(fs.existsSync(path.resolve(path.dirname(file), ref)), `${file}: ${ref}`);
    }
  });

  it('every committed config validates against its JSON Schema (independent validator) and loads', () => {
    const configs = committedConfigs();
    const verdicts = jsonSchemaVerdicts(configs.map((c) => ({ schema: schemaName(c.kind), doc: JSON.parse(fs.readFileSync(c.file, 'utf8')) })));
    assert.deepEqual(
      configs.map((c, i) => [path.relative(EXPERIMENTS_DIR, c.file), verdicts[i]]).filter(([, v]) => v !== null),
      [],
    );
    for (const c of configs.filter((x) => x.kind === 'experiment')) loadExperiment(c.file);
    for (const t of listTables()) loadTable(t);
  });

  it('the JSON Schema and the loader agree on good and broken files', () => {
    const cases: { doc: Record<string, unknown>; ok: boolean }[] = [
      { doc: {}, ok: true },
      { doc: { train: { selection: { metric: 'nme' } } }, ok: true },
      { doc: { model: { architecture: 'two-stage', fusion: 'concat', scale: 4 }, data: { syntheticCounts: [4, 2, 2] } }, ok: true },
      { doc: { train: { workers: 'auto', maxSteps: 5 } }, ok: true },
      { doc: { train: { workers: 64 } }, ok: true },
      { doc: { train: { optimiser: { lr: 1 } } }, ok: false },
      { doc: { train: { optimizer: { lr: 'fast' } } }, ok: false },
      { doc: { train: { pixelLoss: 'l3' } }, ok: false },
      { doc: { train: { epochs: 1.5 } }, ok: false },
      { doc: { train: { epochs: 0 } }, ok: false },
      { doc: { train: { workers: 65 } }, ok: false },
      { doc: { train: { workers: 'many' } }, ok: false },
      { doc: { model: { fusion: 'attention' } }, ok: false },
      { doc: { model: { scale: 3 } }, ok: false },
      { doc: { data: { syntheticCounts: [4, 2] } }, ok: false },
      { doc: { data: { augment: { flipProbability: 1.5 } } }, ok: false },
      { doc: { data: { skipBad: 'yes' } }, ok: false },
      { doc: { eval: { aucAlphas: [] } }, ok: false },
      { doc: { trian: {} }, ok: false },
      { doc: { name: 3 }, ok: false },
      { doc: { $schema: 5 }, ok: false },
      { doc: { $schema: '../schema/experiment.schema.json', extends: 7 }, ok: false },
    ];
    const verdicts = jsonSchemaVerdicts(cases.map((c) => ({ schema: 'experiment.schema.json', doc: c.doc })));
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-schema-'));
    cases.forEach((c, i) => {
      const file = path.join(d, `case-${i}.json`);
      fs.writeFileSync(file, JSON.stringify(c.doc));
      let loaderOk = true;
      try {
        loadExperiment(file);
      } catch {
        loaderOk = false;
      }
      assert.deepEqual([JSON.stringify(c.doc), verdicts[i] === null, loaderOk], [JSON.stringify(c.doc), c.ok, c.ok]);
    });
  });

  it('a table file is checked by the table schema', () => {
    const good = { title: 'T', description: 'd', experiments: ['a.json'], metrics: ['psnr'] };
    const verdicts = jsonSchemaVerdicts([
      { schema: 'table.schema.json', doc: good },
      { schema: 'table.schema.json', doc: { ...good, colour: 'red' } },
      { schema: 'table.schema.json', doc: { ...good, experiments: [] } },
      { schema: 'table.schema.json', doc: { title: 'T', experiments: ['a.json'], metrics: ['psnr'] } },
    ]);
    assert.equal(verdicts[0], null);
    assert.match(String(verdicts[1]), /colour/);
    assert.match(String(verdicts[2]), /^experiments: /);
    assert.match(String(verdicts[3]), /description/);
  });

  it('staleness is detected and the writer rewrites only stale files', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-schema-dir-'));
    assert.equal(staleConfigSchemas(d).length, 2);
    assert.equal(writeConfigSchemas(d).length, 2);
    assert.deepEqual(staleConfigSchemas(d), []);
    const file = path.join(d, SCHEMA_DIR, 'experiment.schema.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"jasrnet"', '"jasrnet-old"'));
    assert.deepEqual(staleConfigSchemas(d), [file]);
    assert.deepEqual(writeConfigSchemas(d), [file]);
    assert.deepEqual(staleConfigSchemas(d), []);
    assert.deepEqual(fs.readdirSync(path.join(d, SCHEMA_DIR)).sort(), ['experiment.schema.json', 'table.schema.json']);
  });

  it('"$schema" paths are relative to the file', () => {
    assert.equal(schemaRefFor(path.join(EXPERIMENTS_DIR, 'base.json')), './schema/experiment.schema.json');
    assert.equal(schemaRefFor(path.join(EXPERIMENTS_DIR, 'x8', 'jasrnet.json')), '../schema/experiment.schema.json');
    assert.equal(schemaRefFor(path.join(EXPERIMENTS_DIR, 'tables', 'main-x8.json')), '../schema/table.schema.json');
  });
});
