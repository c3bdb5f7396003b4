import { strict as assert } from 'assert';
import { PNG } from 'pngjs';
import { lineCurves } from '../src/report/figures';
import { displayFigure, displayImage, displayMarkdown, displayTable, forgetInlinedPlotly, isInKernel, rgbFloatToPng } from '../src/report/display';
import { ResultRow, toDataFrame } from '../src/report/tables';

interface Sent {
  data: Record<string, unknown>;
  metadata: unknown;
  transient: unknown;
}

/** tslab's kernel-side hook, which the kernel sets while a cell runs; here a recorder stands in for the kernel. */
type JupyterModule = { lastWriteDisplayData: ((msg: Sent, update: boolean) => void) | null };

function captureConsole(fn: () => void): string[] {
  const lines: string[] = [];
  const saved = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    fn();
  } finally {
    console.log = saved;
  }
  return lines;
}

const fig = lineCurves([{ name: 's', x: [0, 1], y: [2, 3] }], { title: 'two points' });
const rows: ResultRow[] = [{ experiment: 'e', model: 'm', protocol: 'nme-io', metrics: { nme: 0.04567 } }];

describe('report/display: notebook MIME bundles', () => {
  it('outside a kernel prints one-line text fallbacks instead of failing', () => {
    assert.equal(isInKernel(), false);
    const lines = captureConsole(() => {
      displayFigure(fig);
      displayImage([0, 0.5, 1], 1, 1, { caption: 'px' });
      displayMarkdown('**hi**');
    });
    assert.deepEqual(lines, ["[plotly figure 'two points': 1 trace(s); display needs a tslab kernel]", "[image 1×1 'px']", '**hi**']);
  });

  describe('inside a (recorded) tslab kernel', () => {
    let jupyter: JupyterModule;
    const sent: Sent[] = [];
    before(() => {
      jupyter = require('tslab/dist/jupyter') as JupyterModule;
      jupyter.lastWriteDisplayData = (msg) => sent.push(msg);
      forgetInlinedPlotly();
    });
    after(() => {
      jupyter.lastWriteDisplayData = null;
    });
    beforeEach(() => {
      sent.length = 0;
    });

    it('a figure sends plotly JSON + HTML; plotly.js is inlined (require.js-safe) only in the first one', () => {
      displayFigure(fig);
      displayFigure(fig);
      assert.equal(sent.length, 2);
      assert.deepEqual(Object.keys(sent[0].data).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
      assert.deepEqual(sent[0].data['application/vnd.plotly.v1+json'], { data: fig.data, layout: fig.layout });
      const first = String(sent[0].data['text/html']);
      const second = String(sent[1].data['text/html']);
      assert.ok(first.includes('(function(define,module,exports){') && first.includes('})(undefined,undefined,undefined)'));
      assert.ok(first.length > 1_000_000 && second.length < 5_000, `${first.length} then ${second.length} chars`);
      assert.ok(second.includes('Plotly.newPlot'));
      forgetInlinedPlotly();
      displayFigure(fig);
      assert.ok(String(sent[2].data['text/html']).length > 1_000_000, 'inlined again after forgetInlinedPlotly');
    });

    it('tables: result rows as HTML + Markdown with fixed decimals; a DataFrame as HTML', () => {
      displayTable(rows);
      displayTable(toDataFrame(rows));
      assert.match(String(sent[0].data['text/html']), /<td style="text-align:right">0\.0457<\/td><td>nme-io<\/td>/);
      assert.match(String(sent[0].data['text/markdown']), /\| e +\| m +\| 0\.0457 \| nme-io +\|/);
      assert.match(String(sent[1].data['text/html']), /<th>experiment<\/th>.*<td style="text-align:right">0\.0457<\/td>/);
    });

    it('an image is a PNG that decodes back to the 8-bit values of the floats', () => {
      const floats = [0, 0.5, 1, 0.25, 0.75, 0.1];
      displayImage(floats, 2, 1, { scale: 4 });
      const png = PNG.sync.read(Buffer.from(String(sent[0].data['image/png']), 'base64'));
      assert.deepEqual([png.width, png.height], [2, 1]);
      assert.deepEqual(Array.from(png.data), [0, 128, 255, 255, 64, 191, 26, 255]);
      assert.match(String(sent[0].data['text/html']), /width="8" height="4"/);
      assert.throws(() => rgbFloatToPng([0, 0], 1, 1), /1×1 RGB needs 3 values, found 2/);
    });
  });
});
