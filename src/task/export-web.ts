/**
 * `jasr export`: a trained checkpoint → the browser format of src/task/enhance-web-model.ts (model.json + weights.bin),
 * both written atomically; weights.bin first, so a model.json on disk always has its weights beside it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic-write';
import type { FaceModel } from '../model/types';
import { WebModelError, WebModelManifest, loadWebModel, webModelFiles } from './enhance-web-model';

export function exportWebModel(
  model: FaceModel,
  outDir: string,
  meta: { experiment: string; checkpoint: string; margin: number; quantize?: boolean },
): { manifestFile: string; weightsFile: string; bytes: number } {
  const { manifest, weights } = webModelFiles(model, meta);
  fs.mkdirSync(outDir, { recursive: true });
  const weightsFile = path.join(outDir, manifest.weightsFile);
  const manifestFile = path.join(outDir, 'model.json');
  writeFileAtomic(weightsFile, weights);
  writeJsonAtomic(manifestFile, manifest);
  return { manifestFile, weightsFile, bytes: weights.byteLength };
}

/** Reads an exported model in Node (the page's loader, fed from disk). */
export function readWebModel(dir: string): { model: FaceModel; manifest: WebModelManifest } {
  const manifestFile = path.join(dir, 'model.json');
  if (!fs.existsSync(manifestFile)) throw new WebModelError(`${manifestFile}: expected an exported model (jasr export), found no such file`);
  let manifest: WebModelManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as WebModelManifest;
  } catch (e) {
    throw new WebModelError(`${manifestFile}: expected JSON, found a file that does not parse (${(e as Error).message})`);
  }
  const buf = fs.readFileSync(path.join(dir, manifest.weightsFile ?? 'weights.bin'));
  const weights = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return { model: loadWebModel(manifest, weights, manifestFile), manifest };
}
