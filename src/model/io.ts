/**
 * Save/load model weights in TF.js's model format (model.json with `weightsManifest` + weights.bin), on every
 * backend, through our own Node-fs IOHandler: the built-in file:// handler needs native tfjs-node.
 * model.json also carries the ModelConfig and seed (userDefinedMetadata), the SHA-256 of each weights file and
 * of its own content. Files are written atomically (src/core/atomic-write.ts), weights before model.json, so a
 * crash never leaves a model.json that points at half-written weights.
 *
 * A model folder is untrusted input (downloaded, copied, truncated by a full disk), so loading checks everything
 * before it allocates or creates a tensor, and refuses with a one-line ModelFileError naming the file, what was
 * expected and what was found:
 * - model.json: at most MODEL_JSON_MAX_BYTES, a JSON object; `modelJsonSha256` (SHA-256 of JSON.stringify of the
 *   parsed object without that key) must match, so an edited or bit-flipped config is refused, not loaded.
 * - paths: the manifest is one group naming the kit's own file, `weights.bin`: no other name, no separator, no
 *   `..`, no absolute path; a model.json or weights.bin that is a symbolic link leaving the folder is refused.
 * - hashes: `weightsSha256` is a list by manifest position (not keyed by a name the file itself chooses); a
 *   missing or malformed hash is an error. Files written before this layout (`{"weights.bin": "<hex>"}`, no
 *   `modelJsonSha256`) are still read, only when the manifest names exactly `weights.bin`.
 * - weight specs: unique names, dtype float32 without quantization, rank ≤ MAX_WEIGHT_RANK, every dimension a
 *   safe integer in [0, MAX_WEIGHT_DIM]; their bytes are summed against the size of weights.bin (checked before
 *   it is read, each product capped by the bytes left) and must equal it exactly; weights.bin is at most
 *   MAX_WEIGHTS_BYTES.
 * - the model: the config's analytic parameter count (src/model/count.ts) must equal the weights' before the
 *   model is built, and every name and shape must match what buildModel made before any weight tensor exists.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic-write';
import { FileSystemError, KnownError, isFsError } from '../core/errors';
import { validate } from '../core/schema';
import { DEFAULT_MODEL_CONFIG, MODEL_CONFIG_SCHEMA, ModelConfig } from './config';
import { buildModel } from './build';
import { countParams } from './count';
import type { FaceModel } from './types';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const WEIGHTS_FORMAT = 'jasr-kit-weights';

/** model.json holds a config and a few hundred weight specs (a few KB); anything this large is not one. */
export const MODEL_JSON_MAX_BYTES = 16 * 1024 * 1024;
/** Node reads at most 2 GiB in one file read; the paper-era model is 240 MB. */
export const MAX_WEIGHTS_BYTES = 2 ** 31 - 1;
/** The kit's weights are conv kernels [k, k, in, out] and biases [out]. */
export const MAX_WEIGHT_RANK = 4;
/** Largest dimension accepted in a weight shape (the paper-era model's largest is 1024 = 4·256 channels). */
export const MAX_WEIGHT_DIM = 65536;

/** A model folder's file is not what the kit wrote: `<file>: <what was expected>, <what was found>`. */
export class ModelFileError extends KnownError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

const sha256 = (bytes: Uint8Array | string): string => crypto.createHash('sha256').update(bytes).digest('hex');
const isHex256 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A value shown inside a one-line message: JSON, cut short. */
const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

/** The self-hash over a model.json object: its content without the hash key, as JSON.stringify writes it. */
function contentSha256(json: Record<string, unknown>): string {
  const { modelJsonSha256: _ignored, ...rest } = json;
  return sha256(JSON.stringify(rest));
}

/** A weight spec after checking: what the loader relies on, nothing else. */
export interface CheckedSpec {
  name: string;
  shape: number[];
  /** Byte offset in weights.bin. */
  offset: number;
  elements: number;
}

export type FsIOHandler = Required<Pick<tf.io.IOHandler, 'save' | 'load'>>;

/**
 * Opens `name` inside `dir` for reading, refusing a link that leaves the folder and anything not a regular file.
 * Returns the open descriptor and its size; the caller closes it.
 */
