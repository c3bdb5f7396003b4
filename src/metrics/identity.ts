/**
 * Identity similarity: the cosine similarity of face-recognition embeddings (face-api's 128-D net, a dlib-style
 * ResNet trained to tell people apart) of the SR image and its HR ground truth. 1 means the recogniser sees the
 * same face; PSNR/SSIM can rise while this falls (a blurred face loses exactly the detail that tells people
 * apart). Limits (docs/adversarial.md): the recogniser's own biases (training population, pose, resolution: it
 * resizes every input to 150×150) and its failure modes are inherited; it sees the whole tight crop without
 * face-api's landmark alignment, identically for SR and HR, so the score compares the two images, not identities
 * across photos.
 */
import * as tf from '@tensorflow/tfjs';
import { FaceMetricError, asArray, loadFaceMetricNets, toFaceApiImages } from './face-nets';

/** Cosine similarity of two vectors, in float64. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new FaceMetricError(`cosineSimilarity: vectors of length ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/**
 * face-api's alignment box for its recogniser (its `alignDlib`), from 68 landmarks in pixels: centred on the mean
 * of the two eye centres and the mouth centre, side = mean distance mouth→eyes / 0.45, the centre at 50 % across
 * and 43 % down. Returned as integer [x, y, side], clamped to the image.
 */
export function recognitionBox(landmarks: ArrayLike<number>, width: number, height: number): [number, number, number, number] {
  if (landmarks.length !== 136) throw new FaceMetricError(`recognitionBox: expected 68 landmarks, found ${landmarks.length / 2}`);
  const centre = (from: number, to: number): [number, number] => {
    let x = 0;
    let y = 0;
    for (let i = from; i < to; i++) {
      x += landmarks[2 * i];
      y += landmarks[2 * i + 1];
    }
    return [x / (to - from), y / (to - from)];
  };
  const refs = [centre(36, 42), centre(42, 48), centre(48, 68)];
  const [mouth] = refs.slice(2);
  const reach = (Math.hypot(mouth[0] - refs[0][0], mouth[1] - refs[0][1]) + Math.hypot(mouth[0] - refs[1][0], mouth[1] - refs[1][1])) / 2;
  const side = Math.floor(reach / 0.45);
  const cx = (refs[0][0] + refs[1][0] + refs[2][0]) / 3;
  const cy = (refs[0][1] + refs[1][1] + refs[2][1]) / 3;
  const x0 = Math.max(0, Math.floor(cx - 0.5 * side));
  const y0 = Math.max(0, Math.floor(cy - 0.43 * side));
  const x1 = Math.min(width, x0 + side);
  const y1 = Math.min(height, y0 + side);
  if (x1 - x0 < 8 || y1 - y0 < 8) throw new FaceMetricError(`recognitionBox: the landmarks give a ${x1 - x0}×${y1 - y0} px face box, too small to recognise`);
  return [x0, y0, x1 - x0, y1 - y0];
}

/**
 * One 128-D face-api descriptor per image of [B, H, W, 3] in [0, 1]. With `landmarks` (68 per image, in pixels),
 * each image is first cropped to face-api's recognition box (recognitionBox), as its own pipeline does; the
 * recogniser then sees the face it was trained on rather than a loose crop with hair and background.
 */
export async function faceEmbeddings(images: tf.Tensor4D, landmarks?: readonly ArrayLike<number>[]): Promise<Float32Array[]> {
  const api = await loadFaceMetricNets();
  if (landmarks && landmarks.length !== images.shape[0])
    throw new FaceMetricError(`faceEmbeddings: ${images.shape[0]} images but ${landmarks.length} landmark sets`);
  const whole = toFaceApiImages('faceEmbeddings', images);
  const inputs = landmarks
    ? whole.map((img, i) => {
        const [x, y, w, h] = recognitionBox(landmarks[i], img.shape[1], img.shape[0]);
        return tf.slice(img, [y, x, 0], [h, w, 3]);
      })
    : whole;
  if (landmarks) tf.dispose(whole);
  try {
    return asArray(await api.nets.faceRecognitionNet.computeFaceDescriptor(inputs));
  } finally {
    tf.dispose(inputs);
  }
}

/**
 * Per image, cos(embedding(SR), embedding(HR)) in [−1, 1]; SR and HR are [B, H, W, 3] in [0, 1]. With the
 * ground-truth `landmarks`, both are cropped to the same recognition box first (recommended: see faceEmbeddings).
 */
export async function identitySimilarity(sr: tf.Tensor4D, hr: tf.Tensor4D, landmarks?: readonly ArrayLike<number>[]): Promise<number[]> {
  if (!tf.util.arraysEqual(sr.shape, hr.shape)) throw new FaceMetricError(`identitySimilarity: SR [${sr.shape}] and HR [${hr.shape}] differ in shape`);
  return identitySimilarityTo(sr, await faceEmbeddings(hr, landmarks), landmarks);
}

/**
 * As identitySimilarity, against HR embeddings computed once (faceEmbeddings, with the same `landmarks`), e.g. for
 * many SR models of one test set.
 */
export async function identitySimilarityTo(
  sr: tf.Tensor4D,
  hrEmbeddings: readonly Float32Array[],
  landmarks?: readonly ArrayLike<number>[],
): Promise<number[]> {
  if (hrEmbeddings.length !== sr.shape[0]) throw new FaceMetricError(`identitySimilarityTo: ${sr.shape[0]} SR images but ${hrEmbeddings.length} HR embeddings`);
  const a = await faceEmbeddings(sr, landmarks);
  return a.map((e, i) => cosineSimilarity(e, hrEmbeddings[i]));
}
