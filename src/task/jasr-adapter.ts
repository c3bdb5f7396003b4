/**
 * JASRNet (any FaceModel) + the joint loss + FaceBatch, as a TrainableModel for the generic trainer.
 * Validation data is the validation split's samples; they go through the one evaluator (./evaluate.ts), so
 * validation and `jasr eval --split val` measure PSNR/SSIM/NME identically; it adds the loss terms.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { FaceModel, ModelOutput } from '../model/types';
import { heatmapConsistencyLoss, jointLoss, JointLossConfig, JointLossTargets } from '../losses/index'; // '/index': tslab (notebooks) cannot resolve directory imports
import { disposeBatch, FaceBatch, FaceSample, sliceBatch } from '../data/types';
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
  const available: Record<string, number | undefined> = {
    ...e.loss,
    psnr: e.summary.psnr,
    ssim: e.summary.ssim,
    nme: e.summary.nme,
    nme3d: e.summary.threeD?.nme3d,
  };
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
  return {
    pixel: train.pixelLoss,
    heatmap: train.heatmapLoss,
    pixelWeight: train.lossWeights.pixel,
    heatmapWeight: train.lossWeights.heatmap,
    ...(train.depthLoss !== undefined ? { depth: train.depthLoss } : {}),
    ...(train.lossWeights.depth !== undefined ? { depthWeight: train.lossWeights.depth } : {}),
  };
}

/** The joint loss's targets in a batch (depth only where the batch has it). */
function lossTargets(batch: FaceBatch): JointLossTargets {
  return {
    hr: batch.hr,
    heatmaps: batch.heatmaps,
    mask: batch.mask,
    ...(batch.depth && batch.depthValid ? { depth: batch.depth, depthValid: batch.depthValid, landmarks: batch.landmarks } : {}),
  };
}

/** What a worker thread needs to rebuild this model (src/task/jasr-replica.ts); plain JSON. */
export interface JasrReplicaArgs {
  model: ModelConfig;
  seed: number;
  train: TrainConfig;
  eval: EvalConfig;
}

/** train.lossWeights.heatmapConsistency, refused (one line) on a model that cannot compute the term. */
export function heatmapConsistencyWeight(model: FaceModel, train: TrainConfig): number {
  const weight = train.lossWeights.heatmapConsistency ?? 0;
  // jasrnet only: its alignment branch reads an HR-sized image, so it can be applied to its own SR output; the
  // two-stage cascade would run its SR net again on the SR image, the other architectures lack SR or heatmaps.
  if (weight > 0 && model.config.architecture !== 'jasrnet')
    throw new Error(
      `train.lossWeights.heatmapConsistency needs model.architecture 'jasrnet' (the alignment branch applied to the SR output), found '${model.config.architecture}'`,
    );
  return weight;
}

export class JasrTrainable implements TrainableModel<FaceBatch, FaceSample[]> {
  readonly lossTermNames: string[];
  readonly metricNames: string[];
  private readonly loss: JointLossConfig;
  private readonly hasSr: boolean;
  private readonly hasHeatmaps: boolean;
  private readonly consistencyWeight: number;
  private readonly hasDepth: boolean;

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
    this.hasDepth = model.config.depth === true;
    this.consistencyWeight = heatmapConsistencyWeight(model, train);
    // The depth term and the 3D NME are logged only for a model with a depth head, so 2D runs log what they did.
    this.lossTermNames = ['pixel', 'heatmap', ...(this.hasDepth ? ['depth'] : []), ...(this.consistencyWeight > 0 ? ['heatmapConsistency'] : [])];
    this.metricNames = [
      'loss',
      'pixel',
      'heatmap',
      ...(this.hasDepth ? ['depth'] : []),
      ...(this.hasSr ? ['psnr', 'ssim'] : []),
      ...(this.hasHeatmaps ? ['nme'] : []),
      ...(this.hasDepth ? ['nme3d'] : []),
    ];
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

  lossFn(batch: FaceBatch, ctx: StepContext): LossTerms {
    return this.jointTerms(batch, ctx).loss;
  }

  /**
   * The joint loss (+ heatmap consistency) of one batch and the model output it came from (for a GAN's generator
   * term, ./jasr-gan.ts); the output's tensors belong to the caller's tidy scope.
   */
  jointTerms(batch: FaceBatch, _ctx: StepContext): { loss: LossTerms; out: ModelOutput } {
    const out = this.model.apply(batch.input, { hr: batch.hr });
    const l = jointLoss(out, lossTargets(batch), this.loss);
    if (!this.hasDepth) l.depth.dispose();
    const terms: Record<string, tf.Scalar> = { pixel: l.pixel, heatmap: l.heatmap, ...(this.hasDepth ? { depth: l.depth } : {}) };
    let total = l.total;
    if (this.consistencyWeight > 0) {
      // Super-FAN: the alignment branch on the SR image should find the ground-truth heatmaps (docs/adversarial.md).
      const onSr = this.model.apply(out.sr as tf.Tensor4D).heatmaps;
      terms.heatmapConsistency = heatmapConsistencyLoss(onSr, batch.heatmaps, batch.mask, this.train.heatmapLoss);
      total = tf.add(total, tf.mul(this.consistencyWeight, terms.heatmapConsistency));
    }
    return { loss: { total, terms }, out };
  }

  /**
   * Validation is the one evaluator of src/task/evaluate.ts (the same as `jasr eval` on this split), with the
   * joint loss terms of each batch measured from the same forward pass; loss terms are means over batches of
   * train.batchSize, the image metrics means over images.
   */
  async evaluate(val: FaceSample[]): Promise<Record<string, number>> {
    const lossOf = (out: ModelOutput, batch: FaceBatch): Record<string, number> =>
      tf.tidy(() => {
        const l = jointLoss(out, lossTargets(batch), this.loss);
        const terms = { loss: l.total.dataSync()[0], pixel: l.pixel.dataSync()[0], heatmap: l.heatmap.dataSync()[0] };
        return this.hasDepth ? { ...terms, depth: l.depth.dataSync()[0] } : terms;
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

  /** Consecutive micro-batches for train.microBatch (src/engine/accumulate.ts), depth included where the batch has it. */
  splitBatch(batch: FaceBatch, counts: number[]): FaceBatch[] {
    const images = counts.reduce((a, b) => a + b, 0);
    if (images !== this.batchSize(batch))
      throw new Error(`splitBatch: counts [${counts.join(', ')}] sum to ${images}, the batch has ${this.batchSize(batch)} images`);
    const parts: FaceBatch[] = [];
    let start = 0;
    for (const count of counts) {
      parts.push(sliceBatch(batch, start, count));
      start += count;
    }
    return parts;
  }
}
