/**
 * 3D-landmark datasets in their real on-disk formats: LS3D-W (Torch7 .t7), AFLW2000-3D and 300W-LP (MATLAB v5
 * .mat). Fixtures come from independent writers on /usr/bin/python3: scipy.io.savemat for .mat (uncompressed,
 * compressed, v4) and test/oracles/t7_writer_3d.py (Torch7 binary layout from its description) for .t7, laid
 * out in the datasets' folders in a temp dir. Values are compared exactly.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AnnotationError } from '../src/data/formats/common';
import { parseMatV5, readMatV5 } from '../src/data/formats/matlab-v5';
import { T7Table, T7Tensor, parseTorch7, readTorch7 } from '../src/data/formats/torch7';
import { parseLs3dwT7, readLs3dw } from '../src/data/formats/ls3dw';
import { parseAflw2000Mat, readAflw20003d } from '../src/data/formats/aflw2000-3d';
import { parse300WLPLandmarks, read300WLP } from '../src/data/formats/300w-lp';

const PYTHON = '/usr/bin/python3';
const ORACLE = path.join(__dirname, 'oracles', 'fixtures_3d.py');

type Fixture = { path: string; kind: string; [k: string]: unknown };
interface MatVar {
  rows: number;
  cols: number;
  data: number[];
  dtype?: string;
}

/** Deterministic non-round numbers (so float32 rounding and column-major order both show). */
function values(n: number, seed: number, lo = 20, span = 200): number[] {
  const out: number[] = [];
  let s = (seed * 2654435761) % 4294967296;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) % 4294967296;
    out.push(lo + (s / 4294967296) * span);
  }
  return out;
}

/** A row-major r×c matrix spec for scipy. */
function mat(rows: number, cols: number, data: number[], dtype = 'float64'): MatVar {
  assert.equal(data.length, rows * cols);
  return { rows, cols, data, dtype };
}

/** x0, y0, … as 68×2 rows → 3×68 row-major pt3d_68 (x row, y row, z row). */
function pt3d(xy: number[], z: number[]): MatVar {
  const data = [...Array.from({ length: 68 }, (_, i) => xy[2 * i]), ...Array.from({ length: 68 }, (_, i) => xy[2 * i + 1]), ...z];
  return mat(3, 68, data);
}

function tensor(kind: 'float' | 'double', xy: number[], extra: Record<string, unknown> = {}): unknown {
  return { tensor: kind, sizes: [68, 2], strides: [2, 1], offset: 1, storage: { storage: kind, data: xy }, ...extra };
}

function writeFixtures(files: Fixture[]): void {
  const r = spawnSync(PYTHON, [ORACLE], { input: JSON.stringify(files), encoding: 'utf8' });
  assert.equal(r.status, 0, `fixture writer failed: ${r.stderr}`);
}

function exact(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

const f32 = (a: number[]) => a.map((v) => Math.fround(v));
const deg = (rad: number) => (rad * 180) / Math.PI;

/** Pose in degrees within 1e-12 (the reader's conversion may round the last bit differently). */
function samePose(actual: { pitchDeg: number; yawDeg: number; rollDeg: number } | undefined, rad: number[]): void {
  assert.ok(actual, 'pose present');
  const expected = [deg(rad[0]), deg(rad[1]), deg(rad[2])];
  [actual.pitchDeg, actual.yawDeg, actual.rollDeg].forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) <= 1e-12 * Math.max(1, Math.abs(expected[i])), `pose ${i}: ${v} vs ${expected[i]}`),
  );
}

