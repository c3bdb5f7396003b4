/**
 * Config validation on zod schemas: every option is declared once, as a zod schema (type, range, default,
 * description), and this file turns zod's issues into the kit's one-line errors that name the file, the dotted
 * key, what was expected and what was found, e.g.
 * `experiments/x.json: key 'train.optimizer.lr': expected a number, found the string "fast"`.
 */
import { z } from 'zod';
import { KnownError } from './errors';

/** A config schema: any zod schema (objects are strict, so unknown keys are refused). */
export type Schema<T = unknown> = z.ZodType<T>;

export class ConfigError extends KnownError {
  constructor(
    readonly file: string,
    readonly key: string,
    problem: string,
  ) {
    super(`${file}: ${key ? `key '${key}': ` : ''}${problem}`);
  }
}

/** How a found value is named in an error: `the string "x"`, `number 3`, `an array`, `null`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string "${v}"`;
  return `${typeof v} ${typeof v === 'object' ? '' : JSON.stringify(v)}`.trim();
}

type PathSegment = PropertyKey;

/** `a.b[2].c` from zod's path, below `prefix`. */
export function dottedKey(prefix: string, path: readonly PathSegment[]): string {
  let key = prefix;
  for (const p of path) key = typeof p === 'number' ? `${key}[${p}]` : key ? `${key}.${String(p)}` : String(p);
  return key;
}

// Minimal view of zod's internal definitions, enough to walk from a schema to the object a path points into.
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema at `path` below `schema`, through defaults, optionals and pipes; undefined where unions make it ambiguous. */
function schemaAt(schema: z.ZodType, path: readonly PathSegment[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  let i = 0;
  while (s) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else if (i === path.length) return s;
    else if (d.type === 'object') s = d.shape?.[String(path[i++])];
    else if (d.type === 'array') {
      s = d.element;
      i++;
    } else if (d.type === 'tuple') s = d.items?.[Number(path[i++])] ?? d.rest ?? undefined;
    else return undefined;
  }
  return undefined;
}

/** The keys an object schema knows (for "unknown key" errors). */
export function knownKeys(schema: z.ZodType, path: readonly PathSegment[] = []): string[] {
  const s = schemaAt(schema, path);
  const shape = s ? defOf(s).shape : undefined;
  return shape ? Object.keys(shape) : [];
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  tuple: 'an array',
};

/** One zod issue as the kit's error: the dotted key and the problem (what was expected, what was found). */
export function issueToConfigError(issue: z.core.$ZodIssue, schema: z.ZodType, file: string, prefix = ''): ConfigError {
  const key = dottedKey(prefix, issue.path);
  const input = (issue as { input?: unknown }).input;
  const found = describeValue(input);
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return new ConfigError(file, key, 'missing');
      if (issue.expected === 'int' && typeof input === 'number') return new ConfigError(file, key, `expected an integer, found ${input}`);
      return new ConfigError(file, key, `expected ${EXPECTED[issue.expected] ?? issue.expected}, found ${found}`);
    }
    case 'invalid_value':
      return new ConfigError(file, key, `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${found}`);
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set') {
        const n = Array.isArray(input) ? input.length : '?';
        return new ConfigError(file, key, `expected ${small ? 'at least' : 'at most'} ${bound} items, found ${n}`);
      }
      if (issue.origin === 'string') {
        const n = typeof input === 'string' ? input.length : '?';
        return new ConfigError(file, key, `expected ${small ? 'at least' : 'at most'} ${bound} characters, found ${n}`);
      }
      const op = small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      return new ConfigError(file, key, `must be ${op} ${bound}, found ${typeof input === 'number' ? input : found}`);
    }
    case 'unrecognized_keys': {
      const known = knownKeys(schema, issue.path);
      return new ConfigError(file, dottedKey(key, [issue.keys[0]]), `unknown key (known here: ${known.join(', ')})`);
    }
    case 'custom':
      // Cross-key rules (superRefine) write their whole message.
      return new ConfigError(file, key, issue.message);
    default:
      return new ConfigError(file, key, `${issue.message}, found ${found}`);
  }
}

/**
 * Checks `value` against `schema` and returns it parsed (defaults filled); `key` is the dotted path of `value`
 * used in error messages. One problem is thrown as a ConfigError.
 */
export function validate<T>(value: unknown, schema: Schema<T>, file: string, key = ''): T {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  // An unknown key is reported before anything else: it is usually a misspelling of the key another issue misses.
  const issues = r.error.issues;
  throw issueToConfigError(issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0], schema, file, key);
}
