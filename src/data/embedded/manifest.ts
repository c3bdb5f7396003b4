/**
 * The embedded set on disk: HR crops as PNG plus one JSON manifest. Images of people stay out of git (.cache/).
 *
 * Layout of a set folder (all names are the kit's own):
 *   manifest.json          written last, atomically: the set exists exactly when this file names it
 *   images-<token>/<id>.png  one folder per build; the manifest names every file with its size and SHA-256
 *   .jasr-lock             while `jasr data build` runs (src/core/lock.ts)
 * Sets built before image folders existed keep their PNGs beside the manifest; they still read and verify.
 * Anything else in the folder is not the kit's: it is never deleted, and without a manifest it makes the kit
 * refuse to build there.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { FaceSample, Provenance } from '../types';
import type { Problem } from '../formats/common';
import { readImage, rgbToFloat } from '../image-io';
import { KnownError } from '../../core/errors';
import { isTemporaryName } from '../../core/atomic-write';
import { LOCK_FILE } from '../../core/lock';

export const MANIFEST_NAME = 'manifest.json';
/** 2: samples carry the face mesh's pseudo-3D labels (`depth`, `landmarks3d`, `pose`) and the set `labeller3d`. */
export const MANIFEST_VERSION = 2;
/** Version 1 sets (2D labels only) still read; `jasr data build` adds the 3D labels to them in place. */
export const READABLE_MANIFEST_VERSIONS: readonly number[] = [1, 2];

export type SplitName = 'train' | 'val' | 'test';

export interface ManifestSample {
  id: string;
  /** PNG path relative to the set folder: `images-<token>/<id>.png` (older sets: `<id>.png`). */
  image: string;
  /** Size and SHA-256 of the PNG as written (absent in sets built before they were recorded). */
  bytes?: number;
  sha256?: string;
  hrSize: number;
  landmarks: number[];
  box: [number, number, number, number];
  /** SSD box in the source photo, or null where the whole tight crop was used. */
  detectorBox: [number, number, number, number] | null;
  detectorScore: number | null;
  split: SplitName;
  provenance: Provenance;
  /** Per 2D landmark, depth z in HR pixels from the face mesh (zero-mean, larger = nearer the camera); version 2. */
  depth?: number[];
  /** The face mesh's own 68 points, [x0, y0, z0, …] in HR pixels (z as `depth`); version 2. */
  landmarks3d?: number[];
  /** Head pose in degrees estimated from the mesh (src/data/embedded/face-mesh-pose.ts); version 2. */
  pose?: { pitch: number; yaw: number; roll: number };
  /** The mesh model's face score in [0, 1]; version 2. */
  meshScore?: number;
}

export interface Manifest {
  version: number;
  builtAt: string;
  hrSize: number;
  /** Margin used for the stored crops (fraction of the landmark box side, each side). */
  margin: number;
  seed: number;
  labeller: string;
  /** The 3D labeller (package, version, model file, crop rule); absent in version 1 sets. */
  labeller3d?: string;
  samples: ManifestSample[];
  skipped: { file: string; reason: string }[];
  notes: string[];
  buildSeconds: number;
}

/** A folder that is not (or not yet) an embedded set the kit may read or write. One line, naming the folder. */
export class EmbeddedSetError extends KnownError {}

/** `--out`, else $JASR_CACHE/embedded, else `.cache/jasr/embedded` under the repository root. */
export function defaultEmbeddedDir(): string {
  if (process.env.JASR_CACHE) return path.join(process.env.JASR_CACHE, 'embedded');
  return path.resolve(__dirname, '..', '..', '..', '.cache', 'jasr', 'embedded');
}

/** Image folder of one build: `images-<time base 36>-<pid>`. */
export const IMAGE_DIR_PATTERN = /^images-[0-9a-z]+-\d+$/;
/** What a manifest may name: a PNG of a kit id, in an image folder or (older sets) beside the manifest. */
const IMAGE_PATH_PATTERN = /^(?:images-[0-9a-z]+-\d+\/)?[A-Za-z0-9_-]+\.png$/;

export function newImageDirName(): string {
  return `images-${Date.now().toString(36)}-${process.pid}`;
}

