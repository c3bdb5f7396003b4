/**
 * zod's issues become the kit's one-line ConfigError: the file, the dotted key, what was expected and what was
 * found; unknown keys name the known ones; partial sections are filled from the declared defaults.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import { ConfigError, validate } from '../src/core/schema';
import { KnownError } from '../src/core/errors';
import { loadExperiment } from '../src/config/load';
import { DEFAULT_TRAIN_CONFIG, TRAIN_CONFIG_SCHEMA } from '../src/engine/config';
import { DEFAULT_DATA_CONFIG } from '../src/data/config';
import { DEFAULT_MODEL_CONFIG } from '../src/model/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';

const S = z.strictObject({
  n: z.number().int().min(1).max(10).default(3),
  f: z.number().gt(0).optional(),
  b: z.boolean().default(false),
  s: z.string().default('x'),
  e: z.enum(['l1', 'l2']).default('l1'),
  k: z.literal([4, 8]).default(8),
  a: z
    .array(z.number())
    .min(2)
    .max(3)
    .default(() => [1, 2]),
  o: z.strictObject({ deep: z.strictObject({ x: z.number().default(1) }).prefault({}) }).prefault({}),
  req: z.string(),
});

function message(value: unknown, key = 'sec'): string {
  try {
    validate(value, S, 'f.json', key);
  } catch (e) {
    assert.ok(e instanceof ConfigError && e instanceof KnownError);
    return e.message;
  }
  return 'no error';
}

describe('core/schema: zod issues as one-line config errors', () => {
  it('names the file, the dotted key, what was expected and what was found', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 'fast' }, `key 'sec.n': expected a number, found the string "fast"`],
      [{ n: 1.5 }, `key 'sec.n': expected an integer, found 1.5`],
      [{ n: 0 }, `key 'sec.n': must be ≥ 1, found 0`],
      [{ n: 11 }, `key 'sec.n': must be ≤ 10, found 11`],
      [{ n: null }, `key 'sec.n': expected a number, found null`],
      [{ f: 0 }, `key 'sec.f': must be > 0, found 0`],
      [{ b: 'yes' }, `key 'sec.b': expected true or false, found the string "yes"`],
      [{ s: 3 }, `key 'sec.s': expected a string, found number 3`],
      [{ e: 'l3' }, `key 'sec.e': expected one of "l1", "l2", found the string "l3"`],
      [{ k: 5 }, `key 'sec.k': expected one of 4, 8, found number 5`],
      [{ a: 'x' }, `key 'sec.a': expected an array, found the string "x"`],
      [{ a: [1] }, `key 'sec.a': expected at least 2 items, found 1`],
      [{ a: [1, 2, 3, 4] }, `key 'sec.a': expected at most 3 items, found 4`],
      [{ a: [1, 'two'] }, `key 'sec.a[1]': expected a number, found the string "two"`],
      [{ o: { deep: { x: true } } }, `key 'sec.o.deep.x': expected a number, found boolean true`],
      [{ o: { deep: [] } }, `key 'sec.o.deep': expected an object, found an array`],
      [{ o: { deep: { y: 1 } } }, `key 'sec.o.deep.y': unknown key (known here: x)`],
      [{ zz: 1 }, `key 'sec.zz': unknown key (known here: n, f, b, s, e, k, a, o, req)`],
    ];
    for (const [value, want] of cases) assert.equal(message({ req: 'r', ...value }, 'sec'), `f.json: ${want}`);
    assert.equal(message({}, 'sec'), `f.json: key 'sec.req': missing`);
    assert.equal(message({}, ''), `f.json: key 'req': missing`);
    assert.equal(message(5, ''), 'f.json: expected an object, found number 5');
  });

  it('an unknown key is reported before other problems of the same value', () => {
    assert.equal(message({ n: 'x', colour: 'red' }), `f.json: key 'sec.colour': unknown key (known here: n, f, b, s, e, k, a, o, req)`);
  });

  it('fills declared defaults, nested objects included, and returns the parsed value', () => {
    assert.deepEqual(validate({ req: 'r', o: {} }, S, 'f.json'), { n: 3, b: false, s: 'x', e: 'l1', k: 8, a: [1, 2], o: { deep: { x: 1 } }, req: 'r' });
  });

  it('the sections declare the defaults the kit documents', () => {
    assert.equal(DEFAULT_TRAIN_CONFIG.optimizer.lr, 5e-5);
    assert.deepEqual(DEFAULT_TRAIN_CONFIG.schedule, { type: 'step', milestones: [20, 30], gamma: 0.5 });
    assert.equal(DEFAULT_TRAIN_CONFIG.workers, 'auto');
    assert.equal(DEFAULT_TRAIN_CONFIG.maxSteps, undefined);
    assert.deepEqual([DEFAULT_MODEL_CONFIG.features, DEFAULT_MODEL_CONFIG.trunkBlocks, DEFAULT_MODEL_CONFIG.fusion], [128, 32, 'additive']);
    assert.deepEqual([DEFAULT_DATA_CONFIG.format, DEFAULT_DATA_CONFIG.heatmapSigma, DEFAULT_DATA_CONFIG.syntheticCounts], ['embedded', 4, [32, 8, 8]]);
    assert.deepEqual(DEFAULT_EVAL_CONFIG.aucAlphas, [0.07, 0.08]);
    // Array defaults are fresh per parse: a caller changing one cannot change the next config's default.
    const a = TRAIN_CONFIG_SCHEMA.parse({});
    a.schedule.milestones.push(99);
    assert.deepEqual(TRAIN_CONFIG_SCHEMA.parse({}).schedule.milestones, [20, 30]);
  });

  it('experiment files: wrong values and cross-key rules name the file and the key', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-cfg-err-'));
    const write = (name: string, doc: unknown): string => {
      fs.writeFileSync(path.join(d, name), JSON.stringify(doc));
      return path.join(d, name);
    };
    const msg = (file: string, sets: string[] = []): string => {
      try {
        loadExperiment(file, sets);
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e.message;
      }
      return 'no error';
    };
    const workers = write('workers.json', { train: { workers: 'many' } });
    assert.equal(msg(workers), `${workers}: key 'train.workers': expected "auto" or an integer from 1 to 64, found the string "many"`);
    assert.equal(msg(workers, ['train.workers=65']), `${workers} (with --set train.workers=65): key 'train.workers': must be ≤ 64, found 65`);
    const top = write('top.json', { model: {}, modle: {} });
    assert.match(msg(top), /top\.json: key 'modle': unknown key \(known here: \$schema, extends, name, description, model, data, train, eval\)$/);
    const milestones = write('m.json', { train: { schedule: { milestones: [10, 10] } } });
    assert.equal(msg(milestones), `${milestones}: key 'train.schedule.milestones[1]': must be increasing, found 10 then 10`);
    const section = write('section.json', { train: 5 });
    assert.equal(msg(section), `${section}: key 'train': expected an object, found number 5`);
    const partialSel = write('partial.json', { $schema: './whatever.json', train: { selection: { metric: 'nme' } } });
    assert.deepEqual(loadExperiment(partialSel).train.selection, { metric: 'nme', split: 'val', mode: 'standard' });
  });
});
