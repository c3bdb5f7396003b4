import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ResultRow, defaultDecimals, loadDanfo, toCsv, toDataFrame, toMarkdown, writeTable } from '../src/report/tables';
import { readTableJson } from '../src/report/results';

// PSNR of 8-bit images with MSE 25, 100 and a missing value; NME values as fractions.
const psnrFromMse = (mse: number) => 10 * Math.log10((255 * 255) / mse);
const rows: ResultRow[] = [
  { experiment: 'x8', model: 'bicubic', protocol: 'nme-io/y-bt601', metrics: { psnr: psnrFromMse(100), nme: 0.0812345, images: 200 } },
  { experiment: 'x8', model: 'jasr|small', protocol: 'nme-io/y-bt601', metrics: { psnr: psnrFromMse(25), nme: null, images: 200 } },
];

describe('report/tables: Markdown, CSV, DataFrame', () => {
  it('decimals follow the column: counts 0, fractions 4, dB 2, large 1', () => {
    assert.equal(defaultDecimals([200, 13]), 0);
    assert.equal(defaultDecimals([0.0812, null]), 4);
    assert.equal(defaultDecimals([28.13, 34.15]), 2);
    assert.equal(defaultDecimals([1234.5]), 1);
  });

  it('Markdown: aligned columns, fixed decimals, numbers right-aligned, protocol beside the numbers, pipes escaped', () => {
    const md = toMarkdown(rows);
    const lines = md.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    // Every line has the same length: the raw text lines up.
    assert.equal(new Set(lines.map((l) => l.length)).size, 1, md);
    assert.deepEqual(
      lines[0].split(' | ').map((s) => s.replace(/\|/g, '').trim()),
      ['experiment', 'model', 'psnr', 'nme', 'images', 'protocol'],
    );
    assert.match(lines[1], /^\| -+ \| -+ \| -+: \| -+: \| -+: \| -+ \|$/);
    assert.ok(lines[2].includes(` ${psnrFromMse(100).toFixed(2)} `) && lines[2].includes(' 0.0812 ') && lines[2].includes(' 200 '), lines[2]);
    assert.ok(lines[3].includes('jasr\\|small') && lines[3].includes(' — ') && lines[3].includes(psnrFromMse(25).toFixed(2)), lines[3]);
    assert.ok(lines[3].trimEnd().endsWith('nme-io/y-bt601 |'));
    assert.equal(toMarkdown(rows, { decimals: { psnr: 3 } }).includes(psnrFromMse(25).toFixed(3)), true);
  });

  it('CSV keeps full precision, empties missing values and quotes where needed; table.json round-trips', () => {
    const csv = toCsv(rows).trimEnd().split('\n');
    assert.equal(csv[0], 'experiment,model,psnr,nme,images,protocol');
    assert.equal(csv[1], `x8,bicubic,${psnrFromMse(100)},0.0812345,200,nme-io/y-bt601`);
    assert.equal(csv[2], `x8,jasr|small,${psnrFromMse(25)},,200,nme-io/y-bt601`);
    assert.equal(toCsv([{ ...rows[0], model: 'a,"b"' }]).split('\n')[1], `x8,"a,""b""",${psnrFromMse(100)},0.0812345,200,nme-io/y-bt601`);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-tables-'));
    try {
      const written = writeTable(dir, rows, { title: 'demo' });
      const back = readTableJson(written.json);
      assert.equal(back.title, 'demo');
      assert.deepEqual(back.rows, rows);
      assert.ok(fs.readFileSync(written.md, 'utf8').startsWith('### demo\n\n| experiment'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('danfojs-node shares the one tfjs engine; the DataFrame holds the rows with NaN for missing', () => {
    const dfd = loadDanfo();
    assert.equal(tf.engine() === dfd.tensorflow.engine(), true, 'danfojs must use the same tfjs engine (platform-notes §4)');
    const df = toDataFrame(rows);
    assert.deepEqual(df.shape, [2, 6]);
    assert.deepEqual(df.columns, ['experiment', 'model', 'psnr', 'nme', 'images', 'protocol']);
    const psnr = df.column('psnr').values as number[];
    assert.ok(Math.abs(psnr[1] - psnrFromMse(25)) < 1e-9);
    assert.ok(Number.isNaN((df.column('nme').values as number[])[1]));
    // danfo's own arithmetic runs on the shared engine: the mean of the two PSNRs, computed independently.
    const mean = df.column('psnr').mean();
    assert.ok(Math.abs(mean - (psnrFromMse(25) + psnrFromMse(100)) / 2) < 1e-4, `danfo mean ${mean}`);
  });
});
