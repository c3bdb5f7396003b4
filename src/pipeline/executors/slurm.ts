/**
 * The Slurm executor: writes the plan's job array script beside the results (`<dir of jobs.json>/slurm/
 * array.sbatch`), submits it with `sbatch --parsable`, records the submission, and returns at once with the job
 * id. `jasr status` follows the tasks; `jasr collect` (or the table command again) tabulates finished runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../core/atomic-write';
import type { Executor } from '../executor';
import type { RunPlan } from '../jobs';
import { arrayScript } from './slurm-script';
import { SlurmOptions, DEFAULT_SLURM_OPTIONS } from './slurm-options';
import { sbatch } from './slurm-client';
import { addSubmission, arraySpec } from './submissions';

/** The checkout holding bin/jasr.js (this file is src/pipeline/executors/slurm.ts). */
export const KIT_ROOT = path.resolve(__dirname, '..', '..', '..');

export function slurmDirOf(planFile: string): string {
  return path.join(path.dirname(path.resolve(planFile)), 'slurm');
}

export function arrayScriptFile(planFile: string): string {
  return path.join(slurmDirOf(planFile), 'array.sbatch');
}

/** Writes (or rewrites) the array script of a plan; returns its path. */
export function writeArrayScript(plan: RunPlan, planFile: string, options: SlurmOptions): string {
  const slurmDir = slurmDirOf(planFile);
  fs.mkdirSync(path.join(slurmDir, 'logs'), { recursive: true });
  fs.mkdirSync(path.join(slurmDir, 'tasks'), { recursive: true });
  const file = arrayScriptFile(planFile);
  writeFileAtomic(
    file,
    arrayScript({
      name: plan.name,
      planFile: path.resolve(planFile),
      jobCount: plan.jobs.length,
      slurmDir,
      kitRoot: KIT_ROOT,
      workDir: process.cwd(),
      options,
    }),
  );
  fs.chmodSync(file, 0o755);
  return file;
}

/** Submits the given plan indices (all by default) of an already written script; returns the array job id. */
export function submitIndices(planFile: string, indices: number[]): string {
  const script = arrayScriptFile(planFile);
  const jobId = sbatch(script, [`--array=${arraySpec(indices)}`]);
  addSubmission(slurmDirOf(planFile), { jobId, indices: [...indices].sort((a, b) => a - b), script, submittedAt: new Date().toISOString() });
  return jobId;
}

export function slurmExecutor(options: SlurmOptions = DEFAULT_SLURM_OPTIONS): Executor {
  return {
    name: 'slurm',
    async execute(plan, opts) {
      const log = opts.log ?? ((): void => undefined);
      const script = writeArrayScript(plan, opts.planFile, options);
      const jobId = submitIndices(
        opts.planFile,
        plan.jobs.map((_, i) => i),
      );
      log(`submitted ${plan.jobs.length} runs as Slurm job array ${jobId} (script ${script})`);
      return { kind: 'submitted', description: `Slurm job array ${jobId}: ${plan.jobs.length} tasks, script ${script}` };
    },
  };
}
