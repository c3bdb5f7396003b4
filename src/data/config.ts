/**
 * Everything that decides which faces a run sees and how they are prepared. The training helper composes this
 * into experiment configs; `openDataset(config)` reads it.
 */
import { z } from 'zod';
import { NO_AUGMENT, OFFICIAL_AUGMENT } from './augment';
import { HEATMAP_SIGMA_HR } from '../codec/heatmaps';
import { DECLARABLE_LABELS, DeclaredLabels, REGISTERED_FORMATS, RegisteredFormat } from './registry';
import { CROP_SOURCES, CropSource } from './crop';

/** A format of the dataset registry (src/data/registry.ts): its reader, splits, point count and defaults. */
export type DatasetFormat = RegisteredFormat;

export const DATASET_FORMATS: DatasetFormat[] = REGISTERED_FORMATS;

const fraction = z.number().min(0).max(1);
const count = z.number().int().min(0);

/**
 * The `data` section of an experiment. Each option is declared once here (type, range, default, description);
 * DataConfig, DEFAULT_DATA_CONFIG and the editors' JSON Schema (experiments/schema/) are derived from it.
 */
export const DATA_CONFIG_SCHEMA = z.strictObject({
  format: z.enum(DATASET_FORMATS as [DatasetFormat, ...DatasetFormat[]]).default('embedded'),
  root: z
    .string()
    .optional()
    .describe('dataset directory (benchmarks), the embedded cache directory (default .cache/jasr/embedded or $JASR_CACHE), unused for synthetic'),
  testSubset: z
    .string()
    .optional()
    .describe("test subset/split: 300W 'full' | 'common' | 'challenging'; others 'test'. Training always uses the format's training split"),
  scale: z.literal([4, 8]).default(8),
  hrSize: z.number().int().min(8).default(256).describe('side at which samples are stored in memory (256 serves both scales)'),
  margin: z.number().min(0).default(0.1).describe('crop margin on each side, as a fraction of the face box side'),
  crop: z
    .enum(CROP_SOURCES as [CropSource, ...CropSource[]])
    .optional()
    .describe("crop source: the dataset's face box or the landmarks' box, squared with data.margin (default: the format's entry in src/data/registry.ts)"),
  labels: z
    .enum(DECLARABLE_LABELS as [DeclaredLabels, ...DeclaredLabels[]])
    .optional()
    .describe("how the landmarks were made, declared by the user (default: what the files state, else the format's registry entry)"),
  augment: z
    .strictObject({
      flipProbability: fraction.default(OFFICIAL_AUGMENT.flipProbability).describe('probability of a horizontal flip (official 0.5)'),
      rotationDeg: z.number().min(0).max(180).default(OFFICIAL_AUGMENT.rotationDeg).describe('max |rotation| in degrees (0 = off)'),
      scaleJitter: fraction.default(OFFICIAL_AUGMENT.scaleJitter).describe('scale drawn uniformly in [1 − scaleJitter, 1 + scaleJitter]'),
      translateFraction: fraction.default(OFFICIAL_AUGMENT.translateFraction).describe('max translation as a fraction of the HR side'),
      colourJitter: fraction.default(OFFICIAL_AUGMENT.colourJitter),
    })
    .prefault({}),
  offlineCopies: z.number().int().min(1).default(1).describe('offline ×K expansion of the training split before online augmentation (1 = off)'),
  // At stride 8 the official σ is half a heatmap cell, nearly one-hot; a wider σ gives the alignment head a denser
  // signal (the decoder's window mean copes).
  heatmapSigma: z.number().min(0.1).default(HEATMAP_SIGMA_HR).describe(`σ of the target Gaussians in HR pixels (official ${HEATMAP_SIGMA_HR})`),
  // Optional without a default, so recipes recorded before this key existed compare equal on resume/reuse.
  quantize: z
    .boolean()
    .optional()
    .describe(
      'true: HR, LR and the network input at 8-bit levels as the official image files and its uint8 cv2 cubic upsampling (src/data/pairs.ts); false (absent): float throughout, as the kit always did (docs/model.md "8-bit images")',
    ),
  seed: z.number().int().default(1),
  batchSize: z.number().int().min(1).default(2),
  limit: count.default(0).describe('cap on samples per split (0 = no cap), for quick runs'),
  valFraction: z
    .number()
    .min(0)
    .max(0.999)
    .default(0)
    .describe('fraction of the training split held out as validation when the format has no validation split'),
  // Cross-validation (src/data/folds.ts): all faces of every split pooled, k folds by group, this run on one of them.
  // Optional (absent = the format's own splits) so runs recorded before these keys still compare equal.
  folds: z
    .number()
    .int()
    .min(2)
    .optional()
    .describe("group k-fold over all faces of the data set (absent = the format's own splits); every face is a test face in exactly one fold"),
  fold: z.number().int().min(0).optional().describe('which fold (0 … folds − 1) this run trains on and tests (default 0)'),
  foldSeed: z
    .number()
    .int()
    .optional()
    .describe(
      "seed (default 1) of the fold assignment and of each fold's validation groups (kept apart from data.seed, which follows train.seed, so every training seed sees the same folds)",
    ),
  skipBad: z.boolean().default(false).describe('collect malformed annotations into `info.problems` instead of failing'),
  syntheticCounts: z
    .tuple([count, count, count])
    .default((): [number, number, number] => [32, 8, 8])
    .describe('synthetic faces per split [train, val, test]'),
  // Optional without a default, so data configs recorded before this key existed compare equal on resume/reuse.
  syntheticDepth: z
    .boolean()
    .optional()
    .describe(
      'true: 68-point faces without z get synthetic z (an ellipsoidal head model) and a pose estimated from their 2D points (src/data/depth-synthetic.ts), labels then synthetic; exercises the 3D path on 2D sets, not a 3D label',
    ),
});

export type DataConfig = z.output<typeof DATA_CONFIG_SCHEMA>;

export const DEFAULT_DATA_CONFIG: DataConfig = DATA_CONFIG_SCHEMA.parse({});

export function dataConfig(overrides: Partial<DataConfig> = {}): DataConfig {
  const c = { ...DEFAULT_DATA_CONFIG, ...overrides };
  if (!DATASET_FORMATS.includes(c.format)) throw new Error(`data.format: expected one of ${DATASET_FORMATS.join(', ')}, found '${c.format}'`);
  if (c.scale !== 4 && c.scale !== 8) throw new Error(`data.scale: expected 4 or 8, found ${c.scale}`);
  if (!(c.margin >= 0)) throw new Error(`data.margin: expected ≥ 0, found ${c.margin}`);
  if (!(c.heatmapSigma > 0)) throw new Error(`data.heatmapSigma: expected > 0 (HR pixels), found ${c.heatmapSigma}`);
  if (!(c.valFraction >= 0 && c.valFraction < 1)) throw new Error(`data.valFraction: expected in [0, 1), found ${c.valFraction}`);
  if (c.folds !== undefined && (c.fold ?? 0) >= c.folds) throw new Error(`data.fold: expected 0 … ${c.folds - 1} (data.folds is ${c.folds}), found ${c.fold}`);
  return c;
}

export { NO_AUGMENT, OFFICIAL_AUGMENT };
