/**
 * `jasr enhance`: faces in the wild on a photo, a folder of photos or a video → detect (face-api, see
 * enhance-detect.ts) → super-resolve and align all faces of a frame in one batch (enhance-faces.ts) → write, per
 * input: an annotated image or video (boxes, landmarks, SR inset per face), a landmarks JSON in original-image
 * coordinates, and for photos each face's LR crop and SR crop. Every file goes through the atomic writer (the
 * video through a temporary renamed on success, enhance-video.ts): a failure leaves whole files or none.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KnownError } from '../core/errors';
import { writeJsonAtomic } from '../core/atomic-write';
import { RgbImage, readImage, writeImage } from '../data/image-io';
import type { FaceModel } from '../model/types';
import { ProgressMode, ProgressReporter } from '../engine/progress';
import type { DetectorApi, DetectorOptions } from './enhance-detect';
import { detectorCalibration } from './enhance-calibration';
import type { EnhancedFace } from './enhance-faces';
import { FrameOptions, enhanceFrame } from './enhance-frame';
import { annotateFrame } from './enhance-draw';
import { FaceTracker, TrackOptions } from './enhance-track';
import { VIDEO_EXTENSIONS, VideoWriter, probeVideo, readFrames } from './enhance-video';

export class EnhanceInputError extends KnownError {}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.bmp', '.gif'];

export interface EnhanceOptions {
  detector: DetectorOptions;
  /** Crop margin (the experiment's data.margin). */
  margin: number;
  /** The run's data.quantize (LR and network input at 8-bit levels, as in its training). */
  quantize?: boolean;
  outDir: string;
  progress: ProgressMode;
  /** Videos: stop after this many frames. */
  maxFrames?: number;
  /** Videos: detect every k frames and track faces by their landmarks in between (enhance-track.ts). */
  track?: TrackOptions;
  /** Recorded in every JSON written. */
  checkpoint: string;
}

/** Times of one frame, ms. */
export interface FrameTiming {
  /** Whether the detector ran on this frame (false: the faces were tracked from the previous frame). */
  detected: boolean;
  detectMs: number;
  modelMs: number;
  drawMs: number;
  faces: number;
}

export interface EnhanceSummary {
  kind: 'photo' | 'folder' | 'video';
  frames: number;
  /** Frames that went through the detector. */
  detectedFrames: number;
  faces: number;
  detectMs: number;
  modelMs: number;
  drawMs: number;
  written: string[];
}

export type InputKind = 'photo' | 'folder' | 'video';

export function inputKind(input: string): InputKind {
  if (!fs.existsSync(input)) throw new EnhanceInputError(`${input}: expected a photo, a folder of photos or a video, found no such file or folder`);
  if (fs.statSync(input).isDirectory()) return 'folder';
  return VIDEO_EXTENSIONS.includes(path.extname(input).toLowerCase()) ? 'video' : 'photo';
}

/** The photos of a folder (not its subfolders), by name; the kit's own outputs and temporaries are left out. */
export function folderImages(dir: string): string[] {
  const files = fs
    .readdirSync(dir)
    .filter((n) => !n.startsWith('.') && IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase()))
    .sort();
  if (files.length === 0) throw new EnhanceInputError(`${dir}: expected a folder holding photos (${IMAGE_EXTENSIONS.join(', ')}), found none`);
  return files.map((n) => path.join(dir, n));
}

const stemOf = (file: string): string => path.basename(file).replace(/\.[^.]+$/, '');
const round2 = (v: number): number => Math.round(v * 100) / 100;
const points = (p: [number, number][] | null): [number, number][] | null => (p ? p.map(([x, y]) => [round2(x), round2(y)]) : null);

/** The detector box → face box transform applied (enhance-calibration.ts), or null when switched off. */
const calibrationRecord = (d: DetectorOptions): Record<string, number> | null => (d.calibrate ? { ...detectorCalibration(d.detector, d.tinyInputSize) } : null);

function faceRecord(f: EnhancedFace): Record<string, unknown> {
  return {
    box: f.box.map(round2),
    score: round2(f.score * 100) / 100,
    detectorBox: f.detectorBox ? f.detectorBox.map(round2) : null,
    source: f.source ?? 'detector',
    crop: { x0: round2(f.crop.x0), y0: round2(f.crop.y0), side: round2(f.crop.side) },
    landmarks: points(f.landmarksOriginal),
    landmarksHr: points(f.landmarksHr),
  };
}

/**
 * One frame: detect (or, with a tracker, take the faces tracked from the previous frame when the detector is not
 * due) and enhance (enhance-frame.ts, shared with the web page), then annotate; times each part.
 */
export async function processFrame(
  model: FaceModel,
  api: DetectorApi,
  image: RgbImage,
  o: FrameOptions,
  annotate = true,
  tracker?: FaceTracker,
): Promise<{ faces: EnhancedFace[]; annotated: RgbImage | null; timing: FrameTiming }> {
  const r = await enhanceFrame(model, api, image, o, tracker);
  const t0 = performance.now();
  const annotated = annotate ? annotateFrame(image, r.faces) : null;
  const drawMs = performance.now() - t0;
  return { faces: r.faces, annotated, timing: { detected: r.detected, detectMs: r.detectMs, modelMs: r.modelMs, drawMs, faces: r.faces.length } };
}

