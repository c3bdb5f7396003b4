/**
 * The optional native addon (native/cpu-kernels, built by scripts/setup.sh when g++, Node's headers and Debian's
 * libdnnl-dev are present). It runs, for the wasm backend and on the wasm heap itself, Conv2D and both its
 * gradients on oneDNN, plus the conv bias gradient's sum, a max-pool gradient, elementwise Add/Multiply/Relu/Step
 * and a fused Adam update on every core. Loading never throws: without
 * the addon the kit keeps the XNNPACK conv path and the JS kernels, and `reason` says why.
 *
 * A truncated or foreign .node file makes `require` (dlopen) die with SIGBUS or SIGSEGV, taking every command
 * down, `jasr doctor` included. So the file is validated before it is loaded (validateAddonFile): its size, its
 * ELF header (magic, 64-bit little-endian, a shared object for this CPU, header tables inside the file) and the
 * SHA-256 that native/cpu-kernels/build.sh writes beside it (`jasr_native.node.sha256`) after a successful
 * build. Any mismatch is a fallback to XNNPACK with the reason, like a missing addon.
 *
 * Env vars:
 * - JASR_NATIVE_KERNELS=0: leave the addon unused even when it is built (XNNPACK convs; comparisons, bisecting).
 * - JASR_NATIVE_THREADS=N: oneDNN (OpenMP) threads per Node thread.
 * - JASR_NATIVE_ELEMENTWISE=0: keep wasm's own Add/Multiply/Relu/Step and Adam's TF.js ops (same bits; for
 *   benchmarks measuring what the native ones save, and bisecting).
 * - JASR_CONV_LAYOUT=auto|nhwc|blocked: the layout oneDNN computes conv activations in (native/cpu-kernels/conv-layout.h;
 *   default auto: blocked on CPUs without AVX-512 for the large convs, NHWC elsewhere). For benchmarks and bisecting.
 * - JASR_NATIVE_ADDON_PATH=/path/to/file.node: load this file instead of native/cpu-kernels/build/jasr_native.node
 *   (its checksum is read from `<file>.sha256`); for tests of the validator and for addons built elsewhere.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { availableCores } from './available-cores';
import { applyBusyMachineWaitPolicy } from './omp-wait';

/** Env var: `0` leaves the addon unused even when it is built (XNNPACK convs; comparisons, bisecting). */
export const NATIVE_KERNELS_ENV_VAR = 'JASR_NATIVE_KERNELS';
/** Env var: oneDNN (OpenMP) threads per Node thread; default: the cores divided among the training replicas. */
export const NATIVE_THREADS_ENV_VAR = 'JASR_NATIVE_THREADS';

/** Env var: `0` keeps wasm's Add/Multiply/Relu/Step and Adam's op sequence (the native ones give the same bits). */
export const NATIVE_ELEMENTWISE_ENV_VAR = 'JASR_NATIVE_ELEMENTWISE';

/** Env var: `auto` (default), `nhwc` or `blocked`: the layout oneDNN computes conv activations in (conv-layout.h). */
export const CONV_LAYOUT_ENV_VAR = 'JASR_CONV_LAYOUT';
export const CONV_LAYOUT_MODES = ['auto', 'nhwc', 'blocked'] as const;
export type ConvLayoutMode = (typeof CONV_LAYOUT_MODES)[number];

/** Env var: the addon file to load instead of ADDON_PATH (its checksum is `<file>.sha256`). */
export const NATIVE_ADDON_PATH_ENV_VAR = 'JASR_NATIVE_ADDON_PATH';

export const ADDON_PATH = path.resolve(__dirname, '..', '..', 'native', 'cpu-kernels', 'build', 'jasr_native.node');
/** Suffix of the checksum file build.sh writes beside the addon: `<sha256 hex>  jasr_native.node` (sha256sum's format). */
export const CHECKSUM_SUFFIX = '.sha256';
/** An ELF64 header is 64 bytes; the real addon is ~160 KB. Anything above this cap is not ours (and is not hashed). */
export const ADDON_MAX_BYTES = 256 * 1024 * 1024;

/** [n, ih, iw, ic, oc, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, relu] */
export type ConvGeometryArray = Int32Array;

