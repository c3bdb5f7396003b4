/**
 * `openDataset(config)`: the train/val/test HR samples of any format, ready for `BatchLoader`.
 */
import type { FaceSample, LabelProvenance } from './types';
import { DataConfig, dataConfig } from './config';
import type { Problem } from './formats/common';
import { BenchmarkFormat, readSplits, recordsToSamples } from './records';
import { DatasetNormaliser, DatasetPolicyKeys, ResolvedCrop, checkLabels, datasetEntry, resolveCropPolicy } from './registry';
import * as path from 'path';
import { buildEmbedded } from './embedded/build';
import { EmbeddedSetError, Manifest, defaultEmbeddedDir, loadManifestSample, setFolderState } from './embedded/manifest';
import { syntheticFaces } from './embedded/synthetic';
import { CropPolicy, cropFace, cropWindow } from './crop';
import { floatToRgb } from './image-io';
import { splitByGroup } from './embedded/split';
import { groupKFold } from './folds';
import { expandOffline } from './augment';
import { scaleDepth } from './depth';
import { withSyntheticDepth } from './depth-synthetic';

export interface DatasetInfo {
  format: string;
  /** The registry's display name, e.g. '300W'. */
  name: string;
  root: string | null;
  points: number;
  counts: { train: number; val: number; test: number };
  /** Faces per label provenance over all splits, e.g. { model: 50 } (print as 'labels: model'). */
  labels: Partial<Record<LabelProvenance, number>>;
  /** Where the labels came from: the user's data.labels, or the files/registry. */
  labelsOrigin: 'data.labels' | 'files and dataset default';
  /** The crop every sample of every split was made with (train, eval and infer read the same samples). */
  crop: ResolvedCrop;
  /** The NME normaliser of this dataset's benchmark (what eval.nmeNormaliser 'auto' should use). */
  nmeNormaliser: DatasetNormaliser;
  problems: Problem[];
  notes: string[];
}

/** 'model' or 'human 12, unknown 3': the one spelling of a label count in tables and reports. */
export function describeLabels(labels: Partial<Record<LabelProvenance, number>>): string {
  const kinds = Object.entries(labels).filter(([, n]) => (n ?? 0) > 0);
  return kinds.length === 1 ? kinds[0][0] : kinds.map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
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
  const found =
    state.kind === 'missing'
      ? 'no such folder'
      : state.kind === 'empty'
        ? 'an empty folder'
        : state.kind === 'leftover'
          ? 'no manifest.json, only the working files of a build (in progress or interrupted)'
          : state.found;
  throw new EmbeddedSetError(
    `data.root ${dir}: expected an embedded set built by the kit (manifest.json), found ${found}; build one with \`jasr data build --out ${dir}\` (or leave data.root unset for the kit's cache)`,
  );
}

/** Re-crops a stored (looser) crop to the crop policy and size; the registry allows only 'landmarks' here. */
function recrop(s: FaceSample, policy: CropPolicy, hrSize: number): FaceSample {
  const window = cropWindow(policy, s.landmarks, s.visible, s.box);
  if (!window) throw new Error(`recrop: no box for ${s.id}`); // stored samples always carry a box
  const c = cropFace(floatToRgb(s.hr, s.hrSize, s.hrSize), s.landmarks, window.box, window.crop, hrSize);
  const out: FaceSample = { ...s, hr: c.hr, hrSize, landmarks: c.landmarksHr, box: c.boxHr };
  if (s.depth) out.depth = scaleDepth(s.depth, hrSize / window.crop.side);
  return out;
}

/**
 * `partial` is a data section: DataConfig plus the policy keys `crop` and `labels` (src/data/registry.ts), which
 * default to the format's registry entry.
 */
