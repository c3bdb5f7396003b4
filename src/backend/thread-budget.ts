/**
 * The backend's answer to "how many replicas, and how many threads each": the trainer's data-parallel engine
 * (src/engine/parallel/) asks these questions without knowing which library runs the kernels. The facts here:
 * the native addon's oneDNN convolutions already use every core from one thread (a second replica measured no
 * faster, 44.5 vs 45.5 img/s at features 16 / blocks 2 / batch 8, and slower for large models, 0.64 vs 1.06 img/s
 * at 128/32 batch 2, since it syncs all weights per step: bench/RESULTS.md); the native TensorFlow backend uses
 * every core itself; and replicas on wasm must split oneDNN's OpenMP threads, not each take all of them.
 */
import * as tf from '@tensorflow/tfjs';
import { availableCores } from './available-cores';
import type { BackendName } from './select';
import { NATIVE_THREADS_ENV_VAR, nativeThreadsFor } from './native-addon';
import { activateNativeKernels } from './wasm';
import { wasmNativeConvKernelsRegistered } from './wasm-native-conv-kernels';

/** Cores this process may use: its CPU affinity capped by the cgroup CPU quota (./available-cores.ts), at least 1. */
export function coreCount(): number {
  return availableCores();
}

/** The running backend when a worker thread can start it too, else null. */
export function replicableBackend(): BackendName | null {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu' || b === 'tensorflow' ? b : null;
}

/**
 * For an automatic replica count: the count the running backend wants regardless of cores, with why, or null
 * when one replica per core is right.
 */
export function preferredReplicas(env: NodeJS.ProcessEnv = process.env): { replicas: number; reason: string } | null {
  if (tf.getBackend() !== 'wasm' || !wasmNativeConvKernelsRegistered()) return null;
  // What one replica's oneDNN really gets: JASR_NATIVE_THREADS may give it fewer threads than there are cores.
  const cores = coreCount();
  const threads = nativeThreadsFor(1, env);
  const use = threads >= cores ? `all ${cores} cores` : `${threads} of ${cores} cores (${NATIVE_THREADS_ENV_VAR}=${threads})`;
  return { replicas: 1, reason: `convs on oneDNN use ${use}` };
}

/** Why several replicas would gain nothing on this backend (it parallelises each op itself), or null. */
export function replicasPointless(backend: BackendName): string | null {
  return backend === 'tensorflow' ? 'the native TensorFlow backend already uses every core' : null;
}

/**
 * Gives this thread its share of the cores when `replicas` threads compute at once (1: all of them again).
 * Each replica calls it, the main thread included, so they share the cores instead of oversubscribing them.
 */
export function shareCores(backend: BackendName, replicas: number): void {
  if (backend === 'wasm') activateNativeKernels(replicas);
}
