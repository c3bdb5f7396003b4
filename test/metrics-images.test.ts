import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { evaluateImages, evaluateImagesExact, gaussianTaps, imageProtocol, psnr, roundHalfEven, ssim, WANG_SSIM, yOfRgb01 } from '../src/metrics';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);

/** The §6.6 deterministic 32×32 pair: A = (7i + 13j) mod 256, B = clip(A + 10·(((i + 2j) mod 5) − 2), 0, 255). */
function fixedPair(): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(32 * 32);
  const b = new Float64Array(32 * 32);
  for (let i = 0; i < 32; i++) {
    for (let j = 0; j < 32; j++) {
      a[i * 32 + j] = (7 * i + 13 * j) % 256;
      b[i * 32 + j] = Math.min(255, Math.max(0, a[i * 32 + j] + 10 * (((i + 2 * j) % 5) - 2)));
    }
  }
  return { a, b };
}

describe('metrics: image reference values (peers-and-metrics §6.6)', () => {
  it('PSNR of a constant difference d is 20·log10(255/d)', () => {
    const expected: Record<number, number> = { 1: 48.1308036087, 2: 42.1102036954, 5: 34.151403522, 10: 28.1308036087, 255: 0 };
    for (const [d, value] of Object.entries(expected)) {
      const a = new Float64Array(64).fill(0);
      const b = new Float64Array(64).fill(Number(d));
      close(psnr(a, b, 8, 8, 255), value, 1e-9, `d=${d}`);
    }
    assert.strictEqual(psnr(new Float64Array(4), new Float64Array(4), 2, 2, 255), Infinity);
  });

  it('SSIM of two constant images is (2ab + C1)/(a² + b² + C1)', () => {
    const cases: [number, number, number][] = [
      [100, 110, 0.9954764441],
      [50, 60, 0.9836240139],
      [0, 255, 9.999e-5],
      [77, 77, 1],
    ];
    for (const [va, vb, expected] of cases) {
      const value = ssim(new Float64Array(16 * 16).fill(va), new Float64Array(16 * 16).fill(vb), 16, 16, 255);
      close(value, expected, 1e-10 + 1e-9 * expected, `(${va}, ${vb})`);
    }
  });

  it('the 11-tap σ=1.5 Gaussian matches the published taps', () => {
    const taps = gaussianTaps(11, 1.5);
    const half = [0.0010283801, 0.0075987581, 0.0360007721, 0.1093606895, 0.2130055377, 0.2660117249];
    half.forEach((t, i) => {
      close(taps[i], t, 1e-10, `tap ${i}`);
      close(taps[10 - i], t, 1e-10, `tap ${10 - i}`);
    });
    close(taps[5] * taps[5], 0.0707622378, 1e-10, '2-D centre');
    close(taps[0] * taps[0], 1.0575656e-6, 1e-13, '2-D corner');
  });

  it('MATLAB BT.601 and EDSR Y of the reference RGB triples', () => {
    const triples: [number, number, number, number, number][] = [
      [255, 255, 255, 235, 235.0001758],
      [0, 0, 0, 16, 16],
      [255, 0, 0, 81.481, 81.4812109],
      [0, 255, 0, 144.553, 144.5528711],
      [0, 0, 255, 40.966, 40.9660938],
      [128, 64, 32, 84.2661647059, 84.26625],
    ];
    for (const [r, g, b, matlab, edsr255] of triples) {
      close(yOfRgb01(r / 255, g / 255, b / 255, 'bt601-matlab-255'), matlab, 1e-9, `MATLAB Y(${r},${g},${b})`);
      // EDSR's Y on [0,1] is (coeffs·rgb)/256 + 16; the published values are its 0..255-scale equivalent.
      const edsrUnit = yOfRgb01(r / 255, g / 255, b / 255, 'edsr-offset16-unit');
      close((edsrUnit - 16) * 255 + 16, edsr255, 1e-6, `EDSR Y(${r},${g},${b})`);
    }
  });

  it('the fixed 32×32 pair: MSE 193.26171875, PSNR 25.2693452330, valid SSIM 0.8941526752', () => {
    const { a, b } = fixedPair();
    assert.strictEqual(
      a.reduce((s, v) => s + v, 0),
      132352,
    );
    assert.strictEqual(
      b.reduce((s, v) => s + v, 0),
      132388,
    );
    const mse = a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;
    assert.strictEqual(mse, 193.26171875);
    close(psnr(a, b, 32, 32, 255), 25.269345233, 1e-9, 'PSNR');
    close(ssim(a, b, 32, 32, 255, WANG_SSIM), 0.8941526752, 1e-9, 'SSIM (float64 path)');
  });

  it('the batched tensor SSIM reproduces the fixed pair in float32', () => {
    const { a, b } = fixedPair();
    // Grey RGB whose MATLAB Y equals the pair's value: Y = 16 + 219·v/255·(65.481+128.553+24.966)/219 → v' = (Y−16)/219.
    const toRgb = (plane: Float64Array): Float32Array => {
      const rgb = new Float32Array(plane.length * 3);
      plane.forEach((v, i) => rgb.fill((v - 16) / 219, 3 * i, 3 * i + 3));
      return rgb;
    };
    const protocol = { ...imageProtocol('standard', 0), quantizeTo8bit: false };
    const sr = tf.tensor4d(toRgb(b), [1, 32, 32, 3]);
    const hr = tf.tensor4d(toRgb(a), [1, 32, 32, 3]);
    const before = tf.memory().numTensors;
    const result = evaluateImages(sr, hr, { protocol });
    assert.strictEqual(tf.memory().numTensors, before, 'evaluateImages leaks tensors');
    close(result.ssim, 0.8941526752, 2e-6, 'tensor SSIM');
    close(result.psnr, 25.269345233, 1e-4, 'tensor PSNR');
    tf.dispose([sr, hr]);
  });
});

