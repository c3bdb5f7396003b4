/**
 * A bounds-checked reader for MATLAB Level 5 MAT-files (`save -v6` / `-v7`, scipy.io.savemat), enough for the
 * numeric annotation files of AFLW2000-3D and 300W-LP. Layout (docs/formats-3d.md has the details):
 * a 128-byte header (116 bytes of text, 8 bytes subsystem offset, uint16 version 0x0100, 2 bytes endian
 * indicator 'IM' = little-endian, 'MI' = big-endian), then data elements, each an 8-byte tag (uint32 type,
 * uint32 byte count, data padded to 8 bytes) or a 4-byte "small" tag (byte count ≤ 4 in the upper 16 bits of the
 * first word, type in the lower 16, data in the next 4 bytes). A variable is an miMATRIX element (array flags,
 * dimensions, name, real part, imaginary part if complex) or an miCOMPRESSED element (zlib stream holding one
 * miMATRIX). Numeric classes double, single, intN and uintN (stored in any numeric data type) and char are decoded;
 * cells, structs, objects and sparse arrays are listed by class but not decoded.
 *
 * Nothing is allocated from a size that was not first checked against the bytes that hold it; every problem is
 * one AnnotationError naming the file and the byte offset.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { AnnotationError } from './common';

/** MATLAB array classes (mxClassID). */
const CLASS_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};
const NUMERIC_CLASSES = new Set(['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

/** Data element types (miINT8 …) and their element size in bytes where they hold numbers. */
const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
};
const MI_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };

export interface MatVariable {
  name: string;
  /** MATLAB class name ('double', 'single', 'int32', 'char', 'cell', …). */
  className: string;
  /** Dimensions as MATLAB reports them (at least 2). */
  dims: number[];
  /** Real part in MATLAB's column-major order, converted to float64; absent for classes that are not decoded. */
  real?: Float64Array;
  imag?: Float64Array;
  /** Text of a char array (columns joined, row-major for 1×N). */
  text?: string;
  logical: boolean;
}

export interface ReadMatOptions {
  /** Largest inflated size of one compressed variable (default 64 MiB), so a zlib bomb fails cleanly. */
  maxInflatedBytes?: number;
}

