/**
 * `train.adversarial` of an experiment: switches two-player (GAN) training on for the face task
 * (./jasr-gan.ts, docs/adversarial.md). Declared here, in the task layer, because it names the discriminator
 * (src/model/discriminator.ts) and the GAN losses (src/losses/adversarial.ts), which the generic engine may not
 * import; src/config/sections.ts adds it to the train section. Absent: plain training, and recipes recorded before
 * this key existed compare equal on resume and reuse.
 */
import { z } from 'zod';
import { ADVERSARIAL_LOSS_KINDS } from '../losses/adversarial';
import { DISCRIMINATOR_CONFIG_SCHEMA } from '../model/discriminator';
import { OPTIMIZER_SCHEMA, SCHEDULE_SCHEMA } from '../engine/config';

export const ADVERSARIAL_CONFIG_SCHEMA = z
  .strictObject({
    loss: z
      .enum(ADVERSARIAL_LOSS_KINDS)
      .default('non-saturating')
      .describe("GAN loss of both players (src/losses/adversarial.ts): 'non-saturating', 'least-squares' or 'relativistic-average'"),
    weight: z.number().min(0).default(1e-3).describe("λ_adv: weight of the generator's adversarial term beside the pixel and heatmap terms"),
    dSteps: z.number().int().min(1).default(1).describe('discriminator updates per generator update (k), each on the same batch'),
    warmupSteps: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('optimiser steps from the start without the adversarial term: λ_adv = 0 and D is not updated (its loss is still logged)'),
    rampSteps: z.number().int().min(0).default(0).describe('after the warm-up, λ_adv grows linearly from 0 to weight over this many steps (0 = at once)'),
    discriminator: DISCRIMINATOR_CONFIG_SCHEMA.prefault({}),
    optimizer: OPTIMIZER_SCHEMA.optional().describe("the discriminator's optimiser; absent = train.optimizer"),
    schedule: SCHEDULE_SCHEMA.optional().describe("the discriminator's lr schedule; absent = train.schedule"),
  })
  .describe('two-player training: the model is the generator, a discriminator judges its SR images against HR (docs/adversarial.md)');

export type AdversarialConfig = z.output<typeof ADVERSARIAL_CONFIG_SCHEMA>;

/**
 * λ_adv at a 1-based step: 0 during the warm-up, then a linear ramp (step warmup + 1 gets weight / rampSteps),
 * then `weight`.
 */
export function adversarialWeightAt(cfg: Pick<AdversarialConfig, 'weight' | 'warmupSteps' | 'rampSteps'>, step: number): number {
  const past = step - cfg.warmupSteps;
  if (past <= 0) return 0;
  if (cfg.rampSteps <= 0) return cfg.weight;
  return cfg.weight * Math.min(1, past / cfg.rampSteps);
}
