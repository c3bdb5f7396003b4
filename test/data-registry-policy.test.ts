/**
 * Label provenance and crop policy (issue 21 items 1 and 3): dlib XML labels come from what the file's <comment>
 * says (dlib's own examples: its 68-point predictor → 'model'), default 'unknown', and the user may declare them
 * (--labels, data.labels); the crop source ('box' | 'landmarks', with data.margin) is the registry's per-format
 * default, overridable (data.crop, --crop), and carried in the dataset info beside every result.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatDlibXml, labelsFromComment } from '../src/data/formats/dlib-xml';
import { writeImage } from '../src/data/image-io';
import { openDataset } from '../src/data/open';
import { loadExperiment } from '../src/config/load';
import { command as dataCommand } from '../src/cli/data';

/** dlib's example file's comment (examples/faces/training_with_face_landmarks.xml in dlib's source tree). */
const DLIB_COMMENT = `These are images from the PASCAL VOC 2011 dataset.
   The face landmarks are from dlib's shape_predictor_68_face_landmarks.dat
   landmarking model.  The model uses the 68 landmark scheme used by the iBUG
   300-W dataset.`;

/** Landmarks whose tight box is [20, 22, 40, 44]; the dataset box [10, 12, 50, 52] is deliberately larger and offset. */
const LANDMARKS = Array.from({ length: 68 }, (_, i) => [20 + (i % 21), 22 + ((i * 7) % 23)]).flat();
LANDMARKS.splice(0, 4, 20, 22, 40, 44);
const BOX: [number, number, number, number] = [10, 12, 50, 52];

async function jasrData(argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = console.log;
  console.log = (...p: unknown[]) => out.push(p.join(' '));
  try {
    return { code: await dataCommand.run(argv), out: out.join('\n') };
  } finally {
    console.log = log;
  }
}

