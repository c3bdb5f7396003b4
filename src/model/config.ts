/**
 * The model configuration: everything that decides which network `buildModel` assembles.
 * Defaults reproduce the official released JASRNet (`option.py`: 128 features, 32 trunk blocks, ×8, 68 points).
 *
 * Each option is declared once, in MODEL_CONFIG_SCHEMA (type, range, default, description); ModelConfig,
 * DEFAULT_MODEL_CONFIG and the editors' JSON Schema (experiments/schema/) are derived from it.
 */
import { z } from 'zod';
import { FUSION_VARIANTS } from './fusion';
import { INIT_SCHEMES } from './params';
import { MEAN_SHIFT_MODES } from './blocks';

/**
 * Which network: the joint model, or one of the baselines / ablation variants built from the same modules. The
 * builders' registry (BUILDERS in build.ts) is typed Record<Architecture, …>, so a name here without a builder (or a
 * builder without a name) does not compile. The names cannot be read from that registry itself: the builders and
 * the modules they use import ModelConfig from this file, and the import-rule test refuses cycles.
 */
export const ARCHITECTURES = {
  jasrnet: 'shared encoder + fusion + SR head + alignment head (the paper)',
  bicubic: 'no learning: the upsampled LR input is the SR output; no landmarks',
  'sr-only': 'encoder + fusion + SR head',
  'align-only': 'encoder + fusion + alignment head (input chosen by alignInput)',
  'two-stage': 'SR net, then an alignment net on its output',
  'separate-encoders': 'two encoders (no sharing), same heads',
} as const;
export type Architecture = keyof typeof ARCHITECTURES;
export const ARCHITECTURE_NAMES = Object.keys(ARCHITECTURES) as [Architecture, ...Architecture[]];
/** The architectures with an alignment head, the ones model.depth can add a depth head to. */
export const DEPTH_ARCHITECTURES: readonly Architecture[] = ['jasrnet', 'align-only', 'two-stage', 'separate-encoders'];

// Fusion variants, init schemes and mean-shift modes are declared by the modules that implement them (a new fusion
// is one entry in FUSIONS, src/model/fusion.ts); the config's enums are read from there.
export { FUSION_VARIANTS } from './fusion';
export type { FusionVariant } from './fusion';
export type { InitScheme } from './params';
export type { MeanShiftMode } from './blocks';

const describeChoices = (choices: Record<string, string>): string =>
  Object.entries(choices)
    .map(([k, v]) => `'${k}': ${v}`)
    .join('; ');

export const MODEL_CONFIG_SCHEMA = z
  .strictObject({
    architecture: z.enum(ARCHITECTURE_NAMES).default('jasrnet').describe(describeChoices(ARCHITECTURES)),
    features: z.number().int().min(1).default(128).describe('F, channels everywhere in encoder, trunk and heads'),
    trunkBlocks: z.number().int().min(0).default(32).describe('R, residual blocks in the deep trunk'),
    scale: z.literal([4, 8]).default(8).describe('SR factor: 8 (16→128) or 4 (64→256); the network input is the LR face bicubic-upsampled to HR size'),
    landmarks: z.number().int().min(1).default(68).describe('landmarks per face; heatmap channels = landmarks + 1 (background)'),
    stages: z.number().int().min(1).default(3).describe('CPM refinement stages in the alignment head'),
    fusion: z.enum(FUSION_VARIANTS).default('additive').describe('how intermediate encoder outputs join the deep trunk (registry: src/model/fusion.ts)'),
    init: z.enum(INIT_SCHEMES).default('official'),
    meanShift: z
      .enum(MEAN_SHIFT_MODES)
      .default('faithful')
      .describe("'faithful': the official add_mean quirk y = (x + mean)/std; 'inverse': the correct y = x·std + mean"),
    srResScale: z.number().min(0).default(0.1).describe('residual scale of the SR-feature blocks (official 0.1)'),
    srResidual: z
      .enum(['none', 'input'])
      .default('none')
      .describe(
        "'none' (official): the SR head's output is the SR image; 'input': global residual, SR = network input (the bicubic-upsampled LR) + head output",
      ),
    alignInput: z
      .enum(['lr', 'hr'])
      .default('lr')
      .describe("for 'align-only': train/test on the upsampled LR input ('lr') or on the real HR image ('hr', an upper bound)"),
    // Optional without a default, so model configs recorded before this key existed compare equal on resume/reuse.
    depth: z
      .boolean()
      .optional()
      .describe(
        'true: a depth head (src/model/heads/depth.ts) regresses one z per landmark beside the heatmaps (3D alignment, docs/3d.md); absent or false: 2D only',
      ),
  })
  .superRefine((c, ctx) => {
    if (c.depth && !DEPTH_ARCHITECTURES.includes(c.architecture))
      ctx.addIssue({
        code: 'custom',
        path: ['depth'],
        message: `the depth head reads the alignment head's heatmaps; architectures with one: ${DEPTH_ARCHITECTURES.join(', ')}, found '${c.architecture}'`,
      });
  });

export type ModelConfig = z.output<typeof MODEL_CONFIG_SCHEMA>;
export type SrResidualMode = ModelConfig['srResidual'];

export const DEFAULT_MODEL_CONFIG: ModelConfig = MODEL_CONFIG_SCHEMA.parse({});
