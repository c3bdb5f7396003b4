/**
 * Public API of the table statistics: clustered (and seed-crossed) bootstrap intervals of means, paired
 * differences with a sign-flip test and a verdict, the minimum detectable effect, and `27.41 ± 0.12` cells.
 * Design and choices: docs/statistics.md.
 */
export { StatsInputError, faceTableFromRecords, tableMean, groupSums } from './table';
export type { FaceTable, FaceValueRecord, GroupSums } from './table';
export { bootstrapMean, bootstrapContrast, bootstrapReplicates, bcaAcceleration, quantileSorted, DEFAULT_BOOTSTRAP } from './bootstrap';
export type { BootstrapOptions, Interval, IntervalMethod, ContrastTerm } from './bootstrap';
export { signFlipTest, groupDifferenceTotals, DEFAULT_SIGN_FLIP } from './permutation';
export type { SignFlipOptions, SignFlipResult } from './permutation';
export { pairedDifference } from './paired';
export type { PairedOptions, PairedDifference } from './paired';
export { METRIC_DIRECTIONS, metricDirection, verdict, perFaceAuc, perFaceFailure } from './direction';
export type { MetricDirection, Verdict } from './direction';
export { minimumDetectableEffect, groupMeans, groupDifferenceSd, effectiveGroupCount } from './mde';
export type { MdeOptions } from './mde';
export { formatMean, formatDifference, plusMinus, decimalsFor } from './format';
export type { CellInterval, FormatOptions, DifferenceFormatOptions } from './format';
export { normalCdf, normalQuantile } from './normal';
