/**
 * The MediaPipe face-mesh model shipped in @vladmandic/human (models/facemesh.json + .bin: 192×192 RGB in [0,1]
 * → 468 x, y, z in input pixels and a face score) run on OUR TF.js engine. Only the weights are taken from the
 * package: loading its JS would bring a second tfjs bundle, so the graph is loaded from disk here and the crop
 * and coordinate mapping are the kit's own (docs/embedded-3d.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Box } from '../crop';

export const FACE_MESH_PACKAGE = '@vladmandic/human';
/** Side of the model input. */
export const FACE_MESH_INPUT = 192;
/**
 * Window side as a multiple of the face-api landmark box side (the larger of width and height), centred on the
 * box: the landmark box stops at the brows, the mesh wants the forehead too. Chosen on the embedded set from
 * 1.4–1.8 (docs/embedded-3d.md): 1.4 fits face-api's points best but cuts some faces (mesh score down to 0.63).
 */
export const FACE_MESH_CROP_FACTOR = 1.5;

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}
interface GraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: object;
  modelTopology: object;
  weightsManifest: WeightsGroup[];
}

export interface FaceMeshModel {
  graph: tf.GraphModel;
  /** '@vladmandic/human <version> models/facemesh.json', for provenance. */
  name: string;
}

let loaded: FaceMeshModel | null = null;

/** The package folder; its `exports` map hides package.json from require.resolve, so search the module paths. */
function meshPackageDir(): string {
  for (const base of require.resolve.paths(FACE_MESH_PACKAGE) ?? []) {
    const dir = path.join(base, FACE_MESH_PACKAGE);
    if (fs.existsSync(path.join(dir, 'models', 'facemesh.json'))) return dir;
  }
  throw new Error(`${FACE_MESH_PACKAGE}: expected models/facemesh.json in the installed package, found no such package (npm install)`);
}

/** Reads a TF.js graph model from files (tfjs-node's file:// loader is not available on our backend). */
function readGraphArtifacts(jsonFile: string): tf.io.ModelArtifacts {
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as GraphModelJson;
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(path.dirname(jsonFile), p)));
  }
  const all = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

export async function loadFaceMesh(): Promise<FaceMeshModel> {
  if (loaded) return loaded;
  const dir = meshPackageDir();
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const graph = await tf.loadGraphModel(tf.io.fromMemory(readGraphArtifacts(path.join(dir, 'models', 'facemesh.json'))));
  loaded = { graph, name: `${FACE_MESH_PACKAGE} ${version} models/facemesh.json` };
  return loaded;
}

/**
 * The window given to the mesh: a square of side `side` centred on `centre` (pixel-centre coordinates), turned by
 * `rollRad` so that the face's eye line lies horizontal in the model input (MediaPipe expects upright faces).
 */
export interface MeshWindow {
  centre: [number, number];
  side: number;
  rollRad: number;
}

/** Centred on the landmark box, side `factor` × its longer side, turned by the angle of the outer eye corners 36 → 45. */
export function meshWindow(landmarks: ArrayLike<number>, landmarkBox: Box, factor = FACE_MESH_CROP_FACTOR): MeshWindow {
  return {
    centre: [(landmarkBox[0] + landmarkBox[2]) / 2, (landmarkBox[1] + landmarkBox[3]) / 2],
    side: factor * Math.max(landmarkBox[2] - landmarkBox[0], landmarkBox[3] - landmarkBox[1]),
    rollRad: Math.atan2(landmarks[91] - landmarks[73], landmarks[90] - landmarks[72]),
  };
}

export interface MeshResult {
  /** 468 × [x, y, z] in image pixels: x, y pixel-centre coordinates; z on the x scale, larger = nearer the camera. */
  points: Float32Array;
  /** The model's face-presence score in [0, 1]. */
  faceScore: number;
}

/**
 * Runs the mesh on one RGB image (HWC, values in [0, 1]) over `win`. The model reads its input in edge
 * coordinates: input pixel j spans [j, j + 1] of 192, so its centre lies (j + 0.5)·step − side/2 from the window
 * centre along the window's axes (step = side/192); turned by the roll, that is where the image is sampled
 * (bilinear, 0 outside), and a model output u maps back the same way with u·step − side/2.
 */
export function runFaceMesh(model: FaceMeshModel, hwc: Float32Array, width: number, height: number, win: MeshWindow): MeshResult {
  const step = win.side / FACE_MESH_INPUT;
  const [cx, cy] = win.centre;
  const cos = Math.cos(win.rollRad);
  const sin = Math.sin(win.rollRad);
  const o = 0.5 * step - win.side / 2;
  // tf.image.transform: output (x, y) samples input (a0·x + a1·y + a2, b0·x + b1·y + b2).
  const transform = [[step * cos, -step * sin, cx + cos * o - sin * o, step * sin, step * cos, cy + sin * o + cos * o, 0, 0]];
  const [mesh, score] = tf.tidy(() => {
    const image = tf.tensor4d(hwc, [1, height, width, 3]);
    const input = tf.image.transform(image, tf.tensor2d(transform), 'bilinear', 'constant', 0, [FACE_MESH_INPUT, FACE_MESH_INPUT]);
    const out = model.graph.execute(input, ['Identity_2:0', 'Identity_1:0']) as tf.Tensor[];
    return [out[0].dataSync(), out[1].dataSync()];
  });
  const points = new Float32Array(mesh.length);
  for (let i = 0; i < mesh.length; i += 3) {
    const u = mesh[i] * step - win.side / 2;
    const v = mesh[i + 1] * step - win.side / 2;
    points[i] = cx + cos * u - sin * v;
    points[i + 1] = cy + sin * u + cos * v;
    // MediaPipe's z grows away from the camera; the kit's depth grows towards it (docs/embedded-3d.md).
    points[i + 2] = -mesh[i + 2] * step;
  }
  return { points, faceScore: score[0] };
}
