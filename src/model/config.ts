/**
 * The model configuration: everything that decides which network `buildModel` assembles.
 * Defaults reproduce the official released JASRNet (`option.py`: 128 features, 32 trunk blocks, ×8, 68 points).
 */

/** Which network: the joint model, or one of the baselines / ablation variants built from the same modules. */
export type Architecture =
  | 'jasrnet' // shared encoder + fusion + SR head + alignment head (the paper)
  | 'bicubic' // no learning: the upsampled LR input is the SR output; no landmarks
  | 'sr-only' // encoder + fusion + SR head
  | 'align-only' // encoder + fusion + alignment head (input chosen by `alignInput`)
  | 'two-stage' // SR net, then an alignment net on its output
  | 'separate-encoders'; // two encoders (no sharing), same heads

/** How intermediate encoder outputs join the deep trunk. */
export type FusionVariant =
  | 'additive' // official: stride-2 side path of a0/b/c1 summed, added to the trunk output
  | 'none' // trunk output only
  | 'concat'; // taps brought to trunk resolution, concatenated with the trunk output, 1×1 conv

export type InitScheme = 'official' | 'he';

/** `faithful`: the official add_mean quirk y = (x + mean)/std; `inverse`: the correct y = x·std + mean. */
export type MeanShiftMode = 'faithful' | 'inverse';

/**
 * `none` (official): the SR head's output is the SR image. `input`: global residual (VDSR-style), SR = network input
 * (the bicubic-upsampled LR) + head output, so an untrained head starts at bicubic quality and only learns the detail.
 */
export type SrResidualMode = 'none' | 'input';

export interface ModelConfig {
  architecture: Architecture;
  /** F, channels everywhere in encoder, trunk and heads. */
  features: number;
  /** R, residual blocks in the deep trunk. */
  trunkBlocks: number;
  /** SR factor: 8 (16→128) or 4 (64→256). The network input is the LR face bicubic-upsampled to HR size. */
  scale: 4 | 8;
  /** Landmarks per face; heatmap channels = landmarks + 1 (background). */
  landmarks: number;
  /** CPM refinement stages in the alignment head. */
  stages: number;
  fusion: FusionVariant;
  init: InitScheme;
  meanShift: MeanShiftMode;
  /** Residual scale of the SR-feature blocks (official 0.1). */
  srResScale: number;
  /** Global residual of the SR output (not in the official model; adds no parameters). */
  srResidual: SrResidualMode;
  /** For `align-only`: train/test on the upsampled LR input (`lr`) or on the real HR image (`hr`, an upper bound). */
  alignInput: 'lr' | 'hr';
}

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  architecture: 'jasrnet',
  features: 128,
  trunkBlocks: 32,
  scale: 8,
  landmarks: 68,
  stages: 3,
  fusion: 'additive',
  init: 'official',
  meanShift: 'faithful',
  srResScale: 0.1,
  srResidual: 'none',
  alignInput: 'lr',
};



import type { Schema } from '../core/schema';

/** Schema of the `model` section of an experiment file (all keys optional there: defaults fill the rest). */
export const MODEL_CONFIG_SCHEMA: Schema & { type: 'object' } = {
  type: 'object',
  fields: {
    architecture: { type: 'enum', values: ['jasrnet', 'bicubic', 'sr-only', 'align-only', 'two-stage', 'separate-encoders'] },
    features: { type: 'number', integer: true, min: 1 },
    trunkBlocks: { type: 'number', integer: true, min: 0 },
    scale: { type: 'enum', values: [4, 8] },
    landmarks: { type: 'number', integer: true, min: 1 },
    stages: { type: 'number', integer: true, min: 1 },
    fusion: { type: 'enum', values: ['additive', 'none', 'concat'] },
    init: { type: 'enum', values: ['official', 'he'] },
    meanShift: { type: 'enum', values: ['faithful', 'inverse'] },
    srResScale: { type: 'number', min: 0 },
    srResidual: { type: 'enum', values: ['none', 'input'] },
    alignInput: { type: 'enum', values: ['lr', 'hr'] },
  },
};
