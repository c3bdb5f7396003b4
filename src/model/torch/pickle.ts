/**
 * A pickle interpreter for the data-only subset torch.save emits (protocol 2, plus the protocol-4 framing and
 * memo opcodes a newer pickler may add). It never imports or calls anything by name: a GLOBAL resolves only
 * through the caller's allow-list (`PickleEnv.globals`), and REDUCE calls only what that allow-list returned.
 * Any other GLOBAL, or an opcode outside the subset (INST, OBJ, NEWOBJ, EXT*, text PERSID, …), stops the read
 * with one line naming the file, the byte and the opcode.
 */
import { TorchImportError } from './errors';

/** A Python dict (or OrderedDict) with string/int keys, in insertion order. */
export class PyDict {
  readonly entries = new Map<string | number, unknown>();
  /** The state a BUILD opcode set (an OrderedDict's `__dict__`, e.g. a state dict's `_metadata`); not interpreted. */
  state: unknown = undefined;
}

/** Something an allowed GLOBAL stands for that REDUCE may call. */
export class PyCallable {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

export interface PickleEnv {
  /** `module.name` → the value GLOBAL pushes; a missing name is refused. */
  globals: ReadonlyMap<string, unknown>;
  /** Resolves BINPERSID's persistent id (torch: the storage tuple). */
  persistentLoad(pid: unknown): unknown;
  /** File named in every error. */
  file: string;
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK',
  0x2e: 'STOP',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4a: 'BININT',
  0x4b: 'BININT1',
  0x4c: 'LONG',
  0x4d: 'BININT2',
  0x4e: 'NONE',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x52: 'REDUCE',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE',
  0x58: 'BINUNICODE',
  0x61: 'APPEND',
  0x62: 'BUILD',
  0x63: 'GLOBAL',
  0x64: 'DICT',
  0x7d: 'EMPTY_DICT',
  0x65: 'APPENDS',
  0x67: 'GET',
  0x68: 'BINGET',
  0x69: 'INST',
  0x6a: 'LONG_BINGET',
  0x6c: 'LIST',
  0x5d: 'EMPTY_LIST',
  0x6f: 'OBJ',
  0x70: 'PUT',
  0x71: 'BINPUT',
  0x72: 'LONG_BINPUT',
  0x73: 'SETITEM',
  0x74: 'TUPLE',
  0x29: 'EMPTY_TUPLE',
  0x75: 'SETITEMS',
  0x47: 'BINFLOAT',
  0x80: 'PROTO',
  0x81: 'NEWOBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x85: 'TUPLE1',
  0x86: 'TUPLE2',
  0x87: 'TUPLE3',
  0x88: 'NEWTRUE',
  0x89: 'NEWFALSE',
  0x8a: 'LONG1',
  0x8b: 'LONG4',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE',
  0x95: 'FRAME',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** Runs the pickle in `bytes` and returns the object STOP leaves on the stack. */
export function unpickle(bytes: Uint8Array, env: PickleEnv): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  let opStart = 0;

  const fail = (problem: string): never => {
    throw new TorchImportError(env.file, `pickle (data.pkl) byte ${opStart}: ${problem}`);
  };
  const take = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) fail(`truncated: needs ${n} more bytes, ${bytes.length - pos} left`);
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail('stack underflow (malformed pickle)');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow (malformed pickle)');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to (malformed pickle)');
    return stack.splice(m!);
  };
  const text = (at: number, n: number): string => {
    try {
      return decoder.decode(bytes.subarray(at, at + n));
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated: unterminated text line');
    const s = text(pos, end - pos);
    pos = end + 1;
    return s;
  };
  const resolveGlobal = (module: string, name: string): unknown => {
    const key = `${module}.${name}`;
    if (!env.globals.has(key)) {
      fail(
        `GLOBAL '${key}' is not allowed (a PyTorch state dict needs only ${[...env.globals.keys()].filter((k) => !k.endsWith('Storage')).join(', ')} and torch.*Storage); refusing the file`,
      );
    }
    return env.globals.get(key);
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof PyDict)) fail('SETITEM(S) on something that is not a dict');
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      if (typeof k !== 'string' && typeof k !== 'number') fail(`dict key of type ${typeof k} (only str and int keys are supported)`);
      (dict as PyDict).entries.set(k as string | number, items[i + 1]);
    }
  };
  const memoGet = (index: number): unknown => {
    if (!memo.has(index)) fail(`memo index ${index} was never stored`);
    return memo.get(index);
  };

  for (;;) {
    opStart = pos;
    const op = bytes[take(1)];
    switch (op) {
      case 0x80: // PROTO
        if (bytes[take(1)] > 5) fail(`pickle protocol ${bytes[pos - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: the length is only a read-ahead hint.
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length > 0) fail(`STOP with ${stack.length} objects on the stack (malformed pickle)`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(take(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(bytes[take(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(take(2), true));
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = bytes[take(1)];
        const at = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
        if (n > 0 && bytes[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) fail(`integer ${v} is too large`);
        stack.push(Number(v));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(view.getFloat64(take(8), false));
        break;
      case 0x58: {
        // BINUNICODE
        const n = view.getUint32(take(4), true);
        stack.push(text(take(n), n));
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        const n = bytes[take(1)];
        stack.push(text(take(n), n));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to something that is not a list');
        (list as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to something that is not a list');
        (list as unknown[]).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(bytes[take(1)], top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(take(4), true), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(bytes[take(1)]));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(view.getUint32(take(4), true)));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(resolveGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL with non-string names');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PyCallable)) fail('REDUCE on something that is not an allowed callable');
        if (!Array.isArray(args)) fail(`REDUCE arguments for ${(callable as PyCallable).qualifiedName} are not a tuple`);
        stack.push((callable as PyCallable).call(args as unknown[]));
        break;
      }
      case 0x62: {
        // BUILD: only a dict's own state (OrderedDict `_metadata`) is accepted, and kept uninterpreted.
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict)) fail('BUILD on something that is not a dict');
        (obj as PyDict).state = state;
        break;
      }
      case 0x51: // BINPERSID
        stack.push(env.persistentLoad(pop()));
        break;
      default: {
        const name = OPCODE_NAMES[op];
        fail(`opcode 0x${op.toString(16).padStart(2, '0')}${name ? ` (${name})` : ''} is outside the subset a PyTorch state dict uses; refusing the file`);
      }
    }
  }
}
