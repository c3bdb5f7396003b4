/**
 * Every notebook (01–09) executed headless through Debian's nbconvert and the project's jasr-tslab kernel in
 * quick mode (JASR_QUICK=1), with the quick scratch folder pointed at a fresh temporary directory so every run
 * is trained here. Checks per notebook: no error output or stderr text, the expected number of plotly
 * figures and tables, and content recomputed here independently where it matters (05 shows the fused
 * features of a REAL embedded face: its HR panel equals that face's pixels; 06 shows the LFW crops).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { executeNotebook, notebookProblems, outputsOfType, stdoutOf, NotebookRun } from './helpers/notebook';
import { installKernel, projectRoot } from '../src/report/notebook-kernel';
import { buildEmbedded } from '../src/data/embedded/build';
import { openDataset } from '../src/data/open';
import { resizeSample } from '../src/data/pairs';
import { floatToRgb } from '../src/data/image-io';
import { loadTinyFaces } from '../src/data/embedded/tiny-faces';

const ROOT = projectRoot(__dirname);
const PLOTLY = 'application/vnd.plotly.v1+json';

interface PlotTrace {
  type: string;
  name?: string;
  x?: unknown[];
  y?: unknown[];
  z?: number[][][];
}
interface Plot {
  data: PlotTrace[];
  layout: { title?: { text?: string } };
}

function plots(run: NotebookRun): Plot[] {
  return outputsOfType(run, PLOTLY).map((o) => o.value as Plot);
}
function tables(run: NotebookRun): string[] {
  return outputsOfType(run, 'text/html')
    .map((o) => String(o.value))
    .filter((h) => h.includes('<table'));
}
function titleOf(p: Plot): string {
  return p.layout.title?.text ?? '';
}
/** The image trace's pixels as flat RGB bytes. */
function imageBytes(t: PlotTrace): number[] {
  assert.equal(t.type, 'image');
  return (t.z ?? []).flat(2);
}

