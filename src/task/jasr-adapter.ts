/**
 * JASRNet (any FaceModel) + the joint loss + FaceBatch, as a TrainableModel for the generic trainer.
 * Validation data is the validation split's samples; they go through the one evaluator (./evaluate.ts), so
 * validation and `jasr eval --split val` measure PSNR/SSIM/NME identically; it adds the loss terms.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { FaceModel, ModelOutput } from '../model/types';
import { jointLoss, JointLossConfig } from '../losses/index'; // '/index': tslab (notebooks) cannot resolve directory imports
import { disposeBatch, FaceBatch, FaceSample } from '../data/types';
import { evaluate, EvaluateOptions, Evaluation, modelPredictor } from './evaluate';
import type { TrainConfig } from '../engine/config';
import type { EvalConfig } from './eval-config';
import type { LossTerms, StepContext, TrainableModel } from '../engine/trainable';
import type { Json } from '../core/overrides';
import type { ReplicaRecipe } from '../engine/parallel/types';
import type { ModelConfig } from '../model/config';

/** How the validation batches are made beyond the evaluator's defaults. */
export interface ValidationOptions {
  /** data.heatmapSigma of the run: the heatmap targets of the validation loss. */
  heatmapSigma?: number;
  /** data.quantize of the run: validation batches at 8-bit levels as the training batches. */
  quantize?: boolean;
  /** The dataset's facts (crop, labels, NME normaliser for 'auto'), as `jasr eval` passes them. */
  dataset?: EvaluateOptions['dataset'];
}

/** The validation record's columns (metricNames order) from one evaluation. */
export function validationMetrics(e: Evaluation, names: string[]): Record<string, number> {
  const available: Record<string, number | undefined> = { ...e.loss, psnr: e.summary.psnr, ssim: e.summary.ssim, nme: e.summary.nme };
  const out: Record<string, number> = {};
  for (const k of names) {
    const v = available[k];
    if (v === undefined)
      throw new Error(
        `validation: the evaluation has no '${k}' (it measured ${Object.keys(available)
          .filter((n) => available[n] !== undefined)
          .join(', ')})`,
      );
    out[k] = v;
  }
  return out;
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

export class JasrTrainable implements TrainableModel<FaceBatch, FaceSample[]> {
  readonly lossTermNames = ['pixel', 'heatmap'];
  readonly metricNames: string[];
  private readonly loss: JointLossConfig;
  private readonly hasSr: boolean;
  private readonly hasHeatmaps: boolean;

  constructor(
    readonly model: FaceModel,
    private readonly train: TrainConfig,
    private readonly evalConfig: EvalConfig,
    private readonly validation: ValidationOptions = {},
  ) {
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

  /**
   * Validation is the one evaluator of src/task/evaluate.ts (the same as `jasr eval` on this split), with the
   * joint loss terms of each batch measured from the same forward pass; loss terms are means over batches of
   * train.batchSize, the image metrics means over images.
   */
  async evaluate(val: FaceSample[]): Promise<Record<string, number>> {
    const lossOf = (out: ModelOutput, batch: FaceBatch): Record<string, number> =>
      tf.tidy(() => {
        const l = jointLoss(out, { hr: batch.hr, heatmaps: batch.heatmaps, mask: batch.mask }, this.loss);
        return { loss: l.total.dataSync()[0], pixel: l.pixel.dataSync()[0], heatmap: l.heatmap.dataSync()[0] };
      });
    const e = await evaluate(modelPredictor(this.model, { loss: lossOf }), val, this.evalConfig, {
      scale: this.model.config.scale,
      batchSize: this.train.batchSize,
      heatmapSigma: this.validation.heatmapSigma,
      quantize: this.validation.quantize,
      dataset: this.validation.dataset,
    });
    return validationMetrics(e, this.metricNames);
  }

  batchSize(batch: FaceBatch): number {
    return batch.input.shape[0];
  }

  disposeBatch(batch: FaceBatch): void {
    disposeBatch(batch);
  }

  /** Consecutive micro-batches for train.microBatch (src/engine/accumulate.ts): every tensor sliced on its first axis. */
  splitBatch(batch: FaceBatch, counts: number[]): FaceBatch[] {
    const images = counts.reduce((a, b) => a + b, 0);
    if (images !== this.batchSize(batch))
      throw new Error(`splitBatch: counts [${counts.join(', ')}] sum to ${images}, the batch has ${this.batchSize(batch)} images`);
    const parts: FaceBatch[] = [];
    let start = 0;
    for (const count of counts) {
      const from = start;
      const slice = <T extends tf.Tensor>(t: T): T => tf.slice(t, from, count);
      parts.push({
        input: slice(batch.input),
        lr: slice(batch.lr),
        hr: slice(batch.hr),
        heatmaps: slice(batch.heatmaps),
        mask: slice(batch.mask),
        landmarks: slice(batch.landmarks),
        visible: slice(batch.visible),
        box: slice(batch.box),
        ids: batch.ids.slice(from, from + count),
      });
      start += count;
    }
    return parts;
  }
}
