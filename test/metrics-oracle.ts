/**
 * Independent references for the metrics tests: scripts run by Debian's /usr/bin/python3 with numpy, scipy
 * and scikit-image (CI installs python3-skimage). A missing module is a test FAILURE with a clear message,
 * never a skip, so the agreement checks cannot silently stop running.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';

export const ORACLE_PYTHON = '/usr/bin/python3';

/** Runs `script` with `input` as JSON on stdin and returns its stdout parsed as JSON. */
export function runPythonOracle<T>(script: string, input: unknown): T {
  if (!fs.existsSync(ORACLE_PYTHON)) {
    throw new Error(`${ORACLE_PYTHON} not found: the metrics tests need Debian's python3 with python3-skimage (apt-get install python3-skimage)`);
  }
  const probe = spawnSync(ORACLE_PYTHON, ['-c', 'import numpy, scipy, skimage; print(skimage.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `${ORACLE_PYTHON} cannot import numpy/scipy/skimage, which the metrics tests use as an independent oracle; ` +
        `install python3-skimage (apt-get install python3-skimage). Python said: ${probe.stderr.trim()}`,
    );
  }
  const run = spawnSync(ORACLE_PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`python oracle failed (exit ${run.status}): ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as T;
}
