/**
 * Synthetic JASRNet batches for engine tests (data-parallel, micro-batch accumulation): random images, heatmaps
 * and landmarks at a small side, some landmarks hidden, so the masked heatmap loss is exercised.
 */
import * as tf from '@tensorflow/tfjs';
import type { FaceBatch } from '../../src/data/types';
import type { TrainLoader, TrainableModel } from '../../src/engine/trainable';

export const SIDE = 32;
export const LANDMARKS = 5;

/** A synthetic FaceBatch of `n` images drawn from `seed` (random images and heatmaps, some landmarks hidden). */
export function syntheticBatch(n: number, seed: number): FaceBatch {
  return tf.tidy(() => {
    const hr = tf.randomUniform([n, SIDE, SIDE, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
    const input = tf.clipByValue(tf.add(hr, tf.randomNormal([n, SIDE, SIDE, 3], 0, 0.1, 'float32', seed + 1)), 0, 1) as tf.Tensor4D;
    const visible = tf.cast(tf.greater(tf.randomUniform([n, LANDMARKS], 0, 1, 'float32', seed + 2), 0.2), 'float32') as tf.Tensor2D;
    const mask = tf.reshape(tf.concat([visible, tf.ones([n, 1])], 1), [n, 1, 1, LANDMARKS + 1]) as tf.Tensor4D;
    return {
      input,
      lr: tf.slice(input, [0, 0, 0, 0], [n, SIDE / 8, SIDE / 8, 3]) as tf.Tensor4D,
      hr,
      heatmaps: tf.randomUniform([n, SIDE / 8, SIDE / 8, LANDMARKS + 1], 0, 1, 'float32', seed + 3) as tf.Tensor4D,
      mask,
      landmarks: tf.randomUniform([n, LANDMARKS, 2], 0, SIDE, 'float32', seed + 4) as tf.Tensor3D,
      visible,
      box: tf.tensor2d(Array.from({ length: n }, () => [2, 2, SIDE - 2, SIDE - 2])),
      ids: Array.from({ length: n }, (_, i) => `syn-${seed}-${i}`),
    };
  }) as unknown as FaceBatch;
}

/** Deterministic stream of synthetic batches (batch i of every epoch is the same), resumable by position. */
export class SyntheticLoader implements TrainLoader<FaceBatch> {
  private position = 0;
  constructor(
    readonly batchesPerEpoch: number,
    private readonly batchSize: number,
  ) {}
  next(): FaceBatch {
    const b = syntheticBatch(this.batchSize, 100 + (this.position % this.batchesPerEpoch) * 10);
    this.position += 1;
    return b;
  }
  state(): unknown {
    return { position: this.position };
  }
  restore(s: unknown): void {
    this.position = (s as { position: number }).position;
  }
}

/** ‖a − b‖ / ‖b‖ over one variable's values. */
export function relativeDistance(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d) / Math.sqrt(n);
}

export function snapshot(model: TrainableModel<FaceBatch, unknown>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(model.namedVariables()).map(([k, v]) => [k, v.dataSync() as Float32Array]));
}
