/**
 * face-api's 68-point net (and SSD detector) on OUR TF.js engine: its node-wasm bundle requires
 * `@tensorflow/tfjs`, which resolves to the same tfjs-core as ours, so after `initBackend` it runs on our backend.
 * Models are read from the package's `model/` folder on disk.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { packageDir } from './sources';

interface Point {
  x: number;
  y: number;
}
interface Landmarks {
  positions: Point[];
}
interface Detection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface DetectionWithLandmarks {
  detection: Detection;
  landmarks: Landmarks;
}

/**
 * The slice of face-api used here. Its bundled .d.ts pulls tfjs types through its own paths, so a narrow local
 * interface keeps our strict types independent of them.
 */
export interface FaceApi {
  tf: typeof tf;
  nets: {
    ssdMobilenetv1: { loadFromDisk(dir: string): Promise<void>; isLoaded: boolean };
    faceLandmark68Net: { loadFromDisk(dir: string): Promise<void>; isLoaded: boolean; detectLandmarks(input: tf.Tensor3D): Promise<Landmarks | Landmarks[]> };
  };
  SsdMobilenetv1Options: new (o: { minConfidence: number }) => unknown;
  detectAllFaces(input: tf.Tensor3D, options: unknown): { withFaceLandmarks(): Promise<DetectionWithLandmarks[]> };
}

let loaded: FaceApi | null = null;

export async function loadFaceApi(): Promise<FaceApi> {
  if (loaded) return loaded;

  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  if (faceapi.tf.engine() !== tf.engine()) {
    throw new Error('face-api loaded a second TF.js engine; @tensorflow/tfjs must resolve to one tfjs-core (check node_modules for duplicates)');
  }
  const modelDir = path.join(packageDir('@vladmandic/face-api'), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  loaded = faceapi;
  return faceapi;
}

export interface LabelledFace {
  landmarks: Float32Array;
  detectorBox: [number, number, number, number] | null;
  score: number | null;
}

const toArray = (pts: Point[]): Float32Array => Float32Array.from(pts.flatMap((p) => [p.x, p.y]));

/** All faces in an HWC uint8 image; for a tight crop with no detection, the landmark net on the whole image. */
export async function labelFaces(
  api: FaceApi,
  rgb: Uint8Array,
  width: number,
  height: number,
  tightCrop: boolean,
  minConfidence = 0.4,
): Promise<LabelledFace[]> {
  const input = tf.tensor3d(rgb, [height, width, 3], 'int32');
  try {
    const found = await api.detectAllFaces(input, new api.SsdMobilenetv1Options({ minConfidence })).withFaceLandmarks();
    const faces = found.map((f): LabelledFace => ({
      landmarks: toArray(f.landmarks.positions),
      detectorBox: [f.detection.box.x, f.detection.box.y, f.detection.box.x + f.detection.box.width, f.detection.box.y + f.detection.box.height],
      score: f.detection.score,
    }));
    if (tightCrop) {
      // A tight crop holds one face: keep the best box, or fall back to the whole image.
      if (faces.length > 0) return [faces.reduce((a, b) => ((a.score ?? 0) >= (b.score ?? 0) ? a : b))];
      const lm = await api.nets.faceLandmark68Net.detectLandmarks(input);
      const one = Array.isArray(lm) ? lm[0] : lm;
      return [{ landmarks: toArray(one.positions), detectorBox: null, score: null }];
    }
    return faces;
  } finally {
    input.dispose();
  }
}
