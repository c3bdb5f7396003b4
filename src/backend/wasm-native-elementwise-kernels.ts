/**
 * Add, Multiply, Relu and Step for the wasm backend on the native addon's OpenMP threads (native/cpu-kernels/
 * elementwise.cc), reading and writing the wasm heap in place. wasm runs them on one thread; in a CPU-sized
 * training step at 2 threads they were ~110 ms of ~500 while the convolutions around them used both cores
 * (docs/performance.md). The native loops compute the same float32 operations, so the bits do not change
 * (test/backend-native-elementwise.test.ts).
 *
 * Covered: float32 operands of the same shape, or one operand broadcast over one contiguous run of axes (a
 * per-channel bias [C] on NHWC, a per-image scale [N,1,1,C], a scalar). Anything else (other dtypes, both
 * operands broadcast, empty tensors) runs the kernel these replaced.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native-addon';
import { WasmHeapBackend, WasmKernelOverride } from './wasm-kernel-override';

const BINARY_OPS = { [tf.Add]: 0, [tf.Multiply]: 1 } as const;
type BinaryKernel = keyof typeof BINARY_OPS;
const KERNELS = [tf.Add, tf.Multiply, tf.Relu, tf.Step] as const;
type KernelName = (typeof KERNELS)[number];

let addon: NativeAddon | undefined;

/**
 * How `small` broadcasts onto `big` (the output's shape) as [outer, mid, inner]: `small` holds outer·inner values
 * repeated over the mid axes. Undefined when it is not one contiguous run of broadcast axes (or not broadcastable).
 */
export function broadcastPlan(big: readonly number[], small: readonly number[]): [number, number, number] | undefined {
  if (small.length > big.length) return undefined;
  const padded = [...new Array<number>(big.length - small.length).fill(1), ...small];
  let first = -1;
  let last = -1;
  for (let i = 0; i < big.length; i++) {
    if (big[i] === 1) continue; // either kind: fits any run
    if (padded[i] === 1) {
      if (first < 0) first = i;
      last = i;
    } else if (padded[i] !== big[i]) return undefined;
  }
  // An axis that `small` keeps, between two it broadcasts over, would need a second run.
  for (let i = first + 1; i < last; i++) if (big[i] !== 1 && padded[i] !== 1) return undefined;
  const size = (from: number, to: number): number => big.slice(from, to).reduce((p, d) => p * d, 1);
  if (first < 0) return [1, 1, size(0, big.length)];
  return [size(0, first), size(first, last + 1), size(last + 1, big.length)];
}

function fallback(name: KernelName, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  return overrides[name].fallback(args);
}

function binary(name: BinaryKernel): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs;
    if (!addon || a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(name, args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const size = tf.util.sizeFromShape(outShape);
    // Add and Multiply commute exactly in IEEE float32, so the full-size operand may come first.
    const aFull = tf.util.arraysEqual(a.shape, outShape);
    const [big, small] = aFull ? [a, b] : [b, a];
    const plan = tf.util.arraysEqual(big.shape, outShape) ? broadcastPlan(outShape, small.shape) : undefined;
    if (plan === undefined || size === 0) return fallback(name, args);
    const heap = args.backend as unknown as WasmHeapBackend;
    const out = heap.makeOutput(outShape, 'float32');
    // Views are taken after makeOutput: allocating may grow (and so detach) the wasm heap.
    addon.binary(BINARY_OPS[name], heap.typedArrayFromHeap(big), heap.typedArrayFromHeap(small), heap.typedArrayFromHeap(out), Int32Array.from(plan));
    return out;
  };
}

function unary(
  name: typeof tf.Relu | typeof tf.Step,
  run: (native: NativeAddon, x: Float32Array, out: Float32Array, attrs: tf.NamedAttrMap) => void,
): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs;
    if (!addon || x === undefined || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) return fallback(name, args);
    const heap = args.backend as unknown as WasmHeapBackend;
    const out = heap.makeOutput(x.shape, 'float32');
    run(addon, heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out), args.attrs ?? {});
    return out;
  };
}

const overrides: Record<KernelName, WasmKernelOverride> = {
  [tf.Add]: new WasmKernelOverride(tf.Add, binary(tf.Add)),
  [tf.Multiply]: new WasmKernelOverride(tf.Multiply, binary(tf.Multiply)),
  [tf.Relu]: new WasmKernelOverride(
    tf.Relu,
    unary(tf.Relu, (native, x, out) => native.relu(x, out)),
  ),
  [tf.Step]: new WasmKernelOverride(
    tf.Step,
    unary(tf.Step, (native, x, out, attrs) => native.step(x, out, (attrs.alpha as number | undefined) ?? 0)),
  ),
};

/** True when these kernels are the ones wasm will run. */
export function wasmNativeElementwiseKernelsRegistered(): boolean {
  return KERNELS.every((k) => overrides[k].active);
}

/** Idempotent. */
export function registerWasmNativeElementwiseKernels(native: NativeAddon): void {
  addon = native;
  KERNELS.forEach((k) => overrides[k].register());
}

/** Puts back the kernels these replaced: without the addon, and for tests and benchmarks comparing the two. */
export function unregisterWasmNativeElementwiseKernels(): void {
  KERNELS.forEach((k) => overrides[k].unregister());
}
