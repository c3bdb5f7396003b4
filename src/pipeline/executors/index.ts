/**
 * The executors beyond `local` (src/pipeline/executor.ts), by the name `--executor` takes, and the one place
 * that turns that name plus its settings into an Executor.
 */
import { Executor, getExecutor, registerExecutor, executorNames } from '../executor';
import { KnownError } from '../../core/errors';
import { localParallelExecutor } from './local-parallel';
import { slurmExecutor } from './slurm';
import { DEFAULT_SLURM_OPTIONS, SlurmOptions } from './slurm-options';

export class ExecutorChoiceError extends KnownError {}

registerExecutor(localParallelExecutor());
registerExecutor(slurmExecutor());

export interface ExecutorSettings {
  /** local-parallel: processes at a time. */
  processes?: number;
  /** slurm: partition, time, resources, extra lines. */
  slurm?: SlurmOptions;
}

export function makeExecutor(name: string, settings: ExecutorSettings = {}): Executor {
  if (name === 'local-parallel') return localParallelExecutor(settings.processes);
  if (name === 'slurm') return slurmExecutor(settings.slurm ?? DEFAULT_SLURM_OPTIONS);
  const e = getExecutor(name);
  if (!e) throw new ExecutorChoiceError(`--executor: expected one of ${executorNames().join(', ')}, found '${name}'`);
  return e;
}

export { executorNames };