describe('notebooks: 01–09 executed through Jupyter + jasr-tslab in quick mode', function () {
  this.timeout(300000);
  let scratch: string;
  const times: Record<string, number> = {};
  const runNotebook = (name: string): NotebookRun => {
    const run = executeNotebook(path.join(ROOT, 'notebooks', name), { env: { JASR_QUICK: '1', JASR_NOTEBOOK_DIR: scratch }, timeoutS: 240 });
    times[name] = run.wallSeconds;
    const problems = notebookProblems(run);
    assert.deepEqual(problems, [], `${name} problems:\n${problems.join('\n---\n')}`);
    assert.match(stdoutOf(run), /quick mode: true\n/);
    return run;
  };

  before(async () => {
    installKernel(ROOT);
    await buildEmbedded({});
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-nb-quick-'));
  });
  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
    console.log(
      `    notebook wall times (s): ${Object.entries(times)
        .map(([n, s]) => `${n} ${s.toFixed(1)}`)
        .join(', ')}`,
    );
  });

  it('lists exactly the nine notebooks, committed clean (no outputs, execution_count null)', () => {
    const names = fs
      .readdirSync(path.join(ROOT, 'notebooks'))
      .filter((f) => /^0[1-9]-.*\.ipynb$/.test(f))
      .sort();
    assert.deepEqual(names, [
      '01-quickstart.ipynb',
      '02-training-curves.ipynb',
      '03-main-comparison.ipynb',
      '04-ablations.ipynb',
      '05-fused-feature-maps.ipynb',
      '06-tiny-faces-in-the-wild.ipynb',
      '07-ced-curves.ipynb',
      '08-claims.ipynb',
      '09-adversarial.ipynb',
    ]);
    for (const n of names) {
      const nb = JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', n), 'utf8')) as {
        cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[];
        metadata: { kernelspec: { name: string } };
      };
      assert.equal(nb.metadata.kernelspec.name, 'jasr-tslab', n);
      assert.equal(nb.cells[0].cell_type, 'markdown', `${n} starts with an explanation`);
      for (const c of nb.cells.filter((x) => x.cell_type === 'code')) {
        assert.deepEqual(c.outputs, [], `${n}: committed with outputs`);
        assert.equal(c.execution_count, null, n);
      }
    }
  });

  it('01-quickstart: LR | bicubic | SR | HR with landmarks, and a 2-row metrics table with the protocol', () => {
    const run = runNotebook('01-quickstart.ipynb');
    const figs = plots(run);
    assert.equal(figs.length, 1);
    assert.deepEqual(
      figs[0].data.filter((t) => t.type === 'image').map((t) => t.name),
      ['LR 16×16', 'bicubic', 'SR (JASRNet)', 'HR 128×128'],
    );
    assert.equal(figs[0].data.filter((t) => t.name === 'predicted').length, 4, 'predicted landmarks on every panel');
    const t = tables(run);
    assert.equal(t.length, 1);
    assert.match(t[0], /<td>bicubic<\/td>[\s\S]*<td>cpu-jasrnet<\/td>/);
    assert.match(stdoutOf(run), /PSNR \d+\.\d\d dB \(bicubic \d+\.\d\d\), SSIM \d\.\d{4}, NME \d+\.\d{4}\nprotocol: image standard .*NME inter-ocular/);
  });

  it('02-training-curves: per-step loss terms and lr/grad norm, per-epoch loss and validation PSNR/NME, epoch table', () => {
    const run = runNotebook('02-training-curves.ipynb');
    const figs = plots(run);
    assert.equal(figs.length, 5);
    assert.deepEqual(
      figs[0].data.map((t) => t.name),
      ['total', 'pixel', 'heatmap'],
    );
    assert.deepEqual(figs[0].data[0].x, [1, 2, 3, 4, 5, 6], 'a step record for each of the 6 quick steps');
    assert.deepEqual(figs[3].data[0].x, [1, 2, 3], '3 epochs of 2 steps');
    assert.ok(
      (figs[3].data[0].y as number[]).every((v) => v > 0 && v < 60),
      'validation PSNR in dB',
    );
    assert.equal(tables(run).length, 1);
  });

  it('03-main-comparison: the main-cpu table (DataFrame + formatted), bars, SR grid, error bars and forest plots of the paired differences', () => {
    const run = runNotebook('03-main-comparison.ipynb');
    const figs = plots(run);
    const rows = ['cpu-bicubic', 'cpu-sr-only', 'cpu-align-only', 'cpu-two-stage', 'cpu-jasrnet', 'mean-shape'];
    // 4 bar/grid figures, error bars for PSNR and NME, one forest plot per metric of main-cpu's pairs (psnr, ssim, nme, auc@0.08, fr@0.08).
    assert.equal(figs.length, 11);
    assert.deepEqual(figs[0].data[0].x, rows);
    assert.deepEqual(
      figs[2].data.map((t) => t.name),
      ['nme', 'auc@0.07', 'auc@0.08', 'fr@0.08'],
    );
    assert.match(titleOf(figs[3]), /test faces per experiment/);
    const psnrBars = figs[4].data[0] as PlotTrace & { y: (number | null)[]; error_y: { array: (number | null)[]; arrayminus: (number | null)[] } };
    assert.deepEqual(psnrBars.x, rows);
    // Rows with an SR output (not align-only, not mean-shape) have a PSNR, and each of those an interval.
    const withPsnr = psnrBars.y.map((v, i) => (typeof v === 'number' ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(
      withPsnr.map((i) => rows[i]),
      ['cpu-bicubic', 'cpu-sr-only', 'cpu-two-stage', 'cpu-jasrnet'],
    );
    assert.ok(
      withPsnr.every((i) => typeof psnrBars.error_y.array[i] === 'number' && (psnrBars.error_y.array[i] as number) >= 0),
      `an interval for every row with PSNR: ${JSON.stringify(psnrBars.error_y)}`,
    );
    assert.match(titleOf(figs[6]), /paired differences: psnr/);
    assert.equal(tables(run).length, 2);
    assert.match(stdoutOf(run), /Design: 2-fold cross-validation by group/);
  });

  it('04-ablations: four ablation tables at quick budgets, two bar charts and a forest plot of ablation − base each', () => {
    const run = runNotebook('04-ablations.ipynb');
    const figs = plots(run);
    assert.equal(figs.length, 12);
    assert.match(titleOf(figs[8]), /ablation-fusion: ablation − base/);
    assert.deepEqual(
      figs[8].data.reduce((n, t) => n + (t.x?.length ?? 0), 0),
      4,
      'fusion-none and fusion-concat, PSNR and NME each',
    );
    assert.deepEqual(figs[0].data[0].x, ['x8-jasrnet', 'x8-fusion-none', 'x8-fusion-concat', 'mean-shape']);
    assert.deepEqual(figs[4].data[0].x, ['x8-stages-1', 'x8-stages-2', 'x8-jasrnet', 'mean-shape']);
    assert.equal(tables(run).length, 4);
    assert.match(stdoutOf(run), /model\.features=16 .*train\.optimizer\.lr=0\.001/);
  });

  it('05-fused-feature-maps: taps of a REAL embedded test face (its HR pixels), encoder/side path/trunk/fused grids, PCA, heatmaps', async () => {
    const run = runNotebook('05-fused-feature-maps.ipynb');
    const figs = plots(run);
    // face grid, channel means, 10 per-tap grids, 3 PCA figures, overlay, landmark heatmaps
    assert.equal(figs.length, 17);
    const data = await openDataset({ format: 'embedded', scale: 8 });
    const face = resizeSample(data.test[0], 128);
    assert.notEqual(face.provenance.labels, 'synthetic');
    assert.match(stdoutOf(run), new RegExp(`face: ${face.id} — ${face.provenance.source}: `));
    const hrPanel = figs[0].data.find((t) => t.name === 'HR 128×128');
    assert.ok(hrPanel, 'HR panel');
    assert.deepEqual(imageBytes(hrPanel), Array.from(floatToRgb(face.hr, 128, 128).data), 'the HR panel is the real face');
    const means = figs[1].data.map((t) => t.name);
    assert.deepEqual(
      means,
      ['encoder/a0', 'encoder/b', 'encoder/c1', 'encoder/c2', 'fusion/a1', 'fusion/a2', 'fusion/a3', 'fusion/a4', 'trunk/out', 'fused'].map(
        (n) => `${n} (mean of 8 ch)`,
      ),
    );
    assert.deepEqual(figs.slice(2, 12).map(titleOf), [
      'encoder/a0 [1×128×128×8]',
      'encoder/b [1×64×64×8]',
      'encoder/c1 [1×32×32×8]',
      'encoder/c2 [1×16×16×8]',
      'fusion/a1 [1×64×64×8]',
      'fusion/a2 [1×32×32×8]',
      'fusion/a3 [1×32×32×8]',
      'fusion/a4 [1×16×16×8]',
      'trunk/out [1×16×16×8]',
      'fused [1×16×16×8]',
    ]);
    const pca = figs.slice(12, 15).flatMap((f) => f.data.filter((t) => t.type === 'image'));
    assert.equal(pca.length, 10);
    assert.equal(pca[0].z?.length, 128);
    assert.equal(pca[9].z?.length, 16);
    assert.equal(figs[16].data.length, 8, 'eight landmark heatmaps');
    assert.equal(tables(run).length, 1);
  });

  it('06-tiny-faces-in-the-wild: LFW crops (no HR) super-resolved with landmarks', () => {
    const run = runNotebook('06-tiny-faces-in-the-wild.ipynb');
    const figs = plots(run);
    assert.equal(figs.length, 1);
    const originals = figs[0].data.filter((t) => t.name === 'original 25×25');
    assert.equal(originals.length, 4);
    const lfw = loadTinyFaces({ count: 4 });
    originals.forEach((t, i) => {
      const grey = Array.from(lfw[i].original, (v) => Math.round(v * 255));
      assert.deepEqual(
        imageBytes(t).filter((_, k) => k % 3 === 0),
        grey,
        `face ${i}`,
      );
    });
    assert.equal(figs[0].data.filter((t) => t.name === 'SR + landmarks').length, 4);
    assert.match(stdoutOf(run), /Labeled Faces in the Wild/);
  });

  it('07-ced-curves: CED of the landmark models, AUC/FR recomputed and equal to table.json', () => {
    const run = runNotebook('07-ced-curves.ipynb');
    const figs = plots(run);
    assert.ok(figs.length >= 1 && figs.length <= 2);
    assert.deepEqual(
      figs[0].data.map((t) => t.name),
      ['cpu-align-only', 'cpu-two-stage', 'cpu-jasrnet', 'mean-shape'],
    );
    const y = figs[0].data[0].y as number[];
    assert.ok(
      y.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v >= y[i - 1])),
      'a CED is a non-decreasing fraction',
    );
    assert.equal(tables(run).length, 1);
    assert.match(stdoutOf(run), /AUC\/FR\/NME recomputed from ced\.json agree with table\.json/);
  });

  it('08-claims: verdicts of the claims main-cpu tests (a, b), the others not measured, forest plots of their differences', () => {
    const run = runNotebook('08-claims.ipynb');
    const out = stdoutOf(run);
    assert.match(out, /\(a\) (supported|contradicted|inconclusive)\n\(b\) (supported|contradicted|inconclusive)\n\(c\) not measured\n\(d\) not measured/);
    const figs = plots(run);
    assert.deepEqual(figs.map(titleOf), ['claims: paired differences in psnr', 'claims: paired differences in nme']);
    assert.equal(
      figs[1].data.reduce((n, t) => n + (t.y?.length ?? 0), 0),
      3,
      'claim a: jasrnet − align-only; claim b: − align-only and − two-stage',
    );
  });

  it('09-adversarial: the adversarial-cpu table with identity and downstream-NME columns, SR with zoomed eyes, both players’ curves, forest plots', () => {
    const run = runNotebook('09-adversarial.ipynb');
    const rows = ['cpu-jasrnet', 'cpu-jasrnet-gan', 'cpu-jasrnet-gan-hc', 'cpu-sr-only', 'cpu-sr-only-gan', 'mean-shape'];
    const t = tables(run);
    assert.equal(t.length, 2);
    for (const r of rows) assert.ok(t[1].includes(r), `row ${r} in the formatted table`);
    for (const m of ['identity', 'downstream-nme']) assert.ok(t[1].includes(m), `column ${m}`);
    assert.match(stdoutOf(run), /identity: face-api 128-D recognition cosine.*downstream NME: face-api 68-point net on SR/);
    const figs = plots(run);
    // SR grid, G curves, D curves, one forest plot per metric of the pairs (psnr, ssim, nme, identity, downstream-nme).
    assert.equal(figs.length, 8);
    const grid = figs[0].data.filter((d) => d.type === 'image');
    assert.equal(grid.length, 3 * 5, 'SR, SR eyes, HR eyes for each of the 5 rows with SR');
    const eyes = grid.find((d) => d.name === 'SR eyes ×3')!;
    const full = grid.find((d) => d.name === 'SR')!;
    assert.ok((eyes.z?.length ?? 0) % 3 === 0 && (eyes.z?.length ?? 0) < 3 * (full.z?.length ?? 0), 'a 3× crop smaller than 3× the image');
    assert.deepEqual(
      figs[1].data.map((d) => d.name),
      ['G total', 'pixel', 'heatmap', 'adversarial (unweighted)'],
    );
    assert.deepEqual(
      figs[2].data.map((d) => d.name),
      ['D loss', 'D mean logit on HR', 'D mean logit on SR'],
    );
    assert.deepEqual(figs[1].data[0].x, [1, 2, 3], 'a step record for each of the 3 quick steps');
    assert.ok(
      (figs[2].data[0].y as number[]).every((v) => Number.isFinite(v) && v > 0),
      'D loss logged from step 1 (warm-up: measured)',
    );
    assert.deepEqual(
      figs.slice(3).map(titleOf),
      ['psnr', 'ssim', 'nme', 'identity', 'downstream-nme'].map((m) => `paired differences: ${m}`),
    );
  });
});
