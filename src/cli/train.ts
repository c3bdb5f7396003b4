/**
 * `jasr train`: one experiment file → runs/<name>/ (checkpoints, log.jsonl, log.csv), through the same
 * trainExperiment() that reproduceTable and notebooks call.
 */
import * as path from 'path';
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import type { ProgressMode } from '../engine/progress';
import { loadExperiment } from '../config/load';
import { initBackend } from '../backend/index';
import { trainExperiment, DEFAULT_RUNS_DIR } from '../pipeline/run-experiment';

const PROGRESS_MODES: ProgressMode[] = ['auto', 'tty', 'plain', 'quiet', 'json'];

const OPTIONS = {
  config: { value: true, placeholder: '<file>', description: 'experiment file (experiments/*.json)' },
  set: { value: true, repeat: true, placeholder: '<key=value>', description: 'override one config key, e.g. train.epochs=2' },
  resume: { description: "continue the run from its 'last' checkpoint" },
  'allow-config-change': { description: 'with --resume: accept a changed lr, batch size, seed, … (the differences are logged)' },
  progress: { value: true, placeholder: '<auto|plain|quiet|json>', description: 'progress display (default auto: live bar on a terminal)' },
  'run-dir': { value: true, placeholder: '<dir>', description: 'where the run goes (default runs/<experiment name>)' },
};

export function parseProgress(value: string | undefined): ProgressMode {
  const mode = (value ?? 'auto') as ProgressMode;
  if (!PROGRESS_MODES.includes(mode)) throw new UsageError(`--progress: expected one of ${PROGRESS_MODES.join(', ')}, got '${value}'`);
  return mode;
}

/** Quotes each argument for a POSIX shell where it needs it. */
export function commandLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Runs `work` with SIGINT/SIGTERM turned into an abort of its signal: the trainer saves after the step in
 * progress and throws TrainingInterruptedError (exit 130/143, naming `resumeCommand`). A second signal exits at
 * once; the files are consistent anyway (every write is atomic and the lock of a dead process is stale).
 */
async function withStopSignals<T>(resumeCommand: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      console.error(`jasr train: ${sig} again: stopping now; resume from the last saved checkpoint with: ${resumeCommand}`);
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
    console.error(`jasr train: ${sig}: saving after the current step, then stopping (send it again to stop at once)`);
    controller.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export const command: Command = {
  name: 'train',
  summary: 'Train one experiment (or resume it) into runs/<name>/',
  usage: 'train --config <file> [--set k=v ...] [--resume [--allow-config-change]] [--progress auto|plain|quiet|json] [--run-dir <dir>]',
  options: OPTIONS,
  details: `train.batchSize and train.seed are the source of truth: data.batchSize and data.seed are derived from them,
and the model's weights are seeded with train.seed. data.scale must equal model.scale.
Budgets: train.maxSteps / train.maxMinutes stop after saving; --resume continues exactly (same losses as an
uninterrupted run). A run directory that already holds a run is refused without --resume, and one that another
training is writing is refused. --resume refuses a config whose recipe differs from the run's (lr, batch size,
seed, …; budgets and logging may change) unless --allow-config-change is given. Ctrl-C or SIGTERM saves the
state after the current step and prints the command that resumes (exit status 130 / 143); a second one stops
at once (the last saved checkpoint stays consistent).`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const configFile = args.requireString('config');
    const progress = parseProgress(args.string('progress'));
    const exp = loadExperiment(configFile, args.all('set'));
    await initBackend({ quiet: progress === 'quiet' || progress === 'json' });
    const runDir = args.string('run-dir') ?? path.join(DEFAULT_RUNS_DIR, exp.name);
    const resumeCommand = commandLine([
      'jasr',
      'train',
      '--config',
      configFile,
      ...args.all('set').flatMap((s) => ['--set', s]),
      ...(args.string('run-dir') ? ['--run-dir', runDir] : []),
      '--resume',
    ]);
    const { result, model } = await withStopSignals(resumeCommand, (signal) =>
      trainExperiment(exp, { runDir, resume: args.flag('resume'), allowConfigChange: args.flag('allow-config-change'), progress, signal, resumeCommand }),
    );
    model.dispose();
    const best = result.best ? `best ${result.best.metric} ${result.best.value.toPrecision(5)} at epoch ${result.best.epoch}` : 'no validated epoch';
    const summary = `${exp.name}: ${result.status === 'done' ? 'finished' : 'stopped by the budget'} at step ${result.step} (epoch ${result.epoch}); ${best}`;
    if (progress === 'json') console.log(JSON.stringify({ type: 'result', experiment: exp.name, runDir, ...result, epochs: undefined }));
    else if (progress !== 'quiet')
      console.log(
        `${summary}\nrun: ${runDir}\nlast checkpoint: ${result.lastCheckpoint}${result.bestCheckpoint ? `\nbest checkpoint: ${result.bestCheckpoint}` : ''}`,
      );
    return 0;
  },
};