export interface NativeAddon {
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, geometry: ConvGeometryArray): void;
  conv2dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: ConvGeometryArray): void;
  conv2dBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: ConvGeometryArray): void;
  /** out[j] = Σ_i x[i·inner + j] (float64 accumulation); dims = [outer, inner]. */
  sumRows(x: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** Non-overlapping max-pool gradient; dims = [batch, inHeight, inWidth, channels, poolHeight, poolWidth]. */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, dims: Int32Array): void;
  /** op 0 add, 1 multiply: out = a op b, a and out [outer, mid, inner], b [outer, inner] repeated over mid. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** TF.js's Relu: x < 0 ? 0 : x. */
  relu(x: Float32Array, out: Float32Array): void;
  /** TF.js's Step: NaN stays NaN, x > 0 gives 1, else alpha. */
  step(x: Float32Array, out: Float32Array, alpha: number): void;
  /**
   * One Adam update of one parameter, the op sequence of src/engine/optimizer.ts in float32;
   * constants = [β1, 1−β1, β2, 1−β2, ε, √bc2, stepSize, wd, 1−lr·wd], flags = [coupled, decoupled, ε before bias correction].
   */
  adamStep(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    pOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    constants: Float32Array,
    flags: Int32Array,
  ): void;
  setThreads(n: number): void;
  /** For the whole process: 0 auto (native/cpu-kernels/conv-layout.h's rule), 1 NHWC, 2 blocked. */
  setConvLayout(mode: number): void;
  /** isa: oneDNN's effective CPU ISA (e.g. avx2, avx512_core); layoutMode: what setConvLayout last set. */
  info(): { version: string; threads: number; lastImpl: string; cachedPrimitives: number; isa: string; layoutMode: number };
}

/** Every function of the contract above: loadFile refuses an addon that lacks one. */
const ADDON_FUNCTIONS: readonly (keyof NativeAddon)[] = [
  'conv2d',
  'conv2dBackwardData',
  'conv2dBackwardWeights',
  'sumRows',
  'maxPoolGrad',
  'binary',
  'relu',
  'step',
  'adamStep',
  'setThreads',
  'setConvLayout',
  'info',
];

// `reason?: undefined`: tslab compiles this file for notebooks without strictNullChecks, where only it narrows the union.
export type AddonLoad = { ok: true; addon: NativeAddon; version: string; reason?: undefined } | { ok: false; reason: string };

const ELF_MACHINE: Partial<Record<NodeJS.Architecture, { code: number; name: string }>> = {
  x64: { code: 62, name: 'x86-64' },
  arm64: { code: 183, name: 'AArch64' },
};
const ELF64_HEADER_BYTES = 64;
const ET_DYN = 3;

// `reason?: undefined`: tslab compiles this file for notebooks without strictNullChecks, where only it narrows the union.
export type AddonCheck = { ok: true; reason?: undefined } | { ok: false; reason: string };

/** Reads the ELF64 header fields the loader relies on; null reasons mean "fine". Pure: header bytes and file size in. */
export function checkElfHeader(header: Uint8Array, fileBytes: number, arch: NodeJS.Architecture = process.arch): string | null {
  if (header.byteLength < ELF64_HEADER_BYTES) return `expected an ELF header of ${ELF64_HEADER_BYTES} bytes, found a ${fileBytes}-byte file`;
  if (header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) {
    const found = Array.from(header.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `not an ELF file (expected magic 7f 45 4c 46, found ${found})`;
  }
  if (header[4] !== 2) return `expected a 64-bit ELF (class 2), found class ${header[4]}`;
  if (header[5] !== 1) return `expected a little-endian ELF (data 1), found data ${header[5]}`;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const type = view.getUint16(16, true);
  if (type !== ET_DYN) return `expected an ELF shared object (type ${ET_DYN}), found type ${type}`;
  const machine = view.getUint16(18, true);
  const wanted = ELF_MACHINE[arch];
  if (!wanted) return `no native addon for this CPU architecture (${arch})`;
  if (machine !== wanted.code) return `expected an ELF for ${wanted.name} (machine ${wanted.code}), found machine ${machine}`;
  // Program headers (what dlopen maps) and section headers must lie inside the file: a truncated copy fails here
  // even before its checksum is compared.
  const tableEnd = (offset: bigint, count: number, entry: number): bigint => offset + BigInt(count) * BigInt(entry);
  const phEnd = tableEnd(view.getBigUint64(32, true), view.getUint16(56, true), view.getUint16(54, true));
  const shEnd = tableEnd(view.getBigUint64(40, true), view.getUint16(60, true), view.getUint16(58, true));
  const end = phEnd > shEnd ? phEnd : shEnd;
  if (end > BigInt(fileBytes)) return `truncated: its ELF header tables end at byte ${end}, the file has ${fileBytes} bytes`;
  return null;
}

/** Reads `<addon>.sha256` (sha256sum's format; only the first field counts). Returns the hex digest or a reason. */
function readChecksum(checksumFile: string): { hex: string } | { reason: string } {
  let text: string;
  try {
    text = fs.readFileSync(checksumFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      reason: `${checksumFile}: ${code === 'ENOENT' ? 'missing' : `unreadable (${code ?? (e as Error).message})`} (written by bash native/cpu-kernels/build.sh after a successful build; rerun it)`,
    };
  }
  const hex = text.trim().split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{64}$/.test(hex)) return { reason: `${checksumFile}: expected a SHA-256 in hex (64 characters), found '${hex.slice(0, 70)}'` };
  return { hex };
}

/**
 * Is `file` an addon this process can load without crashing? Checks, in order, that it is a regular file of a sane
 * size, has an ELF64 shared-object header for this CPU whose tables lie inside the file, and that its SHA-256
 * equals the one in `checksumFile`. Never throws and never loads the file.
 */
