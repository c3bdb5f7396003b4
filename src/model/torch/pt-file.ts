/**
 * Reads a torch.save file (zip of data.pkl + one entry per storage) into plain tensors without Python.
 * The pickle may only use collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter and the
 * torch.*Storage type names (see ./pickle.ts); storages are resolved through persistent ids of the form
 * ('storage', torch.<T>Storage, key, location, numel), every view's furthest element checked against its storage.
 */
import { TorchImportError } from './errors';
import { PyCallable, PyDict, unpickle } from './pickle';
import { readStoredZip } from './zip';

/** Bytes per element of each storage type torch.save may name. */
const STORAGE_TYPES: Record<string, { dtype: string; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
  ComplexFloatStorage: { dtype: 'complex64', bytes: 8 },
  ComplexDoubleStorage: { dtype: 'complex128', bytes: 16 },
};

class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: string,
    readonly elementBytes: number,
  ) {}
}

interface Storage {
  key: string;
  type: StorageType;
  numel: number;
  bytes: Uint8Array;
}

/** One tensor as the pickle describes it; values are read (and dtype/layout checked) only when asked for. */
export class TorchTensor {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}

  get dtype(): string {
    return this.storage.type.dtype;
  }

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Row-major strides; size-1 dimensions may carry any stride (torch treats them as contiguous too). */
  isContiguous(): boolean {
    let expected = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.stride[d] !== expected) return false;
      expected *= this.shape[d];
    }
    return true;
  }

  /** The values as float32, row-major (a strided view, e.g. a saved transpose, is gathered); `what` names the tensor in errors. */
  float32(what: string, file: string): Float32Array {
    if (this.dtype !== 'float32') {
      throw new TorchImportError(
        file,
        `${what}: storage is torch.${this.storage.type.name} (${this.dtype}); only float32 (torch.FloatStorage) is supported — save the model after model.float()`,
      );
    }
    const n = this.numel;
    if (this.isContiguous()) {
      const out = new Float32Array(n);
      // Copy byte-wise: the storage view need not be 4-byte aligned inside the file buffer.
      new Uint8Array(out.buffer).set(this.storage.bytes.subarray(this.offset * 4, (this.offset + n) * 4));
      return out;
    }
    // Bounds were checked when the tensor was built (rebuildTensor), for every stride pattern.
    const all = new Float32Array(this.storage.numel);
    new Uint8Array(all.buffer).set(this.storage.bytes);
    const out = new Float32Array(n);
    const index = new Array<number>(this.shape.length).fill(0);
    for (let k = 0; k < n; k++) {
      let at = this.offset;
      for (let d = 0; d < index.length; d++) at += index[d] * this.stride[d];
      out[k] = all[at];
      for (let d = index.length - 1; d >= 0; d--) {
        if (++index[d] < this.shape[d]) break;
        index[d] = 0;
      }
    }
    return out;
  }
}

/** torch.save writes storages in the host's byte order (recorded in `byteorder`); both ends here are little-endian. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function isIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);
}

export interface TorchFile {
  /** The object the pickle built (a PyDict for a state dict or a checkpoint dict). */
  root: unknown;
  /** The archive's folder name inside the zip (torch uses the file's stem, or 'archive'). */
  archiveName: string;
}

