import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { discoverInputs, readFeaturesJson, readRunDir, readSampleJson, readTableJson } from '../src/report/results';

describe('report/results: readers of results/ and runs/', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-results-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, content: string) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  };

  it('table.json: errors name the file, the row and key, and what was found', () => {
    const ok = { experiment: 'e', model: 'm', protocol: 'p', psnr: 27.5 };
    let f = write('a/table.json', JSON.stringify({ rows: [ok, { ...ok, psnr: '27.5' }] }));
    assert.throws(
      () => readTableJson(f),
      (e: Error) => e.message === `${f}: rows[1].psnr (a metric): expected a finite number, found the string "27.5"`,
    );
    f = write('b/table.json', JSON.stringify({ rows: [{ experiment: 'e', model: 'm', psnr: 1 }] }));
    assert.throws(
      () => readTableJson(f),
      (e: Error) => e.message === `${f}: rows[0].protocol: expected a string, found nothing (key missing)`,
    );
    f = write('c/table.json', '{"rows": [');
    assert.throws(
      () => readTableJson(f),
      (e: Error) => e.message.startsWith(`${f}: not valid JSON`),
    );
    f = write('d/table.json', JSON.stringify([ok]));
    assert.throws(
      () => readTableJson(f),
      (e: Error) => e.message === `${f}: top level: expected an object, found an array of 1`,
    );
  });

  it('a table dir without the optional parts reads; a folder of tables and runs is discovered in name order', () => {
    write('results/t2/table.json', JSON.stringify({ rows: [{ experiment: 'e', model: 'm', protocol: 'p', nme: null }] }));
    write('results/t1/table.json', JSON.stringify({ rows: [] }));
    write('results/r1/log.jsonl', '{"kind":"epoch","epoch":1,"step":4,"lr":0.001,"loss":{"total":2},"val":{"psnr":20},"isBest":true,"elapsedSec":3}\n');
    write('results/notes/readme.txt', 'not an input');
    const found = discoverInputs(path.join(dir, 'results'));
    assert.deepEqual(
      found.map((x) => `${x.kind}:${x.name}`),
      ['run:r1', 'table:t1', 'table:t2'],
    );
    const t2 = found[2];
    assert.ok(t2.kind === 'table' && t2.ced === undefined && t2.samples.length === 0 && t2.features.length === 0);
    assert.throws(() => discoverInputs(path.join(dir, 'results', 'notes')), /expected table\.json \(a results table\), log\.jsonl \(a run\) or subfolders/);
  });

  it('samples: image byte counts and landmark shapes are checked, naming the key', () => {
    const img = (w: number, h: number, bytes: number) => ({ width: w, height: h, data: Buffer.alloc(bytes, 7).toString('base64') });
    let f = write('s/a.json', JSON.stringify({ lr: img(2, 2, 12), hr: img(4, 4, 47) }));
    assert.throws(
      () => readSampleJson(f),
      (e: Error) => e.message === `${f}: key 'hr'.data: 4×4 RGB needs 48 bytes, base64 decodes to 47`,
    );
    f = write('s/b.json', JSON.stringify({ hr: img(4, 4, 48), landmarksTrue: [[1, 2], [3]] }));
    assert.throws(
      () => readSampleJson(f),
      (e: Error) => e.message === `${f}: key 'landmarksTrue'[1]: expected [x, y], found an array of 1`,
    );
    f = write('s/c.json', JSON.stringify({ lr: img(2, 2, 12), sr: img(4, 4, 48), hr: img(4, 4, 48), landmarksPred: [[1.5, 2]] }));
    const s = readSampleJson(f);
    assert.deepEqual(
      s.panels.map((p) => p.title),
      ['LR', 'SR', 'HR'],
    );
    assert.equal(s.label, 'c');
    assert.deepEqual(s.hrSize, { width: 4, height: 4 });
    assert.equal(s.panels[0].image.data[5], 7);
    f = write('s/d.json', '{}');
    assert.throws(() => readSampleJson(f), /expected at least one of the images 'lr', 'input', 'sr', 'hr'; found none/);
  });

  it('features: base64 float32 and plain arrays decode to the same values; a shape mismatch names the tap', () => {
    const values = [0.5, -1.25, 3, 1e-3, 2, 7];
    const b64 = Buffer.from(new Float32Array(values).buffer).toString('base64');
    const f = write('f/a.json', JSON.stringify({ enc: { shape: [1, 1, 2, 3], data: b64 }, plain: { shape: [2, 3], data: values } }));
    const taps = readFeaturesJson(f);
    assert.deepEqual(Array.from(taps.enc.data), Array.from(new Float32Array(values)));
    assert.deepEqual(Array.from(taps.plain.data), values);
    const g = write('f/b.json', JSON.stringify({ x: { shape: [2, 2], data: [1, 2, 3] } }));
    assert.throws(
      () => readFeaturesJson(g),
      (e: Error) => e.message === `${g}: tap 'x': shape [2,2] needs 4 values, found 3`,
    );
  });

  it('a run dir is read by the trainer log reader: typed records, torn last line skipped, bad lines named by number', () => {
    const step = '{"kind":"step","epoch":1,"step":1,"lr":0.001,"loss":{"total":0.5,"pixel":null},"gradNorm":2,"imagesPerSec":3,"elapsedSec":0.25}';
    const event = '{"kind":"event","epoch":0,"step":0,"event":"start","message":"training x","time":"t"}';
    write('run/log.jsonl', [event, '', step, '{"kind":"epoch","epo'].join('\n'));
    const run = readRunDir(path.join(dir, 'run'));
    assert.equal(run.tornLine, 4);
    assert.deepEqual(run.log[1], {
      kind: 'step',
      epoch: 1,
      step: 1,
      lr: 0.001,
      loss: { total: 0.5, pixel: NaN },
      gradNorm: 2,
      imagesPerSec: 3,
      elapsedSec: 0.25,
    });
    assert.equal(run.log[0].kind, 'event');
    const g = write('run2/log.jsonl', `${step}\n{"kind":"step","epoch":1,"lr":0.001}\n${step}\n`);
    assert.throws(
      () => readRunDir(path.dirname(g)),
      (e: Error) => e.message === `${g}: line 2: key 'step': expected a finite number, found nothing (key missing)`,
    );
    const h = write('run3/log.jsonl', `${step}\nnot json\n${step}\n`);
    assert.throws(
      () => readRunDir(path.dirname(h)),
      (e: Error) => e.message.startsWith(`${h}: line 2: not valid JSON`),
    );
  });
});
