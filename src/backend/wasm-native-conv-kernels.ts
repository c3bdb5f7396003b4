/**
 * Conv2D, FusedConv2D (bias, linear/relu), Conv2DBackpropInput and Conv2DBackpropFilter for the wasm backend on
 * oneDNN (./native-addon.ts), reading and writing the wasm heap in place. The wasm SIMD path (XNNPACK, one
 * 128-bit thread) reaches ~46 GFLOP/s here; oneDNN uses the CPU's full vector width and its OpenMP threads, as
 * PyTorch does. Anything these kernels do not cover (NCHW, other activations, non-float32, broadcast biases)
 * runs the kernel that was registered before them, so registering is always safe.
 */
import * as tf from '@tensorflow/tfjs';
import { ConvGeometryArray, NativeAddon } from './native-addon';
import { WasmHeapBackend, WasmKernelOverride } from './wasm-kernel-override';

type Shape4 = [number, number, number, number];

const KERNELS = [tf.Conv2D, tf.FusedConv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter] as const;
type KernelName = (typeof KERNELS)[number];

let addon: NativeAddon | undefined;

function geometry(info: tf.backend_util.Conv2DInfo, relu: boolean): ConvGeometryArray {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
    relu ? 1 : 0,
  ]);
}

function convInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap, dilations: number | [number, number] = 1): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides as number | [number, number],
    dilations,
    attrs.pad as 'same' | 'valid' | number | tf.backend_util.ExplicitPadding,
    (attrs.dimRoundingMode ?? undefined) as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
}

/** Both operands when the call is one oneDNN is asked to run (NHWC, float32, rank 4); undefined otherwise. */
function nhwcFloatPair(attrs: tf.NamedAttrMap, a: tf.TensorInfo | undefined, b: tf.TensorInfo | undefined): [tf.TensorInfo, tf.TensorInfo] | undefined {
  if (((attrs.dataFormat as string | undefined) ?? 'NHWC') !== 'NHWC' || a === undefined || b === undefined) return undefined;
  return [a, b].every((t) => t.dtype === 'float32' && t.shape.length === 4) ? [a, b] : undefined;
}

/** The kernel each of these replaced (XNNPACK / built-in): the fallback for what oneDNN is not asked to run. */
function fallback(name: KernelName, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  return overrides[name].fallback(args);
}

/** Conv2D and FusedConv2D: y = conv(x, filter) (+ bias) (then relu) on oneDNN, or the replaced kernel. */
function forward(name: typeof tf.Conv2D | typeof tf.FusedConv2D, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const { bias, preluActivationWeights } = inputs;
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  const pair = nhwcFloatPair(attrs, inputs.x, inputs.filter);
  const supported =
    pair !== undefined &&
    preluActivationWeights === undefined &&
    (activation === 'linear' || activation === 'relu') &&
    (bias === undefined || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === pair[1].shape[3]));
  if (!addon || !pair || !supported) return fallback(name, args);
  const [x, filter] = pair;
  const info = convInfo(x.shape, filter.shape, attrs, attrs.dilations as number | [number, number]);
  const heap = backend as unknown as WasmHeapBackend;
  const y = heap.makeOutput(info.outShape, 'float32');
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm heap.
  addon.conv2d(
    heap.typedArrayFromHeap(x),
    heap.typedArrayFromHeap(filter),
    bias ? heap.typedArrayFromHeap(bias) : null,
    heap.typedArrayFromHeap(y),
    geometry(info, activation === 'relu'),
  );
  return y;
}

// Conv2D has neither bias nor activation attributes, so it takes forward()'s plain-conv path.
const conv2d: tf.KernelFunc = (args) => forward(tf.Conv2D, args);
const fusedConv2d: tf.KernelFunc = (args) => forward(tf.FusedConv2D, args);

const conv2dBackpropInput: tf.KernelFunc = (args) => {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const pair = nhwcFloatPair(attrs, inputs.dy, inputs.filter);
  if (!addon || !pair) return fallback(tf.Conv2DBackpropInput, args);
  const [dy, filter] = pair;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs);
  const heap = backend as unknown as WasmHeapBackend;
  const dx = heap.makeOutput(inputShape, 'float32');
  addon.conv2dBackwardData(heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(filter), heap.typedArrayFromHeap(dx), geometry(info, false));
  return dx;
};

const conv2dBackpropFilter: tf.KernelFunc = (args) => {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const pair = nhwcFloatPair(attrs, inputs.x, inputs.dy);
  if (!addon || !pair) return fallback(tf.Conv2DBackpropFilter, args);
  const [x, dy] = pair;
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs);
  const heap = backend as unknown as WasmHeapBackend;
  const dw = heap.makeOutput(filterShape, 'float32');
  addon.conv2dBackwardWeights(heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(dw), geometry(info, false));
  return dw;
};

const overrides: Record<KernelName, WasmKernelOverride> = {
  [tf.Conv2D]: new WasmKernelOverride(tf.Conv2D, conv2d),
  [tf.FusedConv2D]: new WasmKernelOverride(tf.FusedConv2D, fusedConv2d),
  [tf.Conv2DBackpropInput]: new WasmKernelOverride(tf.Conv2DBackpropInput, conv2dBackpropInput),
  [tf.Conv2DBackpropFilter]: new WasmKernelOverride(tf.Conv2DBackpropFilter, conv2dBackpropFilter),
};

/** True when the oneDNN kernels are the ones wasm will run. */
export function wasmNativeConvKernelsRegistered(): boolean {
  return KERNELS.every((k) => overrides[k].active);
}

/**
 * Idempotent. Register after the XNNPACK gradient kernels (./wasm-conv-grad-kernels.ts): those become the
 * fallback.
 */
export function registerWasmNativeConvKernels(native: NativeAddon): void {
  addon = native;
  KERNELS.forEach((k) => overrides[k].register());
}

/** Puts back the kernels these replaced (XNNPACK ones): benchmarks and tests compare the two paths. */
export function unregisterWasmNativeConvKernels(): void {
  KERNELS.forEach((k) => overrides[k].unregister());
}
