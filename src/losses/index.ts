/** Public API of the losses layer. */
export { l1Loss, l2Loss, pixelLoss } from './pixel';
export type { PixelLossKind } from './pixel';
export { officialHeatmapLoss, meanHeatmapLoss, heatmapLoss } from './heatmap';
export type { HeatmapLossKind } from './heatmap';
export { jointLoss, OFFICIAL_JOINT_LOSS } from './joint';
export type { JointLoss, JointLossConfig, JointLossTargets, JointPredictions } from './joint';
export {
  discriminatorLoss,
  generatorLoss,
  nonSaturatingDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
  relativisticDiscriminatorLoss,
  relativisticGeneratorLoss,
  stableSoftplus,
  ADVERSARIAL_LOSS_KINDS,
} from './adversarial';
export type { AdversarialLossKind } from './adversarial';
export { heatmapConsistencyLoss, stopGradient } from './heatmap-consistency';
export { depthLoss, DEPTH_LOSS_KINDS } from './depth';
export type { DepthLossKind } from './depth';
