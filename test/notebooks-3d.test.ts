/**
 * notebooks/10-3d.ipynb executed headless through Jupyter and the jasr-tslab kernel in quick mode (as
 * test/notebooks.test.ts runs 01–08): no error output, the 3d-cpu table with its 3D columns, one figure with the
 * SR image beside a 3D scatter of predicted and true landmarks, and the yaw-bin table.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { executeNotebook, notebookProblems, outputsOfType, stdoutOf } from './helpers/notebook';
import { installKernel, projectRoot } from '../src/report/notebook-kernel';

const ROOT = projectRoot(__dirname);

interface Trace {
  type: string;
  name?: string;
  x?: number[];
  z?: unknown[];
}

describe('notebooks: 10-3d executed through Jupyter + jasr-tslab in quick mode', function () {
  this.timeout(600000);
  let scratch: string;
  before(() => {
    installKernel(ROOT);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-nb3d-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('10-3d: the 3d-cpu table, SR beside its 3D landmarks, and the yaw-bin table', () => {
    const run = executeNotebook(path.join(ROOT, 'notebooks', '10-3d.ipynb'), { env: { JASR_QUICK: '1', JASR_NOTEBOOK_DIR: scratch }, timeoutS: 540 });
    const problems = notebookProblems(run);
    assert.deepEqual(problems, [], problems.join('\n---\n'));
    const out = stdoutOf(run);
    assert.match(out, /quick mode: true\n/);
    assert.match(out, /protocol of every row:\n .*3D: nme-box and nme-3d/);
    const figs = outputsOfType(run, 'application/vnd.plotly.v1+json').map((o) => o.value as { data: Trace[] });
    assert.equal(figs.length, 1);
    assert.deepEqual(
      figs[0].data.map((t) => [t.type, t.name]),
      [
        ['image', 'SR'],
        ['scatter3d', 'predicted'],
        ['scatter3d', 'ground truth'],
      ],
    );
    assert.equal(figs[0].data[1].x?.length, 68);
    const tables = outputsOfType(run, 'text/html')
      .map((o) => String(o.value))
      .filter((h) => h.includes('<table'));
    assert.equal(tables.length, 2);
    assert.match(tables[0], /nme3d[\s\S]*nme-box[\s\S]*cpu3d-jasrnet-depth/);
    assert.match(tables[1], /yaw0-30[\s\S]*yaw30-60[\s\S]*yaw60-90[\s\S]*mean of bins/);
    assert.match(out, /yaw bins of \d+ test faces: yaw0-30 \d+, yaw30-60 \d+, yaw60-90 \d+/);
    console.log(`    10-3d wall time ${run.wallSeconds.toFixed(1)} s`);
  });
});
