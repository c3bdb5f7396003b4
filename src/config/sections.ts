/**
 * The sections an experiment file may have, each declared by its own module's schema, and the schema of a whole
 * experiment file (the one the loader parses and the one experiments/schema/experiment.schema.json is generated
 * from). Adding a section means adding one entry to SECTIONS.
 */
import { z } from 'zod';
import { MODEL_CONFIG_SCHEMA } from '../model/config';
import { TRAIN_CONFIG_SCHEMA } from '../engine/config';
import { EVAL_CONFIG_SCHEMA } from '../task/eval-config';
import { DATA_CONFIG_SCHEMA } from '../data/config';
import { ADVERSARIAL_CONFIG_SCHEMA } from '../task/adversarial-config';

export const SECTIONS = {
  model: MODEL_CONFIG_SCHEMA,
  data: DATA_CONFIG_SCHEMA,
  // The engine's train section, plus the face task's two-player option (it names the discriminator, which the
  // generic engine may not import); safeExtend keeps the section's cross-key rules.
  train: TRAIN_CONFIG_SCHEMA.safeExtend({ adversarial: ADVERSARIAL_CONFIG_SCHEMA.optional() }),
  eval: EVAL_CONFIG_SCHEMA,
};

export type SectionName = keyof typeof SECTIONS;
export type SectionValues = { [K in SectionName]: z.output<(typeof SECTIONS)[K]> };

/**
 * One experiment file. Every section is partial in a file: a file may set `train.selection.metric` alone, and
 * the defaults declared in the section's schema fill the rest (after `extends` and `--set` are merged).
 */
export const EXPERIMENT_FILE_SCHEMA = z.strictObject({
  $schema: z.string().optional().describe('the JSON Schema editors validate this file with (ignored by the loader)'),
  extends: z.string().optional().describe('an experiment file this one builds on, relative to this file; this file wins, objects merge key by key'),
  name: z.string().optional().describe("run name; results go to runs/<name>/ (default: the file's base name)"),
  description: z.string().optional(),
  model: SECTIONS.model.prefault({}),
  data: SECTIONS.data.prefault({}),
  train: SECTIONS.train.prefault({}),
  eval: SECTIONS.eval.prefault({}),
});