/** Parses a torch.save zip held in `bytes`; `file` is named in every error. */
export function readTorchFile(bytes: Uint8Array, file: string): TorchFile {
  if (!LITTLE_ENDIAN_HOST) throw new TorchImportError(file, 'reading PyTorch files needs a little-endian host');
  const entries = readStoredZip(bytes, file);
  const pickles = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new TorchImportError(
      file,
      `expected exactly one '<name>/data.pkl' in the zip (a torch.save file), found ${pickles.length} among [${[...entries.keys()].slice(0, 6).join(', ')}]`,
    );
  }
  const archiveName = pickles[0].slice(0, -'/data.pkl'.length);
  const byteorder = entries.get(`${archiveName}/byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new TorchImportError(file, `byteorder '${new TextDecoder().decode(byteorder).trim()}': only little-endian files are supported`);
  }

  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown): Storage => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      const found = Array.isArray(pid)
        ? `a ${pid.length}-tuple starting ${typeof pid[0] === 'string' ? `'${pid[0].slice(0, 40)}'` : typeof pid[0]}`
        : typeof pid;
      throw new TorchImportError(file, `persistent id: expected ('storage', torch.<T>Storage, key, location, numel), found ${found}`);
    }
    const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
    if (!(type instanceof StorageType))
      throw new TorchImportError(file, `persistent id for storage ${String(key)}: the second item is not a torch.*Storage type`);
    if (typeof key !== 'string' || !Number.isSafeInteger(numel) || (numel as number) < 0) {
      throw new TorchImportError(file, `persistent id for storage ${String(key)}: expected a string key and a non-negative element count`);
    }
    const known = storages.get(key);
    if (known) {
      if (known.type !== type || known.numel !== numel) throw new TorchImportError(file, `storage '${key}' is described twice with different types or sizes`);
      return known;
    }
    const entryName = `${archiveName}/data/${key}`;
    const data = entries.get(entryName);
    if (!data) throw new TorchImportError(file, `storage '${key}': zip entry '${entryName}' is missing`);
    const expectedBytes = (numel as number) * type.elementBytes;
    if (data.byteLength !== expectedBytes) {
      throw new TorchImportError(
        file,
        `storage '${key}' (torch.${type.name}): expected ${numel} elements = ${expectedBytes} bytes, zip entry '${entryName}' has ${data.byteLength}`,
      );
    }
    const storage: Storage = { key, type, numel: numel as number, bytes: data };
    storages.set(key, storage);
    return storage;
  };

  const rebuildTensor = (args: unknown[]): TorchTensor => {
    if (args.length < 6 || args.length > 7) throw new TorchImportError(file, `_rebuild_tensor_v2 with ${args.length} arguments (expected 6 or 7)`);
    const [storage, offset, shape, stride] = args;
    if (typeof storage !== 'object' || storage === null || !('bytes' in storage))
      throw new TorchImportError(file, '_rebuild_tensor_v2: the first argument is not a storage');
    if (!Number.isSafeInteger(offset) || (offset as number) < 0)
      throw new TorchImportError(file, `_rebuild_tensor_v2: storage offset ${String(offset)} is not a non-negative integer`);
    if (!isIntList(shape) || !isIntList(stride) || shape.length !== stride.length) {
      throw new TorchImportError(
        file,
        `_rebuild_tensor_v2: size ${JSON.stringify(shape)} and stride ${JSON.stringify(stride)} must be equal-length lists of non-negative integers`,
      );
    }
    const s = storage as Storage;
    const t = new TorchTensor(s, offset as number, shape, stride);
    // The furthest element the view reaches must lie inside the storage (for any strides, contiguous or not).
    const last = t.numel === 0 ? -1 : shape.reduce((acc, size, d) => acc + (size - 1) * stride[d], offset as number);
    if (t.numel > 0 && last >= s.numel) {
      throw new TorchImportError(
        file,
        `tensor on storage '${s.key}': offset ${offset} with shape [${shape}] and stride [${stride}] reaches element ${last}, beyond the storage's ${s.numel} elements`,
      );
    }
    return t;
  };

  const globals = new Map<string, unknown>([
    [
      'collections.OrderedDict',
      new PyCallable('collections.OrderedDict', (args) => {
        if (args.length !== 0) throw new TorchImportError(file, 'collections.OrderedDict called with arguments (expected an empty call followed by SETITEMS)');
        return new PyDict();
      }),
    ],
    ['torch._utils._rebuild_tensor_v2', new PyCallable('torch._utils._rebuild_tensor_v2', rebuildTensor)],
    // nn.Parameter pickled directly (a state dict saved with keep_vars=True): (data, requires_grad, hooks).
    [
      'torch._utils._rebuild_parameter',
      new PyCallable('torch._utils._rebuild_parameter', (args) => {
        if (!(args[0] instanceof TorchTensor)) throw new TorchImportError(file, '_rebuild_parameter: the first argument is not a tensor');
        return args[0];
      }),
    ],
  ]);
  for (const [name, t] of Object.entries(STORAGE_TYPES)) globals.set(`torch.${name}`, new StorageType(name, t.dtype, t.bytes));

  const root = unpickle(entries.get(pickles[0])!, { globals, persistentLoad, file });
  return { root, archiveName };
}

/** Keys under which training scripts commonly wrap the state dict in a checkpoint dict, tried in this order. */
export const WRAPPER_KEYS = ['state_dict', 'model', 'model_state_dict', 'net', 'params'] as const;

function tensorDict(v: unknown): Map<string, TorchTensor> | undefined {
  if (!(v instanceof PyDict) || v.entries.size === 0) return undefined;
  const out = new Map<string, TorchTensor>();
  for (const [k, t] of v.entries) {
    if (typeof k !== 'string' || !(t instanceof TorchTensor)) return undefined;
    out.set(k, t);
  }
  return out;
}

/**
 * The state dict inside a torch file's root object: the root itself when it maps names to tensors (the official
 * code saves `model.state_dict()` directly), else the first of WRAPPER_KEYS that does. A `module.` prefix
 * (nn.DataParallel) is removed from every key, as the official `load_state_dict` does.
 */
export function findStateDict(root: unknown, file: string): { tensors: Map<string, TorchTensor>; wrapperKey?: string } {
  let tensors = tensorDict(root);
  let wrapperKey: string | undefined;
  if (!tensors && root instanceof PyDict) {
    for (const key of WRAPPER_KEYS) {
      tensors = tensorDict(root.entries.get(key));
      if (tensors) {
        wrapperKey = key;
        break;
      }
    }
  }
  if (!tensors) {
    const found =
      root instanceof PyDict
        ? `a dict with keys [${[...root.entries.keys()].slice(0, 10).join(', ')}]`
        : Array.isArray(root)
          ? 'a list or tuple'
          : `a ${typeof root}`;
    throw new TorchImportError(
      file,
      `expected a state dict (names → tensors) or a dict holding one under ${WRAPPER_KEYS.map((k) => `'${k}'`).join('/')}, found ${found}`,
    );
  }
  const out = new Map<string, TorchTensor>();
  for (const [k, t] of tensors) {
    const name = k.startsWith('module.') ? k.slice('module.'.length) : k;
    if (out.has(name)) throw new TorchImportError(file, `key '${name}' appears both with and without the 'module.' prefix`);
    out.set(name, t);
  }
  return { tensors: out, wrapperKey };
}
