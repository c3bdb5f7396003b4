/**
 * One video frame, detect-or-track: with a landmark tracker (enhance-track.ts) the detector runs only when the
 * tracker asks for it, and the faces tracked from the previous frame's landmarks are cropped otherwise; then all
 * faces go through the model in one batch (enhance-faces.ts) and the tracker learns this frame's landmarks. No fs
 * and no drawing: `jasr enhance` (enhance.ts) and the web page (web/entry.ts) both call this, so the page tracks
 * faces exactly as the CLI does.
 */
import type { RgbImage } from '../data/image-io';
import type { FaceModel } from '../model/types';
import { DetectorApi, DetectorOptions, detectFaces } from './enhance-detect';
import { EnhancedFace, enhanceFaces } from './enhance-faces';
import type { FaceTracker } from './enhance-track';

export interface FrameOptions {
  detector: DetectorOptions;
  /** Crop margin (the experiment's data.margin). */
  margin: number;
  /** The run's data.quantize. */
  quantize?: boolean;
  /** enhanceFaces's reference path (bench/enhance.ts compares it with the default one). */
  reference?: boolean;
}

export interface FrameResult {
  faces: EnhancedFace[];
  /** Whether the detector ran on this frame (false: the faces were tracked from the previous frame). */
  detected: boolean;
  detectMs: number;
  /** Crop + bicubic + forward pass + heatmap decoding for all faces, + the tracker update. */
  modelMs: number;
}

export async function enhanceFrame(model: FaceModel, api: DetectorApi, image: RgbImage, o: FrameOptions, tracker?: FaceTracker): Promise<FrameResult> {
  const t0 = performance.now();
  const detected = !tracker || tracker.needsDetection();
  const boxes = detected ? await detectFaces(api, image.data, image.width, image.height, o.detector) : tracker.trackedFaces();
  const t1 = performance.now();
  const faces = enhanceFaces(model, image, boxes, { margin: o.margin, quantize: o.quantize ?? false, reference: o.reference });
  tracker?.update(faces, detected);
  const t2 = performance.now();
  return { faces, detected, detectMs: t1 - t0, modelMs: t2 - t1 };
}
