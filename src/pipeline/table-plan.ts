/**
 * A table as a plan of independent training runs: every trained row × fold × seed is one RunJob (./jobs.ts) with
 * the fold, the seed and the step budget as `--set` overrides, so any executor (this process, N processes, a
 * Slurm array) can run it and `collectTable` (./table-collect.ts) can find every run again. Planning is pure:
 * it reads the table and experiment files and writes nothing (reproduceTable writes the plan as jobs.json).
 */
import * as path from 'path';
import { Experiment } from '../config/load';
import { EXPERIMENTS_DIR, LoadedTable, loadTable, loadTableRow } from '../config/tables';
import { ConfigError } from '../core/schema';
import { makePlan, RunJob, RunPlan } from './jobs';
import { DEFAULT_RUNS_DIR, isTrainable, runDataConfig } from './run-experiment';

export interface TablePlanOptions {
  /** `--set` overrides applied to every experiment of the table (before fold, seed and steps). */
  sets?: string[];
  /** Group k-fold (overrides the table's `folds`; 1 = the data set's own split). */
  folds?: number;
  /** Training seeds (override the table's `seeds`). */
  seeds?: number[];
  /** Optimiser steps per trained row (overrides the table's `steps`). */
  steps?: number;
  /** Wall-clock cap per run in minutes (train.maxMinutes); a run it cuts fails the table (./table-budget.ts). */
  budgetMinutes?: number;
  experimentsDir?: string;
  runsDir?: string;
}

/** One cell of the design: a row evaluated on one fold, trained with one seed (null: untrainable, or the experiment's own seed). */
export interface PlannedCell {
  row: string;
  fold: number;
  seed: number | null;
  experiment: Experiment;
  /** The job that trains it; null for rows without weights (evaluated directly). */
  job: RunJob | null;
}

export interface PlannedTable {
  table: LoadedTable;
  /** The rows with the common overrides applied (no fold or seed). */
  rows: Experiment[];
  folds: number;
  foldSeed: number;
  /** Seeds trained per row; null = each experiment's own train.seed, one run. */
  seeds: number[] | null;
  steps: number | null;
  checkpoint: 'last' | 'best';
  cells: PlannedCell[];
  plan: RunPlan;
}

/** The overrides that put a run on fold `fold` of `folds` (nothing for the data set's own split). */
export function foldSets(folds: number, fold: number, foldSeed: number): string[] {
  return folds > 1 ? [`data.folds=${folds}`, `data.fold=${fold}`, `data.foldSeed=${foldSeed}`] : [];
}

/** `cpu-jasrnet.fold2of5.seed3.steps400`: everything that makes the run differ, so tables of other designs keep theirs. */
function jobId(row: string, folds: number, fold: number, seed: number | null, steps: number | null): string {
  return [row, folds > 1 ? `fold${fold}of${folds}` : null, seed !== null ? `seed${seed}` : null, steps !== null ? `steps${steps}` : null]
    .filter((p) => p !== null)
    .join('.');
}

export function planTable(name: string, opts: TablePlanOptions = {}): PlannedTable {
  const experimentsDir = opts.experimentsDir ?? EXPERIMENTS_DIR;
  const runsDir = path.resolve(opts.runsDir ?? DEFAULT_RUNS_DIR);
  const table = loadTable(name, experimentsDir);
  const folds = opts.folds ?? table.folds ?? 1;
  const foldSeed = table.foldSeed ?? 1;
  const seeds = opts.seeds ?? table.seeds ?? null;
  const configuredSteps = opts.steps ?? table.steps ?? null;
  if (!Number.isInteger(folds) || folds < 1) throw new ConfigError(table.file, 'folds', `expected an integer ≥ 1, found ${folds}`);
  if (seeds && (seeds.length === 0 || new Set(seeds).size !== seeds.length || !seeds.every(Number.isInteger))) {
    throw new ConfigError(table.file, 'seeds', `expected distinct integer seeds, found ${JSON.stringify(seeds)}`);
  }
  // The table's steps first, so a caller's --set (notebooks' quick budget) wins over them; an explicit `steps` option
  // and the cap come last.
  const common = [
    ...(table.steps !== undefined ? [`train.maxSteps=${table.steps}`] : []),
    ...(opts.sets ?? []),
    ...(opts.steps !== undefined ? [`train.maxSteps=${opts.steps}`] : []),
    ...(opts.budgetMinutes !== undefined ? [`train.maxMinutes=${opts.budgetMinutes}`] : []),
  ];
  const rows = table.rowSpecs.map((r) => loadTableRow(r, common));
  const dataKey = (e: Experiment): string => JSON.stringify({ ...runDataConfig(e), augment: null, batchSize: null, seed: null });
  if (new Set(rows.map(dataKey)).size > 1)
    throw new ConfigError(table.file, 'experiments', 'the rows read different datasets or splits; one table compares models on one test split');

  const cells: PlannedCell[] = [];
  const jobs: RunJob[] = [];
  rows.forEach((row, r) => {
    for (let fold = 0; fold < folds; fold++) {
      const fs = foldSets(folds, fold, foldSeed);
      const trainable = isTrainable(row);
      for (const seed of trainable && seeds ? seeds : [null]) {
        const sets = [...common, ...fs, ...(seed !== null ? [`train.seed=${seed}`] : [])];
        const experiment = loadTableRow(table.rowSpecs[r], sets);
        let job: RunJob | null = null;
        if (trainable) {
          const id = jobId(row.name, folds, fold, seed, configuredSteps !== null ? (experiment.train.maxSteps ?? null) : null);
          job = {
            id,
            experimentFile: table.rowSpecs[r].file,
            sets: [...table.rowSpecs[r].sets, ...sets],
            runDir: path.join(runsDir, id),
            labels: { row: row.name, fold: folds > 1 ? fold : null, seed },
          };
          jobs.push(job);
        }
        cells.push({ row: row.name, fold, seed, experiment, job });
      }
    }
  });
  const stepCounts = [...new Set(rows.filter(isTrainable).map((r) => r.train.maxSteps ?? null))];
  const steps = stepCounts.length === 1 ? stepCounts[0] : null;
  return { table, rows, folds, foldSeed, seeds, steps, checkpoint: table.checkpoint ?? 'last', cells, plan: makePlan(name, jobs) };
}
