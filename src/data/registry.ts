/**
 * The dataset registry: one entry per format holds every fact the kit needs about it — its reader (the splits a
 * run uses and every subset `jasr data inspect` counts), its point count and landmark convention (flip pairs,
 * eye indices: src/data/landmark-conventions.ts), the NME normaliser its benchmark uses, a display name, how its
 * labels were made and which box its faces are cropped around. `DATASET_FORMATS` is this object's keys, so a new
 * format is its reader plus one entry here.
 */
import { KnownError } from '../core/errors';
import type { LabelProvenance } from './types';
import { CROP_SOURCES, CropPolicy, CropSource, describeCropPolicy } from './crop';
import { LandmarkConvention, landmarkConvention } from './landmark-conventions';
import { ReadResult, ReaderOptions } from './formats/common';
import { Subset300W, read300W } from './formats/pts300w';
import { readAflw } from './formats/aflw';
import { readHelen } from './formats/helen';
import { readCelebA } from './formats/celeba';
import { readWflw } from './formats/wflw';
import { readDlibXmlSplits } from './formats/dlib-xml';
import { LS3DW_SUBSETS, Ls3dwSubset, readLs3dw } from './formats/ls3dw';
import { readAflw20003d } from './formats/aflw2000-3d';
import { read300WLP } from './formats/300w-lp';

/** A data.format / --format / data.testSubset value the registry cannot serve (one line, names the key). */
export class DatasetConfigError extends KnownError {}

/** NME normalisers a dataset's benchmark may use (the names of src/metrics/nme.ts `NmeNormalizer`). */
export type DatasetNormaliser = 'inter-ocular' | 'inter-pupil' | 'box' | 'landmark-box' | 'box-diagonal';

/** Annotations read from files under `data.root`. */
export interface FileSource {
  kind: 'files';
  /** The splits a run reads (train, optionally val, test); `testSubset` picks the test subset where there are several. */
  splits(root: string, opts: ReaderOptions, testSubset?: string): Record<string, ReadResult>;
  /** Every subset the format defines, for `jasr data inspect`. */
  subsets(root: string, opts: ReaderOptions): Record<string, ReadResult>;
  /** Subsets whose sizes add up to the dataset's size (others overlap them); default all. */
  total?: string[];
  /** Allowed `data.testSubset` values and the default; absent = the format has one test split. */
  testSubsets?: { values: readonly string[]; default: string };
  /** Whether every face carries a dataset face box (the 'box' crop source needs one). */
  hasBoxes: boolean;
}

/** The kit's own sets, opened by src/data/open.ts. */
export interface BuiltSource {
  kind: 'embedded' | 'synthetic';
}

export interface DatasetEntry {
  /** Name printed in tables and provenance, e.g. '300W'. */
  displayName: string;
  source: FileSource | BuiltSource;
  points: number;
  /** Flip table, eye indices and default normaliser of the point scheme. */
  convention: LandmarkConvention;
  /** NME normaliser of this dataset's usual benchmark ('auto' in eval.nmeNormaliser should mean this). */
  nmeNormaliser: DatasetNormaliser;
  /** How the release's labels were made unless the file says otherwise or the user declares it. */
  labels: LabelProvenance;
  /** Why that default (shown by `jasr data inspect`). */
  labelsWhy: string;
  /** Default crop source (data.crop.source overrides) and the sources this format can serve. */
  crop: CropSource;
  cropSources: readonly CropSource[];
  /** What the reader takes from the files, in words (points, depth, pose, boxes, attributes). */
  reads: string;
}

/** Records grouped by their `subset` field, plus 'all' (the whole read). */
function bySubset(all: ReadResult): Record<string, ReadResult> {
  const out: Record<string, ReadResult> = {};
  for (const r of all.records) {
    out[r.subset] ??= { records: [], problems: [], points: all.points };
    out[r.subset].records.push(r);
  }
  out.all = all;
  return out;
}

function pickSubset<T extends string>(format: string, allowed: readonly T[], value: string | undefined, fallback: T): T {
  const v = (value ?? fallback) as T;
  if (!allowed.includes(v)) throw new DatasetConfigError(`data.testSubset: the ${format} format has test subsets ${allowed.join(', ')}; found '${value}'`);
  return v;
}

