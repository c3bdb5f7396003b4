/**
 * dlib imglab XML: `<image file='…'><box top left width height [ignore='1']><part name='00' x y/>…</box></image>`.
 * Image paths are relative to the XML's folder. Parts are indexed by their numeric name; parts missing from a box
 * are marked not visible. Boxes with `ignore='1'` or without parts are skipped (they carry no landmarks).
 *
 * The file is parsed by a real XML parser (saxes), so a truncated or malformed file is an error naming the file
 * and line instead of a silently shorter list of faces. With `skipBad` the faces of boxes closed before the
 * error are kept and the error becomes a problem.
 */
import * as path from 'path';
import * as fs from 'fs';
import { SaxesParser } from 'saxes';
import { AnnotationError, LabelStatement, LandmarkRecord, Problem, ReadResult, ReaderOptions, collect, parseNumber, readLines, requireImage } from './common';

/**
 * What a dlib file's `<comment>` says about its points. dlib's own example sets say their landmarks come from its
 * 68-point predictor (a model); a file that says its points were placed by hand is 'human'; anything else says
 * nothing we can rely on (null: the dataset default, 'unknown', applies).
 */
export function labelsFromComment(comment: string): LabelStatement | null {
  const text = comment.replace(/\s+/g, ' ').trim();
  if (text === '') return null;
  const quote = text.length > 200 ? `${text.slice(0, 197)}...` : text;
  // Only words about how the points were made: a detector that drew the boxes says nothing about the landmarks.
  const model = /\b(shape_predictor\w*|predictors?|landmarking model|landmark model|pseudo-?labels?|(predicted|estimated|fitted) by)\b|\.dat\b/i;
  if (model.test(text)) return { labels: 'model', evidence: `<comment>: '${quote}'` };
  const human = /\b(by hand|manually|hand-?(labelled|labeled|annotated)|human annotators?|annotated by (people|humans))\b/i;
  if (human.test(text)) return { labels: 'human', evidence: `<comment>: '${quote}'` };
  return null;
}

/** One element as parsed: its attributes and the line its start tag ends on (dlib writes one tag per line). */
interface Tag {
  attrs: Record<string, string>;
  line: number;
}
interface BoxTag extends Tag {
  parts: Tag[];
}
interface ImageTag extends Tag {
  boxes: BoxTag[];
}

/**
 * The `<image>`/`<box>`/`<part>` elements of a dlib XML text. A box counts only once its end tag is read, so a
 * cut inside a box drops that box and reports the cut. `error` is the first well-formedness or nesting error.
 */
function parseElements(file: string, text: string): { images: ImageTag[]; comment: string; error: AnnotationError | null } {
  const parser = new SaxesParser({ position: true });
  const images: ImageTag[] = [];
  let image: ImageTag | null = null;
  let box: BoxTag | null = null;
  let inComment = false;
  let comment = '';
  parser.on('text', (t) => {
    if (inComment) comment += t;
  });
  const fail = (message: string): never => {
    throw new AnnotationError(file, parser.line, message);
  };
  // saxes prefixes its messages with "line:column: "; the kit's errors carry the line themselves.
  parser.on('error', (e) => fail(`malformed XML: ${e.message.replace(/^\d+:\d+: /, '')}`));
  parser.on('opentag', (tag) => {
    const at: Tag = { attrs: tag.attributes as Record<string, string>, line: parser.line };
    if (tag.name === 'comment' && !image) inComment = true;
    if (tag.name === 'image') {
      if (image) fail('expected </image> before the next <image>, found a nested <image>');
      image = { ...at, boxes: [] };
      images.push(image);
    } else if (tag.name === 'box') {
      if (!image || box) fail(`expected <box> directly inside <image>, found it ${box ? 'inside another <box>' : 'outside any <image>'}`);
      box = { ...at, parts: [] };
    } else if (tag.name === 'part') {
      if (!box) fail('expected <part> inside <box>, found it outside');
      box!.parts.push(at);
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'comment') inComment = false;
    if (tag.name === 'box' && box && image) {
      image.boxes.push(box);
      box = null;
    } else if (tag.name === 'image') {
      image = null;
    }
  });
  try {
    parser.write(text).close();
    return { images, comment, error: null };
  } catch (e) {
    if (e instanceof AnnotationError) return { images, comment, error: e };
    throw e;
  }
}

