/**
 * Registers conv-gradient kernels for the wasm backend that run on its fast forward Conv2D (XNNPACK):
 * - Conv2DBackpropFilter, which wasm lacks entirely (so no conv could train there), and
 * - Conv2DBackpropInput, whose built-in wasm version is a naive loop about 10× slower than the forward conv.
 * tf.conv2d, tf.fused.conv2d (bias + activation) and tf.layers convs all reach these two kernels in their
 * gradients, so model code needs no change. Maths: ./conv-grads-as-forward.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { ConvGeometry, ConvPad, RoundingMode, conv2dFilterGrad, conv2dInputGrad } from './conv-grads-as-forward';
import { WasmKernelOverride } from './wasm-kernel-override';
type Shape4 = [number, number, number, number];

/**
 * The engine hands kernels its own Tensor objects; anything else (a bare TensorInfo) gets a tensor view that
 * the surrounding tidy releases.
 */
function asTensor4D(info: tf.TensorInfo | undefined, role: string): tf.Tensor4D {
  if (info === undefined) throw new Error(`wasm conv-gradient kernel: input '${role}' is missing`);
  const t = info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
  if (t.rank !== 4) throw new Error(`wasm conv-gradient kernel: input '${role}' must be rank 4 (NHWC), got shape [${t.shape}]`);
  return t as tf.Tensor4D;
}

function geometry(attrs: tf.NamedAttrMap | undefined): ConvGeometry & { dataFormat: string } {
  const a = attrs ?? {};
  return {
    strides: a.strides as [number, number] | number,
    pad: a.pad as ConvPad,
    dimRoundingMode: (a.dimRoundingMode ?? undefined) as RoundingMode | undefined,
    dataFormat: (a.dataFormat as string | undefined) ?? 'NHWC',
  };
}

const fastInputKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const g = geometry(attrs);
  // NCHW keeps the built-in kernel.
  if (g.dataFormat !== 'NHWC') return inputOverride.fallback({ inputs, backend, attrs });
  return tf.tidy(() => conv2dInputGrad(asTensor4D(inputs.dy, 'dy'), asTensor4D(inputs.filter, 'filter'), attrs?.inputShape as Shape4, g));
};

const fastFilterKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const g = geometry(attrs);
  if (g.dataFormat !== 'NHWC') {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${g.dataFormat}'`);
  }
  return tf.tidy(() => conv2dFilterGrad(asTensor4D(inputs.x, 'x'), asTensor4D(inputs.dy, 'dy'), attrs?.filterShape as Shape4, g));
};

const inputOverride = new WasmKernelOverride(tf.Conv2DBackpropInput, fastInputKernel);
const filterOverride = new WasmKernelOverride(tf.Conv2DBackpropFilter, fastFilterKernel);

/** True when this module's kernels are the ones wasm will run. */
export function wasmConvGradKernelsRegistered(): boolean {
  return inputOverride.active && filterOverride.active;
}

/** Idempotent. The built-in Conv2DBackpropInput (and its wasm binding) stays reachable for NCHW. */
export function registerWasmConvGradKernels(): void {
  inputOverride.register();
  filterOverride.register();
}

/** Puts the built-in wasm kernels back (benchmarks compare against them); Conv2DBackpropFilter becomes missing again. */
export function unregisterWasmConvGradKernels(): void {
  filterOverride.unregister();
  inputOverride.unregister();
}
