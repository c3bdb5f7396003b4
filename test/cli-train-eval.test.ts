import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { command as trainCommand } from '../src/cli/train';
import { command as evalCommand } from '../src/cli/eval';
import { UsageError } from '../src/cli/args';
import { readRunLog } from '../src/engine/log';
import { loadRunModel, openExperimentData, runDataConfig } from '../src/pipeline/run-experiment';
import { loadExperiment } from '../src/config/load';
import { BatchLoader } from '../src/data/loader';
import { disposeBatch } from '../src/data/types';
import { evaluateImagesExact } from '../src/metrics/evaluate-images';
import { writeTinyExperiment } from './helpers/cli-tiny';

async function capture(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => printed.push(parts.join(' '));
  try {
    const code = await run();
    return { code, out: printed.join('\n') };
  } finally {
    console.log = original;
  }
}

describe('jasr train and jasr eval on synthetic faces', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-cli-train-'));
  const config = writeTinyExperiment(dir);
  const runDir = path.join(dir, 'run');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains two steps into the run directory, refuses to overwrite it, and resumes to a third', async () => {
    const first = await capture(() => trainCommand.run(['--config', config, '--run-dir', runDir, '--progress', 'quiet']));
    assert.equal(first.code, 0);
    const steps = readRunLog(runDir)
      .filter((r) => r.kind === 'step')
      .map((r) => r.step);
    assert.deepEqual(steps, [1, 2]);
    await assert.rejects(trainCommand.run(['--config', config, '--run-dir', runDir, '--progress', 'quiet']), /already holds a run/);
    await capture(() =>
      trainCommand.run(['--config', config, '--run-dir', runDir, '--progress', 'quiet', '--resume', '--set', 'train.maxSteps=3', '--set', 'train.epochs=2']),
    );
    const after = readRunLog(runDir)
      .filter((r) => r.kind === 'step')
      .map((r) => r.step);
    assert.deepEqual(after, [1, 2, 3]);
  });

  it('train.* is the source of truth for batch size and seed, and data.scale must equal model.scale', async () => {
    const exp = loadExperiment(config, ['data.batchSize=7', 'data.seed=99', 'train.batchSize=3', 'train.seed=5']);
    const dc = runDataConfig(exp);
    assert.equal(dc.batchSize, 3);
    assert.equal(dc.seed, 5);
    await assert.rejects(
      trainCommand.run(['--config', config, '--run-dir', path.join(dir, 'bad'), '--progress', 'quiet', '--set', 'data.scale=4']),
      (e: Error) => /data\.scale/.test(e.message) && /model\.scale/.test(e.message) && e.message.includes(config),
    );
    await assert.rejects(trainCommand.run(['--config', config, '--progress', 'sometimes']), UsageError);
  });

  it('eval --json reports the metric table and protocol, and its PSNR matches the float64 path on the same outputs', async () => {
    const { code, out } = await capture(() => evalCommand.run(['--checkpoint', runDir, '--json']));
    assert.equal(code, 0);
    const r = JSON.parse(out) as Record<string, unknown> & { perImage: { nme: number; psnr: number }[]; protocol: { name: string } };
    assert.equal(r.split, 'test');
    assert.equal(r.perImage.length, 3);
    for (const k of ['nme', 'auc@0.07', 'auc@0.08', 'fr@0.08', 'psnr', 'ssim']) assert.equal(typeof r[k], 'number', k);
    const nmes = r.perImage.map((p) => p.nme);
    assert.ok(Math.abs((r.nme as number) - nmes.reduce((a, b) => a + b, 0) / 3) < 1e-12);
    assert.equal(r['fr@0.08'], nmes.filter((v) => v > 0.08).length / 3);
    assert.match(r.protocol.name, /image standard .*NME inter-ocular/);

    // Independent second opinion: the checkpoint's SR outputs measured by the float64 metric path.
    const run = loadRunModel(runDir);
    const data = await openExperimentData(run.experiment);
    const batch = new BatchLoader(data.test, { scale: 8, batchSize: 3, seed: 0, shuffle: false }).batchAt(0, 0);
    const out2 = run.model.apply(batch.input);
    const sr = tf.tidy(() => tf.clipByValue(out2.sr as tf.Tensor4D, 0, 1));
    const srData = sr.dataSync();
    const hrData = batch.hr.dataSync();
    const n = 128 * 128 * 3;
    const images = (d: ArrayLike<number>) => [0, 1, 2].map((i) => ({ data: Array.from(d).slice(i * n, (i + 1) * n), width: 128, height: 128 }));
    const exact = evaluateImagesExact(images(srData), images(hrData), { protocol: 'standard', scale: 8 });
    exact.perImage.psnr.forEach((p, i) => assert.ok(Math.abs(p - r.perImage[i].psnr) < 1e-3, `image ${i}: ${p} vs ${r.perImage[i].psnr}`));
    tf.dispose([sr, out2.sr as tf.Tensor, ...out2.heatmaps]);
    disposeBatch(batch);
    run.model.dispose();

    const val = await capture(() => evalCommand.run(['--checkpoint', runDir, '--json', '--split', 'val', '--protocol', 'jasr']));
    const v = JSON.parse(val.out) as { perImage: unknown[]; protocol: { image: { name: string } } };
    assert.equal(v.perImage.length, 2);
    assert.equal(v.protocol.image.name, 'jasr');
    await assert.rejects(evalCommand.run(['--checkpoint', runDir, '--split', 'train']), UsageError);
    await assert.rejects(evalCommand.run(['--checkpoint', dir]), /expected a run directory/);
  });
});
