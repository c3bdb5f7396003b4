/**
 * One kit kernel registered over (or in place of a missing) wasm kernel. The replaced kernel is kept with its
 * setupFunc — the wasm binding it needs — so the kit kernel can fall back on it for cases it does not cover, and
 * `unregister` puts it back (benchmarks and tests compare the two).
 *
 * Overrides layer (the oneDNN conv kernels sit on the XNNPACK ones, which sit on the built-in ones), and a
 * backend re-selection registers the lower layer again. So the replaced kernel is captured once, at the first
 * registration: re-registering must not adopt the layer above as its fallback, or fallbacks would loop.
 */
import * as tf from '@tensorflow/tfjs';

const WASM = 'wasm';

/** What kit kernels need of the wasm backend to work on its heap (its class is not exported in a form we can type against). */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

export class WasmKernelOverride {
  private replaced: tf.KernelConfig | undefined;

  constructor(
    readonly kernelName: string,
    private readonly kernelFunc: tf.KernelFunc,
  ) {}

  /** True when this override is the kernel wasm will run. */
  get active(): boolean {
    return tf.getKernel(this.kernelName, WASM)?.kernelFunc === this.kernelFunc;
  }

  /** The kernel this one replaced (undefined where wasm had none). */
  get previous(): tf.KernelConfig | undefined {
    return this.replaced;
  }

  /** Runs the replaced kernel; an Error naming the kernel when there was none. */
  fallback(args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
    if (!this.replaced) throw new Error(`no built-in wasm ${this.kernelName} kernel to fall back on for this case`);
    return this.replaced.kernelFunc(args);
  }

  /** Idempotent. */
  register(): void {
    if (this.active) return;
    const existing = tf.getKernel(this.kernelName, WASM);
    if (existing) {
      this.replaced ??= existing;
      tf.unregisterKernel(this.kernelName, WASM);
    }
    tf.registerKernel({
      kernelName: this.kernelName,
      backendName: WASM,
      kernelFunc: this.kernelFunc,
      setupFunc: this.replaced?.setupFunc,
      disposeFunc: this.replaced?.disposeFunc,
    });
  }

  /** Puts the replaced kernel back (or leaves none, where wasm had none). */
  unregister(): void {
    if (!this.active) return;
    tf.unregisterKernel(this.kernelName, WASM);
    if (this.replaced) tf.registerKernel(this.replaced);
  }
}
