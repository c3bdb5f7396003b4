/**
 * The untrained tiny JASRNet the enhance, tracker and web-page tests run (features 4, one block, one stage, the
 * CPU recipe's init and input residual): small enough to build in milliseconds, the same graph as a real model.
 */
import { buildModel } from '../../src/model/build';
import { MODEL_CONFIG_SCHEMA } from '../../src/model/config';
import type { FaceModel } from '../../src/model/types';

export const TINY_FACE_MODEL_CONFIG = MODEL_CONFIG_SCHEMA.parse({
  architecture: 'jasrnet',
  features: 4,
  trunkBlocks: 1,
  stages: 1,
  scale: 8,
  init: 'official',
  meanShift: 'inverse',
  srResidual: 'input',
});

export function buildTinyFaceModel(seed: number): FaceModel {
  return buildModel(TINY_FACE_MODEL_CONFIG, seed);
}
