/**
 * A recipe file over other experiments (notebook 04 runs the paper-sized ablations at the CPU recipe): read by
 * the experiment loader (extends followed, validated), applied as the `--set` overrides every run records.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadExperiment } from '../src/config/load';
import { recipeSets } from '../src/config/recipe';
import { EXPERIMENTS_DIR } from '../src/config/tables';
import { cpuRecipeSets } from '../src/notebook/mode';

describe('config/recipe: an experiment file as overrides for others', () => {
  it("the CPU recipe is base-cpu.json's model and train keys, loss weights left to the experiments", () => {
    const base = path.join(EXPERIMENTS_DIR, 'cpu', 'base-cpu.json');
    assert.deepEqual(cpuRecipeSets(base), [
      'model.features=16',
      'model.trunkBlocks=2',
      'model.scale=8',
      'model.init="official"',
      'model.meanShift="inverse"',
      'model.srResidual="input"',
      'train.epochs=400',
      'train.batchSize=4',
      'train.optimizer.lr=0.001',
      'train.optimizer.weightDecay=0',
      'train.schedule.milestones=[]',
      'train.schedule.gamma=0.5',
      'train.logEvery=5',
      'train.maxSteps=2000',
    ]);
  });

  it('an ablation under the CPU recipe: the recipe sizes the network and budget, the ablation keeps its own change', () => {
    const base = loadExperiment(path.join(EXPERIMENTS_DIR, 'cpu', 'base-cpu.json'));
    const loss = loadExperiment(
      path.join(EXPERIMENTS_DIR, 'ablations', 'loss-heatmap-0.01.json'),
      cpuRecipeSets(path.join(EXPERIMENTS_DIR, 'cpu', 'base-cpu.json')),
    );
    assert.deepEqual(loss.model, { ...base.model, architecture: 'jasrnet' });
    assert.deepEqual(loss.train.lossWeights, { pixel: 1, heatmap: 0.01 });
    assert.deepEqual({ ...loss.train, lossWeights: base.train.lossWeights }, base.train);
    const fusion = loadExperiment(
      path.join(EXPERIMENTS_DIR, 'ablations', 'fusion-none.json'),
      cpuRecipeSets(path.join(EXPERIMENTS_DIR, 'cpu', 'base-cpu.json')),
    );
    assert.deepEqual([fusion.model.fusion, fusion.model.features, fusion.train.maxSteps, fusion.train.lossWeights.heatmap], ['none', 16, 2000, 1]);
  });

  it("follows the recipe's extends chain (nearest file wins) and refuses a broken recipe naming its file and key", () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-recipe-'));
    fs.writeFileSync(
      path.join(d, 'parent.json'),
      JSON.stringify({ model: { features: 8, stages: 2 }, data: { limit: 4 }, train: { optimizer: { lr: 0.01 } } }),
    );
    fs.writeFileSync(
      path.join(d, 'recipe.json'),
      JSON.stringify({ $schema: 'x.json', extends: 'parent.json', name: 'r', model: { features: 12 }, train: { selection: { metric: 'nme' } } }),
    );
    assert.deepEqual(recipeSets(path.join(d, 'recipe.json')), [
      'model.features=12',
      'model.stages=2',
      'train.optimizer.lr=0.01',
      'train.selection.metric="nme"',
    ]);
    assert.deepEqual(recipeSets(path.join(d, 'recipe.json'), { sections: ['data', 'model'], skip: ['model.stages'] }), ['data.limit=4', 'model.features=12']);
    fs.writeFileSync(path.join(d, 'broken.json'), JSON.stringify({ extends: 'parent.json', train: { optimizer: { lr: 'fast' } } }));
    assert.throws(() => recipeSets(path.join(d, 'broken.json')), /broken\.json: key 'train\.optimizer\.lr': expected a number, found the string "fast"/);
    assert.throws(() => cpuRecipeSets(path.join(d, 'nope.json')), /nope\.json: file not found: the CPU recipe file/);
  });
});
