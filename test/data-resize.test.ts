import * as assert from 'assert';
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import { MATLAB_BICUBIC, OPENCV_CUBIC, PIL_BICUBIC, CubicKernel, resampleHwc, downsampleMatlab, upsampleOpenCv } from '../src/data/resize';
import { Rng } from '../src/core/prng';

const PYTHON = '/usr/bin/python3';

/** Runs a Python oracle on /usr/bin/python3 (Debian's, with PIL and torch); fails, never skips, when missing. */
function python(code: string, input: unknown): number[] {
  assert.ok(fs.existsSync(PYTHON), `${PYTHON} is required for the resampler oracle tests (Debian python3-pil, python3-torch)`);
  const r = spawnSync(PYTHON, ['-c', code], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.strictEqual(r.status, 0, `python oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[];
}

const PIL_ORACLE = `
import sys, json, numpy as np
from PIL import Image
a = json.load(sys.stdin)
img = np.array(a['data'], dtype=np.float32).reshape(a['h'], a['w'], a['c'])
pad = a.get('pad', 0)
out = []
for ch in range(a['c']):
    plane = img[:, :, ch]
    if pad: plane = np.pad(plane, pad, mode='symmetric')
    r = np.asarray(Image.fromarray(plane, mode='F').resize((a['ow'], a['oh']), Image.BICUBIC), dtype=np.float64)
    out.append(r)
print(json.dumps(np.stack(out, axis=2).reshape(-1).tolist()))
`;

const TORCH_ORACLE = `
import sys, json, torch
import torch.nn.functional as F
a = json.load(sys.stdin)
x = torch.tensor(a['data'], dtype=torch.float64).reshape(1, a['h'], a['w'], a['c']).permute(0, 3, 1, 2)
y = F.interpolate(x, size=(a['oh'], a['ow']), mode='bicubic', align_corners=False)
print(json.dumps(y.permute(0, 2, 3, 1).reshape(-1).tolist()))
`;

function randomImage(w: number, h: number, c: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: w * h * c }, () => rng.next());
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.strictEqual(a.length, b.length, 'length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('data: cubic resamplers', () => {
  it('keeps a constant image constant for every kernel, up and down', () => {
    const img = new Float32Array(20 * 12 * 3).fill(0.37);
    for (const k of [MATLAB_BICUBIC, PIL_BICUBIC, OPENCV_CUBIC]) {
      for (const [ow, oh] of [
        [5, 3],
        [41, 29],
        [160, 96],
      ]) {
        const out = resampleHwc(img, 20, 12, 3, ow, oh, k);
        assert.ok(maxAbsDiff(out, new Float32Array(out.length).fill(0.37)) < 1e-6, `${JSON.stringify(k)} ${ow}×${oh}`);
      }
    }
  });

  it('keeps a linear ramp linear away from the border (a = −0.5 kernels; a = −0.75 reproduces constants only)', () => {
    const w = 64,
      h = 8;
    const ramp = Float32Array.from({ length: w * h }, (_, i) => 0.1 + 0.01 * (i % w));
    // ×8 down (MATLAB): output x centres sit at (x + 0.5)·8 − 0.5 in source pixel-centre units.
    const down = resampleHwc(ramp, w, h, 1, 8, 1, MATLAB_BICUBIC);
    for (let x = 2; x < 6; x++) assert.ok(Math.abs(down[x] - (0.1 + 0.01 * ((x + 0.5) * 8 - 0.5))) < 1e-6, `down x=${x}: ${down[x]}`);
    // ×4 up: centres at (x + 0.5)/4 − 0.5. Keys' cubic reproduces linear functions only for a = −0.5.
    const exact = (x: number): number => 0.1 + 0.01 * ((x + 0.5) / 4 - 0.5);
    const upHalf = resampleHwc(ramp, w, h, 1, 4 * w, 1, { a: -0.5, antialias: false, border: 'clamp' });
    for (let x = 8; x < 4 * w - 8; x++) assert.ok(Math.abs(upHalf[x] - exact(x)) < 1e-6, `up x=${x}: ${upHalf[x]}`);
    const upCv = resampleHwc(ramp, w, h, 1, 4 * w, 1, OPENCV_CUBIC);
    let worst = 0;
    for (let x = 8; x < 4 * w - 8; x++) worst = Math.max(worst, Math.abs(upCv[x] - exact(x)));
    assert.ok(worst > 1e-4 && worst < 1e-3, `OpenCV cubic deviates from the ramp by a bounded amount, got ${worst}`);
  });

  it('a = −0.75, no antialias: a 2× upsampled impulse equals the hand-computed Keys weights', () => {
    // Output i samples source position i/2 − 0.25; weights W(0.25) = 0.87890625, W(0.75) = 0.26171875,
    // W(1.25) = −0.10546875, W(1.75) = −0.03515625 for a = −0.75 (computed by hand from Keys' piecewise cubic).
    const impulse = new Float32Array(8);
    impulse[2] = 1;
    const out = resampleHwc(impulse, 8, 1, 1, 16, 1, OPENCV_CUBIC);
    const expected = [0, -0.03515625, -0.10546875, 0.26171875, 0.87890625, 0.87890625, 0.26171875, -0.10546875, -0.03515625, 0, 0, 0, 0, 0, 0, 0];
    assert.ok(maxAbsDiff(out, expected) < 1e-7, `got ${Array.from(out)}`);
  });

  it('PIL mode (a = −0.5, antialias, renormalised border) equals PIL Image.resize(BICUBIC) in float mode', () => {
    const w = 37,
      h = 29,
      c = 3;
    const img = randomImage(w, h, c, 7);
    for (const [ow, oh] of [
      [5, 4],
      [16, 16],
      [90, 61],
    ]) {
      const ours = resampleHwc(img, w, h, c, ow, oh, PIL_BICUBIC);
      const pil = python(PIL_ORACLE, { data: Array.from(img), w, h, c, ow, oh });
      assert.ok(maxAbsDiff(ours, pil) < 2e-6, `${ow}×${oh}: max diff ${maxAbsDiff(ours, pil)}`);
    }
  });

  it('MATLAB mode (mirror border) equals PIL on the symmetrically padded image: ×8 HR→LR of a 128 face', () => {
    const size = 128,
      c = 3,
      pad = 16;
    const hr = randomImage(size, size, c, 11);
    const ours = downsampleMatlab(hr, size, 8);
    // Padding by 16 = 2 LR pixels keeps every kernel (support ±16 source px) inside PIL's padded image.
    const padded = python(PIL_ORACLE, { data: Array.from(hr), w: size, h: size, c, ow: 16 + 4, oh: 16 + 4, pad });
    const cropped: number[] = [];
    for (let y = 2; y < 18; y++) for (let x = 2; x < 18; x++) for (let ch = 0; ch < c; ch++) cropped.push(padded[(y * 20 + x) * c + ch]);
    assert.ok(maxAbsDiff(ours, cropped) < 2e-6, `max diff ${maxAbsDiff(ours, cropped)}`);
    // And the border rule matters: PIL's renormalised border differs from MATLAB's mirror at the edge.
    const pil = resampleHwc(hr, size, size, c, 16, 16, PIL_BICUBIC);
    assert.ok(maxAbsDiff(ours, pil) > 1e-3);
  });

  it('OpenCV mode (a = −0.75, clamp, no antialias) equals torch bicubic (align_corners=False): ×8 LR→input', () => {
    const lr = randomImage(16, 16, 3, 5);
    const ours = upsampleOpenCv(lr, 16, 8);
    const torch = python(TORCH_ORACLE, { data: Array.from(lr), w: 16, h: 16, c: 3, ow: 128, oh: 128 });
    assert.ok(maxAbsDiff(ours, torch) < 2e-6, `max diff ${maxAbsDiff(ours, torch)}`);
    const odd = randomImage(13, 9, 3, 6);
    const ours2 = resampleHwc(odd, 13, 9, 3, 30, 7, OPENCV_CUBIC);
    const torch2 = python(TORCH_ORACLE, { data: Array.from(odd), w: 13, h: 9, c: 3, ow: 30, oh: 7 });
    assert.ok(maxAbsDiff(ours2, torch2) < 2e-6, `non-integer factors: max diff ${maxAbsDiff(ours2, torch2)}`);
  });

  it('rejects a buffer of the wrong size naming both sizes', () => {
    const bad: CubicKernel = MATLAB_BICUBIC;
    assert.throws(() => resampleHwc(new Float32Array(10), 4, 4, 3, 2, 2, bad), /4×4×3 = 48 values, got 10/);
  });
});
