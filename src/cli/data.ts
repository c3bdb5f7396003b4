/**
 * `jasr data build | inspect | show | labellers`: build the embedded real-face set, count a dataset on disk,
 * picture one training example (LR, bicubic input, HR, heatmap sum with landmarks), or compare the embedded
 * set's 2D and 3D labellers.
 */
import * as path from 'path';
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { DATASET_FORMATS, DatasetFormat } from '../data/config';
import { buildEmbedded } from '../data/embedded/build';
import { EmbeddedSetError, defaultEmbeddedDir, readManifest } from '../data/embedded/manifest';
import { LabellerAgreement, labellerAgreement } from '../data/embedded/labeller-agreement';
import { inspectDataset } from '../data/inspect';
import { openDataset } from '../data/open';
import { makePair } from '../data/pairs';
import { renderPair } from '../data/draw';
import { ImageReadError, writeImage } from '../data/image-io';
import { AnnotationError } from '../data/formats/common';
import { CROP_SOURCES, CropSource } from '../data/crop';
import { DATASETS, DECLARABLE_LABELS, DeclaredLabels } from '../data/registry';

const OPTIONS = {
  out: {
    value: true,
    placeholder: '<path>',
    description: 'build: set folder, missing, empty or built by the kit (default $JASR_CACHE/embedded or .cache/jasr/embedded); show: PNG file',
  },
  force: { description: 'build: rebuild a kit-built set (the old one stays readable until the new one is complete)' },
  format: { value: true, placeholder: '<format>', description: `dataset format: ${DATASET_FORMATS.join('|')}` },
  root: { value: true, placeholder: '<dir>', description: 'dataset directory (benchmarks) or embedded cache directory' },
  split: { value: true, placeholder: '<train|val|test>', description: 'show: split to pick from (default test)' },
  index: { value: true, placeholder: '<i>', description: 'show: sample index within the split (default 0)' },
  scale: { value: true, placeholder: '<4|8>', description: 'show: SR scale (default 8)' },
  labels: {
    value: true,
    placeholder: '<human|model|unknown>',
    description: "inspect/show: declare how the landmarks were made (default: what the files state, else the format's registry default)",
  },
  crop: { value: true, placeholder: '<box|landmarks>', description: "inspect/show: crop source (default the format's registry default; margin data.margin)" },
  json: { description: 'inspect, labellers: print one JSON object' },
};

function parseLabels(v: string | undefined): DeclaredLabels | undefined {
  if (v === undefined) return undefined;
  if (!DECLARABLE_LABELS.includes(v as DeclaredLabels)) throw new UsageError(`--labels: expected one of ${DECLARABLE_LABELS.join(', ')}, got '${v}'`);
  return v as DeclaredLabels;
}

function parseCrop(v: string | undefined): CropSource | undefined {
  if (v === undefined) return undefined;
  if (!CROP_SOURCES.includes(v as CropSource)) throw new UsageError(`--crop: expected one of ${CROP_SOURCES.join(', ')}, got '${v}'`);
  return v as CropSource;
}

function parseFormat(v: string | undefined): DatasetFormat {
  if (!v) throw new UsageError('missing required option --format');
  if (!DATASET_FORMATS.includes(v as DatasetFormat)) throw new UsageError(`--format: expected one of ${DATASET_FORMATS.join(', ')}, got '${v}'`);
  return v as DatasetFormat;
}

