/**
 * AFLW-19 in the SAN list layout (the lists the official code's commented AFLW loader reads, `train.GTB` /
 * `test.GTB`, also used to derive HRNet's AFLW-full split): one face per line,
 * `<image> <annotation|None> x1 y1 x2 y2 [faceSize]`, paths absolute or relative to the root. The annotation is
 * either a 300W-style `.pts` (`version: 1`, `n_points: 19`, braces; every point visible) or SAN's
 * `<index> <x> <y> <visible>` lines (index 1-based), where AFLW's hidden points have visible 0.
 * The 19 points follow AFLW's 21 minus the two ear lobes. NME uses sqrt(w·h) of the listed box.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AnnotationError, LandmarkRecord, Problem, ReadResult, ReaderOptions, collect, parseNumber, readLines, requireDirectory, requireImage } from './common';
import { parsePts } from './pts300w';

export const AFLW_POINTS = 19;

export function parseAflwAnnotation(file: string): { landmarks: Float32Array; visible: Uint8Array } {
  const lines = readLines(file);
  if (lines[0]?.trim().startsWith('version:')) {
    return { landmarks: parsePts(file, AFLW_POINTS), visible: new Uint8Array(AFLW_POINTS).fill(1) };
  }
  const landmarks = new Float32Array(2 * AFLW_POINTS);
  const visible = new Uint8Array(AFLW_POINTS);
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const parts = text.trim().split(/\s+/);
    if (parts.length !== 4) throw new AnnotationError(file, i + 1, `expected '<index> <x> <y> <visible>', found '${text}'`);
    const idx = parseNumber(parts[0], file, i + 1, 'point index');
    if (!Number.isInteger(idx) || idx < 1 || idx > AFLW_POINTS)
      throw new AnnotationError(file, i + 1, `expected a point index 1…${AFLW_POINTS}, found ${parts[0]}`);
    landmarks[2 * (idx - 1)] = parseNumber(parts[1], file, i + 1, `x of point ${idx}`);
    landmarks[2 * (idx - 1) + 1] = parseNumber(parts[2], file, i + 1, `y of point ${idx}`);
    visible[idx - 1] = parseNumber(parts[3], file, i + 1, `visibility of point ${idx}`) > 0 ? 1 : 0;
  });
  return { landmarks, visible };
}

/** The list files under root: `*.GTB`, `*.GTL` or `*.txt` whose name contains the split. */
export function aflwListFiles(root: string, split: string): string[] {
  requireDirectory(root, 'AFLW root');
  const lists = fs
    .readdirSync(root)
    .filter((f) => /\.(GTB|GTL|txt)$/.test(f) && (split === 'all' || f.toLowerCase().includes(split)))
    .sort();
  if (lists.length === 0) throw new AnnotationError(root, null, `expected an AFLW list file (*.GTB/*.GTL/*.txt) for split '${split}', found none`);
  return lists.map((f) => path.join(root, f));
}

export function readAflw(root: string, split: 'train' | 'test' | 'all' = 'all', opts: ReaderOptions = {}): ReadResult {
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  for (const list of aflwListFiles(root, split)) {
    const subset = path.basename(list).replace(/\.(GTB|GTL|txt)$/, '');
    readLines(list).forEach((text, i) => {
      if (text.trim() === '') return;
      const lineNo = i + 1;
      collect(problems, opts, () => {
        const parts = text.trim().split(/\s+/);
        if (parts.length !== 6 && parts.length !== 7)
          throw new AnnotationError(list, lineNo, `expected '<image> <annotation> x1 y1 x2 y2 [faceSize]', found ${parts.length} fields`);
        if (parts[1] === 'None') throw new AnnotationError(list, lineNo, 'expected an annotation file, found None');
        const image = path.resolve(root, parts[0]);
        requireImage(image, list, lineNo);
        const annotation = path.resolve(root, parts[1]);
        const b = [2, 3, 4, 5].map((k) => parseNumber(parts[k], list, lineNo, `box value ${k - 1}`));
        const { landmarks, visible } = parseAflwAnnotation(annotation);
        records.push({ image, annotation: list, line: lineNo, landmarks, visible, box: [b[0], b[1], b[2], b[3]], subset });
      });
    });
  }
  return { records, problems, points: AFLW_POINTS };
}
