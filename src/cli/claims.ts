/**
 * `jasr claims`: runs the tables the paper's claims need (experiments/claims.json) and prints, per claim, the
 * measured effect with its interval and a verdict: supported / contradicted / inconclusive at this size.
 */
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { parseProgress } from './train';
import { tablePlanOptions } from './reproduce';
import { initBackend } from '../backend/index';
import { executorNames, getExecutor } from '../pipeline/executor';
import { runClaims } from '../pipeline/claims-run';
import { claimsMarkdown, loadClaims } from '../pipeline/claims';

const OPTIONS = {
  claims: { value: true, placeholder: '<file>', description: 'claims file (default experiments/claims.json)' },
  only: { value: true, placeholder: '<ids>', description: 'comma-separated claim ids (default all)' },
  set: { value: true, repeat: true, placeholder: '<key=value>', description: 'override one key in every experiment of every table' },
  folds: { value: true, placeholder: '<k>', description: "folds for every table (default: each table's)" },
  seeds: { value: true, placeholder: '<n>', description: "seeds 1..n for every table (default: each table's)" },
  steps: { value: true, placeholder: '<n>', description: "optimiser steps for every trained row (default: each table's)" },
  'budget-minutes': { value: true, placeholder: '<n>', description: 'wall-clock cap per run; a run it cuts fails its table' },
  fresh: { description: "retrain the tables' runs" },
  executor: { value: true, placeholder: '<name>', description: 'who runs the jobs (default local)' },
  progress: { value: true, placeholder: '<auto|plain|quiet|json>', description: 'training progress display (default auto)' },
  'experiments-dir': { value: true, placeholder: '<dir>', description: 'where experiment files and tables/ live (default experiments/)' },
  'runs-dir': { value: true, placeholder: '<dir>', description: 'where runs go (default runs/)' },
  'results-dir': { value: true, placeholder: '<dir>', description: 'where results go (default results/)' },
  'no-static': { description: 'skip PNG/SVG figure files (no Chromium launch)' },
};

export const command: Command = {
  name: 'claims',
  summary: "Test the paper's claims on the kit's tables: measured effect, interval and verdict per claim",
  usage: 'claims [--only a,b] [--folds K] [--seeds N] [--steps N] [--set k=v ...] [--fresh] [--executor name] [--progress mode] [--no-static]',
  options: OPTIONS,
  details: `Claims are data (experiments/claims.json): a table and paired tests a − b ('better': the 95 % interval excludes 0
in the metric's good direction; 'comparable': it lies within ± margin × |mean of b|). Every table a claim needs is
reproduced (finished runs reused) and results/claims/claims.md and claims.json are written. Verdicts: supported,
contradicted, inconclusive (at this size), reported as measured. With the tables' default designs (main-cpu: 2 folds ×
400 steps; x4-cpu and fusion-cpu: 3 folds × 500 steps; one seed) all four claims need main-cpu, x4-cpu and fusion-cpu.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const claimsFile = args.string('claims');
    const claims = loadClaims(claimsFile);
    const only = args
      .string('only')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const id of only ?? [])
      if (!claims.claims.some((c) => c.id === id)) throw new OptionValueError('only', `claim ids among ${claims.claims.map((c) => c.id).join(', ')}`, id);
    const executorName = args.string('executor');
    const executor = executorName !== undefined ? getExecutor(executorName) : undefined;
    if (executorName !== undefined && !executor) throw new OptionValueError('executor', `one of ${executorNames().join(', ')}`, executorName);
    const progress = parseProgress(args.string('progress'));
    const planOptions = tablePlanOptions(args);
    await initBackend({ quiet: progress === 'json' });
    const run = await runClaims({
      ...planOptions,
      claimsFile,
      only,
      fresh: args.flag('fresh'),
      executor,
      progress,
      resultsDir: args.string('results-dir'),
      staticFigures: !args.flag('no-static'),
    });
    console.log('');
    console.log(claimsMarkdown(run.results));
    console.log(`claims report: ${run.files.md} | ${run.files.json}`);
    return 0;
  },
};
