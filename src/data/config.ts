/**
 * Everything that decides which faces a run sees and how they are prepared. The training helper composes this
 * into experiment configs; `openDataset(config)` reads it.
 */
import { AugmentConfig, NO_AUGMENT, OFFICIAL_AUGMENT } from './augment';
import { HEATMAP_SIGMA_HR } from '../codec/heatmaps';

export type DatasetFormat = '300w' | 'aflw' | 'helen' | 'celeba' | 'wflw' | 'dlib-xml' | 'embedded' | 'synthetic';

export const DATASET_FORMATS: DatasetFormat[] = ['300w', 'aflw', 'helen', 'celeba', 'wflw', 'dlib-xml', 'embedded', 'synthetic'];

export interface DataConfig {
  format: DatasetFormat;
  /** Dataset directory (benchmarks), the embedded cache directory (default `.cache/jasr/embedded` or $JASR_CACHE), unused for synthetic. */
  root?: string;
  /** Test subset/split: 300W 'full' | 'common' | 'challenging'; others 'test'. Training always uses the format's training split. */
  testSubset?: string;
  scale: 4 | 8;
  /** Side at which samples are stored in memory (256 serves both scales). */
  hrSize: number;
  /** Crop margin on each side, as a fraction of the face box side. */
  margin: number;
  augment: AugmentConfig;
  /** Offline ×K expansion of the training split before online augmentation (1 = off). */
  offlineCopies: number;
  /**
   * σ of the target Gaussians in HR pixels (official 4 = HEATMAP_SIGMA_HR). At stride 8 the official σ is half a
   * heatmap cell, nearly one-hot; a wider σ gives the alignment head a denser signal (the decoder's window mean copes).
   */
  heatmapSigma: number;
  seed: number;
  batchSize: number;
  /** Cap on samples per split (0 = no cap), for quick runs. */
  limit: number;
  /** Fraction of the training split held out as validation when the format has no validation split. */
  valFraction: number;
  /** Collect malformed annotations into `info.problems` instead of failing. */
  skipBad: boolean;
  /** Synthetic faces per split (train, val, test). */
  syntheticCounts: [number, number, number];
}

export const DEFAULT_DATA_CONFIG: DataConfig = {
  format: 'embedded',
  scale: 8,
  hrSize: 256,
  margin: 0.1,
  augment: OFFICIAL_AUGMENT,
  offlineCopies: 1,
  heatmapSigma: HEATMAP_SIGMA_HR,
  seed: 1,
  batchSize: 2,
  limit: 0,
  valFraction: 0,
  skipBad: false,
  syntheticCounts: [32, 8, 8],
};

export function dataConfig(overrides: Partial<DataConfig> = {}): DataConfig {
  const c = { ...DEFAULT_DATA_CONFIG, ...overrides };
  if (!DATASET_FORMATS.includes(c.format)) throw new Error(`data.format: expected one of ${DATASET_FORMATS.join(', ')}, found '${c.format}'`);
  if (c.scale !== 4 && c.scale !== 8) throw new Error(`data.scale: expected 4 or 8, found ${c.scale}`);
  if (!(c.margin >= 0)) throw new Error(`data.margin: expected ≥ 0, found ${c.margin}`);
  if (!(c.heatmapSigma > 0)) throw new Error(`data.heatmapSigma: expected > 0 (HR pixels), found ${c.heatmapSigma}`);
  if (!(c.valFraction >= 0 && c.valFraction < 1)) throw new Error(`data.valFraction: expected in [0, 1), found ${c.valFraction}`);
  return c;
}

export { NO_AUGMENT, OFFICIAL_AUGMENT };
