/** `extends` merging and `--set key.path=value` overrides, on plain JSON objects. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlainObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars in `over` replace those in `base`. */
export function deepMerge(base: Json, over: Json): Json {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, Json> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** A `--set` value is JSON when it parses as JSON (numbers, booleans, arrays), otherwise a plain string. */
export function parseSetValue(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** Applies `a.b.c=value`; intermediate objects are created, so an unknown key surfaces later as a schema error. */
export function applySet(target: Json, assignment: string): Json {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`--set expects key.path=value, got '${assignment}'`);
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new Error(`--set key '${assignment.slice(0, eq)}' has an empty segment`);
  const value = parseSetValue(assignment.slice(eq + 1));
  const root: Record<string, Json> = isPlainObject(target) ? { ...target } : {};
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]];
    const copy: Record<string, Json> = isPlainObject(next) ? { ...next } : {};
    node[path[i]] = copy;
    node = copy;
  }
  node[path[path.length - 1]] = value;
  return root;
}
