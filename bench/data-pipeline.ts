/**
 * Speed of the per-example data path on one 128-px face (×8) and one 256-px face (×4): MATLAB-style LR,
 * OpenCV-style input, heatmaps, and a whole loader batch. Run: npx tsx bench/data-pipeline.ts
 */
import { initBackend } from '../src/backend';
import { downsampleMatlab, upsampleOpenCv } from '../src/data/resize';
import { makeHeatmaps } from '../src/codec/heatmaps';
import { syntheticFaces } from '../src/data/embedded/synthetic';
import { BatchLoader } from '../src/data/loader';
import { disposeBatch } from '../src/data/types';
import { OFFICIAL_AUGMENT, JITTER_AUGMENT } from '../src/data/augment';

function time(label: string, reps: number, fn: () => void): void {
  for (let i = 0; i < 3; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / reps;
  console.log(`${label.padEnd(52)} ${ms.toFixed(3)} ms`);
}

async function main(): Promise<void> {
  await initBackend({ quiet: true });
  for (const [hrSize, scale] of [
    [128, 8],
    [256, 4],
  ] as const) {
    const face = syntheticFaces(1, 1, hrSize)[0];
    const lrSize = hrSize / scale;
    const lr = downsampleMatlab(face.hr, hrSize, scale);
    time(`${hrSize}² → ${lrSize}² MATLAB bicubic (antialiased)`, 200, () => downsampleMatlab(face.hr, hrSize, scale));
    time(`${lrSize}² → ${hrSize}² OpenCV cubic`, 200, () => upsampleOpenCv(lr, lrSize, scale));
    time(`heatmaps 68 + 1 at ${hrSize / 8}²`, 200, () => makeHeatmaps(face.landmarks, face.visible, hrSize));
  }
  const faces = syntheticFaces(16, 2, 256);
  for (const [name, aug] of [
    ['flip only', OFFICIAL_AUGMENT],
    ['flip + affine + colour', JITTER_AUGMENT],
  ] as const) {
    const loader = new BatchLoader(faces, { scale: 8, batchSize: 8, seed: 1, augment: aug });
    time(`loader batch of 8 (×8, from 256-px samples, ${name})`, 10, () => disposeBatch(loader.next()));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
