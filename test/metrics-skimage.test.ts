/**
 * Agreement with scikit-image on real face photos: the test writes 128×128 PNG crops of face-api's demo
 * photos plus degraded versions, and /usr/bin/python3 (PIL decode, numpy Y, skimage PSNR/SSIM) computes
 * both protocols independently. Tolerances: PSNR 1e-3 dB, SSIM 1e-4.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { readImage, rgbToFloat } from '../src/data/image-io';
import { Box, evaluateImages, evaluateImagesExact, FloatRgbImage, ImageProtocolName } from '../src/metrics';
import { runPythonOracle } from './metrics-oracle';

const SKIMAGE_SCRIPT = String.raw`
import json, sys
import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

job = json.load(sys.stdin)
s = job['scale']

def load(pair):
    hr = np.asarray(Image.open(pair['hr']).convert('RGB'), dtype=np.float64)
    if pair.get('srFloat'):
        sr = np.fromfile(pair['srFloat'], dtype='<f4').astype(np.float64).reshape(hr.shape) * 255.0
    else:
        sr = np.asarray(Image.open(pair['sr']).convert('RGB'), dtype=np.float64)
    # Both protocols measure the SR as a saved 8-bit image: clamp, round half-even.
    return hr, np.round(np.clip(sr, 0, 255))

def standard(hr, sr):
    def y(img):
        return 16.0 + (65.481 * img[..., 0] + 128.553 * img[..., 1] + 24.966 * img[..., 2]) / 255.0
    a, b = y(hr)[s:-s, s:-s], y(sr)[s:-s, s:-s]
    return (peak_signal_noise_ratio(a, b, data_range=255),
            structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255))

def jasr(hr, sr, box):
    def y(img):
        img = img / 255.0
        return (65.738 * img[..., 0] + 129.057 * img[..., 1] + 25.064 * img[..., 2]) / 256.0 + 16
    H, W = hr.shape[:2]
    x1, y1 = max(int(box[0]), s), max(int(box[1]), s)
    x2, y2 = min(int(box[2]), W - s), min(int(box[3]), H - s)
    a, b = y(hr)[y1:y2, x1:x2], y(sr)[y1:y2, x1:x2]
    return (peak_signal_noise_ratio(a, b, data_range=1),
            structural_similarity(a, b, win_size=11, gaussian_weights=True, sigma=1.5, K1=0.01, K2=0.03, data_range=1))

out = []
for pair in job['pairs']:
    hr, sr = load(pair)
    p1, s1 = standard(hr, sr)
    p2, s2 = jasr(hr, sr, pair['box'])
    out.append({'standard': {'psnr': p1, 'ssim': s1}, 'jasr': {'psnr': p2, 'ssim': s2}})
print(json.dumps(out))
`;

interface OracleRow {
  standard: { psnr: number; ssim: number };
  jasr: { psnr: number; ssim: number };
}

const DEMO = path.join('node_modules', '@vladmandic', 'face-api', 'demo');
const SIZE = 128;
const SCALE = 8;

/** Deterministic normal noise (Box–Muller over a 32-bit LCG). */
function seededNoise(count: number, sigma: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

describe('metrics: PSNR/SSIM agree with scikit-image on real face photos', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-metrics-'));
  const pairs: { hr: string; sr: string; srFloat?: string; box: Box }[] = [];
  const srImages: FloatRgbImage[] = [];
  const hrImages: FloatRgbImage[] = [];

  before(async () => {
    // Face boxes in the style of GT-landmark boxes: fractional, one of them reaching past the border shave.
    const boxes: Box[] = [
      [30.4, 25.7, 98.2, 110.9],
      [3.2, 12.6, 126.5, 127.8],
      [44.9, 40.1, 90.6, 88.3],
    ];
    for (const [i, sample] of ['sample1.jpg', 'sample2.jpg', 'sample3.jpg'].entries()) {
      const hr = path.join(dir, `hr${i}.png`);
      const sr = path.join(dir, `sr${i}.png`);
      await sharp(path.join(DEMO, sample)).resize(SIZE, SIZE, { fit: 'cover' }).png().toFile(hr);
      // The ×8 bicubic baseline: down to 16×16 and back.
      const lr = await sharp(hr)
        .resize(SIZE / SCALE, SIZE / SCALE, { kernel: 'cubic' })
        .png()
        .toBuffer();
      await sharp(lr).resize(SIZE, SIZE, { kernel: 'cubic' }).png().toFile(sr);
      pairs.push({ hr, sr, box: boxes[i] });
    }
    // A float "network output" with noise that leaves [0,1], so clamping and rounding are exercised too.
    const base = rgbToFloat(await readImage(pairs[0].hr));
    const noise = seededNoise(base.length, 0.08, 7);
    const noisy = base.map((v, i) => v + noise[i]);
    const srFloat = path.join(dir, 'sr-float.f32');
    fs.writeFileSync(srFloat, Buffer.from(noisy.buffer));
    pairs.push({ hr: pairs[0].hr, sr: pairs[0].sr, srFloat, box: [20.5, 15.25, 115.75, 120.0] });
    assert.ok(noisy.some((v) => v < 0) && noisy.some((v) => v > 1), 'the float SR should leave [0,1]');

    for (const pair of pairs) {
      const hrImage = await readImage(pair.hr);
      hrImages.push({ data: rgbToFloat(hrImage), width: hrImage.width, height: hrImage.height });
      if (pair.srFloat) srImages.push({ data: noisy, width: SIZE, height: SIZE });
      else {
        const srImage = await readImage(pair.sr);
        srImages.push({ data: rgbToFloat(srImage), width: srImage.width, height: srImage.height });
      }
    }
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const protocol of ['standard', 'jasr'] as ImageProtocolName[]) {
    it(`${protocol}: batched tensor and float64 paths match skimage (PSNR ±1e-3 dB, SSIM ±1e-4)`, () => {
      const oracle = runPythonOracle<OracleRow[]>(SKIMAGE_SCRIPT, { scale: SCALE, pairs });
      assert.strictEqual(oracle.length, pairs.length);
      const boxes = pairs.map((p) => p.box);
      const stack = (images: FloatRgbImage[]): tf.Tensor4D =>
        tf.tensor4d(Float32Array.from(images.flatMap((im) => Array.from(im.data))), [images.length, SIZE, SIZE, 3]);
      const sr = stack(srImages);
      const hr = stack(hrImages);
      const batched = evaluateImages(sr, hr, { protocol, scale: SCALE, boxes });
      tf.dispose([sr, hr]);
      const exact = evaluateImagesExact(srImages, hrImages, { protocol, scale: SCALE, boxes });
      oracle.forEach((row, i) => {
        const want = row[protocol];
        for (const [name, got] of [
          ['tensor', batched],
          ['float64', exact],
        ] as const) {
          const dPsnr = Math.abs(got.perImage.psnr[i] - want.psnr);
          const dSsim = Math.abs(got.perImage.ssim[i] - want.ssim);
          assert.ok(dPsnr <= 1e-3, `${protocol} ${name} pair ${i}: PSNR ${got.perImage.psnr[i]} vs skimage ${want.psnr}`);
          assert.ok(dSsim <= 1e-4, `${protocol} ${name} pair ${i}: SSIM ${got.perImage.ssim[i]} vs skimage ${want.ssim}`);
        }
        // Real degradations, not trivial pairs: PSNR in a plausible ×8 range and SSIM well below 1.
        assert.ok(want.psnr > 10 && want.psnr < 40 && want.ssim < 0.95, `pair ${i} looks trivial: ${JSON.stringify(want)}`);
      });
    });
  }

  it('the +16 offset of the jasr protocol inflates SSIM over the same crop without it', () => {
    const boxes = pairs.map((p) => p.box);
    const jasr = evaluateImagesExact(srImages, hrImages, { protocol: 'jasr', scale: SCALE, boxes });
    const withoutOffset = evaluateImagesExact(srImages, hrImages, {
      protocol: { ...jasr.protocol, yConversion: 'edsr-unit-no-offset' },
      boxes,
    });
    jasr.perImage.ssim.forEach((s, i) => assert.ok(s > withoutOffset.perImage.ssim[i], `pair ${i}: ${s} vs ${withoutOffset.perImage.ssim[i]}`));
  });
});
