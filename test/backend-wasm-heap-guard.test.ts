import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { WASM32_HEAP_LIMIT, WasmHeapExhausted, WasmModuleLike, guardWasmMalloc } from '../src/backend/wasm-heap-guard';

/** A stand-in for emscripten's module: _malloc is a stub that replaces itself with `raw` on its first call, as the real one does. */
function fakeModule(raw: (bytes: number) => number, heapBytes: number): WasmModuleLike & { calls: number[] } {
  const calls: number[] = [];
  const m = {
    calls,
    HEAPU8: { byteLength: heapBytes } as Uint8Array,
    _malloc(bytes: number): number {
      m._malloc = (b: number): number => {
        calls.push(b);
        return raw(b);
      };
      return m._malloc(bytes);
    },
  };
  return m;
}

class FakeRuntimeError extends Error {
  override name = 'RuntimeError';
}

describe('backend: a tensor the wasm heap cannot hold is an error at the allocation, not a write over address 0', () => {
  it('passes allocations through, also after the stub replaced itself, and turns a 0 from malloc into WasmHeapExhausted', () => {
    let next = 4096;
    const m = fakeModule((b) => (b > 1e9 ? 0 : (next += b)), 3_900 * 2 ** 20);
    guardWasmMalloc(m);
    guardWasmMalloc(m); // idempotent
    assert.equal(m._malloc(100), 4196);
    assert.equal(m._malloc(100), 4296, 'second call: the stub has replaced itself, the guard is still there');
    assert.throws(
      () => m._malloc(2e9),
      (e: Error) =>
        e instanceof WasmHeapExhausted && /could not allocate 1907 MB with 3900 MB in use of wasm32's 4,096 MB; .*train\.microBatch/.test(e.message),
    );
    assert.deepEqual(m.calls, [100, 100, 2e9]);
    assert.equal(m._malloc(0), 4296, 'malloc(0) may return anything: not an error');
  });

  it('a trap inside malloc is the limit only next to it; elsewhere the original error comes through', () => {
    const trap = (): number => {
      throw new FakeRuntimeError('memory access out of bounds');
    };
    const full = fakeModule(trap, WASM32_HEAP_LIMIT - 64 * 2 ** 20);
    guardWasmMalloc(full);
    assert.throws(
      () => full._malloc(64 * 2 ** 20),
      (e: Error) => e instanceof WasmHeapExhausted && /\(malloc: memory access out of bounds\)$/.test(e.message),
    );
    const roomy = fakeModule(trap, 512 * 2 ** 20);
    guardWasmMalloc(roomy);
    assert.throws(
      () => roomy._malloc(1024),
      (e: Error) => !(e instanceof WasmHeapExhausted) && e.name === 'RuntimeError',
    );
  });

  it('initBackend guards the real wasm module, and tensors still allocate through it', async () => {
    const previous = tf.getBackend();
    await initBackend({ force: 'wasm', quiet: true });
    try {
      const module = (tf.backend() as unknown as { wasm: WasmModuleLike }).wasm;
      const descriptor = Object.getOwnPropertyDescriptor(module, '_malloc');
      assert.ok(descriptor?.get, '_malloc is the guard (an accessor), not the raw export');
      const t = tf.tensor([1, 2, 3]);
      assert.deepEqual(Array.from(await t.data()), [1, 2, 3]);
      t.dispose();
    } finally {
      await tf.setBackend(previous);
    }
  });
});
