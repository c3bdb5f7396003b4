/**
 * The exported model format the browser loads (`jasr export`): `model.json` (the model config, the crop margin
 * and a list of named float32 tensors with byte offsets) and `weights.bin` (their values, little-endian, in
 * list order). The loader rebuilds the network with the kit's own builder (src/model/build.ts, bundled into the
 * page) and assigns the weights, so the page runs the same forward pass as Node. No fs here: the page bundles it.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../model/build';
import type { ModelConfig } from '../model/config';
import type { FaceModel } from '../model/types';
import { KnownError } from '../core/errors';

export const WEB_MODEL_FORMAT = 'jasr-web-model';
export const WEB_MODEL_VERSION = 1;

export interface WebTensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export interface WebModelManifest {
  format: typeof WEB_MODEL_FORMAT;
  version: number;
  experiment: string;
  checkpoint: string;
  model: ModelConfig;
  seed: number;
  /** Crop margin on each side, as a fraction of the face box side (the experiment's data.margin). */
  margin: number;
  /** The run's data.quantize (absent in files written before it existed = false). */
  quantize?: boolean;
  weightsFile: string;
  tensors: WebTensorEntry[];
}

export class WebModelError extends KnownError {}

/** The two files of an exported model, in memory. */
export function webModelFiles(
  model: FaceModel,
  meta: { experiment: string; checkpoint: string; margin: number; quantize?: boolean },
): { manifest: WebModelManifest; weights: Uint8Array } {
  const vars = model.namedVariables();
  const tensors: WebTensorEntry[] = [];
  let total = 0;
  for (const [name, v] of Object.entries(vars)) {
    tensors.push({ name, shape: v.shape, offset: total * 4, length: v.size });
    total += v.size;
  }
  const values = new Float32Array(total);
  for (const t of tensors) values.set(vars[t.name].dataSync() as Float32Array, t.offset / 4);
  return {
    manifest: { format: WEB_MODEL_FORMAT, version: WEB_MODEL_VERSION, ...meta, model: model.config, seed: model.seed, weightsFile: 'weights.bin', tensors },
    weights: new Uint8Array(values.buffer),
  };
}

/** Builds the model a manifest describes and loads its weights; `where` names the files in errors. */
export function loadWebModel(manifest: WebModelManifest, weights: ArrayBuffer, where: string): FaceModel {
  if (manifest.format !== WEB_MODEL_FORMAT)
    throw new WebModelError(`${where}: format: expected '${WEB_MODEL_FORMAT}', found ${JSON.stringify(manifest.format)}`);
  if (manifest.version !== WEB_MODEL_VERSION)
    throw new WebModelError(`${where}: version: expected ${WEB_MODEL_VERSION}, found ${JSON.stringify(manifest.version)}`);
  const model = buildModel(manifest.model, manifest.seed);
  try {
    const vars = model.namedVariables();
    const listed = new Set(manifest.tensors.map((t) => t.name));
    const missing = Object.keys(vars).filter((n) => !listed.has(n));
    if (missing.length > 0)
      throw new WebModelError(
        `${where}: tensors: expected every variable of the ${manifest.model.architecture} model, found ${missing.length} missing (first '${missing[0]}')`,
      );
    for (const t of manifest.tensors) {
      const v = vars[t.name];
      if (!v) throw new WebModelError(`${where}: tensors: '${t.name}' is not a variable of the ${manifest.model.architecture} model`);
      if (v.shape.join(',') !== t.shape.join(',')) throw new WebModelError(`${where}: tensors: '${t.name}' expected shape [${v.shape}], found [${t.shape}]`);
      if (t.offset + t.length * 4 > weights.byteLength)
        throw new WebModelError(`${where}: ${manifest.weightsFile}: expected at least ${t.offset + t.length * 4} bytes, found ${weights.byteLength}`);
      const data = new Float32Array(weights.slice(t.offset, t.offset + t.length * 4));
      const value = tf.tensor(data, t.shape);
      v.assign(value);
      value.dispose();
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
