/**
 * The dataset registry (src/data/registry.ts): its facts agree with the flip tables and the NME code, every format
 * read from files has a fixture here in its real layout (a format added to the registry without one fails the
 * first test), and each reads through `jasr data inspect` and `openDataset` with the entry's points, labels and
 * crop. The 3D fixtures come from the independent writers of test/data-formats-3d.test.ts (/usr/bin/python3).
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DATASETS, DatasetEntry, REGISTERED_FORMATS, datasetEntry, resolveCropPolicy } from '../src/data/registry';
import { DATASET_FORMATS } from '../src/data/config';
import { FLIP_TABLES, OUTER_EYE_CORNERS } from '../src/data/flip-tables';
import { LANDMARK_CONVENTIONS } from '../src/data/landmark-conventions';
import { defaultNormalizer, eyeIndices } from '../src/metrics/nme';
import { writeImage } from '../src/data/image-io';
import { formatPts } from '../src/data/formats/pts300w';
import { formatHelenAnnotation } from '../src/data/formats/helen';
import { formatWflwLine, wflwListFile } from '../src/data/formats/wflw';
import { formatDlibXml } from '../src/data/formats/dlib-xml';
import type { BenchmarkFormat } from '../src/data/records';
import { openDataset } from '../src/data/open';
import { command as dataCommand } from '../src/cli/data';

const PYTHON = '/usr/bin/python3';
const ORACLE_3D = path.join(__dirname, 'oracles', 'fixtures_3d.py');

/** `n` points on an ellipse inside a 48² image (integers, as several formats store them). */
function points(n: number, seed: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n + seed;
    out.push(Math.round(24 + 12 * Math.cos(t)), Math.round(25 + 14 * Math.sin(t)));
  }
  return out;
}

async function image(file: string, seed: number): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const data = new Uint8Array(48 * 48 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 17) % 251;
  await writeImage(file, { data, width: 48, height: 48 });
  return file;
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Writes one dataset in its real layout under `root`; returns the face count `jasr data inspect` must report. */
type Builder = (root: string) => Promise<number>;

type MatVar = { rows: number; cols: number; data: number[] };
const mat = (rows: number, cols: number, data: number[]): MatVar => ({ rows, cols, data });
const t7 = (xy: number[]): unknown => ({ tensor: 'float', sizes: [68, 2], strides: [2, 1], offset: 1, storage: { storage: 'float', data: xy } });
function python3d(files: unknown[]): void {
  const r = spawnSync(PYTHON, [ORACLE_3D], { input: JSON.stringify(files), encoding: 'utf8' });
  assert.equal(r.status, 0, `fixture writer failed: ${r.stderr}`);
}

