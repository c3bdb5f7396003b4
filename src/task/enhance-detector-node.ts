/**
 * The detector in Node: face-api's node-wasm build on the kit's own TF.js engine (loaded and checked by
 * src/data/embedded/face-api.ts), plus its tiny face detector weights from the same package folder.
 */
import * as path from 'path';
import { loadFaceApi } from '../data/embedded/face-api';
import { packageDir } from '../data/embedded/sources';
import type { DetectorApi, DetectorName } from './enhance-detect';

interface Loadable {
  isLoaded: boolean;
  loadFromDisk(dir: string): Promise<void>;
}

export async function loadDetector(name: DetectorName): Promise<DetectorApi> {
  const api = (await loadFaceApi()) as unknown as DetectorApi & { nets: { tinyFaceDetector: Loadable } };
  if (name === 'tiny' && !api.nets.tinyFaceDetector.isLoaded) {
    await api.nets.tinyFaceDetector.loadFromDisk(path.join(packageDir('@vladmandic/face-api'), 'model'));
  }
  return api;
}
