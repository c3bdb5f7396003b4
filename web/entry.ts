/**
 * The page's script, bundled by `jasr serve` (src/cli/serve.ts) with esbuild: TF.js (webgl, wasm fallback),
 * face-api's detector (its no-bundle build, so it shares this TF.js) and the kit's own pipeline files —
 * src/task/enhance-frame.ts (detect-or-track, then src/task/enhance-faces.ts), src/task/enhance-track.ts (the
 * landmark tracker: on a video or the camera the detector runs every k-th frame, `?detectEvery=k`, 1 = every
 * frame), src/task/enhance-web-model.ts — the very code `jasr enhance` runs in Node. Node-only modules those files
 * reach (sharp, fs) are stubbed by the bundler and never called here.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import { DEFAULT_DETECTOR_OPTIONS, DetectorApi, DetectorOptions } from '../src/task/enhance-detect';
import { DetectedFace, EnhancedFace, enhanceFaces } from '../src/task/enhance-faces';
import { enhanceFrame } from '../src/task/enhance-frame';
import { DEFAULT_TRACK_OPTIONS, FaceTracker, TrackOptions } from '../src/task/enhance-track';
import { WebModelManifest, loadWebModel } from '../src/task/enhance-web-model';
import type { FaceModel } from '../src/model/types';
import type { RgbImage } from '../src/data/image-io';

interface FaceView {
  box: number[];
  score: number;
  landmarks: [number, number][] | null;
  sr: number[] | null;
  lr: number[];
}
interface PageState {
  ready: boolean;
  error: string | null;
  backend: string;
  frames: number;
  /** Frames that went through the detector (the others were tracked from the previous frame's landmarks). */
  detectorRuns: number;
  /** The tracker's settings (detectEvery 1: the detector on every frame, no tracking). */
  track: TrackOptions;
  fps: number;
  faces: FaceView[];
  errors: string[];
}
const state: PageState = {
  ready: false,
  error: null,
  backend: '',
  frames: 0,
  detectorRuns: 0,
  track: { ...DEFAULT_TRACK_OPTIONS },
  fps: 0,
  faces: [],
  errors: [],
};
let model: FaceModel | null = null;
let manifest: WebModelManifest | null = null;
const detectorOptions: DetectorOptions = { ...DEFAULT_DETECTOR_OPTIONS };
const api = faceapi as unknown as DetectorApi & {
  nets: { ssdMobilenetv1: { loadFromUri(u: string): Promise<void> }; tinyFaceDetector: { loadFromUri(u: string): Promise<void> } };
};

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

async function chooseBackend(): Promise<string> {
  setWasmPaths('/tfjs-wasm/');
  const wanted = params.get('backend');
  for (const b of wanted ? [wanted] : ['webgl', 'wasm']) {
    try {
      if (await tf.setBackend(b)) {
        await tf.ready();
        return b;
      }
    } catch {
      /* try the next one */
    }
  }
  throw new Error('neither the webgl nor the wasm backend of TF.js starts in this browser');
}

function pixels(source: CanvasImageSource, width: number, height: number): RgbImage {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  ctx.drawImage(source, 0, 0, width, height);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { data, width, height };
}

function toCanvas(img: RgbImage, side: number, points?: [number, number][] | null): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = side;
  c.height = side;
  const src = document.createElement('canvas');
  src.width = img.width;
  src.height = img.height;
  const sctx = src.getContext('2d') as CanvasRenderingContext2D;
  const id = sctx.createImageData(img.width, img.height);
  for (let i = 0, j = 0; j < img.data.length; i += 4, j += 3) {
    id.data[i] = img.data[j];
    id.data[i + 1] = img.data[j + 1];
    id.data[i + 2] = img.data[j + 2];
    id.data[i + 3] = 255;
  }
  sctx.putImageData(id, 0, 0);
  const ctx = c.getContext('2d') as CanvasRenderingContext2D;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, side, side);
  if (points) {
    ctx.fillStyle = '#0f0';
    const s = side / img.width;
    for (const [x, y] of points) ctx.fillRect((x + 0.5) * s - 1.5, (y + 0.5) * s - 1.5, 3, 3);
  }
  return c;
}

function show(frame: RgbImage, faces: EnhancedFace[], source: CanvasImageSource): void {
  const view = $<HTMLCanvasElement>('frame');
  view.width = frame.width;
  view.height = frame.height;
  const ctx = view.getContext('2d') as CanvasRenderingContext2D;
  ctx.drawImage(source, 0, 0, frame.width, frame.height);
  ctx.strokeStyle = '#fc0';
  ctx.lineWidth = 2;
  ctx.fillStyle = '#0f0';
  for (const f of faces) {
    ctx.strokeRect(f.box[0], f.box[1], f.box[2] - f.box[0], f.box[3] - f.box[1]);
    for (const [x, y] of f.landmarksOriginal ?? []) ctx.fillRect(x - 1, y - 1, 3, 3);
  }
  const list = $('faces');
  list.replaceChildren();
  faces.forEach((f, i) => {
    const row = document.createElement('div');
    row.className = 'face';
    const label = document.createElement('span');
    label.textContent = `face ${i} (score ${f.score.toFixed(2)})`;
    row.append(
      label,
      toCanvas(f.lr, 128),
      toCanvas(f.bicubic, 128),
      ...(f.sr ? [toCanvas(f.sr, 128), toCanvas(f.sr, 128, f.landmarksHr)] : [toCanvas(f.bicubic, 128, f.landmarksHr)]),
    );
    list.append(row);
  });
}

function record(faces: EnhancedFace[]): FaceView[] {
  return faces.map((f) => ({
    box: [...f.box],
    score: f.score,
    landmarks: f.landmarksOriginal,
    sr: f.sr ? Array.from(f.sr.data) : null,
    lr: Array.from(f.lr.data),
  }));
}