/** One builder per format read from files: typed over BenchmarkFormat, so a new registry entry needs one here. */
const FIXTURES: Record<BenchmarkFormat, Builder> = {
  '300w': async (root) => {
    const folders = ['lfpw/trainset', 'helen/trainset', 'afw', 'lfpw/testset', 'helen/testset', 'ibug'];
    for (const [k, f] of folders.entries()) {
      await image(path.join(root, f, `face${k}.png`), k);
      write(path.join(root, f, `face${k}.pts`), formatPts(points(68, k)));
    }
    return 6; // training 3 + full 3
  },
  aflw: async (root) => {
    await image(path.join(root, 'images', 'image00002.png'), 1);
    write(path.join(root, 'annotations', 'a.pts'), formatPts(points(19, 1)));
    write(path.join(root, 'train.GTB'), 'images/image00002.png annotations/a.pts 8 9 40 41\n');
    write(path.join(root, 'test.GTB'), 'images/image00002.png annotations/a.pts 8 9 40 41\n');
    return 2;
  },
  helen: async (root) => {
    await image(path.join(root, 'helen_1', '100032540_1.png'), 2);
    await image(path.join(root, 'helen_2', '2908549_1.png'), 3);
    write(path.join(root, 'annotation', '1.txt'), formatHelenAnnotation('100032540_1', points(194, 2)));
    write(path.join(root, 'annotation', '2.txt'), formatHelenAnnotation('2908549_1', points(194, 3)));
    write(path.join(root, 'trainnames.txt'), '100032540_1\n');
    write(path.join(root, 'testnames.txt'), '2908549_1\n');
    return 2;
  },
  celeba: async (root) => {
    const names = ['000001.png', '000002.png', '000003.png'];
    for (const [k, n] of names.entries()) await image(path.join(root, 'img_align_celeba', n), k);
    const header = 'lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y';
    write(path.join(root, 'list_landmarks_align_celeba.txt'), `3\n${header}\n${names.map((n, k) => `${n} ${points(5, k).join(' ')}`).join('\n')}\n`);
    write(path.join(root, 'list_eval_partition.txt'), names.map((n, k) => `${n} ${k}`).join('\n') + '\n');
    return 3;
  },
  wflw: async (root) => {
    await image(path.join(root, 'WFLW_images', '7--Cheering', 'a.png'), 4);
    for (const split of ['train', 'test'] as const)
      write(wflwListFile(root, split), `${formatWflwLine(points(98, 4), [8, 9, 40, 41], [0, 1, 0, 0, 1, 0], '7--Cheering/a.png')}\n`);
    return 2;
  },
  'dlib-xml': async (root) => {
    await image(path.join(root, 'images', 'a.png'), 5);
    const face = { image: 'images/a.png', box: [8, 9, 40, 41] as [number, number, number, number], landmarks: points(68, 5) };
    write(path.join(root, 'training_with_face_landmarks.xml'), formatDlibXml([face, face]));
    write(path.join(root, 'testing_with_face_landmarks.xml'), formatDlibXml([face]));
    return 3;
  },
  ls3dw: async (root) => {
    const dirs = ['300W-Testset-3D', 'AFLW2000-3D-Reannotated', 'Menpo-3D', '300VW-3D/CatA/114', '300VW-3D/CatB/203', '300VW-3D/CatC/401'];
    python3d(
      dirs.flatMap((d, k) => [
        { path: path.join(root, d, `f${k}.t7`), kind: 't7', value: t7(points(68, k)) },
        { path: path.join(root, d, `f${k}.jpg`), kind: 'image', seed: k },
      ]),
    );
    return 6;
  },
  'aflw2000-3d': async (root) => {
    python3d(
      ['image00002', 'image00004'].flatMap((n, k) => {
        const xy = points(68, k);
        const pt3d = [...xy.filter((_, i) => i % 2 === 0), ...xy.filter((_, i) => i % 2 === 1), ...Array.from({ length: 68 }, (_, i) => i - 30)];
        return [
          { path: path.join(root, `${n}.mat`), kind: 'mat', vars: { pt3d_68: mat(3, 68, pt3d), Pose_Para: mat(1, 7, [0.1, -0.2, 0.3, 1, 2, 3, 4]) } },
          { path: path.join(root, `${n}.jpg`), kind: 'image', seed: k },
        ];
      }),
    );
    return 2;
  },
  '300w-lp': async (root) => {
    python3d(
      ['AFW', 'HELEN', 'IBUG', 'LFPW'].flatMap((s, k) => {
        const xy = points(68, k);
        return [
          { path: path.join(root, s, `${s}_1_0.mat`), kind: 'mat', vars: { Pose_Para: mat(1, 7, [0.1, 0.2, 0.3, 1, 2, 3, 4]) } },
          { path: path.join(root, s, `${s}_1_0.jpg`), kind: 'image', seed: k },
          { path: path.join(root, 'landmarks', s, `${s}_1_0_pts.mat`), kind: 'mat', vars: { pts_2d: mat(68, 2, xy), pts_3d: mat(68, 2, xy) } },
        ];
      }),
    );
    return 4;
  },
};

const fileFormats = (): BenchmarkFormat[] => REGISTERED_FORMATS.filter((f) => DATASETS[f].source.kind === 'files') as BenchmarkFormat[];

