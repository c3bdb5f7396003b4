/**
 * A truncated or malformed dlib imglab XML file is an error naming the file and line (issue 12, item 7), never a
 * silently shorter list of faces. Cut points: fixed structural ones plus seeded random offsets
 * (JASR_FAULTS_LONG=1: 300 from a per-run seed). With skipBad, exactly the boxes closed before the cut are read,
 * with the landmarks written, and the cut is one problem.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { formatDlibXml, readDlibXml } from '../../src/data/formats/dlib-xml';
import { AnnotationError } from '../../src/data/formats/common';
import { inspectDataset } from '../../src/data/inspect';
import { LONG, faultSeed, seeded, tempDir } from './data-fixture';

const FACES = 5;

/** Five faces with distinct integer landmarks (dlib stores integers), in a file shaped as dlib's own. */
function fixture(root: string): { xml: string; landmarks: number[][] } {
  const landmarks: number[][] = [];
  const faces = Array.from({ length: FACES }, (_, k) => {
    const lm = Array.from({ length: 136 }, (_, i) => 20 + ((i * 37 + k * 11) % 200));
    landmarks.push(lm);
    const image = `images/face${k}.jpg`;
    fs.mkdirSync(path.join(root, 'images'), { recursive: true });
    fs.writeFileSync(path.join(root, image), 'not decoded by the reader');
    return { image, box: [10 + k, 12, 230, 240] as [number, number, number, number], landmarks: lm };
  });
  // dlib's files carry a stylesheet instruction, a name and a comment before <images>.
  const xml = formatDlibXml(faces).replace(
    '<dataset>',
    "<?xml-stylesheet type='text/xsl' href='image_metadata_stylesheet.xsl'?>\n<dataset>\n<name>faults</name>\n<comment>made by the test &amp; checked</comment>",
  );
  return { xml, landmarks };
}

/** Line (1-based) of the end of `text`: where a cut is found. */
const lastLine = (text: string): number => text.split('\n').length;

describe('faults: dlib XML read by a real parser', function () {
  let root: string;
  let xml: string;
  let landmarks: number[][];
  before(() => {
    root = tempDir('dlib');
    ({ xml, landmarks } = fixture(root));
  });

  it('the whole file reads all 5 faces with the landmarks written', () => {
    const file = path.join(root, 'whole.xml');
    fs.writeFileSync(file, xml);
    const r = readDlibXml(file);
    assert.equal(r.records.length, FACES);
    r.records.forEach((rec, k) => assert.deepEqual(Array.from(rec.landmarks), landmarks[k]));
    assert.deepEqual(r.problems, []);
  });

  const end = (): number => xml.lastIndexOf('</dataset>') + '</dataset>'.length - 1;
  const structural = (): number[] => [
    1,
    xml.indexOf('<images>') + 3,
    xml.indexOf("x='") + 4,
    xml.indexOf('</box>') + 6,
    xml.indexOf('</image>') + 8,
    xml.lastIndexOf('</box>') + 3,
    xml.lastIndexOf('</images>') + 9,
    end(),
  ];
  const seed = faultSeed(7);
  const randomCuts = LONG ? 300 : 12;

  it(`cut at 8 structural points and ${randomCuts} offsets drawn from seed ${seed}: an error at file:line, or with skipBad exactly the closed boxes`, () => {
    const rng = seeded(seed);
    const cuts = [...structural(), ...Array.from({ length: randomCuts }, () => 1 + Math.floor(rng() * (end() - 1)))];
    for (const [i, cut] of cuts.entries()) {
      const text = xml.slice(0, cut);
      const file = path.join(root, `cut-${i}.xml`);
      fs.writeFileSync(file, text);
      const where = `cut ${i} at ${cut}/${xml.length}`;
      assert.throws(
        () => readDlibXml(file),
        (e: Error) => {
          assert.ok(e instanceof AnnotationError, `${where}: ${e.message}`);
          assert.equal(e.line, lastLine(text), `${where}: ${e.message}`);
          assert.ok(e.message.startsWith(`${file}:${lastLine(text)}: malformed XML: `), `${where}: ${e.message}`);
          return true;
        },
      );
      const r = readDlibXml(file, 68, { skipBad: true });
      const closed = text.split('</box>').length - 1;
      assert.equal(r.records.length, closed, where);
      r.records.forEach((rec, k) => assert.deepEqual(Array.from(rec.landmarks), landmarks[k], where));
      assert.equal(r.problems.length, 1, where);
      assert.equal(r.problems[0].line, lastLine(text), where);
    }
  });

  const malformed: [string, (x: string) => string, RegExp][] = [
    ['a mistyped end tag', (x) => x.replace('</box>', '</bx>'), /malformed XML: unexpected close tag/],
    ['an unquoted attribute', (x) => x.replace("top='12'", 'top=12'), /malformed XML: unquoted attribute value/],
    [
      'a part outside a box',
      (x) => x.replace('</box>\n  </image>', "</box>\n<part name='00' x='1' y='1'/>\n  </image>"),
      /expected <part> inside <box>, found it outside/,
    ],
    [
      'a nested image',
      (x) => x.replace("<image file='images/face1.jpg'>", "<image file='images/face1.jpg'>\n<image file='images/face1.jpg'>"),
      /expected <\/image> before the next <image>/,
    ],
  ];
  for (const [what, edit, message] of malformed) {
    it(`${what} is an error at the line of the damage`, () => {
      const text = edit(xml);
      assert.notEqual(text, xml);
      // The damage sits on the first line where the two texts differ (the edit's own line, or the one it adds).
      const a = xml.split('\n'),
        b = text.split('\n');
      const line = b.findIndex((l, i) => l !== a[i]) + 1;
      const file = path.join(root, `bad-${what.replace(/ /g, '-')}.xml`);
      fs.writeFileSync(file, text);
      assert.throws(
        () => readDlibXml(file),
        (e: Error) => e instanceof AnnotationError && e.line === line && message.test(e.message) && e.message.startsWith(`${file}:${line}: `),
      );
    });
  }

  it('a bare & in an attribute is an error too, found where saxes stops looking for the entity\'s ";" (here: the end)', () => {
    // saxes reads an entity name up to the next ';', so the error surfaces there, not on the line of the '&'.
    const text = xml.replace("file='images/face2.jpg'", "file='images/face2&.jpg'");
    const file = path.join(root, 'bad-ampersand.xml');
    fs.writeFileSync(file, text);
    assert.throws(
      () => readDlibXml(file),
      (e: Error) => e instanceof AnnotationError && e.message === `${file}:${lastLine(text)}: malformed XML: unclosed tag: images`,
    );
    const r = readDlibXml(file, 68, { skipBad: true });
    assert.equal(r.records.length, 2);
    assert.equal(r.problems.length, 1);
  });

  it('`jasr data inspect --format dlib-xml` counts a cut file as a problem with its line (was: problems 0)', () => {
    const dir = path.join(root, 'inspect');
    fs.mkdirSync(dir);
    fs.cpSync(path.join(root, 'images'), path.join(dir, 'images'), { recursive: true });
    const text = xml.slice(0, xml.indexOf('</image>', xml.indexOf('face3')) - 40);
    fs.writeFileSync(path.join(dir, 'training_with_face_landmarks.xml'), text);
    const report = inspectDataset('dlib-xml', dir);
    assert.equal(report.count, 3);
    assert.equal(report.problems.length, 1);
    assert.equal(report.problems[0].line, lastLine(text));
    assert.match(report.problems[0].message, /training_with_face_landmarks\.xml:\d+: malformed XML: /);
  });
});
