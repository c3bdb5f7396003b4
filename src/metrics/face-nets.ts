/**
 * The face networks the face-aware metrics read (docs/adversarial.md, "which numbers to trust"): face-api's 128-D
 * recognition net and its 68-point landmark net, from the weights shipped inside @vladmandic/face-api's `model/`
 * folder (nothing is downloaded), run on the kit's own TF.js engine. The loader of the data layer
 * (data/embedded/face-api.ts, which also labels the embedded set) loads the detector and the landmark net; the
 * recognition net is added here, from the same folder, the first time a metric asks for it.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { KnownError } from '../core/errors';
import { FaceApi, loadFaceApi } from '../data/embedded/face-api';
import { packageDir } from '../data/embedded/sources';
import { quantize01To8bitTensor } from './color';

interface Point {
  x: number;
  y: number;
}
interface Landmarks {
  positions: Point[];
}

/** The slice of face-api the metrics use, beyond what data/embedded/face-api.ts declares. */
export interface FaceMetricNets extends FaceApi {
  nets: FaceApi['nets'] & {
    faceRecognitionNet: {
      loadFromDisk(dir: string): Promise<void>;
      isLoaded: boolean;
      /** One 128-D descriptor per input (an array input is a batch). */
      computeFaceDescriptor(input: tf.Tensor3D[]): Promise<Float32Array | Float32Array[]>;
    };
    faceLandmark68Net: FaceApi['nets']['faceLandmark68Net'] & {
      detectLandmarks(input: tf.Tensor3D | tf.Tensor3D[]): Promise<Landmarks | Landmarks[]>;
    };
  };
}

/** A batch the face metrics cannot read (wrong shape, wrong landmark count): one line, no stack. */
export class FaceMetricError extends KnownError {}

let recognitionReady: Promise<FaceMetricNets> | null = null;

/** face-api with the landmark and recognition nets loaded (once per process). */
export function loadFaceMetricNets(): Promise<FaceMetricNets> {
  recognitionReady ??= (async () => {
    const api = (await loadFaceApi()) as FaceMetricNets;
    if (!api.nets.faceRecognitionNet.isLoaded) await api.nets.faceRecognitionNet.loadFromDisk(path.join(packageDir('@vladmandic/face-api'), 'model'));
    return api;
  })();
  // A failed load (e.g. a missing weights file) is not cached: the next call tries again and reports it again.
  recognitionReady.catch(() => (recognitionReady = null));
  return recognitionReady;
}

/**
 * [B, H, W, 3] in [0, 1] → B images [H, W, 3] of 8-bit values 0..255 as float32 (what face-api expects).
 * Quantised like a saved PNG, so the networks see the image a user would look at, not values outside [0, 1].
 */
export function toFaceApiImages(what: string, images: tf.Tensor4D): tf.Tensor3D[] {
  const s = images.shape;
  if (s.length !== 4 || s[3] !== 3 || s[0] === 0) throw new FaceMetricError(`${what}: expected images [B, H, W, 3] in [0, 1], found [${s.join(', ')}]`);
  return tf.tidy(() => tf.unstack(tf.mul(quantize01To8bitTensor(images), 255)) as tf.Tensor3D[]);
}

export const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