/** The error must be one AnnotationError line that starts with the file and says `pattern`. */
function failsNaming(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AnnotationError, `expected an AnnotationError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('data: 3D-landmark formats (LS3D-W .t7, AFLW2000-3D and 300W-LP .mat)', function () {
  this.timeout(60000);
  let tmp: string;
  const ls3dw: Record<string, { file: string; xy: number[]; kind: 'float' | 'double' }> = {};
  const aflw: Record<string, { xy: number[]; z: number[]; pose: number[] }> = {};
  const lp: Record<string, { pts3d: number[]; pts2d: number[]; pose: number[] }> = {};

  before(() => {
    assert.ok(fs.existsSync(PYTHON), `${PYTHON} with numpy, scipy and PIL writes the fixtures`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-3d-'));
    const files: Fixture[] = [];
    // LS3D-W: flat folders and 300VW-3D/<category>/<video>/<frame>.t7.
    const root = path.join(tmp, 'LS3D-W');
    const ls: [string, string, 'float' | 'double', string][] = [
      ['300W-Testset-3D', 'indoor_001', 'float', '.png'],
      ['AFLW2000-3D-Reannotated', 'image00002', 'double', '.jpg'],
      ['Menpo-3D', 'aflw__face_39844', 'float', '.jpg'],
      ['300VW-3D/CatA/114', '0001', 'double', '.jpg'],
      ['300VW-3D/CatB/203', '0001', 'float', '.jpg'],
      ['300VW-3D/CatC/401', '0002', 'float', '.jpg'],
    ];
    ls.forEach(([dir, name, kind, ext], k) => {
      const xy = values(136, 11 + k);
      const file = path.join(root, dir, `${name}.t7`);
      ls3dw[dir] = { file, xy, kind };
      let value = tensor(kind, xy);
      if (dir === 'Menpo-3D') {
        // A transposed view into a larger storage: 5 leading junk values, then the x row and the y row (2×68),
        // read as 68×2 with strides [1, 68] and storageOffset 6.
        const storage = [...values(5, 99), ...Array.from({ length: 68 }, (_, i) => xy[2 * i]), ...Array.from({ length: 68 }, (_, i) => xy[2 * i + 1])];
        value = { tensor: 'float', sizes: [68, 2], strides: [1, 68], offset: 6, storage: { storage: 'float', data: storage } };
      }
      files.push({ path: file, kind: 't7', value }, { path: path.join(root, dir, name + ext), kind: 'image', seed: k });
    });

    // AFLW2000-3D: image*.jpg + image*.mat flat; one uncompressed, one compressed.
    for (const [k, name] of ['image00002', 'image00004'].entries()) {
      const xy = values(136, 40 + k),
        z = values(68, 50 + k, -60, 120),
        pose = [...values(3, 60 + k, -1.2, 2.4), ...values(4, 70 + k)];
      aflw[name] = { xy, z, pose };
      files.push(
        {
          path: path.join(tmp, 'AFLW2000', `${name}.mat`),
          kind: 'mat',
          compress: k === 1,
          vars: { pt3d_68: pt3d(xy, z), Pose_Para: mat(1, 7, pose), pt2d: mat(2, 21, values(42, 80 + k)), Shape_Para: mat(10, 1, values(10, 90 + k)) },
        },
        { path: path.join(tmp, 'AFLW2000', `${name}.jpg`), kind: 'image', seed: 20 + k },
      );
    }

    // 300W-LP: <SUBSET>/<name>.jpg + .mat (Pose_Para, pt2d), landmarks/<SUBSET>/<name>_pts.mat (pts_2d, pts_3d);
    // a _Flip folder the reader must ignore; LFPW has a second image whose landmark file is missing.
    const lpRoot = path.join(tmp, '300W_LP');
    const lpNames: [string, string][] = [
      ['AFW', 'AFW_134212_1_0'],
      ['HELEN', 'HELEN_100032540_1_3'],
      ['IBUG', 'IBUG_image_003_1_0'],
      ['LFPW', 'LFPW_image_test_0001_0'],
    ];
    lpNames.forEach(([subset, name], k) => {
      const pts3d = values(136, 100 + k),
        pts2d = values(136, 110 + k),
        pose = [...values(3, 120 + k, -1.5, 3), ...values(4, 130 + k)];
      lp[name] = { pts3d, pts2d, pose };
      const rows = (xy: number[]) => mat(68, 2, xy);
      files.push(
        {
          path: path.join(lpRoot, subset, `${name}.mat`),
          kind: 'mat',
          compress: k % 2 === 1,
          vars: { Pose_Para: mat(1, 7, pose), pt2d: mat(2, 68, values(136, 140 + k)) },
        },
        { path: path.join(lpRoot, subset, `${name}.jpg`), kind: 'image', seed: 30 + k },
        {
          path: path.join(lpRoot, 'landmarks', subset, `${name}_pts.mat`),
          kind: 'mat',
          compress: k % 2 === 0,
          vars: { pts_2d: rows(pts2d), pts_3d: rows(pts3d) },
        },
      );
    });
    files.push(
      { path: path.join(lpRoot, 'AFW_Flip', 'AFW_134212_1_0.mat'), kind: 'mat', vars: { Pose_Para: mat(1, 7, values(7, 150)) } },
      { path: path.join(lpRoot, 'AFW_Flip', 'AFW_134212_1_0.jpg'), kind: 'image', seed: 40 },
      { path: path.join(lpRoot, 'LFPW', 'LFPW_image_test_0002_0.mat'), kind: 'mat', vars: { Pose_Para: mat(1, 7, values(7, 151)) } },
      { path: path.join(lpRoot, 'LFPW', 'LFPW_image_test_0002_0.jpg'), kind: 'image', seed: 41 },
    );

    // Parser fixtures: every numeric class, small data elements (names ≤ 4 chars, a 1×1 int8), v4, v7.3.
    const p = path.join(tmp, 'parser');
    files.push(
      {
        path: path.join(p, 'classes.mat'),
        kind: 'mat',
        vars: {
          d: mat(2, 3, [1.5, -2.25, 3, 4.125, 5, -6.5]),
          single: mat(3, 2, values(6, 1), 'float32'),
          i8: mat(1, 1, [-7], 'int8'),
          u8: mat(1, 4, [0, 1, 254, 255], 'uint8'),
          i16: mat(2, 2, [-32768, 32767, -1, 12], 'int16'),
          u16: mat(1, 2, [65535, 3], 'uint16'),
          i32: mat(1, 3, [-2147483648, 2147483647, 5], 'int32'),
          u32: mat(1, 2, [4294967295, 7], 'uint32'),
          i64: mat(1, 2, [-9007199254740991, 42], 'int64'),
        },
      },
      {
        path: path.join(p, 'classes-z.mat'),
        kind: 'mat',
        compress: true,
        vars: { d: mat(2, 3, [1.5, -2.25, 3, 4.125, 5, -6.5]), single: mat(3, 2, values(6, 1), 'float32') },
      },
      { path: path.join(p, 'compact.mat'), kind: 'mat-compact', name: 'roi', rows: 2, cols: 3, data: [12, 200, 7, 0, 255, 31] },
      { path: path.join(p, 'v4.mat'), kind: 'mat', format: '4', vars: { pt3d_68: pt3d(values(136, 3), values(68, 4)) } },
      { path: path.join(p, 'v73.mat'), kind: 'mat73' },
      { path: path.join(p, 'no-pt3d.mat'), kind: 'mat', vars: { Pose_Para: mat(1, 7, values(7, 5)) } },
      { path: path.join(p, 'pt3d-2x68.mat'), kind: 'mat', vars: { pt3d_68: mat(2, 68, values(136, 6)), Pose_Para: mat(1, 7, values(7, 7)) } },
      {
        // Two tensors sharing one DoubleStorage (the second refers to it by index), plus the scalar types.
        path: path.join(p, 'shared.t7'),
        kind: 't7',
        value: {
          table: [
            [
              1,
              {
                tensor: 'double',
                sizes: [2, 3],
                strides: [3, 1],
                offset: 1,
                storage: { storage: 'double', data: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], ref: 's' },
              },
            ],
            [2, { tensor: 'double', sizes: [3], strides: [2], offset: 3, storage: { use: 's' } }],
            ['name', 'LS3D-W'],
            ['flag', true],
            ['n', 2.5],
            ['none', null],
          ],
        },
      },
      { path: path.join(p, 'big-endian.t7'), kind: 't7', endian: '>', value: tensor('float', values(136, 8)) },
      {
        path: path.join(p, 'overrun.t7'),
        kind: 't7',
        value: { tensor: 'float', sizes: [68, 2], strides: [2, 1], offset: 1, storage: { storage: 'float', data: values(100, 9) } },
      },
      {
        path: path.join(p, 'offset-overrun.t7'),
        kind: 't7',
        value: { tensor: 'float', sizes: [68, 2], strides: [2, 1], offset: 2, storage: { storage: 'float', data: values(136, 9) } },
      },
      {
        path: path.join(p, 'shape-2x68.t7'),
        kind: 't7',
        value: { tensor: 'float', sizes: [2, 68], strides: [68, 1], offset: 1, storage: { storage: 'float', data: values(136, 9) } },
      },
      { path: path.join(p, 'bad-type.t7'), kind: 't7', value: { raw_type: 9 } },
      { path: path.join(p, 'good.t7'), kind: 't7', value: tensor('float', values(136, 10)) },
    );
    writeFixtures(files);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('MATLAB v5 parser', () => {
    it('decodes every numeric class (column-major), small data elements, and compressed variables as written by scipy', () => {
      for (const name of ['classes.mat', 'classes-z.mat']) {
        const vars = readMatV5(path.join(tmp, 'parser', name));
        const d = vars.get('d')!;
        assert.equal(d.className, 'double');
        assert.deepEqual(d.dims, [2, 3]);
        exact(d.real!, [1.5, 4.125, -2.25, 5, 3, -6.5], `${name} d`); // row-major [[1.5,-2.25,3],[4.125,5,-6.5]] stored by column
        const s = vars.get('single')!;
        assert.equal(s.className, 'single');
        const v = f32(values(6, 1));
        exact(s.real!, [v[0], v[2], v[4], v[1], v[3], v[5]], `${name} single`);
      }
      const vars = readMatV5(path.join(tmp, 'parser', 'classes.mat'));
      const expect: Record<string, [string, number[], number[]]> = {
        i8: ['int8', [1, 1], [-7]],
        u8: ['uint8', [1, 4], [0, 1, 254, 255]],
        i16: ['int16', [2, 2], [-32768, -1, 32767, 12]],
        u16: ['uint16', [1, 2], [65535, 3]],
        i32: ['int32', [1, 3], [-2147483648, 2147483647, 5]],
        u32: ['uint32', [1, 2], [4294967295, 7]],
        i64: ['int64', [1, 2], [-9007199254740991, 42]],
      };
      for (const [name, [cls, dims, data]] of Object.entries(expect)) {
        const x = vars.get(name)!;
        assert.equal(x.className, cls, name);
        assert.deepEqual(x.dims, dims, name);
        exact(x.real!, data, name);
      }
    });

    it('converts a double stored as miUINT8 (as MATLAB writes whole numbers) and a small-element name', () => {
      const roi = readMatV5(path.join(tmp, 'parser', 'compact.mat')).get('roi')!;
      assert.equal(roi.className, 'double');
      assert.deepEqual(roi.dims, [2, 3]);
      exact(roi.real!, [12, 0, 200, 255, 7, 31], 'roi');
    });

    it('refuses v4 and v7.3 MAT-files with a message naming the file and the version', () => {
      const v4 = path.join(tmp, 'parser', 'v4.mat'),
        v73 = path.join(tmp, 'parser', 'v73.mat');
      failsNaming(() => readMatV5(v4), v4, /v4 MAT-file.*-v6 or -v7/);
      failsNaming(() => readMatV5(v73), v73, /v7\.3 \(HDF5\)/);
    });

    it('names the file and the byte for truncated files, a wrong magic, a broken zlib stream and a missing file', () => {
      for (const name of ['classes.mat', 'classes-z.mat']) {
        const file = path.join(tmp, 'parser', name);
        const bytes = fs.readFileSync(file);
        const cuts = [60, 131, 140, 200, bytes.length - 3];
        for (const cut of cuts) {
          const pattern = cut < 128 ? /128-byte MATLAB v5 MAT-file header/ : /at byte \d+.*(truncated|expected|zlib)/;
          failsNaming(() => parseMatV5(file, bytes.subarray(0, cut)), file, pattern);
        }
      }
      const file = path.join(tmp, 'parser', 'classes.mat');
      const bad = Buffer.from(fs.readFileSync(file));
      bad.write('XX', 126, 'latin1');
      failsNaming(() => parseMatV5(file, bad), file, /endian indicator 'IM' or 'MI' at byte 126\), found 'XX'/);
      const zfile = path.join(tmp, 'parser', 'classes-z.mat');
      const z = Buffer.from(fs.readFileSync(zfile));
      assert.equal(z.readUInt32LE(128), 15, 'scipy wrote miCOMPRESSED first');
      z[136] ^= 0xff; // the zlib header byte
      failsNaming(() => parseMatV5(zfile, z), zfile, /at byte 128: compressed variable is not a valid zlib stream \(incorrect header check\)/);
      const missing = path.join(tmp, 'parser', 'nope.mat');
      failsNaming(() => readMatV5(missing), missing, /cannot read the MAT-file \(ENOENT\)/);
    });

    it('refuses a claimed size beyond the file before allocating it', () => {
      const file = path.join(tmp, 'parser', 'classes.mat');
      const bytes = Buffer.from(fs.readFileSync(file));
      bytes.writeUInt32LE(0x7fffffff, 132); // the first variable's byte count
      failsNaming(() => parseMatV5(file, bytes), file, /at byte 128: a variable claims 2147483647 bytes, only \d+ remain/);
    });
  });

  describe('Torch7 parser', () => {
    it('reads tables, scalars and two tensors sharing one storage by reference', () => {
      const t = readTorch7(path.join(tmp, 'parser', 'shared.t7')) as T7Table;
      assert.equal(t.kind, 'table');
      const a = t.entries.get(1) as T7Tensor,
        b = t.entries.get(2) as T7Tensor;
      assert.equal(a.className, 'torch.DoubleTensor');
      assert.deepEqual(a.sizes, [2, 3]);
      exact(a.values, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], 'a');
      assert.equal(b.storageOffset, 3);
      exact(b.values, [0.3, 0.5, 0.7], 'b (offset 3, stride 2)');
      assert.ok(a.storage !== null && a.storage === b.storage, 'one storage object for both tensors');
      assert.equal(a.storage.data.length, 8);
      assert.equal(t.entries.get('name'), 'LS3D-W');
      assert.equal(t.entries.get('flag'), true);
      assert.equal(t.entries.get('n'), 2.5);
      assert.equal(t.entries.get('none'), null);
    });

    it('reads a big-endian file the same as a little-endian one', () => {
      const t = readTorch7(path.join(tmp, 'parser', 'big-endian.t7')) as T7Tensor;
      exact(t.values, f32(values(136, 8)), 'big-endian');
    });

    it('fails naming the file: truncations, wrong magic, ascii mode, a tensor past its storage, a wrong shape, an unknown type', () => {
      const good = path.join(tmp, 'parser', 'good.t7');
      const bytes = fs.readFileSync(good);
      for (const cut of [0, 2, 6, 12, 30, 70, 90, bytes.length - 1]) {
        failsNaming(() => parseTorch7(good, bytes.subarray(0, cut)), good, /(truncated|expected a Torch7 type id \(4 bytes\))/);
      }
      const jpg = ls3dw['Menpo-3D'].file.replace(/\.t7$/, '.jpg');
      failsNaming(() => parseTorch7(jpg, fs.readFileSync(jpg)), jpg, /at byte 0: expected a Torch7 type id 0-5, found -\d+ \(not a \.t7 file\?\)/);
      failsNaming(() => parseTorch7(good, Buffer.from('4\n1\n3\nV 1\n')), good, /ascii mode/);
      const overrun = path.join(tmp, 'parser', 'overrun.t7');
      failsNaming(() => parseLs3dwT7(overrun), overrun, /tensor 68×2 \(strides 2, 1, offset 1\) reaches element 136 of a storage of 100/);
      const offset = path.join(tmp, 'parser', 'offset-overrun.t7');
      failsNaming(() => parseLs3dwT7(offset), offset, /offset 2\) reaches element 137 of a storage of 136/);
      const shape = path.join(tmp, 'parser', 'shape-2x68.t7');
      failsNaming(() => parseLs3dwT7(shape), shape, /expected a 68×2 tensor, found 2×68/);
      const badType = path.join(tmp, 'parser', 'bad-type.t7');
      failsNaming(() => readTorch7(badType), badType, /expected a Torch7 type id 0-5, found 9/);
      const trailing = Buffer.concat([bytes, Buffer.from([0, 0, 0, 0])]);
      failsNaming(() => parseTorch7(good, trailing), good, /expected the end of the file after one object, found 4 more bytes/);
    });
  });

  describe('LS3D-W reader', () => {
    it('reads every folder in the release layout with exact values, images beside, subsets named', () => {
      const r = readLs3dw(path.join(tmp, 'LS3D-W'));
      assert.equal(r.points, 68);
      assert.deepEqual(r.problems, []);
      assert.deepEqual(
        r.records.map((x) => x.subset),
        ['300W-Testset-3D', 'AFLW2000-3D-Reannotated', 'Menpo-3D', '300VW-3D/CatA', '300VW-3D/CatB', '300VW-3D/CatC'],
      );
      for (const rec of r.records) {
        const dir = Object.keys(ls3dw).find((d) => ls3dw[d].file === rec.annotation)!;
        const { xy, file } = ls3dw[dir];
        // Every tensor is stored as float32 or float64; the record holds float32 either way.
        exact(rec.landmarks, f32(xy), dir);
        assert.equal(rec.image, file.replace(/\.t7$/, dir === '300W-Testset-3D' ? '.png' : '.jpg'));
        assert.equal(rec.depth, undefined);
        assert.equal(rec.visible.length, 68);
      }
      const one = readLs3dw(path.join(tmp, 'LS3D-W'), '300VW-3D', { categories: ['CatB'] });
      assert.deepEqual(
        one.records.map((x) => x.subset),
        ['300VW-3D/CatB'],
      );
    });

    it('collects a bad .t7 as a problem with skipBad and throws naming it otherwise', () => {
      const root = path.join(tmp, 'LS3D-W-bad');
      const dir = path.join(root, 'Menpo-3D');
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(ls3dw['Menpo-3D'].file, path.join(dir, 'a.t7'));
      fs.copyFileSync(ls3dw['Menpo-3D'].file.replace(/\.t7$/, '.jpg'), path.join(dir, 'a.jpg'));
      const bad = path.join(dir, 'b.t7');
      fs.writeFileSync(bad, fs.readFileSync(ls3dw['Menpo-3D'].file).subarray(0, 50));
      fs.copyFileSync(path.join(dir, 'a.jpg'), path.join(dir, 'b.jpg'));
      const noImage = path.join(dir, 'c.t7');
      fs.copyFileSync(path.join(dir, 'a.t7'), noImage);
      const r = readLs3dw(root, 'Menpo-3D', { skipBad: true });
      assert.equal(r.records.length, 1);
      assert.deepEqual(
        r.problems.map((p) => p.file),
        [bad, noImage],
      );
      assert.match(r.problems[0].message, /truncated/);
      assert.match(r.problems[1].message, /no image/);
      failsNaming(() => readLs3dw(root, 'Menpo-3D'), bad, /truncated/);
    });
  });

  describe('AFLW2000-3D reader', () => {
    it('reads pt3d_68 as x, y + depth and Pose_Para as degrees, from uncompressed and compressed files', () => {
      const r = readAflw20003d(path.join(tmp, 'AFLW2000'));
      assert.deepEqual(r.problems, []);
      assert.deepEqual(
        r.records.map((x) => path.basename(x.image)),
        ['image00002.jpg', 'image00004.jpg'],
      );
      for (const rec of r.records) {
        const { xy, z, pose } = aflw[path.basename(rec.annotation, '.mat')];
        exact(rec.landmarks, f32(xy), 'landmarks');
        exact(rec.depth!, f32(z), 'depth');
        samePose(rec.pose, pose);
        assert.equal(rec.subset, 'AFLW2000-3D');
      }
    });

    it('fails naming the file for a .mat without pt3d_68, a wrong shape, v4 and v7.3', () => {
      const none = path.join(tmp, 'parser', 'no-pt3d.mat');
      failsNaming(() => parseAflw2000Mat(none), none, /expected a variable 'pt3d_68' \(3×68\), found only 'Pose_Para'/);
      const shape = path.join(tmp, 'parser', 'pt3d-2x68.mat');
      failsNaming(() => parseAflw2000Mat(shape), shape, /expected 'pt3d_68' to be 3×68, found 2×68/);
      const v4 = path.join(tmp, 'parser', 'v4.mat');
      failsNaming(() => parseAflw2000Mat(v4), v4, /v4 MAT-file/);
    });

    it('collects bad files as problems with skipBad', () => {
      const root = path.join(tmp, 'AFLW2000-bad');
      fs.mkdirSync(root);
      fs.copyFileSync(path.join(tmp, 'AFLW2000', 'image00002.mat'), path.join(root, 'image00002.mat'));
      fs.copyFileSync(path.join(tmp, 'AFLW2000', 'image00002.jpg'), path.join(root, 'image00002.jpg'));
      fs.copyFileSync(path.join(tmp, 'parser', 'no-pt3d.mat'), path.join(root, 'image00003.mat'));
      fs.copyFileSync(path.join(tmp, 'parser', 'v73.mat'), path.join(root, 'image00005.mat'));
      const r = readAflw20003d(root, { skipBad: true });
      assert.equal(r.records.length, 1);
      assert.deepEqual(
        r.problems.map((p) => path.basename(p.file)),
        ['image00003.mat', 'image00005.mat'],
      );
      assert.match(r.problems[1].message, /v7\.3/);
      failsNaming(() => readAflw20003d(root), path.join(root, 'image00003.mat'), /pt3d_68/);
    });
  });

  describe('300W-LP reader', () => {
    it('reads the four subsets with landmarks from landmarks/<SUBSET>/<name>_pts.mat and pose from the image .mat', () => {
      const root = path.join(tmp, '300W_LP');
      const r = read300WLP(root, 'all', { skipBad: true });
      assert.deepEqual(
        r.records.map((x) => x.subset),
        ['AFW', 'HELEN', 'IBUG', 'LFPW'],
      );
      const missing = path.join(root, 'LFPW', 'LFPW_image_test_0002_0.mat');
      assert.deepEqual(
        r.problems.map((p) => p.file),
        [missing],
      );
      assert.match(r.problems[0].message, /landmarks[/\\]LFPW[/\\]LFPW_image_test_0002_0_pts\.mat, found no such file/);
      for (const rec of r.records) {
        const name = path.basename(rec.image, '.jpg');
        const { pts3d, pose } = lp[name];
        exact(rec.landmarks, f32(pts3d), name);
        assert.equal(rec.annotation, path.join(root, 'landmarks', rec.subset, `${name}_pts.mat`));
        samePose(rec.pose, pose);
        assert.ok(!rec.image.includes('_Flip'));
      }
      const two = read300WLP(root, 'HELEN', { landmarks: 'pts_2d' });
      exact(two.records[0].landmarks, f32(lp.HELEN_100032540_1_3.pts2d), 'pts_2d');
      failsNaming(() => read300WLP(root, 'LFPW'), missing, /found no such file/);
      const pts = path.join(root, 'landmarks', 'AFW', 'AFW_134212_1_0_pts.mat');
      exact(parse300WLPLandmarks(pts), f32(lp.AFW_134212_1_0.pts3d), 'parse300WLPLandmarks');
    });
  });
});
