/**
 * Activates a native TF.js backend ('tensorflow') from tfjs-node-gpu or tfjs-node. At most ONE package is ever
 * required per process: a failed require has already registered ~170 kernels, so a second one would only print
 * "already registered" warnings (environment.md, "Offline / wasm").
 */
import * as tf from '@tensorflow/tfjs';
import { NativeProbe } from './detect-native';

// `reason?: undefined` on the ok branch: tslab type-checks imported files WITHOUT strictNullChecks, where `!x.ok`
// does not narrow the union, so `x.reason` must exist on both branches for notebooks to import the backend.
export type NativeAttempt = { ok: true; pkg: string; reason?: undefined } | { ok: false; pkg: string; reason: string };

let attempt: NativeAttempt | undefined;

/** The one native require this process made, if any. */
export function nativeAttempt(): NativeAttempt | undefined {
  return attempt;
}

/** Requires the first probe with a binding file (once per process) and switches to 'tensorflow'. */
export async function activateNative(probes: NativeProbe[]): Promise<NativeAttempt | undefined> {
  if (!attempt) {
    const candidate = probes.find((p) => p.status === 'has-binding');
    if (!candidate) return undefined;
    attempt = loadNative(candidate);
  }
  if (!attempt.ok) return attempt;
  const switched = await tf.setBackend('tensorflow');
  if (!switched || tf.getBackend() !== 'tensorflow') {
    attempt = { ok: false, pkg: attempt.pkg, reason: `tf.setBackend('tensorflow') failed (active backend: ${tf.getBackend()})` };
  }
  return attempt;
}

function loadNative(probe: NativeProbe): NativeAttempt {
  try {
    require(probe.pkg);
  } catch (e) {
    return { ok: false, pkg: probe.pkg, reason: `require failed: ${(e as Error).message.split('\n')[0]}` };
  }
  // A package built against another @tensorflow/tfjs-core copy registers into that copy's engine, not ours.
  if (!tf.findBackendFactory('tensorflow')) {
    return { ok: false, pkg: probe.pkg, reason: `loaded, but registered its backend with a different @tensorflow/tfjs-core than ours (${tf.version_core})` };
  }
  return { ok: true, pkg: probe.pkg };
}