/** The kit's own names at the top of a set folder, besides the manifest and image folders. */
function isKitScratch(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.stale-`) || isTemporaryName(name);
}

type ManifestRead = { kind: 'none' } | { kind: 'kit'; manifest: Manifest } | { kind: 'other'; why: string };

/** Reads `manifest.json` and tells a kit manifest from any other file of that name, without throwing. */
function readManifestFile(dir: string): ManifestRead {
  const file = path.join(dir, MANIFEST_NAME);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'none' };
    return { kind: 'other', why: `${MANIFEST_NAME} unreadable (${code})` };
  }
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text) as Partial<Manifest>;
  } catch (e) {
    return { kind: 'other', why: `${MANIFEST_NAME} that is not JSON (${(e as Error).message})` };
  }
  if (typeof m !== 'object' || m === null || typeof m.labeller !== 'string' || !Array.isArray(m.samples)) {
    return { kind: 'other', why: `a ${MANIFEST_NAME} that is not an embedded-set manifest` };
  }
  if (typeof m.version !== 'number' || !READABLE_MANIFEST_VERSIONS.includes(m.version))
    return { kind: 'other', why: `an embedded-set ${MANIFEST_NAME} of version ${m.version}, this kit reads ${READABLE_MANIFEST_VERSIONS.join(' and ')}` };
  const bad = m.samples.find((s) => typeof s?.image !== 'string' || !IMAGE_PATH_PATTERN.test(s.image));
  if (bad) return { kind: 'other', why: `a ${MANIFEST_NAME} naming image '${bad?.image}' outside the kit's layout` };
  return { kind: 'kit', manifest: m as Manifest };
}

/** The kit manifest of `dir`, or null where there is none; EmbeddedSetError where `manifest.json` is something else. */
export function readManifest(dir: string): Manifest | null {
  const r = readManifestFile(dir);
  if (r.kind === 'other') throw new EmbeddedSetError(`${dir}: expected an embedded set built by \`jasr data build\`, found ${r.why}`);
  return r.kind === 'kit' ? r.manifest : null;
}

/** What a folder holds, as far as building an embedded set there is concerned. */
export type SetFolderState =
  | { kind: 'missing' }
  | { kind: 'empty' }
  /** Only what an interrupted first build leaves (lock, image folders of PNGs, temporaries): the kit's to clear. */
  | { kind: 'leftover' }
  | { kind: 'kit'; manifest: Manifest }
  /** Anything else: the kit must not write here. `found` says what, for the one-line refusal. */
  | { kind: 'foreign'; found: string };

/** Entries of a folder, [] if it does not exist. */
function entries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Is `name` a file a build writes into an image folder (`<id>.png`, written in place: the folder is the temporary)? */
function isKitImageFile(name: string): boolean {
  return /^[A-Za-z0-9_-]+\.png$/.test(name);
}

/** An image folder holding only files a build writes: a build's own, which the kit may remove. */
function isKitImageDir(dir: string, name: string): boolean {
  return IMAGE_DIR_PATTERN.test(name) && entries(path.join(dir, name)).every((e) => e.isFile() && isKitImageFile(e.name));
}

export function setFolderState(dir: string): SetFolderState {
  if (!fs.existsSync(dir)) return { kind: 'missing' };
  if (!fs.statSync(dir).isDirectory()) return { kind: 'foreign', found: 'a file, not a folder' };
  const m = readManifestFile(dir);
  if (m.kind === 'kit') return { kind: 'kit', manifest: m.manifest };
  if (m.kind === 'other') return { kind: 'foreign', found: m.why };
  const all = entries(dir);
  if (all.length === 0) return { kind: 'empty' };
  const other = all.filter((e) => !isKitScratch(e.name) && !(e.isDirectory() && isKitImageDir(dir, e.name)));
  if (other.length === 0) return { kind: 'leftover' };
  const names = other
    .slice(0, 3)
    .map((e) => `'${e.name}'`)
    .join(', ');
  return {
    kind: 'foreign',
    found: `${other.length} entr${other.length === 1 ? 'y' : 'ies'} the kit did not write (${names}${other.length > 3 ? ', …' : ''}) and no ${MANIFEST_NAME}`,
  };
}

/** The image folders a manifest names ('' for PNGs beside the manifest). */
function imageDirsOf(m: Manifest): Set<string> {
  return new Set(m.samples.map((s) => path.dirname(s.image)).map((d) => (d === '.' ? '' : d)));
}

/** Removes one file the kit wrote, ignoring one already gone. */
function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}

/** Removes a folder only if it is empty (something a person put there keeps it). */
function removeDirIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
  }
}

/** Removes an image folder a build wrote: its PNGs by name, then the folder if empty. */
export function removeImageDir(dir: string): void {
  for (const e of entries(dir)) if (e.isFile() && isKitImageFile(e.name)) removeFile(path.join(dir, e.name));
  removeDirIfEmpty(dir);
}

/**
 * Clears what interrupted builds left in a set folder (caller holds the lock): image folders the manifest does
 * not name and temporaries of the manifest. The current set and anything not the kit's stay.
 */
export function removeLeftovers(dir: string, current: Manifest | null): void {
  const keep = current ? imageDirsOf(current) : new Set<string>();
  for (const e of entries(dir)) {
    if (e.isDirectory() && IMAGE_DIR_PATTERN.test(e.name) && !keep.has(e.name)) removeImageDir(path.join(dir, e.name));
    else if (e.isFile() && isTemporaryName(e.name)) removeFile(path.join(dir, e.name));
  }
}