export const command: Command = {
  name: 'data',
  summary: 'Build the embedded real-face set, inspect datasets on disk, picture LR/HR/heatmap examples, compare the embedded labellers',
  usage:
    'data build [--out dir] [--force] | data inspect --format <f> [--root dir] [--labels l] [--crop c] [--json] | data show --format <f> [--root dir] [--split s] [--index i] [--scale 8] [--labels l] [--crop c] --out sample.png | data labellers [--root dir] [--json]',
  options: OPTIONS,
  details: `Formats (the dataset registry, src/data/registry.ts; files are read from disk, never downloaded):
${Object.entries(DATASETS)
  .map(([k, e]) => `  ${k.padEnd(12)} ${e.displayName}: ${e.reads}`)
  .join('\n')}`,
  async run(argv: string[]): Promise<number> {
    try {
      return await runData(argv);
    } catch (e) {
      // Bad data on disk is the user's to fix: one clear line naming the file, not a stack trace.
      if (e instanceof AnnotationError || e instanceof ImageReadError || e instanceof EmbeddedSetError) {
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
    console.log(
      `splits: train ${by('train')}, val ${by('val')}, test ${by('test')}; ${manifest.skipped.length} skipped; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const n of manifest.notes) console.log(`note: ${n}`);
    return 0;
  }
  if (sub === 'inspect') {
    const format = parseFormat(args.string('format'));
    if (DATASETS[format].source.kind === 'files' && !args.string('root')) throw new UsageError(`--root <dir> is required for the ${format} format`);
    const report = inspectDataset(format, args.string('root') ? path.resolve(args.requireString('root')) : undefined, {
      labels: parseLabels(args.string('labels')),
      crop: parseCrop(args.string('crop')),
    });
    if (args.flag('json')) {
      console.log(JSON.stringify(report, null, 1));
      return 0;
    }
    console.log(`${report.format} (${report.name}) at ${report.root ?? '(generated)'}: ${report.count} faces, ${report.points} points each`);
    for (const [k, v] of Object.entries(report.subsets)) console.log(`  ${k.padEnd(12)} ${v}`);
    console.log(
      `real faces: ${report.realFaces}; labels: ${Object.entries(report.labels)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} (${report.labelsWhy})`,
    );
    console.log(`crop: ${report.crop.source} (${report.crop.origin}): ${report.crop.description}`);
    console.log(`NME normaliser: ${report.nmeNormaliser}; read: ${report.reads}`);
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
    const ds = await openDataset({
      format,
      root: args.string('root'),
      scale,
      labels: parseLabels(args.string('labels')),
      crop: parseCrop(args.string('crop')),
    });
    const samples = ds[split];
    if (index < 0 || index >= samples.length) throw new UsageError(`--index: the ${split} split has ${samples.length} samples, got ${index}`);
    const pair = makePair(samples[index], scale);
    await writeImage(out, renderPair(pair));
    console.log(
      `${out}: ${samples[index].id} — LR ${pair.lrSize}², bicubic input ${pair.hrSize}², HR ${pair.hrSize}², heatmap sum ${pair.heatmapSide}² (${samples[index].provenance.source}, labels: ${samples[index].provenance.labels}, crop: ${ds.info.crop.description})`,
    );
    return 0;
  }
  if (sub === 'labellers') {
    // Read only: comparing labels never builds or upgrades a set.
    const dir = path.resolve(args.string('root') ?? defaultEmbeddedDir());
    const manifest = readManifest(dir);
    if (!manifest) throw new EmbeddedSetError(`${dir}: expected an embedded set (manifest.json), found none; \`jasr data build\` makes one`);
    const agreement = labellerAgreement(manifest, path.join(dir, 'manifest.json'));
    if (args.flag('json')) console.log(JSON.stringify(agreement, null, 1));
    else printAgreement(dir, agreement);
    return 0;
  }
  throw new UsageError(`expected a subcommand build, inspect, show or labellers, got '${sub ?? ''}'`);
}

const pct = (v: number): string => (100 * v).toFixed(2);

function printAgreement(dir: string, a: LabellerAgreement): void {
  console.log(`${dir}: ${a.faces} faces in ${a.groups} photo/video groups`);
  console.log(`2D: ${a.labeller}`);
  console.log(`3D: ${a.labeller3d}`);
  console.log(`protocol: ${a.protocol}`);
  console.log(`mean NME ${pct(a.mean.mean)} % [${pct(a.mean.lo)}, ${pct(a.mean.hi)}]; median ${pct(a.median)} %; max ${pct(a.max.nme)} % (${a.max.id})`);
  console.log('region        points  NME % [interval]');
  for (const r of a.regions) console.log(`${r.name.padEnd(13)} ${r.points.padEnd(7)} ${pct(r.nme.mean)} [${pct(r.nme.lo)}, ${pct(r.nme.hi)}]`);
  console.log('point  vertex  NME % [interval]        mean offset dx, dy (% inter-ocular)');
  for (const p of a.perPoint) {
    const iv = `${pct(p.nme.mean)} [${pct(p.nme.lo)}, ${pct(p.nme.hi)}]`;
    console.log(`${String(p.point).padStart(5)}  ${String(p.meshVertex).padStart(6)}  ${iv.padEnd(22)}  ${pct(p.dx).padStart(6)}, ${pct(p.dy).padStart(6)}`);
  }
}
