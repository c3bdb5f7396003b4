/**
 * Face detection for `jasr enhance` and the web page: face-api's SSD MobileNet v1 or tiny face detector, run on
 * whatever TF.js engine face-api was given (in Node the kit's own, see src/data/embedded/face-api.ts; in the
 * browser the page's). Only the face-api calls both builds share are used, so this file is bundled into the page
 * unchanged and the page finds the same boxes as Node for the same pixels.
 */
import * as tf from '@tensorflow/tfjs';
import type { DetectedFace } from './enhance-faces';
import { calibrateBox, detectorCalibration } from './enhance-calibration';
import type { Box } from '../data/crop';

export type DetectorName = 'ssd' | 'tiny';
export const DETECTORS: DetectorName[] = ['ssd', 'tiny'];

export interface DetectorOptions {
  detector: DetectorName;
  /** Faces whose box side (the larger of width and height) is below this many original pixels are dropped. */
  minSize: number;
  /** Detector score threshold. */
  minScore: number;
  /** Tiny face detector input side (a multiple of 32); larger finds smaller faces, slower. */
  tinyInputSize: number;
  /** At most this many faces per frame (highest scores kept). */
  maxFaces: number;
  /**
   * Map each detector box to the landmark box it predicts (src/task/enhance-calibration.ts), so faces are cropped
   * as in training; false keeps the raw detector box as the face box (the kit before the calibration).
   */
  calibrate: boolean;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = { detector: 'ssd', minSize: 8, minScore: 0.3, tinyInputSize: 416, maxFaces: 100, calibrate: true };

interface FaceApiDetection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}

/** The slice of face-api this file calls (its own .d.ts drags in its tfjs paths; see src/data/embedded/face-api.ts). */
export interface DetectorApi {
  nets: {
    ssdMobilenetv1: { isLoaded: boolean };
    tinyFaceDetector: { isLoaded: boolean };
  };
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => unknown;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  detectAllFaces(input: tf.Tensor3D, options: unknown): Promise<FaceApiDetection[]>;
}

/** All faces in an HWC uint8 frame, highest score first, after the size and count filters. */
export async function detectFaces(api: DetectorApi, rgb: Uint8Array, width: number, height: number, o: DetectorOptions): Promise<DetectedFace[]> {
  const input = tf.tensor3d(rgb, [height, width, 3], 'int32');
  try {
    const options =
      o.detector === 'ssd'
        ? new api.SsdMobilenetv1Options({ minConfidence: o.minScore, maxResults: o.maxFaces })
        : new api.TinyFaceDetectorOptions({ inputSize: o.tinyInputSize, scoreThreshold: o.minScore });
    const found = await api.detectAllFaces(input, options);
    const side = (b: Box): number => Math.max(b[2] - b[0], b[3] - b[1]);
    const calibration = detectorCalibration(o.detector, o.tinyInputSize);
    return found
      .map((d) => ({
        // face-api boxes are edge-based (x = left edge); the kit's pixel centres sit half a pixel inside.
        detectorBox: [d.box.x - 0.5, d.box.y - 0.5, d.box.x + d.box.width - 0.5, d.box.y + d.box.height - 0.5] as Box,
        score: d.score,
      }))
      .filter((d) => side(d.detectorBox) >= o.minSize)
      .map((d): DetectedFace => ({
        box: o.calibrate ? calibrateBox(d.detectorBox, calibration) : d.detectorBox,
        detectorBox: d.detectorBox,
        score: d.score,
        source: 'detector',
      }))
      .sort((a, b) => b.score - a.score)
      .slice(0, o.maxFaces);
  } finally {
    input.dispose();
  }
}
