/**
 * The `train` section of an experiment: optimiser, schedule, loss weighting, model selection and budgets.
 * Defaults follow the official JASRNet recipe (docs/official-code.md §3): Adam lr 5e-5, β (0.9, 0.999), ε 1e-8,
 * coupled L2 5e-4 on every parameter, MultiStepLR [20, 30] γ 0.5, 40 epochs, batch 2, no clipping, seed 1,
 * loss = 1·heatmap + 1·L1. The one deliberate difference: the official code picks the best epoch by *test*
 * PSNR; here selection uses the validation split unless the run names the mode 'official-selection'.
 *
 * Each option is declared once, in TRAIN_CONFIG_SCHEMA (type, range, default, description); the TypeScript types,
 * DEFAULT_TRAIN_CONFIG and the editors' JSON Schema (experiments/schema/) are all derived from it.
 */
import { z } from 'zod';

const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);

/** Largest train.workers an experiment may ask for. */
export const MAX_WORKERS = 64;

export const WEIGHT_DECAY_MODES = ['coupled', 'decoupled'] as const;
export const SELECTION_METRICS = ['nme', 'psnr', 'ssim', 'loss'] as const;
/** Where Adam adds ε (src/engine/optimizer.ts, docs/model.md "Adam ε"). */
export const EPSILON_PLACEMENTS = ['after-bias-correction', 'before-bias-correction'] as const;
/** How train.gradClip clips (src/engine/clip.ts, docs/model.md "Gradient clipping"). */
export const CLIP_MODES = ['norm', 'value'] as const;

/** Also the adversarial section's discriminator optimiser (src/task/adversarial-config.ts). */
export const OPTIMIZER_SCHEMA = z
  .strictObject({
    type: z.enum(['adam']).default('adam'),
    lr: z.number().min(0).default(5e-5).describe('learning rate'),
    beta1: z.number().min(0).max(0.999999).default(0.9),
    beta2: z.number().min(0).max(0.999999999).default(0.999),
    epsilon: z.number().min(0).default(1e-8),
    weightDecay: z.number().min(0).default(5e-4),
    decay: z.enum(WEIGHT_DECAY_MODES).default('coupled').describe("'coupled': L2 added to the gradient (torch.optim.Adam weight_decay); 'decoupled': AdamW"),
    // Optional without a default, so recipes recorded before this key existed compare equal on resume/reuse.
    epsilonPlacement: z
      .enum(EPSILON_PLACEMENTS)
      .optional()
      .describe(
        "where ε enters Adam's denominator: 'after-bias-correction' (absent; current PyTorch) or 'before-bias-correction' (the older PyTorch of the official code: ε on √v, an effective ε/√(1−β₂ᵗ))",
      ),
  })
  .prefault({});

export const SCHEDULE_SCHEMA = z
  .strictObject({
    type: z.enum(['step']).default('step'),
    milestones: z
      .array(z.number().positive())
      .default(() => [20, 30])
      .describe(
        '1-based epochs (or steps, with unit "step"; or fractions in (0, 1) of the step budget, with unit "budget") after which the lr is multiplied by gamma (increasing)',
      ),
    gamma: z.number().min(0).default(0.5),
    // Optional without a default, so recipes recorded before these keys existed compare equal on resume/reuse.
    unit: z
      .enum(['epoch', 'step', 'budget'])
      .optional()
      .describe(
        "what milestones count: 'epoch' (absent: the official MultiStepLR), optimiser 'step', or 'budget': fractions of the run's last step (train.maxSteps or epochs × steps per epoch), so a table that changes the steps keeps the decay at the same point of training",
      ),
    onUnreachable: z
      .enum(['warn', 'refuse'])
      .optional()
      .describe("a milestone the step/epoch budget never reaches: 'warn' (absent) says so at start, 'refuse' stops the training before it starts"),
  })
  .describe('Step schedule indexed by 1-based epoch (or step): lr · gamma^(number of milestones strictly below it)')
  .prefault({});

const SELECTION_SCHEMA = z
  .strictObject({
    metric: z.enum(SELECTION_METRICS).default('psnr'),
    split: z.enum(['val', 'test']).default('val').describe("which split selects the best epoch; 'test' only with mode 'official-selection'"),
    mode: z
      .enum(['standard', 'official-selection'])
      .default('standard')
      .describe(
        "'standard': honest selection on a held-out split; 'official-selection': the official code's best epoch on the test set (optimistically biased)",
      ),
  })
  .prefault({});