async function enhancePhoto(model: FaceModel, api: DetectorApi, file: string, o: EnhanceOptions, sum: EnhanceSummary): Promise<void> {
  const image = await readImage(file);
  const r = await processFrame(model, api, image, o);
  const stem = stemOf(file);
  const faceFiles: { lr: string; sr: string | null }[] = [];
  for (let i = 0; i < r.faces.length; i++) {
    const f = r.faces[i];
    const lr = path.join(o.outDir, `${stem}-face${i}-lr.png`);
    await writeImage(lr, f.lr);
    sum.written.push(lr);
    let sr: string | null = null;
    if (f.sr) {
      sr = path.join(o.outDir, `${stem}-face${i}-sr.png`);
      await writeImage(sr, f.sr);
      sum.written.push(sr);
    }
    faceFiles.push({ lr: path.basename(lr), sr: sr ? path.basename(sr) : null });
  }
  const annotatedFile = path.join(o.outDir, `${stem}-annotated.png`);
  await writeImage(annotatedFile, r.annotated as RgbImage);
  sum.written.push(annotatedFile);
  const json = path.join(o.outDir, `${stem}-faces.json`);
  writeJsonAtomic(json, {
    input: path.resolve(file),
    checkpoint: o.checkpoint,
    size: [image.width, image.height],
    detector: o.detector,
    calibration: calibrationRecord(o.detector),
    margin: o.margin,
    quantize: o.quantize ?? false,
    note: 'landmarks in original-image pixels (pixel centres at integers); landmarksHr in the face SR image; box [x1, y1, x2, y2] = the face box the crop is centred on (the calibrated detector box); detectorBox = the raw detector box',
    timingMs: { detect: round2(r.timing.detectMs), model: round2(r.timing.modelMs) },
    faces: r.faces.map((f, i) => ({ ...faceRecord(f), files: faceFiles[i] })),
  });
  sum.written.push(json);
  addTiming(sum, r.timing);
}

function addTiming(sum: EnhanceSummary, t: FrameTiming): void {
  sum.frames += 1;
  sum.detectedFrames += t.detected ? 1 : 0;
  sum.faces += t.faces;
  sum.detectMs += t.detectMs;
  sum.modelMs += t.modelMs;
  sum.drawMs += t.drawMs;
}

function reporter(mode: ProgressMode): ProgressReporter {
  return new ProgressReporter({ mode, plainEverySec: 5 });
}

function report(p: ProgressReporter, done: number, total: number, startMs: number, faces: number): void {
  const sec = (performance.now() - startMs) / 1000;
  const rate = sec > 0 ? done / sec : 0;
  p.update({
    epoch: 1,
    epochs: 1,
    stepInEpoch: done,
    stepsPerEpoch: total,
    step: done,
    totalSteps: total,
    imagesPerSec: rate,
    etaSec: rate > 0 ? (total - done) / rate : null,
    lr: 0,
    loss: { faces },
  });
}

async function enhanceVideo(model: FaceModel, api: DetectorApi, file: string, o: EnhanceOptions, sum: EnhanceSummary): Promise<void> {
  const info = probeVideo(file);
  const stem = stemOf(file);
  const total = Math.min(info.frames ?? o.maxFrames ?? 0, o.maxFrames ?? Infinity);
  const videoFile = path.join(o.outDir, `${stem}-annotated.mp4`);
  const writer = new VideoWriter(videoFile, info.width, info.height, info.fps);
  const frames: Record<string, unknown>[] = [];
  const p = reporter(o.progress);
  const start = performance.now();
  const tracker = o.track && o.track.detectEvery > 1 ? new FaceTracker(o.track, info.width, info.height) : undefined;
  try {
    for await (const image of readFrames(file, info, o.maxFrames ?? Infinity)) {
      const r = await processFrame(model, api, image, o, true, tracker);
      await writer.write(r.annotated as RgbImage);
      frames.push({ frame: sum.frames, detected: r.timing.detected, faces: r.faces.map(faceRecord) });
      addTiming(sum, r.timing);
      report(p, sum.frames, Math.max(total, sum.frames), start, sum.faces);
    }
    p.done();
    await writer.close();
  } catch (e) {
    p.done();
    await writer.abort();
    throw e;
  }
  sum.written.push(videoFile);
  const json = path.join(o.outDir, `${stem}-faces.json`);
  writeJsonAtomic(json, {
    input: path.resolve(file),
    checkpoint: o.checkpoint,
    size: [info.width, info.height],
    fps: info.fps,
    detector: o.detector,
    calibration: calibrationRecord(o.detector),
    track: o.track ?? null,
    margin: o.margin,
    note: 'landmarks in original-image pixels (pixel centres at integers); box [x1, y1, x2, y2] = the face box the crop is centred on (calibrated detector box, or the landmark box of the previous frame when source is tracker); detectorBox = the raw detector box; frame numbers from 0',
    frames,
  });
  sum.written.push(json);
}

export async function enhance(model: FaceModel, api: DetectorApi, input: string, o: EnhanceOptions): Promise<EnhanceSummary> {
  const kind = inputKind(input);
  const sum: EnhanceSummary = { kind, frames: 0, detectedFrames: 0, faces: 0, detectMs: 0, modelMs: 0, drawMs: 0, written: [] };
  fs.mkdirSync(o.outDir, { recursive: true });
  if (kind === 'photo') {
    await enhancePhoto(model, api, input, o, sum);
  } else if (kind === 'video') {
    await enhanceVideo(model, api, input, o, sum);
  } else {
    const files = folderImages(input);
    const p = reporter(o.progress);
    const start = performance.now();
    try {
      for (const f of files) {
        await enhancePhoto(model, api, f, o, sum);
        report(p, sum.frames, files.length, start, sum.faces);
      }
    } finally {
      p.done();
    }
  }
  return sum;
}
