/**
 * JASRNet (any FaceModel) + the joint loss + FaceBatch, as a TrainableModel for the generic trainer.
 * Validation runs the whole validation loader in a fixed order (batchAt(0, i), not next(), so the loader's
 * position is untouched) and reports loss terms, PSNR/SSIM under the eval protocol and landmark NME.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { FaceModel } from '../model/types';
import { decodeHeatmaps } from '../codec/decode';
import { jointLoss, JointLossConfig } from '../losses/index'; // '/index': tslab (notebooks) cannot resolve directory imports
import { disposeBatch, FaceBatch } from '../data/types';
import { evaluateImages } from '../metrics/evaluate-images';
import { nmePerImage } from '../metrics/nme';
import type { Box } from '../metrics/protocols';
import type { TrainConfig } from '../engine/config';
import type { EvalConfig } from './eval-config';
import type { LossTerms, StepContext, TrainableModel } from '../engine/trainable';
import type { Json } from '../core/overrides';
import type { ReplicaRecipe } from '../engine/parallel/types';
import type { ModelConfig } from '../model/config';

/** What validation reads from a loader: BatchLoader satisfies this. */
export interface ValidationSource {
  readonly batchesPerEpoch: number;
  batchAt(epoch: number, batchIndex: number): FaceBatch;
}

export function jointLossConfig(train: TrainConfig): JointLossConfig {
  return { pixel: train.pixelLoss, heatmap: train.heatmapLoss, pixelWeight: train.lossWeights.pixel, heatmapWeight: train.lossWeights.heatmap };
}

/** What a worker thread needs to rebuild this model (src/task/jasr-replica.ts); plain JSON. */
export interface JasrReplicaArgs {
  model: ModelConfig;
  seed: number;
  train: TrainConfig;
  eval: EvalConfig;
}

export class JasrTrainable implements TrainableModel<FaceBatch, ValidationSource> {
  readonly lossTermNames = ['pixel', 'heatmap'];
  readonly metricNames: string[];
  private readonly loss: JointLossConfig;
  private readonly hasSr: boolean;
  private readonly hasHeatmaps: boolean;

  constructor(readonly model: FaceModel, private readonly train: TrainConfig, private readonly evalConfig: EvalConfig) {
    this.loss = jointLossConfig(train);
    const arch = model.config.architecture;
    this.hasSr = arch !== 'align-only';
    this.hasHeatmaps = arch !== 'sr-only' && arch !== 'bicubic';
    this.metricNames = ['loss', 'pixel', 'heatmap', ...(this.hasSr ? ['psnr', 'ssim'] : []), ...(this.hasHeatmaps ? ['nme'] : [])];
  }

  namedVariables(): Record<string, tf.Variable> {
    return this.model.namedVariables();
  }

  trainableVariables(): tf.Variable[] {
    return this.model.trainableVariables();
  }

  /** How train.workers > 1 rebuilds this model in worker threads (the module is loaded by path, so no import cycle). */
  replicaRecipe(): ReplicaRecipe {
    const args: JasrReplicaArgs = { model: this.model.config, seed: this.model.seed, train: this.train, eval: this.evalConfig };
    return { module: path.join(__dirname, 'jasr-replica.ts'), exportName: 'jasrReplica', args: args as unknown as Json };
  }

  lossFn(batch: FaceBatch, _ctx: StepContext): LossTerms {
    const out = this.model.apply(batch.input, { hr: batch.hr });
    const l = jointLoss(out, { hr: batch.hr, heatmaps: batch.heatmaps, mask: batch.mask }, this.loss);
    return { total: l.total, terms: { pixel: l.pixel, heatmap: l.heatmap } };
  }

  async evaluate(val: ValidationSource): Promise<Record<string, number>> {
    const sums = { loss: 0, pixel: 0, heatmap: 0, psnr: 0, ssim: 0, nme: 0 };
    let images = 0;
    let batches = 0;
    const scale = this.model.config.scale;
    for (let i = 0; i < val.batchesPerEpoch; i++) {
      const batch = val.batchAt(0, i);
      try {
        const n = batch.input.shape[0];
        const out = this.model.apply(batch.input, { hr: batch.hr });
        try {
          const terms = tf.tidy(() => {
            const l = jointLoss(out, { hr: batch.hr, heatmaps: batch.heatmaps, mask: batch.mask }, this.loss);
            return [l.total, l.pixel, l.heatmap].map((t) => t.dataSync()[0]);
          });
          sums.loss += terms[0];
          sums.pixel += terms[1];
          sums.heatmap += terms[2];
          batches += 1;
          const boxes = (batch.box.arraySync() as number[][]).map((b) => [b[0], b[1], b[2], b[3]] as Box);
          if (this.hasSr && out.sr) {
            const sr = tf.tidy(() => tf.clipByValue(out.sr as tf.Tensor4D, 0, 1) as tf.Tensor4D);
            const m = evaluateImages(sr, batch.hr, { protocol: this.evalConfig.protocol, scale, boxes });
            sr.dispose();
            sums.psnr += m.psnr * n;
            sums.ssim += m.ssim * n;
          }
          if (this.hasHeatmaps && out.heatmaps.length > 0) {
            const decoded = decodeHeatmaps(out.heatmaps[out.heatmaps.length - 1]);
            const nmeOpts = { visible: batch.visible, boxes: batch.box, ...(this.evalConfig.nmeNormaliser === 'auto' ? {} : { normalizer: this.evalConfig.nmeNormaliser }) };
            const { nme } = nmePerImage(decoded.landmarksHr, batch.landmarks, nmeOpts);
            tf.dispose([decoded.landmarksHr, decoded.scores]);
            sums.nme += nme.reduce((a, b) => a + b, 0);
          }
          images += n;
        } finally {
          tf.dispose([out.sr, ...out.heatmaps].filter((t): t is tf.Tensor4D => t !== undefined));
        }
      } finally {
        disposeBatch(batch);
      }
    }
    const metrics: Record<string, number> = { loss: sums.loss / batches, pixel: sums.pixel / batches, heatmap: sums.heatmap / batches };
    if (this.hasSr) Object.assign(metrics, { psnr: sums.psnr / images, ssim: sums.ssim / images });
    if (this.hasHeatmaps) metrics.nme = sums.nme / images;
    return metrics;
  }

  batchSize(batch: FaceBatch): number {
    return batch.input.shape[0];
  }

  disposeBatch(batch: FaceBatch): void {
    disposeBatch(batch);
  }
}
