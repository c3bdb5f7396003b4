/**
 * The ReplicaModule of JasrTrainable: a worker rebuilds the FaceModel from its config (weights are replaced by
 * the main thread's every step, so the seed only has to give the same shapes) and receives FaceBatch shards.
 */
import * as tf from '@tensorflow/tfjs';
import type { Json } from '../core/overrides';
import { buildModel } from '../model/build';
import { FACE_BATCH_DEPTH_KEYS, FACE_BATCH_TENSOR_KEYS, FaceBatch, sliceBatch } from '../data/types';
import { JasrReplicaArgs, JasrTrainable } from './jasr-adapter';
import type { BatchPayload, ReplicaModule, TensorPayload } from '../engine/parallel/types';

/** The recipe args JasrTrainable.replicaRecipe() sends (src/task/jasr-adapter.ts). */

const TENSOR_KEYS = FACE_BATCH_TENSOR_KEYS;
type TensorKey = (typeof TENSOR_KEYS)[number];
/** Present only in batches of samples with depth (src/data/depth.ts); shards carry them when the batch has them. */
const DEPTH_KEYS = FACE_BATCH_DEPTH_KEYS;
type DepthKey = (typeof DEPTH_KEYS)[number];

function payloadOf(t: tf.Tensor, data: Float32Array | Int32Array, start: number, count: number): TensorPayload {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  // slice (not subarray): each shard owns its buffer so it can be transferred.
  const part = data.slice(start * per, (start + count) * per);
  return { shape: [count, ...t.shape.slice(1)], dtype: t.dtype === 'int32' ? 'int32' : 'float32', data: part };
}

export const jasrReplica: ReplicaModule<FaceBatch> = {
  create(args: Json) {
    const a = args as unknown as JasrReplicaArgs;
    return new JasrTrainable(buildModel(a.model, a.seed), a.train, a.eval);
  },

  split(batch: FaceBatch, counts: number[]) {
    const head0 = counts[0];
    const depthKeys = DEPTH_KEYS.filter((k) => batch[k] !== undefined);
    const head = sliceBatch(batch, 0, head0);
    const rest: BatchPayload[] = [];
    const host = Object.fromEntries(TENSOR_KEYS.map((k) => [k, batch[k].dataSync() as Float32Array | Int32Array])) as Record<
      TensorKey,
      Float32Array | Int32Array
    >;
    let start = head0;
    for (const count of counts.slice(1)) {
      const tensors: Record<string, TensorPayload> = {};
      for (const k of TENSOR_KEYS) tensors[k] = payloadOf(batch[k], host[k], start, count);
      for (const k of depthKeys) {
        const t = batch[k] as tf.Tensor2D;
        tensors[k] = payloadOf(t, t.dataSync() as Float32Array, start, count);
      }
      rest.push({ tensors, extra: batch.ids.slice(start, start + count) });
      start += count;
    }
    return { head, rest };
  },

  fromPayload(payload: BatchPayload): FaceBatch {
    const t = (k: TensorKey | DepthKey): tf.Tensor => {
      const p = payload.tensors[k];
      if (!p) throw new Error(`jasrReplica.fromPayload: the shard has no '${k}' tensor`);
      return tf.tensor(p.data, p.shape, p.dtype);
    };
    return {
      input: t('input') as tf.Tensor4D,
      lr: t('lr') as tf.Tensor4D,
      hr: t('hr') as tf.Tensor4D,
      heatmaps: t('heatmaps') as tf.Tensor4D,
      mask: t('mask') as tf.Tensor4D,
      landmarks: t('landmarks') as tf.Tensor3D,
      visible: t('visible') as tf.Tensor2D,
      box: t('box') as tf.Tensor2D,
      ...Object.fromEntries(DEPTH_KEYS.filter((k: DepthKey) => payload.tensors[k]).map((k) => [k, t(k)])),
      ids: (payload.extra as string[] | undefined) ?? [],
    };
  },
};
