/**
 * Checkpoints of a run: runs/<name>/checkpoints/<step-N>/{meta.json, tensors.bin} plus one pointer record,
 * checkpoints.json, naming the `last`, `best` and `lastGood` folders (./checkpoint-record.ts).
 *
 * Why folders plus one record: a checkpoint folder is written under a temporary name, fsynced, verified by
 * re-reading its checksums, and only then renamed into place; the record is then replaced by one atomic file
 * rename (src/core/atomic-write.ts). A crash at any moment leaves the previous record naming complete, verified
 * checkpoints, with `best` the best of them: both pointers move together or not at all. `best` moves only when
 * the new selection value is strictly better than the recorded one. Only the holder of the run directory's
 * lock writes here (src/engine/trainer.ts takes it), so clean-up can tell a crashed writer's leftovers apart.
 *
 * tensors.bin holds float32 little-endian values back to back (model variables, then Adam m and v slots);
 * meta.json lists each tensor's name, shape and offset, the SHA-256 of tensors.bin, and its own SHA-256.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Json } from '../core/overrides';
import type { AdamState } from './optimizer';
import { FileSystemError, KnownError, isFsError } from '../core/errors';
import { fsyncDir, isTemporaryName, writeFileSynced, writeJsonAtomic } from '../core/atomic-write';
import {
  CHECKPOINT_NAME,
  CheckpointError,
  CheckpointRecord,
  CheckpointTag,
  GoodPointer,
  LEGACY_FILES,
  Pointer,
  RECORD_FILE,
  RecordSources,
  SelectionRecord,
  isBetterSelection,
  parseRecord,
  readJsonFile,
  readLegacyRecord,
  resolvePointer,
} from './checkpoint-record';

export { CheckpointError, isBetterSelection };
export type { CheckpointRecord, CheckpointTag, GoodPointer, Pointer, SelectionRecord };

export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

export interface CheckpointState {
  /** Completed epochs and optimiser steps at the moment of saving. */
  epoch: number;
  step: number;
  variables: Record<string, HostTensor>;
  optimizer: AdamState;
  /** RNG state of the trainer, opaque JSON. */
  rng: Json;
  /** The training loader's position, opaque JSON from its state(). */
  dataPosition: Json;
  /** The resolved experiment the run was started with. */
  experiment: Json;
  /** Per-epoch metrics so far. */
  metrics: Json;
  /** Trainer bookkeeping (running sums of the epoch in progress, best so far). */
  trainer: Json;
  selection: SelectionRecord | null;
}

interface TensorEntry {
  group: 'variable' | 'adam-m' | 'adam-v';
  name: string;
  shape: number[];
  /** Offset and length in float32 elements. */
  offset: number;
  length: number;
}

/** meta.json: the state's JSON parts as they are, the tensors described by their place in tensors.bin. */
interface Meta extends Omit<CheckpointState, 'variables' | 'optimizer'> {
  format: 'jasr-checkpoint';
  version: 1;
  savedAt: string;
  optimizerStep: number;
  tensors: TensorEntry[];
  tensorsBytes: number;
  tensorsSha256: string;
  metaSha256?: string;
}

/** Stages a save passes through; tests use `onStage` to simulate a crash at each. */
export type SaveStage = 'tensors-written' | 'meta-written' | 'verified' | 'renamed' | 'recorded';

export interface SaveOptions {
  /** Also make this the `best` checkpoint if its selection value beats the recorded best. */
  candidateBest?: boolean;
  onStage?: (stage: SaveStage) => void;
}

const sha256 = (data: Buffer | string): string => crypto.createHash('sha256').update(data).digest('hex');

function metaDigest(meta: Meta): string {
  const { metaSha256: _ignored, ...rest } = meta;
  return sha256(JSON.stringify(rest));
}

/** Gathers the tensors of a state in a fixed order: variables, then Adam m, then Adam v, each sorted by name. */
function tensorList(state: CheckpointState): { entry: Omit<TensorEntry, 'offset' | 'length'>; values: Float32Array }[] {
  const out: { entry: Omit<TensorEntry, 'offset' | 'length'>; values: Float32Array }[] = [];
  for (const name of Object.keys(state.variables).sort()) {
    const v = state.variables[name];
    out.push({ entry: { group: 'variable', name, shape: v.shape }, values: v.values });
  }
  for (const group of ['adam-m', 'adam-v'] as const) {
    for (const name of Object.keys(state.optimizer.slots).sort()) {
      const slot = state.optimizer.slots[name];
      out.push({ entry: { group, name, shape: slot.shape }, values: group === 'adam-m' ? slot.m : slot.v });
    }
  }
  return out;
}

