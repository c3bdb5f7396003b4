/**
 * Schema of the `data` section, mirroring DataConfig (src/data/config.ts, owned by the data layer, which exports
 * the type and defaults but no schema). Cross-key rules are delegated to the data layer's own `dataConfig()`.
 */
import type { Schema } from '../core/schema';
import { ConfigError } from '../core/schema';
import { DATASET_FORMATS, DataConfig, dataConfig } from '../data/config';

const fraction: Schema = { type: 'number', min: 0, max: 1 };
const count: Schema = { type: 'number', integer: true, min: 0 };

export const DATA_CONFIG_SCHEMA: Schema & { type: 'object' } = {
  type: 'object',
  fields: {
    format: { type: 'enum', values: DATASET_FORMATS },
    root: { type: 'optional', inner: { type: 'string' } },
    testSubset: { type: 'optional', inner: { type: 'string' } },
    scale: { type: 'enum', values: [4, 8] },
    hrSize: { type: 'number', integer: true, min: 8 },
    margin: { type: 'number', min: 0 },
    augment: {
      type: 'object',
      fields: {
        flipProbability: fraction,
        rotationDeg: { type: 'number', min: 0, max: 180 },
        scaleJitter: fraction,
        translateFraction: fraction,
        colourJitter: fraction,
      },
    },
    offlineCopies: { type: 'number', integer: true, min: 1 },
    heatmapSigma: { type: 'number', min: 0.1 },
    seed: { type: 'number', integer: true },
    batchSize: { type: 'number', integer: true, min: 1 },
    limit: count,
    valFraction: { type: 'number', min: 0, max: 0.999 },
    skipBad: { type: 'boolean' },
    syntheticCounts: { type: 'array', items: count, minItems: 3 },
  },
};

export function checkDataConfig(c: DataConfig, file: string): void {
  if (c.syntheticCounts.length !== 3) throw new ConfigError(file, 'data.syntheticCounts', `expected [train, val, test], found ${c.syntheticCounts.length} numbers`);
  try {
    dataConfig(c);
  } catch (e) {
    throw new ConfigError(file, 'data', (e as Error).message);
  }
}
