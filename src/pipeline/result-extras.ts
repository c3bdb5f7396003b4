/**
 * The picture parts of results/<table>/ (format read by src/report/results.ts): samples/*.json, one SR grid
 * row per face (LR | bicubic input | SR | HR as base64 uint8 RGB, predicted and true landmarks), and
 * features/*.json, a model's fusion taps for one real face (base64 little-endian float32).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { FaceModel } from '../model/types';
import { BatchLoader } from '../data/loader';
import { disposeBatch, FaceSample } from '../data/types';
import type { Predictor } from '../task/evaluate';
import { writeFileAtomic } from '../core/atomic-write';

interface EncodedImage {
  width: number;
  height: number;
  data: string;
}

/** Image `index` of a [B, H, W, 3] tensor in [0, 1] as base64 uint8 RGB. */
function encodeImage(t: tf.Tensor4D, index: number): EncodedImage {
  const [, height, width] = t.shape;
  const values = tf.tidy(() => tf.round(tf.mul(tf.clipByValue(t.slice([index, 0, 0, 0], [1, height, width, 3]), 0, 1), 255))).dataSync();
  return { width, height, data: Buffer.from(Uint8Array.from(values)).toString('base64') };
}

function points(flat: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Writes samples/<experiment>-<k>.json for the given faces; returns the files written. */
export function writeSrSamples(dir: string, experiment: string, predict: Predictor, faces: FaceSample[], scale: 4 | 8): string[] {
  if (faces.length === 0) return [];
  const out = path.join(dir, 'samples');
  fs.mkdirSync(out, { recursive: true });
  const loader = new BatchLoader(faces, { scale, batchSize: faces.length, seed: 0, shuffle: false });
  const batch = loader.batchAt(0, 0);
  const prediction = predict(batch);
  try {
    const landmarksPred = prediction.landmarksHr ? (prediction.landmarksHr.arraySync() as number[][][]) : undefined;
    const landmarksTrue = batch.landmarks.arraySync() as number[][][];
    return batch.ids.map((id, k) => {
      const file = path.join(out, `${safeName(experiment)}-${k}.json`);
      const record = {
        label: `${experiment}: ${id}`,
        lr: encodeImage(batch.lr, k),
        input: encodeImage(batch.input, k),
        ...(prediction.sr ? { sr: encodeImage(prediction.sr, k) } : {}),
        hr: encodeImage(batch.hr, k),
        ...(landmarksPred ? { landmarksPred: points(landmarksPred[k].flat()) } : {}),
        landmarksTrue: points(landmarksTrue[k].flat()),
      };
      writeFileAtomic(file, JSON.stringify(record));
      return file;
    });
  } finally {
    for (const t of [prediction.sr, prediction.landmarksHr]) t?.dispose();
    disposeBatch(batch);
  }
}

/** Writes features/<experiment>.json with the model's fusion taps (and the fused output) for one face. */
export function writeFusionTaps(dir: string, experiment: string, model: FaceModel, face: FaceSample, scale: 4 | 8, maxValues = 1 << 16): string | null {
  const loader = new BatchLoader([face], { scale, batchSize: 1, seed: 0, shuffle: false });
  const batch = loader.batchAt(0, 0);
  const out = model.apply(batch.input, { taps: true, hr: batch.hr });
  try {
    const taps: Record<string, { shape: number[]; data: string }> = {};
    for (const [name, t] of Object.entries(out.taps ?? {})) {
      if (!(name.startsWith('fusion/') || name === 'fused' || name === 'trunk/out') || t.size > maxValues) continue;
      const values = t.dataSync() as Float32Array;
      taps[name] = { shape: [...t.shape], data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') };
    }
    if (Object.keys(taps).length === 0) return null;
    const file = path.join(dir, 'features', `${safeName(experiment)}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify(taps));
    return file;
  } finally {
    tf.dispose([out.sr, ...out.heatmaps, ...Object.values(out.taps ?? {})].filter((t): t is tf.Tensor => t !== undefined));
    disposeBatch(batch);
  }
}
