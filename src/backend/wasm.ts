/**
 * Loads the wasm backend (SIMD when the runtime has it; wasm itself never gets threads in Node: environment.md, "Offline / wasm")
 * and the kit's kernels for it, including the native addon's multi-threaded ones where it is built.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmConvGradKernels } from './wasm-conv-grad-kernels';
import { registerWasmMaxPoolGradKernel, useNativeMaxPoolGrad } from './wasm-max-pool-grad-kernel';
import { registerWasmSumKernel } from './wasm-sum-leading-axes-kernel';
import { registerWasmSharedIdentityKernels } from './wasm-shared-identity-kernels';
import { NATIVE_ELEMENTWISE_ENV_VAR, convLayoutCode, convLayoutFor, loadNativeAddon, nativeThreadsFor } from './native-addon';
import { registerWasmNativeConvKernels, unregisterWasmNativeConvKernels } from './wasm-native-conv-kernels';
import { registerWasmNativeElementwiseKernels, unregisterWasmNativeElementwiseKernels } from './wasm-native-elementwise-kernels';
import { registerWasmNativeAdamKernel, unregisterWasmNativeAdamKernel } from './wasm-native-adam-kernel';
import { WasmModuleLike, guardWasmMalloc } from './wasm-heap-guard';

/** Whether wasm's convolutions run on the oneDNN addon, and why not when they do not. */
export type NativeConvStatus = { active: true; library: string; threads: number; reason?: undefined } | { active: false; reason: string };

// `reason?: undefined`: see NativeAttempt (tslab checks notebooks' imports without strictNullChecks).
export type WasmActivation = { ok: true; simd: boolean; threads: boolean; nativeConv: NativeConvStatus; reason?: undefined } | { ok: false; reason: string };

let wasmPathsSet = false;

/**
 * Switches to wasm (initialising it on first use) and registers the conv-gradient kernels it needs to train, a
 * faster MaxPoolGrad and Identity/Cast that share data instead of copying, then the native addon's kernels where it
 * is built.
 */
export async function activateWasm(): Promise<WasmActivation> {
  if (!wasmPathsSet) {
    // The .wasm files sit beside the package's main script; the default lookup assumes a browser-style URL.
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    wasmPathsSet = true;
  }
  let switched: boolean;
  try {
    switched = await tf.setBackend('wasm');
  } catch (e) {
    return { ok: false, reason: `initialisation threw: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!switched || tf.getBackend() !== 'wasm') return { ok: false, reason: `tf.setBackend('wasm') returned ${switched}, active backend ${tf.getBackend()}` };
  await tf.ready();
  const module = (tf.backend() as unknown as { wasm?: WasmModuleLike }).wasm;
  if (module) guardWasmMalloc(module);
  registerWasmConvGradKernels();
  registerWasmMaxPoolGradKernel();
  registerWasmSharedIdentityKernels();
  return {
    ok: true,
    nativeConv: activateNativeKernels(1),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
  };
}

/**
 * Routes wasm's convolutions to oneDNN, and bias-gradient sums, max-pool gradients, Add/Multiply/Relu/Step and
 * Adam's update to native loops, when the
 * addon is built (and not disabled), with `cores / replicas` OpenMP threads for this Node thread; otherwise
 * leaves the XNNPACK convs and JS kernels and says why. Called again by each data-parallel replica with the
 * replica count, so replicas share the cores instead of oversubscribing them.
 */
export function activateNativeKernels(replicas: number): NativeConvStatus {
  const addon = loadNativeAddon();
  if (!addon.ok) {
    unregisterWasmNativeConvKernels();
    unregisterWasmNativeElementwiseKernels();
    unregisterWasmNativeAdamKernel();
    registerWasmSumKernel(undefined); // float64 full reductions stay on without the addon (JS loop)
    useNativeMaxPoolGrad(undefined);
    return { active: false, reason: addon.reason };
  }
  const threads = nativeThreadsFor(replicas);
  addon.addon.setThreads(threads);
  addon.addon.setConvLayout(convLayoutCode(convLayoutFor()));
  registerWasmNativeConvKernels(addon.addon);
  if (process.env[NATIVE_ELEMENTWISE_ENV_VAR] === '0') {
    unregisterWasmNativeElementwiseKernels();
    unregisterWasmNativeAdamKernel();
  } else {
    registerWasmNativeElementwiseKernels(addon.addon);
    registerWasmNativeAdamKernel(addon.addon);
  }
  registerWasmSumKernel(addon.addon);
  useNativeMaxPoolGrad(addon.addon);
  return { active: true, library: `oneDNN ${addon.version}`, threads };
}
