/**
 * A tiny GAN experiment on synthetic faces (test/helpers/cli-tiny.ts's JASRNet, features 4, one trunk block, one
 * CPM stage) with a 4-feature discriminator, heatmap consistency and one warm-up step: 2 epochs of 2 steps.
 */
import { tinyExperiment } from './cli-tiny';

export function tinyGanExperiment(name = 'tiny-gan', architecture = 'jasrnet'): Record<string, unknown> {
  const base = tinyExperiment(name, architecture) as { model: Record<string, unknown>; data: Record<string, unknown>; train: Record<string, unknown> };
  return {
    ...base,
    model: { ...base.model, srResidual: 'input' },
    data: { ...base.data, heatmapSigma: 10 },
    train: {
      ...base.train,
      epochs: 2,
      maxSteps: 4,
      schedule: { milestones: [100], unit: 'step' },
      lossWeights: { pixel: 1, heatmap: architecture === 'jasrnet' ? 0.2 : 0, ...(architecture === 'jasrnet' ? { heatmapConsistency: 0.1 } : {}) },
      adversarial: { loss: 'non-saturating', weight: 0.01, warmupSteps: 1, dSteps: 1, discriminator: { features: 4 } },
    },
  };
}