function entry(e: Omit<DatasetEntry, 'convention'>): DatasetEntry {
  const convention = landmarkConvention(e.points);
  // A bug in this file, not a user error: every entry's point count must have a convention.
  if (!convention) throw new Error(`registry: no landmark convention for ${e.points} points (${e.displayName})`);
  return { ...e, convention };
}

const SUBSETS_300W: readonly Subset300W[] = ['training', 'common', 'challenging', 'full'];
const TEST_300W = ['common', 'challenging', 'full'] as const;
const LS3DW_TEST = [...LS3DW_SUBSETS, 'all'] as const;

export const DATASETS = {
  '300w': entry({
    displayName: '300W',
    points: 68,
    nmeNormaliser: 'inter-ocular',
    labels: 'human',
    labelsWhy: '300W release: points placed by annotators (semi-automatic, then corrected by hand)',
    crop: 'landmarks',
    cropSources: ['landmarks'],
    reads: '.pts beside each image in lfpw/helen/afw/ibug (68 points); no face box',
    source: {
      kind: 'files',
      hasBoxes: false,
      total: ['training', 'full'],
      testSubsets: { values: TEST_300W, default: 'full' },
      splits: (root, opts, testSubset) => ({
        train: read300W(root, 'training', opts),
        test: read300W(root, pickSubset('300w', TEST_300W, testSubset, 'full'), opts),
      }),
      subsets: (root, opts) => Object.fromEntries(SUBSETS_300W.map((s) => [s, read300W(root, s, opts)])),
    },
  }),
  aflw: entry({
    displayName: 'AFLW',
    points: 19,
    nmeNormaliser: 'box',
    labels: 'human',
    labelsWhy: 'AFLW release: 21 points marked by annotators (19 used, ear lobes dropped)',
    crop: 'box',
    cropSources: ['box', 'landmarks'],
    reads: 'SAN-style lists: image, face box, 19 points with visibility',
    source: {
      kind: 'files',
      hasBoxes: true,
      splits: (root, opts) => ({ train: readAflw(root, 'train', opts), test: readAflw(root, 'test', opts) }),
      subsets: (root, opts) => ({ all: readAflw(root, 'all', opts) }),
    },
  }),
  helen: entry({
    displayName: 'HELEN',
    points: 194,
    nmeNormaliser: 'landmark-box',
    labels: 'human',
    labelsWhy: 'HELEN release: 194 points annotated by people (crowd-sourced, then refined)',
    crop: 'landmarks',
    cropSources: ['landmarks'],
    reads: 'annotation/<k>.txt (name line + 194 "x , y"); no face box',
    source: {
      kind: 'files',
      hasBoxes: false,
      total: ['all'],
      splits: (root, opts) => ({ train: readHelen(root, 'train', opts), test: readHelen(root, 'test', opts) }),
      subsets: (root, opts) => bySubset(readHelen(root, 'all', opts)),
    },
  }),
  celeba: entry({
    displayName: 'CelebA',
    points: 5,
    nmeNormaliser: 'inter-ocular',
    labels: 'human',
    labelsWhy: 'CelebA release: 5 points marked by a labelling team',
    crop: 'landmarks',
    cropSources: ['landmarks'],
    reads: 'list_landmarks_align_celeba.txt (5 points) + list_eval_partition.txt; no face box',
    source: {
      kind: 'files',
      hasBoxes: false,
      splits: (root, opts) => ({ train: readCelebA(root, 'train', opts), val: readCelebA(root, 'val', opts), test: readCelebA(root, 'test', opts) }),
      subsets: (root, opts) => ({ train: readCelebA(root, 'train', opts), val: readCelebA(root, 'val', opts), test: readCelebA(root, 'test', opts) }),
    },
  }),
  wflw: entry({
    displayName: 'WFLW',
    points: 98,
    nmeNormaliser: 'inter-ocular',
    labels: 'human',
    labelsWhy: 'WFLW release: 98 points annotated by hand',
    crop: 'box',
    cropSources: ['box', 'landmarks'],
    reads: 'one line per face: 98 points, face box, 6 attribute flags, image path',
    source: {
      kind: 'files',
      hasBoxes: true,
      splits: (root, opts) => ({ train: readWflw(root, 'train', opts), test: readWflw(root, 'test', opts) }),
      subsets: (root, opts) => ({ train: readWflw(root, 'train', opts), test: readWflw(root, 'test', opts) }),
    },
  }),
  'dlib-xml': entry({
    displayName: 'dlib imglab XML',
    points: 68,
    nmeNormaliser: 'inter-ocular',
    labels: 'unknown',
    labelsWhy: "imglab files hold whatever made them; the file's <comment> decides where it says (dlib's examples: its 68-point predictor)",
    crop: 'box',
    cropSources: ['box', 'landmarks'],
    reads: '<image file><box top left width height><part name x y/>: 68 parts and the box; <comment> for label provenance',
    source: {
      kind: 'files',
      hasBoxes: true,
      splits: (root, opts) => readDlibXmlSplits(root, opts),
      subsets: (root, opts) => readDlibXmlSplits(root, opts),
    },
  }),
  // The three 3D sets: NME is normalised by √(w·h) of the ground-truth landmarks' box ('landmark-box'), as 3D
  // face-alignment results on them are reported (large poses make the inter-ocular distance collapse).
  ls3dw: entry({
    displayName: 'LS3D-W',
    points: 68,
    nmeNormaliser: 'landmark-box',
    labels: 'model',
    labelsWhy: 'LS3D-W: 3D points produced by a 2D-to-3D network and checked by people, not placed by hand',
    crop: 'landmarks',
    cropSources: ['landmarks'],
    reads: '<name>.t7 beside each image: 68×2 projections of the 3D points (no depth, no pose); test-only (no train split)',
    source: {
      kind: 'files',
      hasBoxes: false,
      total: ['all'],
      testSubsets: { values: LS3DW_TEST, default: 'all' },
      splits: (root, opts, testSubset) => ({ test: readLs3dw(root, pickSubset('ls3dw', LS3DW_TEST, testSubset, 'all') as Ls3dwSubset | 'all', opts) }),
      subsets: (root, opts) => bySubset(readLs3dw(root, 'all', opts)),
    },
  }),
  'aflw2000-3d': entry({
    displayName: 'AFLW2000-3D',
    points: 68,
    nmeNormaliser: 'landmark-box',
    labels: 'model',
    labelsWhy: 'AFLW2000-3D: points of a 3D morphable model fitted to AFLW faces',
    crop: 'landmarks',
    cropSources: ['landmarks'],
    reads:
      '<name>.mat beside each .jpg: x, y of pt3d_68 as landmarks, its z as record depth, Pose_Para as pose (degrees); samples carry depth (centred, HR pixels) and pose (src/data/depth.ts); test-only',
    source: {
      kind: 'files',
      hasBoxes: false,
      total: ['all'],
      splits: (root, opts) => ({ test: readAflw20003d(root, opts) }),
      subsets: (root, opts) => bySubset(readAflw20003d(root, opts)),
    },
  }),
  '300w-lp': entry({
    displayName: '300W-LP',
    points: 68,
    nmeNormaliser: 'landmark-box',
    labels: 'model',
    labelsWhy: "300W-LP: 300W faces re-rendered at large poses by a fitted 3D model; its points are the model's",
    crop: 'landmarks',
    cropSources: ['landmarks'],
    reads:
      'landmarks/<SUBSET>/<name>_pts.mat pts_3d (68×2) as landmarks, Pose_Para of <SUBSET>/<name>.mat as sample pose (no depth: the _pts.mat hold 2D projections); _Flip folders skipped; train-only',
    source: {
      kind: 'files',
      hasBoxes: false,
      total: ['all'],
      splits: (root, opts) => ({ train: read300WLP(root, 'all', opts) }),
      subsets: (root, opts) => bySubset(read300WLP(root, 'all', opts)),
    },
  }),
  embedded: entry({
    displayName: 'embedded real faces',
    points: 68,
    nmeNormaliser: 'inter-ocular',
    labels: 'model',
    labelsWhy: "face-api's 68-point net labelled every face (recorded per face in manifest.json)",
    crop: 'landmarks',
    cropSources: ['landmarks'],
    reads: 'manifest.json + stored HR crops (68 points per face)',
    source: { kind: 'embedded' },
  }),
  synthetic: entry({
    displayName: 'synthetic',
    points: 68,
    nmeNormaliser: 'inter-ocular',
    labels: 'synthetic',
    labelsWhy: 'drawn with the face, exact by construction',
    crop: 'landmarks',
    cropSources: ['landmarks'],
    reads: 'nothing: generated on demand from the seed',
    source: { kind: 'synthetic' },
  }),
} satisfies Record<string, DatasetEntry>;

