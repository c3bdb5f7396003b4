/**
 * Identity, and Cast to the same dtype, for the wasm backend without copying: the output shares the input's
 * data (reference-counted), as wasm's own Reshape and the cpu backend's Identity already do. The built-in wasm
 * versions copy the whole tensor, and autodiff clones every tensor a custom-gradient op saves (each fused conv
 * saves its input and output) and every relu gradient casts a float32 mask to float32: 447 copies, 7 % of a
 * 16/2 training step (profile-step --detail Identity). Sharing is safe because no TF.js kernel writes into its
 * inputs; string tensors and real dtype changes run the built-in kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { WasmKernelOverride } from './wasm-kernel-override';

/** What sharing needs of the wasm backend (its class is not exported in a form we can type against). */
interface RefCountedBackend {
  incRef(dataId: tf.DataId): void;
}

function shared(args: Parameters<tf.KernelFunc>[0], dtype: tf.DataType): tf.TensorInfo {
  const x = args.inputs.x;
  if (x === undefined) throw new Error("wasm-shared-identity-kernels.ts: input 'x' is missing");
  (args.backend as unknown as RefCountedBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype };
}

const identity: tf.KernelFunc = (args) => {
  const x = args.inputs.x;
  return x !== undefined && x.dtype !== 'string' ? shared(args, x.dtype) : overrides[0].fallback(args);
};

const cast: tf.KernelFunc = (args) => {
  const x = args.inputs.x;
  const dtype = args.attrs?.dtype as tf.DataType | undefined;
  return x !== undefined && x.dtype !== 'string' && dtype === x.dtype ? shared(args, dtype) : overrides[1].fallback(args);
};

const overrides = [new WasmKernelOverride(tf.Identity, identity), new WasmKernelOverride(tf.Cast, cast)];

export function wasmSharedIdentityKernelsRegistered(): boolean {
  return overrides.every((o) => o.active);
}

/** Idempotent; keeps the built-in kernels (and their setup) for strings and real casts. */
export function registerWasmSharedIdentityKernels(): void {
  overrides.forEach((o) => o.register());
}

/** Puts the copying built-in kernels back (benchmarks compare against them). */
export function unregisterWasmSharedIdentityKernels(): void {
  overrides.forEach((o) => o.unregister());
}
