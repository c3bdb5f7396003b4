/**
 * Registers conv-gradient kernels for the wasm backend that run on its fast forward Conv2D (XNNPACK):
 * - Conv2DBackpropFilter, which wasm lacks entirely (so no conv could train there), and
 * - Conv2DBackpropInput, whose built-in wasm version is a naive loop about 10× slower than the forward conv.
 * tf.conv2d, tf.fused.conv2d (bias + activation) and tf.layers convs all reach these two kernels in their
 * gradients, so model code needs no change. Maths: ./conv-grads-as-forward.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { ConvGeometry, ConvPad, RoundingMode, conv2dFilterGrad, conv2dInputGrad } from './conv-grads-as-forward';

const WASM = 'wasm';
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

/** The wasm kernels as they were before we replaced any, so NCHW inputs can still use the built-in one. */
let builtinInputKernel: tf.KernelConfig | undefined;

const fastInputKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const g = geometry(attrs);
  if (g.dataFormat !== 'NHWC' && builtinInputKernel) return builtinInputKernel.kernelFunc({ inputs, backend, attrs });
  return tf.tidy(() => conv2dInputGrad(asTensor4D(inputs.dy, 'dy'), asTensor4D(inputs.filter, 'filter'), attrs?.inputShape as Shape4, g));
};

const fastFilterKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const g = geometry(attrs);
  if (g.dataFormat !== 'NHWC') {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${g.dataFormat}'`);
  }
  return tf.tidy(() => conv2dFilterGrad(asTensor4D(inputs.x, 'x'), asTensor4D(inputs.dy, 'dy'), attrs?.filterShape as Shape4, g));
};

/** True when this module's kernels are the ones wasm will run. */
export function wasmConvGradKernelsRegistered(): boolean {
  return tf.getKernel(tf.Conv2DBackpropInput, WASM)?.kernelFunc === fastInputKernel &&
    tf.getKernel(tf.Conv2DBackpropFilter, WASM)?.kernelFunc === fastFilterKernel;
}

/** Idempotent: a second call (or a call after another module registered its own) leaves ours in place once. */
export function registerWasmConvGradKernels(): void {
  if (wasmConvGradKernelsRegistered()) return;
  const input = tf.getKernel(tf.Conv2DBackpropInput, WASM);
  if (input && input.kernelFunc !== fastInputKernel) {
    builtinInputKernel = input;
    tf.unregisterKernel(tf.Conv2DBackpropInput, WASM);
  }
  // The built-in kernel's setupFunc binds its wasm function; keep it so the NCHW fallback works even when we
  // register before the backend initialises.
  tf.registerKernel({ kernelName: tf.Conv2DBackpropInput, backendName: WASM, kernelFunc: fastInputKernel, setupFunc: builtinInputKernel?.setupFunc, disposeFunc: builtinInputKernel?.disposeFunc });
  if (tf.getKernel(tf.Conv2DBackpropFilter, WASM)) tf.unregisterKernel(tf.Conv2DBackpropFilter, WASM);
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: WASM, kernelFunc: fastFilterKernel });
}

/** Puts the built-in wasm kernels back (benchmarks compare against them); Conv2DBackpropFilter becomes missing again. */
export function unregisterWasmConvGradKernels(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, WASM)?.kernelFunc === fastFilterKernel) tf.unregisterKernel(tf.Conv2DBackpropFilter, WASM);
  if (tf.getKernel(tf.Conv2DBackpropInput, WASM)?.kernelFunc === fastInputKernel) {
    tf.unregisterKernel(tf.Conv2DBackpropInput, WASM);
    if (builtinInputKernel) tf.registerKernel(builtinInputKernel);
  }
}
