/**
 * 300W / iBUG: one `.pts` file per face beside its image (`version: 1`, `n_points: 68`, `{`, 68 `x y` lines, `}`),
 * in the standard folders. Subsets (counts of the full release): training = lfpw/trainset + helen/trainset + afw
 * (3,148); common = lfpw/testset + helen/testset (554); challenging = ibug (135); full = common + challenging (689).
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  AnnotationError,
  LandmarkRecord,
  ReadResult,
  ReaderOptions,
  Problem,
  allVisible,
  collect,
  imageBeside,
  parseNumber,
  readLines,
  requireDirectory,
} from './common';

export type Subset300W = 'training' | 'common' | 'challenging' | 'full';

export const SUBSET_FOLDERS_300W: Record<Subset300W, string[]> = {
  training: ['lfpw/trainset', 'helen/trainset', 'afw'],
  common: ['lfpw/testset', 'helen/testset'],
  challenging: ['ibug'],
  full: ['lfpw/testset', 'helen/testset', 'ibug'],
};

export const EXPECTED_COUNTS_300W: Record<Subset300W, number> = { training: 3148, common: 554, challenging: 135, full: 689 };

/** Parses one `.pts` file (any n_points; `expectedPoints` checks the count). */
export function parsePts(file: string, expectedPoints?: number): Float32Array {
  const lines = readLines(file);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const version = lines[0]?.trim() ?? '';
  if (!/^version:\s*1(\.0)?$/.test(version)) throw new AnnotationError(file, 1, `expected 'version: 1', found '${version}'`);
  const header = /^n_points:\s*(\d+)$/.exec(lines[1]?.trim() ?? '');
  if (!header) throw new AnnotationError(file, 2, `expected 'n_points: <count>', found '${lines[1] ?? ''}'`);
  const n = Number(header[1]);
  if (expectedPoints !== undefined && n !== expectedPoints) {
    throw new AnnotationError(file, 2, `expected n_points: ${expectedPoints}, found ${n}`);
  }
  if (lines[2]?.trim() !== '{') throw new AnnotationError(file, 3, `expected '{', found '${lines[2] ?? ''}'`);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const lineNo = 4 + i;
    const text = lines[3 + i];
    if (text === undefined || text.trim() === '}') throw new AnnotationError(file, lineNo, `expected ${n} points, found ${i}`);
    const parts = text.trim().split(/\s+/);
    if (parts.length !== 2) throw new AnnotationError(file, lineNo, `expected 'x y', found '${text}'`);
    out[2 * i] = parseNumber(parts[0], file, lineNo, `x of point ${i}`);
    out[2 * i + 1] = parseNumber(parts[1], file, lineNo, `y of point ${i}`);
  }
  const closing = lines[3 + n]?.trim();
  if (closing !== '}') throw new AnnotationError(file, 4 + n, `expected '}' after ${n} points, found '${lines[3 + n] ?? '(end of file)'}'`);
  if (lines.length > 4 + n) throw new AnnotationError(file, 5 + n, `expected end of file after '}', found '${lines[4 + n]}'`);
  return out;
}

export function formatPts(landmarks: ArrayLike<number>): string {
  const rows: string[] = [];
  for (let i = 0; i < landmarks.length; i += 2) rows.push(`${landmarks[i]} ${landmarks[i + 1]}`);
  return `version: 1\nn_points: ${landmarks.length / 2}\n{\n${rows.join('\n')}\n}\n`;
}

/** Reads every `.pts` of one folder; each needs an image with the same base name. */
export function readPtsFolder(dir: string, subset: string, points: number, opts: ReaderOptions, problems: Problem[]): LandmarkRecord[] {
  requireDirectory(dir, `${subset} (${path.basename(dir)})`);
  const records: LandmarkRecord[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pts'))
    .sort()) {
    const file = path.join(dir, name);
    collect(problems, opts, () => {
      const landmarks = parsePts(file, points);
      const image = imageBeside(file);
      if (!image) throw new AnnotationError(file, null, `no image (.jpg/.png) with the same name beside it`);
      records.push({ image, annotation: file, line: null, landmarks, visible: allVisible(points), subset });
    });
  }
  return records;
}

export function read300W(root: string, subset: Subset300W, opts: ReaderOptions = {}): ReadResult {
  requireDirectory(root, '300W root');
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  for (const folder of SUBSET_FOLDERS_300W[subset]) {
    const name = folder === 'ibug' ? 'challenging' : folder.includes('trainset') || folder === 'afw' ? 'training' : 'common';
    collect(problems, opts, () => records.push(...readPtsFolder(path.join(root, folder), name, 68, opts, problems)));
  }
  return { records, problems, points: 68 };
}
