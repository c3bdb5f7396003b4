/**
 * `jasr collect <table>`: builds results/<table>/ from the table's finished runs (trained by any executor: a
 * Slurm array, N local processes, this process) through collectTable, exactly as `jasr reproduce` does after
 * running them. The flags that shape the plan (--folds, --seeds, --steps, --set, …) must be the reproduce ones.
 */
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { initBackend } from '../backend/index';
import { listTables } from '../config/tables';
import { planTable } from '../pipeline/table-plan';
import { collectTable } from '../pipeline/table-collect';
import { printReproduced, tablePlanOptions } from './reproduce';

const OPTIONS = {
  set: { value: true, repeat: true, placeholder: '<key=value>', description: 'the --set overrides the runs were planned with' },
  'budget-minutes': { value: true, placeholder: '<n>', description: 'the wall-clock cap the runs were planned with' },
  folds: { value: true, placeholder: '<k>', description: 'the folds the runs were planned with' },
  seeds: { value: true, placeholder: '<n>', description: 'the seeds (1..n) the runs were planned with' },
  steps: { value: true, placeholder: '<n>', description: 'the steps the runs were planned with' },
  'experiments-dir': { value: true, placeholder: '<dir>', description: 'where experiment files and tables/ live (default experiments/)' },
  'runs-dir': { value: true, placeholder: '<dir>', description: 'where the runs are (default runs/)' },
  'results-dir': { value: true, placeholder: '<dir>', description: 'where results go (default results/)' },
  'no-static': { description: 'skip PNG/SVG figure files (no Chromium launch)' },
};

export const command: Command = {
  name: 'collect',
  summary: "Build results/<table>/ from the table's finished runs (after a cluster executor ran them)",
  usage:
    'collect <table> [--folds K] [--seeds N] [--steps N] [--set k=v ...] [--budget-minutes N] [--experiments-dir dir] [--runs-dir dir] [--results-dir dir] [--no-static]',
  options: OPTIONS,
  details: `Evaluates every planned run's checkpoint and writes the table, statistics and report exactly as \`jasr reproduce\`
does. A missing or unfinished run is an error naming it (see \`jasr status <table>\`); nothing is trained here.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length !== 1)
      throw new UsageError(
        `expected one table name (known: ${listTables(args.string('experiments-dir')).join(', ')}), got ${args.positionals.length} arguments`,
      );
    const planOptions = tablePlanOptions(args);
    const planned = planTable(args.positionals[0], planOptions);
    await initBackend({ quiet: false });
    const started = Date.now();
    const result = await collectTable(
      args.positionals[0],
      { ...planOptions, resultsDir: args.string('results-dir'), staticFigures: !args.flag('no-static') },
      planned,
    );
    printReproduced(result, (Date.now() - started) / 1000);
    return 0;
  },
};
