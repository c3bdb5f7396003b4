/**
 * What every dataset reader returns: landmark records in original-image pixel coordinates, pointing at an image
 * on disk; problems either thrown (default) or collected (`skipBad`).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Box } from '../crop';
import type { LabelProvenance } from '../types';
import { KnownError } from '../../core/errors';

export class AnnotationError extends KnownError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    problem: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${problem}`);
  }
}

export interface Problem {
  file: string;
  line: number | null;
  message: string;
}

/** What an annotation file itself says about how its points were made, and the words that say it. */
export interface LabelStatement {
  labels: LabelProvenance;
  evidence: string;
}

export interface LandmarkRecord {
  /** Absolute path of the image. */
  image: string;
  /** Annotation file the record came from, and its line (1-based) where one line holds a whole face. */
  annotation: string;
  line: number | null;
  /** [x0, y0, x1, y1, ...] in image pixels, as stored in the file. */
  landmarks: Float32Array;
  visible: Uint8Array;
  /** Dataset face box [x1, y1, x2, y2] where the format has one. */
  box?: Box;
  /** Subset or split name (e.g. 'common', 'train'). */
  subset: string;
  /** Extra per-face fields of the format (WFLW attribute flags). */
  attributes?: Record<string, number>;
  /** z of each point where the format has one (AFLW2000-3D `pt3d_68`), in the file's units and sign. */
  depth?: Float32Array;
  /** Head pose in degrees where the format has one (AFLW2000-3D / 300W-LP `Pose_Para`, stored in radians). */
  pose?: { pitchDeg: number; yawDeg: number; rollDeg: number };
  /** Where the file states how its points were made (dlib's `<comment>`); otherwise the dataset default applies. */
  labels?: LabelStatement;
}

export interface ReaderOptions {
  /** Collect problems into the result instead of throwing on the first one. */
  skipBad?: boolean;
}

export interface ReadResult {
  records: LandmarkRecord[];
  problems: Problem[];
  /** Points per face in this format. */
  points: number;
}

/** Runs `fn`; with skipBad an AnnotationError becomes a problem entry, otherwise it propagates. */
export function collect(problems: Problem[], opts: ReaderOptions, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AnnotationError) || !opts.skipBad) throw e;
    problems.push({ file: e.file, line: e.line, message: e.message });
  }
}

export function parseNumber(text: string, file: string, line: number, what: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new AnnotationError(file, line, `expected a number for ${what}, found '${text}'`);
  return v;
}

export function readLines(file: string): string[] {
  if (!fs.existsSync(file)) throw new AnnotationError(file, null, 'annotation file not found');
  return fs.readFileSync(file, 'utf8').split(/\r?\n/);
}

export function requireDirectory(dir: string, what: string): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new AnnotationError(dir, null, `expected the ${what} directory, found ${fs.existsSync(dir) ? 'a file' : 'nothing'}`);
  }
}

export function requireImage(image: string, annotation: string, line: number | null): void {
  if (!fs.existsSync(image)) throw new AnnotationError(annotation, line, `image ${image} not found`);
}

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.JPG', '.JPEG', '.PNG', '.bmp'];

/** The image beside an annotation file with the same base name. */
export function imageBeside(annotation: string): string | null {
  const base = annotation.slice(0, annotation.length - path.extname(annotation).length);
  for (const ext of IMAGE_EXTENSIONS) if (fs.existsSync(base + ext)) return base + ext;
  return null;
}

export function allVisible(points: number): Uint8Array {
  return new Uint8Array(points).fill(1);
}
