import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { command as inferCommand } from '../src/cli/infer';
import { command as reproduceCommand } from '../src/cli/reproduce';
import { floatToRgb, readImage, writeImage } from '../src/data/image-io';
import { syntheticFaces } from '../src/data/embedded/synthetic';
import { MATLAB_BICUBIC, resampleHwc } from '../src/data/resize';
import { BatchLoader } from '../src/data/loader';
import { disposeBatch } from '../src/data/types';
import { openDataset } from '../src/data/open';
import { loadExperiment } from '../src/config/load';
import { runDataConfig, trainExperiment } from '../src/pipeline/run-experiment';
import { evaluateImagesExact } from '../src/metrics/evaluate-images';
import { nmePerImage } from '../src/metrics/nme';
import { readCedJson, readFeaturesJson, readSampleJson, readTableJson } from '../src/report/results';
import { writeTinyExperiment } from './helpers/cli-tiny';

async function quietly(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => printed.push(parts.join(' '));
  try {
    return { code: await run(), out: printed.join('\n') };
  } finally {
    console.log = original;
  }
}

describe('jasr infer on a tiny non-square face with no HR original', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-cli-infer-'));
  const runDir = path.join(dir, 'run');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the SR PNG, landmarks in HR and original pixels, and an overlay with the landmarks drawn', async () => {
    const exp = loadExperiment(writeTinyExperiment(dir));
    const trained = await trainExperiment(exp, { runDir, progress: 'quiet' });
    trained.model.dispose();
    const face = syntheticFaces(1, 7, 128)[0];
    const [width, height] = [13, 9];
    const image = floatToRgb(resampleHwc(face.hr, 128, 128, 3, width, height, MATLAB_BICUBIC), width, height);
    const imageFile = path.join(dir, 'tiny.png');
    await writeImage(imageFile, image);
    const outDir = path.join(dir, 'out');
    const { code } = await quietly(() => inferCommand.run(['--checkpoint', runDir, '--image', imageFile, '--out', outDir]));
    assert.equal(code, 0);
    const sr = await readImage(path.join(outDir, 'tiny-sr.png'));
    assert.deepEqual([sr.width, sr.height], [128, 128]);
    const lr = await readImage(path.join(outDir, 'tiny-lr.png'));
    assert.deepEqual([lr.width, lr.height], [16, 16]);
    const json = JSON.parse(fs.readFileSync(path.join(outDir, 'tiny-landmarks.json'), 'utf8')) as { landmarksHr: number[][]; landmarksOriginal: number[][] };
    assert.equal(json.landmarksHr.length, 68);
    json.landmarksHr.forEach(([x, y], i) => {
      assert.ok(Math.abs(json.landmarksOriginal[i][0] - ((x + 0.5) * width) / 128 + 0.5) < 1e-9);
      assert.ok(Math.abs(json.landmarksOriginal[i][1] - ((y + 0.5) * height) / 128 + 0.5) < 1e-9);
    });
    const overlay = await readImage(path.join(outDir, 'tiny-overlay.png'));
    const [x, y] = json.landmarksHr
      .map(([px, py]) => [Math.round(px), Math.round(py)])
      .find(([px, py]) => px >= 0 && py >= 0 && px < 128 && py < 128) as number[];
    const k = (y * 128 + x) * 3;
    assert.deepEqual([overlay.data[k], overlay.data[k + 1], overlay.data[k + 2]], [0, 255, 0]);
    await assert.rejects(inferCommand.run(['--checkpoint', runDir, '--image', path.join(dir, 'missing.png')]), /missing\.png: file not found/);
  });
});

