/**
 * Two-player (GAN) training of the face task (docs/adversarial.md): the FaceModel is the generator G, a
 * discriminator D (src/model/discriminator.ts) judges its SR images against the HR faces. Both are players of the
 * engine's stepper (src/engine/stepper.ts), each with its own optimiser, lr schedule and step count; checkpoints
 * hold both networks and both optimisers' states, so `--resume` continues bit for bit.
 *
 * One optimiser step on a batch:
 *   1. G: the joint loss (+ heatmap consistency) of ./jasr-adapter.ts + λ_adv(step) · generatorLoss(D(SR)); only G's
 *      variables are differentiated and updated. The SR images are kept for step 2.
 *   2. D, `dSteps` times: discriminatorLoss(D(HR), D(SR)) on the SR of step 1 (a constant here: G does not move);
 *      only D's variables are differentiated and updated.
 * G goes first because the stepper's first player is the run's main one (its terms are the log's unprefixed
 * columns, its lr is train.optimizer's, its finite loss marks a checkpoint good). Over steps the two still
 * alternate: G at step n faces the D of step n − 1, D learns on the SR of G before G's update of step n, as in
 * pix2pix where both see one generator output per batch. Reusing that output spares D a second generator forward
 * pass, the bulk of a step's cost.
 * During the first warmupSteps, λ_adv = 0 and D is not updated; both adversarial losses are still measured (on SR
 * with its gradient stopped) so the log has every column from step 1.
 * With train.workers > 1 each replica runs both players' updates on its shard of the batch (replicaRecipe,
 * ./jasr-gan-replica.ts; src/engine/parallel/phases.ts): the SR images kept for D are then each replica's own.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Json } from '../core/overrides';
import type { FaceModel } from '../model/types';
import type { ModelConfig } from '../model/config';
import { buildDiscriminator, Discriminator } from '../model/discriminator';
import { discriminatorLoss, generatorLoss } from '../losses/adversarial';
import { stopGradient } from '../losses/heatmap-consistency';
import type { FaceBatch, FaceSample } from '../data/types';
import type { TrainConfig } from '../engine/config';
import type { MultiPlayerModel, Player } from '../engine/players';
import type { ReplicaRecipe } from '../engine/parallel/types';
import type { LossTerms, StepContext } from '../engine/trainable';
import type { EvalConfig } from './eval-config';
import { JasrReplicaArgs, JasrTrainable, ValidationOptions } from './jasr-adapter';
import { AdversarialConfig, adversarialWeightAt } from './adversarial-config';

/** Names of the discriminator's terms in the run log (the stepper prefixes them with the player name). */
export const DISCRIMINATOR_TERMS = ['D.total', 'D.real', 'D.fake'];

/** Why `model` cannot be a generator for `adv` (null: it can). */
export function generatorProblem(model: ModelConfig, adv: AdversarialConfig): string | null {
  const arch = model.architecture;
  if (arch === 'align-only' || arch === 'bicubic') return `model.architecture '${arch}' has no trained SR output for a discriminator to judge`;
  const channels = adv.discriminator.heatmapChannels;
  if (channels > 0 && arch === 'sr-only') return 'train.adversarial.discriminator.heatmapChannels > 0 needs a generator with heatmaps (sr-only has none)';
  if (channels > 0 && channels !== model.landmarks + 1)
    return `train.adversarial.discriminator.heatmapChannels is ${channels}, the generator's heatmaps have ${model.landmarks + 1} channels (landmarks + background)`;
  return null;
}

/** What a worker thread needs to rebuild JasrGanTrainable (./jasr-gan-replica.ts); plain JSON. */
export interface JasrGanReplicaArgs extends JasrReplicaArgs {
  adversarial: AdversarialConfig;
}

/** G's output that D's updates of the same step judge, kept out of G's tidy scope. */
interface KeptFake {
  sr: tf.Tensor4D;
  heatmaps?: tf.Tensor4D;
}

export class JasrGanTrainable implements MultiPlayerModel<FaceBatch, FaceSample[]> {
  readonly lossTermNames: string[];
  readonly metricNames: string[];
  readonly discriminator: Discriminator;
  private readonly generator: JasrTrainable;
  private readonly train: TrainConfig;
  private readonly evalConfig: EvalConfig;
  private readonly conditioned: boolean;
  private fake: KeptFake | null = null;

  constructor(
    readonly model: FaceModel,
    train: TrainConfig,
    readonly adversarial: AdversarialConfig,
    evalConfig: EvalConfig,
    validation: ValidationOptions = {},
  ) {
    const problem = generatorProblem(model.config, adversarial);
    if (problem !== null) throw new Error(`train.adversarial: ${problem}`);
    this.generator = new JasrTrainable(model, train, evalConfig, validation);
    this.train = train;
    this.evalConfig = evalConfig;
    // Variable streams depend on the seed and the variable's name (src/model/params.ts), so D may share G's seed.
    this.discriminator = buildDiscriminator(adversarial.discriminator, model.seed);
    this.conditioned = adversarial.discriminator.heatmapChannels > 0;
    this.lossTermNames = [...this.generator.lossTermNames, 'adversarial', ...DISCRIMINATOR_TERMS];
    this.metricNames = this.generator.metricNames;
    const clash = Object.keys(this.discriminator.namedVariables()).find((n) => n in model.namedVariables());
    if (clash !== undefined) {
      this.discriminator.dispose();
      throw new Error(`train.adversarial: the generator and the discriminator both have a variable '${clash}'`);
    }
  }

  namedVariables(): Record<string, tf.Variable> {
    return { ...this.model.namedVariables(), ...this.discriminator.namedVariables() };
  }

  trainableVariables(): tf.Variable[] {
    return [...this.model.trainableVariables(), ...this.discriminator.trainableVariables()];
  }

