/**
 * A recipe laid over other experiments: the settings an experiment file makes (read and validated by the loader,
 * its `extends` chain followed) as `--set` assignments. `--set` is the override every run carries (a table's jobs
 * are experiment file + assignments, src/pipeline/jobs.ts), so a recipe applied this way is recorded with each run
 * and goes through the same validation as any other override. Used to run paper-sized experiments (the ablations)
 * at the CPU recipe of experiments/cpu/base-cpu.json.
 */
import type { Json } from '../core/overrides';
import { experimentSettings } from './load';

export interface RecipeOptions {
  /** Sections of the recipe file to apply (default: model and train). */
  sections?: readonly string[];
  /** Dotted keys (or whole sub-objects) to leave to the experiments, e.g. 'train.lossWeights'. */
  skip?: readonly string[];
}

function assignments(prefix: string, value: Json, skip: readonly string[], out: string[]): void {
  if (skip.includes(prefix)) return;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) assignments(`${prefix}.${k}`, v, skip, out);
    return;
  }
  // JSON text, so parseSetValue (src/core/overrides.ts) reads back exactly this value (strings included).
  out.push(`${prefix}=${JSON.stringify(value)}`);
}

/** The keys `file` (and what it extends) sets in `sections`, as `key.path=<JSON>` assignments, leaves only. */
export function recipeSets(file: string, opts: RecipeOptions = {}): string[] {
  const settings = experimentSettings(file);
  const out: string[] = [];
  for (const section of opts.sections ?? ['model', 'train']) {
    const value = settings[section];
    if (value !== undefined) assignments(section, value, opts.skip ?? [], out);
  }
  return out;
}
