/**
 * A deliberately small schema language for experiment configs: enough to reject unknown keys and wrong
 * types with an error that names the file and the key, without pulling in a validation library.
 */
import { KnownError } from './errors';

export type Schema =
  | { type: 'number'; min?: number; max?: number; integer?: boolean; description?: string }
  | { type: 'string'; description?: string }
  | { type: 'boolean'; description?: string }
  | { type: 'enum'; values: readonly (string | number)[]; description?: string }
  | { type: 'array'; items: Schema; minItems?: number; description?: string }
  | { type: 'object'; fields: Record<string, Schema>; description?: string }
  | { type: 'optional'; inner: Schema };

export class ConfigError extends KnownError {
  constructor(readonly file: string, readonly key: string, problem: string) {
    super(`${file}: ${key ? `key '${key}': ` : ''}${problem}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string "${v}"`;
  return `${typeof v} ${typeof v === 'object' ? '' : JSON.stringify(v)}`.trim();
}

/** Checks `value` against `schema`; `key` is the dotted path used in error messages. Returns the value typed. */
export function validate<T>(value: unknown, schema: Schema, file: string, key = ''): T {
  switch (schema.type) {
    case 'optional':
      return (value === undefined ? undefined : validate(value, schema.inner, file, key)) as T;
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(file, key, `expected a number, found ${describe(value)}`);
      if (schema.integer && !Number.isInteger(value)) throw new ConfigError(file, key, `expected an integer, found ${value}`);
      if (schema.min !== undefined && value < schema.min) throw new ConfigError(file, key, `must be ≥ ${schema.min}, found ${value}`);
      if (schema.max !== undefined && value > schema.max) throw new ConfigError(file, key, `must be ≤ ${schema.max}, found ${value}`);
      return value as T;
    }
    case 'string':
      if (typeof value !== 'string') throw new ConfigError(file, key, `expected a string, found ${describe(value)}`);
      return value as T;
    case 'boolean':
      if (typeof value !== 'boolean') throw new ConfigError(file, key, `expected true or false, found ${describe(value)}`);
      return value as T;
    case 'enum':
      if (!schema.values.includes(value as string | number))
        throw new ConfigError(file, key, `expected one of ${schema.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describe(value)}`);
      return value as T;
    case 'array': {
      if (!Array.isArray(value)) throw new ConfigError(file, key, `expected an array, found ${describe(value)}`);
      if (schema.minItems !== undefined && value.length < schema.minItems)
        throw new ConfigError(file, key, `expected at least ${schema.minItems} items, found ${value.length}`);
      return value.map((item, i) => validate(item, schema.items, file, `${key}[${i}]`)) as T;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new ConfigError(file, key, `expected an object, found ${describe(value)}`);
      const obj = value as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        if (!(k in schema.fields)) {
          const known = Object.keys(schema.fields).join(', ');
          throw new ConfigError(file, key ? `${key}.${k}` : k, `unknown key (known here: ${known})`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(schema.fields)) {
        const sub = key ? `${key}.${k}` : k;
        if (obj[k] === undefined && s.type !== 'optional') throw new ConfigError(file, sub, 'missing');
        const v = validate(obj[k], s, file, sub);
        if (v !== undefined) out[k] = v;
      }
      return out as T;
    }
  }
}

/**
 * Every field optional, at every depth: for partial sections merged over defaults, where a file may set
 * `train.selection.metric` alone and inherit the other selection keys.
 */
export function partial(schema: Schema & { type: 'object' }): Schema {
  const fields: Record<string, Schema> = {};
  for (const [k, s] of Object.entries(schema.fields)) {
    const inner = s.type === 'optional' ? s.inner : s;
    fields[k] = { type: 'optional', inner: inner.type === 'object' ? partial(inner) : inner };
  }
  return { type: 'object', fields };
}
