/** What `train.workers` means on this machine. */
import { coreCount } from '../../backend/thread-budget';

export { coreCount };

export type WorkersSetting = number | 'auto';

/** 'auto' → one replica per core (the main thread counts as one); a number is taken as is. */
export function resolveWorkers(setting: WorkersSetting | undefined): number {
  if (setting === undefined || setting === 'auto') return coreCount();
  if (!Number.isInteger(setting) || setting < 1) throw new Error(`train.workers: expected 'auto' or an integer ≥ 1, found ${JSON.stringify(setting)}`);
  return setting;
}
