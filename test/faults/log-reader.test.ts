/**
 * The one run-log reader (src/engine/log.ts) under damage: a torn last line is skipped (and repaired by the writer
 * on resume), a malformed line before the last is a one-line error naming the file and line; and the results
 * readers give a readable result or a one-line KnownError for any truncation. JASR_FAULTS_LONG=1 widens the
 * random sweeps.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EpochRecord, EventRecord, RunLog, RunLogFormatError, RunLogRecord, StepRecord, parseRunLog, readRunLog, readRunLogFile } from '../../src/engine/log';
import { discoverInputs } from '../../src/report/results';
import { KnownError } from '../../src/core/errors';
import { writeTable } from '../../src/report/tables';

const LONG = process.env.JASR_FAULTS_LONG === '1';

/** Deterministic PRNG (mulberry32) so a failing random case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cols = { lossTerms: ['total', 'pixel', 'heatmap'], metrics: ['psnr', 'nme'] };
const start: EventRecord = { kind: 'event', epoch: 0, step: 0, event: 'start', message: 'training t', time: '2026-01-01T00:00:00.000Z' };
const step = (s: number): StepRecord => ({
  kind: 'step',
  epoch: 1 + Math.floor((s - 1) / 2),
  step: s,
  lr: 1e-3 / s,
  loss: { total: 1 / s + 0.5, pixel: 0.1 / s, heatmap: 0.4 + 1 / (3 * s) },
  gradNorm: 2.5 * s,
  imagesPerSec: 3 + s / 7,
  elapsedSec: s * 0.3,
});
const epoch = (e: number): EpochRecord => ({
  kind: 'epoch',
  epoch: e,
  step: 2 * e,
  lr: 1e-3,
  loss: { total: 1 / e, pixel: 0.2, heatmap: 0.8 / e },
  val: { psnr: 20 + e / 3, nme: 0.1 / e },
  isBest: e === 1,
  elapsedSec: e,
});
const RECORDS: RunLogRecord[] = [start, step(1), step(2), epoch(1), step(3), step(4), epoch(2)];
const TEXT = RECORDS.map((r) => JSON.stringify(r) + '\n').join('');

function oneLine(e: unknown): string {
  assert.ok(e instanceof KnownError, `expected a KnownError, got ${(e as Error)?.stack ?? String(e)}`);
  assert.ok(!e.message.includes('\n'), `message spans lines: ${e.message}`);
  return e.message;
}

describe('faults: the run-log reader', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-log-faults-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads what RunLog writes, typed; a torn last line is skipped and reported with its line number', () => {
    const log = new RunLog(dir, cols);
    for (const r of RECORDS) log.append(r);
    assert.deepEqual(readRunLog(dir), RECORDS);
    fs.appendFileSync(path.join(dir, 'log.jsonl'), JSON.stringify(step(5)).slice(0, 40));
    const read = readRunLogFile(path.join(dir, 'log.jsonl'));
    assert.deepEqual(read.records, RECORDS);
    assert.equal(read.tornLine, RECORDS.length + 1);
  });

  it('a malformed line before the last is an error naming the file and line, even when the last line is torn', () => {
    const file = path.join(dir, 'log.jsonl');
    const lines = TEXT.split('\n');
    lines[2] = lines[2].slice(0, 30);
    fs.writeFileSync(file, lines.join('\n') + '{"kind":"st');
    assert.throws(
      () => readRunLog(dir),
      (e: Error) => e instanceof RunLogFormatError && oneLine(e).startsWith(`${file}: line 3: not valid JSON`),
    );
    // Valid JSON of the wrong shape is never "torn", not even on the last line.
    fs.writeFileSync(file, TEXT + '{"kind":"step","epoch":3,"step":"5"}\n');
    assert.throws(
      () => readRunLog(dir),
      (e: Error) => oneLine(e) === `${file}: line 8: key 'step': expected a finite number, found the string "5"`,
    );
    fs.writeFileSync(file, TEXT.replace('"event":"start"', '"event":"paused"'));
    assert.throws(
      () => readRunLog(dir),
      (e: Error) => oneLine(e) === `${file}: line 1: key 'event': expected one of start, resume, budget, done, non-finite, error, found the string "paused"`,
    );
    fs.writeFileSync(file, TEXT.replace('"kind":"epoch"', '"kind":"epoc"'));
    assert.throws(
      () => readRunLog(dir),
      (e: Error) => oneLine(e) === `${file}: line 4: key 'kind': expected 'step', 'epoch' or 'event', found the string "epoc"`,
    );
    fs.writeFileSync(file, TEXT.replace('"loss":{"total":1.5,', '"loss":{"total":"1.5",'));
    assert.throws(
      () => readRunLog(dir),
      (e: Error) => oneLine(e) === `${file}: line 2: key 'loss.total': expected a number (or null for a non-finite value), found the string "1.5"`,
    );
  });

  it('non-finite values written as null read back as NaN', () => {
    const log = new RunLog(dir, cols);
    log.append({ ...step(1), gradNorm: Infinity, loss: { total: NaN, pixel: 0.25, heatmap: NaN } });
    const [r] = readRunLog(dir) as StepRecord[];
    assert.ok(Number.isNaN(r.gradNorm) && Number.isNaN(r.loss.total) && Number.isNaN(r.loss.heatmap));
    assert.equal(r.loss.pixel, 0.25);
  });

  it('reopening repairs the tail: a torn line is cut, a complete line missing its newline is kept', () => {
    const file = path.join(dir, 'log.jsonl');
    new RunLog(dir, cols);
    fs.writeFileSync(file, TEXT + JSON.stringify(step(5)).slice(0, 25));
    new RunLog(dir, cols).append(step(5));
    assert.deepEqual(readRunLog(dir), [...RECORDS, step(5)]);
    fs.writeFileSync(file, TEXT.slice(0, -1));
    new RunLog(dir, cols).append(step(5));
    assert.deepEqual(readRunLog(dir), [...RECORDS, step(5)]);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['log.csv', 'log.jsonl'], 'no temporary left by the repair');
  });

  it('a log cut at ANY byte reads as exactly the records of its complete lines', () => {
    const parses = (t: string): boolean => {
      try {
        JSON.parse(t);
        return true;
      } catch {
        return false;
      }
    };
    let torn = 0;
    for (let cut = 0; cut <= TEXT.length; cut++) {
      const text = TEXT.slice(0, cut);
      const tail = text.slice(text.lastIndexOf('\n') + 1);
      // A cut just before a newline leaves a complete JSON object: it is a record, not torn.
      const tailIsRecord = tail !== '' && parses(tail);
      const read = parseRunLog('log.jsonl', text);
      assert.deepEqual(read.records, RECORDS.slice(0, text.split('\n').length - 1 + (tailIsRecord ? 1 : 0)), `cut at ${cut}`);
      assert.equal(read.tornLine, tail !== '' && !tailIsRecord ? text.split('\n').length : undefined, `cut at ${cut}`);
      if (read.tornLine !== undefined) torn++;
    }
    assert.equal(torn, TEXT.length + 1 - (RECORDS.length + 1) - RECORDS.length, 'every cut inside a line is torn');
  });

  it(`random damage inside the log: always the right records or a one-line error naming the line (${LONG ? 2000 : 200} cases)`, () => {
    const rand = prng(12);
    const lines = TEXT.trimEnd().split('\n');
    for (let c = 0; c < (LONG ? 2000 : 200); c++) {
      const at = Math.floor(rand() * lines.length);
      const damaged = [...lines];
      const pos = Math.floor(rand() * damaged[at].length);
      const kind = Math.floor(rand() * 3);
      damaged[at] =
        kind === 0
          ? damaged[at].slice(0, pos)
          : kind === 1
            ? damaged[at].slice(0, pos) + damaged[at].slice(pos + 1)
            : damaged[at].slice(0, pos) + '#' + damaged[at].slice(pos + 1);
      const text = damaged.join('\n') + '\n';
      let read;
      try {
        read = parseRunLog('log.jsonl', text);
      } catch (e) {
        assert.match(oneLine(e), new RegExp(`^log\\.jsonl: line ${at + 1}: `), `case ${c}`);
        continue;
      }
      // Readable: either the damage kept valid, well-typed JSON, or it tore the last line.
      // (A line cut to nothing is a blank line, which the reader skips.)
      const kept = RECORDS.filter((_, j) => j !== at || damaged[at].trim() !== '');
      if (read.tornLine !== undefined) {
        assert.equal(read.tornLine, lines.length, `case ${c}`);
        assert.deepEqual(read.records, RECORDS.slice(0, -1), `case ${c}`);
      } else {
        assert.equal(read.records.length, kept.length, `case ${c}`);
      }
    }
  });

  it(`results files cut at random: readable or one line naming the file (${LONG ? 400 : 40} cases)`, () => {
    const rows = [
      { experiment: 'x8', model: 'bicubic', protocol: 'p', metrics: { psnr: 21.5, nme: null } },
      { experiment: 'x8', model: 'jasrnet', protocol: 'p', metrics: { psnr: 23.25, nme: 0.0625 } },
    ];
    const table = path.join(dir, 'results', 't');
    writeTable(table, rows, { title: 'T' });
    fs.writeFileSync(path.join(table, 'ced.json'), JSON.stringify({ jasrnet: [0.05, 0.07, 0.125] }));
    fs.mkdirSync(path.join(table, 'samples'));
    fs.writeFileSync(
      path.join(table, 'samples', 's.json'),
      JSON.stringify({ hr: { width: 2, height: 1, data: Buffer.alloc(6, 9).toString('base64') }, landmarksTrue: [[0.5, 0.25]] }),
    );
    const run = path.join(dir, 'results', 'r');
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'log.jsonl'), TEXT);
    const files = [path.join(table, 'table.json'), path.join(table, 'ced.json'), path.join(table, 'samples', 's.json'), path.join(run, 'log.jsonl')];
    const originals = files.map((f) => fs.readFileSync(f, 'utf8'));
    const rand = prng(7);
    let errors = 0;
    for (let c = 0; c < (LONG ? 400 : 40); c++) {
      const i = c % files.length;
      const cut = originals[i].slice(0, Math.floor(rand() * originals[i].length));
      fs.writeFileSync(files[i], cut);
      try {
        const found = discoverInputs(path.join(dir, 'results'));
        assert.equal(found.length, 2);
        // Only a cut log reads (its torn tail is skipped), or a JSON file that lost only its final newline.
        assert.ok(i === 3 || cut.trim() === originals[i].trim(), `cut ${files[i]} to ${cut.length} chars and it read`);
      } catch (e) {
        errors++;
        assert.ok(oneLine(e).startsWith(files[i] + ': '), `case ${c}: ${(e as Error).message}`);
      }
      fs.writeFileSync(files[i], originals[i]);
    }
    assert.ok(errors > 0);
  });
});
