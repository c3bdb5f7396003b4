import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadExperiment } from '../src/config/load';
import { loadTable, listTables } from '../src/config/tables';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/config';

function dir(files: Record<string, unknown>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-exp-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true });
    fs.writeFileSync(path.join(d, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return d;
}

describe('experiments/load: files, extends, --set, validation', () => {
  it('fills defaults and follows an extends chain, nearest file winning, nested keys merged', () => {
    const d = dir({
      'base.json': { model: { features: 64, trunkBlocks: 8 }, train: { optimizer: { lr: 1e-4 }, epochs: 10 } },
      'mid.json': { extends: 'base.json', model: { features: 32 }, train: { selection: { metric: 'nme' } } },
      'sub/leaf.json': { extends: '../mid.json', name: 'leaf-run', train: { epochs: 3 } },
    });
    const e = loadExperiment(path.join(d, 'sub/leaf.json'));
    assert.equal(e.name, 'leaf-run');
    assert.deepEqual(e.extendsChain, [path.join(d, 'mid.json'), path.join(d, 'base.json')]);
    assert.equal(e.model.features, 32);
    assert.equal(e.model.trunkBlocks, 8);
    assert.equal(e.train.epochs, 3);
    assert.equal(e.train.optimizer.lr, 1e-4);
    assert.equal(e.train.optimizer.weightDecay, DEFAULT_TRAIN_CONFIG.optimizer.weightDecay);
    assert.deepEqual(e.train.selection, { metric: 'nme', split: 'val', mode: 'standard' });
    assert.deepEqual(e.eval.aucAlphas, [0.07, 0.08]);
    assert.equal(e.data.format, 'embedded');
    assert.equal(e.data.augment.flipProbability, 0.5);
  });

  it('validates the data section against the data layer', () => {
    const d = dir({ 'e.json': { data: { format: 'synthetic', augment: { rotationDeg: 10 } } }, 'bad.json': { data: { format: 'imagenet' } } });
    const e = loadExperiment(path.join(d, 'e.json'), ['data.syntheticCounts=[4,2,2]']);
    assert.deepEqual([e.data.format, e.data.augment.rotationDeg, e.data.augment.flipProbability, e.data.syntheticCounts], ['synthetic', 10, 0.5, [4, 2, 2]]);
    assert.throws(() => loadExperiment(path.join(d, 'bad.json')), /bad\.json: key 'data\.format': expected one of "300w"/);
    assert.throws(() => loadExperiment(path.join(d, 'e.json'), ['data.syntheticCounts=[4,2]']), /key 'data\.syntheticCounts': expected at least 3 items/);
  });

  it('reports an extends cycle with the chain', () => {
    const d = dir({ 'a.json': { extends: 'b.json' }, 'b.json': { extends: 'a.json' } });
    assert.throws(() => loadExperiment(path.join(d, 'a.json')), /key 'extends': cycle: .*a\.json → .*b\.json → .*a\.json/);
  });

  it('unknown keys and wrong types are errors naming the file and the key', () => {
    const d = dir({
      'unknown.json': { train: { optimiser: { lr: 1 } } },
      'type.json': { train: { optimizer: { lr: 'fast' } } },
      'top.json': { trian: {} },
      'enum.json': { train: { pixelLoss: 'l3' } },
    });
    assert.throws(() => loadExperiment(path.join(d, 'unknown.json')), new RegExp(`${path.join(d, 'unknown.json')}: key 'train.optimiser': unknown key`));
    assert.throws(() => loadExperiment(path.join(d, 'type.json')), /type\.json: key 'train\.optimizer\.lr': expected a number, found the string "fast"/);
    assert.throws(() => loadExperiment(path.join(d, 'top.json')), /top\.json: key 'trian': unknown key/);
    assert.throws(() => loadExperiment(path.join(d, 'enum.json')), /key 'train\.pixelLoss': expected one of "l1", "l2", found the string "l3"/);
  });

  it('--set overrides nested keys (JSON values parsed) and is validated like the file', () => {
    const d = dir({ 'e.json': {} });
    const f = path.join(d, 'e.json');
    const e = loadExperiment(f, ['train.optimizer.lr=0.001', 'train.schedule.milestones=[5,8]', 'model.fusion=concat']);
    assert.equal(e.train.optimizer.lr, 0.001);
    assert.deepEqual(e.train.schedule.milestones, [5, 8]);
    assert.equal(e.model.fusion, 'concat');
    assert.deepEqual(e.overrides, ['train.optimizer.lr=0.001', 'train.schedule.milestones=[5,8]', 'model.fusion=concat']);
    assert.throws(() => loadExperiment(f, ['train.epochs=many']), /with --set train\.epochs=many\): key 'train\.epochs': expected a number/);
    assert.throws(() => loadExperiment(f, ['train.nosuch=1']), /key 'train\.nosuch': unknown key/);
    assert.throws(() => loadExperiment(f, ['train.epochs']), /--set expects key\.path=value/);
  });

  it("test-set selection is refused unless the mode is named 'official-selection'", () => {
    const d = dir({
      'e.json': { train: { selection: { split: 'test' } } },
      'ok.json': { train: { selection: { split: 'test', mode: 'official-selection' } } },
    });
    assert.throws(() => loadExperiment(path.join(d, 'e.json')), /key 'train\.selection\.split': 'test' selects the best epoch on the test set/);
    assert.equal(loadExperiment(path.join(d, 'ok.json')).train.selection.split, 'test');
    assert.throws(
      () => loadExperiment(path.join(d, 'e.json'), ['train.schedule.milestones=[30,20]', 'train.selection.split=val']),
      /milestones\[1\]': must be increasing/,
    );
  });
});

