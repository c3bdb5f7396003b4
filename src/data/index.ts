/** The data layer's public API (what training, notebooks and the CLI import). */
export type { FaceSample, FaceBatch, Provenance } from './types';
export { disposeBatch } from './types';
export { DataConfig, DatasetFormat, DATASET_FORMATS, DEFAULT_DATA_CONFIG, dataConfig } from './config';
export { openDataset, OpenedDataset, DatasetInfo } from './open';
export { BatchLoader, LoaderOptions, LoaderState } from './loader';
export { makePair, resizeSample, TrainingPair } from './pairs';
export { AugmentConfig, OFFICIAL_AUGMENT, JITTER_AUGMENT, NO_AUGMENT, augmentSample, flipSample, expandOffline } from './augment';
export { FLIP_TABLES, OUTER_EYE_CORNERS, flipTable } from './flip-tables';
export { makeHeatmaps, HEATMAP_SIGMA_HR, HEATMAP_THRESHOLD } from '../codec/heatmaps';
export { MATLAB_BICUBIC, PIL_BICUBIC, OPENCV_CUBIC, resampleHwc, downsampleMatlab, upsampleOpenCv } from './resize';
export { syntheticFace, syntheticFaces } from './embedded/synthetic';
export { buildEmbedded } from './embedded/build';
export { inspectDataset, InspectReport } from './inspect';
export { renderPair } from './draw';
