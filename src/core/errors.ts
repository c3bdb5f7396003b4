/**
 * The base of every error the kit expects and can explain in one line: a bad file, a refused state, a config
 * key with the wrong value. The CLI prints `jasr <command>: <message>` for these and exits non-zero; anything
 * that is not a KnownError is a bug and keeps its stack.
 *
 * Messages follow one shape: the file (or key) first, then what was expected and what was found.
 */
export class KnownError extends Error {
  /** Process exit status the CLI returns for this error. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Node's fs error codes that describe the outside world (a path, a disk, a permission), not a kit bug. */
const FS_CODES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

export interface FsError extends Error {
  code?: string;
  path?: string;
  dest?: string;
}

/** True for an fs error whose code is one a person can act on (missing file, full disk, permissions). */
export function isFsError(e: unknown): e is FsError {
  return e instanceof Error && typeof (e as FsError).code === 'string' && (e as FsError).code! in FS_CODES;
}

/** One line for an fs error: the file, then the cause in words (`runs/x/log.jsonl: no space left on device (ENOSPC)`). */
export function describeFsError(e: FsError, file?: string): string {
  const where = file ?? e.path ?? '(unknown file)';
  return `${where}: ${FS_CODES[e.code ?? ''] ?? e.message} (${e.code})`;
}

/** A KnownError made from an fs error, naming the file the kit was working on. */
export class FileSystemError extends KnownError {
  constructor(
    override readonly cause: FsError,
    file?: string,
  ) {
    super(describeFsError(cause, file));
  }
}

/** How a found value reads in a one-line error ("found the string \"5\"", "found nothing (key missing)"). */
export function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing (key missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