describe('experiments/tables: tables as data', () => {
  it('loads a table and validates every experiment it names', () => {
    const d = dir({
      'base.json': { model: { features: 16 } },
      'a.json': { extends: 'base.json', name: 'a' },
      'b.json': { extends: 'base.json', name: 'b', model: { fusion: 'none' } },
      'tables/t.json': { title: 'T', description: 'd', experiments: ['a.json', 'b.json'], metrics: ['psnr'] },
      'tables/missing.json': { title: 'T', description: 'd', experiments: ['a.json', 'nope.json'], metrics: ['psnr'] },
      'tables/dup.json': { title: 'T', description: 'd', experiments: ['a.json', 'a.json'], metrics: ['psnr'] },
      'tables/bad.json': { title: 'T', experiments: ['a.json'], metrics: ['psnr'], colour: 'red' },
    });
    const t = loadTable('t', d);
    assert.deepEqual(
      t.rows.map((r) => [r.name, r.model.fusion, r.model.features]),
      [
        ['a', 'additive', 16],
        ['b', 'none', 16],
      ],
    );
    assert.deepEqual(listTables(d), ['bad', 'dup', 'missing', 't']);
    assert.throws(() => loadTable('missing', d), /missing\.json: key 'experiments\[1\]': file not found: .*nope\.json/);
    assert.throws(() => loadTable('dup', d), /share the run name 'a'/);
    assert.throws(() => loadTable('bad', d), /bad\.json: key 'colour': unknown key/);
    assert.throws(() => loadTable('zzz', d), /zzz\.json: no such table \(known: bad, dup, missing, t\)/);
  });

  it("the repository's tables all load, with distinct run names", () => {
    const names = listTables();
    for (const want of ['main-x8', 'ablation-fusion', 'ablation-sharing', 'ablation-stages', 'ablation-loss-weights']) assert.ok(names.includes(want), want);
    for (const n of names) assert.ok(loadTable(n).rows.length >= 2, n);
    const fusion = loadTable('ablation-fusion').rows.map((r) => r.model.fusion);
    assert.deepEqual(fusion, ['additive', 'none', 'concat']);
  });
});
