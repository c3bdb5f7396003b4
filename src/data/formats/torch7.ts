/**
 * A bounds-checked reader for Torch7's binary serialisation (`torch.save(file, x)` in Lua Torch, the `.t7` files
 * of LS3D-W), limited to what annotation files hold: nil, numbers, strings, booleans, tables and
 * torch.FloatTensor / torch.DoubleTensor with their FloatStorage / DoubleStorage. Layout (docs/formats-3d.md):
 *
 *   object   = int32 type id, then: nil 0 (nothing) | number 1 (float64) | string 2 (int32 length, bytes) |
 *              table 3 (int32 reference index; if new: int32 pair count, then key and value objects) |
 *              torch 4 (int32 reference index; if new: version string "V <n>", class-name string, class body) |
 *              boolean 5 (int32 0/1)
 *   tensor   = int32 nDimension, int64 sizes[n], int64 strides[n], int64 storageOffset (1-based), storage object
 *   storage  = int64 size, then size elements (float32 or float64)
 *
 * Tables and torch objects share one reference index space: a later object with a known index is the same
 * object (two tensors viewing one storage). Integers are in the writer's byte order; both orders are accepted
 * (detected from the first type id). "long" is 8 bytes, as on every 64-bit Torch7 build.
 */
import * as fs from 'fs';
import { AnnotationError } from './common';

export type T7Value = null | number | string | boolean | T7Table | T7Tensor | T7Storage;

export interface T7Table {
  kind: 'table';
  /** Keys as read (numbers for array-like tables, strings for record-like ones). */
  entries: Map<number | string | boolean, T7Value>;
}

export interface T7Storage {
  kind: 'storage';
  className: 'torch.FloatStorage' | 'torch.DoubleStorage';
  data: Float32Array | Float64Array;
}

export interface T7Tensor {
  kind: 'tensor';
  className: 'torch.FloatTensor' | 'torch.DoubleTensor';
  sizes: number[];
  strides: number[];
  /** 1-based, as stored. */
  storageOffset: number;
  storage: T7Storage | null;
  /** The tensor's elements in row-major order, copied out of the storage (same element type as the storage). */
  values: Float32Array | Float64Array;
}

const TYPE = { NIL: 0, NUMBER: 1, STRING: 2, TABLE: 3, TORCH: 4, BOOLEAN: 5, FUNCTION: 6, RECUR_FUNCTION: 8, LEGACY_RECUR_FUNCTION: 7 };
const MAX_DEPTH = 64;
const MAX_DIMS = 16;
/** Most elements one tensor may expand to: a zero stride lets a tiny storage claim a huge view. */
const MAX_TENSOR_ELEMENTS = 1 << 26;

class T7Reader {
  private pos = 0;
  private readonly view: DataView;
  private readonly memo = new Map<number, T7Table | T7Tensor | T7Storage>();
  readonly little: boolean;