  players(): Player<FaceBatch>[] {
    const adv = this.adversarial;
    return [
      { name: 'G', variables: this.model.trainableVariables(), lossFn: (b, c) => this.generatorLossFn(b, c) },
      {
        name: 'D',
        variables: this.discriminator.trainableVariables(),
        lossFn: (b) => this.discriminatorLossFn(b),
        ...(adv.optimizer ? { optimizer: adv.optimizer } : {}),
        ...(adv.schedule ? { schedule: adv.schedule } : {}),
        updatesPerStep: adv.dSteps,
        warmupSteps: adv.warmupSteps,
      },
    ];
  }

  /**
   * How train.workers > 1 rebuilds both players in worker threads (src/engine/parallel/): each replica runs G's
   * and D's phases on its shard, the main thread averages the gradients and steps both optimisers.
   */
  replicaRecipe(): ReplicaRecipe {
    const args: JasrGanReplicaArgs = {
      model: this.model.config,
      seed: this.model.seed,
      train: this.train,
      eval: this.evalConfig,
      adversarial: this.adversarial,
    };
    return { module: path.join(__dirname, 'jasr-gan-replica.ts'), exportName: 'jasrGanReplica', args: args as unknown as Json };
  }

  /**
   * Shards are exact only for losses that are means over images (docs/adversarial.md). The relativistic average
   * compares each logit with the mean logit of the other half *of the batch*, so a shard would compare with its
   * own mean instead: a different loss.
   */
  replicaProblem(): string | null {
    if (this.adversarial.loss === 'relativistic-average')
      return "train.adversarial.loss 'relativistic-average' compares every logit with the batch's mean logit, which shards cannot reproduce";
    return null;
  }

  /** Not used for stepping (players() is); the generator's loss, e.g. for a caller that wants one number. */
  lossFn(batch: FaceBatch, ctx: StepContext): LossTerms {
    return this.generatorLossFn(batch, ctx);
  }

  /** D's logits on real faces: the HR images (and their target heatmaps when D is conditioned). */
  private realLogits(batch: FaceBatch): tf.Tensor4D {
    return this.discriminator.apply(batch.hr, this.conditioned ? batch.heatmaps : undefined);
  }

  private generatorLossFn(batch: FaceBatch, ctx: StepContext): LossTerms {
    const { loss, out } = this.generator.jointTerms(batch, ctx);
    const sr = out.sr as tf.Tensor4D;
    const heatmaps = this.conditioned ? out.heatmaps[out.heatmaps.length - 1] : undefined;
    this.keepFake(sr, heatmaps);
    const weight = adversarialWeightAt(this.adversarial, ctx.step);
    // In the warm-up the term is measured only: with the gradient stopped, backprop never enters D or reaches G.
    const judged = weight > 0 ? sr : stopGradient(sr);
    const judgedMaps = heatmaps && (weight > 0 ? heatmaps : stopGradient(heatmaps));
    const fakeLogits = this.discriminator.apply(judged, judgedMaps);
    // Only the relativistic loss reads the real logits; they carry no gradient to G.
    const real = this.adversarial.loss === 'relativistic-average' ? this.realLogits(batch) : undefined;
    const adversarial = generatorLoss(this.adversarial.loss, fakeLogits, real);
    const total = weight > 0 ? (tf.add(loss.total, tf.mul(weight, adversarial)) as tf.Scalar) : loss.total;
    return { total, terms: { ...loss.terms, adversarial } };
  }

  private discriminatorLossFn(batch: FaceBatch): LossTerms {
    const fake = this.fake ?? this.freshFake(batch);
    const real = this.realLogits(batch);
    const fakeLogits = this.discriminator.apply(fake.sr, fake.heatmaps);
    return {
      total: discriminatorLoss(this.adversarial.loss, real, fakeLogits),
      // Mean logits: how confidently D tells the two apart (the curves of docs/adversarial.md).
      terms: { real: tf.mean(real) as tf.Scalar, fake: tf.mean(fakeLogits) as tf.Scalar },
    };
  }

  /** G's output when no G update ran before D's in this step (not the stepper's order; kept for direct callers). */
  private freshFake(batch: FaceBatch): KeptFake {
    const out = this.model.apply(batch.input, { hr: batch.hr });
    return { sr: out.sr as tf.Tensor4D, heatmaps: this.conditioned ? out.heatmaps[out.heatmaps.length - 1] : undefined };
  }

  private keepFake(sr: tf.Tensor4D, heatmaps: tf.Tensor4D | undefined): void {
    this.dropFake();
    // Copies kept out of the enclosing tidy (tf.variableGrads of G's update), freed with the batch.
    this.fake = { sr: tf.keep(tf.clone(sr)), ...(heatmaps ? { heatmaps: tf.keep(tf.clone(heatmaps)) } : {}) };
  }

  private dropFake(): void {
    if (this.fake) tf.dispose([this.fake.sr, ...(this.fake.heatmaps ? [this.fake.heatmaps] : [])]);
    this.fake = null;
  }

  /** Validation of G alone: the evaluator of src/task/evaluate.ts, as for plain training. */
  evaluate(val: FaceSample[]): Promise<Record<string, number>> {
    return this.generator.evaluate(val);
  }

  batchSize(batch: FaceBatch): number {
    return this.generator.batchSize(batch);
  }

  /** The stepper calls this once every player has run on the batch: the kept SR goes with it. */
  disposeBatch(batch: FaceBatch): void {
    this.dropFake();
    this.generator.disposeBatch(batch);
  }

  /** Frees the discriminator (the caller owns, and disposes, the generator model). */
  dispose(): void {
    this.dropFake();
    this.discriminator.dispose();
  }
}
