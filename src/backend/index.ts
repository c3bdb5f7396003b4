/**
 * The backend layer's public face: `initBackend` makes the fastest working TF.js backend active (or the forced
 * one) and says why each faster one was skipped. On wasm it also registers the conv-gradient kernels that make
 * training possible there (./wasm-conv-grad-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, BackendName, Selection, selectFastest, selectForced } from './select';
import { wasmConvGradKernelsRegistered } from './wasm-conv-grad-kernels';
import type { NativeConvStatus } from './wasm';
import { wasmNativeConvKernelsRegistered } from './wasm-native-conv-kernels';
import { KnownError } from '../core/errors';

export { BACKEND_NAMES, BackendName, SkippedBackend } from './select';
export { NativeProbe, probeNativePackages } from './detect-native';
export { registerWasmConvGradKernels, unregisterWasmConvGradKernels, wasmConvGradKernelsRegistered } from './wasm-conv-grad-kernels';
export { conv2dFilterGrad, conv2dInputGrad } from './conv-grads-as-forward';
export { NativeConvStatus, activateNativeKernels } from './wasm';
export { registerWasmNativeConvKernels, unregisterWasmNativeConvKernels, wasmNativeConvKernelsRegistered } from './wasm-native-conv-kernels';
export { NATIVE_KERNELS_ENV_VAR, NATIVE_THREADS_ENV_VAR, loadNativeAddon } from './native-addon';

export const BACKEND_ENV_VAR = 'JASR_BACKEND';

/** The selection (./select.ts) and what initBackend adds to it. */
export interface BackendReport extends Selection {
  /** Set when the choice was forced, by the `force` option or by JASR_BACKEND. */
  forced: { backend: BackendName; by: 'option' | typeof BACKEND_ENV_VAR } | null;
  /** wasm only: conv-gradient kernels are registered (oneDNN or XNNPACK ones): training convs works. */
  wasmConvGradKernels: boolean;
  /** The one line printed unless quiet, e.g. `backend: wasm (SIMD) — skipped tfjs-node-gpu: not installed; …`. */
  summary: string;
}

export interface InitBackendOptions {
  /** Use exactly this backend (wins over JASR_BACKEND); an Error if it cannot load. */
  force?: BackendName;
  /** Do not print the summary line. */
  quiet?: boolean;
}

/** JASR_BACKEND as a backend name; unset or empty means "choose". */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendName | undefined {
  const raw = env[BACKEND_ENV_VAR]?.trim();
  if (!raw) return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new KnownError(`${BACKEND_ENV_VAR}: expected one of ${BACKEND_NAMES.join(', ')}, got '${raw}'`);
  }
  return raw as BackendName;
}

function convSummary(c: NativeConvStatus | null): string {
  if (c === null) return 'XNNPACK convs';
  return c.active ? `convs on ${c.library}, ${c.threads} thread${c.threads === 1 ? '' : 's'}` : `XNNPACK convs; oneDNN addon ${c.reason}`;
}

export function formatSummary(r: Omit<BackendReport, 'summary'>): string {
  const what =
    r.backend === 'wasm'
      ? `wasm (${r.simd ? 'SIMD' : 'no SIMD'}; ${convSummary(r.nativeConv)})`
      : r.backend === 'tensorflow'
        ? `tensorflow (${r.provider === 'tfjs-node-gpu' ? 'GPU' : 'CPU'})`
        : r.backend;
  const forced = r.forced ? ` [forced by ${r.forced.by === 'option' ? 'caller' : `${BACKEND_ENV_VAR}=${r.forced.backend}`}]` : '';
  const skipped = r.skipped.length ? ` — skipped ${r.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}` : '';
  return `backend: ${what}${forced}${skipped}`;
}

let last: { key: string; report: BackendReport } | undefined;

/**
 * Makes the chosen backend active and returns why. Cheap to call again: the same request on an unchanged
 * backend returns the previous report without printing; a different request (e.g. a test forcing cpu, then
 * calling again without force) re-selects.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendReport> {
  const fromEnv = backendFromEnv();
  const forcedName = opts.force ?? fromEnv;
  const forced: BackendReport['forced'] = forcedName ? { backend: forcedName, by: opts.force ? 'option' : BACKEND_ENV_VAR } : null;
  const key = forced ? `${forced.by}:${forced.backend}` : 'fastest';
  if (last && last.key === key && tf.getBackend() === last.report.backend) return last.report;

  const selection = forced
    ? await selectForced(forced.backend, forced.by === 'option' ? 'initBackend({force})' : `${BACKEND_ENV_VAR}=${forced.backend}`)
    : await selectFastest();
  const partial = {
    ...selection,
    forced,
    wasmConvGradKernels: selection.backend === 'wasm' && (wasmNativeConvKernelsRegistered() || wasmConvGradKernelsRegistered()),
  };
  const report: BackendReport = { ...partial, summary: formatSummary(partial) };
  last = { key, report };
  // stderr, so that `--json` commands keep a clean stdout.
  if (!opts.quiet) console.error(report.summary);
  return report;
}