export function validateAddonFile(file: string, checksumFile: string = file + CHECKSUM_SUFFIX): AddonCheck {
  const bad = (problem: string): AddonCheck => ({ ok: false, reason: `${file}: ${problem}` });
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return bad('expected a regular file');
    if (stat.size > ADDON_MAX_BYTES) return bad(`expected at most ${ADDON_MAX_BYTES} bytes, found ${stat.size}`);
    const header = new Uint8Array(Math.min(ELF64_HEADER_BYTES, stat.size));
    fs.readSync(fd, header, 0, header.byteLength, 0);
    const elfProblem = checkElfHeader(header, stat.size);
    if (elfProblem) return bad(elfProblem);
    const sum = readChecksum(checksumFile);
    if ('reason' in sum) return { ok: false, reason: sum.reason };
    const bytes = fs.readFileSync(fd);
    if (bytes.byteLength !== stat.size) return bad(`changed while being read (${stat.size} bytes, then ${bytes.byteLength})`);
    const actual = crypto.createHash('sha256').update(bytes).digest('hex');
    if (actual !== sum.hex)
      return bad(
        `SHA-256 ${actual.slice(0, 12)}… differs from ${sum.hex.slice(0, 12)}… recorded in ${checksumFile} (a partial copy or another build: rerun bash native/cpu-kernels/build.sh)`,
      );
    return { ok: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return bad(`unreadable (${err.code ?? err.message.split('\n')[0]})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The addon file this process loads: JASR_NATIVE_ADDON_PATH when set, else the build output. */
export function addonPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[NATIVE_ADDON_PATH_ENV_VAR]?.trim();
  return override ? path.resolve(override) : ADDON_PATH;
}

// One result per file: an addon once loaded cannot be unloaded, and Node caches `require` by path anyway.
const loaded = new Map<string, AddonLoad>();

export function loadNativeAddon(env: NodeJS.ProcessEnv = process.env): AddonLoad {
  if (env[NATIVE_KERNELS_ENV_VAR] === '0') return { ok: false, reason: `disabled by ${NATIVE_KERNELS_ENV_VAR}=0` };
  const file = addonPath(env);
  const cached = loaded.get(file);
  if (cached) return cached;
  const result = loadFile(file, env);
  loaded.set(file, result);
  return result;
}

function loadFile(file: string, env: NodeJS.ProcessEnv): AddonLoad {
  const shown = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file)) {
    return env[NATIVE_ADDON_PATH_ENV_VAR]?.trim()
      ? { ok: false, reason: `${shown} missing (named by ${NATIVE_ADDON_PATH_ENV_VAR})` }
      : { ok: false, reason: `not built (${shown} missing: run bash native/cpu-kernels/build.sh; needs g++ and libdnnl-dev)` };
  }
  const check = validateAddonFile(file);
  if (!check.ok) return { ok: false, reason: `refused: ${check.reason}` };
  try {
    // A compiled addon has no TypeScript types; NativeAddon above is its contract, checked by test/backend-native-conv.test.ts.
    // Before libgomp loads with the addon: it reads its wait policy once (./omp-wait.ts).
    applyBusyMachineWaitPolicy(os.loadavg()[0], availableCores());
    const addon = require(file) as NativeAddon;
    // A build from older sources (e.g. after a git pull without rebuilding) lacks newer functions: fall back with
    // the reason instead of failing later with "is not a function".
    const missing = ADDON_FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
    if (missing.length > 0)
      return { ok: false, reason: `${shown} lacks ${missing.join(', ')} (built from older sources: rerun bash native/cpu-kernels/build.sh)` };
    return { ok: true, addon, version: addon.info().version };
  } catch (e) {
    return { ok: false, reason: `failed to load ${file}: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Threads oneDNN may use in this Node thread: the env var, else the available cores (affinity, cgroup quota) divided among `replicas` (at least 1). */
export function nativeThreadsFor(replicas: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[NATIVE_THREADS_ENV_VAR]?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${NATIVE_THREADS_ENV_VAR}: expected a positive integer, got '${raw}'`);
    return n;
  }
  return Math.max(1, Math.floor(availableCores() / Math.max(1, replicas)));
}

/** The conv layout mode JASR_CONV_LAYOUT asks for (default auto); a bad value is an error naming the variable. */
export function convLayoutFor(env: NodeJS.ProcessEnv = process.env): ConvLayoutMode {
  const raw = env[CONV_LAYOUT_ENV_VAR]?.trim().toLowerCase();
  if (!raw) return 'auto';
  const mode = CONV_LAYOUT_MODES.find((m) => m === raw);
  if (mode === undefined) throw new Error(`${CONV_LAYOUT_ENV_VAR}: expected one of ${CONV_LAYOUT_MODES.join(', ')}, got '${raw}'`);
  return mode;
}

/** The addon's setConvLayout argument for `mode`. */
export function convLayoutCode(mode: ConvLayoutMode): number {
  return CONV_LAYOUT_MODES.indexOf(mode);
}
