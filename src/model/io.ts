/**
 * Save/load model weights in TF.js's model format (model.json with `weightsManifest` + weights.bin), on every
 * backend, through our own Node-fs IOHandler: the built-in file:// handler needs native tfjs-node.
 * model.json also carries the ModelConfig and seed (userDefinedMetadata) and the SHA-256 of each weights file,
 * so a truncated or corrupt file is reported by name instead of silently loading garbage.
 * Files are written atomically (temp file + rename), weights before model.json, so a crash never leaves a
 * model.json that points at half-written weights.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, validate } from '../experiments/schema';
import { DEFAULT_MODEL_CONFIG, MODEL_CONFIG_SCHEMA, ModelConfig } from './config';
import { buildModel } from './build';
import type { FaceModel } from './types';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const WEIGHTS_FORMAT = 'jasr-kit-weights';

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

const sha256 = (bytes: Uint8Array): string => crypto.createHash('sha256').update(bytes).digest('hex');

function fail(file: string, problem: string): never {
  throw new Error(`${file}: ${problem}`);
}

export type FsIOHandler = Required<Pick<tf.io.IOHandler, 'save' | 'load'>>;

/** A tf.io IOHandler that reads/writes `<dir>/model.json` and `<dir>/weights.bin` with Node fs. */
export function fsIOHandler(dir: string): FsIOHandler {
  const jsonFile = path.join(dir, MODEL_JSON);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      writeAtomic(path.join(dir, WEIGHTS_BIN), weights);
      const manifest: tf.io.WeightsManifestConfig = [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }];
      const json = {
        format: artifacts.format ?? WEIGHTS_FORMAT,
        generatedBy: artifacts.generatedBy ?? 'jasr-kit',
        convertedBy: null,
        modelTopology: artifacts.modelTopology ?? null,
        weightsManifest: manifest,
        weightsSha256: { [WEIGHTS_BIN]: sha256(weights) },
        userDefinedMetadata: artifacts.userDefinedMetadata ?? {},
      };
      writeAtomic(jsonFile, JSON.stringify(json, null, 1));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      if (!fs.existsSync(jsonFile)) fail(jsonFile, 'not found (expected a model saved by saveModel)');
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Record<string, unknown>;
      } catch (e) {
        fail(jsonFile, `not valid JSON (${(e as Error).message})`);
      }
      const manifest = json.weightsManifest;
      if (!Array.isArray(manifest)) fail(jsonFile, "key 'weightsManifest': expected an array of {paths, weights}");
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      const hashes = (json.weightsSha256 ?? {}) as Record<string, string>;
      for (const [g, group] of (manifest as tf.io.WeightsManifestConfig).entries()) {
        if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights))
          fail(jsonFile, `key 'weightsManifest[${g}]': expected {paths: string[], weights: [...]}`);
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          if (!fs.existsSync(file)) fail(file, `not found (listed in ${jsonFile} weightsManifest[${g}])`);
          const bytes = new Uint8Array(fs.readFileSync(file));
          const expected = hashes[p];
          if (expected !== undefined && sha256(bytes) !== expected)
            fail(file, `corrupt: SHA-256 differs from the one recorded in ${jsonFile} (file size ${bytes.byteLength} bytes)`);
          buffers.push(bytes);
        }
      }
      const expectedBytes = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
      const foundBytes = buffers.reduce((sum, b) => sum + b.byteLength, 0);
      if (specs.some((s) => s.dtype !== 'float32' || s.quantization))
        fail(jsonFile, 'weightsManifest: only unquantised float32 weights are supported');
      if (foundBytes !== expectedBytes)
        fail(path.join(dir, WEIGHTS_BIN), `expected ${expectedBytes} bytes (from ${jsonFile} weightsManifest), found ${foundBytes}`);
      const joined = new Uint8Array(foundBytes);
      let offset = 0;
      for (const b of buffers) {
        joined.set(b, offset);
        offset += b.byteLength;
      }
      return {
        modelTopology: (json.modelTopology ?? undefined) as tf.io.ModelArtifacts['modelTopology'],
        format: json.format as string | undefined,
        generatedBy: json.generatedBy as string | undefined,
        weightSpecs: specs,
        weightData: joined.buffer,
        userDefinedMetadata: (json.userDefinedMetadata ?? {}) as Record<string, object>,
      };
    },
  };
}

/** Writes the model's variables (by hierarchical name), its config and seed to `dir`. */
export async function saveModel(model: FaceModel, dir: string): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(model.namedVariables());
  await fsIOHandler(dir).save({
    format: WEIGHTS_FORMAT,
    generatedBy: 'jasr-kit',
    weightSpecs: specs,
    weightData: data,
    userDefinedMetadata: { modelConfig: model.config as unknown as object, seed: { value: model.seed } },
  });
}

/** Copies the weights saved in `dir` into `model`; names and shapes must match exactly. */
export async function loadWeightsInto(model: FaceModel, dir: string): Promise<void> {
  const artifacts = await fsIOHandler(dir).load();
  assignWeights(model, artifacts, path.join(dir, MODEL_JSON));
}

function assignWeights(model: FaceModel, artifacts: tf.io.ModelArtifacts, jsonFile: string): void {
  const decoded = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs ?? []);
  try {
    const variables = model.namedVariables();
    const missing = Object.keys(variables).filter((n) => !(n in decoded));
    const extra = Object.keys(decoded).filter((n) => !(n in variables));
    if (missing.length > 0 || extra.length > 0)
      fail(jsonFile, `weights do not match the model: missing [${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}], unexpected [${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}]`);
    for (const [name, v] of Object.entries(variables)) {
      const t = decoded[name];
      if (!tf.util.arraysEqual(t.shape, v.shape)) fail(jsonFile, `weight '${name}': model expects shape [${v.shape}], file has [${t.shape}]`);
    }
    for (const [name, v] of Object.entries(variables)) v.assign(decoded[name]);
  } finally {
    tf.dispose(decoded);
  }
}

/** Rebuilds the model from the config stored in `dir/model.json`, then loads its weights. */
export async function loadModel(dir: string): Promise<FaceModel> {
  const jsonFile = path.join(dir, MODEL_JSON);
  const artifacts = await fsIOHandler(dir).load();
  const meta = artifacts.userDefinedMetadata as { modelConfig?: unknown; seed?: { value?: number } } | undefined;
  if (!meta?.modelConfig) fail(jsonFile, "key 'userDefinedMetadata.modelConfig' missing (not saved by saveModel?)");
  let config: ModelConfig;
  try {
    // Fill fields added to ModelConfig after the file was written with their defaults.
    config = validate<ModelConfig>({ ...DEFAULT_MODEL_CONFIG, ...(meta.modelConfig as object) }, MODEL_CONFIG_SCHEMA, jsonFile, 'userDefinedMetadata.modelConfig');
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(e.message);
    throw e;
  }
  const model = buildModel(config, meta.seed?.value);
  try {
    assignWeights(model, artifacts, jsonFile);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
