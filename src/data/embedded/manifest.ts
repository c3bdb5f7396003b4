/** The embedded set on disk: HR crops as PNG plus one JSON manifest. Images of people stay out of git (.cache/). */
import * as fs from 'fs';
import * as path from 'path';
import type { FaceSample, Provenance } from '../types';
import { readImage, rgbToFloat } from '../image-io';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_VERSION = 1;

export type SplitName = 'train' | 'val' | 'test';

export interface ManifestSample {
  id: string;
  /** PNG beside the manifest. */
  image: string;
  hrSize: number;
  landmarks: number[];
  box: [number, number, number, number];
  /** SSD box in the source photo, or null where the whole tight crop was used. */
  detectorBox: [number, number, number, number] | null;
  detectorScore: number | null;
  split: SplitName;
  provenance: Provenance;
}

export interface Manifest {
  version: number;
  builtAt: string;
  hrSize: number;
  /** Margin used for the stored crops (fraction of the landmark box side, each side). */
  margin: number;
  seed: number;
  labeller: string;
  samples: ManifestSample[];
  skipped: { file: string; reason: string }[];
  notes: string[];
  buildSeconds: number;
}

/** `--out`, else $JASR_CACHE/embedded, else `.cache/jasr/embedded` under the repository root. */
export function defaultEmbeddedDir(): string {
  if (process.env.JASR_CACHE) return path.join(process.env.JASR_CACHE, 'embedded');
  return path.resolve(__dirname, '..', '..', '..', '.cache', 'jasr', 'embedded');
}

export function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, MANIFEST_NAME);
  if (!fs.existsSync(file)) return null;
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  if (m.version !== MANIFEST_VERSION) return null;
  return m;
}

export function writeManifest(dir: string, m: Manifest): void {
  const file = path.join(dir, MANIFEST_NAME);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(m, null, 1));
  fs.renameSync(`${file}.tmp`, file);
}

export async function loadManifestSample(dir: string, s: ManifestSample): Promise<FaceSample> {
  const img = await readImage(path.join(dir, s.image));
  if (img.width !== s.hrSize || img.height !== s.hrSize) {
    throw new Error(`${path.join(dir, s.image)}: expected ${s.hrSize}×${s.hrSize} (manifest), found ${img.width}×${img.height}`);
  }
  const points = s.landmarks.length / 2;
  return {
    id: s.id, hr: rgbToFloat(img), hrSize: s.hrSize, landmarks: Float32Array.from(s.landmarks),
    visible: new Uint8Array(points).fill(1), box: s.box, provenance: s.provenance,
  };
}
