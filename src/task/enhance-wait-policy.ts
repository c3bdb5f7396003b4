/**
 * How oneDNN's OpenMP threads wait in `jasr enhance` (and its bench). Between two convolutions enhance runs JS
 * (crop, heatmap decoding, the detector's other ops, drawing) while an ffmpeg process decodes the video on the
 * same cores; libgomp's default wait spins about 300,000 iterations first, and on this 2-core machine shared with
 * other jobs the spinning worker took the core the main thread or ffmpeg needed: the CPU model's forward pass with
 * 2 oneDNN threads took a median of 766–1319 ms with the default wait and 55–61 ms with a passive one (one thread:
 * 45–56 ms), 40 passes each, processes alternated, 1-min load ≈ 7 (docs/in-the-wild.md). src/backend/omp-wait.ts
 * already asks for a passive wait when the load exceeds the cores as the addon loads; enhance asks for it always,
 * because its own ffmpeg decoder makes the machine busier than the load average read at start-up says.
 */

import { userChoseOpenMpWait } from '../backend/omp-wait';

/** Sets OMP_WAIT_POLICY=passive unless the user chose a wait (OMP_WAIT_POLICY or GOMP_SPINCOUNT); returns whether it did. */
export function preferPassiveOpenMpWait(env: NodeJS.ProcessEnv = process.env): boolean {
  if (userChoseOpenMpWait(env)) return false;
  env.OMP_WAIT_POLICY = 'passive';
  return true;
}
