/**
 * Face-aware metrics on real embedded faces: identity similarity (face-api's 128-D recogniser) is 1 for an image
 * with itself and falls as the image is blurred; downstream NME (face-api's 68-point net) of HR against its labels
 * is small, because those labels came from the same net.
 */
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { openDataset } from '../src/data/open';
import type { FaceSample } from '../src/data/types';
import { gaussianTaps } from '../src/metrics/gaussian';
import { cosineSimilarity, faceEmbeddings, identitySimilarity, identitySimilarityTo, recognitionBox } from '../src/metrics/identity';
import { downstreamNme, detectLandmarks68 } from '../src/metrics/downstream-nme';
import { FaceMetricError } from '../src/metrics/face-nets';

const FACES = 3;
const SIGMAS = [1, 2, 4];

/** Separable Gaussian blur, radius ⌈3σ⌉, borders mirrored. */
function blur(images: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const radius = Math.ceil(3 * sigma);
    const taps = Array.from(gaussianTaps(2 * radius + 1, sigma));
    const k = taps.length;
    const horizontal = tf.tile(tf.tensor4d(taps, [1, k, 1, 1]), [1, 1, 3, 1]) as tf.Tensor4D;
    const vertical = tf.tile(tf.tensor4d(taps, [k, 1, 1, 1]), [1, 1, 3, 1]) as tf.Tensor4D;
    // Mirror the border before filtering so it does not darken (a dark frame would itself change identity).
    const padded = tf.mirrorPad(
      images,
      [
        [0, 0],
        [radius, radius],
        [radius, radius],
        [0, 0],
      ],
      'symmetric',
    );
    return tf.depthwiseConv2d(tf.depthwiseConv2d(padded, horizontal, 1, 'valid'), vertical, 1, 'valid');
  });
}

describe('metrics: identity similarity and downstream NME on real faces', () => {
  let faces: FaceSample[];
  let hr: tf.Tensor4D;
  before(async () => {
    const ds = await openDataset({ format: 'embedded', hrSize: 128 });
    faces = ds.test.slice(0, FACES);
    assert.equal(faces.length, FACES, 'the embedded test split has fewer faces than the test needs');
    hr = tf.stack(faces.map((f) => tf.tensor3d(f.hr, [128, 128, 3]))) as tf.Tensor4D;
  });
  after(() => hr?.dispose());

  it('an image has identity similarity 1 with itself (within 1e-6), computed in two separate passes', async () => {
    const first = hr.slice([0, 0, 0, 0], [1, 128, 128, 3]);
    await faceEmbeddings(first); // loads the nets (their weights stay)
    first.dispose();
    const before = tf.memory().numTensors;
    const same = await identitySimilarity(hr, hr);
    assert.equal(tf.memory().numTensors, before, 'identitySimilarity left tensors behind');
    for (const s of same) assert.ok(Math.abs(s - 1) < 1e-6, `self-similarity ${s}`);
    const e = await faceEmbeddings(hr);
    assert.equal(e.length, FACES);
    assert.equal(e[0].length, 128);
    // Different people are clearly less similar than a face with itself.
    assert.ok(cosineSimilarity(e[0], e[1]) < 0.99);
  });

  it('identity similarity drops as Gaussian blur grows (σ = 1, 2, 4 px), per face and on average', async () => {
    const perSigma: number[][] = [];
    // The recommended form: SR and HR cropped to face-api's recognition box from the ground-truth landmarks.
    const landmarks = faces.map((f) => f.landmarks);
    const reference = await faceEmbeddings(hr, landmarks);
    for (const sigma of SIGMAS) {
      const blurred = blur(hr, sigma);
      try {
        perSigma.push(await identitySimilarityTo(blurred, reference, landmarks));
      } finally {
        blurred.dispose();
      }
    }
    const mean = perSigma.map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
    console.log(`      identity similarity vs blur σ ${SIGMAS.join(', ')}: ${mean.map((m) => m.toFixed(4)).join(', ')} (mean of ${FACES} faces)`);
    for (let i = 1; i < SIGMAS.length; i++)
      assert.ok(mean[i] < mean[i - 1], `mean similarity at σ=${SIGMAS[i]} (${mean[i]}) is not below σ=${SIGMAS[i - 1]} (${mean[i - 1]})`);
    for (let f = 0; f < FACES; f++) assert.ok(perSigma[SIGMAS.length - 1][f] < perSigma[0][f], `face ${f}: σ=4 not below σ=1`);
    assert.ok(mean[0] < 1 - 1e-4, 'even σ = 1 should move the embedding');
  });

  it('downstream NME of HR against its labels is small (the labels came from the same 68-point net); blur raises it', async () => {
    const gt = faces.map((f) => f.landmarks);
    const onHr = await downstreamNme(hr, gt);
    assert.equal(onHr.protocol.normalizer, 'inter-ocular');
    const meanHr = onHr.nme.reduce((a, b) => a + b, 0) / FACES;
    const blurred = blur(hr, 4);
    let meanBlur: number;
    try {
      const onBlur = await downstreamNme(blurred, gt);
      meanBlur = onBlur.nme.reduce((a, b) => a + b, 0) / FACES;
    } finally {
      blurred.dispose();
    }
    console.log(`      downstream NME (inter-ocular) on HR: ${(100 * meanHr).toFixed(2)} %, on HR blurred σ=4: ${(100 * meanBlur).toFixed(2)} %`);
    assert.ok(meanHr < 0.05, `downstream NME on HR is ${meanHr}`);
    assert.ok(meanHr > 0, 'a different crop and resampling than labelling should leave some error');
    assert.ok(meanBlur > meanHr);
    const first = hr.slice([0, 0, 0, 0], [1, 128, 128, 3]);
    const points = await detectLandmarks68(first);
    first.dispose();
    assert.equal(points[0].length, 136);
  });

  it("recognition box = face-api's dlib alignment box: eyes (40,50), (80,50), mouth (60,90) → x 10, y 20, side 99", () => {
    const lm = new Float32Array(136);
    const put = (from: number, to: number, x: number, y: number): void => {
      for (let i = from; i < to; i++) [lm[2 * i], lm[2 * i + 1]] = [x, y];
    };
    put(36, 42, 40, 50);
    put(42, 48, 80, 50);
    put(48, 68, 60, 90);
    // reach = √(20² + 40²) = 44.72 → side ⌊44.72 / 0.45⌋ = 99; centre (60, 63.33) → x ⌊60 − 49.5⌋, y ⌊63.33 − 42.57⌋.
    assert.deepEqual(recognitionBox(lm, 128, 128), [10, 20, 99, 99]);
    // Clamped at the image border.
    assert.deepEqual(recognitionBox(lm, 100, 128), [10, 20, 90, 99]);
  });

  it('refuses a landmark set that is not 68 points, and mismatched shapes, in one line', async () => {
    await assert.rejects(
      downstreamNme(
        hr,
        faces.map(() => new Float32Array(10)),
      ),
      (e: Error) => e instanceof FaceMetricError && /has 5 ground-truth landmarks; the downstream detector predicts 68/.test(e.message),
    );
    const small = tf.zeros([FACES, 64, 64, 3]) as tf.Tensor4D;
    await assert.rejects(identitySimilarity(small, hr), /SR \[3,64,64,3\] and HR \[3,128,128,3\] differ in shape/);
    await assert.rejects(identitySimilarityTo(small, []), /3 SR images but 0 HR embeddings/);
    small.dispose();
  });
});
