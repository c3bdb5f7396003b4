/**
 * A wasm Sum for reductions over the leading axes of a float32 tensor — a conv bias gradient, Σ over N, H, W of
 * an NHWC dy. The built-in kernel only reduces innermost axes, so it first transposes the whole tensor to put
 * N, H, W last: 13 % of a 16/2 training step with oneDNN convs (profile-step --detail Sum). Here the tensor is
 * read as an [outer, inner] matrix whose rows the native addon adds up in place (float64 accumulation); a JS
 * loop was no faster than transpose + sum, so without the addon that case stays on the built-in kernel.
 * A reduction over every axis (a loss scalar, a gradient norm) is added in float64 and rounded once
 * (src/backend/wasm-full-reduction-kernels.ts; the built-in kernel adds in float32). Every other reduction runs
 * the built-in kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native-addon';
import { WasmHeapBackend, WasmKernelOverride } from './wasm-kernel-override';
import { fullFloat64Total, registerWasmFullMeanKernel, scalarOutput } from './wasm-full-reduction-kernels';

/** How many leading axes `axis` names (each once, 0 … k−1), or 0 when it is not such a prefix. */
export function leadingAxesCount(axis: number | number[], rank: number): number {
  const axes = tf.util.parseAxisParam(axis, [...new Array<number>(rank).fill(1)]).sort((a, b) => a - b);
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

let addon: NativeAddon | undefined;

const fastKernel: tf.KernelFunc = (args) => {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const x = inputs.x;
  if (x === undefined) throw new Error("wasm-sum-leading-axes-kernel.ts: Sum needs input 'x'");
  const full = fullFloat64Total(args);
  if (full) return scalarOutput(backend, full.outShape, full.total);
  const leading = x.dtype === 'float32' ? leadingAxesCount(attrs.axis as number | number[], x.shape.length) : 0;
  if (!addon || leading === 0 || leading === x.shape.length) return override.fallback(args);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, leading));
  const kept = x.shape.slice(leading);
  const outShape = attrs.keepDims ? [...new Array<number>(leading).fill(1), ...kept] : kept;
  const heap = backend as unknown as WasmHeapBackend;
  const out = heap.makeOutput(outShape, 'float32');
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm heap.
  addon.sumRows(heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out), Int32Array.from([outer, tf.util.sizeFromShape(kept)]));
  return out;
};

const override = new WasmKernelOverride(tf.Sum, fastKernel);

/** True when this module's kernel is the one wasm will run. */
export function wasmSumKernelRegistered(): boolean {
  return override.active;
}

/**
 * Idempotent. Keeps the built-in kernel (and its wasm binding) for the reductions this one does not cover.
 * `native` undefined: only the float64 full totals (Sum and Mean), for the path without the addon.
 */
export function registerWasmSumKernel(native: NativeAddon | undefined): void {
  addon = native;
  registerWasmFullMeanKernel();
  override.register();
}

/** Puts the built-in wasm kernel back (benchmarks compare against it). */
export function unregisterWasmSumKernel(): void {
  override.unregister();
}
