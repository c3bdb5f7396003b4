import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { readImage, writeImage } from '../src/data/image-io';
import { loadFaceApi, labelFaces } from '../src/data/embedded/face-api';
import { packageDir } from '../src/data/embedded/sources';
import { formatPts, read300W, parsePts } from '../src/data/formats/pts300w';
import { formatHelenAnnotation, readHelen } from '../src/data/formats/helen';
import { readCelebA } from '../src/data/formats/celeba';
import { formatWflwLine, readWflw, wflwListFile } from '../src/data/formats/wflw';
import { formatDlibXml, readDlibXml } from '../src/data/formats/dlib-xml';
import { readAflw } from '../src/data/formats/aflw';
import { AnnotationError } from '../src/data/formats/common';
import { openDataset } from '../src/data/open';
import { landmarkBox } from '../src/data/crop';

/** A real face: a crop of a face-api demo photo and its 68 face-api landmarks in crop pixels (3-decimal text). */
interface RealFace {
  file: string;
  width: number;
  height: number;
  landmarks68: number[];
}

/** Points for other schemes, taken from the 68 real ones (the readers only need real numbers in the real layout). */
function pointsFrom68(lm: number[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = (i * 67) / Math.max(1, n - 1);
    const a = Math.floor(t),
      b = Math.min(67, a + 1),
      f = t - a;
    out.push(+(lm[2 * a] * (1 - f) + lm[2 * b] * f).toFixed(3), +(lm[2 * a + 1] * (1 - f) + lm[2 * b + 1] * f).toFixed(3));
  }
  return out;
}