class Reader {
  readonly view: DataView;
  constructor(
    readonly file: string,
    readonly bytes: Uint8Array,
    readonly little: boolean,
    readonly base: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(offset: number, problem: string): never {
    throw new AnnotationError(this.file, null, `at byte ${offset}${this.base}: ${problem}`);
  }

  u32(offset: number): number {
    return this.view.getUint32(offset, this.little);
  }
}

interface Element {
  type: number;
  /** Start and length of the element's data. */
  start: number;
  length: number;
  /** Offset of the next element. */
  next: number;
}

function readTag(r: Reader, offset: number, end: number, what: string): Element {
  if (offset + 4 > end) r.fail(offset, `expected the tag of ${what}, found ${Math.max(0, end - offset)} bytes`);
  const first = r.u32(offset);
  const small = first >>> 16;
  if (small !== 0) {
    if (small > 4) r.fail(offset, `small data element of ${what} claims ${small} bytes, at most 4 fit`);
    if (offset + 8 > end) r.fail(offset, `expected the 8-byte small data element of ${what}, found ${end - offset} bytes`);
    return { type: first & 0xffff, start: offset + 4, length: small, next: offset + 8 };
  }
  if (offset + 8 > end) r.fail(offset, `expected the 8-byte tag of ${what}, found ${end - offset} bytes`);
  const length = r.u32(offset + 4);
  const start = offset + 8;
  if (length > end - start) r.fail(offset, `${what} claims ${length} bytes, only ${end - start} remain (file truncated?)`);
  const padded = first === MI.COMPRESSED ? length : Math.ceil(length / 8) * 8;
  return { type: first, start, length, next: Math.min(end, start + padded) };
}

/** Numbers of a numeric data element as float64 (int64 beyond 2^53 lose precision, as MATLAB's double() would). */
function readNumbers(r: Reader, el: Element, what: string): Float64Array {
  const size = MI_SIZES[el.type];
  if (size === undefined || el.type >= MI.UTF8) r.fail(el.start - 8, `expected a numeric data type for ${what}, found type ${el.type}`);
  if (el.length % size !== 0) r.fail(el.start, `${what} holds ${el.length} bytes, not a multiple of its ${size}-byte elements`);
  const n = el.length / size;
  const out = new Float64Array(n);
  const v = r.view,
    le = r.little,
    s = el.start;
  for (let i = 0; i < n; i++) {
    const o = s + i * size;
    switch (el.type) {
      case MI.INT8:
        out[i] = v.getInt8(o);
        break;
      case MI.UINT8:
        out[i] = v.getUint8(o);
        break;
      case MI.INT16:
        out[i] = v.getInt16(o, le);
        break;
      case MI.UINT16:
        out[i] = v.getUint16(o, le);
        break;
      case MI.INT32:
        out[i] = v.getInt32(o, le);
        break;
      case MI.UINT32:
        out[i] = v.getUint32(o, le);
        break;
      case MI.SINGLE:
        out[i] = v.getFloat32(o, le);
        break;
      case MI.DOUBLE:
        out[i] = v.getFloat64(o, le);
        break;
      case MI.INT64:
        out[i] = Number(v.getBigInt64(o, le));
        break;
      case MI.UINT64:
        out[i] = Number(v.getBigUint64(o, le));
        break;
    }
  }
  return out;
}

function decodeText(r: Reader, el: Element): string {
  const data = r.bytes.subarray(el.start, el.start + el.length);
  if (el.type === MI.UTF8) return Buffer.from(data).toString('utf8');
  if (el.type === MI.INT8 || el.type === MI.UINT8) return Buffer.from(data).toString('latin1');
  const codes = readNumbers(r, el.type === MI.UTF16 ? { ...el, type: MI.UINT16 } : el.type === MI.UTF32 ? { ...el, type: MI.UINT32 } : el, 'char data');
  return Array.from(codes, (c) => String.fromCodePoint(c)).join('');
}

/** Parses one miMATRIX element's data [start, end). */
function readMatrix(r: Reader, start: number, end: number): MatVariable {
  const flagsEl = readTag(r, start, end, 'array flags');
  if (flagsEl.type !== MI.UINT32 || flagsEl.length !== 8)
    r.fail(start, `expected array flags (miUINT32, 8 bytes), found type ${flagsEl.type} with ${flagsEl.length} bytes`);
  const flags = r.u32(flagsEl.start);
  const classId = flags & 0xff;
  const className = CLASS_NAMES[classId];
  if (className === undefined) r.fail(flagsEl.start, `expected a MATLAB array class 1-15, found ${classId}`);
  const complex = (flags & 0x800) !== 0;
  const logical = (flags & 0x200) !== 0;

  const dimsEl = readTag(r, flagsEl.next, end, 'dimensions');
  if (dimsEl.type !== MI.INT32 || dimsEl.length % 4 !== 0 || dimsEl.length < 8) {
    r.fail(flagsEl.next, `expected dimensions (miINT32, at least 2), found type ${dimsEl.type} with ${dimsEl.length} bytes`);
  }
  const dims = Array.from(readNumbers(r, dimsEl, 'dimensions'));
  if (dims.some((d) => d < 0)) r.fail(dimsEl.start, `expected non-negative dimensions, found [${dims.join(', ')}]`);

  const nameEl = readTag(r, dimsEl.next, end, 'array name');
  if (nameEl.type !== MI.INT8 && nameEl.type !== MI.UINT8) r.fail(dimsEl.next, `expected the array name (miINT8), found type ${nameEl.type}`);
  const name = Buffer.from(r.bytes.subarray(nameEl.start, nameEl.start + nameEl.length)).toString('latin1');

  const variable: MatVariable = { name, className, dims, logical };
  if (!NUMERIC_CLASSES.has(className) && className !== 'char') return variable;
  const count = dims.reduce((a, b) => a * b, 1);
  const realEl = readTag(r, nameEl.next, end, `the real part of '${name}'`);
  if (className === 'char') {
    variable.text = decodeText(r, realEl);
    return variable;
  }
  variable.real = readNumbers(r, realEl, `the real part of '${name}'`);
  if (variable.real.length !== count) {
    r.fail(realEl.start, `'${name}' is ${dims.join('×')} (${count} values) but its real part holds ${variable.real.length}`);
  }
  if (complex) {
    const imagEl = readTag(r, realEl.next, end, `the imaginary part of '${name}'`);
    variable.imag = readNumbers(r, imagEl, `the imaginary part of '${name}'`);
    if (variable.imag.length !== count) r.fail(imagEl.start, `'${name}' has ${count} values but its imaginary part holds ${variable.imag.length}`);
  }
  return variable;
}

function readHeader(file: string, bytes: Uint8Array): boolean {
  const fail = (problem: string): never => {
    throw new AnnotationError(file, null, problem);
  };
  if (bytes.length < 128) fail(`expected a 128-byte MATLAB v5 MAT-file header, found ${bytes.length} bytes`);
  const text = Buffer.from(bytes.subarray(0, 116)).toString('latin1');
  const indicator = String.fromCharCode(bytes[126], bytes[127]);
  const little = indicator === 'IM';
  if (!little && indicator !== 'MI') {
    // A v4 MAT-file has no text header: it starts with a 20-byte matrix header whose first word (type) has zero bytes.
    const v4 = !text.startsWith('MATLAB') && (bytes[0] === 0 || bytes[1] === 0 || bytes[2] === 0 || bytes[3] === 0);
    fail(
      v4
        ? 'expected a MATLAB v5 MAT-file, found what looks like a v4 MAT-file (no text header); save it again with -v6 or -v7'
        : `expected a MATLAB v5 MAT-file (endian indicator 'IM' or 'MI' at byte 126), found '${indicator.replace(/[^\x20-\x7e]/g, '?')}'`,
    );
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset + 124, 2).getUint16(0, little);
  if (version === 0x0200 || text.startsWith('MATLAB 7.3')) {
    fail('expected a MATLAB v5 MAT-file, found a v7.3 (HDF5) MAT-file; save it again with -v7 or read it with an HDF5 tool');
  }
  if (version !== 0x0100) fail(`expected MAT-file version 0x0100 at byte 124, found 0x${version.toString(16).padStart(4, '0')}`);
  return little;
}

/** Every variable of a v5 MAT-file held in `bytes`; `file` names it in errors. */
export function parseMatV5(file: string, bytes: Uint8Array, opts: ReadMatOptions = {}): Map<string, MatVariable> {
  const little = readHeader(file, bytes);
  const maxInflated = opts.maxInflatedBytes ?? 64 * 1024 * 1024;
  const top: Reader = new Reader(file, bytes, little, '');
  const out = new Map<string, MatVariable>();
  let offset = 128;
  while (offset < bytes.length) {
    const el = readTag(top, offset, bytes.length, 'a variable');
    if (el.type === MI.MATRIX) {
      if (el.length > 0) {
        const v = readMatrix(top, el.start, el.start + el.length);
        out.set(v.name, v);
      }
    } else if (el.type === MI.COMPRESSED) {
      let inflated: Buffer;
      try {
        inflated = zlib.inflateSync(bytes.subarray(el.start, el.start + el.length), { maxOutputLength: maxInflated });
      } catch (e) {
        const why = e instanceof RangeError ? `inflates past ${maxInflated} bytes` : `is not a valid zlib stream (${(e as Error).message})`;
        top.fail(offset, `compressed variable ${why}`);
      }
      const inner = new Reader(
        file,
        new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength),
        little,
        ` (inside the compressed variable at byte ${offset})`,
      );
      const innerEl = readTag(inner, 0, inflated.length, 'the compressed variable');
      if (innerEl.type !== MI.MATRIX) inner.fail(0, `expected miMATRIX (14) inside miCOMPRESSED, found type ${innerEl.type}`);
      if (innerEl.length > 0) {
        const v = readMatrix(inner, innerEl.start, innerEl.start + innerEl.length);
        out.set(v.name, v);
      }
    } else {
      top.fail(offset, `expected a variable (miMATRIX 14 or miCOMPRESSED 15), found data type ${el.type}`);
    }
    offset = el.next;
  }
  return out;
}

