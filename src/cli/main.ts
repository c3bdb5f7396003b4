import { UsageError } from './args';
import { Command, commandHelp } from './command';
import { KnownError, describeFsError, isFsError } from '../core/errors';

/**
 * Every command, in the order `jasr --help` lists them. Each is loaded only when run, so `jasr doctor`
 * does not pay for loading the model, the data readers or danfojs.
 */
const COMMANDS: Record<string, () => Command> = {
  main: () => require('./main-job').command,
  doctor: () => require('./doctor').command,
  model: () => require('./model').command,
  data: () => require('./data').command,
  metrics: () => require('./metrics').command,
  train: () => require('./train').command,
  eval: () => require('./eval').command,
  infer: () => require('./infer').command,
  enhance: () => require('./enhance').command,
  export: () => require('./export').command,
  serve: () => require('./serve').command,
  import: () => require('./import').command,
  reproduce: () => require('./reproduce').command,
  'run-job': () => require('./run-job').command,
  status: () => require('./status').command,
  collect: () => require('./collect').command,
  claims: () => require('./claims').command,
  sweep: () => require('./sweep').command,
  report: () => require('./report').command,
  notebooks: () => require('./notebooks').command,
};

/**
 * Adds a command that lives outside src/ (the benchmark registers `jasr bench` from bin/jasr.js, so src/ never
 * reaches into bench/). Registered commands are listed after the built-in ones.
 */
export function registerCommand(name: string, load: () => Command): void {
  COMMANDS[name] = load;
}

function loadCommand(name: string): Command | undefined {
  const load = COMMANDS[name];
  return load ? load() : undefined;
}

function topHelp(): string {
  const lines = ['jasr — joint face super-resolution and alignment (JASRNet) research kit', '', 'Commands:'];
  for (const name of Object.keys(COMMANDS)) {
    let summary: string;
    try {
      summary = loadCommand(name)?.summary ?? '';
    } catch (e) {
      summary = `(unavailable: ${(e as Error).message.split('\n')[0]})`;
    }
    lines.push(`  ${name.padEnd(11)} ${summary}`);
  }
  lines.push('', 'Run `jasr <command> --help` for the options of one command.');
  return lines.join('\n');
}

/**
 * Runs one command. A KnownError (a bad file, a refused state, a wrong config key) or an fs error a person can
 * act on (missing file, full disk) prints one line and exits non-zero; anything else is a bug and keeps its
 * stack. `--debug` anywhere on the line (or JASR_DEBUG=1) prints the stack for every error.
 */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug') || process.env.JASR_DEBUG === '1';
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(topHelp());
    return name ? 0 : 2;
  }
  const command = loadCommand(name);
  if (!command) {
    console.error(`jasr: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`jasr ${name}: ${e.message} (see 'jasr ${name} --help')`);
      return 2;
    }
    if (debug) throw e;
    if (e instanceof KnownError) {
      console.error(`jasr ${name}: ${e.message}`);
      return e.exitCode;
    }
    if (isFsError(e)) {
      console.error(`jasr ${name}: ${describeFsError(e)}`);
      return 1;
    }
    throw e;
  }
}
