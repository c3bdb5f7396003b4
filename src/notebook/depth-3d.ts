/**
 * One face through a depth model for the 3D notebook (notebooks/10-3d.ipynb): its SR image and its predicted and
 * true landmarks in 3D (x, y from the heatmaps, z from the depth head; HR pixels), with the true z centred as the
 * 3D NME centres it (src/metrics/nme-3d.ts), so the two clouds are comparable.
 */
import * as tf from '@tensorflow/tfjs';
import type { FaceModel } from '../model/types';
import type { FaceSample } from '../data/types';
import { BatchLoader } from '../data/loader';
import { disposeBatch } from '../data/types';
import { floatToRgb } from '../data/image-io';
import { decodeHeatmaps } from '../codec/decode';
import { visibleMean } from '../data/depth';
import type { RgbPixels } from '../report/figures';

export interface Face3d {
  id: string;
  sr: RgbPixels;
  predicted: [number, number, number][];
  truth: [number, number, number][] | null;
}

export function predictFace3d(model: FaceModel, sample: FaceSample): Face3d {
  if (!model.config.depth) throw new Error('predictFace3d: the model has no depth head (model.depth is not true)');
  const loader = new BatchLoader([sample], { scale: model.config.scale, batchSize: 1, seed: 0, shuffle: false });
  const batch = loader.next();
  try {
    const out = model.apply(batch.input, { hr: batch.hr });
    try {
      const decoded = decodeHeatmaps(out.heatmaps[out.heatmaps.length - 1]);
      const xy = decoded.landmarksHr.arraySync()[0];
      tf.dispose([decoded.landmarksHr, decoded.scores]);
      const z = (out.depth as tf.Tensor2D).arraySync()[0];
      const srSize = (out.sr ?? batch.input).shape[1];
      const sr = floatToRgb(Array.from(tf.tidy(() => tf.clipByValue(out.sr ?? batch.input, 0, 1).dataSync())), srSize, srSize);
      const visible = batch.visible.arraySync()[0];
      const predMean = visibleMean(z, visible);
      const predicted = xy.map((p, i) => [p[0], p[1], z[i] - predMean] as [number, number, number]);
      let truth: Face3d['truth'] = null;
      if (batch.depth) {
        const gz = batch.depth.arraySync()[0];
        const gtMean = visibleMean(gz, visible);
        truth = (batch.landmarks.arraySync()[0] as number[][]).map((p, i) => [p[0], p[1], gz[i] - gtMean] as [number, number, number]);
      }
      return { id: sample.id, sr, predicted, truth };
    } finally {
      tf.dispose([out.sr, out.depth, ...out.heatmaps]);
    }
  } finally {
    disposeBatch(batch);
  }
}
