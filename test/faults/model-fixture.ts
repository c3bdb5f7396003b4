/** A small saved model and the helpers the model-file fault tests share: copy it, edit its model.json, expect a refusal. */
import { strict as assert } from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_MODEL_CONFIG, ModelConfig } from '../../src/model/config';
import { buildModel } from '../../src/model/build';
import { ModelFileError, saveModel } from '../../src/model/io';
import type { FaceModel } from '../../src/model/types';

export const SMALL: ModelConfig = { ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 1, landmarks: 5 };
export const SEED = 7;

export type ModelJson = Record<string, unknown> & {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[];
  weightsSha256: unknown;
  modelJsonSha256?: string;
  userDefinedMetadata: { modelConfig: Record<string, unknown>; seed?: unknown };
};

/** The saved files of one small model, saved once per suite; each test copies them into its own folder. */
export interface Saved {
  root: string;
  json: Buffer;
  weights: Buffer;
}

export async function saveFixture(): Promise<Saved> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-model-faults-'));
  const model = buildModel(SMALL, SEED);
  const dir = path.join(root, 'original');
  await saveModel(model, dir);
  model.dispose();
  return { root, json: fs.readFileSync(path.join(dir, 'model.json')), weights: fs.readFileSync(path.join(dir, 'weights.bin')) };
}

let counter = 0;
/** A fresh folder `<root>/case-N/model` holding the saved files (one level down, so `../x` stays inside root). */
export function copyOf(saved: Saved, files: { json?: Buffer | string; weights?: Buffer } = {}): string {
  counter += 1;
  const dir = path.join(saved.root, `case-${counter}`, 'model');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), files.json ?? saved.json);
  fs.writeFileSync(path.join(dir, 'weights.bin'), files.weights ?? saved.weights);
  return dir;
}

export const sha256 = (bytes: Uint8Array | string): string => crypto.createHash('sha256').update(bytes).digest('hex');

/** model.json's self-hash, computed the way the loader documents it (independently of src/model/io.ts). */
export function seal(json: ModelJson): ModelJson {
  delete json.modelJsonSha256;
  json.modelJsonSha256 = sha256(JSON.stringify(json));
  return json;
}

/** Rewrites `dir/model.json` after `mutate`; resealed by default so the check under test, not the self-hash, refuses it. */
export function editJson(dir: string, mutate: (json: ModelJson) => void, reseal = true): void {
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  mutate(json);
  fs.writeFileSync(file, JSON.stringify(reseal ? seal(json) : json, null, 1));
}

/** Awaits a refusal: a ModelFileError (or another known error), one line, naming `file`, matching `pattern`. */
export async function refused(load: Promise<unknown>, file: string, pattern: RegExp): Promise<string> {
  let error: unknown;
  try {
    const model = await load;
    (model as FaceModel | undefined)?.dispose?.();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ModelFileError, `expected a ModelFileError, got ${error instanceof Error ? error.stack : String(error)}`);
  const message = error.message;
  assert.ok(!message.includes('\n'), `one line: ${message}`);
  assert.ok(message.startsWith(`${file}: `), `names ${file} first: ${message}`);
  assert.match(message, pattern);
  return message;
}

/** All variables of a model, in creation order, as the bytes weights.bin would hold. */
export function weightBytes(model: FaceModel): Buffer {
  return Buffer.concat(Object.values(model.namedVariables()).map((v) => Buffer.from((v.dataSync() as Float32Array).slice().buffer)));
}