/**
 * Runs one file-system step of writing `file`; an fs error (full disk, permissions) becomes a FileSystemError
 * naming `file` (the checkpoint's final path: the temporary folder is an implementation detail).
 */
function naming<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (isFsError(e) && !(e instanceof KnownError)) throw new FileSystemError(e, file);
    throw e;
  }
}

/**
 * Writes one checkpoint directory at `dir` (which must not exist yet); returns after everything is fsynced.
 * Errors name the files under `finalDir`, the name `dir` will be renamed to.
 */
function writeCheckpointDir(dir: string, finalDir: string, state: CheckpointState, onStage?: (s: SaveStage) => void): void {
  naming(finalDir, () => fs.mkdirSync(dir));
  const list = tensorList(state);
  const entries: TensorEntry[] = [];
  const hash = crypto.createHash('sha256');
  const tensorsFile = path.join(finalDir, 'tensors.bin');
  const fd = naming(tensorsFile, () => fs.openSync(path.join(dir, 'tensors.bin'), 'w'));
  let offset = 0;
  try {
    for (const { entry, values } of list) {
      const size = entry.shape.reduce((a, b) => a * b, 1);
      if (size !== values.length) throw new Error(`checkpoint: tensor '${entry.name}' (${entry.group}) has ${values.length} values for shape [${entry.shape}]`);
      const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
      naming(tensorsFile, () => fs.writeSync(fd, bytes));
      hash.update(bytes);
      entries.push({ ...entry, offset, length: values.length });
      offset += values.length;
    }
    naming(tensorsFile, () => fs.fsyncSync(fd));
  } finally {
    fs.closeSync(fd);
  }
  onStage?.('tensors-written');
  const meta: Meta = {
    format: 'jasr-checkpoint',
    version: 1,
    savedAt: new Date().toISOString(),
    epoch: state.epoch,
    step: state.step,
    optimizerStep: state.optimizer.step,
    rng: state.rng,
    dataPosition: state.dataPosition,
    experiment: state.experiment,
    metrics: state.metrics,
    trainer: state.trainer,
    selection: state.selection,
    tensors: entries,
    tensorsBytes: offset * 4,
    tensorsSha256: hash.digest('hex'),
  };
  meta.metaSha256 = metaDigest(meta);
  naming(path.join(finalDir, 'meta.json'), () => writeFileSynced(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 1)));
  fsyncDir(dir);
  onStage?.('meta-written');
}

/** Reads and verifies one checkpoint directory; every problem names the file. */
export function readCheckpointDir(dir: string): CheckpointState {
  const metaFile = path.join(dir, 'meta.json');
  const tensorsFile = path.join(dir, 'tensors.bin');
  if (!fs.existsSync(metaFile)) throw new CheckpointError(metaFile, 'missing (not a complete checkpoint)');
  let meta: Meta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Meta;
  } catch (e) {
    throw new CheckpointError(metaFile, `not valid JSON, the file is corrupted (${(e as Error).message})`);
  }
  if (meta.format !== 'jasr-checkpoint' || meta.version !== 1) {
    throw new CheckpointError(
      metaFile,
      `expected format 'jasr-checkpoint' version 1, found ${JSON.stringify(meta.format)} version ${JSON.stringify(meta.version)}`,
    );
  }
  if (meta.metaSha256 !== metaDigest(meta)) throw new CheckpointError(metaFile, 'checksum mismatch: the file was corrupted or edited after saving');
  if (!fs.existsSync(tensorsFile)) throw new CheckpointError(tensorsFile, 'missing');
  const buf = fs.readFileSync(tensorsFile);
  if (buf.length !== meta.tensorsBytes)
    throw new CheckpointError(tensorsFile, `expected ${meta.tensorsBytes} bytes, found ${buf.length} (truncated or corrupted)`);
  if (sha256(buf) !== meta.tensorsSha256) throw new CheckpointError(tensorsFile, 'checksum mismatch: the file is corrupted');
  const read = (e: TensorEntry): Float32Array => {
    // Copy out so each tensor owns an aligned buffer independent of the file buffer.
    const bytes = buf.subarray(e.offset * 4, (e.offset + e.length) * 4);
    const out = new Float32Array(e.length);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  };
  const variables: Record<string, HostTensor> = {};
  const slots: AdamState['slots'] = {};
  for (const e of meta.tensors) {
    if (e.group === 'variable') variables[e.name] = { shape: e.shape, values: read(e) };
    else {
      const slot = (slots[e.name] ??= { shape: e.shape, m: new Float32Array(0), v: new Float32Array(0) });
      if (e.group === 'adam-m') slot.m = read(e);
      else slot.v = read(e);
    }
  }
  return {
    epoch: meta.epoch,
    step: meta.step,
    variables,
    optimizer: { step: meta.optimizerStep, slots },
    rng: meta.rng,
    dataPosition: meta.dataPosition,
    experiment: meta.experiment,
    metrics: meta.metrics,
    trainer: meta.trainer,
    selection: meta.selection,
  };
}

