/**
 * Readers for the on-disk inputs of reports (docs/results-format.md): results/<table>/ and runs/<name>/
 * (whose log.jsonl is read by the trainer's own reader, src/engine/log.ts, so the two cannot disagree).
 * Optional parts may be missing; a part that is present but malformed is an error naming the file, the
 * key or line, what was expected and what was found.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FeatureTap, Points, RgbPixels } from './figures';
import { ResultRow } from './tables';
import { FileSystemError, KnownError, describeFound, isFsError } from '../core/errors';
import { RunLogRecord, readRunLogFile } from '../core/run-log';

export class ResultsFormatError extends KnownError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (isFsError(e)) throw new FileSystemError(e, file);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ResultsFormatError(file, `not valid JSON (${(e as Error).message})`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectRecord(file: string, where: string, v: unknown): Record<string, unknown> {
  if (!isRecord(v)) throw new ResultsFormatError(file, `${where}: expected an object, found ${describeFound(v)}`);
  return v;
}

function expectString(file: string, where: string, v: unknown): string {
  if (typeof v !== 'string') throw new ResultsFormatError(file, `${where}: expected a string, found ${describeFound(v)}`);
  return v;
}

function expectNumber(file: string, where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ResultsFormatError(file, `${where}: expected a finite number, found ${describeFound(v)}`);
  return v;
}

function expectNumberArray(file: string, where: string, v: unknown): number[] {
  if (!Array.isArray(v)) throw new ResultsFormatError(file, `${where}: expected an array of numbers, found ${describeFound(v)}`);
  v.forEach((x, i) => expectNumber(file, `${where}[${i}]`, x));
  return v as number[];
}

export interface TableFile {
  title?: string;
  decimals?: Record<string, number>;
  rows: ResultRow[];
}

const ROW_TEXT_KEYS = new Set(['experiment', 'model', 'protocol']);

export function readTableJson(file: string): TableFile {
  const root = expectRecord(file, 'top level', readJson(file));
  if (!Array.isArray(root.rows)) throw new ResultsFormatError(file, `key 'rows': expected an array of result rows, found ${describeFound(root.rows)}`);
  const rows = root.rows.map((raw, i): ResultRow => {
    const where = `rows[${i}]`;
    const r = expectRecord(file, where, raw);
    const metrics: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(r)) {
      if (ROW_TEXT_KEYS.has(k)) continue;
      metrics[k] = v === null ? null : expectNumber(file, `${where}.${k} (a metric)`, v);
    }
    return {
      experiment: expectString(file, `${where}.experiment`, r.experiment),
      model: expectString(file, `${where}.model`, r.model),
      protocol: expectString(file, `${where}.protocol`, r.protocol),
      metrics,
    };
  });
  const title = root.title === undefined ? undefined : expectString(file, "key 'title'", root.title);
  let decimals: Record<string, number> | undefined;
  if (root.decimals !== undefined && root.decimals !== null) {
    const d = expectRecord(file, "key 'decimals'", root.decimals);
    decimals = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, expectNumber(file, `decimals.${k}`, v)]));
  }
  return { title, decimals, rows };
}

/** ced.json: experiment name → per-image NME values. */
export function readCedJson(file: string): Record<string, number[]> {
  const root = expectRecord(file, 'top level', readJson(file));
  return Object.fromEntries(Object.entries(root).map(([k, v]) => [k, expectNumberArray(file, `key '${k}'`, v)]));
}

function readImage(file: string, where: string, v: unknown): RgbPixels {
  const o = expectRecord(file, where, v);
  const width = expectNumber(file, `${where}.width`, o.width);
  const height = expectNumber(file, `${where}.height`, o.height);
  const b64 = expectString(file, `${where}.data (base64 of uint8 RGB)`, o.data);
  const data = new Uint8Array(Buffer.from(b64, 'base64'));
  if (data.length !== width * height * 3) {
    throw new ResultsFormatError(file, `${where}.data: ${width}×${height} RGB needs ${width * height * 3} bytes, base64 decodes to ${data.length}`);
  }
  return { width, height, data };
}

function readPoints(file: string, where: string, v: unknown): Points {
  if (!Array.isArray(v)) throw new ResultsFormatError(file, `${where}: expected an array of [x, y] points, found ${describeFound(v)}`);
  return v.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) throw new ResultsFormatError(file, `${where}[${i}]: expected [x, y], found ${describeFound(p)}`);
    return [expectNumber(file, `${where}[${i}][0]`, p[0]), expectNumber(file, `${where}[${i}][1]`, p[1])] as const;
  });
}

export interface SrSample {
  file: string;
  label: string;
  /** In panel order LR | bicubic input | SR | HR, only those present. */
  panels: { title: string; image: RgbPixels }[];
  hrSize?: { width: number; height: number };
  landmarksPred?: Points;
  landmarksTrue?: Points;
}

const SAMPLE_PANELS: [key: string, title: string][] = [
  ['lr', 'LR'],
  ['input', 'bicubic'],
  ['sr', 'SR'],
  ['hr', 'HR'],
];

