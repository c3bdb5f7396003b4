/**
 * The `jasr-tslab` Jupyter kernel: tslab started with the PROJECT ROOT as its working directory.
 *
 * tslab type-checks every cell with `rootDir` = its cwd, so a kernel started in notebooks/ cannot import
 * `../src/...` ("not under rootDir"). Started in the project root, a notebook stored in notebooks/ imports
 * the library as `./src/...` (paths are relative to the kernel's cwd, not to the .ipynb file).
 *
 * The spec lives inside the checkout (.jupyter/kernels/jasr-tslab/kernel.json, git-ignored) and Jupyter
 * finds it through JUPYTER_PATH, which `jasr notebooks` and the test helper set. The spec hard-codes the
 * checkout's path, so a system-wide spec would tie every user of the machine to one checkout; a local one
 * follows the checkout, needs no root and disappears with it. `--system` still writes a global copy for
 * editors (VS Code) that do not read JUPYTER_PATH.
 */
import * as fs from 'fs';
import * as path from 'path';

export const KERNEL_NAME = 'jasr-tslab';
export const KERNEL_DISPLAY_NAME = 'TypeScript (jasr-kit)';
export const SYSTEM_KERNELS_DIR = '/usr/local/share/jupyter/kernels';
export const JUPYTER_APT_HINT = 'apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel';
export const JUPYTER_SERVER_APT_HINT = 'apt-get install -y --no-install-recommends jupyter-notebook';

/** The checkout root: the nearest folder above this file whose package.json is jasr-kit's. */
export function projectRoot(from = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      const name = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name;
      if (name === 'jasr-kit') return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json named jasr-kit above ${from}`);
    dir = up;
  }
}

/** The folder Jupyter should search (it looks in <JUPYTER_PATH>/kernels/<name>/kernel.json). */
export function localJupyterDir(root: string): string {
  return path.join(root, '.jupyter');
}

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  metadata: Record<string, unknown>;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function kernelSpec(root: string): KernelSpec {
  const tslab = path.join(root, 'node_modules', '.bin', 'tslab');
  // The connection file arrives as $0 of the inline script, so its path never needs shell quoting.
  const script = `cd ${shellQuote(root)} && exec ${shellQuote(tslab)} kernel --config-path "$0"`;
  return {
    argv: ['/bin/sh', '-c', script, '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
    metadata: { 'jasr-kit': { projectRoot: root, importsFrom: './src/...' } },
  };
}

/** Writes kernel.json under `<kernelsDir>/jasr-tslab/` when missing or different; returns its path. */
export function installKernel(root: string, kernelsDir = path.join(localJupyterDir(root), 'kernels')): { file: string; changed: boolean } {
  const tslab = path.join(root, 'node_modules', '.bin', 'tslab');
  if (!fs.existsSync(tslab)) throw new Error(`${tslab} not found: the tslab npm package is missing (run npm ci in ${root})`);
  const dir = path.join(kernelsDir, KERNEL_NAME);
  const file = path.join(dir, 'kernel.json');
  const text = JSON.stringify(kernelSpec(root), null, 2) + '\n';
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return { file, changed: false };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, text);
  return { file, changed: true };
}

/** Environment for any jupyter process that should see the local kernel. */
export function jupyterEnv(root: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const local = localJupyterDir(root);
  const existing = base.JUPYTER_PATH ? base.JUPYTER_PATH.split(path.delimiter).filter((p) => p !== local) : [];
  return { ...base, JUPYTER_PATH: [local, ...existing].join(path.delimiter), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
}

/**
 * Debian's Jupyter runs on /usr/bin/python3; the `python3` first on PATH here is a pyenv without it, so look
 * for the Debian entry points by absolute path first.
 */
export function findExecutable(name: string): string | null {
  const dirs = ['/usr/bin', '/usr/local/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (d && fs.existsSync(p)) return p;
  }
  return null;
}
