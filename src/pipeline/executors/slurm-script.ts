/**
 * The one sbatch script of a plan: a job array whose task i runs `jasr run-job <jobs.json> --index i`. It is
 * written beside the results (`<results>/slurm/array.sbatch`) to be read: everything a task does is in it.
 *
 * Preemption and the time limit: `--signal=B:USR1@<s>` makes Slurm send SIGUSR1 to the batch shell <s> seconds
 * before the limit; the shell forwards it to the node process, whose run saves after the step in progress and
 * exits with REQUEUE_EXIT (src/cli/run-job.ts); the shell then requeues its own task, which resumes from that
 * checkpoint. SIGTERM (scancel, preemption, `scontrol requeue`) is forwarded too: the run saves and exits 143,
 * and Slurm requeues the task if it was preempted or requeued (`--requeue`). A finished run is reused, never
 * retrained, so a task that runs twice does no harm.
 */
import * as path from 'path';
import { commandLine } from './shell';
import type { SlurmOptions } from './slurm-options';

/** Exit status of `jasr run-job` when it saved and stopped on SIGUSR1: "queue me again". 75 is EX_TEMPFAIL. */
export const REQUEUE_EXIT = 75;

export interface ArrayScriptInput {
  name: string;
  planFile: string;
  jobCount: number;
  /** Where the script, logs and task exit records go (`<results>/slurm`). */
  slurmDir: string;
  /** The checkout (bin/jasr.js) on the shared filesystem. */
  kitRoot: string;
  /** The folder the plan was made from: relative paths in the configs (data roots) resolve from it, as they did there. */
  workDir: string;
  options: SlurmOptions;
}

export function taskLogPattern(slurmDir: string): string {
  return path.join(slurmDir, 'logs', 'task-%a.log');
}

export function taskLogFile(slurmDir: string, index: number): string {
  return path.join(slurmDir, 'logs', `task-${index}.log`);
}

/** The exit record a task writes when its run-job process ends: `<jobId> <status> <restart count>`. */
export function taskExitFile(slurmDir: string, index: number): string {
  return path.join(slurmDir, 'tasks', `${index}.exit`);
}

export function arrayScript(input: ArrayScriptInput): string {
  const o = input.options;
  const q = (s: string): string => commandLine([s]);
  const directives = [
    `--job-name=${`jasr-${input.name}`.replace(/[^A-Za-z0-9._-]/g, '_')}`,
    `--array=0-${input.jobCount - 1}`,
    `--output=${taskLogPattern(input.slurmDir)}`,
    '--open-mode=append',
    '--requeue',
    `--signal=B:USR1@${o.signalSeconds}`,
    '--ntasks=1',
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.cpusPerTask ? [`--cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.mem ? [`--mem=${o.mem}`] : []),
    ...(o.gpus ? [`--gpus-per-task=${o.gpus}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    ...o.extra,
  ];
  const tasksDir = path.join(input.slurmDir, 'tasks');
  return `#!/bin/bash
# Written by jasr (src/pipeline/executors/slurm-script.ts) for '${input.name}': ${input.jobCount} independent
# training runs as one job array. Task i runs job i of ${input.planFile}
# (\`jasr run-job <plan> --index i\`): it trains the run, resumes it from its last checkpoint, or reuses it when
# it has finished. Submit with \`sbatch ${input.slurmDir}/array.sbatch\`; \`jasr status\` reads the task logs and
# exit records this script leaves in ${input.slurmDir}.
${directives.map((d) => `#SBATCH ${d}`).join('\n')}

set -u
cd ${q(input.workDir)}
# oneDNN threads = the CPUs Slurm gave the task (not every core of the node), unless set already.
if [ -n "\${SLURM_CPUS_PER_TASK:-}" ] && [ -z "\${JASR_NATIVE_THREADS:-}" ]; then export JASR_NATIVE_THREADS=$SLURM_CPUS_PER_TASK; fi
${o.setup.length > 0 ? `# Site set-up (cluster config 'setup')\n${o.setup.join('\n')}\n` : ''}task=\${SLURM_ARRAY_TASK_ID:?this script runs as a Slurm array task}
echo "== jasr task $task: job \${SLURM_ARRAY_JOB_ID}_$task ($SLURM_JOB_ID), restart \${SLURM_RESTART_COUNT:-0}, on $(hostname) at $(date -u +%FT%TZ)"

# The run saves and stops on USR1 (Slurm's warning before the time limit) and on TERM (scancel, preemption).
${q(o.node)} ${q(path.join(input.kitRoot, 'bin', 'jasr.js'))} run-job ${q(input.planFile)} --index "$task" --progress plain &
child=$!
trap 'echo "== USR1: the time limit is near; asking the run to save and stop"; kill -USR1 $child 2>/dev/null' USR1
trap 'echo "== TERM: asking the run to save and stop"; kill -TERM $child 2>/dev/null' TERM
# wait returns early when a trap runs; keep waiting until the run has exited.
while :; do
  wait $child; status=$?
  kill -0 $child 2>/dev/null || break
done

mkdir -p ${q(tasksDir)}
echo "\${SLURM_ARRAY_JOB_ID} $status \${SLURM_RESTART_COUNT:-0}" > ${q(tasksDir)}/$task.exit.tmp
mv -f ${q(tasksDir)}/$task.exit.tmp ${q(tasksDir)}/$task.exit
echo "== run-job exited with status $status at $(date -u +%FT%TZ)"
if [ "$status" = ${REQUEUE_EXIT} ]; then
  echo "== the run saved before the time limit: requeueing \${SLURM_ARRAY_JOB_ID}_$task to resume it"
  scontrol requeue "\${SLURM_ARRAY_JOB_ID}_$task"
fi
exit $status
`;
}
