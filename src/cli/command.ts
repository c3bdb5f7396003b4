import { OptionSpecs, formatOptions } from './args';

/** One `jasr <name>` command. Each lives in its own file under src/cli/ and exports `command`. */
export interface Command {
  name: string;
  /** One line for `jasr --help`. */
  summary: string;
  /** Usage line(s) after `jasr `, e.g. `model summary --config <file> [--set k=v ...] [--json]`. */
  usage: string;
  options: OptionSpecs;
  /** Longer text shown by `jasr <name> --help`, below the options. */
  details?: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

export function commandHelp(c: Command): string {
  const parts = [`Usage: jasr ${c.usage}`, '', c.summary];
  const opts = formatOptions(c.options);
  if (opts) parts.push('', 'Options:', opts);
  if (c.details) parts.push('', c.details.trim());
  return parts.join('\n');
}
