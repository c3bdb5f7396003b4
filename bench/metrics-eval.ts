/**
 * Speed target: PSNR + SSIM of 689 pairs (the 300W full test set) of 128×128 images under both protocols
 * must take seconds. Run: `npx tsx bench/metrics-eval.ts [--pairs 689] [--backend wasm|cpu]`.
 * Images are seeded smooth-plus-noise pairs (content does not change the work done); face boxes vary per image.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, BackendName } from '../src/backend';
import { Box, evaluateImages, evaluateImagesExact, FloatRgbImage } from '../src/metrics';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const pairs = Number(option('pairs', '689'));
  const size = 128;
  const backend = await initBackend({ force: option('backend', 'wasm') as BackendName, quiet: true });
  let state = 2024;
  const uniform = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
  const pixels = pairs * size * size * 3;
  const hrData = new Float32Array(pixels);
  const srData = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const p = Math.floor(i / 3);
    const x = p % size;
    const y = Math.floor(p / size) % size;
    hrData[i] = Math.round(255 * (0.5 + 0.4 * Math.sin(x / 9 + (i % 3)) * Math.cos(y / 13))) / 255;
    srData[i] = hrData[i] + 0.05 * (uniform() - 0.5);
  }
  const boxes: Box[] = Array.from({ length: pairs }, () => [10 + 20 * uniform(), 10 + 20 * uniform(), 100 + 20 * uniform(), 100 + 20 * uniform()]);
  const sr = tf.tensor4d(srData, [pairs, size, size, 3]);
  const hr = tf.tensor4d(hrData, [pairs, size, size, 3]);
  console.log(`metrics-eval: ${pairs} pairs of ${size}×${size}, backend ${backend.backend}${backend.simd ? ' (SIMD)' : ''}`);
  // Kernel compilation and first allocations are paid once per process, not per evaluation.
  const warmT0 = performance.now();
  evaluateImages(sr.slice(0, 8), hr.slice(0, 8), { protocol: 'standard', scale: 8 });
  console.log(`  warm-up (8 pairs, once per process) ${((performance.now() - warmT0) / 1000).toFixed(2)} s`);
  for (const protocol of ['standard', 'jasr'] as const) {
    const t0 = performance.now();
    const r = evaluateImages(sr, hr, { protocol, scale: 8, boxes });
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `  tensor  ${protocol.padEnd(8)} ${seconds.toFixed(2)} s  (${((seconds / pairs) * 1000).toFixed(2)} ms/pair)  PSNR ${r.psnr.toFixed(3)} SSIM ${r.ssim.toFixed(4)}`,
    );
  }
  const view = (data: Float32Array): FloatRgbImage[] =>
    Array.from({ length: pairs }, (_, i) => ({ data: data.subarray(i * size * size * 3, (i + 1) * size * size * 3), width: size, height: size }));
  for (const protocol of ['standard', 'jasr'] as const) {
    const t0 = performance.now();
    const r = evaluateImagesExact(view(srData), view(hrData), { protocol, scale: 8, boxes });
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `  float64 ${protocol.padEnd(8)} ${seconds.toFixed(2)} s  (${((seconds / pairs) * 1000).toFixed(2)} ms/pair)  PSNR ${r.psnr.toFixed(3)} SSIM ${r.ssim.toFixed(4)}`,
    );
  }
  tf.dispose([sr, hr]);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
