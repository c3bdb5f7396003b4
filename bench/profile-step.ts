/**
 * Where a training step's time goes: tf.profile of one JASRNet step (loss + gradients, as the trainer runs it),
 * kernels summed by name, slowest first.
 *
 *   npx tsx bench/profile-step.ts [--features 32] [--blocks 4] [--batch 8] [--top 20] [--detail Sum]
 *
 * --detail K: also lists kernel K's calls grouped by input shapes (which call sites cost the time).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { buildModel } from '../src/model/build';
import { DEFAULT_MODEL_CONFIG } from '../src/model/config';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { JasrTrainable } from '../src/task/jasr-adapter';
import { localGradients } from '../src/engine/parallel/local-gradients';
import { TrainRng } from '../src/engine/rng';
import { randomFaceBatch } from './random-batch';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  await initBackend();
  const config = { ...DEFAULT_MODEL_CONFIG, features: arg('features', 32), trunkBlocks: arg('blocks', 4) };
  const batchSize = arg('batch', 8);
  const model = new JasrTrainable(buildModel(config, 1), DEFAULT_TRAIN_CONFIG, DEFAULT_EVAL_CONFIG);
  const vars = model.namedVariables();
  const step = (): void => {
    const { grads } = localGradients(model, randomFaceBatch(batchSize, config.landmarks, 128, 1), { step: 1, epoch: 1, rng: new TrainRng(1) }, vars);
    tf.dispose(Object.values(grads));
  };
  step();
  const t0 = performance.now();
  const info = await tf.profile(step);
  const wallMs = performance.now() - t0;
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls += 1;
    byName.set(k.name, e);
  }
  const rows = [...byName].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, e]) => s + e.ms, 0);
  console.log(
    `JASRNet ${config.features}/${config.trunkBlocks} batch ${batchSize} on ${tf.getBackend()}: wall ${wallMs.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms`,
  );
  for (const [name, e] of rows.slice(0, arg('top', 20))) {
    console.log(`${name.padEnd(28)} ${e.ms.toFixed(1).padStart(9)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)} % ${String(e.calls).padStart(5)} calls`);
  }
  const detail = detailKernel();
  if (detail)
    printDetail(
      info.kernels.filter((k) => k.name === detail),
      detail,
    );
  model.model.dispose();
}

function detailKernel(): string | undefined {
  const i = process.argv.indexOf('--detail');
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function printDetail(kernels: Awaited<ReturnType<typeof tf.profile>>['kernels'], name: string): void {
  const byShapes = new Map<string, { ms: number; calls: number }>();
  for (const k of kernels) {
    const key = JSON.stringify(k.inputShapes);
    const e = byShapes.get(key) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls += 1;
    byShapes.set(key, e);
  }
  console.log(`\n${name} by input shapes:`);
  for (const [shapes, e] of [...byShapes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
    console.log(`${e.ms.toFixed(1).padStart(9)} ms ${String(e.calls).padStart(5)} calls  ${shapes}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