function near(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-3): void {
  assert.strictEqual(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

describe('data: dataset readers on real faces in the real on-disk formats', function () {
  this.timeout(120000);
  let tmp: string;
  const faces: RealFace[] = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-formats-'));
    const photo = await readImage(path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample1.jpg'));
    const api = await loadFaceApi();
    const found = await labelFaces(api, photo.data, photo.width, photo.height, false);
    assert.strictEqual(found.length, 3, 'face-api finds the 3 faces of sample1.jpg');
    for (const [k, f] of found.entries()) {
      const [x1, y1, x2, y2] = landmarkBox(f.landmarks);
      const side = Math.round(Math.max(x2 - x1, y2 - y1) * 1.6);
      const left = Math.max(0, Math.round((x1 + x2) / 2 - side / 2)),
        top = Math.max(0, Math.round((y1 + y2) / 2 - side / 2));
      const width = Math.min(side, photo.width - left),
        height = Math.min(side, photo.height - top);
      const data = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++)
        data.set(photo.data.subarray(((top + y) * photo.width + left) * 3, ((top + y) * photo.width + left + width) * 3), y * width * 3);
      const file = path.join(tmp, 'crops', `face${k}.${k % 2 ? 'png' : 'jpg'}`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await writeImage(file, { data, width, height });
      faces.push({ file, width, height, landmarks68: Array.from(f.landmarks).map((v, i) => +(v - (i % 2 ? top : left)).toFixed(3)) });
    }
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const place = (face: RealFace, target: string): string => {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const out = target + path.extname(face.file);
    fs.copyFileSync(face.file, out);
    return out;
  };

  it('300W: .pts beside images in lfpw/helen/afw/ibug; subsets training/common/challenging/full; round trip', async () => {
    const root = path.join(tmp, '300w');
    for (const d of ['lfpw/trainset', 'lfpw/testset', 'helen/trainset', 'helen/testset', 'afw', 'ibug']) fs.mkdirSync(path.join(root, d), { recursive: true });
    const layout = [
      ['lfpw/trainset/image_0001', 0],
      ['afw/1051618982_1', 1],
      ['helen/testset/296814969_3', 2],
      ['ibug/image_003_1', 0],
    ] as const;
    for (const [name, k] of layout) {
      place(faces[k], path.join(root, name));
      write(path.join(root, `${name}.pts`), formatPts(faces[k].landmarks68));
    }
    const counts = Object.fromEntries((['training', 'common', 'challenging', 'full'] as const).map((s) => [s, read300W(root, s).records.length]));
    assert.deepStrictEqual(counts, { training: 2, common: 1, challenging: 1, full: 2 });
    const ibug = read300W(root, 'challenging').records[0];
    near(ibug.landmarks, faces[0].landmarks68);
    assert.strictEqual(ibug.subset, 'challenging');
    assert.ok(ibug.image.endsWith('image_003_1.jpg'));
    const ds = await openDataset({ format: '300w', root, hrSize: 128, margin: 0.1 });
    assert.deepStrictEqual(ds.info.counts, { train: 2, val: 0, test: 2 });
    const s = ds.test[0];
    assert.strictEqual(s.hr.length, 128 * 128 * 3);
    // Landmark box + 10 % margin each side: the landmarks span 1/1.2 of the crop along the longer side.
    const [x1, y1, x2, y2] = landmarkBox(s.landmarks);
    assert.ok(Math.abs(Math.max(x2 - x1, y2 - y1) - 128 / 1.2) < 0.01, `span ${Math.max(x2 - x1, y2 - y1)}`);
    const cli = spawnSync(process.execPath, ['bin/jasr.js', 'data', 'inspect', '--format', '300w', '--root', root, '--json'], { encoding: 'utf8' });
    assert.strictEqual(cli.status, 0, cli.stderr);
    const report = JSON.parse(cli.stdout) as { count: number; points: number; subsets: Record<string, number> };
    assert.strictEqual(report.count, 4);
    assert.strictEqual(report.points, 68);
    assert.strictEqual(report.subsets.common, 1);
  });

  it('300W: malformed .pts and missing images name file and line; skipBad collects them', () => {
    const root = path.join(tmp, '300w-bad');
    for (const d of ['lfpw/trainset', 'lfpw/testset', 'helen/trainset', 'helen/testset', 'afw', 'ibug']) fs.mkdirSync(path.join(root, d), { recursive: true });
    const good = formatPts(faces[0].landmarks68);
    place(faces[0], path.join(root, 'afw/ok'));
    write(path.join(root, 'afw/ok.pts'), good);
    place(faces[0], path.join(root, 'afw/short'));
    write(path.join(root, 'afw/short.pts'), formatPts(faces[0].landmarks68.slice(0, 134)));
    place(faces[0], path.join(root, 'afw/nan'));
    write(path.join(root, 'afw/nan.pts'), good.replace(/\{\n(\S+) (\S+)\n/, '{\n$1 12.5abc\n'));
    write(path.join(root, 'afw/noimage.pts'), good);
    assert.throws(
      () => parsePts(path.join(root, 'afw/short.pts'), 68),
      (e: Error) => e instanceof AnnotationError && /short\.pts:2: expected n_points: 68, found 67/.test(e.message),
    );
    assert.throws(() => parsePts(path.join(root, 'afw/nan.pts'), 68), /nan\.pts:4: expected a number for y of point 0, found '12\.5abc'/);
    assert.throws(() => read300W(root, 'training'), /afw[/\\]nan\.pts:4/);
    const r = read300W(root, 'training', { skipBad: true });
    assert.strictEqual(r.records.length, 1);
    assert.deepStrictEqual(
      r.problems.map((p) => [path.basename(p.file), p.line]),
      [
        ['nan.pts', 4],
        ['noimage.pts', null],
        ['short.pts', 2],
      ],
    );
    assert.match(r.problems[1].message, /no image \(\.jpg\/\.png\) with the same name/);
  });

  it('an unreadable image fails openDataset naming the annotation, or becomes a problem with skipBad', async () => {
    const root = path.join(tmp, '300w-corrupt');
    for (const d of ['lfpw/trainset', 'lfpw/testset', 'helen/trainset', 'helen/testset', 'afw', 'ibug']) fs.mkdirSync(path.join(root, d), { recursive: true });
    write(path.join(root, 'ibug/broken.jpg'), 'not a jpeg');
    write(path.join(root, 'ibug/broken.pts'), formatPts(faces[1].landmarks68));
    await assert.rejects(openDataset({ format: '300w', root }), /ibug[/\\]broken\.pts: .*broken\.jpg: cannot decode image/);
    const ds = await openDataset({ format: '300w', root, skipBad: true });
    assert.strictEqual(ds.test.length, 0);
    assert.strictEqual(ds.info.problems.length, 1);
    assert.match(ds.info.problems[0].message, /broken\.pts: .*cannot decode image/);
  });

  it('HELEN: annotation/<k>.txt (name line + 194 "x , y"), images under helen_1, splits from name lists', () => {
    const root = path.join(tmp, 'helen');
    const lm = pointsFrom68(faces[1].landmarks68, 194);
    place(faces[1], path.join(root, 'helen_1', '100032540_1'));
    place(faces[2], path.join(root, 'helen_2', '2908549_1'));
    write(path.join(root, 'annotation', '1.txt'), formatHelenAnnotation('100032540_1', lm));
    write(path.join(root, 'annotation', '2.txt'), formatHelenAnnotation('2908549_1', pointsFrom68(faces[2].landmarks68, 194)));
    write(path.join(root, 'trainnames.txt'), '100032540_1\n');
    write(path.join(root, 'testnames.txt'), '2908549_1\n');
    const train = readHelen(root, 'train');
    assert.strictEqual(train.records.length, 1);
    near(train.records[0].landmarks, lm);
    assert.strictEqual(readHelen(root, 'test').records[0].subset, 'test');
    write(path.join(root, 'annotation', '3.txt'), formatHelenAnnotation('2908549_1', lm).replace(/\n([^\n]*) , ([^\n]*)\n/, '\n$1 ; $2\n'));
    assert.throws(() => readHelen(root, 'all'), /annotation[/\\]3\.txt:2: expected 'x , y'/);
    write(path.join(root, 'annotation', '3.txt'), formatHelenAnnotation('missing_9', lm));
    assert.throws(() => readHelen(root, 'all'), /3\.txt:1: image 'missing_9' not found/);
    assert.strictEqual(readHelen(root, 'all', { skipBad: true }).problems.length, 1);
  });

  it('CelebA: aligned landmark list + eval partition + img_align_celeba/', () => {
    const root = path.join(tmp, 'celeba');
    const rows = faces.map((f, k) => `${String(k + 1).padStart(6, '0')}.jpg ${pointsFrom68(f.landmarks68, 5).map(Math.round).join(' ')}`);
    faces.forEach((f, k) => place(f, path.join(root, 'img_align_celeba', String(k + 1).padStart(6, '0'))));
    // CelebA's images are .jpg; the crops are jpg/png by index, so list the name each copy really has.
    const names = faces.map((f, k) => `${String(k + 1).padStart(6, '0')}${path.extname(f.file)}`);
    const lines = rows.map((r, k) => r.replace(/^\S+/, names[k]));
    write(
      path.join(root, 'list_landmarks_align_celeba.txt'),
      `3\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y\n${lines.join('\n')}\n`,
    );
    write(path.join(root, 'list_eval_partition.txt'), `${names[0]} 0\n${names[1]} 1\n${names[2]} 2\n`);
    assert.deepStrictEqual(
      ['train', 'val', 'test'].map((s) => readCelebA(root, s as 'train').records.length),
      [1, 1, 1],
    );
    near(readCelebA(root, 'val').records[0].landmarks, pointsFrom68(faces[1].landmarks68, 5).map(Math.round));
    write(
      path.join(root, 'list_landmarks_align_celeba.txt'),
      `3\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y\n${lines[0]}\n${lines[1].replace(/ \d+$/, ' x9')}\n${lines[2]}\n`,
    );
    assert.throws(() => readCelebA(root), /list_landmarks_align_celeba\.txt:4: expected a number for rightmouth_y, found 'x9'/);
    const r = readCelebA(root, 'all', { skipBad: true });
    assert.strictEqual(r.records.length, 2);
    assert.strictEqual(r.problems[0].line, 4);
  });

  it('WFLW: one line per face with 98 points, box, 6 attributes and the image path', () => {
    const root = path.join(tmp, 'wflw');
    const lm = pointsFrom68(faces[2].landmarks68, 98);
    const img = place(faces[2], path.join(root, 'WFLW_images', '7--Cheering', '7_Cheering_Cheering_7_16'));
    const rel = path.relative(path.join(root, 'WFLW_images'), img);
    write(
      wflwListFile(root, 'test'),
      `${formatWflwLine(lm, [10, 12, 150, 160], [0, 1, 0, 0, 1, 0], rel)}\n${formatWflwLine(lm.slice(0, 194), [10, 12, 150, 160], [0, 1, 0, 0, 1, 0], rel)}\n`,
    );
    assert.throws(() => readWflw(root, 'test'), /list_98pt_rect_attr_test\.txt:2: expected 207 fields .* found 205/);
    const r = readWflw(root, 'test', { skipBad: true });
    assert.strictEqual(r.records.length, 1);
    near(r.records[0].landmarks, lm);
    assert.deepStrictEqual(r.records[0].box, [10, 12, 150, 160]);
    assert.deepStrictEqual(r.records[0].attributes, { pose: 0, expression: 1, illumination: 0, makeup: 0, occlusion: 1, blur: 0 });
  });

  it('dlib imglab XML: <image file><box top left width height><part name x y/>', () => {
    const root = path.join(tmp, 'dlib');
    const entries = faces.map((f, k) => {
      const img = place(f, path.join(root, 'images', `face${k}`));
      return { image: path.relative(root, img), box: landmarkBox(f.landmarks68) as [number, number, number, number], landmarks: f.landmarks68 };
    });
    write(path.join(root, 'training_with_face_landmarks.xml'), formatDlibXml(entries.slice(0, 2)));
    write(path.join(root, 'testing_with_face_landmarks.xml'), formatDlibXml(entries.slice(2)));
    const r = readDlibXml(path.join(root, 'training_with_face_landmarks.xml'));
    assert.strictEqual(r.records.length, 2);
    near(r.records[1].landmarks, faces[1].landmarks68.map(Math.round));
    const [x1, y1] = landmarkBox(faces[0].landmarks68);
    assert.deepStrictEqual(r.records[0].box?.slice(0, 2), [Math.round(x1), Math.round(y1)]);
    write(path.join(root, 'bad.xml'), formatDlibXml(entries.slice(0, 1)).replace(/x='(\d+)'/, "x='1e'"));
    assert.throws(() => readDlibXml(path.join(root, 'bad.xml')), /bad\.xml:5: expected a number for x of part 0, found '1e'/);
  });

  it('AFLW-19 (SAN lists): list lines with box, 300W-style or "index x y visible" annotations', async () => {
    const root = path.join(tmp, 'aflw');
    const lm = pointsFrom68(faces[0].landmarks68, 19);
    const img = place(faces[0], path.join(root, 'images', 'image00002'));
    write(path.join(root, 'annotations', 'a.pts'), formatPts(lm));
    write(
      path.join(root, 'annotations', 'b.txt'),
      lm
        .filter((_, i) => i % 2 === 0)
        .map((x, i) => `${i + 1} ${x} ${lm[2 * i + 1]} ${i === 3 ? 0 : 1}`)
        .join('\n') + '\n',
    );
    write(
      path.join(root, 'train.GTB'),
      `${path.relative(root, img)} annotations/a.pts 20 30 140 150\n${path.relative(root, img)} annotations/b.txt 20 30 140 150 120\n`,
    );
    write(path.join(root, 'test.GTB'), `${path.relative(root, img)} annotations/a.pts 20 30 140\n`);
    const train = readAflw(root, 'train');
    assert.strictEqual(train.records.length, 2);
    near(train.records[0].landmarks, lm);
    near(train.records[1].landmarks, lm);
    assert.strictEqual(train.records[1].visible[3], 0);
    assert.deepStrictEqual(train.records[0].box, [20, 30, 140, 150]);
    assert.throws(() => readAflw(root, 'test'), /test\.GTB:1: expected '<image> <annotation> x1 y1 x2 y2 \[faceSize\]', found 5 fields/);
    const ds = await openDataset({ format: 'aflw', root, hrSize: 64, skipBad: true });
    assert.strictEqual(ds.train.length, 2);
    assert.strictEqual(ds.info.points, 19);
    assert.strictEqual(ds.info.problems.length, 1);
  });
});
