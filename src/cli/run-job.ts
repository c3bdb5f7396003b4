/**
 * `jasr run-job <jobs.json> --index N`: runs job N of a plan through runJob (train, resume, or reuse a finished
 * run). It is what a Slurm array task and a local-parallel process run. SIGUSR1 (Slurm's warning before the time
 * limit) saves after the step in progress and exits 75, which the batch script answers by requeueing the task;
 * SIGTERM/SIGINT save and exit 143/130. Repeated signals are ignored: the save in progress finishes either way.
 */
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { parseProgress } from './train';
import { initBackend } from '../backend/index';
import { readPlan, runJob, jobExperiment } from '../pipeline/jobs';
import { TrainingInterruptedError } from '../engine/trainer';
import { REQUEUE_EXIT } from '../pipeline/executors/slurm-script';

const OPTIONS = {
  index: { value: true, placeholder: '<n>', description: 'which job of the plan (0-based; a Slurm task passes $SLURM_ARRAY_TASK_ID)' },
  progress: { value: true, placeholder: '<auto|plain|quiet|json>', description: 'training progress display (default plain)' },
};

export const command: Command = {
  name: 'run-job',
  summary: 'Run one job of a run plan (jobs.json): train, resume or reuse it (what each Slurm array task runs)',
  usage: 'run-job <jobs.json> --index <n> [--progress mode]',
  options: OPTIONS,
  details: `A finished run is reused, never retrained; an interrupted one resumes from its last checkpoint.
SIGUSR1 saves after the current step and exits ${REQUEUE_EXIT} (the generated sbatch script then requeues the task);
SIGTERM and SIGINT save and exit 143 and 130.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length !== 1) throw new UsageError(`expected one plan file (jobs.json), got ${args.positionals.length} arguments`);
    const plan = readPlan(args.positionals[0]);
    const index = args.integer('index');
    if (index === undefined) throw new UsageError('missing required option --index');
    if (index < 0 || index >= plan.jobs.length)
      throw new OptionValueError('index', `0..${plan.jobs.length - 1} (the plan has ${plan.jobs.length} jobs)`, String(index));
    const job = plan.jobs[index];
    const progress = parseProgress(args.string('progress') ?? 'plain');
    jobExperiment(job); // a bad config is one line before the backend loads
    await initBackend({ quiet: progress === 'quiet' || progress === 'json' });

    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals): void => {
      if (controller.signal.aborted) {
        console.error(`jasr run-job: ${sig} again: already saving and stopping`);
        return;
      }
      console.error(`jasr run-job: ${sig}: saving after the current step, then stopping`);
      controller.abort(sig);
    };
    const signals: NodeJS.Signals[] = ['SIGUSR1', 'SIGTERM', 'SIGINT'];
    for (const s of signals) process.on(s, onSignal);
    try {
      console.log(`run-job ${job.id} (${index + 1}/${plan.jobs.length} of ${plan.name}) → ${job.runDir}`);
      const outcome = await runJob(job, { progress, signal: controller.signal, log: (l) => console.log(l) });
      console.log(`run-job outcome: ${outcome}`);
      return 0;
    } catch (e) {
      if (e instanceof TrainingInterruptedError && controller.signal.reason === 'SIGUSR1') {
        console.error(`jasr run-job: ${e.message.split('; resume with')[0]}; exiting ${REQUEUE_EXIT} so the task is requeued and resumes`);
        return REQUEUE_EXIT;
      }
      throw e;
    } finally {
      for (const s of signals) process.off(s, onSignal);
    }
  },
};
