/**
 * One Adam update of one parameter as a single wasm kernel on the native addon's OpenMP threads
 * (native/cpu-kernels/elementwise.cc adamStep): src/engine/optimizer.ts's eleven TF.js ops per parameter, each a
 * pass over the parameter on one wasm thread, become one pass on every core. Measured before it: 22 ms per step
 * for the CPU-sized model's 217,810 parameters (mostly per-op overhead), 200 ms for the released 19.9 M, 510 ms
 * for the paper-era 59.8 M. The same float32 operations in the same order, so the update is bit-identical to the
 * op path (test/backend-native-elementwise.test.ts), which the optimizer keeps for every other backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native-addon';
import type { WasmHeapBackend } from './wasm-kernel-override';

export const ADAM_STEP_KERNEL = 'JasrAdamStep';
const WASM = 'wasm';

/** What one update needs besides the tensors, as the optimizer computes it in float64 (rounded to float32 here, as TF.js rounds a number it multiplies a tensor by). */
export interface AdamStepScalars {
  beta1: number;
  beta2: number;
  epsilon: number;
  sqrtBc2: number;
  stepSize: number;
  weightDecay: number;
  /** 1 − lr·wd: the decoupled (AdamW) shrink factor. */
  decoupledScale: number;
  coupled: boolean;
  decoupled: boolean;
  epsilonBeforeBiasCorrection: boolean;
}

let addon: NativeAddon | undefined;

const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { p, g, m, v } = inputs;
  const s = (attrs ?? {}) as unknown as AdamStepScalars;
  if (!addon) throw new Error(`${ADAM_STEP_KERNEL}: the native addon is not loaded`);
  if (!p || !g || !m || !v) throw new Error(`${ADAM_STEP_KERNEL}: needs inputs p, g, m and v`);
  const heap = backend as unknown as WasmHeapBackend;
  const outs = [p, m, v].map((t) => heap.makeOutput(t.shape, 'float32'));
  // Views are taken after every makeOutput: allocating may grow (and so detach) the wasm heap.
  const [pOut, mOut, vOut] = outs.map((t) => heap.typedArrayFromHeap(t));
  addon.adamStep(
    heap.typedArrayFromHeap(p),
    heap.typedArrayFromHeap(g),
    heap.typedArrayFromHeap(m),
    heap.typedArrayFromHeap(v),
    pOut,
    mOut,
    vOut,
    Float32Array.from([s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.epsilon, s.sqrtBc2, s.stepSize, s.weightDecay, s.decoupledScale]),
    Int32Array.from([s.coupled ? 1 : 0, s.decoupled ? 1 : 0, s.epsilonBeforeBiasCorrection ? 1 : 0]),
  );
  return outs;
};

/** Idempotent. */
export function registerWasmNativeAdamKernel(native: NativeAddon): void {
  addon = native;
  if (tf.getKernel(ADAM_STEP_KERNEL, WASM) === undefined) tf.registerKernel({ kernelName: ADAM_STEP_KERNEL, backendName: WASM, kernelFunc });
}

/** Without the addon (and for tests comparing the two paths): the optimizer goes back to its TF.js ops. */
export function unregisterWasmNativeAdamKernel(): void {
  if (tf.getKernel(ADAM_STEP_KERNEL, WASM) !== undefined) tf.unregisterKernel(ADAM_STEP_KERNEL, WASM);
}

/**
 * [θ, m, v] after one update, from the fused kernel; undefined where the active backend has none (or a tensor is
 * not float32), and the caller runs the op sequence instead.
 */
export function fusedAdamStep(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, scalars: AdamStepScalars): [tf.Tensor, tf.Tensor, tf.Tensor] | undefined {
  if (tf.getKernel(ADAM_STEP_KERNEL, tf.getBackend()) === undefined) return undefined;
  if (![p, g, m, v].every((t) => t.dtype === 'float32') || !tf.util.arraysEqual(p.shape, g.shape)) return undefined;
  const out = tf.engine().runKernel(ADAM_STEP_KERNEL, { p, g, m, v }, scalars as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return [out[0], out[1], out[2]];
}
