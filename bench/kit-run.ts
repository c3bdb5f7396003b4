/**
 * One kit measurement in its own process (so peak RSS is this configuration's alone, and running out of memory
 * fails this row, not the benchmark): train steps as the trainer runs them (gradients through the configured
 * engine, then Adam), then inference passes. Prints one JSON object (KitRunResult) as the last stdout line.
 *
 *   node -r tsx/cjs bench/kit-run.ts '{"features":32,"blocks":4,"batch":8,"trainSteps":3,"inferSteps":3,"backend":"wasm","workers":1}'
 *   (add "microBatch":2 to accumulate the batch over micro-batches of 2, as train.microBatch does)
 */
import * as tf from '@tensorflow/tfjs';
import { BackendName, NATIVE_KERNELS_ENV_VAR, NATIVE_THREADS_ENV_VAR, activateNativeKernels, initBackend } from '../src/backend';
import { buildModel } from '../src/model/build';
import { DEFAULT_MODEL_CONFIG } from '../src/model/config';
import { countParams } from '../src/model/count';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { JasrTrainable } from '../src/task/jasr-adapter';
import { Adam } from '../src/engine/optimizer';
import { TrainRng } from '../src/engine/rng';
import { createGradientEngine } from '../src/engine/parallel/engine';
import { withAccumulation } from '../src/engine/accumulate';
import { randomFaceBatch } from './random-batch';

export interface KitRunSpec {
  features: number;
  blocks: number;
  batch: number;
  /** Measured steps after one warm-up (0 warm-ups when `cold`). */
  trainSteps: number;
  inferSteps: number;
  backend: BackendName;
  workers: number;
  /** Skip the warm-up step (huge models: one step is all there is time for). */
  cold?: boolean;
  /** wasm convs: 'onednn' (the addon, when built; the default) or 'xnnpack' (JASR_NATIVE_KERNELS=0). */
  convs?: 'onednn' | 'xnnpack';
  /** CPU threads for the whole row (the peer gets as many); oneDNN gets threads / replicas per replica. Default: workers. */
  threads?: number;
  size?: number;
  /** train.microBatch: images per forward/backward pass, gradients accumulated to one update (src/engine/accumulate.ts). */
  microBatch?: number;
}

export interface KitRunResult {
  spec: KitRunSpec;
  replicas: number;
  note: string | null;
  params: number;
  trainStepMs: number[];
  inferMs: number[];
  trainImgPerSec: number | null;
  inferImgPerSec: number | null;
  /** What ran the convolutions, e.g. 'oneDNN 2.6.3 × 1 thread per replica' or 'XNNPACK'. */
  convPath: string;
  peakRssMB: number;
  /** wasm only: size of the main thread's wasm memory, which only grows, i.e. its peak; null on other backends. */
  wasmHeapMB: number | null;
}

/** The wasm module's linear memory (grows, never shrinks); the backend keeps it on `wasm` (not in its typings). */
function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.buffer.byteLength ?? null;
}

async function run(spec: KitRunSpec): Promise<KitRunResult> {
  // Set before the backend starts: workers copy process.env when they are created.
  if (spec.convs === 'xnnpack') process.env[NATIVE_KERNELS_ENV_VAR] = '0';
  process.env[NATIVE_THREADS_ENV_VAR] = String(Math.max(1, Math.floor((spec.threads ?? spec.workers) / spec.workers)));
  const backend = await initBackend({ force: spec.backend, quiet: true });
  const nativeConv = backend.nativeConv;
  const convPath = nativeConv?.active
    ? `${nativeConv.library} × ${nativeConv.threads} thread${nativeConv.threads === 1 ? '' : 's'} per replica`
    : backend.backend === 'wasm'
      ? 'XNNPACK'
      : backend.backend;
  const size = spec.size ?? 128;
  const config = { ...DEFAULT_MODEL_CONFIG, features: spec.features, trunkBlocks: spec.blocks };
  const model = new JasrTrainable(buildModel(config, 1), DEFAULT_TRAIN_CONFIG, DEFAULT_EVAL_CONFIG);
  const vars = model.namedVariables();
  const adam = new Adam(DEFAULT_TRAIN_CONFIG.optimizer, vars);
  const engine = withAccumulation(await createGradientEngine(model, vars, vars, spec.workers), model, spec.microBatch);
  const trainStepMs: number[] = [];
  const inferMs: number[] = [];
  const warm = spec.cold ? 0 : 1;
  try {
    for (let i = 0; i < warm + spec.trainSteps; i++) {
      const batch = randomFaceBatch(spec.batch, config.landmarks, size, i + 1);
      const t0 = performance.now();
      const { grads } = await engine.compute(batch, { step: i + 1, epoch: 1, rng: new TrainRng(1) });
      adam.apply(grads, DEFAULT_TRAIN_CONFIG.optimizer.lr);
      tf.dispose(Object.values(grads));
      const ms = performance.now() - t0;
      if (i >= warm) trainStepMs.push(ms);
      process.stderr.write(`train step ${i + 1}${i < warm ? ' (warm-up)' : ''}: ${ms.toFixed(0)} ms\n`);
    }
  } finally {
    await engine.close();
  }
  // Inference runs on the main thread alone, so it gets all of the row's threads (as the peer does).
  if (nativeConv?.active) {
    process.env[NATIVE_THREADS_ENV_VAR] = String(spec.threads ?? spec.workers);
    activateNativeKernels(1);
  }
  const input = tf.randomUniform([spec.batch, size, size, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  for (let i = 0; i < warm + spec.inferSteps; i++) {
    const t0 = performance.now();
    const out = model.model.apply(input);
    await (out.sr ?? out.heatmaps[0]).data();
    await out.heatmaps[out.heatmaps.length - 1].data();
    tf.dispose([out.sr, ...out.heatmaps].filter((t): t is tf.Tensor4D => t !== undefined));
    const ms = performance.now() - t0;
    if (i >= warm) inferMs.push(ms);
  }
  input.dispose();
  const rate = (ms: number[]): number | null => (ms.length ? (spec.batch * ms.length * 1000) / ms.reduce((a, b) => a + b, 0) : null);
  return {
    spec,
    replicas: engine.replicas,
    note: engine.note,
    params: countParams(config).officialTotalParams ?? countParams(config).totalParams,
    trainStepMs,
    inferMs,
    trainImgPerSec: rate(trainStepMs),
    inferImgPerSec: rate(inferMs),
    convPath,
    // maxRSS is in KiB; worker threads share the process, so this includes every replica.
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    wasmHeapMB: wasmHeapBytes() === null ? null : (wasmHeapBytes() as number) / 2 ** 20,
  };
}

if (require.main === module) {
  run(JSON.parse(process.argv[2] ?? '{}') as KitRunSpec)
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e: Error) => {
      console.error(e.stack ?? e.message);
      // The caller keeps the last lines of stderr (bench/suite.ts): end with the message, not a stack frame.
      console.error(`kit run failed: ${e.message.split('\n')[0]}`);
      process.exitCode = 1;
    });
}
