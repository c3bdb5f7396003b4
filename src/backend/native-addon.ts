/**
 * The optional native addon (native/cpu-kernels, built by scripts/setup.sh when g++, Node's headers and Debian's
 * libdnnl-dev are present). It runs, for the wasm backend and on the wasm heap itself, Conv2D and both its
 * gradients on oneDNN, plus the conv bias gradient's sum and a max-pool gradient. Loading never throws: without
 * the addon the kit keeps the XNNPACK conv path and the JS kernels, and `reason` says why.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Env var: `0` leaves the addon unused even when it is built (XNNPACK convs; comparisons, bisecting). */
export const NATIVE_KERNELS_ENV_VAR = 'JASR_NATIVE_KERNELS';
/** Env var: oneDNN (OpenMP) threads per Node thread; default: the cores divided among the training replicas. */
export const NATIVE_THREADS_ENV_VAR = 'JASR_NATIVE_THREADS';

export const ADDON_PATH = path.resolve(__dirname, '..', '..', 'native', 'cpu-kernels', 'build', 'jasr_native.node');

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
  setThreads(n: number): void;
  info(): { version: string; threads: number; lastImpl: string; cachedPrimitives: number };
}

// `reason?: undefined`: tslab compiles this file for notebooks without strictNullChecks, where only it narrows the union.
export type AddonLoad = { ok: true; addon: NativeAddon; version: string; reason?: undefined } | { ok: false; reason: string };

let loaded: AddonLoad | undefined;

export function loadNativeAddon(env: NodeJS.ProcessEnv = process.env): AddonLoad {
  if (env[NATIVE_KERNELS_ENV_VAR] === '0') return { ok: false, reason: `disabled by ${NATIVE_KERNELS_ENV_VAR}=0` };
  if (loaded) return loaded;
  if (!fs.existsSync(ADDON_PATH)) {
    loaded = { ok: false, reason: `not built (${path.relative(process.cwd(), ADDON_PATH) || ADDON_PATH} missing: run bash native/cpu-kernels/build.sh; needs g++ and libdnnl-dev)` };
    return loaded;
  }
  try {
    // A compiled addon has no TypeScript types; NativeAddon above is its contract, checked by test/backend-native-conv.test.ts.
    const addon = require(ADDON_PATH) as NativeAddon;
    loaded = { ok: true, addon, version: addon.info().version };
  } catch (e) {
    loaded = { ok: false, reason: `failed to load ${ADDON_PATH}: ${(e as Error).message.split('\n')[0]}` };
  }
  return loaded;
}

/** Threads oneDNN may use in this Node thread: the env var, else the machine's cores divided among `replicas` (at least 1). */
export function nativeThreadsFor(replicas: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[NATIVE_THREADS_ENV_VAR]?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${NATIVE_THREADS_ENV_VAR}: expected a positive integer, got '${raw}'`);
    return n;
  }
  return Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, replicas)));
}
