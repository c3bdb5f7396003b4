/** What `train.workers` means on this machine. */
import * as os from 'os';

export type WorkersSetting = number | 'auto';

/** Cores Node may use (cgroup-aware where Node knows it), at least 1. */
export function coreCount(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** 'auto' → one replica per core (the main thread counts as one); a number is taken as is. */
export function resolveWorkers(setting: WorkersSetting | undefined): number {
  if (setting === undefined || setting === 'auto') return coreCount();
  if (!Number.isInteger(setting) || setting < 1) throw new Error(`train.workers: expected 'auto' or an integer ≥ 1, found ${JSON.stringify(setting)}`);
  return setting;
}
