/**
 * The LFW tiny faces of scikit-image: the .npy parser against numpy itself (Debian's /usr/bin/python3 writes and
 * reads the reference arrays), the LR inputs against a direct separable computation, and the error messages.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LFW_SUBSET_FILE, loadTinyFaces, parseNpy } from '../src/data/embedded/tiny-faces';
import { MATLAB_BICUBIC, axisTaps } from '../src/data/resize';

const PYTHON = '/usr/bin/python3';

function python(code: string): string {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

describe('data: LFW tiny faces (scikit-image lfw_subset.npy)', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-npy-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses lfw_subset.npy as numpy does (shape, dtype, total and per-image sums, an exact value)', () => {
    const npy = parseNpy(fs.readFileSync(LFW_SUBSET_FILE), LFW_SUBSET_FILE);
    assert.equal(npy.dtype, '<f8');
    assert.deepEqual(npy.shape, [200, 25, 25]);
    // numpy's sum, per-image sums of a few faces and an exact value, printed with full precision.
    const ref = JSON.parse(
      python(
        `import numpy as np, json; a = np.load('${LFW_SUBSET_FILE}'); ` +
          `print(json.dumps({'sum': float(a.sum()), 'per': [float(a[i].sum()) for i in (0, 7, 99, 150)], 'v': float(a[3, 12, 17])}))`,
      ),
    ) as { sum: number; per: number[]; v: number };
    const sumOf = (from: number, to: number) => npy.data.subarray(from, to).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sumOf(0, npy.data.length) - ref.sum) < 1e-6 * ref.sum);
    [0, 7, 99, 150].forEach((i, k) => assert.ok(Math.abs(sumOf(i * 625, (i + 1) * 625) - ref.per[k]) < 1e-9, `image ${i}`));
    assert.equal(npy.data[3 * 625 + 12 * 25 + 17], ref.v);
  });

  it('parses float32 and uint8 arrays numpy writes, in format versions 1.0 and 2.0', () => {
    const f4 = path.join(dir, 'f4.npy');
    const u1 = path.join(dir, 'u1.npy');
    python(
      `import numpy as np; np.save('${f4}', (np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7).astype('<f4')); ` +
        `from numpy.lib import format as F; f = open('${u1}', 'wb'); F.write_array(f, (np.arange(10, dtype=np.uint8) * 25), version=(2, 0)); f.close()`,
    );
    const a = parseNpy(fs.readFileSync(f4), f4);
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.equal(a.data[23], Math.fround(23 / 7));
    const b = parseNpy(fs.readFileSync(u1), u1);
    assert.equal(b.dtype, '|u1');
    assert.deepEqual(b.shape, [10]);
    assert.deepEqual(Array.from(b.data), [0, 25, 50, 75, 100, 125, 150, 175, 200, 225]);
  });

  it('makes 16×16 RGB LR faces: grey replicated, equal to a direct separable MATLAB-bicubic resize of the crop', () => {
    const faces = loadTinyFaces({ indices: [0, 42] });
    assert.deepEqual(
      faces.map((f) => f.id),
      ['lfw-subset-0', 'lfw-subset-42'],
    );
    const npy = parseNpy(fs.readFileSync(LFW_SUBSET_FILE), LFW_SUBSET_FILE);
    // Independent 2-D evaluation: out[y][x] = Σ_j Σ_i wy[y][j]·wx[x][i]·src[j][i] (not rows-then-columns).
    const taps = axisTaps(25, 16, MATLAB_BICUBIC);
    for (const face of faces) {
      assert.equal(face.lr.length, 16 * 16 * 3);
      assert.equal(face.originalSize, 25);
      const src = npy.data.subarray(face.index * 625, (face.index + 1) * 625);
      let maxErr = 0;
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          let v = 0;
          for (let j = 0; j < taps.taps; j++) {
            for (let i = 0; i < taps.taps; i++) {
              v += taps.weight[y * taps.taps + j] * taps.weight[x * taps.taps + i] * src[taps.index[y * taps.taps + j] * 25 + taps.index[x * taps.taps + i]];
            }
          }
          v = Math.min(1, Math.max(0, v));
          const p = (y * 16 + x) * 3;
          maxErr = Math.max(maxErr, Math.abs(face.lr[p] - v));
          assert.equal(face.lr[p + 1], face.lr[p]);
          assert.equal(face.lr[p + 2], face.lr[p]);
        }
      }
      assert.ok(maxErr < 1e-5, `max error ${maxErr}`);
    }
  });

  it('names the file and the problem: missing file (with the apt command), bad magic, Fortran order, short data, index range', () => {
    assert.throws(
      () => loadTinyFaces({ file: path.join(dir, 'absent.npy') }),
      (e: Error) => e.message.includes('absent.npy not found') && e.message.includes('apt-get install -y --no-install-recommends python3-skimage'),
    );
    const bad = path.join(dir, 'bad.npy');
    fs.writeFileSync(bad, 'not an npy file at all');
    assert.throws(() => parseNpy(fs.readFileSync(bad), bad), new RegExp(`${bad.replace(/[.]/g, '\\.')}: expected a \\.npy file`));
    const fortran = path.join(dir, 'fortran.npy');
    python(`import numpy as np; np.save('${fortran}', np.asfortranarray(np.ones((3, 2))))`);
    assert.throws(() => parseNpy(fs.readFileSync(fortran), fortran), /fortran\.npy: header: expected fortran_order False \(C order\), found True/);
    const short = fs.readFileSync(LFW_SUBSET_FILE).subarray(0, 5000);
    assert.throws(() => parseNpy(short, 'cut.npy'), /^Error: cut\.npy: shape \(200, 25, 25\) of '<f8' needs 1000000 data bytes, found 4920$/);
    assert.throws(() => loadTinyFaces({ indices: [100] }), /face index 100 out of range: the faces are indices 0\.\.99/);
  });
});