export async function openDataset(partial: Partial<DataConfig> & DatasetPolicyKeys): Promise<OpenedDataset> {
  const config = dataConfig(partial);
  const entry = datasetEntry(config.format);
  const crop = resolveCropPolicy(config.format, config.margin, partial.crop);
  const declaredLabels = checkLabels(partial.labels);
  const cap = <T>(xs: T[]): T[] => (config.limit > 0 ? xs.slice(0, config.limit) : xs);
  let train: FaceSample[], val: FaceSample[], test: FaceSample[];
  const problems: Problem[] = [];
  const notes: string[] = [];
  let root: string | null = config.root ?? null;
  if (config.format === 'synthetic') {
    const [a, b, c] = config.syntheticCounts;
    // Cross-validated, the faces must not change with the training seed (data.seed follows train.seed).
    const base = config.folds !== undefined ? (config.foldSeed ?? 1) : config.seed;
    train = syntheticFaces(a, base, config.hrSize, 'synthetic-train');
    val = syntheticFaces(b, base + 1, config.hrSize, 'synthetic-val');
    test = syntheticFaces(c, base + 2, config.hrSize, 'synthetic-test');
    notes.push('synthetic faces are drawn at HR size: no crop is taken, the crop policy is nominal');
  } else if (config.format === 'embedded') {
    const built = await openEmbeddedSet(config.root);
    root = built.dir;
    notes.push(...built.manifest.notes, `pseudo-labels: ${built.manifest.labeller}`);
    if (built.manifest.labeller3d) notes.push(`pseudo-3D labels (depth, pose): ${built.manifest.labeller3d}`);
    const load = async (split: string): Promise<FaceSample[]> => {
      const out: FaceSample[] = [];
      for (const m of cap(built.manifest.samples.filter((s) => s.split === split))) {
        out.push(recrop(await loadManifestSample(built.dir, m), crop, config.hrSize));
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
      return recordsToSamples(config.format as BenchmarkFormat, cap(r.records), { hrSize: config.hrSize, crop, declaredLabels }, opts, problems);
    };
    [train, val, test] = [await load('train'), await load('val'), await load('test')];
  }
  if (config.folds !== undefined) {
    const [k, fold, foldSeed] = [config.folds, config.fold ?? 0, config.foldSeed ?? 1];
    // Group k-fold over every face the format has (src/data/folds.ts); each fold's validation groups come from
    // outside its test groups (data.valFraction of them, 0.15 when unset).
    const all = [...train, ...val, ...test];
    const valFraction = config.valFraction > 0 ? config.valFraction : 0.15;
    const f = groupKFold(all, (x) => x.provenance.group, { k, seed: foldSeed, valFraction, source: `data.folds (${config.format}, ${all.length} faces)` })[
      fold
    ];
    [train, val, test] = [f.train, f.val, f.test];
    notes.push(`cross-validation: fold ${fold} of ${k} by group (fold seed ${foldSeed}): ${train.length} train, ${val.length} val, ${test.length} test faces`);
  } else if (val.length === 0 && config.valFraction > 0) {
    const s = splitByGroup(train, (x) => x.provenance.group, config.seed, config.valFraction, 0);
    train = s.train;
    val = s.val;
    notes.push(`validation: ${val.length} faces held out of train by group (valFraction ${config.valFraction})`);
  }
  if (config.syntheticDepth) {
    // Faces that already have z keep it; the rest get the head model's (src/data/depth-synthetic.ts).
    const add = (xs: FaceSample[]): FaceSample[] => xs.map((x) => (x.depth ? x : withSyntheticDepth([x])[0]));
    [train, val, test] = [add(train), add(val), add(test)];
    notes.push('synthetic depth: z from an ellipsoidal head model and pose estimated from the 2D points (data.syntheticDepth), not 3D labels');
  }
  if (config.offlineCopies > 1) train = expandOffline(train, config.offlineCopies, config.augment, config.seed);
  if (declaredLabels) {
    const declare = (xs: FaceSample[]): FaceSample[] => xs.map((x) => ({ ...x, provenance: { ...x.provenance, labels: declaredLabels } }));
    [train, val, test] = [declare(train), declare(val), declare(test)];
  }
  const labels: Partial<Record<LabelProvenance, number>> = {};
  for (const x of [...train, ...val, ...test]) labels[x.provenance.labels] = (labels[x.provenance.labels] ?? 0) + 1;
  const points = (train[0] ?? test[0] ?? val[0])?.visible.length ?? 0;
  return {
    train,
    val,
    test,
    info: {
      format: config.format,
      name: entry.displayName,
      root,
      points,
      counts: { train: train.length, val: val.length, test: test.length },
      labels,
      labelsOrigin: declaredLabels ? 'data.labels' : 'files and dataset default',
      crop,
      nmeNormaliser: entry.nmeNormaliser,
      problems,
      notes,
    },
  };
}
