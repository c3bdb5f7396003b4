/**
 * The optional oneDNN addon (native/dnnl-conv, built by scripts/setup.sh when g++, Node's headers and Debian's
 * libdnnl-dev are present). It runs Conv2D and both its gradients for the wasm backend on the wasm heap itself.
 * Loading never throws: without the addon the kit keeps the XNNPACK conv path and `reason` says why.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Env var: `0` keeps the XNNPACK convs even when the addon is built (comparisons, bisecting). */
export const NATIVE_CONV_ENV_VAR = 'JASR_NATIVE_CONV';
/** Env var: oneDNN (OpenMP) threads per Node thread; default: the cores divided among the training replicas. */
export const NATIVE_THREADS_ENV_VAR = 'JASR_NATIVE_THREADS';

export const ADDON_PATH = path.resolve(__dirname, '..', '..', 'native', 'dnnl-conv', 'build', 'jasr_dnnl.node');

/** [n, ih, iw, ic, oc, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, relu] */
export type ConvGeometryArray = Int32Array;

export interface DnnlAddon {
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, geometry: ConvGeometryArray): void;
  conv2dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: ConvGeometryArray): void;
  conv2dBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: ConvGeometryArray): void;
  setThreads(n: number): void;
  info(): { version: string; threads: number; lastImpl: string; cachedPrimitives: number };
}

// `reason?: undefined`: tslab compiles this file for notebooks without strictNullChecks, where only it narrows the union.
export type AddonLoad = { ok: true; addon: DnnlAddon; version: string; reason?: undefined } | { ok: false; reason: string };

let loaded: AddonLoad | undefined;

export function loadDnnlAddon(env: NodeJS.ProcessEnv = process.env): AddonLoad {
  if (env[NATIVE_CONV_ENV_VAR] === '0') return { ok: false, reason: `disabled by ${NATIVE_CONV_ENV_VAR}=0` };
  if (loaded) return loaded;
  if (!fs.existsSync(ADDON_PATH)) {
    loaded = { ok: false, reason: `not built (${path.relative(process.cwd(), ADDON_PATH) || ADDON_PATH} missing: run bash native/dnnl-conv/build.sh; needs g++ and libdnnl-dev)` };
    return loaded;
  }
  try {
    // A compiled addon has no TypeScript types; DnnlAddon above is its contract, checked by test/native-conv.test.ts.
    const addon = require(ADDON_PATH) as DnnlAddon;
    loaded = { ok: true, addon, version: addon.info().version };
  } catch (e) {
    loaded = { ok: false, reason: `failed to load ${ADDON_PATH}: ${(e as Error).message.split('\n')[0]}` };
  }
  return loaded;
}

/** Threads oneDNN may use in this Node thread: the env var, else `share` of the machine's cores (at least 1). */
export function nativeThreadsFor(replicas: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[NATIVE_THREADS_ENV_VAR]?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${NATIVE_THREADS_ENV_VAR}: expected a positive integer, got '${raw}'`);
    return n;
  }
  return Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, replicas)));
}
