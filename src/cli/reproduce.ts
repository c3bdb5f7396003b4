/**
 * `jasr reproduce <table>`: runs or resumes every experiment of experiments/tables/<table>.json and writes
 * results/<table>/ (tables, CED data, SR grids, feature taps, HTML report) through reproduceTable().
 */
import * as path from 'path';
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { parseProgress } from './train';
import { initBackend } from '../backend';
import { EXPERIMENTS_DIR, listTables, loadTable } from '../config/tables';
import { loadExperiment } from '../config/load';
import { reproduceTable, ReproduceResult } from '../pipeline/reproduce';
import { toMarkdown } from '../report/tables';

const OPTIONS = {
  set: { value: true, repeat: true, placeholder: '<key=value>', description: 'override one key in every experiment of the table' },
  fresh: { description: "delete the table's runs and train them again" },
  'budget-minutes': { value: true, placeholder: '<n>', description: 'training budget per experiment in minutes (sets train.maxMinutes)' },
  progress: { value: true, placeholder: '<auto|plain|quiet|json>', description: 'training progress display (default auto)' },
  'experiments-dir': { value: true, placeholder: '<dir>', description: 'where experiment files and tables/ live (default experiments/)' },
  'runs-dir': { value: true, placeholder: '<dir>', description: 'where runs go (default runs/)' },
  'results-dir': { value: true, placeholder: '<dir>', description: 'where results go (default results/)' },
  'no-static': { description: 'skip PNG/SVG figure files (no Chromium launch)' },
};

/** Prints the table and where everything is; shared with `jasr main`. */
export function printReproduced(r: ReproduceResult, wallSeconds: number): void {
  console.log('');
  console.log(toMarkdown(r.rows));
  for (const run of r.runs) console.log(`  ${run.experiment.padEnd(18)} ${run.outcome.padEnd(11)} ${run.runDir ?? '(no run)'}`);
  console.log('');
  console.log(`results: ${path.resolve(r.dir)}`);
  console.log(`  table: ${r.files.md} | ${r.files.csv} | ${r.files.json}`);
  console.log(`  CED data: ${r.files.ced}; per-image evaluations: ${path.join(r.dir, 'evaluations')}/`);
  if (r.report) {
    console.log(`  report: ${r.report.index} (${r.report.pages.reduce((n, p) => n + p.figureCount, 0)} figures)`);
    if (r.report.staticSkippedBecause) console.log(`  static figures skipped: ${r.report.staticSkippedBecause}`);
  }
  console.log(`wall time ${(wallSeconds / 60).toFixed(1)} min`);
}

export const command: Command = {
  name: 'reproduce',
  summary: "Run or resume a table's experiments and write results/<table>/ (tables, figures, report)",
  usage: 'reproduce <table> [--set k=v ...] [--fresh] [--budget-minutes N] [--progress mode] [--experiments-dir dir] [--runs-dir dir] [--results-dir dir] [--no-static]',
  options: OPTIONS,
  details: `Tables are experiments/tables/<table>.json. Finished runs (runs/<experiment>/ whose log ends with 'done' or
'budget') are reused as they are; interrupted ones are resumed; a run trained with a different recipe is an error
unless --fresh. Experiments without weights (bicubic) are evaluated directly. Every row is evaluated on the
held-out test split with the experiment's eval protocol (named in the table), plus a no-learning 'mean-shape'
landmark row when the table reports NME.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    const experimentsDir = args.string('experiments-dir');
    if (args.positionals.length !== 1) throw new UsageError(`expected one table name (known: ${listTables(experimentsDir).join(', ')}), got ${args.positionals.length} arguments`);
    const budget = args.number('budget-minutes');
    if (budget !== undefined && !(budget > 0)) throw new OptionValueError('budget-minutes', 'a number > 0', String(budget));
    const progress = parseProgress(args.string('progress'));
    // The table and every experiment with the --set overrides are checked before the backend loads (seconds), so
    // a wrong table name, key or value is one line at once; reproduceTable reads them again, unchanged.
    const table = loadTable(args.positionals[0], experimentsDir ?? EXPERIMENTS_DIR);
    const sets = [...args.all('set'), ...(budget !== undefined ? [`train.maxMinutes=${budget}`] : [])];
    for (const rel of table.experiments) loadExperiment(path.join(experimentsDir ?? EXPERIMENTS_DIR, rel), sets);
    await initBackend({ quiet: progress === 'json' });
    const started = Date.now();
    const result = await reproduceTable(args.positionals[0], {
      sets: args.all('set'),
      fresh: args.flag('fresh'),
      budgetMinutes: budget,
      progress,
      experimentsDir,
      runsDir: args.string('runs-dir'),
      resultsDir: args.string('results-dir'),
      staticFigures: !args.flag('no-static'),
    });
    printReproduced(result, (Date.now() - started) / 1000);
    return 0;
  },
};