/** Is a process with this pid running on this host (EPERM: alive, owned by someone else)? */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The writer pid of a temporary this kit leaves in checkpoints/ while saving, or null for any other name:
 * `.tmp-step-…-<pid>` (a checkpoint folder before its rename), `.<record>.tmp-<pid>-<n>` (src/core/atomic-write.ts)
 * and `<last|best>.json.tmp-<pid>` (the pointer writer of the old layout).
 */
function temporaryWriter(name: string): number | null {
  const folder = /^\.tmp-(step-\d{8}(?:-\d+)?)-(\d+)$/.exec(name);
  if (folder) return Number(folder[2]);
  const record = /^\.(?:checkpoints|last|best)\.json\.tmp-(\d+)-\d+$/.exec(name);
  if (record && isTemporaryName(name)) return Number(record[1]);
  const legacy = /^(?:last|best)\.json\.tmp-(\d+)$/.exec(name);
  return legacy ? Number(legacy[1]) : null;
}

/** The checkpoints of one run directory. Single writer: the holder of the run directory's lock. */
export class CheckpointStore {
  readonly dir: string;
  readonly recordFile: string;

  constructor(runDir: string) {
    this.dir = path.join(runDir, 'checkpoints');
    this.recordFile = path.join(this.dir, RECORD_FILE);
  }

  /** The record and the file each pointer came from: checkpoints.json, else the old layout (repaired), else null. */
  private read(): { record: CheckpointRecord; sources: RecordSources } | null {
    if (fs.existsSync(this.recordFile)) {
      const record = parseRecord(this.recordFile, readJsonFile(this.recordFile), this.dir);
      return { record, sources: { last: this.recordFile, best: this.recordFile, lastGood: this.recordFile } };
    }
    return readLegacyRecord(this.dir);
  }

  /** The current pointers (validated, not yet followed), or null when nothing was saved. */
  record(): CheckpointRecord | null {
    return this.read()?.record ?? null;
  }

  pointer(tag: CheckpointTag): Pointer | null {
    return this.record()?.[tag] ?? null;
  }

  has(tag: CheckpointTag): boolean {
    return this.pointer(tag) !== null;
  }

  /** Folder of the checkpoint a tag points to, checked to be a complete checkpoint inside checkpoints/. */
  path(tag: CheckpointTag): string {
    const r = this.read();
    const p = r?.record[tag] ?? null;
    if (!r || !p) throw new CheckpointError(r?.sources[tag] ?? this.recordFile, `no '${tag}' checkpoint in ${this.dir}`);
    return resolvePointer(this.dir, p, r.sources[tag], tag);
  }

  load(tag: CheckpointTag = 'last'): CheckpointState {
    return readCheckpointDir(this.path(tag));
  }

  /** Replaces the record by one atomic rename, then drops the old layout's files (the record supersedes them). */
  private writeRecord(record: CheckpointRecord): void {
    writeJsonAtomic(this.recordFile, record);
    for (const name of Object.values(LEGACY_FILES)) fs.rmSync(path.join(this.dir, name), { force: true });
  }

