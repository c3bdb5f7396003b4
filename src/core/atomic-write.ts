/**
 * The one way the kit writes a file: to a temporary sibling, flushed to disk, then renamed over the target, so
 * a crash or a full disk leaves either the old file or the new one, never half of one, and never a stray
 * temporary (it is removed when the write fails). Errors name the target file, not the temporary.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileSystemError, isFsError } from './errors';

let counter = 0;

/** A temporary name beside `file` that no other writer (process or call) picks. */
export function temporarySibling(file: string): string {
  counter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${counter}`);
}

/** Is `name` a temporary left by `temporarySibling` (for clean-up of a crashed writer's leftovers)? */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.tmp-\d+-\d+$/.test(name);
}

/** fsync a directory so a rename inside it survives a power cut (a no-op where the OS refuses). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes `data` to `file` and fsyncs it (no rename): for files inside a temporary directory. */
export function writeFileSynced(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Hook for fault-injection tests: called with the stage reached; may throw to simulate a crash or full disk. */
export type WriteFault = (stage: 'temporary-written' | 'renamed', file: string) => void;
let writeFault: WriteFault | undefined;

/** Installs (or with no argument removes) a fault hook for the atomic writes of this process (tests only). */
export function setWriteFaultForTests(hook?: WriteFault): void {
  writeFault = hook;
}

/**
 * Atomically replaces `file` with `data`. On failure the temporary is removed and a FileSystemError names
 * `file` (e.g. `runs/x/last.json: no space left on device (ENOSPC)`); the previous content is untouched.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = temporarySibling(file);
  try {
    writeFileSynced(tmp, data);
    writeFault?.('temporary-written', file);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (isFsError(e)) throw new FileSystemError(e, file);
    throw e;
  }
  fsyncDir(path.dirname(file));
  writeFault?.('renamed', file);
}

/** writeFileAtomic for JSON, pretty-printed with one-space indents as every kit JSON file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 1) + '\n');
}