export type RegisteredFormat = keyof typeof DATASETS;

/** Every format name, in registry order. */
export const REGISTERED_FORMATS = Object.keys(DATASETS) as RegisteredFormat[];

export function isRegisteredFormat(name: string): name is RegisteredFormat {
  return Object.prototype.hasOwnProperty.call(DATASETS, name);
}

/** The entry of `format`, or a one-line error naming `key` and the registered formats. */
export function datasetEntry(format: string, key = 'data.format'): DatasetEntry {
  if (!isRegisteredFormat(format)) throw new DatasetConfigError(`${key}: expected one of ${REGISTERED_FORMATS.join(', ')}, found '${format}'`);
  return DATASETS[format];
}

/** The file source of a format read from disk, or an error saying the format is built by the kit. */
export function fileSource(format: string): FileSource {
  const e = datasetEntry(format);
  if (e.source.kind !== 'files') throw new DatasetConfigError(`data.format: '${format}' is built by the kit, not read from files`);
  return e.source;
}

/** What a user may declare about labels ('synthetic' is the kit's own faces only). */
export type DeclaredLabels = Exclude<LabelProvenance, 'synthetic'>;
export const DECLARABLE_LABELS: readonly DeclaredLabels[] = ['human', 'model', 'unknown'];

/** The user's say over a dataset's defaults: config keys data.crop and data.labels (and --crop, --labels). */
export interface DatasetPolicyKeys {
  /** Crop source; default the registry's per-format one. The margin is data.margin. */
  crop?: CropSource;
  /** Declared label provenance; default: what each file states, else the registry's per-format value. */
  labels?: DeclaredLabels;
}

