/**
 * Backend selection. PLACEHOLDER by the lead: the backend issue replaces this with the full
 * tfjs-node-gpu → tfjs-node → wasm → cpu chooser and the wasm conv-gradient kernels, keeping this signature.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendReport {
  backend: BackendName;
  simd: boolean | null;
  /** Why each faster backend was skipped. */
  skipped: { backend: string; reason: string }[];
}

let initialised: BackendReport | null = null;

export async function initBackend(opts: { force?: BackendName; quiet?: boolean } = {}): Promise<BackendReport> {
  if (initialised) return initialised;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  const want = opts.force ?? 'wasm';
  const ok = await tf.setBackend(want);
  await tf.ready();
  if (!ok || tf.getBackend() !== want) throw new Error(`backend ${want} failed to initialise`);
  initialised = { backend: want, simd: want === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null, skipped: [] };
  return initialised;
}
