/**
 * Accurate totals on wasm: the built-in Sum and Mean add a whole float32 tensor in float32 with one running
 * accumulator, so a loss scalar over B×128×128×3 values drifts by ~1e-4 relative from its float64 value
 * (docs/model.md, "Loss value precision"). For a reduction over every axis of a float32 tensor these kernels add in
 * float64 (four interleaved accumulators) and round once; any other reduction runs the kernel they replaced.
 * Gradients are untouched: neither op's gradient reads the forward value. Cost: one float64 pass over the input,
 * ~1 ns per element (the loss scalars and gradient norms of a step).
 */
import * as tf from '@tensorflow/tfjs';
import { WasmHeapBackend, WasmKernelOverride } from './wasm-kernel-override';

/** Σ values in float64 (the float32 inputs are exact in float64, so only the additions round, at 2⁻⁵³). */
export function sumFloat64(values: Float32Array): number {
  let a = 0,
    b = 0,
    c = 0,
    d = 0;
  const n = values.length;
  const whole = n - (n % 4);
  for (let i = 0; i < whole; i += 4) {
    a += values[i];
    b += values[i + 1];
    c += values[i + 2];
    d += values[i + 3];
  }
  for (let i = whole; i < n; i++) a += values[i];
  return a + b + (c + d);
}

/** True when `axis` names every axis of a tensor of rank `rank` (≥ 1), each once. */
export function namesEveryAxis(axis: number | number[] | null | undefined, rank: number): boolean {
  if (rank === 0) return false;
  if (axis === null || axis === undefined) return true;
  const axes = tf.util.parseAxisParam(axis, new Array<number>(rank).fill(1));
  return new Set(axes).size === rank;
}

/** The float64 total of `x` when the call reduces every axis of a float32 tensor, else undefined. */
export function fullFloat64Total(args: Parameters<tf.KernelFunc>[0]): { total: number; count: number; outShape: number[] } | undefined {
  const x = args.inputs.x;
  const attrs = args.attrs ?? {};
  if (x === undefined || x.dtype !== 'float32' || !namesEveryAxis(attrs.axis as number | number[] | undefined, x.shape.length)) return undefined;
  const heap = args.backend as unknown as WasmHeapBackend;
  const total = sumFloat64(heap.typedArrayFromHeap(x));
  return { total, count: tf.util.sizeFromShape(x.shape), outShape: attrs.keepDims ? new Array<number>(x.shape.length).fill(1) : [] };
}

/** Writes one float32 value as the kernel's output (the heap view is taken after makeOutput, which may grow it). */
export function scalarOutput(backend: unknown, shape: number[], value: number): tf.TensorInfo {
  const heap = backend as WasmHeapBackend;
  const out = heap.makeOutput(shape, 'float32');
  heap.typedArrayFromHeap(out)[0] = value;
  return out;
}

const meanKernel: tf.KernelFunc = (args) => {
  const full = fullFloat64Total(args);
  if (!full || full.count === 0) return meanOverride.fallback(args);
  return scalarOutput(args.backend, full.outShape, full.total / full.count);
};

const meanOverride = new WasmKernelOverride(tf.Mean, meanKernel);

/** True when the float64 full Mean is the kernel wasm will run. */
export function wasmFullMeanRegistered(): boolean {
  return meanOverride.active;
}

/** Idempotent. (The full Sum lives in the Sum kernel, src/backend/wasm-sum-leading-axes-kernel.ts.) */
export function registerWasmFullMeanKernel(): void {
  meanOverride.register();
}

export function unregisterWasmFullMeanKernel(): void {
  meanOverride.unregister();
}
