/**
 * Issue 16 item 2 (data.quantize: 8-bit HR, LR and network input as the official files and cv2 uint8 cubic) and
 * issue 21 item 4 (`jasr infer` builds its network input with the same function as training and evaluation).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { downsampleMatlab, upsampleOpenCv, upsampleOpenCvUint8 } from '../src/data/resize';
import { makePair, networkInput } from '../src/data/pairs';
import { BatchLoader } from '../src/data/loader';
import { disposeBatch } from '../src/data/types';
import { syntheticFace } from '../src/data/embedded/synthetic';
import { floatToRgb, readImage, writeImage } from '../src/data/image-io';
import { DEFAULT_MODEL_CONFIG } from '../src/model/config';
import { buildModel } from '../src/model/build';
import { modelPredictor } from '../src/task/evaluate';
import { inferFace } from '../src/task/infer';

interface CvCase {
  side: number;
  factor: number;
  lr: string;
  up: string;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'oracles/opencv-cubic-uint8.json'), 'utf8')) as { opencv: string; cases: CvCase[] };

const isLevel = (v: number): boolean => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4;

describe('fidelity: 8-bit images (data.quantize) and one input path for train, eval and infer', () => {
  it(`upsampleOpenCvUint8 equals cv2.resize(INTER_CUBIC) on uint8 bit for bit (OpenCV ${fixture.opencv}, ×8 and ×4, saturating edges)`, () => {
    for (const c of fixture.cases) {
      const lr = Uint8Array.from(Buffer.from(c.lr, 'hex'));
      const want = Uint8Array.from(Buffer.from(c.up, 'hex'));
      const got = upsampleOpenCvUint8(lr, c.side, c.factor);
      let differ = 0;
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differ++;
      assert.strictEqual(differ, 0, `${c.side}→${c.side * c.factor}: ${differ} of ${want.length} values differ`);
      assert.ok(want.includes(0) && want.includes(255), 'the fixture exercises saturation');
    }
  });

  it('quantize: HR, LR and input are 8-bit levels; within ~1 level of the float pipeline, which stays the default', () => {
    const face = syntheticFace(5, 128);
    const float = makePair(face, 8);
    const q = makePair(face, 8, undefined, true);
    for (const [name, arr] of [
      ['hr', q.hr],
      ['lr', q.lr],
      ['input', q.input],
    ] as const) {
      assert.ok(arr.every(isLevel), `${name} not on 8-bit levels`);
    }
    // Default path = float LR straight from MATLAB-style bicubic (clamped), float OpenCV-style cubic input.
    const lr = downsampleMatlab(float.hr, 128, 8).map((v) => Math.min(1, Math.max(0, v)));
    assert.deepStrictEqual(Array.from(float.lr), Array.from(lr));
    assert.deepStrictEqual(Array.from(float.input), Array.from(upsampleOpenCv(lr, 16, 8).map((v) => Math.min(1, Math.max(0, v)))));
    assert.ok(!float.lr.every(isLevel), 'the float path keeps sub-level values');
    let worstHr = 0,
      worstInput = 0;
    for (let i = 0; i < q.hr.length; i++) worstHr = Math.max(worstHr, Math.abs(q.hr[i] - float.hr[i]));
    for (let i = 0; i < q.input.length; i++) worstInput = Math.max(worstInput, Math.abs(q.input[i] - float.input[i]));
    assert.ok(worstHr <= 0.5 / 255 + 1e-7, `HR off by ${worstHr * 255} levels`);
    assert.ok(worstInput > 0 && worstInput < 2 / 255, `input off by ${worstInput * 255} levels`);
  });

  it('networkInput(quantize) is the cv2 uint8 path divided by 255', () => {
    const c = fixture.cases[0];
    const lr = Uint8Array.from(Buffer.from(c.lr, 'hex'));
    const input = networkInput(
      Float32Array.from(lr, (v) => v / 255),
      c.side,
      c.factor,
      true,
    );
    const want = Buffer.from(c.up, 'hex');
    assert.deepStrictEqual(
      Array.from(input, (v) => Math.round(v * 255)),
      Array.from(want),
    );
  });

  it('jasr infer on a saved 16×16 LR PNG gives the SR image and landmarks of jasr eval on the same face (quantize on and off)', async () => {
    const model = buildModel({ ...DEFAULT_MODEL_CONFIG, features: 4, trunkBlocks: 1, stages: 1, meanShift: 'inverse', srResidual: 'input' }, 7);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-fidelity-'));
    try {
      for (const quantize of [true, false]) {
        const loader = new BatchLoader([syntheticFace(11, 128)], { scale: 8, batchSize: 1, seed: 0, shuffle: false, quantize });
        const batch = loader.batchAt(0, 0);
        const lrFloat = batch.lr.dataSync() as Float32Array;
        const pred = modelPredictor(model)(batch);
        const evalSr = pred.sr!.dataSync() as Float32Array;
        const evalLandmarks = Array.from(pred.landmarksHr!.dataSync());
        tf.dispose([pred.sr!, pred.landmarksHr!]);
        disposeBatch(batch);
        const file = path.join(dir, `lr-${quantize}.png`);
        await writeImage(file, floatToRgb(lrFloat, 16, 16));
        const r = inferFace(model, await readImage(file), { quantize });
        assert.deepStrictEqual(r.sizes.lr, 16);
        const evalSr8 = floatToRgb(evalSr, 128, 128).data;
        const flat = r.landmarksHr!.flat();
        assert.ok(new Set(evalSr8).size > 50, 'the SR output depends on the input (not a constant image)');
        if (quantize) {
          // The saved PNG holds exactly the 8-bit LR the evaluation used: the same input, hence the same outputs.
          assert.deepStrictEqual(Array.from(r.sr!.data), Array.from(evalSr8));
          assert.deepStrictEqual(flat, evalLandmarks);
        } else {
          // Float LR: the PNG rounds it by up to half a level, so outputs agree closely but not bit for bit.
          let worst = 0;
          for (let i = 0; i < evalSr8.length; i++) worst = Math.max(worst, Math.abs(r.sr!.data[i] - evalSr8[i]));
          assert.ok(worst <= 2, `SR differs by ${worst} levels`);
        }
      }
    } finally {
      model.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
