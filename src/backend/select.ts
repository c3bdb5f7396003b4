/**
 * Picks the fastest backend that really works: native tfjs-node-gpu / tfjs-node → wasm (SIMD) → cpu, or exactly
 * the forced one. Each faster candidate that was passed over gets a reason, for the one-line summary and `jasr doctor`.
 */
import * as tf from '@tensorflow/tfjs';
import { NativeProbe, probeNativePackages } from './detect-native';
import { NativeAttempt, activateNative } from './native';
import { NativeConvStatus, activateWasm } from './wasm';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface SkippedBackend {
  /** Package-level label: 'tfjs-node-gpu', 'tfjs-node', 'wasm' or 'cpu'. */
  backend: string;
  reason: string;
}

export interface Selection {
  backend: BackendName;
  /** Which package provides it: 'tfjs-node-gpu', 'tfjs-node', 'wasm' or 'cpu'. */
  provider: string;
  /** wasm only: SIMD in use; null on other backends. */
  simd: boolean | null;
  /** wasm only: multi-threaded (never in Node); null on other backends. */
  threads: boolean | null;
  /** wasm only: convolutions on the oneDNN addon (library, threads) or why they stay on XNNPACK; null elsewhere. */
  nativeConv: NativeConvStatus | null;
  /** Why each faster backend was skipped. */
  skipped: SkippedBackend[];
  /** What was found for each native package (found without requiring it). */
  native: NativeProbe[];
}

const label = (pkg: string): string => pkg.replace('@tensorflow/', '');

/** Why each native package was not used, given the probes and the (single) require attempt. */
function nativeReasons(probes: NativeProbe[], attempt: NativeAttempt | undefined, chosenPkg?: string): SkippedBackend[] {
  return probes
    .filter((p) => p.pkg !== chosenPkg)
    .map((p) => {
      if (attempt && attempt.pkg === p.pkg && !attempt.ok) return { backend: label(p.pkg), reason: attempt.reason };
      if (p.status === 'has-binding' && attempt && attempt.pkg !== p.pkg) {
        return { backend: label(p.pkg), reason: `not tried: only one native require per process (${label(attempt.pkg)} was tried)` };
      }
      return { backend: label(p.pkg), reason: p.detail };
    });
}

export async function selectFastest(): Promise<Selection> {
  const native = probeNativePackages();
  const attempt = await activateNative(native);
  if (attempt?.ok) {
    return {
      backend: 'tensorflow',
      provider: label(attempt.pkg),
      simd: null,
      threads: null,
      nativeConv: null,
      skipped: nativeReasons(native, attempt, attempt.pkg),
      native,
    };
  }
  const skipped = nativeReasons(native, attempt);
  const wasm = await activateWasm();
  if (wasm.ok) return { backend: 'wasm', provider: 'wasm', simd: wasm.simd, threads: wasm.threads, nativeConv: wasm.nativeConv, skipped, native };
  skipped.push({ backend: 'wasm', reason: wasm.reason });
  await activateCpu();
  return { backend: 'cpu', provider: 'cpu', simd: null, threads: null, nativeConv: null, skipped, native };
}

/** Exactly `backend`, or an Error saying why it cannot load. */
export async function selectForced(backend: BackendName, forcedBy: string): Promise<Selection> {
  const native = probeNativePackages();
  const notTried = (names: string[]): SkippedBackend[] => names.map((b) => ({ backend: b, reason: `not tried: ${forcedBy} forces ${backend}` }));
  if (backend === 'tensorflow') {
    const attempt = await activateNative(native);
    if (!attempt?.ok) {
      const why = nativeReasons(native, attempt)
        .map((s) => `${s.backend}: ${s.reason}`)
        .join('; ');
      throw new Error(`${forcedBy} forces backend 'tensorflow', but no native TF.js backend loads here — ${why}`);
    }
    return { backend, provider: label(attempt.pkg), simd: null, threads: null, nativeConv: null, skipped: [], native };
  }
  const fasterNative = notTried(native.map((p) => label(p.pkg)));
  if (backend === 'wasm') {
    const wasm = await activateWasm();
    if (!wasm.ok) throw new Error(`${forcedBy} forces backend 'wasm', but it does not load: ${wasm.reason}`);
    return { backend, provider: 'wasm', simd: wasm.simd, threads: wasm.threads, nativeConv: wasm.nativeConv, skipped: fasterNative, native };
  }
  await activateCpu();
  return { backend, provider: 'cpu', simd: null, threads: null, nativeConv: null, skipped: [...fasterNative, ...notTried(['wasm'])], native };
}

async function activateCpu(): Promise<void> {
  const switched = await tf.setBackend('cpu');
  if (!switched || tf.getBackend() !== 'cpu') throw new Error(`tf.setBackend('cpu') failed (active backend: ${tf.getBackend()})`);
}
