/**
 * Peak single-instance throughput of the active backend: best of a few runs of a 1024³ matmul and of the same
 * 3×3 128→128 conv at 64×64, batch 4, that bench/torch_peak.py times in PyTorch. GFLOP/s = 2·MACs / time.
 */
import * as tf from '@tensorflow/tfjs';

export interface PeakResult {
  matmulGflops: number;
  convGflops: number;
}

async function bestSeconds(reps: number, make: () => tf.Tensor): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const y = make();
    await y.data();
    best = Math.min(best, (performance.now() - t0) / 1000);
    y.dispose();
  }
  return best;
}

export async function measurePeak(reps = 4): Promise<PeakResult> {
  const a = tf.randomUniform([1024, 1024], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([1024, 1024], 0, 1, 'float32', 2) as tf.Tensor2D;
  const x = tf.randomUniform([4, 64, 64, 128], 0, 1, 'float32', 3) as tf.Tensor4D;
  const w = tf.randomUniform([3, 3, 128, 128], 0, 1, 'float32', 4) as tf.Tensor4D;
  try {
    const mm = await bestSeconds(reps, () => tf.matMul(a, b));
    const cv = await bestSeconds(reps, () => tf.conv2d(x, w, 1, 'same'));
    return { matmulGflops: (2 * 1024 ** 3) / mm / 1e9, convGflops: (2 * 4 * 64 * 64 * 128 * 128 * 9) / cv / 1e9 };
  } finally {
    tf.dispose([a, b, x, w]);
  }
}
