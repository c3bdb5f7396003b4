/**
 * `jasr status <table>`: each run of results/<table>/jobs.json as pending/running/done/failed, from the run
 * directories, Slurm's queue (and accounting where the site has it) and the array tasks' exit records; a failed
 * task is shown with its log. `--resubmit-failed` submits only the failed tasks again (same script).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { readPlan } from '../pipeline/jobs';
import { planStatus, JobStatus } from '../pipeline/executors/status';
import { arrayScriptFile, submitIndices } from '../pipeline/executors/slurm';
import { KnownError } from '../core/errors';

const OPTIONS = {
  'results-dir': { value: true, placeholder: '<dir>', description: 'where results go (default results/); the plan is <dir>/<table>/jobs.json' },
  'resubmit-failed': { description: 'submit the failed tasks again as a new job array (finished runs are never retrained)' },
  json: { description: 'print the states as JSON' },
};

export class NothingToResubmitError extends KnownError {}

export function planFileOf(table: string, resultsDir = 'results'): string {
  return path.join(resultsDir, table, 'jobs.json');
}

function summary(states: JobStatus[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  return ['done', 'running', 'pending', 'failed']
    .filter((k) => counts.has(k))
    .map((k) => `${counts.get(k)} ${k}`)
    .join(', ');
}

export const command: Command = {
  name: 'status',
  summary: 'Show each run of a table (or sweep) as pending/running/done/failed; resubmit the failed ones',
  usage: 'status <table> [--results-dir dir] [--resubmit-failed] [--json]',
  options: OPTIONS,
  details: `Reads <results-dir>/<table>/jobs.json (written by \`jasr reproduce\` or \`jasr sweep\`). A finished run directory is
done whoever ran it; otherwise the state comes from squeue, sacct (when the site keeps accounting) and the exit
record each Slurm task writes in <results-dir>/<table>/slurm/tasks/. Exit status 0 when nothing failed, 1 otherwise.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length !== 1) throw new UsageError(`expected one table or sweep name, got ${args.positionals.length} arguments`);
    const planFile = planFileOf(args.positionals[0], args.string('results-dir'));
    const plan = readPlan(planFile);
    const states = planStatus(plan, planFile);
    if (args.flag('json')) console.log(JSON.stringify({ plan: planFile, jobs: states }, null, 1));
    else {
      for (const s of states) {
        console.log(
          `${String(s.index).padStart(3)} ${s.id.padEnd(28)} ${s.state.padEnd(8)} ${s.detail}${s.state === 'failed' && s.log ? `; log ${s.log}` : ''}`,
        );
      }
      console.log(`${plan.name}: ${summary(states)} of ${states.length} runs (plan ${planFile})`);
    }
    const failed = states.filter((s) => s.state === 'failed');
    if (args.flag('resubmit-failed')) {
      if (failed.length === 0) throw new NothingToResubmitError(`${planFile}: no failed runs to resubmit (${summary(states)})`);
      if (!fs.existsSync(arrayScriptFile(planFile)))
        throw new NothingToResubmitError(`${arrayScriptFile(planFile)}: expected the array script of an earlier Slurm submission, found no file`);
      const jobId = submitIndices(
        planFile,
        failed.map((s) => s.index),
      );
      console.log(`resubmitted ${failed.length} failed run(s) (${failed.map((s) => s.id).join(', ')}) as Slurm job array ${jobId}`);
      return 0;
    }
    return failed.length > 0 ? 1 : 0;
  },
};
