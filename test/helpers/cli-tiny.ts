/** A tiny JASRNet experiment on synthetic faces for the CLI smoke tests (features 4, one trunk block, two steps). */
import * as fs from 'fs';
import * as path from 'path';

export function tinyExperiment(name = 'tiny', architecture = 'jasrnet'): Record<string, unknown> {
  return {
    name,
    description: 'CLI smoke test',
    model: { architecture, features: 4, trunkBlocks: 1, stages: 1, scale: 8, init: 'official', meanShift: 'inverse' },
    data: { format: 'synthetic', scale: 8, syntheticCounts: [4, 2, 3] },
    train: { epochs: 1, batchSize: 2, maxSteps: 2, logEvery: 1, workers: 1, optimizer: { lr: 0.001 } },
  };
}

export function writeTinyExperiment(dir: string, name = 'tiny', architecture = 'jasrnet'): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(tinyExperiment(name, architecture)));
  return file;
}
