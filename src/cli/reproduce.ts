/**
 * `jasr reproduce <table>`: runs or resumes every experiment of experiments/tables/<table>.json and writes
 * results/<table>/ (tables, CED data, SR grids, feature taps, HTML report) through reproduceTable().
 */
import * as path from 'path';
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { parseProgress } from './train';
import { initBackend } from '../backend/index';
import { listTables } from '../config/tables';
import { planTable, TablePlanOptions } from '../pipeline/table-plan';
import { reproduceTable, ReproduceResult } from '../pipeline/reproduce';
import type { CollectResult } from '../pipeline/table-collect';
import { EXECUTOR_OPTIONS, executorFromArgs } from '../pipeline/executors/cli-options';
import { statsToMarkdown } from '../report/tables';

const OPTIONS = {
  set: { value: true, repeat: true, placeholder: '<key=value>', description: 'override one key in every experiment of the table' },
  fresh: { description: "delete the table's runs and train them again" },
  'budget-minutes': {
    value: true,
    placeholder: '<n>',
    description: 'wall-clock cap per run in minutes (sets train.maxMinutes); a run it cuts fails the table',
  },
  folds: { value: true, placeholder: '<k>', description: "group k-fold cross-validation over all faces (default: the table's; 1 = the data set's split)" },
  seeds: { value: true, placeholder: '<n>', description: "train every row with seeds 1..n (default: the table's seeds)" },
  steps: { value: true, placeholder: '<n>', description: "optimiser steps for every trained row (default: the table's)" },
  ...EXECUTOR_OPTIONS,
  progress: { value: true, placeholder: '<auto|plain|quiet|json>', description: 'training progress display (default auto)' },
  'experiments-dir': { value: true, placeholder: '<dir>', description: 'where experiment files and tables/ live (default experiments/)' },
  'runs-dir': { value: true, placeholder: '<dir>', description: 'where runs go (default runs/)' },
  'results-dir': { value: true, placeholder: '<dir>', description: 'where results go (default results/)' },
  'no-static': { description: 'skip PNG/SVG figure files (no Chromium launch)' },
};

/** Prints the table and where everything is; shared with `jasr main` and `jasr collect`. */
export function printReproduced(r: ReproduceResult | CollectResult, wallSeconds: number): void {
  console.log('');
  if ('kind' in r && r.kind === 'submitted') {
    console.log(`plan: ${r.planFile} (${r.planned.plan.jobs.length} jobs) submitted: ${r.description}`);
    console.log(`wall time ${(wallSeconds / 60).toFixed(1)} min`);
    return;
  }
  const c = r as CollectResult;
  console.log(statsToMarkdown(c.stats));
  for (const run of c.runs) console.log(`  ${run.id.padEnd(18)} ${run.outcome.padEnd(11)} step ${String(run.budget.step).padEnd(6)} ${run.runDir}`);
  console.log(`steps per trained run: ${c.steps ?? '— (no trained rows)'} (every run checked: equal budgets)`);
  console.log('');
  console.log(`results: ${path.resolve(c.dir)}`);
  console.log(`  table: ${c.files.md} | ${c.files.csv} | ${c.files.json} | ${c.files.differences}`);
  console.log(`  statistics: ${c.files.stats}; CED data: ${c.files.ced}; per-face evaluations: ${path.join(c.dir, 'evaluations')}/`);
  if (c.report) {
    console.log(`  report: ${c.report.index} (${c.report.pages.reduce((n, p) => n + p.figureCount, 0)} figures)`);
    if (c.report.staticSkippedBecause) console.log(`  static figures skipped: ${c.report.staticSkippedBecause}`);
  }
  console.log(`wall time ${(wallSeconds / 60).toFixed(1)} min`);
}

/** The table-plan options of reproduce's flags, shared with `jasr collect` (same flags → same plan → same runs). */
export function tablePlanOptions(args: ReturnType<typeof parseArgs>): TablePlanOptions {
  const positive = (key: string): number | undefined => {
    const v = args.number(key);
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new OptionValueError(key, 'an integer ≥ 1', String(v));
    return v;
  };
  const budget = args.number('budget-minutes');
  if (budget !== undefined && !(budget > 0)) throw new OptionValueError('budget-minutes', 'a number > 0', String(budget));
  const seeds = positive('seeds');
  return {
    sets: args.all('set'),
    folds: positive('folds'),
    seeds: seeds !== undefined ? Array.from({ length: seeds }, (_, i) => i + 1) : undefined,
    steps: positive('steps'),
    budgetMinutes: budget,
    experimentsDir: args.string('experiments-dir'),
    runsDir: args.string('runs-dir'),
  };
}

export const command: Command = {
  name: 'reproduce',
  summary: "Plan a table's runs (rows × folds × seeds), run them, and write results/<table>/ with intervals and paired differences",
  usage:
    'reproduce <table> [--folds K] [--seeds N] [--steps N] [--set k=v ...] [--fresh] [--budget-minutes N] [--executor local|local-parallel|slurm [--processes N | Slurm flags]] [--progress mode] [--experiments-dir dir] [--runs-dir dir] [--results-dir dir] [--no-static]',
  options: OPTIONS,
  details: `Tables are experiments/tables/<table>.json: rows, metrics, and the design (folds, seeds, steps, checkpoint
rule, the pairs whose differences are reported). The runs are written as results/<table>/jobs.json and run by the
executor (default local: this process); a cluster executor submits them and \`jasr collect <table>\` (same flags)
builds the table later. Finished runs are reused as they are; interrupted ones are resumed; a run trained with a
different recipe is an error unless --fresh (which removes only the kit's files from the run folders). Every trained
run must reach the same step: a run cut by --budget-minutes (train.maxMinutes) fails the table. Experiments without
weights (bicubic) are evaluated directly, plus a no-learning 'mean-shape' landmark row when the table reports NME.
Cells are mean ± 95 % bootstrap interval (groups of faces and seeds resampled; docs/statistics.md).`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    const experimentsDir = args.string('experiments-dir');
    if (args.positionals.length !== 1)
      throw new UsageError(`expected one table name (known: ${listTables(experimentsDir).join(', ')}), got ${args.positionals.length} arguments`);
    const planOptions = tablePlanOptions(args);
    const progress = parseProgress(args.string('progress'));
    const executor = executorFromArgs(args);
    // The table and every run's experiment with its overrides are checked before the backend loads (seconds), so
    // a wrong table name, key or value is one line at once; reproduceTable plans them again, unchanged.
    planTable(args.positionals[0], planOptions);
    await initBackend({ quiet: progress === 'json' });
    const started = Date.now();
    const result = await reproduceTable(args.positionals[0], {
      ...planOptions,
      fresh: args.flag('fresh'),
      progress,
      executor,
      resultsDir: args.string('results-dir'),
      staticFigures: !args.flag('no-static'),
    });
    printReproduced(result, (Date.now() - started) / 1000);
    return 0;
  },
};
