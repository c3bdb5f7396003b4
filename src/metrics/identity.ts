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

/** One 128-D face-api descriptor per image of [B, H, W, 3] in [0, 1]. */
export async function faceEmbeddings(images: tf.Tensor4D): Promise<Float32Array[]> {
  const api = await loadFaceMetricNets();
  const inputs = toFaceApiImages('faceEmbeddings', images);
  try {
    return asArray(await api.nets.faceRecognitionNet.computeFaceDescriptor(inputs));
  } finally {
    tf.dispose(inputs);
  }
}

/** Per image, cos(embedding(SR), embedding(HR)) in [−1, 1]; SR and HR are [B, H, W, 3] in [0, 1]. */
export async function identitySimilarity(sr: tf.Tensor4D, hr: tf.Tensor4D): Promise<number[]> {
  if (!tf.util.arraysEqual(sr.shape, hr.shape)) throw new FaceMetricError(`identitySimilarity: SR [${sr.shape}] and HR [${hr.shape}] differ in shape`);
  return identitySimilarityTo(sr, await faceEmbeddings(hr));
}

/** As identitySimilarity, against HR embeddings computed once (faceEmbeddings), e.g. for many SR models of one test set. */
export async function identitySimilarityTo(sr: tf.Tensor4D, hrEmbeddings: readonly Float32Array[]): Promise<number[]> {
  if (hrEmbeddings.length !== sr.shape[0]) throw new FaceMetricError(`identitySimilarityTo: ${sr.shape[0]} SR images but ${hrEmbeddings.length} HR embeddings`);
  const a = await faceEmbeddings(sr);
  return a.map((e, i) => cosineSimilarity(e, hrEmbeddings[i]));
}
