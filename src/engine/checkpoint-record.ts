/**
 * The pointer record of a run's checkpoints: runs/<name>/checkpoints/checkpoints.json names the `last`, `best`
 * and `lastGood` checkpoint folders in one file, replaced by one atomic rename, so no crash can leave `best`
 * behind `last` (the old layout wrote last.json and best.json one after the other; a crash between the two
 * left `best` on an older, worse checkpoint). Runs written before still read: their two files are parsed, the
 * missed `best` move is repaired in memory, and the next save writes the record and removes the two files.
 *
 * A pointer names a plain child folder of checkpoints/ matching the kit's `step-NNNNNNNN[-K]` names; anything
 * else (`../..`, an absolute path, garbage) is refused with a CheckpointError naming the file, never followed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KnownError } from '../core/errors';

/** The recorded value of the selection metric of the checkpoint. */
export interface SelectionRecord {
  metric: string;
  value: number;
  higherIsBetter: boolean;
  epoch: number;
}

/** One checkpoint folder (a child of checkpoints/) and what it holds. */
export interface Pointer {
  dir: string;
  epoch: number;
  step: number;
  selection: SelectionRecord | null;
}

/** A checkpoint whose weights are finite and whose loss, computed from those weights, was finite. */
export interface GoodPointer extends Pointer {
  loss: number;
}

export interface CheckpointRecord {
  format: 'jasr-checkpoints';
  version: 1;
  last: Pointer;
  /** The checkpoint with the best selection value among those saved as candidates (epoch ends). */
  best: Pointer | null;
  /** The newest checkpoint known good: what the NaN guard falls back to. */
  lastGood: GoodPointer | null;
}

export type CheckpointTag = 'last' | 'best' | 'lastGood';

export const RECORD_FILE = 'checkpoints.json';
/** Pointer files of the layout written before checkpoints.json (read, then replaced on the next save). */
export const LEGACY_FILES: Record<'last' | 'best', string> = { last: 'last.json', best: 'best.json' };

/** Names of the checkpoint folders the kit writes. */
export const CHECKPOINT_NAME = /^step-\d{8}(?:-\d+)?$/;