describe('jasr reproduce on a synthetic table', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-cli-reproduce-'));
  const experimentsDir = path.join(dir, 'experiments');
  const common = [
    '--experiments-dir',
    experimentsDir,
    '--runs-dir',
    path.join(dir, 'runs'),
    '--results-dir',
    path.join(dir, 'results'),
    '--no-static',
    '--progress',
    'quiet',
  ];
  const resultDir = path.join(dir, 'results', 'tiny');
  before(() => {
    fs.mkdirSync(path.join(experimentsDir, 'tables'), { recursive: true });
    writeTinyExperiment(experimentsDir, 'tiny-bicubic', 'bicubic');
    writeTinyExperiment(experimentsDir, 'tiny-jasrnet', 'jasrnet');
    const table = {
      title: 'tiny',
      description: 'smoke',
      experiments: ['tiny-bicubic.json', 'tiny-jasrnet.json'],
      metrics: ['psnr', 'ssim', 'nme', 'auc@0.08', 'fr@0.08'],
    };
    fs.writeFileSync(path.join(experimentsDir, 'tables', 'tiny.json'), JSON.stringify(table));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains, evaluates on the test split and writes the results format the report reads', async () => {
    const { code, out } = await quietly(() => reproduceCommand.run(['tiny', ...common]));
    assert.equal(code, 0);
    assert.match(out, /tiny-jasrnet\s+trained/);
    const table = readTableJson(path.join(resultDir, 'table.json'));
    assert.deepEqual(
      table.rows.map((r) => r.experiment),
      ['tiny-bicubic', 'tiny-jasrnet', 'mean-shape'],
    );
    assert.equal(table.rows[0].metrics.nme, null);
    assert.equal(table.rows[1].metrics.steps, 2);

    // Independent references on the same test faces: bicubic PSNR by the float64 path, mean-shape NME by hand.
    const exp = loadExperiment(path.join(experimentsDir, 'tiny-bicubic.json'));
    const data = await openDataset(runDataConfig(exp));
    const batch = new BatchLoader(data.test, { scale: 8, batchSize: 3, seed: 0, shuffle: false }).batchAt(0, 0);
    const n = 128 * 128 * 3;
    const split = (d: Float32Array) => [0, 1, 2].map((i) => ({ data: d.slice(i * n, (i + 1) * n), width: 128, height: 128 }));
    const bicubic = evaluateImagesExact(split(batch.input.dataSync() as Float32Array), split(batch.hr.dataSync() as Float32Array), {
      protocol: 'standard',
      scale: 8,
    });
    disposeBatch(batch);
    assert.ok(Math.abs((table.rows[0].metrics.psnr as number) - bicubic.psnr) < 1e-3);
    const mean = new Array(136).fill(0);
    for (const s of data.train) s.landmarks.forEach((v, i) => (mean[i] += v / data.train.length));
    const expected = nmePerImage(
      data.test.map(() => mean),
      data.test.map((s) => s.landmarks),
    ).nme;
    const ced = readCedJson(path.join(resultDir, 'ced.json'));
    assert.deepEqual(Object.keys(ced), ['tiny-jasrnet', 'mean-shape']);
    ced['mean-shape'].forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-4, `${v} vs ${expected[i]}`));

    const samples = fs.readdirSync(path.join(resultDir, 'samples'));
    assert.equal(samples.length, 6); // two faces × (bicubic, jasrnet, mean-shape)
    const grid = readSampleJson(path.join(resultDir, 'samples', 'tiny-jasrnet-0.json'));
    assert.deepEqual(
      grid.panels.map((p) => p.title),
      ['LR', 'bicubic', 'SR', 'HR'],
    );
    assert.equal(grid.landmarksPred?.length, 68);
    const taps = readFeaturesJson(path.join(resultDir, 'features', 'tiny-jasrnet.json'));
    assert.deepEqual(taps.fused.shape, [1, 16, 16, 4]);
    assert.ok(fs.existsSync(path.join(resultDir, 'report', 'index.html')));
  });

  it('reuses finished runs on a re-run, refuses a changed recipe, and --fresh retrains', async () => {
    const before = fs.readFileSync(path.join(resultDir, 'table.csv'), 'utf8');
    const again = await quietly(() => reproduceCommand.run(['tiny', ...common]));
    assert.match(again.out, /tiny-jasrnet\s+reused/);
    assert.equal(fs.readFileSync(path.join(resultDir, 'table.csv'), 'utf8'), before);
    await assert.rejects(reproduceCommand.run(['tiny', ...common, '--set', 'train.optimizer.lr=0.01']), /--fresh/);
    assert.equal(fs.readdirSync(path.join(resultDir, 'samples')).length, 6, 'a refused re-run must leave the results as they were');
    const fresh = await quietly(() => reproduceCommand.run(['tiny', ...common, '--fresh']));
    assert.match(fresh.out, /tiny-jasrnet\s+trained/);
  });
});

describe('bin/jasr.js --help', () => {
  it('lists every command with its summary (each command module loads)', () => {
    const r = spawnSync(process.execPath, ['bin/jasr.js', '--help'], { encoding: 'utf8', cwd: path.resolve(__dirname, '..') });
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['train', 'eval', 'infer', 'reproduce', 'main']) assert.match(r.stdout, new RegExp(`^  ${name} +\\S`, 'm'));
    assert.doesNotMatch(r.stdout, /unavailable/);
  });
});
