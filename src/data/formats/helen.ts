/**
 * HELEN (194 points): `annotation/<k>.txt` files whose first line is the image name (no extension) followed by
 * 194 `x , y` lines; images anywhere under the root (`helen_1/`…`helen_5/`, `images/`, or the root itself).
 * Split from `trainnames.txt` / `testnames.txt` when present (one image name per line), else everything is 'all'.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  AnnotationError,
  IMAGE_EXTENSIONS,
  LandmarkRecord,
  Problem,
  ReadResult,
  ReaderOptions,
  allVisible,
  collect,
  parseNumber,
  readLines,
  requireDirectory,
} from './common';

export const HELEN_POINTS = 194;

export function parseHelenAnnotation(file: string): { name: string; landmarks: Float32Array } {
  const lines = readLines(file);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const name = lines[0]?.trim() ?? '';
  if (name === '' || name.includes(',')) throw new AnnotationError(file, 1, `expected the image name on the first line, found '${lines[0] ?? ''}'`);
  if (lines.length - 1 !== HELEN_POINTS) throw new AnnotationError(file, lines.length, `expected ${HELEN_POINTS} 'x , y' lines, found ${lines.length - 1}`);
  const landmarks = new Float32Array(2 * HELEN_POINTS);
  for (let i = 0; i < HELEN_POINTS; i++) {
    const lineNo = i + 2;
    const parts = lines[i + 1].split(',');
    if (parts.length !== 2) throw new AnnotationError(file, lineNo, `expected 'x , y', found '${lines[i + 1]}'`);
    landmarks[2 * i] = parseNumber(parts[0].trim(), file, lineNo, `x of point ${i}`);
    landmarks[2 * i + 1] = parseNumber(parts[1].trim(), file, lineNo, `y of point ${i}`);
  }
  return { name, landmarks };
}

export function formatHelenAnnotation(name: string, landmarks: ArrayLike<number>): string {
  const rows = [name];
  for (let i = 0; i < landmarks.length; i += 2) rows.push(`${landmarks[i]} , ${landmarks[i + 1]}`);
  return rows.join('\n') + '\n';
}

function indexImages(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const dirs = [
    root,
    ...fs
      .readdirSync(root)
      .map((d) => path.join(root, d))
      .filter((d) => fs.statSync(d).isDirectory() && path.basename(d) !== 'annotation'),
  ];
  for (const dir of dirs) {
    for (const f of fs.readdirSync(dir)) {
      const ext = path.extname(f);
      if (IMAGE_EXTENSIONS.includes(ext)) found.set(f.slice(0, f.length - ext.length), path.join(dir, f));
    }
  }
  return found;
}

function readNameList(file: string): Set<string> | null {
  if (!fs.existsSync(file)) return null;
  return new Set(
    readLines(file)
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  );
}

export function readHelen(root: string, split: 'train' | 'test' | 'all' = 'all', opts: ReaderOptions = {}): ReadResult {
  requireDirectory(root, 'HELEN root');
  const annotationDir = path.join(root, 'annotation');
  requireDirectory(annotationDir, 'HELEN annotation');
  const images = indexImages(root);
  const train = readNameList(path.join(root, 'trainnames.txt'));
  const test = readNameList(path.join(root, 'testnames.txt'));
  if (split !== 'all' && !(split === 'train' ? train : test)) {
    throw new AnnotationError(path.join(root, `${split}names.txt`), null, `split '${split}' asked for but the name list is missing`);
  }
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  const files = fs
    .readdirSync(annotationDir)
    .filter((f) => f.endsWith('.txt'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const f of files) {
    const file = path.join(annotationDir, f);
    collect(problems, opts, () => {
      const { name, landmarks } = parseHelenAnnotation(file);
      const subset = train?.has(name) ? 'train' : test?.has(name) ? 'test' : 'all';
      if (split !== 'all' && subset !== split) return;
      const image = images.get(name);
      if (!image) throw new AnnotationError(file, 1, `image '${name}' not found under ${root}`);
      records.push({ image, annotation: file, line: null, landmarks, visible: allVisible(HELEN_POINTS), subset });
    });
  }
  return { records, problems, points: HELEN_POINTS };
}