  constructor(
    readonly file: string,
    readonly bytes: Uint8Array,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 4) this.fail(0, `expected a Torch7 type id (4 bytes), found ${bytes.length} bytes`);
    const le = this.view.getInt32(0, true),
      be = this.view.getInt32(0, false);
    if (le >= 0 && le <= 5) this.little = true;
    else if (be >= 0 && be <= 5) this.little = false;
    else if (bytes[0] >= 0x30 && bytes[0] <= 0x39 && (bytes[1] === 0x0a || bytes[1] === 0x20)) {
      this.fail(0, `expected Torch7 binary serialisation, found text (Torch7's ascii mode, which is not supported)`);
    } else this.fail(0, `expected a Torch7 type id 0-5, found ${le} (not a .t7 file?)`);
  }

  fail(offset: number, problem: string): never {
    throw new AnnotationError(this.file, null, `at byte ${offset}: ${problem}`);
  }

  private need(count: number, what: string): void {
    if (count > this.bytes.length - this.pos) {
      this.fail(this.pos, `expected ${count} bytes of ${what}, found ${this.bytes.length - this.pos} (file truncated?)`);
    }
  }

  private int(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, this.little);
    this.pos += 4;
    return v;
  }

  /** An int64 that must be a safe non-negative integer (sizes, strides, offsets, counts). */
  private long(what: string): number {
    this.need(8, what);
    const at = this.pos;
    const v = this.view.getBigInt64(at, this.little);
    this.pos += 8;
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(at, `expected a non-negative ${what}, found ${v}`);
    return Number(v);
  }

  private string(what: string): string {
    const at = this.pos;
    const n = this.int(`the length of ${what}`);
    if (n < 0) this.fail(at, `expected a non-negative length of ${what}, found ${n}`);
    this.need(n, what);
    const s = Buffer.from(this.bytes.subarray(this.pos, this.pos + n)).toString('latin1');
    this.pos += n;
    return s;
  }

  atEnd(): boolean {
    return this.pos === this.bytes.length;
  }

  get offset(): number {
    return this.pos;
  }

  read(depth = 0): T7Value {
    if (depth > MAX_DEPTH) this.fail(this.pos, `expected objects nested at most ${MAX_DEPTH} deep`);
    const at = this.pos;
    const type = this.int('a type id');
    switch (type) {
      case TYPE.NIL:
        return null;
      case TYPE.NUMBER: {
        this.need(8, 'a number');
        const v = this.view.getFloat64(this.pos, this.little);
        this.pos += 8;
        return v;
      }
      case TYPE.STRING:
        return this.string('a string');
      case TYPE.BOOLEAN:
        return this.int('a boolean') === 1;
      case TYPE.TABLE:
        return this.table(depth);
      case TYPE.TORCH:
        return this.torch(depth);
      case TYPE.FUNCTION:
      case TYPE.LEGACY_RECUR_FUNCTION:
      case TYPE.RECUR_FUNCTION:
        return this.fail(at, `found a serialised Lua function (type ${type}), which annotation files never hold`);
      default:
        return this.fail(at, `expected a Torch7 type id 0-5, found ${type}`);
    }
  }

  private reference(what: string): { index: number; known?: T7Table | T7Tensor | T7Storage } {
    const index = this.int(`the reference index of ${what}`);
    return { index, known: this.memo.get(index) };
  }

  private table(depth: number): T7Table {
    const at = this.pos;
    const { index, known } = this.reference('a table');
    if (known) {
      if (known.kind !== 'table') this.fail(at, `reference ${index} names a ${known.kind}, expected a table`);
      return known;
    }
    const table: T7Table = { kind: 'table', entries: new Map() };
    this.memo.set(index, table);
    const countAt = this.pos;
    const count = this.int('the pair count of a table');
    // Each pair takes at least two 4-byte type ids, so a count the remaining bytes cannot hold is refused up front.
    if (count < 0 || count * 8 > this.bytes.length - this.pos)
      this.fail(countAt, `table claims ${count} pairs, only ${this.bytes.length - this.pos} bytes remain`);
    for (let i = 0; i < count; i++) {
      const keyAt = this.pos;
      const key = this.read(depth + 1);
      if (typeof key !== 'number' && typeof key !== 'string' && typeof key !== 'boolean')
        this.fail(keyAt, `expected a number, string or boolean table key, found ${describe(key)}`);
      table.entries.set(key, this.read(depth + 1));
    }
    return table;
  }

  private torch(depth: number): T7Tensor | T7Storage {
    const at = this.pos;
    const { index, known } = this.reference('a torch object');
    if (known) {
      if (known.kind === 'table') this.fail(at, `reference ${index} names a table, expected a torch object`);
      return known;
    }
    const versionAt = this.pos;
    let className = this.string('the version or class name');
    if (/^V \d+$/.test(className)) className = this.string('the class name');
    else if (className.startsWith('V ')) this.fail(versionAt, `expected a version string 'V <n>', found '${className}'`);
    switch (className) {
      case 'torch.FloatStorage':
      case 'torch.DoubleStorage': {
        const storage = this.storage(className);
        this.memo.set(index, storage);
        return storage;
      }
      case 'torch.FloatTensor':
      case 'torch.DoubleTensor': {
        // The index is registered before the body is read, as the writer numbers it before writing the body.
        const tensor: T7Tensor = { kind: 'tensor', className, sizes: [], strides: [], storageOffset: 1, storage: null, values: new Float32Array(0) };
        this.memo.set(index, tensor);
        this.tensorBody(tensor, depth);
        return tensor;
      }
      default:
        return this.fail(versionAt, `expected torch.FloatTensor, torch.DoubleTensor or their storages, found class '${className}'`);
    }
  }

  private storage(className: 'torch.FloatStorage' | 'torch.DoubleStorage'): T7Storage {
    const at = this.pos;
    const size = this.long('storage size');
    const itemBytes = className === 'torch.FloatStorage' ? 4 : 8;
    if (size > (this.bytes.length - this.pos) / itemBytes) {
      this.fail(at, `${className} claims ${size} elements (${size * itemBytes} bytes), only ${this.bytes.length - this.pos} bytes remain (file truncated?)`);
    }
    const data = itemBytes === 4 ? new Float32Array(size) : new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const o = this.pos + i * itemBytes;
      data[i] = itemBytes === 4 ? this.view.getFloat32(o, this.little) : this.view.getFloat64(o, this.little);
    }
    this.pos += size * itemBytes;
    return { kind: 'storage', className, data };
  }

  private tensorBody(tensor: T7Tensor, depth: number): void {
    const at = this.pos;
    const n = this.int('the tensor nDimension');
    if (n < 0 || n > MAX_DIMS) this.fail(at, `expected a tensor nDimension 0-${MAX_DIMS}, found ${n}`);
    for (let i = 0; i < n; i++) tensor.sizes.push(this.long(`size ${i + 1} of the tensor`));
    for (let i = 0; i < n; i++) tensor.strides.push(this.long(`stride ${i + 1} of the tensor`));
    const offsetAt = this.pos;
    tensor.storageOffset = this.long('tensor storageOffset');
    const storageAt = this.pos;
    const value = this.read(depth + 1);
    if (value !== null && (typeof value !== 'object' || value.kind !== 'storage')) {
      this.fail(storageAt, `expected the tensor's storage, found ${describe(value)}`);
    }
    // 'as': tslab compiles notebooks' imports without strictNullChecks, where the check above does not narrow.
    const storage = value as T7Storage | null;
    tensor.storage = storage;
    const expected = tensor.className === 'torch.FloatTensor' ? 'torch.FloatStorage' : 'torch.DoubleStorage';
    if (storage && storage.className !== expected) this.fail(storageAt, `expected a ${expected} for a ${tensor.className}, found ${storage.className}`);
    const count = n === 0 ? 0 : tensor.sizes.reduce((a, b) => a * b, 1);
    if (count === 0) {
      tensor.values = tensor.className === 'torch.FloatTensor' ? new Float32Array(0) : new Float64Array(0);
      return;
    }
    if (!storage) this.fail(storageAt, `tensor of ${tensor.sizes.join('×')} elements has no storage`);
    if (count > MAX_TENSOR_ELEMENTS)
      this.fail(at, `tensor ${tensor.sizes.join('×')} has ${count} elements, more than the ${MAX_TENSOR_ELEMENTS} this reader expands`);
    if (tensor.storageOffset < 1) this.fail(offsetAt, `expected a 1-based storageOffset, found ${tensor.storageOffset}`);
    // Highest element the view touches (0-based) must lie inside the storage.
    let last = tensor.storageOffset - 1;
    for (let i = 0; i < n; i++) last += (tensor.sizes[i] - 1) * tensor.strides[i];
    if (last >= storage.data.length) {
      this.fail(
        at,
        `tensor ${tensor.sizes.join('×')} (strides ${tensor.strides.join(', ')}, offset ${tensor.storageOffset}) reaches element ${last + 1} of a storage of ${storage.data.length}`,
      );
    }
    const values = storage.data instanceof Float32Array ? new Float32Array(count) : new Float64Array(count);
    const index = new Array<number>(n).fill(0);
    for (let k = 0; k < count; k++) {
      let o = tensor.storageOffset - 1;
      for (let d = 0; d < n; d++) o += index[d] * tensor.strides[d];
      values[k] = storage.data[o];
      for (let d = n - 1; d >= 0; d--) {
        if (++index[d] < tensor.sizes[d]) break;
        index[d] = 0;
      }
    }
    tensor.values = values;
  }
}