  /**
   * Saves `state` as the new `last` (and `best` when asked and strictly better). Returns the directory and
   * whether `best` moved. On any error the previous record and its directories are untouched.
   */
  save(state: CheckpointState, opts: SaveOptions = {}): { dir: string; name: string; isBest: boolean } {
    naming(this.dir, () => fs.mkdirSync(this.dir, { recursive: true }));
    // Read (and validate) first: a damaged record is refused before anything is written.
    const before = this.record();
    this.removeStaleTemporaries();
    const base = `step-${String(state.step).padStart(8, '0')}`;
    let name = base;
    for (let i = 2; fs.existsSync(path.join(this.dir, name)); i++) name = `${base}-${i}`;
    const finalDir = path.join(this.dir, name);
    const tmp = path.join(this.dir, `.tmp-${name}-${process.pid}`);
    try {
      writeCheckpointDir(tmp, finalDir, state, opts.onStage);
      readCheckpointDir(tmp); // never point at something that does not read back
      opts.onStage?.('verified');
      naming(finalDir, () => fs.renameSync(tmp, finalDir));
      fsyncDir(this.dir);
      opts.onStage?.('renamed');
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    const pointer: Pointer = { dir: name, epoch: state.epoch, step: state.step, selection: state.selection };
    const isBest = !!opts.candidateBest && state.selection !== null && isBetterSelection(state.selection, before?.best?.selection ?? null);
    const record: CheckpointRecord = {
      format: 'jasr-checkpoints',
      version: 1,
      last: pointer,
      best: isBest ? pointer : (before?.best ?? null),
      lastGood: before?.lastGood ?? null,
    };
    this.writeRecord(record);
    opts.onStage?.('recorded');
    this.removeUnreferenced(record);
    return { dir: finalDir, name, isBest };
  }

  /**
   * Marks the checkpoint folder `name` as known good: its weights are finite (checked before saving) and `loss`,
   * computed from them, was finite. Only the current `last` is marked (a later save superseded any other).
   */
  markGood(name: string, loss: number): boolean {
    const record = this.record();
    if (!record || record.last.dir !== name || record.lastGood?.dir === name || !Number.isFinite(loss)) return false;
    const updated: CheckpointRecord = { ...record, lastGood: { ...record.last, loss } };
    this.writeRecord(updated);
    this.removeUnreferenced(updated);
    return true;
  }

  /**
   * After a non-finite loss: points `last` back at `lastGood` so that a resume starts from weights known to be
   * finite. Returns the good pointer (null when none is known). The abandoned folder stays until the next save.
   */
  rollBackToGood(): GoodPointer | null {
    const record = this.record();
    const good = record?.lastGood ?? null;
    if (!record || !good) return null;
    if (record.last.dir !== good.dir) {
      const { loss: _loss, ...last } = good;
      this.writeRecord({ ...record, last });
    }
    return good;
  }

  /**
   * Leftovers of a crashed save: temporaries this kit writes (by their names) whose writer process is gone, or
   * is this process (saves run synchronously, so none of ours is in progress now). Anything else is left alone.
   */
  private removeStaleTemporaries(): void {
    for (const f of fs.readdirSync(this.dir)) {
      const pid = temporaryWriter(f);
      if (pid !== null && (pid === process.pid || !processAlive(pid))) fs.rmSync(path.join(this.dir, f), { recursive: true, force: true });
    }
  }

  /** Checkpoint folders (the kit's `step-…` names, real folders only) that the record no longer names. */
  private removeUnreferenced(record: CheckpointRecord): void {
    const keep = new Set([record.last, record.best, record.lastGood].filter((p): p is Pointer => p !== null).map((p) => p.dir));
    for (const f of fs.readdirSync(this.dir)) {
      if (!CHECKPOINT_NAME.test(f) || keep.has(f)) continue;
      const full = path.join(this.dir, f);
      if (fs.lstatSync(full).isDirectory()) fs.rmSync(full, { recursive: true, force: true });
    }
  }
}

/** Host copies of named variables, for a checkpoint. */
export function snapshotVariables(vars: Record<string, tf.Variable>): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, v] of Object.entries(vars)) out[name] = { shape: [...v.shape], values: v.dataSync() as Float32Array };
  return out;
}

/**
 * Assigns saved values to the model's variables after checking that names and shapes match exactly;
 * `source` (the checkpoint path) is named in every error.
 */
export function restoreVariables(vars: Record<string, tf.Variable>, saved: Record<string, HostTensor>, source: string): void {
  const want = Object.keys(vars).sort();
  const have = Object.keys(saved).sort();
  const missing = want.filter((n) => !(n in saved));
  const extra = have.filter((n) => !(n in vars));
  if (missing.length || extra.length) {
    const list = (a: string[]): string => (a.length ? a.slice(0, 8).join(', ') + (a.length > 8 ? `, … (${a.length})` : '') : 'none');
    throw new CheckpointError(source, `variables do not match the model (missing from checkpoint: ${list(missing)}; not in model: ${list(extra)})`);
  }
  for (const name of want) {
    const s = saved[name].shape;
    const m = vars[name].shape;
    if (s.length !== m.length || s.some((d, i) => d !== m[i])) {
      throw new CheckpointError(source, `variable '${name}' has shape [${s}] in the checkpoint, the model expects [${m}]`);
    }
  }
  for (const name of want) tf.tidy(() => vars[name].assign(tf.tensor(saved[name].values, vars[name].shape, 'float32')));
}