/** Reads and parses a MAT-file from disk; a missing or unreadable file is an AnnotationError naming it. */
export function readMatV5(file: string, opts: ReadMatOptions = {}): Map<string, MatVariable> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new AnnotationError(file, null, `cannot read the MAT-file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseMatV5(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts);
}

/**
 * The real part of a numeric variable that must be `rows`×`cols` (column-major, as MATLAB stores it); a missing
 * variable, another class or another shape is an AnnotationError naming the file and the variable.
 */
export function requireMatrix(file: string, vars: Map<string, MatVariable>, name: string, rows: number, cols: number): Float64Array {
  const v = vars.get(name);
  if (!v)
    throw new AnnotationError(
      file,
      null,
      `expected a variable '${name}' (${rows}×${cols}), found only ${[...vars.keys()].map((k) => `'${k}'`).join(', ') || 'no variables'}`,
    );
  if (!v.real) throw new AnnotationError(file, null, `expected '${name}' to be numeric, found class ${v.className}`);
  if (v.imag) throw new AnnotationError(file, null, `expected '${name}' to be real, found a complex array`);
  if (v.dims.length !== 2 || v.dims[0] !== rows || v.dims[1] !== cols) {
    throw new AnnotationError(file, null, `expected '${name}' to be ${rows}×${cols}, found ${v.dims.join('×')}`);
  }
  for (let i = 0; i < v.real.length; i++) {
    if (!Number.isFinite(v.real[i])) throw new AnnotationError(file, null, `expected finite numbers in '${name}', found ${v.real[i]} at element ${i + 1}`);
  }
  return v.real;
}
