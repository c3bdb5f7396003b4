/**
 * The sections an experiment file may have, each validated by the schema its own module exports.
 * Adding a section (data, train, eval) means adding one entry here.
 */
import type { Schema } from './schema';
import { DEFAULT_MODEL_CONFIG, MODEL_CONFIG_SCHEMA, ModelConfig } from '../model/config';

interface Section<T> {
  schema: Schema & { type: 'object' };
  defaults: T;
}

export const SECTIONS = {
  model: { schema: MODEL_CONFIG_SCHEMA, defaults: DEFAULT_MODEL_CONFIG } as Section<ModelConfig>,
};

export interface SectionValues {
  model: ModelConfig;
}
