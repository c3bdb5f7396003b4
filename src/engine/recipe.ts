/**
 * What decides what a run learns, and the one comparison of two such recipes. `jasr reproduce` uses it to
 * refuse reusing a finished run trained differently; `train --resume` uses it to refuse continuing a run with a
 * changed learning rate, batch size, seed, … (src/engine/trainer.ts). Both name every key that differs.
 */
import type { Json } from '../core/overrides';

/** The parts of an experiment a recipe reads; the trainer's recorded experiment is JSON of the same shape. */
export interface RecipeSource {
  model?: unknown;
  data?: unknown;
  train: unknown;
}

/**
 * The sections that decide what a run learns: model, data and train. `train.batchSize` and `train.seed` are
 * the source of truth for the data section's `batchSize` and `seed` (src/pipeline/run-experiment.ts: runDataConfig),
 * so the data section is compared with them applied. Run name, description, file and eval are not part of it.
 */
export function runRecipe(exp: RecipeSource): Record<string, Json> {
  const train = (exp.train ?? {}) as Record<string, Json>;
  const out: Record<string, Json> = { train };
  if (exp.model !== undefined) out.model = exp.model as Json;
  if (exp.data !== undefined) out.data = { ...(exp.data as Record<string, Json>), batchSize: train.batchSize, seed: train.seed };
  return out;
}

/** Train keys a resume may change freely: budgets and bookkeeping that do not change what a step computes. */
export const RESUME_FREE_KEYS = [
  'train.epochs',
  'train.maxSteps',
  'train.maxMinutes',
  'train.workers',
  'train.microBatch',
  'train.logEvery',
  'train.checkpointEvery',
  'train.schedule.onUnreachable',
];

/** Keys a finished run may differ in and still be reused by `jasr reproduce` (its time budget only). */
export const REUSE_FREE_KEYS = ['train.maxMinutes'];

export interface ConfigDifference {
  /** Dotted key, e.g. `train.optimizer.lr`. */
  key: string;
  recorded: Json | undefined;
  current: Json | undefined;
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every leaf key whose value differs between two JSON values (arrays compare whole), minus `ignore` (dotted keys). */
export function configDifferences(recorded: Json | undefined, current: Json | undefined, ignore: string[] = [], prefix = ''): ConfigDifference[] {
  if (ignore.includes(prefix)) return [];
  if (isObject(recorded) && isObject(current)) {
    const keys = [...new Set([...Object.keys(recorded), ...Object.keys(current)])].sort();
    return keys.flatMap((k) => configDifferences(recorded[k], current[k], ignore, prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(recorded) === JSON.stringify(current) ? [] : [{ key: prefix, recorded, current }];
}

/** Differences between two experiments' recipes (see runRecipe), minus `ignore`. */
export function recipeDifferences(recorded: RecipeSource, current: RecipeSource, ignore: string[]): ConfigDifference[] {
  return configDifferences(runRecipe(recorded), runRecipe(current), ignore);
}

const show = (v: Json | undefined): string => (v === undefined ? '(unset)' : JSON.stringify(v));

/** `train.optimizer.lr 0.001 → 0.002, train.seed 1 → 2` */
export function describeDifferences(diffs: ConfigDifference[]): string {
  return diffs.map((d) => `${d.key} ${show(d.recorded)} → ${show(d.current)}`).join(', ');
}
