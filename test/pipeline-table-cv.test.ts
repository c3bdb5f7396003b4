import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { planTable } from '../src/pipeline/table-plan';
import { reproduceTable } from '../src/pipeline/reproduce';
import { collectTable } from '../src/pipeline/table-collect';
import { TableBudgetError } from '../src/pipeline/table-budget';
import { loadRunModel } from '../src/pipeline/run-experiment';
import { openDataset } from '../src/data/open';
import { runDataConfig } from '../src/pipeline/run-experiment';
import { evaluate, modelPredictor } from '../src/task/evaluate';
import { CheckpointStore } from '../src/engine/checkpoint';
import { readTableJson } from '../src/report/results';
import { writeTinyExperiment } from './helpers/cli-tiny';

/** A tiny table on 9 synthetic faces (9 groups): bicubic and a 2-step JASRNet, 2 folds × 2 seeds. */
describe('a cross-validated, multi-seed table (synthetic, 2 folds × 2 seeds)', function () {
  this.timeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-table-cv-'));
  const experimentsDir = path.join(dir, 'experiments');
  const common = {
    experimentsDir,
    runsDir: path.join(dir, 'runs'),
    resultsDir: path.join(dir, 'results'),
    staticFigures: false,
    progress: 'quiet' as const,
    log: (): void => undefined,
  };
  const resultDir = path.join(dir, 'results', 'cv');
  before(() => {
    fs.mkdirSync(path.join(experimentsDir, 'tables'), { recursive: true });
    writeTinyExperiment(experimentsDir, 'tiny-bicubic', 'bicubic');
    writeTinyExperiment(experimentsDir, 'tiny-jasrnet', 'jasrnet');
    const table = {
      title: 'cv',
      description: 'test',
      experiments: ['tiny-bicubic.json', 'tiny-jasrnet.json'],
      metrics: ['psnr', 'nme', 'auc@0.08'],
      folds: 2,
      seeds: [1, 2],
      steps: 2,
      pairs: [
        { a: 'tiny-jasrnet', b: 'tiny-bicubic', metrics: ['psnr'] },
        { a: 'tiny-jasrnet', b: 'mean-shape', metrics: ['nme'] },
      ],
    };
    fs.writeFileSync(path.join(experimentsDir, 'tables', 'cv.json'), JSON.stringify(table));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('plans one job per trained row × fold × seed with the fold, seed and steps as overrides', () => {
    const p = planTable('cv', common);
    assert.deepEqual(
      p.plan.jobs.map((j) => j.id),
      [0, 1].flatMap((f) => [1, 2].map((s) => `tiny-jasrnet.fold${f}of2.seed${s}.steps2`)),
    );
    assert.deepEqual(p.plan.jobs[3].sets, ['train.maxSteps=2', 'data.folds=2', 'data.fold=1', 'data.foldSeed=1', 'train.seed=2']);
    assert.equal(p.cells.filter((c) => c.row === 'tiny-bicubic').length, 2, 'a row without weights: one cell per fold, no seeds');
  });

  let firstMd = '';
  it('every face is a test face once per seed; the pooled table equals the per-fold evaluations; cells carry intervals', async () => {
    const r = await reproduceTable('cv', common);
    assert.equal(r.kind, 'collected');
    if (r.kind !== 'collected') return;
    assert.ok(fs.existsSync(path.join(resultDir, 'jobs.json')));
    assert.equal(r.steps, 2);
    const jasr = r.rows.find((x) => x.experiment === 'tiny-jasrnet')!;
    for (const seed of [1, 2]) {
      const faces = jasr.records.filter((x) => x.seed === seed).map((x) => x.face);
      assert.equal(faces.length, 9);
      assert.equal(new Set(faces).size, 9, 'each face scored by exactly one fold');
    }
    // Independent: fold 1, seed 2 evaluated here directly from its run's last checkpoint.
    const job = r.planned.plan.jobs.find((j) => j.id === 'tiny-jasrnet.fold1of2.seed2.steps2')!;
    const loaded = loadRunModel(new CheckpointStore(job.runDir).path('last'));
    const data = await openDataset(runDataConfig(loaded.experiment));
    const direct = await evaluate(modelPredictor(loaded.model), data.test, loaded.experiment.eval, { scale: 8 });
    loaded.model.dispose();
    const mine = jasr.records.filter((x) => x.seed === 2 && x.fold === 1);
    assert.deepEqual(mine.map((x) => x.face).sort(), direct.perImage.map((x) => x.id).sort());
    for (const d of direct.perImage) assert.equal(mine.find((x) => x.face === d.id)?.psnr, d.psnr);
    // The table's mean: every (seed, face) value once.
    const table = readTableJson(path.join(resultDir, 'table.json'));
    const mean = jasr.records.reduce((a, x) => a + (x.psnr as number), 0) / jasr.records.length;
    assert.ok(Math.abs((table.rows[1].metrics.psnr as number) - mean) < 1e-9);
    assert.equal(table.rows[1].metrics.steps, 2);
    firstMd = fs.readFileSync(path.join(resultDir, 'table.md'), 'utf8');
    assert.match(firstMd, /\| tiny-jasrnet +\| .* \d+\.\d+ ± \d+\.\d+ \|/);
    assert.match(firstMd, /tiny-jasrnet − tiny-bicubic \| psnr/);
    assert.match(firstMd, /2-fold cross-validation by group/);
    const page = fs.readFileSync(path.join(resultDir, 'report', 'table-cv.html'), 'utf8');
    assert.match(page, /<td style="text-align:right">\d+\.\d+ ± \d+\.\d+<\/td>/, 'the HTML report shows interval cells');
    assert.match(page, /Paired differences/);
    assert.equal(jasr.intervals.psnr?.seeds, 2);
    assert.equal(jasr.intervals.psnr?.groups, 9);
  });

  it('is deterministic: collecting again, and retraining every run from scratch, give the same table', async () => {
    const again = await collectTable('cv', common);
    assert.equal(fs.readFileSync(path.join(resultDir, 'table.md'), 'utf8'), firstMd);
    assert.equal(again.runs.length, 4);
    // Files the kit did not write survive --fresh (run folder) and a re-run (results folder).
    const userRunFile = path.join(again.runs[0].runDir, 'my-notes.txt');
    const userResultFile = path.join(resultDir, 'samples', 'my-figure.json');
    fs.writeFileSync(userRunFile, 'mine');
    fs.writeFileSync(userResultFile, '{}');
    const fresh = await reproduceTable('cv', { ...common, fresh: true });
    assert.equal(fresh.kind, 'collected');
    assert.equal(fs.readFileSync(userRunFile, 'utf8'), 'mine');
    assert.equal(fs.readFileSync(userResultFile, 'utf8'), '{}');
    assert.equal(fs.readFileSync(path.join(resultDir, 'table.md'), 'utf8'), firstMd);
  });

  it('a run cut by the wall-clock cap fails the table loudly (no table at unequal budgets)', async () => {
    const opts = {
      ...common,
      runsDir: path.join(dir, 'runs-cut'),
      resultsDir: path.join(dir, 'results-cut'),
      folds: 2,
      seeds: [1],
      steps: 40,
      budgetMinutes: 1e-6,
    };
    await assert.rejects(
      reproduceTable('cv', opts),
      (e: Error) => e instanceof TableBudgetError && /stopped at step \d+ of 40 by the wall-clock cap/.test(e.message),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'results-cut', 'cv', 'table.md')));
  });
});