/** The crop policy a run uses and where it came from, printed beside its results. */
export interface ResolvedCrop extends CropPolicy {
  origin: 'dataset default' | 'data.crop';
  description: string;
}

/** data.crop (or the format's default) with data.margin; refuses a source the format cannot serve, naming the key. */
export function resolveCropPolicy(format: string, margin: number, crop?: CropSource): ResolvedCrop {
  const e = datasetEntry(format);
  if (crop !== undefined && !CROP_SOURCES.includes(crop))
    throw new DatasetConfigError(`data.crop: expected one of ${CROP_SOURCES.join(', ')}, found '${String(crop)}'`);
  const source = crop ?? e.crop;
  if (!e.cropSources.includes(source)) {
    throw new DatasetConfigError(
      `data.crop: the ${format} format can crop around ${e.cropSources.join(' or ')} (${e.source.kind === 'files' && !e.source.hasBoxes ? 'its files hold no face boxes' : 'its stored crops are centred on the landmarks'}), found '${source}'`,
    );
  }
  if (!(margin >= 0)) throw new DatasetConfigError(`data.margin: expected ≥ 0, found ${margin}`);
  const policy = { source, margin };
  return { ...policy, origin: crop === undefined ? 'dataset default' : 'data.crop', description: describeCropPolicy(policy) };
}

/** A declared label provenance checked against the known values, naming `key`. */
export function checkLabels(labels: string | undefined, key = 'data.labels'): DeclaredLabels | undefined {
  if (labels === undefined) return undefined;
  if (!DECLARABLE_LABELS.includes(labels as DeclaredLabels))
    throw new DatasetConfigError(`${key}: expected one of ${DECLARABLE_LABELS.join(', ')}, found '${labels}'`);
  return labels as DeclaredLabels;
}