export class CheckpointError extends KnownError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** Strictly better than `current` (a different metric always replaces it). */
export function isBetterSelection(candidate: SelectionRecord, current: SelectionRecord | null): boolean {
  if (!Number.isFinite(candidate.value)) return false;
  if (current === null || current.metric !== candidate.metric) return true;
  return candidate.higherIsBetter ? candidate.value > current.value : candidate.value < current.value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const shown = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** Reads a JSON file of the record, naming it when it is not JSON. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(file, `cannot be read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `not valid JSON, the file is corrupted or was edited (${(e as Error).message})`);
  }
}

function parseSelection(file: string, key: string, v: unknown): SelectionRecord | null {
  if (v === null) return null;
  if (!isObject(v) || typeof v.metric !== 'string' || typeof v.value !== 'number' || typeof v.higherIsBetter !== 'boolean' || !isCount(v.epoch)) {
    throw new CheckpointError(file, `'${key}' is ${shown(v)}; expected null or {metric, value, higherIsBetter, epoch}`);
  }
  return { metric: v.metric, value: v.value, higherIsBetter: v.higherIsBetter, epoch: v.epoch };
}

/**
 * One pointer, checked field by field. `key` names it in the file ('last', 'best', or '' for a whole old-layout
 * file); `checkpointsDir` is only quoted in the message.
 */
export function parsePointer(file: string, key: string, v: unknown, checkpointsDir: string): Pointer {
  const at = (field: string): string => (key ? `${key}.${field}` : field);
  if (!isObject(v)) throw new CheckpointError(file, `'${key || 'pointer'}' is ${shown(v)}; expected {dir, epoch, step, selection}`);
  if (typeof v.dir !== 'string' || !CHECKPOINT_NAME.test(v.dir)) {
    throw new CheckpointError(
      file,
      `'${at('dir')}' is ${shown(v.dir)}; expected the name of a checkpoint folder inside ${checkpointsDir} (step-NNNNNNNN), refusing to follow it`,
    );
  }
  for (const field of ['epoch', 'step'] as const) {
    if (!isCount(v[field])) throw new CheckpointError(file, `'${at(field)}' is ${shown(v[field])}; expected a whole number ≥ 0`);
  }
  return { dir: v.dir, epoch: v.epoch as number, step: v.step as number, selection: parseSelection(file, at('selection'), v.selection) };
}

function parseGood(file: string, v: unknown, checkpointsDir: string): GoodPointer | null {
  if (v === null || v === undefined) return null;
  const p = parsePointer(file, 'lastGood', v, checkpointsDir);
  const loss = (v as Record<string, unknown>).loss;
  if (typeof loss !== 'number' || !Number.isFinite(loss)) throw new CheckpointError(file, `'lastGood.loss' is ${shown(loss)}; expected a finite number`);
  return { ...p, loss };
}

/** checkpoints.json, validated. */
export function parseRecord(file: string, v: unknown, checkpointsDir: string): CheckpointRecord {
  if (!isObject(v) || v.format !== 'jasr-checkpoints' || v.version !== 1) {
    const found = isObject(v) ? `format ${shown(v.format)} version ${shown(v.version)}` : shown(v);
    throw new CheckpointError(file, `expected format 'jasr-checkpoints' version 1, found ${found}`);
  }
  return {
    format: 'jasr-checkpoints',
    version: 1,
    last: parsePointer(file, 'last', v.last, checkpointsDir),
    best: v.best === null || v.best === undefined ? null : parsePointer(file, 'best', v.best, checkpointsDir),
    lastGood: parseGood(file, v.lastGood, checkpointsDir),
  };
}

/** Which file each pointer of a record was read from (named in errors about it). */
export type RecordSources = Record<CheckpointTag, string>;

/**
 * The old two-file layout of `checkpointsDir`, or null when it has neither file. The old writer moved `last`
 * first and `best` second; a crash in between left `best` behind a better `last`. A pointer with a selection
 * was saved at an epoch end as a best candidate, so the repair is: `best` is the better of the two.
 */
export function readLegacyRecord(checkpointsDir: string): { record: CheckpointRecord; sources: RecordSources } | null {
  const files = { last: path.join(checkpointsDir, LEGACY_FILES.last), best: path.join(checkpointsDir, LEGACY_FILES.best) };
  const read = (tag: 'last' | 'best'): Pointer | null =>
    fs.existsSync(files[tag]) ? parsePointer(files[tag], '', readJsonFile(files[tag]), checkpointsDir) : null;
  const last = read('last');
  let best = read('best');
  if (!last) return null;
  if (last.selection && isBetterSelection(last.selection, best?.selection ?? null)) best = last;
  return {
    record: { format: 'jasr-checkpoints', version: 1, last, best, lastGood: null },
    sources: { last: files.last, best: best === last ? files.last : files.best, lastGood: files.last },
  };
}

/**
 * The folder a pointer names, after checking that it is there and is a checkpoint: a real folder (not a link)
 * with a meta.json. `file` (where the pointer was read) and `tag` are named in every refusal.
 */
export function resolvePointer(checkpointsDir: string, p: Pointer, file: string, tag: CheckpointTag): string {
  const dir = path.join(checkpointsDir, p.dir);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    throw new CheckpointError(file, `'${tag}' names ${p.dir}, which is missing from ${checkpointsDir}`);
  }
  if (!st.isDirectory()) {
    throw new CheckpointError(file, `'${tag}' names ${p.dir}, which is ${st.isSymbolicLink() ? 'a symbolic link' : 'a file'}, not a checkpoint folder`);
  }
  if (!fs.existsSync(path.join(dir, 'meta.json'))) {
    throw new CheckpointError(file, `'${tag}' names ${p.dir}, which is not a complete checkpoint (no meta.json in it)`);
  }
  return dir;
}