/** Removes the files a replaced manifest named (and its image folders once empty); `next` keeps what it shares. */
export function removeSetImages(dir: string, old: Manifest, next: Manifest): void {
  const kept = new Set(next.samples.map((s) => s.image));
  for (const s of old.samples) if (!kept.has(s.image)) removeFile(path.join(dir, s.image));
  const keptDirs = imageDirsOf(next);
  for (const d of imageDirsOf(old)) if (d !== '' && !keptDirs.has(d)) removeImageDir(path.join(dir, d));
}

export function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The last 12 bytes of every complete PNG: a zero-length IEND chunk and its CRC. */
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** Why one image named by the manifest is not what the manifest says, or null if it is (no decoding). */
function checkImage(dir: string, s: ManifestSample): string | null {
  const file = path.join(dir, s.image);
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'named by manifest.json, not found' : `named by manifest.json, unreadable (${code})`;
  }
  if (s.bytes !== undefined && data.length !== s.bytes) return `expected ${s.bytes} bytes (manifest.json), found ${data.length} (truncated or replaced)`;
  if (s.sha256 !== undefined && sha256(data) !== s.sha256) return 'content differs from the SHA-256 in manifest.json (changed since the build)';
  if (data.length < PNG_SIGNATURE.length + PNG_END.length || !data.subarray(0, 8).equals(PNG_SIGNATURE) || !data.subarray(data.length - 12).equals(PNG_END)) {
    return `expected a complete PNG (signature and IEND end chunk), found ${data.length} bytes without them (cut short or not a PNG)`;
  }
  return null;
}

/**
 * Checks that the folder holds exactly what the manifest describes: every named PNG present, readable, of the
 * recorded size and hash; no files the manifest does not name. An image folder left by an interrupted build is
 * a problem too, unless `buildInProgress` (a live `jasr data build` holds the lock), when it is expected.
 */
export function verifySet(dir: string, m: Manifest, buildInProgress: boolean): { problems: Problem[]; notes: string[] } {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const add = (rel: string, message: string): void => {
    problems.push({ file: path.join(dir, rel), line: null, message: `${path.join(dir, rel)}: ${message}` });
  };
  for (const s of m.samples) {
    const why = checkImage(dir, s);
    if (why) add(s.image, why);
  }
  const named = new Set(m.samples.map((s) => s.image));
  const dirs = imageDirsOf(m);
  for (const e of entries(dir)) {
    // The lock is no part of the set: a live one is a build in progress, a stale one is taken over by the next.
    if (e.name === MANIFEST_NAME || e.name === LOCK_FILE) continue;
    if (e.isDirectory() && dirs.has(e.name)) {
      for (const f of entries(path.join(dir, e.name))) {
        const rel = `${e.name}/${f.name}`;
        if (!named.has(rel)) add(rel, 'not named by manifest.json (extra file)');
      }
    } else if (e.isDirectory() && IMAGE_DIR_PATTERN.test(e.name)) {
      if (buildInProgress) notes.push(`${path.join(dir, e.name)}: being written by a \`jasr data build\` in progress`);
      else if (isKitImageDir(dir, e.name))
        add(e.name, 'image folder not named by manifest.json, left by an interrupted build (`jasr data build --force` removes it)');
      else {
        for (const f of entries(path.join(dir, e.name))) {
          add(
            `${e.name}/${f.name}`,
            isKitImageFile(f.name)
              ? 'left by an interrupted build (`jasr data build --force` removes it)'
              : 'not named by manifest.json (extra file; the kit keeps it)',
          );
        }
      }
    } else if (!named.has(e.name)) {
      add(
        e.name,
        isKitScratch(e.name) ? 'left by an interrupted kit process (`jasr data build --force` removes it)' : 'not named by manifest.json (extra file)',
      );
    }
  }
  return { problems, notes };
}

export async function loadManifestSample(dir: string, s: ManifestSample): Promise<FaceSample> {
  const img = await readImage(path.join(dir, s.image));
  if (img.width !== s.hrSize || img.height !== s.hrSize) {
    throw new EmbeddedSetError(`${path.join(dir, s.image)}: expected ${s.hrSize}×${s.hrSize} (manifest), found ${img.width}×${img.height}`);
  }
  const points = s.landmarks.length / 2;
  if (s.depth !== undefined && s.depth.length !== points) {
    throw new EmbeddedSetError(`${path.join(dir, MANIFEST_NAME)}: sample ${s.id}: expected ${points} depth values (one per landmark), found ${s.depth.length}`);
  }
  return {
    id: s.id,
    hr: rgbToFloat(img),
    hrSize: s.hrSize,
    landmarks: Float32Array.from(s.landmarks),
    visible: new Uint8Array(points).fill(1),
    box: s.box,
    ...(s.depth !== undefined ? { depth: Float32Array.from(s.depth) } : {}),
    ...(s.pose !== undefined ? { pose: { pitch: s.pose.pitch, yaw: s.pose.yaw, roll: s.pose.roll } } : {}),
    provenance: s.provenance,
  };
}