describe('metrics: protocol mechanics', () => {
  it('rounds halves to even like numpy/torch', () => {
    assert.deepStrictEqual([0.5, 1.5, 2.5, 3.49, 254.5].map(roundHalfEven), [0, 2, 2, 3, 254]);
  });

  it('the jasr crop is the landmark box clipped by the border, with Python int() truncation', () => {
    const hr = { data: new Float32Array(64 * 64 * 3).fill(128 / 255), width: 64, height: 64 };
    const result = evaluateImagesExact([hr], [hr], { protocol: 'jasr', scale: 8, boxes: [[3.9, 20.7, 60.2, 45.99]] });
    assert.deepStrictEqual(result.perImage.crop[0], { x1: 8, y1: 20, x2: 56, y2: 45 });
    assert.strictEqual(result.perImage.psnr[0], Infinity);
    assert.strictEqual(result.perImage.ssim[0], 1);
    assert.strictEqual(result.protocol.ssim.covariance, 'sample');
    assert.throws(() => evaluateImagesExact([hr], [hr], { protocol: 'jasr', scale: 8 }), /needs one face box per image/);
    assert.throws(
      () => evaluateImagesExact([hr], [hr], { protocol: 'jasr', scale: 8, boxes: [[10, 10, 19, 60]] }),
      /image 0: the measured region .* is 9×46 px, smaller than the 11×11 SSIM window/,
    );
  });

  it('tensor and float64 paths agree on random batches under both protocols', () => {
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const size = 40;
    const count = 3;
    const hrData = new Float32Array(count * size * size * 3).map(() => Math.round(random() * 255) / 255);
    const srData = hrData.map((v) => v + (random() - 0.5) * 0.2);
    const boxes: [number, number, number, number][] = [
      [5, 6, 33.5, 35],
      [0, 0, 40, 40],
      [12.2, 9.9, 30.1, 38],
    ];
    const sr = tf.tensor4d(srData, [count, size, size, 3]);
    const hr = tf.tensor4d(hrData, [count, size, size, 3]);
    const images = (data: Float32Array) =>
      Array.from({ length: count }, (_, i) => ({ data: data.subarray(i * size * size * 3, (i + 1) * size * size * 3), width: size, height: size }));
    for (const protocol of ['standard', 'jasr'] as const) {
      const batched = evaluateImages(sr, hr, { protocol, scale: 4, boxes, chunkSize: 2 });
      const exact = evaluateImagesExact(images(srData), images(hrData), { protocol, scale: 4, boxes });
      for (let i = 0; i < count; i++) {
        close(batched.perImage.psnr[i], exact.perImage.psnr[i], 1e-4, `${protocol} PSNR image ${i}`);
        close(batched.perImage.ssim[i], exact.perImage.ssim[i], 2e-6, `${protocol} SSIM image ${i}`);
      }
      assert.ok(
        exact.perImage.ssim.every((s) => s > 0.2 && s < 0.99),
        `${protocol}: SSIMs should be informative, got ${exact.perImage.ssim}`,
      );
    }
    tf.dispose([sr, hr]);
  });
});
