/**
 * Checkpoints of a run: runs/<name>/checkpoints/<step-N>/{meta.json, tensors.bin} plus two pointer files,
 * last.json and best.json, naming the directory each refers to.
 *
 * Why directories plus pointers: a checkpoint directory is written under a temporary name, fsynced, verified
 * by re-reading its checksum, and only then renamed into place; the pointer is then replaced by an atomic
 * file rename. A crash at any moment leaves the previous pointer naming a complete, verified checkpoint.
 * `best` moves only when the new selection value is strictly better than the recorded one.
 *
 * tensors.bin holds float32 little-endian values back to back (model variables, then Adam m and v slots);
 * meta.json lists each tensor's name, shape and offset, the SHA-256 of tensors.bin, and its own SHA-256.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Json } from '../experiments/overrides';
import type { AdamState } from './optimizer';
import { KnownError } from '../core/errors';

export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

/** The recorded value of the selection metric of the checkpoint. */
export interface SelectionRecord {
  metric: string;
  value: number;
  higherIsBetter: boolean;
  epoch: number;
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

export type CheckpointTag = 'last' | 'best';

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

interface Pointer {
  dir: string;
  epoch: number;
  step: number;
  selection: SelectionRecord | null;
}

export class CheckpointError extends KnownError {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

/** Stages a save passes through; tests use `onStage` to simulate a crash at each. */
export type SaveStage = 'tensors-written' | 'meta-written' | 'verified' | 'renamed';

export interface SaveOptions {
  /** Also make this the `best` checkpoint if its selection value beats the recorded best. */
  candidateBest?: boolean;
  onStage?: (stage: SaveStage) => void;
}

const sha256 = (data: Buffer | string): string => crypto.createHash('sha256').update(data).digest('hex');

function writeFileSynced(file: string, data: Buffer | string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function metaDigest(meta: Meta): string {
  const { metaSha256: _ignored, ...rest } = meta;
  return sha256(JSON.stringify(rest));
}

/** Strictly better than `current` (a different metric always replaces it). */
export function isBetterSelection(candidate: SelectionRecord, current: SelectionRecord | null): boolean {
  if (!Number.isFinite(candidate.value)) return false;
  if (current === null || current.metric !== candidate.metric) return true;
  return candidate.higherIsBetter ? candidate.value > current.value : candidate.value < current.value;
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

/** Writes one checkpoint directory at `dir` (which must not exist yet); returns after everything is fsynced. */
function writeCheckpointDir(dir: string, state: CheckpointState, onStage?: (s: SaveStage) => void): void {
  fs.mkdirSync(dir);
  const list = tensorList(state);
  const entries: TensorEntry[] = [];
  const hash = crypto.createHash('sha256');
  const tensorsFile = path.join(dir, 'tensors.bin');
  const fd = fs.openSync(tensorsFile, 'w');
  let offset = 0;
  try {
    for (const { entry, values } of list) {
      const size = entry.shape.reduce((a, b) => a * b, 1);
      if (size !== values.length) throw new Error(`checkpoint: tensor '${entry.name}' (${entry.group}) has ${values.length} values for shape [${entry.shape}]`);
      const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
      fs.writeSync(fd, bytes);
      hash.update(bytes);
      entries.push({ ...entry, offset, length: values.length });
      offset += values.length;
    }
    fs.fsyncSync(fd);
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
  writeFileSynced(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 1));
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
    throw new CheckpointError(metaFile, `expected format 'jasr-checkpoint' version 1, found ${JSON.stringify(meta.format)} version ${JSON.stringify(meta.version)}`);
  }
  if (meta.metaSha256 !== metaDigest(meta)) throw new CheckpointError(metaFile, 'checksum mismatch: the file was corrupted or edited after saving');
  if (!fs.existsSync(tensorsFile)) throw new CheckpointError(tensorsFile, 'missing');
  const buf = fs.readFileSync(tensorsFile);
  if (buf.length !== meta.tensorsBytes) throw new CheckpointError(tensorsFile, `expected ${meta.tensorsBytes} bytes, found ${buf.length} (truncated or corrupted)`);
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

/** The checkpoints of one run directory. Single writer: one training process per run. */
export class CheckpointStore {
  readonly dir: string;

  constructor(runDir: string) {
    this.dir = path.join(runDir, 'checkpoints');
  }

  private pointerFile(tag: CheckpointTag): string {
    return path.join(this.dir, `${tag}.json`);
  }

  pointer(tag: CheckpointTag): Pointer | null {
    const file = this.pointerFile(tag);
    if (!fs.existsSync(file)) return null;
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Pointer;
    } catch (e) {
      throw new CheckpointError(file, `not valid JSON (${(e as Error).message})`);
    }
  }

  has(tag: CheckpointTag): boolean {
    return this.pointer(tag) !== null;
  }

  /** Directory of the checkpoint a tag points to. */
  path(tag: CheckpointTag): string {
    const p = this.pointer(tag);
    if (!p) throw new CheckpointError(this.pointerFile(tag), `no '${tag}' checkpoint in ${this.dir}`);
    return path.join(this.dir, p.dir);
  }

  load(tag: CheckpointTag = 'last'): CheckpointState {
    return readCheckpointDir(this.path(tag));
  }

  private writePointer(tag: CheckpointTag, p: Pointer): void {
    const file = this.pointerFile(tag);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSynced(tmp, JSON.stringify(p, null, 1));
    fs.renameSync(tmp, file);
    fsyncDir(this.dir);
  }

  /**
   * Saves `state` as the new `last` (and `best` when asked and strictly better). Returns the directory and
   * whether `best` moved. On any error the previous pointers and their directories are untouched.
   */
  save(state: CheckpointState, opts: SaveOptions = {}): { dir: string; isBest: boolean } {
    fs.mkdirSync(this.dir, { recursive: true });
    this.removeStaleTemporaries();
    const base = `step-${String(state.step).padStart(8, '0')}`;
    let name = base;
    for (let i = 2; fs.existsSync(path.join(this.dir, name)); i++) name = `${base}-${i}`;
    const tmp = path.join(this.dir, `.tmp-${name}-${process.pid}`);
    try {
      writeCheckpointDir(tmp, state, opts.onStage);
      readCheckpointDir(tmp); // never point at something that does not read back
      opts.onStage?.('verified');
      fs.renameSync(tmp, path.join(this.dir, name));
      fsyncDir(this.dir);
      opts.onStage?.('renamed');
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    const pointer: Pointer = { dir: name, epoch: state.epoch, step: state.step, selection: state.selection };
    this.writePointer('last', pointer);
    let isBest = false;
    if (opts.candidateBest && state.selection && isBetterSelection(state.selection, this.pointer('best')?.selection ?? null)) {
      this.writePointer('best', pointer);
      isBest = true;
    }
    this.removeUnreferenced();
    return { dir: path.join(this.dir, name), isBest };
  }

  /** Leftovers of a crashed save (a single writer per run means none can be in progress now). */
  private removeStaleTemporaries(): void {
    for (const f of fs.readdirSync(this.dir)) {
      if (f.startsWith('.tmp-') || /\.json\.tmp-\d+$/.test(f)) fs.rmSync(path.join(this.dir, f), { recursive: true, force: true });
    }
  }

  private removeUnreferenced(): void {
    const keep = new Set((['last', 'best'] as const).map((t) => this.pointer(t)?.dir).filter((d): d is string => !!d));
    for (const f of fs.readdirSync(this.dir)) {
      if (f.startsWith('step-') && !keep.has(f)) fs.rmSync(path.join(this.dir, f), { recursive: true, force: true });
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