export const TRAIN_CONFIG_SCHEMA = z
  .strictObject({
    epochs: positiveInt.default(40),
    // option.py says 8, but every logged official run used batch 2 (2 GPUs × 1).
    batchSize: positiveInt.default(2),
    optimizer: OPTIMIZER_SCHEMA,
    schedule: SCHEDULE_SCHEMA,
    gradClip: z.number().min(0).default(0).describe('gradient clipping threshold, applied as train.gradClipMode says; 0 = off (official gclip 0)'),
    // Optional without a default, so recipes recorded before this key existed compare equal on resume/reuse.
    gradClipMode: z
      .enum(CLIP_MODES)
      .optional()
      .describe(
        "how gradClip clips: 'norm' (absent) scales all gradients to a global norm ≤ gradClip; 'value' clamps each element to ±gradClip, as the official --gclip",
      ),
    lossWeights: z
      .strictObject({
        pixel: z.number().min(0).default(1),
        heatmap: z.number().min(0).default(1),
        // Optional without a default, so recipes recorded before this key existed compare equal on resume/reuse.
        heatmapConsistency: z
          .number()
          .min(0)
          .optional()
          .describe(
            'weight of the heatmap-consistency term (Super-FAN: the alignment branch on the SR image against the HR heatmaps); absent = 0, jasrnet only',
          ),
        depth: z.number().min(0).optional().describe('weight of the depth loss for a model with model.depth (absent = 1); docs/3d.md'),
      })
      .prefault({}),
    pixelLoss: z.enum(['l1', 'l2']).default('l1'),
    depthLoss: z
      .enum(['l1', 'l2'])
      .optional()
      .describe("depth loss on z / face size, centred per face (absent = 'l1'); read only with model.depth (docs/3d.md)"),
    heatmapLoss: z
      .enum(['official', 'mean'])
      .default('official')
      .describe("'official': SSE over masked heatmaps summed over stages, ÷ (2·B); 'mean': mean squared error"),
    selection: SELECTION_SCHEMA,
    seed: z.number().int().default(1),
    checkpointEvery: nonNegativeInt.default(0).describe('also save `last` every this many steps (0 = only at the end of each epoch)'),
    logEvery: positiveInt.default(10).describe('write a step record to the run log every this many steps'),
    maxSteps: positiveInt.optional().describe('stop (after saving) once this many optimiser steps have run in total'),
    maxMinutes: z.number().min(0).optional().describe('stop (after saving) once this many minutes of wall-clock time have passed in this process'),
    // Optional without a default, so recipes recorded before this key existed compare equal on resume/reuse.
    microBatch: positiveInt
      .optional()
      .describe(
        'images per forward/backward pass: a batch larger than this is cut into micro-batches whose gradients are summed (weighted by their share of the batch) before one optimiser step, the same update as the whole batch in less memory; absent = the whole batch at once',
      ),
    workers: z
      .union([z.literal('auto'), z.number().int().min(1).max(MAX_WORKERS)], { error: `expected "auto" or an integer from 1 to ${MAX_WORKERS}` })
      .default('auto')
      .describe(
        "data-parallel replicas per step (src/engine/parallel/): 'auto' = one per core on the XNNPACK path, one replica when the native addon's oneDNN convs already use every core; 1 = the single-thread path",
      ),
  })
  .superRefine((c, ctx) => {
    // Rules across keys that a per-key declaration cannot say.
    if (c.selection.split === 'test' && c.selection.mode !== 'official-selection') {
      ctx.addIssue({
        code: 'custom',
        path: ['selection', 'split'],
        message: "'test' selects the best epoch on the test set; allowed only with train.selection.mode 'official-selection'",
      });
    }
    // Micro-batches weighted by their image counts add up to the batch gradient only when the loss is a mean over
    // images; 'mean' divides by the batch's count of visible landmarks, which a micro-batch cannot know.
    if (c.microBatch !== undefined && c.microBatch < c.batchSize && c.heatmapLoss === 'mean') {
      ctx.addIssue({
        code: 'custom',
        path: ['microBatch'],
        message:
          "needs a loss that is a mean over images; heatmapLoss 'mean' normalises by the whole batch's visible landmarks (use 'official' or drop microBatch)",
      });
    }
    const m = c.schedule.milestones;
    m.forEach((v, i) => {
      if (c.schedule.unit === 'budget' ? !(v < 1) : !Number.isInteger(v)) {
        const expected =
          c.schedule.unit === 'budget'
            ? 'a fraction of the budget in (0, 1) (train.schedule.unit is "budget")'
            : `a whole ${c.schedule.unit ?? 'epoch'} number`;
        ctx.addIssue({ code: 'custom', path: ['schedule', 'milestones', i], message: `expected ${expected}, found ${v}` });
      }
    });
    for (let i = 1; i < m.length; i++) {
      if (m[i] <= m[i - 1])
        ctx.addIssue({ code: 'custom', path: ['schedule', 'milestones', i], message: `must be increasing, found ${m[i - 1]} then ${m[i]}` });
    }
  });

export type TrainConfig = z.output<typeof TRAIN_CONFIG_SCHEMA>;
export type OptimizerConfig = TrainConfig['optimizer'];
export type ScheduleConfig = TrainConfig['schedule'];
export type SelectionConfig = TrainConfig['selection'];
export type SelectionMetric = SelectionConfig['metric'];
export type WeightDecayMode = OptimizerConfig['decay'];

export const DEFAULT_TRAIN_CONFIG: TrainConfig = TRAIN_CONFIG_SCHEMA.parse({});

/** True when a larger value of the metric is better. */
export function higherIsBetter(metric: SelectionMetric): boolean {
  return metric === 'psnr' || metric === 'ssim';
}
