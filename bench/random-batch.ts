/** A FaceBatch of random data with the real shapes (timings only: the values mean nothing). */
import * as tf from '@tensorflow/tfjs';
import type { FaceBatch } from '../src/data/types';
import { HEATMAP_STRIDE } from '../src/core/geometry';

export function randomFaceBatch(n: number, landmarks: number, hrSize: number, seed: number): FaceBatch {
  return tf.tidy(() => {
    const low = hrSize / HEATMAP_STRIDE;
    const p = landmarks + 1;
    const visible = tf.cast(tf.greater(tf.randomUniform([n, landmarks], 0, 1, 'float32', seed), 0.15), 'float32') as tf.Tensor2D;
    return {
      input: tf.randomUniform([n, hrSize, hrSize, 3], 0, 1, 'float32', seed + 1) as tf.Tensor4D,
      lr: tf.randomUniform([n, low, low, 3], 0, 1, 'float32', seed + 2) as tf.Tensor4D,
      hr: tf.randomUniform([n, hrSize, hrSize, 3], 0, 1, 'float32', seed + 3) as tf.Tensor4D,
      heatmaps: tf.randomUniform([n, low, low, p], 0, 1, 'float32', seed + 4) as tf.Tensor4D,
      mask: tf.reshape(tf.concat([visible, tf.ones([n, 1])], 1), [n, 1, 1, p]) as tf.Tensor4D,
      landmarks: tf.randomUniform([n, landmarks, 2], 0, hrSize, 'float32', seed + 5) as tf.Tensor3D,
      visible,
      box: tf.tile(tf.tensor2d([[0, 0, hrSize, hrSize]]), [n, 1]) as tf.Tensor2D,
      ids: Array.from({ length: n }, (_, i) => `random-${seed}-${i}`),
    };
  }) as unknown as FaceBatch;
}
