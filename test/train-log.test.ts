import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { RunLog, readRunLog, StepRecord, EpochRecord } from '../src/engine/log';
import { formatDuration, formatProgress, ProgressReporter, ProgressInfo } from '../src/engine/progress';
import { assertFiniteLoss, NonFiniteLossError } from '../src/engine/guard';

const cols = { lossTerms: ['total', 'pixel', 'heatmap'], metrics: ['psnr', 'nme'] };
const step = (s: number): StepRecord => ({
  kind: 'step',
  epoch: 1,
  step: s,
  lr: 5e-5,
  loss: { total: 1 / 3 + s, pixel: 0.1 * s, heatmap: 1 / 3 },
  gradNorm: 2.5,
  imagesPerSec: 3.25,
  elapsedSec: s,
});
const epoch: EpochRecord = {
  kind: 'epoch',
  epoch: 1,
  step: 2,
  lr: 5e-5,
  loss: { total: 1.5, pixel: 0.15, heatmap: 1 / 3 },
  val: { psnr: 21.5, nme: 0.0625 },
  isBest: true,
  elapsedSec: 2,
};

describe('train/log: run log as JSON lines and CSV', () => {
  it('writes records readable back exactly, with a stable CSV header', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-log-'));
    const log = new RunLog(dir, cols);
    log.append(step(1));
    log.append(step(2));
    log.append(epoch);
    assert.deepEqual(readRunLog(dir), [step(1), step(2), epoch]);
    const csv = fs.readFileSync(path.join(dir, 'log.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'kind,epoch,step,lr,gradNorm,imagesPerSec,elapsedSec,isBest,loss.total,loss.pixel,loss.heatmap,val.psnr,val.nme');
    assert.equal(csv[1], `step,1,1,0.00005,2.5,3.25,1,,${1 / 3 + 1},0.1,${1 / 3},,`);
    assert.equal(csv[3], `epoch,1,2,0.00005,,,2,1,1.5,0.15,${1 / 3},21.5,0.0625`);
    assert.throws(
      () => new RunLog(dir, { lossTerms: ['total'], metrics: [] }),
      /log\.csv: line 1: expected the columns 'kind,.*' this run writes, found 'kind,/,
    );
  });

  it('truncateAfter drops later records; a torn last line is skipped and repaired', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-log-'));
    const log = new RunLog(dir, cols);
    for (let s = 1; s <= 4; s++) log.append(step(s));
    fs.appendFileSync(path.join(dir, 'log.jsonl'), '{"kind":"step","epo');
    assert.equal(readRunLog(dir).length, 4);
    const reopened = new RunLog(dir, cols);
    reopened.truncateAfter(2);
    reopened.append(step(3));
    assert.deepEqual(
      readRunLog(dir).map((r) => r.step),
      [1, 2, 3],
    );
    assert.equal(fs.readFileSync(path.join(dir, 'log.csv'), 'utf8').trim().split('\n').length, 4);
  });
});

const info: ProgressInfo = {
  epoch: 3,
  epochs: 40,
  stepInEpoch: 150,
  stepsPerEpoch: 600,
  step: 1350,
  totalSteps: 24000,
  imagesPerSec: 2.3125,
  etaSec: 3725,
  lr: 5e-5,
  loss: { heatmap: 58.02, pixel: 0.0866, total: 58.1066 },
};

describe('train/progress: formatting and modes', () => {
  it('formats bar, speed, ETA, lr and loss terms with total first', () => {
    assert.equal(formatProgress(info, 8), 'epoch 3/40 [##------] 150/600 | 2.31 img/s | ETA 1h02m | lr 5.00e-5 | total 58.11 heatmap 58.02 pixel 0.08660');
    assert.equal(formatDuration(75), '1m15s');
    assert.equal(formatDuration(9.4), '9s');
    assert.equal(formatDuration(null), '--');
  });

  function capture(mode: 'tty' | 'plain' | 'quiet' | 'json', times: number[]): string {
    const stream = new PassThrough();
    let i = 0;
    const r = new ProgressReporter({ mode, stream, plainEverySec: 10, now: () => times[i++] });
    for (let k = 0; k < times.length; k++) r.update({ ...info, stepInEpoch: k + 1 });
    r.message('epoch 3 done');
    return String(stream.read() ?? '');
  }

  it('tty rewrites one line; plain throttles to one line per period; quiet writes nothing; json writes objects', () => {
    const tty = capture('tty', [0, 1, 2]);
    assert.equal(tty.split('\r').length - 1, 3);
    assert.ok(tty.endsWith('\nepoch 3 done\n'));
    const plain = capture('plain', [0, 5000, 11000, 12000]);
    assert.equal(plain.trim().split('\n').length, 3); // t=0 and t=11 s, then the message
    assert.equal(capture('quiet', [0, 1]), '');
    const json = capture('json', [0, 1])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; stepInEpoch?: number });
    assert.deepEqual(
      json.map((j) => j.type),
      ['progress', 'progress', 'message'],
    );
    assert.equal(json[1].stepInEpoch, 2);
  });
});

describe('train/guard: non-finite loss', () => {
  it('names the step, the bad terms and every value', () => {
    assert.doesNotThrow(() => assertFiniteLoss(5, 1, { total: 1, pixel: 0.5 }));
    assert.throws(
      () => assertFiniteLoss(12, 2, { total: NaN, pixel: 0.25, heatmap: Infinity }),
      (e: Error) =>
        e instanceof NonFiniteLossError &&
        e.step === 12 &&
        e.message === 'non-finite loss at step 12 (epoch 2): total, heatmap not finite (total=NaN, pixel=0.25, heatmap=Infinity); the update was not applied',
    );
  });
});
