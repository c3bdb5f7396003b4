/**
 * Executes a notebook with Debian's `jupyter nbconvert --execute` on the project's `jasr-tslab` kernel and
 * returns its outputs.
 *
 * tslab reports type errors and exceptions as *stderr stream* outputs, and nbconvert then shows only an empty
 * `<Error>:`; so we run with --allow-errors (the notebook is always written) and collect the stderr text per
 * cell ourselves. Note that after a failing cell tslab drops the next request, so the cell after a failure
 * has no output at all: the first failing cell is the one to read.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JUPYTER_APT_HINT, KERNEL_NAME, installKernel, jupyterEnv, projectRoot } from '../../src/report/notebook-kernel';

export interface NotebookOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: 'stdout' | 'stderr';
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface ExecutedCell {
  /** Index among all cells of the notebook. */
  index: number;
  source: string;
  outputs: NotebookOutput[];
}

export interface NotebookRun {
  notebookPath: string;
  executedPath: string;
  cells: ExecutedCell[];
  wallSeconds: number;
  /** nbconvert's own stderr (its log lines). */
  log: string;
}

export interface ExecuteOptions {
  /** Added to the kernel's environment, e.g. { JASR_QUICK: '1' }. */
  env?: Record<string, string>;
  /** Per-cell timeout for nbconvert and overall timeout for the process (×4). */
  timeoutS?: number;
}

const JUPYTER = '/usr/bin/jupyter';

function joinText(t: string | string[] | undefined): string {
  return Array.isArray(t) ? t.join('') : (t ?? '');
}

export function executeNotebook(notebookPath: string, opts: ExecuteOptions = {}): NotebookRun {
  if (!fs.existsSync(JUPYTER) || !fs.existsSync('/usr/bin/jupyter-nbconvert')) {
    throw new Error(`Jupyter nbconvert is not installed (${JUPYTER}, /usr/bin/jupyter-nbconvert missing). Install it with:\n  ${JUPYTER_APT_HINT}`);
  }
  const root = projectRoot(__dirname);
  installKernel(root);
  const timeoutS = opts.timeoutS ?? 120;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-nb-'));
  const stem = path.basename(notebookPath, '.ipynb') + '.executed';
  const started = Date.now();
  const result = spawnSync(
    JUPYTER,
    [
      'nbconvert',
      '--to',
      'notebook',
      '--execute',
      '--allow-errors',
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      `--ExecutePreprocessor.timeout=${timeoutS}`,
      '--output-dir',
      outDir,
      '--output',
      stem,
      path.resolve(notebookPath),
    ],
    { env: { ...jupyterEnv(root), ...opts.env }, encoding: 'utf8', timeout: timeoutS * 4 * 1000 },
  );
  const wallSeconds = (Date.now() - started) / 1000;
  const executedPath = path.join(outDir, `${stem}.ipynb`);
  const log = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error || result.status !== 0 || !fs.existsSync(executedPath)) {
    const why = result.error ? result.error.message : `exit code ${result.status}`;
    throw new Error(`nbconvert failed on ${notebookPath} (${why}) after ${wallSeconds.toFixed(1)} s:\n${log.slice(-3000)}`);
  }
  const nb = JSON.parse(fs.readFileSync(executedPath, 'utf8')) as { cells: { cell_type: string; source: string | string[]; outputs?: NotebookOutput[] }[] };
  const cells = nb.cells
    .map((c, index) => ({ index, type: c.cell_type, source: joinText(c.source), outputs: c.outputs ?? [] }))
    .filter((c) => c.type === 'code')
    .map(({ index, source, outputs }) => ({ index, source, outputs }));
  return { notebookPath, executedPath, cells, wallSeconds, log };
}

/** Every problem in the run, each naming the cell: error outputs, stderr text, code cells without any output after a failure. */
export function notebookProblems(run: NotebookRun): string[] {
  const problems: string[] = [];
  let failed = false;
  for (const cell of run.cells) {
    const firstLine = cell.source.split('\n')[0];
    for (const o of cell.outputs) {
      if (o.output_type === 'error') problems.push(`cell ${cell.index} (${firstLine}): ${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join('\n')}`);
      if (o.output_type === 'stream' && o.name === 'stderr') problems.push(`cell ${cell.index} (${firstLine}) wrote to stderr:\n${joinText(o.text)}`);
    }
    if (problems.length > 0 && !failed) failed = true;
    else if (failed && cell.outputs.length === 0) problems.push(`cell ${cell.index} (${firstLine}): no output (tslab skips the request after a failing cell)`);
  }
  return problems;
}

export function outputsOfType(run: NotebookRun, mime: string): { cell: number; value: unknown }[] {
  const found: { cell: number; value: unknown }[] = [];
  for (const cell of run.cells) {
    for (const o of cell.outputs) {
      if (!o.data || !(mime in o.data)) continue;
      const v = o.data[mime];
      // nbformat stores multi-line text as an array of lines.
      const value = Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join('') : v;
      found.push({ cell: cell.index, value });
    }
  }
  return found;
}

export function stdoutOf(run: NotebookRun): string {
  return run.cells.flatMap((c) => c.outputs.filter((o) => o.output_type === 'stream' && o.name === 'stdout').map((o) => joinText(o.text))).join('');
}