/** Runs `jasr data …` in-process: exit status, stdout and stderr. */
async function jasrData(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [],
    err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...p: unknown[]) => out.push(p.join(' '));
  console.error = (...p: unknown[]) => err.push(p.join(' '));
  try {
    const code = await dataCommand.run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

describe('data: the dataset registry', function () {
  this.timeout(60000);

  it("DATASET_FORMATS is the registry keys; every entry has a fixture here (files) or is the kit's own set", () => {
    assert.deepEqual(DATASET_FORMATS, Object.keys(DATASETS));
    for (const f of ['ls3dw', 'aflw2000-3d', '300w-lp']) assert.ok(DATASET_FORMATS.includes(f as never), f);
    assert.deepEqual(fileFormats().sort(), Object.keys(FIXTURES).sort());
    assert.deepEqual(
      REGISTERED_FORMATS.filter((f) => DATASETS[f].source.kind !== 'files'),
      ['embedded', 'synthetic'],
    );
    assert.throws(() => datasetEntry('300W-LP'), /data\.format: expected one of 300w, .*300w-lp.*, found '300W-LP'/);
  });

  it("each entry's convention agrees with the flip tables and with the NME code it feeds", () => {
    for (const [format, e] of Object.entries(DATASETS) as [string, DatasetEntry][]) {
      assert.equal(e.convention.points, e.points, format);
      const flip = e.convention.flip;
      assert.ok(flip, `${format}: a flip table for ${e.points} points`);
      assert.equal(flip, FLIP_TABLES[e.points]);
      assert.equal(flip.length, e.points);
      flip.forEach((j, i) => assert.equal(flip[j], i, `${format}: flip is an involution at ${i}`));
      assert.ok(e.cropSources.includes(e.crop), `${format}: its default crop source is one it serves`);
      if (e.source.kind === 'files') assert.equal(e.cropSources.includes('box'), e.source.hasBoxes, `${format}: 'box' only where files hold boxes`);
      if (e.nmeNormaliser === 'inter-ocular' || e.nmeNormaliser === 'inter-pupil') assert.ok(eyeIndices(e.points, e.nmeNormaliser), format);
    }
    for (const c of Object.values(LANDMARK_CONVENTIONS)) {
      assert.equal(defaultNormalizer(c.points), c.normaliser);
      if (c.eyes && OUTER_EYE_CORNERS[c.points])
        assert.deepEqual([c.eyes.ocular[0][0], c.eyes.ocular[1][0]], OUTER_EYE_CORNERS[c.points], `${c.points}: the augment tests' eye corners`);
      if (c.eyes) assert.deepEqual(eyeIndices(c.points, 'inter-ocular'), { left: c.eyes.ocular[0], right: c.eyes.ocular[1] });
      else assert.throws(() => eyeIndices(c.points, 'inter-ocular'), /is not defined for/);
    }
    // The values nme.ts had before the table moved (68: outer corners 36/45, eye centres 36–41/42–47; 98: 60/72, 96/97).
    assert.deepEqual(eyeIndices(68, 'inter-ocular'), { left: [36], right: [45] });
    assert.deepEqual(eyeIndices(68, 'inter-pupil'), { left: [36, 37, 38, 39, 40, 41], right: [42, 43, 44, 45, 46, 47] });
    assert.deepEqual(eyeIndices(98, 'inter-pupil'), { left: [96], right: [97] });
    assert.deepEqual([68, 19, 194, 98, 5].map(defaultNormalizer), ['inter-ocular', 'box', 'landmark-box', 'inter-ocular', 'inter-ocular']);
  });

  it('claims human labels only for releases annotated by people; dlib XML defaults to unknown', () => {
    const human = REGISTERED_FORMATS.filter((f) => DATASETS[f].labels === 'human').sort();
    assert.deepEqual(human, ['300w', 'aflw', 'celeba', 'helen', 'wflw']);
    assert.equal(DATASETS['dlib-xml'].labels, 'unknown');
    assert.deepEqual(
      ['ls3dw', 'aflw2000-3d', '300w-lp', 'embedded'].map((f) => DATASETS[f as 'ls3dw'].labels),
      ['model', 'model', 'model', 'model'],
    );
  });

  it('a crop source the format cannot serve is one line naming data.crop', () => {
    assert.throws(
      () => resolveCropPolicy('300w', 0.1, 'box'),
      /^DatasetConfigError: data\.crop: the 300w format can crop around landmarks \(its files hold no face boxes\), found 'box'$/,
    );
    assert.throws(
      () => resolveCropPolicy('embedded', 0.1, 'box'),
      /data\.crop: the embedded format can crop around landmarks \(its stored crops are centred on the landmarks\)/,
    );
    assert.deepEqual(resolveCropPolicy('dlib-xml', 0.25), {
      source: 'box',
      margin: 0.25,
      origin: 'dataset default',
      description: 'dataset face box + 0.25 margin each side (square, side max(w,h)·1.50)',
    });
    assert.equal(resolveCropPolicy('dlib-xml', 0.1, 'landmarks').origin, 'data.crop');
  });

  describe('every format read from files, in its real layout', () => {
    let tmp: string;
    const counts: Partial<Record<BenchmarkFormat, number>> = {};
    before(async () => {
      assert.ok(fs.existsSync(PYTHON), `${PYTHON} with numpy, scipy and PIL writes the 3D fixtures`);
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-registry-'));
      for (const f of fileFormats()) counts[f] = await FIXTURES[f](path.join(tmp, f));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("`jasr data inspect --format <f> --root …` counts the faces with the entry's points, labels, crop and normaliser", async () => {
      for (const f of fileFormats()) {
        const e = DATASETS[f];
        const r = await jasrData(['inspect', '--format', f, '--root', path.join(tmp, f), '--json']);
        assert.equal(r.code, 0, `${f}: ${r.err}`);
        const report = JSON.parse(r.out) as {
          count: number;
          points: number;
          problems: unknown[];
          labels: Record<string, number>;
          crop: { source: string; origin: string };
          nmeNormaliser: string;
          name: string;
        };
        assert.deepEqual(report.problems, [], f);
        assert.equal(report.count, counts[f], `${f}: count`);
        assert.equal(report.points, e.points, `${f}: points`);
        assert.deepEqual(report.labels, { [e.labels]: counts[f] }, `${f}: labels`);
        assert.deepEqual([report.crop.source, report.crop.origin], [e.crop, 'dataset default'], `${f}: crop`);
        assert.equal(report.nmeNormaliser, e.nmeNormaliser);
        assert.equal(report.name, e.displayName);
      }
    });

    it("openDataset reads every format's splits into samples carrying the entry's labels and crop", async () => {
      for (const f of fileFormats()) {
        const ds = await openDataset({ format: f, root: path.join(tmp, f), hrSize: 32 });
        const all = [...ds.train, ...ds.val, ...ds.test];
        assert.ok(all.length > 0, f);
        for (const s of all) {
          assert.equal(s.landmarks.length, 2 * DATASETS[f].points, f);
          assert.equal(s.provenance.labels, DATASETS[f].labels, f);
          assert.equal(s.provenance.source, DATASETS[f].displayName, f);
        }
        assert.deepEqual(ds.info.labels, { [DATASETS[f].labels]: all.length }, f);
        assert.equal(ds.info.crop.source, DATASETS[f].crop, f);
        assert.equal(ds.info.nmeNormaliser, DATASETS[f].nmeNormaliser, f);
      }
    });

    it('3D sets: LS3D-W and AFLW2000-3D are test splits, 300W-LP a training split; testSubset picks an LS3D-W folder', async () => {
      const ls = await openDataset({ format: 'ls3dw', root: path.join(tmp, 'ls3dw'), hrSize: 32 });
      assert.deepEqual(ls.info.counts, { train: 0, val: 0, test: 6 });
      const menpo = await openDataset({ format: 'ls3dw', root: path.join(tmp, 'ls3dw'), hrSize: 32, testSubset: 'Menpo-3D' });
      assert.deepEqual(
        menpo.test.map((s) => s.id),
        ['ls3dw:f2.jpg'],
      );
      await assert.rejects(
        openDataset({ format: 'ls3dw', root: path.join(tmp, 'ls3dw'), testSubset: 'CatA' }),
        /data\.testSubset: the ls3dw format has test subsets 300W-Testset-3D, AFLW2000-3D-Reannotated, Menpo-3D, 300VW-3D, all; found 'CatA'/,
      );
      assert.deepEqual((await openDataset({ format: 'aflw2000-3d', root: path.join(tmp, 'aflw2000-3d'), hrSize: 32 })).info.counts, {
        train: 0,
        val: 0,
        test: 2,
      });
      assert.deepEqual((await openDataset({ format: '300w-lp', root: path.join(tmp, '300w-lp'), hrSize: 32 })).info.counts, { train: 4, val: 0, test: 0 });
      const r = await jasrData(['inspect', '--format', 'ls3dw', '--root', path.join(tmp, 'ls3dw')]);
      assert.match(r.out, /^ls3dw \(LS3D-W\) at .*: 6 faces, 68 points each$/m);
      assert.match(r.out, /^ {2}300VW-3D\/CatA +1$/m);
      assert.match(r.out, /labels: model 6 \(dataset default: LS3D-W: 3D points produced by a 2D-to-3D network/);
    });

    it('a malformed 3D file fails naming the file, through the CLI and in openDataset', async () => {
      const root = path.join(tmp, 'aflw2000-3d-bad');
      fs.cpSync(path.join(tmp, 'aflw2000-3d'), root, { recursive: true });
      const bad = path.join(root, 'image00004.mat');
      fs.writeFileSync(bad, fs.readFileSync(bad).subarray(0, 150));
      const r = await jasrData(['inspect', '--format', 'aflw2000-3d', '--root', root]);
      assert.equal(r.code, 0);
      assert.match(r.out, /^aflw2000-3d \(AFLW2000-3D\) at .*: 1 faces/m);
      assert.match(r.out, new RegExp(`^problems: 1\\n {2}${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: at byte \\d+: .*$`, 'm'));
      await assert.rejects(openDataset({ format: 'aflw2000-3d', root }), (e: Error) => e.message.startsWith(`${bad}: at byte `) && !e.message.includes('\n'));
      const lsRoot = path.join(tmp, 'ls3dw-bad');
      fs.cpSync(path.join(tmp, 'ls3dw'), lsRoot, { recursive: true });
      const t7 = path.join(lsRoot, 'Menpo-3D', 'f2.t7');
      fs.writeFileSync(t7, fs.readFileSync(t7).subarray(0, 40));
      const show = await jasrData(['show', '--format', 'ls3dw', '--root', lsRoot, '--out', path.join(tmp, 'x.png')]);
      assert.equal(show.code, 1);
      assert.equal(show.err.split('\n').length, 1);
      assert.ok(show.err.startsWith(`jasr data: ${t7}: `), show.err);
    });
  });
});
