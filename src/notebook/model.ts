/**
 * The trained JASRNet a notebook shows. Full mode loads a finished cpu-jasrnet run of the main-cpu table that
 * `npm start` writes (its first finished fold, with that fold's split, so the test faces shown were never trained
 * on), else a finished runs/cpu-jasrnet (`jasr train`), or trains the same experiment briefly when neither exists;
 * quick mode trains a tiny copy of it into the quick scratch folder, once, and every later notebook reuses it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadExperiment, Experiment } from '../config/load';
import type { FaceModel } from '../model/types';
import type { OpenedDataset } from '../data/open';
import { loadRunModel, openExperimentData, runState, trainExperiment } from '../pipeline/run-experiment';
import { MAIN_TABLE } from '../pipeline/reproduce';
import { planTable } from '../pipeline/table-plan';
import { QUICK_SETS, notebookDirs } from './mode';

export const NOTEBOOK_EXPERIMENT = path.join('experiments', 'cpu', 'jasrnet.json');

export interface NotebookModel {
  model: FaceModel;
  experiment: Experiment;
  data: OpenedDataset;
  runDir: string;
  /** One line saying where the weights came from, printed by the notebook. */
  source: string;
}

export interface NotebookModelOptions {
  quick: boolean;
  /** Full mode without a finished run: training budget in minutes (default 1). */
  briefMinutes?: number;
}

/** Subfolder of runs/ for full-mode brief runs, kept apart so `npm start` never mistakes one for its own run. */
export const BRIEF_RUNS_SUBDIR = 'notebook-brief';

async function loadFinished(runDir: string): Promise<NotebookModel> {
  const loaded = loadRunModel(runDir);
  const data = await openExperimentData(loaded.experiment);
  return { model: loaded.model, experiment: loaded.experiment, data, runDir, source: `loaded ${loaded.checkpointDir}` };
}

/** The main table's first finished run of `row` (its fold's split travels in the run's recorded experiment), or null. */
export function mainTableRun(row: string, runsDir: string): string | null {
  const cell = planTable(MAIN_TABLE, { runsDir }).cells.find((c) => c.row === row && c.job !== null && runState(c.job.runDir) === 'finished');
  return cell?.job?.runDir ?? null;
}

export async function notebookModel(opts: NotebookModelOptions): Promise<NotebookModel> {
  const { runsDir } = notebookDirs(opts.quick);
  const sets = opts.quick ? [...QUICK_SETS] : [];
  const experiment = loadExperiment(NOTEBOOK_EXPERIMENT, sets);
  const tableRun = opts.quick ? null : mainTableRun(experiment.name, runsDir);
  if (tableRun !== null) return loadFinished(tableRun);
  const mainRun = path.join(runsDir, experiment.name);
  if (runState(mainRun) === 'finished') return loadFinished(mainRun);
  const runDir = opts.quick ? mainRun : path.join(runsDir, BRIEF_RUNS_SUBDIR, experiment.name);
  if (!opts.quick && runState(runDir) === 'finished') return loadFinished(runDir);
  fs.rmSync(runDir, { recursive: true, force: true });
  const brief = opts.quick ? experiment : loadExperiment(NOTEBOOK_EXPERIMENT, [`train.maxMinutes=${opts.briefMinutes ?? 1}`]);
  const trained = await trainExperiment(brief, { runDir, progress: 'quiet' });
  const why = opts.quick ? 'quick mode' : `brief run: no finished ${mainRun} (npm start writes it)`;
  return { model: trained.model, experiment: brief, data: trained.data, runDir, source: `trained ${trained.result.step} steps (${why}) into ${runDir}` };
}
