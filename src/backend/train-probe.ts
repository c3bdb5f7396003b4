/**
 * A tiny but real training run on the active backend, to prove convolutions train here (on wasm that needs our
 * gradient kernels). Covers the conv shapes the models use: 3×3 stride 1 'same' and fused bias + relu,
 * 3×3 stride 2 with explicit padding 1, and 1×1.
 */
import * as tf from '@tensorflow/tfjs';

export interface TrainProbe {
  ok: boolean;
  backend: string;
  /** Loss before each Adam step. */
  losses: number[];
  /** Wall time of all steps, ms. */
  ms: number;
  /** Why it is not ok (an exception or a loss that did not fall). */
  problem?: string;
}

export async function probeTraining(steps = 3): Promise<TrainProbe> {
  const backend = tf.getBackend();
  const t0 = performance.now();
  const losses: number[] = [];
  const weights = [
    tf.variable(tf.randomNormal([3, 3, 3, 16], 0, 0.3, 'float32', 11)),
    tf.variable(tf.zeros([16])),
    tf.variable(tf.randomNormal([3, 3, 16, 16], 0, 0.1, 'float32', 12)),
    tf.variable(tf.randomNormal([1, 1, 16, 3], 0, 0.3, 'float32', 13)),
  ];
  const [w1, b1, w2, w3] = weights;
  const input = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 14) as tf.Tensor4D;
  const target = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 15);
  const optimizer = tf.train.adam(1e-3);
  const loss = (): tf.Scalar => {
    const h1 = tf.fused.conv2d({ x: input, filter: w1 as tf.Tensor4D, strides: 1, pad: 'same', bias: b1, activation: 'relu' });
    const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Tensor4D, 2, 1));
    return tf.losses.meanSquaredError(target, tf.conv2d(h2, w3 as tf.Tensor4D, 1, 'valid'));
  };
  try {
    for (let step = 0; step < steps; step++) {
      const value = optimizer.minimize(loss, true) as tf.Scalar;
      losses.push((await value.data())[0]);
      value.dispose();
    }
  } catch (e) {
    return { ok: false, backend, losses, ms: performance.now() - t0, problem: (e as Error).message.split('\n')[0] };
  } finally {
    optimizer.dispose();
    tf.dispose([...weights, input, target]);
  }
  const ms = performance.now() - t0;
  if (!losses.every(Number.isFinite)) return { ok: false, backend, losses, ms, problem: `non-finite loss: ${losses.join(', ')}` };
  if (!(losses[losses.length - 1] < losses[0])) return { ok: false, backend, losses, ms, problem: `loss did not fall: ${losses.join(', ')}` };
  return { ok: true, backend, losses, ms };
}
