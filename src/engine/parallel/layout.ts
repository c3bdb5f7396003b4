/**
 * Variables laid end to end in one flat float32 buffer (a SharedArrayBuffer between threads), in a fixed name
 * order, so weights and gradients cross threads as one block that each side copies once.
 */
import * as tf from '@tensorflow/tfjs';

export interface LayoutEntry {
  name: string;
  shape: number[];
  /** Offset and length in float32 elements. */
  offset: number;
  size: number;
}

export interface FlatLayout {
  entries: LayoutEntry[];
  totalSize: number;
}

export function flatLayout(vars: Record<string, tf.Variable>, names: string[] = Object.keys(vars)): FlatLayout {
  let offset = 0;
  const entries = names.map((name) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`flatLayout: no variable named '${name}'`);
    if (v.dtype !== 'float32') throw new Error(`flatLayout: variable '${name}' is ${v.dtype}; only float32 variables can be replicated`);
    const e = { name, shape: [...v.shape], offset, size: v.size };
    offset += v.size;
    return e;
  });
  return { entries, totalSize: offset };
}

export function sharedFloats(layout: FlatLayout): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, layout.totalSize) * Float32Array.BYTES_PER_ELEMENT));
}

/** Entries [from, to) of a layout: the variables one message refreshes. */
export type EntryRange = readonly [from: number, to: number];

export function wholeLayout(layout: FlatLayout): EntryRange {
  return [0, layout.entries.length];
}

/** Copies the current values of the layout's variables (those in `range`, default all) into `flat`. */
export function writeVariables(layout: FlatLayout, vars: Record<string, tf.Tensor>, flat: Float32Array, range: EntryRange = wholeLayout(layout)): void {
  for (const e of layout.entries.slice(range[0], range[1])) flat.set(vars[e.name].dataSync() as Float32Array, e.offset);
}

/** Assigns the layout's variables (those in `range`, default all) from `flat` (a copy: later writes to `flat` do not reach them). */
export function assignVariables(layout: FlatLayout, vars: Record<string, tf.Variable>, flat: Float32Array, range: EntryRange = wholeLayout(layout)): void {
  for (const e of layout.entries.slice(range[0], range[1])) {
    tf.tidy(() => vars[e.name].assign(tf.tensor(flat.slice(e.offset, e.offset + e.size), e.shape, 'float32')));
  }
}

/** Checks that a replica's variables match the layout the main thread sent (names and shapes). */
export function checkLayoutMatches(layout: FlatLayout, vars: Record<string, tf.Variable>, who: string): void {
  for (const e of layout.entries) {
    const v = vars[e.name];
    if (v === undefined) throw new Error(`${who}: the replica has no variable '${e.name}'`);
    if (v.shape.join('x') !== e.shape.join('x')) throw new Error(`${who}: variable '${e.name}' has shape [${v.shape}], main thread has [${e.shape}]`);
  }
}
