/**
 * What the native elementwise kernels and the fused Adam update save in a training step, measured so that the
 * machine's noise cancels: one process, one model, training steps alternating between the native kernels and
 * wasm's own (both give the same bits, so the two halves train the same trajectory), each pair compared.
 *
 *   npx tsx bench/paired-steps.ts [--features 16] [--blocks 2] [--batch 8] [--pairs 20] [--threads 2]
 *
 * Prints the median step time of each half and the median of the per-pair ratios (wasm / native) with a 95 %
 * interval (order statistics of the pair ratios: distribution-free). The conv kernels are oneDNN in both halves.
 */
import * as tf from '@tensorflow/tfjs';
import { NATIVE_THREADS_ENV_VAR, initBackend, loadNativeAddon } from '../src/backend';
import { buildModel } from '../src/model/build';
import { DEFAULT_MODEL_CONFIG } from '../src/model/config';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { JasrTrainable } from '../src/task/jasr-adapter';
import { Adam } from '../src/engine/optimizer';
import { TrainRng } from '../src/engine/rng';
import { localGradients } from '../src/engine/parallel/local-gradients';
import { registerWasmNativeElementwiseKernels, unregisterWasmNativeElementwiseKernels } from '../src/backend/wasm-native-elementwise-kernels';
import { registerWasmNativeAdamKernel, unregisterWasmNativeAdamKernel } from '../src/backend/wasm-native-adam-kernel';
import { randomFaceBatch } from './random-batch';
import { median, medianInterval } from './median';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  process.env[NATIVE_THREADS_ENV_VAR] = String(arg('threads', 2));
  await initBackend({ force: 'wasm', quiet: true });
  const native = loadNativeAddon();
  if (!native.ok) throw new Error(`paired-steps needs the native addon: ${native.reason}`);
  const config = { ...DEFAULT_MODEL_CONFIG, features: arg('features', 16), trunkBlocks: arg('blocks', 2) };
  const batchSize = arg('batch', 8);
  const pairs = arg('pairs', 20);
  const model = new JasrTrainable(buildModel(config, 1), DEFAULT_TRAIN_CONFIG, DEFAULT_EVAL_CONFIG);
  const vars = model.namedVariables();
  const adam = new Adam(DEFAULT_TRAIN_CONFIG.optimizer, vars);
  const use = (nativeKernels: boolean): void => {
    if (nativeKernels) {
      registerWasmNativeElementwiseKernels(native.addon);
      registerWasmNativeAdamKernel(native.addon);
    } else {
      unregisterWasmNativeElementwiseKernels();
      unregisterWasmNativeAdamKernel();
    }
  };
  const step = (i: number): number => {
    const batch = randomFaceBatch(batchSize, config.landmarks, 128, i + 1);
    const t0 = performance.now();
    const { grads } = localGradients(model, batch, { step: i + 1, epoch: 1, rng: new TrainRng(1) }, vars);
    adam.apply(grads, DEFAULT_TRAIN_CONFIG.optimizer.lr);
    tf.dispose(Object.values(grads));
    const ms = performance.now() - t0;
    tf.dispose(Object.values(batch).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
    return ms;
  };
  use(false);
  step(0);
  use(true);
  step(0);
  const nativeMs: number[] = [];
  const wasmMs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate which half goes first, so a drift within a pair does not favour one.
    const order = i % 2 === 0 ? [true, false] : [false, true];
    for (const nativeKernels of order) {
      use(nativeKernels);
      (nativeKernels ? nativeMs : wasmMs).push(step(i + 1));
    }
    process.stderr.write(`pair ${i + 1}/${pairs}: native ${nativeMs[i].toFixed(0)} ms, wasm ${wasmMs[i].toFixed(0)} ms\n`);
  }
  const ratios = wasmMs.map((w, i) => w / nativeMs[i]);
  const [lo, hi] = medianInterval(ratios);
  console.log(
    `JASRNet ${config.features}/${config.trunkBlocks} batch ${batchSize}, ${arg('threads', 2)} thread(s), ${pairs} pairs: ` +
      `step median native ${median(nativeMs).toFixed(0)} ms, wasm ${median(wasmMs).toFixed(0)} ms; ` +
      `wasm/native per pair median ${median(ratios).toFixed(3)} (95 % interval ${lo.toFixed(3)}–${hi.toFixed(3)})`,
  );
  model.model.dispose();
}

if (require.main === module)
  main().catch((e: Error) => {
    console.error(`paired-steps failed: ${e.message}`);
    process.exitCode = 1;
  });