describe('data: label provenance and crop policy', function () {
  this.timeout(60000);
  let tmp: string;

  /** A dlib-xml root with one face (a 64² image whose red channel is 3·x and green 3·y) and the given comment. */
  async function dlibRoot(name: string, comment: string | null): Promise<string> {
    const root = path.join(tmp, name);
    fs.mkdirSync(path.join(root, 'images'), { recursive: true });
    const data = new Uint8Array(64 * 64 * 3);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) data.set([3 * x, 3 * y, 128], (y * 64 + x) * 3);
    await writeImage(path.join(root, 'images', 'ramp.png'), { data, width: 64, height: 64 });
    let xml = formatDlibXml([{ image: 'images/ramp.png', box: BOX, landmarks: LANDMARKS }]);
    if (comment !== null) xml = xml.replace('<dataset>', `<dataset>\n<name>x</name>\n<comment>${comment}</comment>`);
    fs.writeFileSync(path.join(root, 'training_with_face_landmarks.xml'), xml);
    return root;
  }

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-policy-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("reads dlib's <comment>: the predictor's points are 'model', hand-placed ones 'human', silence 'unknown'", () => {
    assert.equal(labelsFromComment(DLIB_COMMENT)?.labels, 'model');
    assert.equal(labelsFromComment('Points placed by hand by two annotators.')?.labels, 'human');
    assert.equal(labelsFromComment('Created by imglab tool.'), null);
    assert.equal(labelsFromComment('Boxes from a face detector.'), null, 'a detector drew the boxes; that says nothing of the points');
    assert.equal(labelsFromComment(''), null);
  });

  it("`jasr data inspect --format dlib-xml` reports the file's statement, the default unknown, or the user's --labels", async () => {
    const dlib = await dlibRoot('dlib', DLIB_COMMENT);
    const plain = await dlibRoot('plain', null);
    const r1 = await jasrData(['inspect', '--format', 'dlib-xml', '--root', dlib]);
    assert.equal(r1.code, 0);
    assert.match(
      r1.out,
      /^real faces: 1; labels: model 1 \(stated by the files: .*training_with_face_landmarks\.xml: <comment>: 'These are images from the PASCAL VOC 2011 dataset\. The face landmarks are from dlib's shape_predictor_68_face_landmarks\.dat/m,
    );
    const r2 = await jasrData(['inspect', '--format', 'dlib-xml', '--root', plain]);
    assert.match(r2.out, /^real faces: 1; labels: unknown 1 \(dataset default: imglab files hold whatever made them/m);
    const r3 = await jasrData(['inspect', '--format', 'dlib-xml', '--root', dlib, '--labels', 'human', '--json']);
    const report = JSON.parse(r3.out) as { labels: Record<string, number>; labelsWhy: string };
    assert.deepEqual(report.labels, { human: 1 });
    assert.equal(report.labelsWhy, 'declared by the user (human)');
    const r4 = await jasrData(['inspect', '--format', 'dlib-xml', '--root', dlib, '--crop', 'landmarks']);
    assert.match(r4.out, /^crop: landmarks \(data\.crop\): landmarks box \+ 0\.1 margin each side \(square, side max\(w,h\)·1\.20\)$/m);
    assert.match(r1.out, /^crop: box \(dataset default\): dataset face box \+ 0\.1 margin each side/m);
    await assert.rejects(
      jasrData(['inspect', '--format', 'dlib-xml', '--root', dlib, '--labels', 'synthetic']),
      /--labels: expected one of human, model, unknown, got 'synthetic'/,
    );
    // The samples a run sees carry the same labels, and the dataset info counts them.
    const ds = await openDataset({ format: 'dlib-xml', root: dlib, hrSize: 32 });
    assert.equal(ds.train[0].provenance.labels, 'model');
    assert.deepEqual([ds.info.labels, ds.info.labelsOrigin], [{ model: 1 }, 'files and dataset default']);
    const declared = await openDataset({ format: 'dlib-xml', root: dlib, hrSize: 32, labels: 'unknown' });
    assert.deepEqual([declared.train[0].provenance.labels, declared.info.labels, declared.info.labelsOrigin], ['unknown', { unknown: 1 }, 'data.labels']);
  });

  it('the same face through both crop sources gives the documented crops (landmarks and pixels)', async () => {
    const root = await dlibRoot('crop', DLIB_COMMENT);
    const hrSize = 32;
    // Documented crop: square of side max(w, h)·(1 + 2·margin) centred on the chosen box; HR pixel i samples
    // source x0 + (i + 0.5)·side/hrSize, and a source point v lands at (v − x0)·hrSize/side − 0.5 (the same map).
    const expected = {
      box: { x0: 30 - 24, y0: 32 - 24, side: 40 * 1.2 }, // box [10,12,50,52]: 40×40, centre (30, 32)
      landmarks: { x0: 30 - 13.2, y0: 33 - 13.2, side: 22 * 1.2 }, // landmarks [20,22,40,44]: 20×22, centre (30, 33)
    };
    for (const source of ['box', 'landmarks'] as const) {
      const ds = await openDataset({ format: 'dlib-xml', root, hrSize, margin: 0.1, crop: source === 'box' ? undefined : 'landmarks' });
      const s = ds.train[0];
      const e = expected[source];
      const k = hrSize / e.side;
      assert.deepEqual([ds.info.crop.source, ds.info.crop.origin], [source, source === 'box' ? 'dataset default' : 'data.crop']);
      for (const p of [0, 1, 30]) {
        assert.ok(Math.abs(s.landmarks[2 * p] - ((LANDMARKS[2 * p] - e.x0) * k - 0.5)) < 1e-4, `${source}: x of point ${p}`);
        assert.ok(Math.abs(s.landmarks[2 * p + 1] - ((LANDMARKS[2 * p + 1] - e.y0) * k - 0.5)) < 1e-4, `${source}: y of point ${p}`);
      }
      // The ramp image tells where each HR pixel came from: red = 3·x, green = 3·y (interpolation keeps a ramp).
      for (const [i, j] of [
        [8, 8],
        [16, 16],
        [24, 20],
      ]) {
        const at = (j * hrSize + i) * 3;
        const x = e.x0 + (i + 0.5) / k,
          y = e.y0 + (j + 0.5) / k;
        assert.ok(Math.abs(s.hr[at] * 255 - 3 * x) < 0.5, `${source}: red at (${i}, ${j}) = ${s.hr[at] * 255}, expected ${3 * x}`);
        assert.ok(Math.abs(s.hr[at + 1] * 255 - 3 * y) < 0.5, `${source}: green at (${i}, ${j}) = ${s.hr[at + 1] * 255}, expected ${3 * y}`);
      }
      // The sample's box stays the dataset's box whatever the crop (the 'box' NME normaliser needs it).
      assert.ok(Math.abs(s.box[0] - ((BOX[0] - e.x0) * k - 0.5)) < 1e-4, `${source}: box`);
    }
  });

  it('data.crop and data.labels are experiment keys, validated with the file and key named', () => {
    const file = path.join(__dirname, '..', 'experiments', 'cpu', 'jasrnet.json');
    const exp = loadExperiment(file, ['data.crop=box', 'data.labels=model']);
    assert.deepEqual([exp.data.crop, exp.data.labels], ['box', 'model']);
    assert.equal(loadExperiment(file).data.crop, undefined, 'absent = the registry default');
    assert.throws(
      () => loadExperiment(file, ['data.crop=detector']),
      (e: Error) => /data\.crop/.test(e.message) && /box/.test(e.message) && /detector/.test(e.message) && !e.message.includes('\n'),
    );
    assert.throws(
      () => loadExperiment(file, ['data.labels=synthetic']),
      (e: Error) => /data\.labels/.test(e.message) && /synthetic/.test(e.message),
    );
  });

  it('a crop the format cannot serve is refused before any image is read', async () => {
    await assert.rejects(openDataset({ format: 'embedded', crop: 'box' }), /^DatasetConfigError: data\.crop: the embedded format can crop around landmarks/);
    await assert.rejects(openDataset({ format: 'synthetic', crop: 'box' }), /data\.crop: the synthetic format can crop around landmarks/);
  });
});
