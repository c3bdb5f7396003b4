/**
 * `jasr sweep --config X --grid key=v1,v2 [--grid …]`: one experiment over a grid of values, run by any executor
 * and tabulated by the table code. The grid becomes a generated table (src/pipeline/sweep.ts) in
 * <results>/<name>/experiments/, so `jasr status <name>` and `jasr collect <name> --experiments-dir
 * <results>/<name>/experiments` work on it as on any table.
 */
import * as path from 'path';
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { parseProgress } from './train';
import { initBackend } from '../backend/index';
import { loadExperiment } from '../config/load';
import { parseGridAxis, writeSweep } from '../pipeline/sweep';
import { reproduceTable } from '../pipeline/reproduce';
import { EXECUTOR_OPTIONS, executorFromArgs } from '../pipeline/executors/cli-options';
import { printReproduced } from './reproduce';

const OPTIONS = {
  config: { value: true, placeholder: '<file>', description: 'the experiment file every grid point starts from' },
  grid: { value: true, repeat: true, placeholder: '<key=v1,v2,...>', description: 'one axis of the grid (values split at commas)' },
  name: { value: true, placeholder: '<name>', description: 'the sweep’s name (default sweep-<experiment name>): results/<name>/' },
  metrics: { value: true, placeholder: '<m1,m2,...>', description: 'table columns (default psnr,ssim,nme)' },
  set: { value: true, repeat: true, placeholder: '<key=value>', description: 'override one key in every grid point' },
  steps: { value: true, placeholder: '<n>', description: 'optimiser steps for every point (sets train.maxSteps)' },
  seeds: { value: true, placeholder: '<n>', description: 'train every point with seeds 1..n' },
  ...EXECUTOR_OPTIONS,
  progress: { value: true, placeholder: '<auto|plain|quiet|json>', description: 'training progress display (default auto)' },
  'runs-dir': { value: true, placeholder: '<dir>', description: 'where runs go (default runs/)' },
  'results-dir': { value: true, placeholder: '<dir>', description: 'where results go (default results/)' },
  'no-static': { description: 'skip PNG/SVG figure files (no Chromium launch)' },
};

export const command: Command = {
  name: 'sweep',
  summary: 'Run one experiment over a grid of config values with any executor and tabulate the results',
  usage:
    "sweep --config <file> --grid 'key=v1,v2' [--grid ...] [--name N] [--metrics m,...] [--set k=v ...] [--steps N] [--seeds N] [--executor local|local-parallel|slurm ...] [--runs-dir dir] [--results-dir dir]",
  options: OPTIONS,
  details: `Example: jasr sweep --config experiments/cpu/jasrnet.json --grid 'train.optimizer.lr=1e-3,3e-4' --grid 'model.features=16,32'
writes 4 grid points (each a small experiment file extending the base one) and a table in results/<name>/experiments/,
runs them like \`jasr reproduce\` (same executors and flags; finished runs are reused), and writes results/<name>/table.md.
With --executor slurm it submits and returns; \`jasr status <name>\` follows the runs and
\`jasr collect <name> --experiments-dir results/<name>/experiments\` (with the same --steps/--seeds/--set) tabulates them.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const configFile = args.requireString('config');
    const axes = args.all('grid').map(parseGridAxis);
    if (axes.length === 0) throw new UsageError('missing required option --grid');
    const positive = (key: string): number | undefined => {
      const v = args.integer(key);
      if (v !== undefined && v < 1) throw new OptionValueError(key, 'an integer ≥ 1', String(v));
      return v;
    };
    const steps = positive('steps');
    const seedCount = positive('seeds');
    const progress = parseProgress(args.string('progress'));
    const executor = executorFromArgs(args);
    const name = args.string('name') ?? `sweep-${loadExperiment(configFile).name}`;
    const resultsDir = args.string('results-dir') ?? 'results';
    const metrics = (args.string('metrics') ?? 'psnr,ssim,nme')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const sweep = writeSweep({ name, configFile, axes, metrics, sets: args.all('set') }, resultsDir);
    console.log(`sweep ${name}: ${sweep.points.length} grid points in ${path.relative('.', sweep.experimentsDir)}/`);
    await initBackend({ quiet: progress === 'json' });
    const started = Date.now();
    const result = await reproduceTable(name, {
      sets: args.all('set'),
      steps,
      seeds: seedCount !== undefined ? Array.from({ length: seedCount }, (_, i) => i + 1) : undefined,
      experimentsDir: sweep.experimentsDir,
      runsDir: args.string('runs-dir'),
      resultsDir,
      executor,
      progress,
      staticFigures: !args.flag('no-static'),
    });
    printReproduced(result, (Date.now() - started) / 1000);
    return 0;
  },
};
