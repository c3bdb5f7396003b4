import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { command } from '../src/cli/metrics';
import { UsageError } from '../src/cli/args';
import { formatPts } from '../src/data/formats/pts300w';
import { readImage, rgbToFloat } from '../src/data/image-io';
import { evaluateImagesExact } from '../src/metrics';
import { runCommandJson } from './helpers/run-command';

const captureJson = (argv: string[]): Promise<Record<string, unknown>> => runCommandJson(command, argv);

describe('metrics: jasr metrics CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-metrics-cli-'));
  const hr = path.join(dir, 'hr.png');
  const sr = path.join(dir, 'sr.png');
  const pts = path.join(dir, 'face.pts');

  before(async () => {
    await sharp(path.join('node_modules', '@vladmandic', 'face-api', 'demo', 'sample2.jpg'))
      .resize(128, 128, { fit: 'cover' })
      .png()
      .toFile(hr);
    const lr = await sharp(hr).resize(16, 16, { kernel: 'cubic' }).png().toBuffer();
    await sharp(lr).resize(128, 128, { kernel: 'cubic' }).png().toFile(sr);
    fs.writeFileSync(pts, formatPts([31.5, 40.25, 99.75, 52, 64, 117.5, 20.1, 80]));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--protocol jasr --landmarks crops to the .pts box and reports the protocol beside the numbers', async () => {
    const out = await captureJson(['--sr', sr, '--hr', hr, '--protocol', 'jasr', '--landmarks', pts, '--json']);
    assert.deepStrictEqual(out.crop, { x1: 20, y1: 40, x2: 99, y2: 117 });
    const [srImage, hrImage] = [await readImage(sr), await readImage(hr)];
    const expected = evaluateImagesExact([{ data: rgbToFloat(srImage), width: 128, height: 128 }], [{ data: rgbToFloat(hrImage), width: 128, height: 128 }], {
      protocol: 'jasr',
      scale: 8,
      boxes: [[20.1, 40.25, 99.75, 117.5]],
    });
    assert.strictEqual(out.psnr, expected.psnr);
    assert.strictEqual(out.ssim, expected.ssim);
    assert.strictEqual((out.protocol as { name: string }).name, 'jasr');
    assert.ok((out.psnr as number) > 10 && (out.psnr as number) < 40);
  });

  it('standard is the default; identical images give PSNR "Infinity" and SSIM 1', async () => {
    const out = await captureJson(['--sr', hr, '--hr', hr, '--json']);
    assert.strictEqual((out.protocol as { name: string }).name, 'standard');
    assert.strictEqual(out.psnr, 'Infinity');
    assert.strictEqual(out.ssim, 1);
  });

  it('usage errors: jasr without a box, both box sources, unknown protocol', async () => {
    await assert.rejects(command.run(['--sr', sr, '--hr', hr, '--protocol', 'jasr']), (e: Error) => e instanceof UsageError && /--landmarks/.test(e.message));
    await assert.rejects(command.run(['--sr', sr, '--hr', hr, '--landmarks', pts, '--box', '1,2,3,4']), UsageError);
    await assert.rejects(command.run(['--sr', sr, '--hr', hr, '--protocol', 'matlab']), /expected one of standard, jasr/);
    await assert.rejects(command.run(['--sr', path.join(dir, 'missing.png'), '--hr', hr]), /missing\.png: file not found/);
  });
});
