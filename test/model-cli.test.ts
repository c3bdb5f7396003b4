import { strict as assert } from 'assert';
import { command } from '../src/cli/model';
import { runCommandJson } from './helpers/run-command';

const runJson = (argv: string[]): Promise<Record<string, unknown>> => runCommandJson(command, argv);

describe('jasr model summary', () => {
  it('paper and released experiment files give the official trainable counts, with per-module rows', async () => {
    const paper = await runJson(['summary', '--config', 'experiments/jasrnet-paper.json', '--json']);
    assert.equal(paper.trainableParams, 59_817_170);
    assert.equal(paper.officialTotalParams, 59_817_206);
    const modules = paper.modules as { module: string; params: number }[];
    assert.equal(
      modules.reduce((s, r) => s + r.params, 0),
      59_817_170,
    );
    assert.deepEqual(
      modules.find((r) => r.module === 'trunk'),
      { module: 'trunk', params: 16 * 2 * (9 * 256 * 256 + 256), macs: 16 * 2 * 16 * 16 * 9 * 256 * 256 },
    );
    const released = await runJson(['summary', '--config', 'experiments/jasrnet-released.json', '--json']);
    assert.equal(released.trainableParams, 19_885_778);
  });

  it('--set overrides reach the model and --build agrees with the analytic count', async () => {
    const out = await runJson([
      'summary',
      '--config',
      'experiments/jasrnet-released.json',
      '--set',
      'model.features=8',
      '--set',
      'model.trunkBlocks=1',
      '--json',
      '--build',
    ]);
    assert.equal((out.model as { features: number }).features, 8);
    assert.equal(out.builtTrainableParams, out.trainableParams);
  });
});
