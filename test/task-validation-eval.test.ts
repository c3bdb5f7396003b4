/**
 * Issue 13's "one evaluator": the validation numbers a training logs for an epoch equal what `jasr eval --split
 * val` prints for that epoch's checkpoint, exactly, even though validation batches the split by train.batchSize
 * (3 here) and `jasr eval` by 4.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { command as trainCommand } from '../src/cli/train';
import { command as evalCommand } from '../src/cli/eval';
import { EpochRecord, readRunLog } from '../src/engine/log';
import { CheckpointStore } from '../src/engine/checkpoint';
import { tinyExperiment } from './helpers/cli-tiny';

async function quietly(run: () => Promise<number>): Promise<string> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => printed.push(parts.join(' '));
  try {
    assert.equal(await run(), 0);
    return printed.join('\n');
  } finally {
    console.log = original;
  }
}

describe('task/evaluate: validation during training and jasr eval are one evaluator', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-val-eval-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an epoch's logged val PSNR/SSIM/NME equal jasr eval --split val on that epoch's checkpoint, bit for bit", async () => {
    const exp = tinyExperiment('val-eval');
    Object.assign(exp.data as object, { syntheticCounts: [6, 5, 2] });
    Object.assign(exp.train as object, { batchSize: 3, maxSteps: 2, selection: { metric: 'nme' } });
    const config = path.join(dir, 'val-eval.json');
    fs.writeFileSync(config, JSON.stringify(exp));
    const runDir = path.join(dir, 'run');
    await quietly(() => trainCommand.run(['--config', config, '--run-dir', runDir, '--progress', 'quiet']));
    const epochs = readRunLog(runDir).filter((r): r is EpochRecord => r.kind === 'epoch');
    assert.equal(epochs.length, 1);
    const val = epochs[0].val;
    assert.deepEqual(Object.keys(val), ['loss', 'pixel', 'heatmap', 'psnr', 'ssim', 'nme']);
    const best = new CheckpointStore(runDir).path('best');
    const out = JSON.parse(await quietly(() => evalCommand.run(['--checkpoint', best, '--split', 'val', '--json']))) as Record<string, number> & {
      summary: { count: number };
    };
    assert.equal(out.summary.count, 5);
    assert.ok(val.psnr > 5 && val.psnr < 60 && val.nme > 0, JSON.stringify(val));
    assert.equal(out.psnr, val.psnr);
    assert.equal(out.ssim, val.ssim);
    assert.equal(out.nme, val.nme);
    // Issue 21: the crop policy and label provenance travel with every result.
    const protocol = (out as unknown as { protocol: { name: string; data: { name: string; crop: { source: string }; labels: string } } }).protocol;
    assert.equal(protocol.data.crop.source, 'landmarks');
    assert.match(protocol.name, /data .*: crop landmarks \(.*\), labels: /);
  });
});