function describe(v: T7Value): string {
  if (v === null) return 'nil';
  if (typeof v !== 'object') return `a ${typeof v}`;
  return v.kind === 'table' ? 'a table' : v.className;
}

/** The one object serialised in `bytes`; trailing bytes are an error (a .t7 annotation holds one object). */
export function parseTorch7(file: string, bytes: Uint8Array): T7Value {
  const r = new T7Reader(file, bytes);
  const value = r.read();
  if (!r.atEnd()) r.fail(r.offset, `expected the end of the file after one object, found ${bytes.length - r.offset} more bytes`);
  return value;
}

export function readTorch7(file: string): T7Value {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new AnnotationError(file, null, `cannot read the .t7 file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseTorch7(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** A tensor of exactly `sizes`; anything else is an AnnotationError naming the file, the expected and found shape. */
export function requireTensor(file: string, value: T7Value, sizes: number[]): Float32Array | Float64Array {
  if (value === null || typeof value !== 'object' || value.kind !== 'tensor') {
    throw new AnnotationError(file, null, `expected a ${sizes.join('×')} torch.FloatTensor or DoubleTensor, found ${describe(value)}`);
  }
  if (value.sizes.length !== sizes.length || value.sizes.some((s, i) => s !== sizes[i])) {
    throw new AnnotationError(file, null, `expected a ${sizes.join('×')} tensor, found ${value.sizes.join('×') || 'an empty tensor'}`);
  }
  for (let i = 0; i < value.values.length; i++) {
    if (!Number.isFinite(value.values[i])) throw new AnnotationError(file, null, `expected finite numbers, found ${value.values[i]} at element ${i + 1}`);
  }
  return value.values;
}
