/**
 * Issue 13: the engine asks the backend how many replicas and threads to use (src/backend/thread-budget.ts)
 * without knowing which library runs the kernels.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { coreCount, preferredReplicas, replicableBackend, replicasPointless } from '../src/backend/thread-budget';
import { wasmNativeConvKernelsRegistered } from '../src/backend/wasm-native-conv-kernels';
import { resolveWorkers } from '../src/engine/parallel/worker-count';
import { useWasmForSuite } from './helpers/gradient-compare';

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe("backend/thread-budget: replica and thread counts are the backend's answer", () => {
  it('no engine source names oneDNN kernels or sets native threads; the backend module is what they import', () => {
    const engine = path.join(__dirname, '..', 'src', 'engine');
    const offenders = sources(engine).filter((f) =>
      /activateNativeKernels|wasm-native-conv-kernels|setThreads|from '\.\.\/\.\.\/backend\/wasm'/.test(fs.readFileSync(f, 'utf8')),
    );
    assert.deepEqual(
      offenders.map((f) => path.relative(engine, f)),
      [],
    );
    const parallel = fs.readFileSync(path.join(engine, 'parallel', 'engine.ts'), 'utf8');
    assert.match(parallel, /from '\.\.\/\.\.\/backend\/thread-budget'/);
  });

  it('answers for the running backend: cores, the automatic count and when replicas are pointless', () => {
    assert.ok(Number.isInteger(coreCount()) && coreCount() >= 1);
    assert.equal(resolveWorkers('auto'), coreCount());
    assert.equal(replicableBackend(), tf.getBackend());
    assert.equal(replicasPointless('tensorflow'), 'the native TensorFlow backend already uses every core');
    assert.equal(replicasPointless('wasm'), null);
    const preferred = preferredReplicas();
    if (tf.getBackend() === 'wasm' && wasmNativeConvKernelsRegistered())
      assert.deepEqual(preferred, { replicas: 1, reason: `convs on oneDNN use all ${coreCount()} cores` });
    else assert.equal(preferred, null);
  });
});

describe('backend/thread-budget on wasm with the oneDNN addon', () => {
  useWasmForSuite(wasmNativeConvKernelsRegistered, 'the oneDNN conv kernels');

  it('the automatic one-replica reason names the oneDNN threads JASR_NATIVE_THREADS really gives, not all cores', () => {
    const cores = coreCount();
    assert.deepEqual(preferredReplicas({ JASR_NATIVE_THREADS: String(cores) }), { replicas: 1, reason: `convs on oneDNN use all ${cores} cores` });
    const one = preferredReplicas({ JASR_NATIVE_THREADS: '1' });
    assert.equal(one?.replicas, 1);
    assert.equal(one?.reason, cores > 1 ? `convs on oneDNN use 1 of ${cores} cores (JASR_NATIVE_THREADS=1)` : 'convs on oneDNN use all 1 cores');
  });
});