export function readSampleJson(file: string): SrSample {
  const root = expectRecord(file, 'top level', readJson(file));
  const panels = SAMPLE_PANELS.filter(([k]) => root[k] !== undefined && root[k] !== null).map(([k, title]) => ({
    title,
    image: readImage(file, `key '${k}'`, root[k]),
  }));
  if (panels.length === 0) throw new ResultsFormatError(file, "expected at least one of the images 'lr', 'input', 'sr', 'hr'; found none");
  const hr = panels.find((p) => p.title === 'HR') ?? panels.find((p) => p.title === 'SR');
  const label = root.label === undefined ? path.basename(file, '.json') : expectString(file, "key 'label'", root.label);
  return {
    file,
    label,
    panels,
    hrSize: hr ? { width: hr.image.width, height: hr.image.height } : undefined,
    landmarksPred: root.landmarksPred === undefined ? undefined : readPoints(file, "key 'landmarksPred'", root.landmarksPred),
    landmarksTrue: root.landmarksTrue === undefined ? undefined : readPoints(file, "key 'landmarksTrue'", root.landmarksTrue),
  };
}

/** features/*.json: tap name → {shape, data}; data is a number array or base64 of little-endian float32. */
export function readFeaturesJson(file: string): Record<string, FeatureTap> {
  const root = expectRecord(file, 'top level', readJson(file));
  const taps: Record<string, FeatureTap> = {};
  for (const [name, raw] of Object.entries(root)) {
    const o = expectRecord(file, `tap '${name}'`, raw);
    const shape = expectNumberArray(file, `tap '${name}'.shape`, o.shape);
    let data: ArrayLike<number>;
    if (typeof o.data === 'string') {
      const bytes = Buffer.from(o.data, 'base64');
      if (bytes.length % 4 !== 0)
        throw new ResultsFormatError(file, `tap '${name}'.data: base64 float32 must decode to a multiple of 4 bytes, found ${bytes.length}`);
      data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    } else {
      data = expectNumberArray(file, `tap '${name}'.data`, o.data);
    }
    const expected = shape.reduce((a, b) => a * b, 1);
    if (data.length !== expected)
      throw new ResultsFormatError(file, `tap '${name}': shape [${shape.join(',')}] needs ${expected} values, found ${data.length}`);
    taps[name] = { shape, data };
  }
  return taps;
}

function jsonFilesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface ExtrasOnDisk {
  samples: SrSample[];
  features: { file: string; taps: Record<string, FeatureTap> }[];
}

function readExtras(dir: string): ExtrasOnDisk {
  return {
    samples: jsonFilesIn(path.join(dir, 'samples')).map(readSampleJson),
    features: jsonFilesIn(path.join(dir, 'features')).map((file) => ({ file, taps: readFeaturesJson(file) })),
  };
}

export interface TableResults extends ExtrasOnDisk {
  kind: 'table';
  dir: string;
  name: string;
  table: TableFile;
  ced?: Record<string, number[]>;
}

export function readTableDir(dir: string): TableResults {
  const cedFile = path.join(dir, 'ced.json');
  return {
    kind: 'table',
    dir,
    name: path.basename(path.resolve(dir)),
    table: readTableJson(path.join(dir, 'table.json')),
    ced: fs.existsSync(cedFile) ? readCedJson(cedFile) : undefined,
    ...readExtras(dir),
  };
}

export interface RunResults extends ExtrasOnDisk {
  kind: 'run';
  dir: string;
  name: string;
  /** The trainer's records, read by the one log reader (src/engine/log.ts). */
  log: RunLogRecord[];
  /** Line number of a torn last line the reader skipped (the run was killed while writing it), if any. */
  tornLine?: number;
}

export function readRunDir(dir: string): RunResults {
  const read = readRunLogFile(path.join(dir, 'log.jsonl'));
  return { kind: 'run', dir, name: path.basename(path.resolve(dir)), log: read.records, tornLine: read.tornLine, ...readExtras(dir) };
}

/** A table dir, a run dir, or a folder of them (results/, runs/): everything a report can be made of. */
export function discoverInputs(dir: string): (TableResults | RunResults)[] {
  if (!fs.existsSync(dir)) throw new ResultsFormatError(dir, 'expected a results or run directory, found no such directory');
  if (!fs.statSync(dir).isDirectory()) throw new ResultsFormatError(dir, 'expected a results or run directory, found a file');
  if (fs.existsSync(path.join(dir, 'table.json'))) return [readTableDir(dir)];
  if (fs.existsSync(path.join(dir, 'log.jsonl'))) return [readRunDir(dir)];
  const found: (TableResults | RunResults)[] = [];
  for (const entry of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, entry);
    if (!fs.statSync(sub).isDirectory()) continue;
    if (fs.existsSync(path.join(sub, 'table.json'))) found.push(readTableDir(sub));
    else if (fs.existsSync(path.join(sub, 'log.jsonl'))) found.push(readRunDir(sub));
  }
  if (found.length === 0) {
    throw new ResultsFormatError(dir, 'expected table.json (a results table), log.jsonl (a run) or subfolders holding either; found none');
  }
  return found;
}
