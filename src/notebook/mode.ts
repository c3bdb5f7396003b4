/**
 * Quick mode and full mode of the notebooks. Quick mode (JASR_QUICK=1, what test/notebooks.test.ts runs)
 * shrinks every experiment to a seconds-long run in a scratch folder; full mode reads and writes the real
 * runs/ and results/ that `npm start` and `jasr reproduce` produce.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../core/schema';
import { recipeSets } from '../config/recipe';

export const QUICK_ENV = 'JASR_QUICK';
/** Scratch folder for quick-mode runs and results (default <tmp>/jasr-notebooks-quick); tests point it at a fresh folder. */
export const QUICK_DIR_ENV = 'JASR_NOTEBOOK_DIR';

export function isQuickMode(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[QUICK_ENV]?.trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/**
 * `--set` overrides for quick mode: a 8-feature, 1-block network trained for 3 steps on 8 faces per split,
 * single-threaded (no worker threads inside a kernel). Numbers from such runs only prove the plumbing.
 */
export const QUICK_SETS: readonly string[] = [
  'model.features=8',
  'model.trunkBlocks=1',
  'data.limit=8',
  'train.batchSize=4',
  'train.maxSteps=3',
  'train.logEvery=1',
  'train.workers=1',
];

export interface NotebookDirs {
  runsDir: string;
  resultsDir: string;
}

/** Full mode: the project's runs/ and results/; quick mode: a scratch folder shared by all notebooks (runs are reused). */
export function notebookDirs(quick: boolean, env: NodeJS.ProcessEnv = process.env): NotebookDirs {
  if (!quick) return { runsDir: 'runs', resultsDir: 'results' };
  const root = env[QUICK_DIR_ENV] ?? path.join(os.tmpdir(), 'jasr-notebooks-quick');
  const dirs = { runsDir: path.join(root, 'runs'), resultsDir: path.join(root, 'results') };
  fs.mkdirSync(dirs.runsDir, { recursive: true });
  fs.mkdirSync(dirs.resultsDir, { recursive: true });
  return dirs;
}

/**
 * The CPU recipe of experiments/cpu/base-cpu.json (network size, optimiser, schedule, budget) as `--set`
 * overrides, so paper-sized experiments (the ablations) run at the size main-cpu uses. The file is read by the
 * experiment loader (its `extends` chain followed, every key validated) through recipeSets (src/config/recipe.ts).
 * Keys an experiment varies on purpose are skipped (default: the loss weights, which the loss ablation changes;
 * the data section is not applied, the ablations already share theirs).
 */
export function cpuRecipeSets(baseFile = path.join('experiments', 'cpu', 'base-cpu.json'), skip: readonly string[] = ['train.lossWeights']): string[] {
  if (!fs.existsSync(baseFile)) throw new ConfigError(baseFile, '', "file not found: the CPU recipe file (expected in the project's experiments/cpu/)");
  return recipeSets(baseFile, { sections: ['model', 'train'], skip });
}
