/** Runs the jasr CLI as a child process (the real top-level output) or in this process (fast), capturing its output. */
import { spawn } from 'child_process';
import * as path from 'path';
import { main } from '../../src/cli/main';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function jasr(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jasr.js'), ...args], { cwd: ROOT, env: { ...process.env, JASR_DEBUG: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** main() in this process, with everything it prints captured. */
export async function jasrInProcess(args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn };
  console.log = (...p: unknown[]) => out.push(p.join(' '));
  console.error = console.warn = (...p: unknown[]) => err.push(p.join(' '));
  try {
    const code = await main(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    Object.assign(console, saved);
  }
}
