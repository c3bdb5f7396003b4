/**
 * Downstream NME (the measure DIC reports): an independent landmark detector, face-api's 68-point net, run on the
 * SR image; its landmarks are scored against the ground truth with the kit's NME (metrics/nme.ts). A face the
 * detector can still read scores low even if its pixels differ from HR.
 *
 * Limits (docs/adversarial.md): the detector's errors are added to the SR's. On the embedded set the ground truth
 * itself came from this same net (run on the source photo, then cropped), so downstream NME there measures how far
 * SR moves the detector from what it said on the real face — consistency with one network, not accuracy; on human
 * labels (300W, WFLW) it measures accuracy, floored by the detector's own error on HR.
 *
 * The net runs on the whole tight crop (the embedded build's fallback for tight crops, data/embedded/face-api.ts)
 * and its coordinates are used as the embedded labels use them, without a half-pixel shift.
 */
import * as tf from '@tensorflow/tfjs';
import { FaceMetricError, asArray, loadFaceMetricNets, toFaceApiImages } from './face-nets';
import { NmeOptions, NmeProtocol, nmePerImage, Points } from './nme';

export const DOWNSTREAM_LANDMARKS = 68;

/** face-api's 68 landmarks per image of [B, H, W, 3] in [0, 1], flat [x0, y0, …] in that image's pixels. */
export async function detectLandmarks68(images: tf.Tensor4D): Promise<Float32Array[]> {
  const api = await loadFaceMetricNets();
  const inputs = toFaceApiImages('detectLandmarks68', images);
  try {
    const found = asArray(await api.nets.faceLandmark68Net.detectLandmarks(inputs));
    return found.map((l) => Float32Array.from(l.positions.flatMap((p) => [p.x, p.y])));
  } finally {
    tf.dispose(inputs);
  }
}

/**
 * NME of face-api's 68-point net on `sr` against `landmarksGt` (flat per image, in the SR image's pixels), with
 * the NME options of metrics/nme.ts (default: inter-ocular, mean).
 */
export async function downstreamNme(sr: tf.Tensor4D, landmarksGt: readonly Points[], opts: NmeOptions = {}): Promise<{ nme: number[]; protocol: NmeProtocol }> {
  if (landmarksGt.length !== sr.shape[0])
    throw new FaceMetricError(`downstreamNme: ${sr.shape[0]} images but ${landmarksGt.length} ground-truth landmark sets`);
  for (const [i, g] of landmarksGt.entries())
    if (g.length !== 2 * DOWNSTREAM_LANDMARKS)
      throw new FaceMetricError(
        `downstreamNme: image ${i} has ${g.length / 2} ground-truth landmarks; the downstream detector predicts ${DOWNSTREAM_LANDMARKS} (68-point datasets only)`,
      );
  const predicted = await detectLandmarks68(sr);
  return nmePerImage(predicted, landmarksGt, opts);
}
