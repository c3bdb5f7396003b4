/**
 * An exclusive lock on a folder the kit writes (a run directory, a data cache), so a second writer is refused
 * with one clear line instead of interleaving its files with the first.
 *
 * The lock is a file `<dir>/.jasr-lock` created with O_EXCL and holding the owner's host, pid and process start
 * time. A lock whose owner is on this host and no longer alive (or whose pid now belongs to another process,
 * told apart by the start time) is stale and taken over; a lock from another host (a cluster's shared disk) is
 * never broken automatically: the message says who holds it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KnownError } from './errors';

export const LOCK_FILE = '.jasr-lock';

export class LockedError extends KnownError {}

interface LockRecord {
  host: string;
  pid: number;
  /** Clock ticks since boot at which the process started (/proc/<pid>/stat field 22); null where unknown. */
  processStart: number | null;
  since: string;
  purpose: string;
}

/** Start time of a process (Linux), to tell a live owner from a new process that reuses its pid. */
function processStart(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockRecord | null {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as LockRecord;
    return typeof r.pid === 'number' && typeof r.host === 'string' ? r : null;
  } catch {
    return null;
  }
}

/** Is this lock record's owner gone (same host, dead or pid reused)? Locks of other hosts are never stale here. */
function isStale(r: LockRecord): boolean {
  if (r.host !== os.hostname()) return false;
  if (!alive(r.pid)) return true;
  const start = processStart(r.pid);
  return r.processStart !== null && start !== null && start !== r.processStart;
}

export interface DirLock {
  readonly dir: string;
  /** The stale lock that was taken over, if any (for a log line). */
  readonly tookOver: string | null;
  release(): void;
}

const held = new Map<string, DirLock>();

/**
 * Takes the lock on `dir` (created if missing) for `purpose` (e.g. 'jasr train'), or throws LockedError naming
 * the holder. A process may take the same lock again (re-entrant); it is released when the process exits.
 */
export function lockDir(dir: string, purpose: string): DirLock {
  const abs = path.resolve(dir);
  const mine = held.get(abs);
  if (mine) return mine;
  fs.mkdirSync(abs, { recursive: true });
  const file = path.join(abs, LOCK_FILE);
  const record: LockRecord = { host: os.hostname(), pid: process.pid, processStart: processStart(process.pid), since: new Date().toISOString(), purpose };
  let tookOver: string | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, JSON.stringify(record));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw e;
    }
    const other = readLock(file);
    if (other && !isStale(other)) {
      throw new LockedError(
        `${abs}: in use by ${other.purpose} (pid ${other.pid} on ${other.host} since ${other.since}); wait for it to finish or stop it (if it is gone from another host, remove ${file})`,
      );
    }
    if (!other) {
      // Unreadable: a writer between O_EXCL create and write, or a torn file. Wait briefly before judging it.
      const age = Date.now() - fs.statSync(file).mtimeMs;
      if (age < 2000) throw new LockedError(`${abs}: another writer is starting (lock file ${file} is being written); try again`);
    }
    // Stale: move it aside under a unique name (only one taker succeeds at the rename), then retry O_EXCL.
    const aside = `${file}.stale-${process.pid}-${attempt}`;
    try {
      fs.renameSync(file, aside);
      fs.rmSync(aside, { force: true });
      tookOver = other ? `pid ${other.pid} on ${other.host} (${other.purpose}, since ${other.since})` : 'an unreadable lock file';
    } catch {
      // Someone else took it over first; loop and look again.
    }
  }
  const onExit = (): void => release();
  const release = (): void => {
    if (!held.delete(abs)) return;
    process.removeListener('exit', onExit);
    const current = readLock(file);
    if (current && current.pid === process.pid && current.host === record.host) fs.rmSync(file, { force: true });
  };
  process.on('exit', onExit);
  const lock: DirLock = { dir: abs, tookOver, release };
  held.set(abs, lock);
  return lock;
}

/** The holder of `dir`'s lock if a live process holds it, else null (for `jasr status`-style readers). */
export function lockHolder(dir: string): string | null {
  const r = readLock(path.join(path.resolve(dir), LOCK_FILE));
  return r && !isStale(r) ? `${r.purpose} (pid ${r.pid} on ${r.host})` : null;
}