function openInside(dir: string, name: string, shown: string, listedIn: string): { fd: number; size: number } {
  let realDir: string;
  let real: string;
  try {
    realDir = fs.realpathSync(dir);
    real = fs.realpathSync(path.join(dir, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelFileError(shown, `not found (${listedIn})`);
    if (isFsError(e)) throw new FileSystemError(e, shown);
    throw e;
  }
  if (path.dirname(real) !== realDir) throw new ModelFileError(shown, `expected a file inside ${dir}, found a link to ${real}`);
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    if (isFsError(e)) throw new FileSystemError(e, shown);
    throw e;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new ModelFileError(shown, 'expected a regular file, found something else (a folder or a device)');
  }
  return { fd, size: stat.size };
}

/** Reads exactly `size` bytes from `fd` into a fresh buffer (offset 0, so Float32Array views align). */
function readExactly(fd: number, size: number, shown: string): Uint8Array {
  const bytes = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const n = fs.readSync(fd, bytes, done, size - done, done);
    if (n === 0) throw new ModelFileError(shown, `shrank while being read (expected ${size} bytes, read ${done})`);
    done += n;
  }
  return bytes;
}

function readModelJson(dir: string, jsonFile: string): Record<string, unknown> {
  const { fd, size } = openInside(dir, MODEL_JSON, jsonFile, 'expected a model saved by saveModel');
  let text: string;
  try {
    if (size > MODEL_JSON_MAX_BYTES) throw new ModelFileError(jsonFile, `expected at most ${MODEL_JSON_MAX_BYTES} bytes, found ${size}`);
    text = Buffer.from(readExactly(fd, size, jsonFile)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(jsonFile, `not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isObject(json)) throw new ModelFileError(jsonFile, `expected a JSON object, found ${show(json)}`);
  return json;
}

/** The one weights file the manifest may name, with its spec list; every other shape of manifest is refused. */
function checkManifest(json: Record<string, unknown>, jsonFile: string): unknown[] {
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw new ModelFileError(jsonFile, `key 'weightsManifest': expected an array of {paths, weights}, found ${show(manifest)}`);
  const seen = new Set<string>();
  for (const [g, group] of manifest.entries()) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new ModelFileError(jsonFile, `key 'weightsManifest[${g}]': expected {paths: string[], weights: [...]}, found ${show(group)}`);
    for (const [i, p] of group.paths.entries()) {
      const key = `weightsManifest[${g}].paths[${i}]`;
      if (typeof p !== 'string') throw new ModelFileError(jsonFile, `key '${key}': expected '${WEIGHTS_BIN}', found ${show(p)}`);
      if (path.isAbsolute(p) || p.includes('/') || p.includes('\\') || p === '..' || p === '.')
        throw new ModelFileError(jsonFile, `key '${key}': expected '${WEIGHTS_BIN}' (a file name inside the model folder), found the path ${show(p)}`);
      if (p !== WEIGHTS_BIN)
        throw new ModelFileError(jsonFile, `key '${key}': expected '${WEIGHTS_BIN}' (the only weights file the kit writes), found ${show(p)}`);
      if (seen.has(p)) throw new ModelFileError(jsonFile, `key '${key}': '${p}' is named twice in weightsManifest`);
      seen.add(p);
    }
  }
  if (manifest.length !== 1 || (manifest[0] as { paths: unknown[] }).paths.length !== 1)
    throw new ModelFileError(
      jsonFile,
      `key 'weightsManifest': expected one group {paths: ['${WEIGHTS_BIN}'], weights}, found ${manifest.length} group(s) naming ${seen.size} file(s)`,
    );
  return (manifest[0] as { weights: unknown[] }).weights;
}

/** Static checks of each spec (no file needed): name, dtype, rank, dimensions. */
function checkSpecShapes(specs: unknown[], jsonFile: string): { name: string; shape: number[] }[] {
  const names = new Set<string>();
  return specs.map((spec, i) => {
    const key = `weightsManifest[0].weights[${i}]`;
    if (!isObject(spec)) throw new ModelFileError(jsonFile, `key '${key}': expected {name, shape, dtype}, found ${show(spec)}`);
    const { name, shape, dtype } = spec;
    if (typeof name !== 'string' || name === '') throw new ModelFileError(jsonFile, `key '${key}.name': expected a non-empty string, found ${show(name)}`);
    if (names.has(name)) throw new ModelFileError(jsonFile, `key '${key}.name': weight '${name}' is listed twice`);
    names.add(name);
    if (dtype !== 'float32') throw new ModelFileError(jsonFile, `weight '${name}': expected dtype "float32", found ${show(dtype)}`);
    if (spec.quantization !== undefined)
      throw new ModelFileError(jsonFile, `weight '${name}': expected unquantised float32, found quantization ${show(spec.quantization)}`);
    if (!Array.isArray(shape) || shape.length > MAX_WEIGHT_RANK)
      throw new ModelFileError(jsonFile, `weight '${name}': expected a shape of at most ${MAX_WEIGHT_RANK} dimensions, found ${show(shape)}`);
    for (const d of shape as unknown[]) {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0 || d > MAX_WEIGHT_DIM)
        throw new ModelFileError(jsonFile, `weight '${name}': expected dimensions that are integers in [0, ${MAX_WEIGHT_DIM}], found shape ${show(shape)}`);
    }
    return { name, shape: shape as number[] };
  });
}

/** Lays the specs out in weights.bin; each product is capped by the bytes left, so nothing huge is ever computed or allocated. */
function layOut(specs: { name: string; shape: number[] }[], fileBytes: number, jsonFile: string, weightsFile: string): CheckedSpec[] {
  let offset = 0;
  const out = specs.map(({ name, shape }) => {
    const left = (fileBytes - offset) / 4;
    let elements = 1;
    for (const d of shape) {
      elements *= d;
      if (elements > left)
        throw new ModelFileError(
          weightsFile,
          `weight '${name}' [${shape.join(', ')}] (from ${jsonFile}) needs more than the ${fileBytes - offset} bytes left after byte ${offset} of ${fileBytes}`,
        );
    }
    const spec = { name, shape, offset, elements };
    offset += elements * 4;
    return spec;
  });
  if (offset !== fileBytes) throw new ModelFileError(weightsFile, `expected ${offset} bytes (the weights in ${jsonFile}), found ${fileBytes}`);
  return out;
}

/** The SHA-256 of each manifest file, by position. Legacy files key the one hash by `weights.bin`. */
function recordedHashes(json: Record<string, unknown>, jsonFile: string): string[] {
  const h = json.weightsSha256;
  if (Array.isArray(h)) {
    if (h.length !== 1 || !isHex256(h[0]))
      throw new ModelFileError(jsonFile, `key 'weightsSha256': expected one SHA-256 in hex for '${WEIGHTS_BIN}', found ${show(h)}`);
    return h as string[];
  }
  if (isObject(h)) {
    const keys = Object.keys(h);
    if (keys.length !== 1 || keys[0] !== WEIGHTS_BIN || !isHex256(h[WEIGHTS_BIN]))
      throw new ModelFileError(jsonFile, `key 'weightsSha256': expected {"${WEIGHTS_BIN}": <SHA-256 in hex>}, found ${show(h)}`);
    return [h[WEIGHTS_BIN] as string];
  }
  throw new ModelFileError(
    jsonFile,
    `key 'weightsSha256': expected the SHA-256 of '${WEIGHTS_BIN}' (a list by manifest position), found ${h === undefined ? 'none' : show(h)}`,
  );
}

/** A tf.io IOHandler that reads/writes `<dir>/model.json` and `<dir>/weights.bin` with Node fs, checking every byte on load. */
export function fsIOHandler(dir: string): FsIOHandler {
  const jsonFile = path.join(dir, MODEL_JSON);
  const weightsFile = path.join(dir, WEIGHTS_BIN);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      writeFileAtomic(weightsFile, weights);
      const manifest: tf.io.WeightsManifestConfig = [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }];
      const json: Record<string, unknown> = {
        format: artifacts.format ?? WEIGHTS_FORMAT,
        generatedBy: artifacts.generatedBy ?? 'jasr-kit',
        convertedBy: null,
        modelTopology: artifacts.modelTopology ?? null,
        weightsManifest: manifest,
        weightsSha256: [sha256(weights)],
        userDefinedMetadata: artifacts.userDefinedMetadata ?? {},
      };
      json.modelJsonSha256 = contentSha256(json);
      writeJsonAtomic(jsonFile, json);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const json = readModelJson(dir, jsonFile);
      // The current layout hashes its own content; a legacy file (weightsSha256 keyed by name) predates that.
      if (Array.isArray(json.weightsSha256) || json.modelJsonSha256 !== undefined) {
        if (!isHex256(json.modelJsonSha256))
          throw new ModelFileError(
            jsonFile,
            `key 'modelJsonSha256': expected the SHA-256 of this file's content, found ${json.modelJsonSha256 === undefined ? 'none' : show(json.modelJsonSha256)}`,
          );
        const actual = contentSha256(json);
        if (actual !== json.modelJsonSha256)
          throw new ModelFileError(
            jsonFile,
            `corrupt or edited: content SHA-256 ${actual.slice(0, 12)}… differs from modelJsonSha256 ${json.modelJsonSha256.slice(0, 12)}…`,
          );
      }
      const shapes = checkSpecShapes(checkManifest(json, jsonFile), jsonFile);
      const [expectedHash] = recordedHashes(json, jsonFile);
      const { fd, size } = openInside(dir, WEIGHTS_BIN, weightsFile, `listed in ${jsonFile} weightsManifest[0]`);
      let bytes: Uint8Array;
      let specs: CheckedSpec[];
      try {
        if (size > MAX_WEIGHTS_BYTES) throw new ModelFileError(weightsFile, `expected at most ${MAX_WEIGHTS_BYTES} bytes, found ${size}`);
        specs = layOut(shapes, size, jsonFile, weightsFile);
        bytes = readExactly(fd, size, weightsFile);
      } finally {
        fs.closeSync(fd);
      }
      const actual = sha256(bytes);
      if (actual !== expectedHash)
        throw new ModelFileError(
          weightsFile,
          `corrupt: SHA-256 ${actual.slice(0, 12)}… differs from ${expectedHash.slice(0, 12)}… recorded in ${jsonFile} (file size ${size} bytes)`,
        );
      const meta = json.userDefinedMetadata ?? {};
      if (!isObject(meta)) throw new ModelFileError(jsonFile, `key 'userDefinedMetadata': expected an object, found ${show(meta)}`);
      return {
        modelTopology: (json.modelTopology ?? undefined) as tf.io.ModelArtifacts['modelTopology'],
        format: typeof json.format === 'string' ? json.format : undefined,
        generatedBy: typeof json.generatedBy === 'string' ? json.generatedBy : undefined,
        weightSpecs: specs.map(({ name, shape }) => ({ name, shape, dtype: 'float32' })),
        weightData: bytes.buffer as ArrayBuffer,
        userDefinedMetadata: meta as Record<string, object>,
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

const listShort = (names: string[]): string => `[${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}]`;

/** Checks every name and shape against the model first, then creates one tensor at a time from the loaded bytes. */
function assignWeights(model: FaceModel, artifacts: tf.io.ModelArtifacts, jsonFile: string): void {
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData as ArrayBuffer;
  const variables = model.namedVariables();
  const byName = new Map(specs.map((s) => [s.name, s]));
  const missing = Object.keys(variables).filter((n) => !byName.has(n));
  const extra = specs.map((s) => s.name).filter((n) => !(n in variables));
  if (missing.length > 0 || extra.length > 0)
    throw new ModelFileError(jsonFile, `weights do not match the model: missing ${listShort(missing)}, unexpected ${listShort(extra)}`);
  for (const [name, v] of Object.entries(variables)) {
    const shape = byName.get(name)!.shape;
    if (!tf.util.arraysEqual(shape, v.shape)) throw new ModelFileError(jsonFile, `weight '${name}': model expects shape [${v.shape}], file has [${shape}]`);
  }
  let offset = 0;
  for (const spec of specs) {
    const elements = tf.util.sizeFromShape(spec.shape);
    // A copy: a backend may keep the array it is given, which would pin (and alias) the whole file's buffer.
    const t = tf.tensor(new Float32Array(data, offset, elements).slice(), spec.shape, 'float32');
    variables[spec.name].assign(t);
    t.dispose();
    offset += elements * 4;
  }
}

/** Rebuilds the model from the config stored in `dir/model.json`, then loads its weights. */
export async function loadModel(dir: string): Promise<FaceModel> {
  const jsonFile = path.join(dir, MODEL_JSON);
  const artifacts = await fsIOHandler(dir).load();
  const meta = artifacts.userDefinedMetadata as { modelConfig?: unknown; seed?: unknown };
  if (!isObject(meta.modelConfig))
    throw new ModelFileError(
      jsonFile,
      `key 'userDefinedMetadata.modelConfig': expected the model's config (saved by saveModel), found ${meta.modelConfig === undefined ? 'none' : show(meta.modelConfig)}`,
    );
  // Fill fields added to ModelConfig after the file was written with their defaults; a ConfigError names the file and key.
  const config = validate<ModelConfig>({ ...DEFAULT_MODEL_CONFIG, ...meta.modelConfig }, MODEL_CONFIG_SCHEMA, jsonFile, 'userDefinedMetadata.modelConfig');
  if (meta.seed !== undefined && !isObject(meta.seed))
    throw new ModelFileError(jsonFile, `key 'userDefinedMetadata.seed': expected {value: <integer>}, found ${show(meta.seed)}`);
  // 'as': tslab compiles notebooks' imports without strictNullChecks, where isObject does not narrow meta.seed.
  const seed = (meta.seed as { value?: unknown } | undefined)?.value;
  if (seed !== undefined && !Number.isSafeInteger(seed))
    throw new ModelFileError(jsonFile, `key 'userDefinedMetadata.seed.value': expected an integer, found ${show(seed)}`);
  // Before building: a config whose model is larger than the weights present would allocate it for nothing.
  const expected = countParams(config).trainableParams;
  const found = (artifacts.weightSpecs ?? []).reduce((sum, s) => sum + tf.util.sizeFromShape(s.shape), 0);
  if (expected !== found)
    throw new ModelFileError(jsonFile, `userDefinedMetadata.modelConfig builds a model of ${expected} parameters, weightsManifest holds ${found}`);
  const model = buildModel(config, seed as number | undefined);
  try {
    assignWeights(model, artifacts, jsonFile);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
