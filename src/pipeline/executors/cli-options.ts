/**
 * The executor flags every command that runs a plan shares (`jasr reproduce`, `jasr sweep`): `--executor` and
 * the settings of each executor. Declared here once, in the shape src/cli/args.ts takes, so the commands spread
 * them into their own options and turn the parsed values into an Executor with `executorFromArgs`.
 */
import type { Executor } from '../executor';
import { KnownError } from '../../core/errors';
import { makeExecutor, executorNames } from './index';
import { DEFAULT_SLURM_OPTIONS, readClusterConfig, SlurmOptions, withOverrides } from './slurm-options';

export const EXECUTOR_OPTIONS = {
  executor: { value: true, placeholder: '<local|local-parallel|slurm>', description: 'who runs the jobs (default local: this process, one after another)' },
  processes: { value: true, placeholder: '<n>', description: 'local-parallel: runs at a time (default: one per core)' },
  'cluster-config': {
    value: true,
    placeholder: '<file>',
    description: 'slurm: JSON file with a "slurm" section (partition, time, cpusPerTask, mem, gpus, account, extra, setup, signalSeconds)',
  },
  partition: { value: true, placeholder: '<name>', description: 'slurm: #SBATCH --partition' },
  time: { value: true, placeholder: '<limit>', description: 'slurm: #SBATCH --time per run, e.g. 2:00:00' },
  'cpus-per-task': { value: true, placeholder: '<n>', description: 'slurm: #SBATCH --cpus-per-task' },
  mem: { value: true, placeholder: '<size>', description: 'slurm: #SBATCH --mem, e.g. 16G' },
  gpus: { value: true, placeholder: '<n>', description: 'slurm: #SBATCH --gpus-per-task' },
  account: { value: true, placeholder: '<name>', description: 'slurm: #SBATCH --account' },
  sbatch: { value: true, repeat: true, placeholder: '<option>', description: 'slurm: an extra #SBATCH line, e.g. --qos=short' },
  'signal-seconds': {
    value: true,
    placeholder: '<s>',
    description: 'slurm: warn a run this long before its time limit so it saves and requeues (default 300)',
  },
};

/** What the parsed arguments must offer (src/cli/args.ts ParsedArgs has these). */
export interface ExecutorArgs {
  string(name: string): string | undefined;
  integer(name: string): number | undefined;
  all(name: string): string[];
}

export class ExecutorOptionError extends KnownError {
  constructor(option: string, expected: string, found: string) {
    super(`--${option}: expected ${expected}, found ${found}`, 2);
  }
}

export function slurmOptionsFromArgs(args: ExecutorArgs): SlurmOptions {
  const file = args.string('cluster-config');
  const base = file ? readClusterConfig(file) : DEFAULT_SLURM_OPTIONS;
  return withOverrides(
    base,
    {
      partition: args.string('partition'),
      time: args.string('time'),
      cpusPerTask: args.integer('cpus-per-task'),
      mem: args.string('mem'),
      gpus: args.integer('gpus'),
      account: args.string('account'),
      extra: args.all('sbatch'),
      signalSeconds: args.integer('signal-seconds'),
    },
    'command-line flags',
  );
}

/** The executor the flags ask for (undefined: none asked, the caller's default). */
export function executorFromArgs(args: ExecutorArgs): Executor | undefined {
  const name = args.string('executor');
  if (name === undefined) return undefined;
  if (!executorNames().includes(name)) throw new ExecutorOptionError('executor', `one of ${executorNames().join(', ')}`, `'${name}'`);
  const processes = args.integer('processes');
  if (processes !== undefined && processes < 1) throw new ExecutorOptionError('processes', 'an integer ≥ 1', String(processes));
  return makeExecutor(name, { processes, slurm: name === 'slurm' ? slurmOptionsFromArgs(args) : undefined });
}