/** One frame (an image, or a video frame with the video's tracker), shown and recorded for the test. */
async function runFrame(source: CanvasImageSource, width: number, height: number, tracker?: FaceTracker): Promise<EnhancedFace[]> {
  if (!model || !manifest) throw new Error('model not loaded');
  const frame = pixels(source, width, height);
  const r = await enhanceFrame(model, api, frame, { detector: detectorOptions, margin: manifest.margin, quantize: manifest.quantize ?? false }, tracker);
  show(frame, r.faces, source);
  state.frames += 1;
  state.detectorRuns += r.detected ? 1 : 0;
  state.faces = record(r.faces);
  return r.faces;
}

/** For the browser test: the pipeline on given boxes (skipping the detector) for an image at `url`. */
async function enhanceBoxes(url: string, boxes: DetectedFace[]): Promise<FaceView[]> {
  if (!model || !manifest) throw new Error('model not loaded');
  const img = await loadImage(url);
  const frame = pixels(img, img.naturalWidth, img.naturalHeight);
  return record(enhanceFaces(model, frame, boxes, { margin: manifest.margin, quantize: manifest.quantize ?? false }));
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load image ${url}`));
    img.src = url;
  });
}

let loopToken = 0;
/**
 * Runs frames from a playing video element until another source is chosen, with one landmark tracker for the
 * video (as `jasr enhance` keeps one per video); fps over the last 30 frames.
 */
async function loop(video: HTMLVideoElement): Promise<void> {
  const token = ++loopToken;
  const times: number[] = [];
  let tracker: FaceTracker | undefined;
  while (token === loopToken && !video.ended) {
    if (video.readyState >= 2 && video.videoWidth > 0) {
      tracker ??= state.track.detectEvery > 1 ? new FaceTracker(state.track, video.videoWidth, video.videoHeight) : undefined;
      await runFrame(video, video.videoWidth, video.videoHeight, tracker);
      times.push(performance.now());
      if (times.length > 30) times.shift();
      if (times.length >= 2) state.fps = (1000 * (times.length - 1)) / (times[times.length - 1] - times[0]);
      $('fps').textContent = `${state.fps.toFixed(1)} frames/s (${state.backend}); detector on ${state.detectorRuns} of ${state.frames} frames`;
    }
    await new Promise((r) => requestAnimationFrame(() => r(null)));
  }
}

async function startCamera(): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  const video = $<HTMLVideoElement>('video');
  video.srcObject = stream;
  await video.play();
  void loop(video);
}

async function onFile(file: File): Promise<void> {
  const url = URL.createObjectURL(file);
  if (file.type.startsWith('video/')) {
    const video = $<HTMLVideoElement>('video');
    video.srcObject = null;
    video.src = url;
    video.loop = false;
    await video.play();
    void loop(video);
  } else {
    loopToken++;
    const img = await loadImage(url);
    const t0 = performance.now();
    await runFrame(img, img.naturalWidth, img.naturalHeight);
    $('fps').textContent = `one image in ${(performance.now() - t0).toFixed(0)} ms (${state.backend})`;
  }
}

async function main(): Promise<void> {
  try {
    state.backend = await chooseBackend();
    const modelUrl = params.get('model') ?? '/model/';
    detectorOptions.detector = params.get('detector') === 'tiny' ? 'tiny' : 'ssd';
    state.track = trackParams();
    await (detectorOptions.detector === 'ssd' ? api.nets.ssdMobilenetv1 : api.nets.tinyFaceDetector).loadFromUri('/face-api-model/');
    manifest = (await (await fetch(`${modelUrl}model.json`)).json()) as WebModelManifest;
    const weights = await (await fetch(`${modelUrl}${manifest.weightsFile}`)).arrayBuffer();
    model = loadWebModel(manifest, weights, `${modelUrl}model.json`);
    $('status').textContent = `model ${manifest.experiment} (${manifest.model.architecture}, ×${manifest.model.scale}) on ${state.backend}`;
    $<HTMLInputElement>('file').addEventListener('change', (e) => {
      const f = (e.target as HTMLInputElement).files?.[0];
      if (f) onFile(f).catch(fail);
    });
    $('camera').addEventListener('click', () => {
      startCamera().catch(fail);
    });
    state.ready = true;
    if (params.get('camera') === '1') await startCamera();
  } catch (e) {
    fail(e);
  }
}

/**
 * The tracker's settings from the address: `?detectEvery=k` (default: the CLI's, DEFAULT_TRACK_OPTIONS), and
 * likewise `minConfidenceRatio`, `maxSideChange`, `smoothing` (the CLI's defaults unless given).
 */
function trackParams(): TrackOptions {
  const o: TrackOptions = { ...DEFAULT_TRACK_OPTIONS };
  for (const key of Object.keys(o) as (keyof TrackOptions)[]) {
    const raw = params.get(key);
    if (raw === null) continue;
    const v = Number(raw);
    const ok = key === 'detectEvery' ? Number.isInteger(v) && v >= 1 : Number.isFinite(v) && v >= 0;
    if (!ok) throw new Error(`?${key}: expected ${key === 'detectEvery' ? 'an integer ≥ 1' : 'a number ≥ 0'}, found '${raw}'`);
    o[key] = v;
  }
  return o;
}

function fail(e: unknown): void {
  state.error = e instanceof Error ? e.message : String(e);
  $('status').textContent = `error: ${state.error}`;
  console.error(state.error);
}

/** Stops the camera / video loop (the test calls it before reading the page). */
function stop(): void {
  loopToken++;
}

Object.assign(window, { jasr: { state, enhanceBoxes, stop } });
void main();
