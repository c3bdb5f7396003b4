/**
 * Counts and problems of a dataset on disk without decoding images, for `jasr data inspect`. For the embedded set
 * it also checks that the folder holds exactly what the manifest says (every image present, complete, unchanged;
 * nothing extra), so a damaged set is reported here rather than as a failure halfway through training.
 */
import type { DatasetFormat } from './config';
import { BenchmarkFormat, readAllSubsets, recordLabels } from './records';
import { DatasetConfigError, ResolvedCrop, checkLabels, datasetEntry, fileSource, resolveCropPolicy } from './registry';
import type { LabelProvenance } from './types';
import { defaultEmbeddedDir, readManifest, verifySet } from './embedded/manifest';
import { lockHolder } from '../core/lock';
import { AnnotationError, Problem } from './formats/common';
import { DEFAULT_DATA_CONFIG } from './config';

export interface InspectReport {
  format: DatasetFormat;
  root: string | null;
  /** Faces in the whole dataset (300W: training + full test). */
  count: number;
  points: number;
  subsets: Record<string, number>;
  /** Faces with real (non-synthetic) images, and how they are labelled. */
  realFaces: number;
  labels: Record<string, number>;
  /** Why those labels: the user's declaration, what the files state, or the registry's default and its reason. */
  labelsWhy: string;
  /** The crop a run on this dataset would take (data.crop / the registry default, with data.margin). */
  crop: ResolvedCrop;
  /** The registry entry's display name, NME normaliser and what its reader takes from the files. */
  name: string;
  nmeNormaliser: string;
  reads: string;
  problems: Problem[];
  notes: string[];
}

export interface InspectOptions {
  /** Declared label provenance (--labels / data.labels): reported for every face instead of the files' or default. */
  labels?: LabelProvenance;
  /** Crop source to report (data.crop); default the registry's. */
  crop?: 'box' | 'landmarks';
  margin?: number;
}

export function inspectDataset(format: DatasetFormat, root?: string, opts: InspectOptions = {}): InspectReport {
  const entry = datasetEntry(format, '--format');
  const declared = checkLabels(opts.labels, '--labels');
  const crop = resolveCropPolicy(format, opts.margin ?? DEFAULT_DATA_CONFIG.margin, opts.crop);
  const facts = { crop, name: entry.displayName, nmeNormaliser: entry.nmeNormaliser, reads: entry.reads };
  const relabel = (labels: Record<string, number>, count: number): Record<string, number> => (declared ? { [declared]: count } : labels);
  const why = (stated: string[]): string =>
    declared
      ? `declared by the user (${declared})`
      : stated.length > 0
        ? `stated by the files: ${[...new Set(stated)].slice(0, 3).join('; ')}`
        : `dataset default: ${entry.labelsWhy}`;
  if (entry.source.kind === 'synthetic') {
    const [a, b, c] = DEFAULT_DATA_CONFIG.syntheticCounts;
    return {
      format,
      root: null,
      count: a + b + c,
      points: entry.points,
      subsets: { train: a, val: b, test: c },
      realFaces: 0,
      labels: relabel({ synthetic: a + b + c }, a + b + c),
      labelsWhy: why([]),
      ...facts,
      problems: [],
      notes: ['generated on demand, seeded'],
    };
  }
  if (entry.source.kind === 'embedded') {
    const dir = root ?? defaultEmbeddedDir();
    const m = readManifest(dir);
    if (!m) throw new AnnotationError(dir, null, 'expected an embedded-set manifest.json, found none; run `jasr data build` first');
    const subsets: Record<string, number> = {};
    const labels: Record<string, number> = {};
    for (const s of m.samples) {
      subsets[s.split] = (subsets[s.split] ?? 0) + 1;
      labels[s.provenance.labels] = (labels[s.provenance.labels] ?? 0) + 1;
    }
    const integrity = verifySet(dir, m, lockHolder(dir) !== null);
    const points = new Set(m.samples.map((s) => s.landmarks.length / 2));
    const groups = new Set(m.samples.map((s) => s.provenance.group));
    return {
      format,
      root: dir,
      count: m.samples.length,
      points: points.size === 1 ? [...points][0] : -1,
      subsets,
      realFaces: m.samples.filter((s) => s.provenance.labels !== 'synthetic').length,
      labels: relabel(labels, m.samples.length),
      labelsWhy: declared ? why([]) : `recorded per face in manifest.json (${m.labeller})`,
      ...facts,
      problems: [...integrity.problems, ...m.skipped.map((s) => ({ file: s.file, line: null, message: `${s.file}: skipped at build time: ${s.reason}` }))],
      notes: [
        ...integrity.notes,
        ...m.notes,
        `${groups.size} groups (photos/people/videos), no group in two splits`,
        `built in ${m.buildSeconds.toFixed(1)} s at ${m.builtAt}`,
        m.labeller,
        m.labeller3d
          ? `3D labels (depth, pose; manifest version ${m.version}): ${m.labeller3d}`
          : `no 3D labels (manifest version ${m.version}); \`jasr data build\` adds them in place`,
      ],
    };
  }
  if (!root) throw new DatasetConfigError(`--root is required for the ${format} format`);
  const source = fileSource(format);
  const subsetsRead = readAllSubsets(format as BenchmarkFormat, root, { skipBad: true });
  const subsets: Record<string, number> = {};
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const labelsByImage = new Map<string, LabelProvenance>();
  const stated: string[] = [];
  let points = entry.points;
  for (const [name, r] of Object.entries(subsetsRead)) {
    subsets[name] = r.records.length;
    points = r.points;
    for (const rec of r.records) {
      // Keyed by annotation and line: overlapping subsets (300W full ⊃ common) count each face once.
      labelsByImage.set(`${rec.annotation}:${rec.line}:${rec.image}`, recordLabels(format as BenchmarkFormat, rec, declared));
      if (rec.labels && !declared) stated.push(`${rec.annotation}: ${rec.labels.evidence} → ${rec.labels.labels}`);
    }
    for (const p of r.problems) {
      const key = `${p.file}:${p.line}:${p.message}`;
      if (!seen.has(key)) problems.push(p);
      seen.add(key);
    }
  }
  const totalOf = source.total ?? Object.keys(subsets);
  const count = totalOf.reduce((a, k) => a + (subsets[k] ?? 0), 0);
  const labels: Record<string, number> = {};
  for (const l of labelsByImage.values()) labels[l] = (labels[l] ?? 0) + 1;
  return { format, root, count, points, subsets, realFaces: count, labels, labelsWhy: why(stated), ...facts, problems, notes: [] };
}
