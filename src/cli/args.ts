/**
 * A small, strict argument parser shared by every `jasr` command.
 *
 * Options are `--name value`, `--name=value` or boolean `--flag`; an option may repeat (`--set a=1 --set b=2`).
 * Each command declares which options it knows so that a typo is an error, not a silently ignored flag.
 */
import { KnownError } from '../core/errors';

export interface OptionSpec {
  /** Takes a value (`--root dir`) rather than being a boolean flag. */
  value?: boolean;
  /** May be given more than once; values are collected in order. */
  repeat?: boolean;
  description: string;
  /** Shown in help, e.g. `<file>`. */
  placeholder?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The command line's shape is wrong (unknown or missing option, extra argument): the CLI prints the help too. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * An option has the right shape but a wrong value (`--scale -1`, `--box 1,2,3`): one line naming the option,
 * what was expected and what was found, exit status 2 like a usage error, without the help screen.
 */
export class OptionValueError extends KnownError {
  constructor(
    readonly option: string,
    expected: string,
    found: string,
  ) {
    super(`--${option}: expected ${expected}, found ${found}`, 2);
  }
}

export class ParsedArgs {
  constructor(
    readonly positionals: string[],
    private readonly values: Map<string, string[]>,
    private readonly flags: Set<string>,
  ) {}

  flag(name: string): boolean {
    return this.flags.has(name);
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : v[v.length - 1];
  }

  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`missing required option --${name}`);
    return v;
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  number(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new OptionValueError(name, 'a number', `'${v}'`);
    return n;
  }

  integer(name: string): number | undefined {
    const n = this.number(name);
    if (n !== undefined && !Number.isInteger(n)) throw new OptionValueError(name, 'an integer', `'${this.string(name)}'`);
    return n;
  }
}

export function parseArgs(argv: string[], specs: OptionSpecs): ParsedArgs {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq >= 0 ? token.slice(2, eq) : token.slice(2);
    const spec = specs[name];
    if (!spec) {
      const known =
        Object.keys(specs)
          .map((k) => `--${k}`)
          .join(', ') || '(none)';
      throw new UsageError(`unknown option --${name}; known options: ${known}`);
    }
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`--${name} is a flag and takes no value`);
      flags.add(name);
      continue;
    }
    let value: string;
    if (eq >= 0) value = token.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value${spec.placeholder ? ' ' + spec.placeholder : ''}`);
      value = argv[++i];
    }
    const list = values.get(name) ?? [];
    if (list.length > 0 && !spec.repeat) throw new UsageError(`--${name} was given twice`);
    list.push(value);
    values.set(name, list);
  }
  return new ParsedArgs(positionals, values, flags);
}

export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.value ? ' ' + (s.placeholder ?? '<value>') : ''}`;
    return `${left.padEnd(34)} ${s.description}${s.repeat ? ' (repeatable)' : ''}`;
  });
  return rows.join('\n');
}
