/**
 * The sections an experiment file may have, each validated by the schema its own module exports.
 * Adding a section (e.g. data) means adding one entry here and one field to SectionValues.
 */
import type { Schema } from '../core/schema';
import { DEFAULT_MODEL_CONFIG, MODEL_CONFIG_SCHEMA, ModelConfig } from '../model/config';
import { DEFAULT_TRAIN_CONFIG, TRAIN_CONFIG_SCHEMA, TrainConfig, checkTrainConfig } from '../engine/config';
import { DEFAULT_EVAL_CONFIG, EVAL_CONFIG_SCHEMA, EvalConfig } from '../task/eval-config';
import { DATA_CONFIG_SCHEMA, checkDataConfig } from './data-section';
import { DEFAULT_DATA_CONFIG, DataConfig } from '../data/config';

export interface Section<T> {
  schema: Schema & { type: 'object' };
  defaults: T;
  /** Rules spanning several keys, run on the resolved section; throws a ConfigError naming `file`. */
  check?: (value: T, file: string) => void;
}

export const SECTIONS = {
  model: { schema: MODEL_CONFIG_SCHEMA, defaults: DEFAULT_MODEL_CONFIG } as Section<ModelConfig>,
  data: { schema: DATA_CONFIG_SCHEMA, defaults: DEFAULT_DATA_CONFIG, check: checkDataConfig } as Section<DataConfig>,
  train: { schema: TRAIN_CONFIG_SCHEMA, defaults: DEFAULT_TRAIN_CONFIG, check: checkTrainConfig } as Section<TrainConfig>,
  eval: { schema: EVAL_CONFIG_SCHEMA, defaults: DEFAULT_EVAL_CONFIG } as Section<EvalConfig>,
};

export interface SectionValues {
  model: ModelConfig;
  data: DataConfig;
  train: TrainConfig;
  eval: EvalConfig;
}
