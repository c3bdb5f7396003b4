/**
 * A faster wasm MaxPoolGrad for non-overlapping, unpadded windows (filter = stride, 'valid'; the model's 2×2/2
 * pools). The built-in wasm kernel handles every geometry and, per dx element, rescans each window that covers it;
 * it took about 13 ms per call on an 8×128×128×16 input, ≈ 8 % of a 16/2 batch-8 training step. Here each
 * window is scanned once and its dy goes to its first maximum, exactly as the cpu backend decides (strict `>`
 * from −∞ in row-major window order, so ties go to the first element and an all −∞/NaN window gets nothing).
 * Other geometries run the built-in kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native-addon';
import { WasmHeapBackend, WasmKernelOverride } from './wasm-kernel-override';

/** When set, the same non-overlapping gradient runs natively (vectorised over channels, ≈ 10× the JS loop). */
let addon: NativeAddon | undefined;

/** Routes the non-overlapping case to the native addon (or back to the JS loop with undefined). */
export function useNativeMaxPoolGrad(native: NativeAddon | undefined): void {
  addon = native;
}

function scalarOf(v: number | [number, number], axis: 0 | 1): number {
  return typeof v === 'number' ? v : v[axis];
}

/**
 * dx for windows that tile the input without overlap: rows/columns past the last whole window get 0, as in the
 * cpu kernel.
 */
function nonOverlappingMaxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, xShape: number[], poolHeight: number, poolWidth: number): void {
  const [batch, inHeight, inWidth, channels] = xShape;
  const outHeight = Math.floor(inHeight / poolHeight);
  const outWidth = Math.floor(inWidth / poolWidth);
  dx.fill(0);
  const rowStride = inWidth * channels;
  if (poolHeight === 2 && poolWidth === 2) {
    twoByTwoMaxPoolGrad(x, dy, dx, batch, inHeight, outHeight, outWidth, rowStride, channels);
    return;
  }
  let dyIndex = 0;
  for (let b = 0; b < batch; b++) {
    const imageStart = b * inHeight * rowStride;
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const corner = imageStart + yR * poolHeight * rowStride + yC * poolWidth * channels;
        for (let d = 0; d < channels; d++, dyIndex++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let wR = 0; wR < poolHeight; wR++) {
            const rowStart = corner + wR * rowStride + d;
            for (let wC = 0; wC < poolWidth; wC++) {
              const v = x[rowStart + wC * channels];
              if (v > best) {
                best = v;
                bestIndex = rowStart + wC * channels;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] = dy[dyIndex];
        }
      }
    }
  }
}

/** The model's case, unrolled: V8 keeps this loop tight where the general one re-derives window offsets. */
function twoByTwoMaxPoolGrad(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  batch: number,
  inHeight: number,
  outHeight: number,
  outWidth: number,
  rowStride: number,
  channels: number,
): void {
  let dyIndex = 0;
  for (let b = 0; b < batch; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const top = (b * inHeight + 2 * yR) * rowStride;
      for (let yC = 0; yC < outWidth; yC++) {
        const p00 = top + 2 * yC * channels;
        for (let d = 0; d < channels; d++, dyIndex++) {
          const i00 = p00 + d;
          const i01 = i00 + channels;
          const i10 = i00 + rowStride;
          const i11 = i10 + channels;
          // Strict '>' from −∞ in row-major order, as the cpu backend: ties and NaN keep the earlier element.
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          if (x[i00] > best) {
            best = x[i00];
            at = i00;
          }
          if (x[i01] > best) {
            best = x[i01];
            at = i01;
          }
          if (x[i10] > best) {
            best = x[i10];
            at = i10;
          }
          if (x[i11] > best) at = i11;
          if (at >= 0) dx[at] = dy[dyIndex];
        }
      }
    }
  }
}

const fastKernel: tf.KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const a = attrs ?? {};
  const filterSize = a.filterSize as number | [number, number];
  const strides = a.strides as number | [number, number];
  const input = inputs.input;
  const dy = inputs.dy;
  if (input === undefined || dy === undefined) throw new Error("wasm-max-pool-grad-kernel.ts: MaxPoolGrad needs inputs 'dy' and 'input'");
  const poolHeight = scalarOf(filterSize, 0);
  const poolWidth = scalarOf(filterSize, 1);
  const nonOverlapping = a.pad === 'valid' && poolHeight === scalarOf(strides, 0) && poolWidth === scalarOf(strides, 1);
  if (!nonOverlapping || input.dtype !== 'float32' || input.shape.length !== 4) return override.fallback(args);
  const wasm = backend as unknown as WasmHeapBackend;
  const dx = wasm.makeOutput(input.shape, 'float32');
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm heap.
  if (addon) {
    const [batch, inHeight, inWidth, channels] = input.shape;
    addon.maxPoolGrad(
      wasm.typedArrayFromHeap(input),
      wasm.typedArrayFromHeap(dy),
      wasm.typedArrayFromHeap(dx),
      Int32Array.from([batch, inHeight, inWidth, channels, poolHeight, poolWidth]),
    );
  } else {
    nonOverlappingMaxPoolGrad(wasm.typedArrayFromHeap(input), wasm.typedArrayFromHeap(dy), wasm.typedArrayFromHeap(dx), input.shape, poolHeight, poolWidth);
  }
  return dx;
};

const override = new WasmKernelOverride(tf.MaxPoolGrad, fastKernel);

/** True when this module's kernel is the one wasm will run. */
export function wasmMaxPoolGradKernelRegistered(): boolean {
  return override.active;
}

/** Idempotent. Keeps the built-in kernel (and its wasm binding) for the geometries this one does not cover. */
export function registerWasmMaxPoolGradKernel(): void {
  override.register();
}

/** Puts the built-in wasm kernel back (benchmarks compare against it). */
export function unregisterWasmMaxPoolGradKernel(): void {
  override.unregister();
}
