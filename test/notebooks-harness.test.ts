/**
 * The notebook harness itself: the jasr-tslab kernel runs notebooks/00-smoke.ipynb through Debian's nbconvert
 * with the project root as cwd, plotly and table bundles land in the outputs, the environment reaches the
 * kernel, and a failing cell's stderr text is surfaced instead of nbconvert's empty error.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { executeNotebook, notebookProblems, outputsOfType, stdoutOf } from './helpers/notebook';
import { projectRoot } from '../src/report/notebook-kernel';

const ROOT = projectRoot(__dirname);

describe('notebooks: harness (nbconvert + jasr-tslab kernel)', function () {
  it('runs 00-smoke.ipynb cleanly with a plotly figure and a table, in quick mode, from the project root', () => {
    const run = executeNotebook(path.join(ROOT, 'notebooks', '00-smoke.ipynb'), { env: { JASR_QUICK: '1' }, timeoutS: 120 });
    const problems = notebookProblems(run);
    assert.deepEqual(problems, [], `notebook problems:\n${problems.join('\n---\n')}`);
    assert.match(stdoutOf(run), new RegExp(`in kernel: true, quick: true, cwd: ${ROOT.replace(/[/.]/g, '\\$&')}\\n`));

    const plots = outputsOfType(run, 'application/vnd.plotly.v1+json');
    assert.equal(plots.length, 1, 'one plotly bundle');
    const fig = plots[0].value as { data: { x: number[]; y: number[]; name: string }[]; layout: { title: { text: string } } };
    assert.equal(fig.data.length, 2);
    assert.equal(fig.data[0].x.length, 20, 'JASR_QUICK=1 reached the kernel: 20 points, not 200');
    // cos(10)·exp(-2.5), recomputed here.
    assert.ok(Math.abs(fig.data[0].y[19] - Math.cos(10) * Math.exp(-2.5)) < 1e-12);
    assert.equal(fig.layout.title.text, 'smoke: damped oscillation');

    const htmls = outputsOfType(run, 'text/html').map((o) => String(o.value));
    const plotHtml = htmls.find((h) => h.includes('Plotly.newPlot'));
    assert.ok(plotHtml, 'the figure also has an HTML rendering');
    assert.ok(plotHtml.includes('(function(define,module,exports){') && plotHtml.length > 1_000_000, 'plotly.js inlined, shielded from require.js');

    const tableHtml = htmls.find((h) => h.includes('<table'));
    assert.ok(tableHtml, 'a table was displayed');
    assert.match(tableHtml, /<td>identity<\/td>/);
    const md = outputsOfType(run, 'text/markdown').map((o) => String(o.value));
    assert.equal(md.length, 1);
    assert.match(md[0], /\| smoke +\| identity +\| +20 \| +-?\d\.\d{4} \| none +\|/);
  });

  it('surfaces the stderr text of a failing cell (the type error tslab reports) and the skipped cell after it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-nb-fail-'));
    const nbPath = path.join(dir, 'fail.ipynb');
    const cell = (src: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: [src] });
    fs.writeFileSync(
      nbPath,
      JSON.stringify({
        cells: [cell("const ok: number = 1;\nconsole.log('first', ok);"), cell("const bad: number = 'text';"), cell("console.log('after');")],
        metadata: { kernelspec: { name: 'jasr-tslab', display_name: 'TypeScript (jasr-kit)', language: 'typescript' } },
        nbformat: 4,
        nbformat_minor: 4,
      }),
    );
    try {
      const run = executeNotebook(nbPath, { timeoutS: 120 });
      const problems = notebookProblems(run);
      assert.equal(problems.length, 2, problems.join('\n---\n'));
      assert.match(problems[0], /^cell 1 \(const bad: number = 'text';\) wrote to stderr:\n1:7 - Type 'string' is not assignable to type 'number'/);
      assert.match(problems[1], /^cell 2 .*no output/);
      assert.equal(stdoutOf(run), 'first 1\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