export function readDlibXml(xmlFile: string, points = 68, opts: ReaderOptions = {}): ReadResult {
  const file = fs.existsSync(xmlFile) && fs.statSync(xmlFile).isDirectory() ? findXml(xmlFile) : xmlFile;
  const text = readLines(file).join('\n');
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  const dir = path.dirname(file);
  const subset = path.basename(file, '.xml');
  const { images, comment, error } = parseElements(file, text);
  if (error)
    collect(problems, opts, () => {
      throw error;
    });
  const stated = labelsFromComment(comment);
  for (const img of images) {
    const rel = img.attrs.file;
    collect(problems, opts, () => {
      if (!rel) throw new AnnotationError(file, img.line, `expected <image file='…'>, found no file attribute`);
      requireImage(path.resolve(dir, rel), file, img.line);
    });
    if (!rel) continue;
    for (const box of img.boxes) {
      const boxLine = box.line;
      collect(problems, opts, () => {
        const a = box.attrs;
        if (a.ignore === '1') return;
        const num = (k: string): number => parseNumber(a[k] ?? '', file, boxLine, `box attribute ${k}`);
        const top = num('top'),
          left = num('left'),
          width = num('width'),
          height = num('height');
        const landmarks = new Float32Array(2 * points);
        const visible = new Uint8Array(points);
        for (const part of box.parts) {
          const pa = part.attrs;
          const idx = parseNumber(pa.name ?? '', file, boxLine, 'part name');
          if (!Number.isInteger(idx) || idx < 0 || idx >= points)
            throw new AnnotationError(file, boxLine, `expected part names 0…${points - 1}, found '${pa.name}'`);
          landmarks[2 * idx] = parseNumber(pa.x ?? '', file, boxLine, `x of part ${idx}`);
          landmarks[2 * idx + 1] = parseNumber(pa.y ?? '', file, boxLine, `y of part ${idx}`);
          visible[idx] = 1;
        }
        if (box.parts.length === 0) return;
        records.push({
          image: path.resolve(dir, rel),
          annotation: file,
          line: boxLine,
          landmarks,
          visible,
          box: [left, top, left + width, top + height],
          subset,
          ...(stated ? { labels: stated } : {}),
        });
      });
    }
  }
  return { records, problems, points };
}

/**
 * The splits of a dlib-xml root: one `.xml` file, or every `.xml` in a folder, a file whose name contains
 * 'test' going to the test split and the others to train (dlib's examples: training_with_face_landmarks.xml,
 * testing_with_face_landmarks.xml).
 */
export function readDlibXmlSplits(root: string, opts: ReaderOptions = {}, points = 68): Record<string, ReadResult> {
  const xmls =
    fs.existsSync(root) && fs.statSync(root).isDirectory()
      ? fs
          .readdirSync(root)
          .filter((f) => f.endsWith('.xml'))
          .sort()
          .map((f) => path.join(root, f))
      : [root];
  if (xmls.length === 0) throw new AnnotationError(root, null, 'expected dlib imglab .xml files, found none');
  const out: Record<string, ReadResult> = {};
  for (const x of xmls) {
    const split = /test/i.test(path.basename(x)) ? 'test' : 'train';
    const r = readDlibXml(x, points, opts);
    out[split] = out[split] ? { records: [...out[split].records, ...r.records], problems: [...out[split].problems, ...r.problems], points } : r;
  }
  return out;
}

export function findXml(dir: string): string {
  const xml = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort();
  if (xml.length === 0) throw new AnnotationError(dir, null, 'expected a dlib imglab .xml file in this directory, found none');
  return path.join(dir, xml[0]);
}

export function formatDlibXml(faces: { image: string; box: [number, number, number, number]; landmarks: ArrayLike<number> }[]): string {
  const rows = ["<?xml version='1.0' encoding='ISO-8859-1'?>", '<dataset>', '<images>'];
  for (const f of faces) {
    const [x1, y1, x2, y2] = f.box;
    rows.push(`  <image file='${f.image}'>`);
    rows.push(`    <box top='${Math.round(y1)}' left='${Math.round(x1)}' width='${Math.round(x2 - x1)}' height='${Math.round(y2 - y1)}'>`);
    for (let i = 0; i < f.landmarks.length / 2; i++) {
      rows.push(`      <part name='${String(i).padStart(2, '0')}' x='${Math.round(f.landmarks[2 * i])}' y='${Math.round(f.landmarks[2 * i + 1])}'/>`);
    }
    rows.push('    </box>', '  </image>');
  }
  rows.push('</images>', '</dataset>', '');
  return rows.join('\n');
}
