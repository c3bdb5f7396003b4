/** Public API of the model layer. */
export * from './config';
export type { ApplyOptions, FaceModel, ModelOutput, ParameterRow } from './types';
export { buildModel, DEFAULT_MODEL_SEED } from './build';
export { costTable, countParams, macsPerImage } from './count';
export type { CostRow, ParamCounts } from './count';
export { pixelShuffle, IMAGENET_MEAN_RGB, IMAGENET_STD_RGB } from './blocks';
export { FUSIONS } from './fusion';
export type { FusionSpec } from './fusion';
export { decodeHeatmaps, DECODE_WINDOW_RADIUS } from '../codec/decode';
export type { DecodedLandmarks } from '../codec/decode';
export { saveModel, loadModel, loadWeightsInto, fsIOHandler, ModelFileError } from './io';
export {
  buildDiscriminator,
  DISCRIMINATORS,
  DISCRIMINATOR_VARIANTS,
  DISCRIMINATOR_CONFIG_SCHEMA,
  DEFAULT_DISCRIMINATOR_CONFIG,
  discriminatorCostTable,
  countDiscriminatorParams,
} from './discriminator';
export type { Discriminator, DiscriminatorConfig, DiscriminatorVariant, DiscriminatorSpec, DiscriminatorCostRow } from './discriminator';
