/**
 * What the embedded-set fault tests share: a small kit-built set (built once per mocha process, in a child, which
 * also measures how long such a build takes), a child build that can be SIGKILLed after a chosen delay, file
 * hashes of a folder tree, a seeded generator, and an in-process CLI call that captures what it prints.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { main } from '../../src/cli/main';

export const REPO = path.resolve(__dirname, '..', '..');
const CHILD = path.join(__dirname, 'data-build-child.ts');

/** JASR_FAULTS_LONG=1: more kill points and cut points, from a seed that changes per run (printed). */
export const LONG = process.env.JASR_FAULTS_LONG === '1';

/** Sources in the small set: face-api's sample1 and sample2, 3 faces each (test/data-embedded.test.ts). */
export const SMALL_SOURCES = 2;
export const SMALL_FACES = 6;

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether our SIGKILL ended it (false: it finished first). */
  killed: boolean;
  lines: string[];
  /** ms from `ready` (backend and face-api loaded) to `built`, or null. */
  buildMs: number | null;
}

export interface ChildOptions {
  force?: boolean;
  limit?: number;
  /** SIGKILL this long after the child reports `ready`. */
  killAfterMs?: number;
  /** SIGKILL `delayMs` after the child's `nth` (1-based) log line: the last one comes right before the manifest write. */
  killAfterLog?: { nth: number; delayMs: number };
  /** Runs when the child reports `ready` (e.g. to try a second build while this one holds the lock). */
  onReady?: (pid: number) => void;
}

/** Runs test/faults/data-build-child.ts on `out`, optionally SIGKILLing it at a chosen moment. */
export function runBuildChild(out: string, opts: ChildOptions = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', CHILD, out, opts.force ? '1' : '0', String(opts.limit ?? SMALL_SOURCES)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buffered = '';
    let readyAt = 0;
    let killed = false;
    let logs = 0;
    const killIn = (ms: number): void => {
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL');
      }, ms);
    };
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith('ready ')) {
          readyAt = Number(line.split(' ')[1]);
          if (opts.killAfterMs !== undefined) killIn(opts.killAfterMs);
          opts.onReady?.(child.pid ?? -1);
        }
        if (line.startsWith('log ') && ++logs === opts.killAfterLog?.nth) killIn(opts.killAfterLog.delayMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const built = lines.find((l) => l.startsWith('built '));
      if (code !== 0 && !killed) {
        reject(new Error(`build child exited ${code ?? signal}: ${lines.join(' | ')} ${stderr.slice(-2000)}`));
        return;
      }
      resolve({ code, signal, killed, lines, buildMs: built ? Number(built.split(' ')[2]) - readyAt : null });
    });
  });
}

let small: Promise<{ dir: string; buildMs: number }> | null = null;

/** A kit-built set of SMALL_FACES faces (read-only: copy it before changing anything) and its build time. */
export function smallSet(): Promise<{ dir: string; buildMs: number }> {
  if (!small) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-data-faults-'));
    process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
    const dir = path.join(root, 'small');
    small = runBuildChild(dir).then((r) => ({ dir, buildMs: r.buildMs ?? NaN }));
  }
  return small;
}

export function tempDir(label: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `jasr-${label}-`));
  process.on('exit', () => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Every file under `dir` (relative path → SHA-256), folders as `<rel>/` → 'dir'. */
export function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.set(`${r}/`, 'dir');
        walk(r);
      } else {
        out.set(
          r,
          crypto
            .createHash('sha256')
            .update(fs.readFileSync(path.join(dir, r)))
            .digest('hex'),
        );
      }
    }
  };
  walk('');
  return out;
}

/** mulberry32: a small seeded generator in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for randomised choices: fixed by default, per run (or $JASR_FAULTS_SEED) in the long mode. */
export function faultSeed(fixed: number): number {
  if (process.env.JASR_FAULTS_SEED) return Number(process.env.JASR_FAULTS_SEED);
  return LONG ? Date.now() % 1_000_000 : fixed;
}

/** Runs the CLI in-process (`jasr <argv>`) and returns its exit code and what it printed. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...parts: unknown[]) => out.push(parts.join(' '));
  console.error = (...parts: unknown[]) => err.push(parts.join(' '));
  try {
    return { code: await main(argv), out, err };
  } finally {
    [console.log, console.error] = [log, error];
  }
}
