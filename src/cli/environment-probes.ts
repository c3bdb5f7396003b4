/**
 * What this machine offers the kit besides the TF.js backend: package versions, Jupyter + nbconvert, a registered
 * tslab kernel, Chromium. Used by `jasr doctor`; every probe reports instead of throwing.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findPackageDir, readPackageJson } from '../backend/detect-native';

export const DEBIAN_PYTHON = '/usr/bin/python3';
export const JUPYTER = '/usr/bin/jupyter';
export const CHROMIUM = '/usr/bin/chromium';
/** The kernel the notebooks helper registers (it starts tslab in the project root). */
export const JASR_KERNEL_NAME = 'jasr-tslab';

export const VERSIONED_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'tslab', 'danfojs-node', 'plotly.js-dist-min', 'sharp'] as const;

/** Installed version of a package (read from its package.json, not required), or null when absent. */
export function packageVersion(pkg: string): string | null {
  const dir = findPackageDir(pkg);
  return dir ? (readPackageJson(dir).version ?? null) : null;
}

export interface ToolProbe {
  found: boolean;
  /** Version or other detail when found; the failure when not. */
  detail: string;
}

/** `jasr notebooks --install-kernel` writes the project kernel here (git-ignored), not into a system folder. */
export const PROJECT_JUPYTER_DIR = path.resolve(__dirname, '..', '..', '.jupyter');

function run(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, env, maxBuffer: 4 << 20 }, (err, stdout, stderr) =>
      resolve({ ok: !err, stdout: String(stdout), stderr: err && !stderr ? err.message : String(stderr) }),
    );
  });
}

const firstLine = (s: string): string =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.trim())[0] ?? '';
const lastLine = (s: string): string =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .pop() ?? '';

export async function probeJupyter(): Promise<ToolProbe> {
  if (!fs.existsSync(JUPYTER)) return { found: false, detail: `${JUPYTER} not found` };
  const r = await run(JUPYTER, ['--version'], 30_000);
  return r.ok ? { found: true, detail: JUPYTER } : { found: false, detail: `${JUPYTER} --version failed: ${lastLine(r.stderr)}` };
}

/** nbconvert from Debian's Python: the pyenv `python3` first on PATH has no Jupyter modules (environment.md, notebooks section). */
export async function probeNbconvert(): Promise<ToolProbe> {
  if (!fs.existsSync(DEBIAN_PYTHON)) return { found: false, detail: `${DEBIAN_PYTHON} not found` };
  const r = await run(DEBIAN_PYTHON, ['-m', 'nbconvert', '--version'], 30_000);
  return r.ok ? { found: true, detail: lastLine(r.stdout) } : { found: false, detail: `python3 -m nbconvert: ${lastLine(r.stderr)}` };
}

export interface KernelProbe extends ToolProbe {
  /** Registered kernels that start tslab (their names). */
  tslabKernels: string[];
  jasrKernel: boolean;
}

interface KernelspecList {
  kernelspecs?: Record<string, { resource_dir?: string; spec?: { argv?: string[] } }>;
}

/** `jupyter kernelspec list --json`, searching JUPYTER_PATH from our environment, then the project's .jupyter. */
export async function probeTslabKernel(): Promise<KernelProbe> {
  if (!fs.existsSync(JUPYTER)) return { found: false, detail: `${JUPYTER} not found`, tslabKernels: [], jasrKernel: false };
  const jupyterPath = [process.env.JUPYTER_PATH, PROJECT_JUPYTER_DIR].filter(Boolean).join(path.delimiter);
  const r = await run(JUPYTER, ['kernelspec', 'list', '--json'], 30_000, { ...process.env, JUPYTER_PATH: jupyterPath });
  if (!r.ok) return { found: false, detail: `jupyter kernelspec list failed: ${lastLine(r.stderr)}`, tslabKernels: [], jasrKernel: false };
  let list: KernelspecList;
  try {
    list = JSON.parse(r.stdout) as KernelspecList;
  } catch {
    return {
      found: false,
      detail: `jupyter kernelspec list --json: expected JSON, got '${firstLine(r.stdout).slice(0, 80)}'`,
      tslabKernels: [],
      jasrKernel: false,
    };
  }
  const specs = list.kernelspecs ?? {};
  const tslabKernels = Object.keys(specs)
    .filter((name) => name === 'tslab' || name === JASR_KERNEL_NAME || (specs[name].spec?.argv ?? []).some((a) => a.includes('tslab')))
    .sort();
  const jasrKernel = tslabKernels.includes(JASR_KERNEL_NAME);
  const detail = tslabKernels.length ? tslabKernels.join(', ') : `none among: ${Object.keys(specs).join(', ') || '(no kernels)'}`;
  return { found: tslabKernels.length > 0, detail, tslabKernels, jasrKernel };
}

export async function probeChromium(): Promise<ToolProbe> {
  if (!fs.existsSync(CHROMIUM)) return { found: false, detail: `${CHROMIUM} not found` };
  const r = await run(CHROMIUM, ['--version'], 30_000);
  // Debian's wrapper prints a harmless shell warning on stderr; the version is the last stdout line.
  return r.ok ? { found: true, detail: lastLine(r.stdout) } : { found: false, detail: `${CHROMIUM} --version failed: ${lastLine(r.stderr)}` };
}
