/**
 * Counts and problems of a dataset on disk without decoding images, for `jasr data inspect`. For the embedded set
 * it also checks that the folder holds exactly what the manifest says (every image present, complete, unchanged;
 * nothing extra), so a damaged set is reported here rather than as a failure halfway through training.
 */
import type { DatasetFormat } from './config';
import { BenchmarkFormat, readAllSubsets } from './records';
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
  problems: Problem[];
  notes: string[];
}

export function inspectDataset(format: DatasetFormat, root?: string): InspectReport {
  if (format === 'synthetic') {
    const [a, b, c] = DEFAULT_DATA_CONFIG.syntheticCounts;
    return { format, root: null, count: a + b + c, points: 68, subsets: { train: a, val: b, test: c }, realFaces: 0, labels: { synthetic: a + b + c }, problems: [], notes: ['generated on demand, seeded'] };
  }
  if (format === 'embedded') {
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
      format, root: dir, count: m.samples.length, points: points.size === 1 ? [...points][0] : -1, subsets,
      realFaces: m.samples.filter((s) => s.provenance.labels !== 'synthetic').length, labels,
      problems: [...integrity.problems, ...m.skipped.map((s) => ({ file: s.file, line: null, message: `${s.file}: skipped at build time: ${s.reason}` }))],
      notes: [...integrity.notes, ...m.notes, `${groups.size} groups (photos/people/videos), no group in two splits`, `built in ${m.buildSeconds.toFixed(1)} s at ${m.builtAt}`, m.labeller],
    };
  }
  if (!root) throw new Error(`--root is required for the ${format} format`);
  const subsetsRead = readAllSubsets(format as BenchmarkFormat, root, { skipBad: true });
  const subsets: Record<string, number> = {};
  const problems: Problem[] = [];
  const seen = new Set<string>();
  let points = 0;
  for (const [name, r] of Object.entries(subsetsRead)) {
    subsets[name] = r.records.length;
    points = r.points;
    for (const p of r.problems) {
      const key = `${p.file}:${p.line}:${p.message}`;
      if (!seen.has(key)) problems.push(p);
      seen.add(key);
    }
  }
  const count = format === '300w' ? subsets.training + subsets.full : format === 'helen' || format === 'aflw' ? subsets.all : Object.values(subsets).reduce((a, b) => a + b, 0);
  return { format, root, count, points, subsets, realFaces: count, labels: { human: count }, problems, notes: [] };
}
