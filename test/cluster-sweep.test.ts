/**
 * `jasr sweep` with the local-parallel executor: a 2-point grid becomes a generated table, two `jasr run-job`
 * processes train it at once, and the table equals the one the in-process local executor gives on the same
 * grid; a finished sweep run again retrains nothing.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeTinyExperiment } from './helpers/cli-tiny';
import { command as sweepCommand } from '../src/cli/sweep';
import { expandGrid, parseGridAxis, pointName } from '../src/pipeline/sweep';
import { NATIVE_THREADS_ENV_VAR, nativeThreadsFor } from '../src/backend/native-addon';

async function quietly(work: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...p: unknown[]) => void lines.push(p.join(' '));
  try {
    return { code: await work(), out: lines.join('\n') };
  } finally {
    console.log = original;
  }
}

describe('jasr sweep', function () {
  this.timeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-sweep-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('expands a grid, first axis slowest, with file-name-safe point names', () => {
    const points = expandGrid([parseGridAxis('train.optimizer.lr=1e-3,3e-4'), parseGridAxis('model.features=16,32')]);
    assert.deepEqual(points, [
      ['train.optimizer.lr=1e-3', 'model.features=16'],
      ['train.optimizer.lr=1e-3', 'model.features=32'],
      ['train.optimizer.lr=3e-4', 'model.features=16'],
      ['train.optimizer.lr=3e-4', 'model.features=32'],
    ]);
    assert.equal(pointName('jasrnet', points[1]), 'jasrnet.lr1e-3.features32');
    assert.throws(() => parseGridAxis('train.optimizer.lr'), /--grid: expected key\.path=value1,value2,…, found 'train\.optimizer\.lr'/);
    assert.throws(() => expandGrid([parseGridAxis('a.b=1'), parseGridAxis('a.b=2')]), /a key appears twice/);
  });

  it('runs the grid with local-parallel processes and tabulates it as the local executor does', async () => {
    const config = writeTinyExperiment(dir, 'tiny');
    const grid = [
      '--config',
      config,
      '--grid',
      'train.optimizer.lr=0.001,0.003',
      '--steps',
      '2',
      '--metrics',
      'psnr,nme',
      '--no-static',
      '--progress',
      'quiet',
    ];
    // oneDNN's sums depend on its thread count (last bits of NME differ between 1 and 2 threads), so the
    // children get this process's count: same threads, same numbers.
    const previous = process.env[NATIVE_THREADS_ENV_VAR];
    process.env[NATIVE_THREADS_ENV_VAR] = String(nativeThreadsFor(1));
    const parallel = await quietly(() =>
      sweepCommand.run([
        ...grid,
        '--name',
        'par',
        '--executor',
        'local-parallel',
        '--processes',
        '2',
        '--runs-dir',
        path.join(dir, 'runs-par'),
        '--results-dir',
        path.join(dir, 'results'),
      ]),
    ).finally(() => {
      if (previous === undefined) delete process.env[NATIVE_THREADS_ENV_VAR];
      else process.env[NATIVE_THREADS_ENV_VAR] = previous;
    });
    assert.equal(parallel.code, 0);
    assert.match(parallel.out, /tiny\.lr0\.001\S*\s+trained/);
    assert.match(parallel.out, /tiny\.lr0\.003\S*\s+trained/);
    const local = await quietly(() =>
      sweepCommand.run([...grid, '--name', 'loc', '--executor', 'local', '--runs-dir', path.join(dir, 'runs-loc'), '--results-dir', path.join(dir, 'results')]),
    );
    assert.equal(local.code, 0);
    const table = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, 'results', name, 'table.json'), 'utf8')).rows;
    assert.deepEqual(table('par'), table('loc'));
    const point = JSON.parse(fs.readFileSync(path.join(dir, 'results', 'par', 'experiments', 'tiny.lr0.003.json'), 'utf8'));
    assert.deepEqual(point, { extends: config, name: 'tiny.lr0.003', description: 'par: train.optimizer.lr=0.003', train: { optimizer: { lr: 0.003 } } });

    const again = await quietly(() =>
      sweepCommand.run([
        ...grid,
        '--name',
        'par',
        '--executor',
        'local-parallel',
        '--runs-dir',
        path.join(dir, 'runs-par'),
        '--results-dir',
        path.join(dir, 'results'),
      ]),
    );
    assert.match(again.out, /tiny\.lr0\.001\S*\s+reused/);
    assert.match(again.out, /tiny\.lr0\.003\S*\s+reused/);
  });
});
