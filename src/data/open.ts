/**
 * `openDataset(config)`: the train/val/test HR samples of any format, ready for `BatchLoader`.
 */
import type { FaceSample } from './types';
import { DataConfig, dataConfig } from './config';
import type { Problem } from './formats/common';
import { BenchmarkFormat, readSplits, recordsToSamples } from './records';
import * as path from 'path';
import { buildEmbedded } from './embedded/build';
import { EmbeddedSetError, Manifest, defaultEmbeddedDir, loadManifestSample, setFolderState } from './embedded/manifest';
import { syntheticFaces } from './embedded/synthetic';
import { cropFace, landmarkBox, squareCropBox } from './crop';
import { floatToRgb } from './image-io';
import { splitByGroup } from './embedded/split';
import { expandOffline } from './augment';

export interface DatasetInfo {
  format: string;
  root: string | null;
  points: number;
  counts: { train: number; val: number; test: number };
  problems: Problem[];
  notes: string[];
}

export interface OpenedDataset {
  train: FaceSample[];
  val: FaceSample[];
  test: FaceSample[];
  info: DatasetInfo;
}

/**
 * The embedded set at `root`. Only the kit's own cache (the default folder) is built on demand — `npm start` and
 * the tests rely on that; a folder the user names is only read, so training or evaluating never writes into (or
 * deletes from) it: building there is `jasr data build --out DIR`'s job, which refuses folders it did not make.
 */
async function openEmbeddedSet(root: string | undefined): Promise<{ dir: string; manifest: Manifest }> {
  const dir = path.resolve(root ?? defaultEmbeddedDir());
  if (dir === path.resolve(defaultEmbeddedDir())) return buildEmbedded({ out: dir });
  const state = setFolderState(dir);
  if (state.kind === 'kit') return { dir, manifest: state.manifest };
  const found = state.kind === 'missing' ? 'no such folder' : state.kind === 'empty' ? 'an empty folder'
    : state.kind === 'leftover' ? 'no manifest.json, only the working files of a build (in progress or interrupted)' : state.found;
  throw new EmbeddedSetError(`data.root ${dir}: expected an embedded set built by the kit (manifest.json), found ${found}; build one with \`jasr data build --out ${dir}\` (or leave data.root unset for the kit's cache)`);
}

/** Re-crops a stored (looser) crop to the configured margin and size. */
function recrop(s: FaceSample, margin: number, hrSize: number): FaceSample {
  const box = landmarkBox(s.landmarks, s.visible);
  const c = cropFace(floatToRgb(s.hr, s.hrSize, s.hrSize), s.landmarks, box, squareCropBox(box, margin), hrSize);
  return { ...s, hr: c.hr, hrSize, landmarks: c.landmarksHr, box: c.boxHr };
}

export async function openDataset(partial: Partial<DataConfig>): Promise<OpenedDataset> {
  const config = dataConfig(partial);
  const cap = <T>(xs: T[]): T[] => (config.limit > 0 ? xs.slice(0, config.limit) : xs);
  let train: FaceSample[] = [], val: FaceSample[] = [], test: FaceSample[] = [];
  const problems: Problem[] = [];
  const notes: string[] = [];
  let root: string | null = config.root ?? null;
  if (config.format === 'synthetic') {
    const [a, b, c] = config.syntheticCounts;
    train = syntheticFaces(a, config.seed, config.hrSize, 'synthetic-train');
    val = syntheticFaces(b, config.seed + 1, config.hrSize, 'synthetic-val');
    test = syntheticFaces(c, config.seed + 2, config.hrSize, 'synthetic-test');
  } else if (config.format === 'embedded') {
    const built = await openEmbeddedSet(config.root);
    root = built.dir;
    notes.push(...built.manifest.notes, `pseudo-labels: ${built.manifest.labeller}`);
    const load = async (split: string): Promise<FaceSample[]> => {
      const out: FaceSample[] = [];
      for (const m of cap(built.manifest.samples.filter((s) => s.split === split))) {
        out.push(recrop(await loadManifestSample(built.dir, m), config.margin, config.hrSize));
      }
      return out;
    };
    [train, val, test] = [await load('train'), await load('val'), await load('test')];
  } else {
    if (!config.root) throw new Error(`data.root: the ${config.format} format needs a dataset directory`);
    const opts = { skipBad: config.skipBad };
    const splits = readSplits(config.format as BenchmarkFormat, config.root, opts, config.testSubset);
    const load = async (name: string): Promise<FaceSample[]> => {
      const r = splits[name];
      if (!r) return [];
      problems.push(...r.problems);
      return recordsToSamples(config.format as BenchmarkFormat, cap(r.records), config.hrSize, config.margin, opts, problems);
    };
    [train, val, test] = [await load('train'), await load('val'), await load('test')];
  }
  if (val.length === 0 && config.valFraction > 0) {
    const s = splitByGroup(train, (x) => x.provenance.group, config.seed, config.valFraction, 0);
    train = s.train;
    val = s.val;
    notes.push(`validation: ${val.length} faces held out of train by group (valFraction ${config.valFraction})`);
  }
  if (config.offlineCopies > 1) train = expandOffline(train, config.offlineCopies, config.augment, config.seed);
  const points = (train[0] ?? test[0] ?? val[0])?.visible.length ?? 0;
  return {
    train, val, test,
    info: { format: config.format, root, points, counts: { train: train.length, val: val.length, test: test.length }, problems, notes },
  };
}
