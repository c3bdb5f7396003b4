/**
 * tfjs-backend-wasm allocates every tensor with the module's malloc and never checks the result. Its emscripten
 * build grows memory on demand (ALLOW_MEMORY_GROWTH), and there malloc returns 0 when the heap cannot grow past
 * wasm32's 4,096 MB: the tensor is then registered at address 0 and every write to it lands on the start of the
 * heap, which ends later in "memory access out of bounds", an abort, or wrong numbers. Near the limit malloc itself
 * can also fail inside the module (a RuntimeError "memory access out of bounds" from malloc, seen with the
 * paper-era model at batch 4). This guard makes both an error that says what happened, at the allocation.
 */

/** The part of the wasm backend the guard wraps (its module, as tf.backend() holds it). */
export interface WasmModuleLike {
  _malloc(bytes: number): number;
  HEAPU8?: Uint8Array;
}

/** Thrown when the wasm heap cannot hold a tensor: the message names the request and the heap's size. */
export class WasmHeapExhausted extends Error {}

/** wasm32's address space: the most a wasm heap can grow to. */
export const WASM32_HEAP_LIMIT = 4 * 2 ** 30;
/** A malloc that traps with the heap within this much of the limit (plus the request) is taken as the limit. */
const NEAR_LIMIT = 256 * 2 ** 20;

/** True when a heap of `heapBytes` asked for `bytes` more cannot be far from wasm32's limit. */
export function nearHeapLimit(bytes: number, heapBytes: number): boolean {
  return heapBytes + bytes + NEAR_LIMIT >= WASM32_HEAP_LIMIT;
}

const guarded = new WeakSet<WasmModuleLike>();

/** The error for a failed allocation of `bytes` on a heap of `heapBytes`. */
export function heapExhaustedMessage(bytes: number, heapBytes: number): string {
  const mb = (b: number): string => (b / 2 ** 20).toFixed(0);
  return `wasm heap exhausted: could not allocate ${mb(bytes)} MB with ${mb(heapBytes)} MB in use of wasm32's 4,096 MB; train with a smaller batch or train.microBatch (docs/performance.md)`;
}

/** Idempotent: wraps `module._malloc` so that a failed allocation (0 for a non-empty request, or a trap inside
 * malloc next to the limit) throws WasmHeapExhausted. */
export function guardWasmMalloc(module: WasmModuleLike): void {
  if (guarded.has(module)) return;
  // Emscripten's _malloc is a stub that replaces itself with the raw export on its first call (Module._malloc =
  // asm.malloc): a plain wrapper would be overwritten. So the property keeps the wrapper and takes such an
  // assignment as the new function to wrap.
  let malloc = module._malloc.bind(module);
  const wrapper = (bytes: number): number => {
    let at: number;
    try {
      at = malloc(bytes);
    } catch (e) {
      const heap = module.HEAPU8?.byteLength ?? 0;
      // Only a trap next to the limit is the limit; anywhere else it is a real bug and keeps its own error.
      if (e instanceof Error && e.name === 'RuntimeError' && nearHeapLimit(bytes, heap))
        throw new WasmHeapExhausted(`${heapExhaustedMessage(bytes, heap)} (malloc: ${e.message})`);
      throw e;
    }
    if (at === 0 && bytes > 0) throw new WasmHeapExhausted(heapExhaustedMessage(bytes, module.HEAPU8?.byteLength ?? 0));
    return at;
  };
  Object.defineProperty(module, '_malloc', {
    configurable: true,
    enumerable: true,
    get: () => wrapper,
    set: (f: (bytes: number) => number) => {
      malloc = f;
    },
  });
  guarded.add(module);
}
