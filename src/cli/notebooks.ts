import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, UsageError } from './args';
import { Command } from './command';
import { JUPYTER_SERVER_APT_HINT, KERNEL_NAME, SYSTEM_KERNELS_DIR, findExecutable, installKernel, jupyterEnv, projectRoot } from '../report/notebook-kernel';

/** jupyter-lab if installed, else the classic Notebook server (Debian's jupyter-notebook). */
function findServer(): { exe: string; args: string[]; kind: string } | null {
  const lab = findExecutable('jupyter-lab');
  if (lab) return { exe: lab, args: [], kind: 'JupyterLab' };
  const notebook = findExecutable('jupyter-notebook');
  if (notebook) return { exe: notebook, args: [], kind: 'Jupyter Notebook' };
  return null;
}

function reportInstall(result: { file: string; changed: boolean }): void {
  console.log(`kernel '${KERNEL_NAME}': ${result.file} (${result.changed ? 'written' : 'already up to date'})`);
}

export const command: Command = {
  name: 'notebooks',
  summary: 'Register the jasr-tslab Jupyter kernel and start a notebook server in notebooks/',
  usage: 'notebooks [--install-kernel] [--system] [--port <n>]',
  options: {
    'install-kernel': { description: 'Only (re)write the kernel spec, then exit' },
    system: { description: `Also write the spec to ${SYSTEM_KERNELS_DIR} (for editors that ignore JUPYTER_PATH)` },
    port: { value: true, placeholder: '<n>', description: 'Port for the server (default: Jupyter picks 8888 or the next free one)' },
  },
  details: `
The kernel 'jasr-tslab' ("TypeScript (jasr-kit)") runs the project's own node_modules/.bin/tslab with the
PROJECT ROOT as working directory, so notebooks in notebooks/ import the library as './src/...' (relative to
the project root, not to the .ipynb; '../src/...' fails with "Cannot find module"). Its spec is written to
.jupyter/kernels/jasr-tslab/kernel.json inside the checkout (git-ignored); this command sets JUPYTER_PATH so
the server finds it. To use it from another Jupyter: JUPYTER_PATH=<project>/.jupyter jupyter ...`,
  async run(argv) {
    const args = parseArgs(argv, this.options);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const port = args.integer('port');
    const root = projectRoot(__dirname);
    reportInstall(installKernel(root));
    if (args.flag('system')) {
      try {
        reportInstall(installKernel(root, SYSTEM_KERNELS_DIR));
      } catch (e) {
        console.error(`cannot write to ${SYSTEM_KERNELS_DIR}: ${(e as Error).message} (needs root)`);
        return 1;
      }
    }
    if (args.flag('install-kernel')) return 0;

    const server = findServer();
    if (!server) {
      console.error(`No Jupyter server found (jupyter-lab or jupyter-notebook). On Debian:\n  ${JUPYTER_SERVER_APT_HINT}`);
      return 1;
    }
    const notebooksDir = path.join(root, 'notebooks');
    fs.mkdirSync(notebooksDir, { recursive: true });
    const serverArgs = [...server.args, '--allow-root', '--no-browser', ...(port !== undefined ? [`--port=${port}`] : [])];
    console.log(`starting ${server.kind} in ${notebooksDir} (${server.exe} ${serverArgs.join(' ')}); Ctrl-C stops it`);
    const child = spawn(server.exe, serverArgs, { cwd: notebooksDir, env: jupyterEnv(root), stdio: ['inherit', 'inherit', 'pipe'] });
    let announced = false;
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      process.stderr.write(text);
      // Jupyter logs its URL (with the login token) among many lines; repeat it once where it is easy to see.
      const url = /https?:\/\/(?:127\.0\.0\.1|localhost)[^\s]*/.exec(text);
      if (url && !announced) {
        announced = true;
        console.log(`\nOpen ${url[0]}\n(kernel: "TypeScript (jasr-kit)")\n`);
      }
    });
    return new Promise<number>((resolve) => {
      const stop = () => child.kill('SIGINT');
      process.once('SIGINT', stop);
      child.on('exit', (code) => {
        process.removeListener('SIGINT', stop);
        resolve(code ?? 0);
      });
    });
  },
};
