/**
 * Brings an embedded set of an older manifest version up to the current one in place, without relabelling in
 * 2D or rewriting images: version 1 → 2 adds the face mesh's pseudo-3D labels, computed from the stored PNGs
 * (the same pixels the build labels, so a rebuilt set and an upgraded one agree). The caller holds the lock;
 * the new manifest is written atomically, so a crash leaves the version 1 set intact.
 */
import * as path from 'path';
import { initBackend } from '../../backend/index'; // '/index': tslab (notebooks) cannot resolve directory imports
import { writeJsonAtomic } from '../../core/atomic-write';
import { readImage, rgbToFloat } from '../image-io';
import { EmbeddedSetError, MANIFEST_NAME, MANIFEST_VERSION, Manifest, ManifestSample } from './manifest';
import { loadFaceMesh } from './face-mesh';
import { meshLabellerName, meshLabels } from './mesh-labels';

export function needsUpgrade(m: Manifest): boolean {
  return m.version < MANIFEST_VERSION;
}

export async function upgradeManifest(dir: string, old: Manifest, log: (line: string) => void): Promise<Manifest> {
  const started = Date.now();
  await initBackend({ quiet: true });
  const model = await loadFaceMesh();
  const samples: ManifestSample[] = [];
  for (const s of old.samples) {
    const img = await readImage(path.join(dir, s.image));
    if (img.width !== s.hrSize || img.height !== s.hrSize) {
      throw new EmbeddedSetError(`${path.join(dir, s.image)}: expected ${s.hrSize}×${s.hrSize} (manifest), found ${img.width}×${img.height}`);
    }
    samples.push({ ...s, ...meshLabels(model, rgbToFloat(img), s.hrSize, s.landmarks) });
  }
  const seconds = (Date.now() - started) / 1000;
  const manifest: Manifest = {
    ...old,
    version: MANIFEST_VERSION,
    labeller3d: meshLabellerName(model),
    samples,
    notes: [...old.notes, `3D labels added to the version ${old.version} set in ${seconds.toFixed(1)} s (2D labels and images unchanged)`],
  };
  writeJsonAtomic(path.join(dir, MANIFEST_NAME), manifest);
  log(`${dir}: 3D labels added to ${samples.length} faces (manifest version ${old.version} → ${MANIFEST_VERSION})`);
  return manifest;
}
