/**
 * `jasr enhance`: faces in the wild on a photo, a folder of photos or a video (src/task/enhance.ts): detect,
 * super-resolve and align every face, write per-face crops, landmarks JSON and an annotated image or video.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { KnownError } from '../core/errors';
import { initBackend } from '../backend/index';
import { loadRunModel } from '../pipeline/run-experiment';
import { DEFAULT_DETECTOR_OPTIONS, DETECTORS, DetectorName } from '../task/enhance-detect';
import { loadDetector } from '../task/enhance-detector-node';
import { enhance, inputKind } from '../task/enhance';
import { DEFAULT_TRACK_OPTIONS } from '../task/enhance-track';
import { preferPassiveOpenMpWait } from '../task/enhance-wait-policy';
import type { ProgressMode } from '../engine/progress';

const OPTIONS = {
  checkpoint: { value: true, placeholder: '<dir>', description: 'run directory (best, else last, checkpoint) or a checkpoint directory' },
  input: { value: true, placeholder: '<path>', description: 'a photo, a folder of photos, or a video (mp4, webm, …; needs ffmpeg)' },
  out: { value: true, placeholder: '<dir>', description: 'output directory (default: beside the input, <name>.enhanced/)' },
  detector: { value: true, placeholder: 'ssd|tiny', description: `face detector: face-api SSD MobileNet v1 (default) or tiny face detector` },
  'detector-size': {
    value: true,
    placeholder: '<px>',
    description: `tiny detector input side, a multiple of 32 (default ${DEFAULT_DETECTOR_OPTIONS.tinyInputSize}; 224 is ~3× faster, finds fewer small faces)`,
  },
  'min-size': {
    value: true,
    placeholder: '<px>',
    description: `drop faces whose box side is below this (default ${DEFAULT_DETECTOR_OPTIONS.minSize}; small keeps tiny faces)`,
  },
  'min-score': { value: true, placeholder: '<0..1>', description: `detector score threshold (default ${DEFAULT_DETECTOR_OPTIONS.minScore})` },
  'max-faces': { value: true, placeholder: '<n>', description: `at most this many faces per frame (default ${DEFAULT_DETECTOR_OPTIONS.maxFaces})` },
  'detect-every': {
    value: true,
    placeholder: '<k>',
    description: `videos: run the detector every k frames and follow each face by its predicted landmarks in between, re-detecting early when tracking degrades (default ${DEFAULT_TRACK_OPTIONS.detectEvery}; 1 = detect every frame)`,
  },
  'no-calibration': {
    description: 'crop around the raw detector box instead of the landmark box it predicts (the calibration fitted for the training crop, docs/in-the-wild.md)',
  },
  'max-frames': { value: true, placeholder: '<n>', description: 'videos: stop after this many frames' },
  progress: { value: true, placeholder: 'auto|tty|plain|quiet|json', description: 'progress display on folders and videos (default auto)' },
};

export class EnhancePathError extends KnownError {}

export const command: Command = {
  name: 'enhance',
  summary: 'Detect, super-resolve and align every face of a photo, a folder or a video',
  usage: 'enhance --checkpoint <run dir> --input <photo|folder|video> [--out <dir>] [--detector ssd|tiny] [--min-size <px>]',
  options: OPTIONS,
  details: `Each face the detector finds is cropped square around its box with the experiment's margin, straight to
the model's LR size (16×16 for ×8), upsampled as in training, and all faces of a frame go through the model in one
batch. Outputs: <name>-annotated.png (.mp4 for a video) with boxes, landmarks and an SR inset per face;
<name>-faces.json with boxes and landmarks in original-image pixels; for photos <name>-face<i>-lr.png and -sr.png.
Every file is written atomically.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const input = args.requireString('input');
    const checkpoint = args.requireString('checkpoint');
    const detector = (args.string('detector') ?? DEFAULT_DETECTOR_OPTIONS.detector) as DetectorName;
    if (!DETECTORS.includes(detector)) throw new OptionValueError('detector', DETECTORS.join(' or '), `'${detector}'`);
    const minSize = args.number('min-size') ?? DEFAULT_DETECTOR_OPTIONS.minSize;
    if (!(minSize >= 0)) throw new OptionValueError('min-size', 'a size in pixels ≥ 0', String(minSize));
    const minScore = args.number('min-score') ?? DEFAULT_DETECTOR_OPTIONS.minScore;
    if (!(minScore > 0 && minScore < 1)) throw new OptionValueError('min-score', 'a number in (0, 1)', String(minScore));
    const maxFaces = args.integer('max-faces') ?? DEFAULT_DETECTOR_OPTIONS.maxFaces;
    if (!(maxFaces >= 1)) throw new OptionValueError('max-faces', 'an integer ≥ 1', String(maxFaces));
    const tinyInputSize = args.integer('detector-size') ?? DEFAULT_DETECTOR_OPTIONS.tinyInputSize;
    if (!(tinyInputSize >= 32 && tinyInputSize % 32 === 0)) throw new OptionValueError('detector-size', 'a multiple of 32, at least 32', String(tinyInputSize));
    const detectEvery = args.integer('detect-every') ?? DEFAULT_TRACK_OPTIONS.detectEvery;
    if (!(detectEvery >= 1)) throw new OptionValueError('detect-every', 'an integer ≥ 1', String(detectEvery));
    const calibrate = !args.flag('no-calibration');
    const maxFrames = args.integer('max-frames');
    if (maxFrames !== undefined && !(maxFrames >= 1)) throw new OptionValueError('max-frames', 'an integer ≥ 1', String(maxFrames));
    const progress = (args.string('progress') ?? 'auto') as ProgressMode;
    if (!['auto', 'tty', 'plain', 'quiet', 'json'].includes(progress))
      throw new OptionValueError('progress', 'auto, tty, plain, quiet or json', `'${progress}'`);
    const kind = inputKind(input);
    const outDir = args.string('out') ?? path.join(path.dirname(path.resolve(input)), `${path.basename(input).replace(/\.[^.]+$/, '')}.enhanced`);
    if (!fs.existsSync(checkpoint) || !fs.statSync(checkpoint).isDirectory())
      throw new EnhancePathError(
        `${checkpoint}: --checkpoint: expected a run directory or a checkpoint directory, found ${fs.existsSync(checkpoint) ? 'a file' : 'no such directory'}`,
      );
    if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory())
      throw new EnhancePathError(`${outDir}: --out: expected a directory (new or existing), found a file`);
    preferPassiveOpenMpWait(); // before the backend loads the oneDNN addon (libgomp reads it once)
    await initBackend({ quiet: true });
    const run = loadRunModel(checkpoint);
    try {
      const api = await loadDetector(detector);
      const t0 = performance.now();
      const sum = await enhance(run.model, api, input, {
        detector: { ...DEFAULT_DETECTOR_OPTIONS, detector, minSize, minScore, maxFaces, tinyInputSize, calibrate },
        track: { ...DEFAULT_TRACK_OPTIONS, detectEvery },
        margin: run.experiment.data.margin,
        quantize: run.experiment.data.quantize ?? false,
        outDir,
        progress,
        maxFrames,
        checkpoint: run.checkpointDir,
      });
      const sec = (performance.now() - t0) / 1000;
      const per = (ms: number): string => (sum.frames > 0 ? (ms / sum.frames).toFixed(1) : '0');
      const tracked = kind === 'video' ? ` (detector on ${sum.detectedFrames} of them)` : '';
      console.log(
        `${input} (${kind}): ${sum.frames} frame(s)${tracked}, ${sum.faces} face(s) in ${sec.toFixed(1)} s = ${(sum.frames / sec).toFixed(2)} frames/s; per frame: detector ${per(sum.detectMs)} ms, model ${per(sum.modelMs)} ms, drawing ${per(sum.drawMs)} ms`,
      );
      console.log(`  ${sum.written.length} file(s) in ${outDir}`);
      return 0;
    } finally {
      run.model.dispose();
    }
  },
};
