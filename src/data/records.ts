/** Dispatch from a benchmark format name to its reader, per split, plus turning records into HR face samples. */
import * as fs from 'fs';
import * as path from 'path';
import type { FaceSample } from './types';
import type { DatasetFormat } from './config';
import { AnnotationError, LandmarkRecord, Problem, ReadResult, ReaderOptions } from './formats/common';
import { Subset300W, read300W } from './formats/pts300w';
import { readAflw } from './formats/aflw';
import { readHelen } from './formats/helen';
import { readCelebA } from './formats/celeba';
import { readWflw } from './formats/wflw';
import { readDlibXml } from './formats/dlib-xml';
import { Box, cropFace, landmarkBox, squareCropBox } from './crop';
import { ImageReadError, readImage } from './image-io';

export type BenchmarkFormat = Exclude<DatasetFormat, 'embedded' | 'synthetic'>;

const DATASET_NAMES: Record<BenchmarkFormat, string> = {
  '300w': '300W', aflw: 'AFLW', helen: 'HELEN', celeba: 'CelebA', wflw: 'WFLW', 'dlib-xml': 'dlib imglab XML',
};

/** The named splits of each format as [split, reader] pairs; `testSubset` picks the 300W test subset. */
export function readSplits(format: BenchmarkFormat, root: string, opts: ReaderOptions, testSubset?: string): Record<string, ReadResult> {
  switch (format) {
    case '300w': {
      const subsets: Subset300W[] = ['training', 'common', 'challenging', 'full'];
      const test = (testSubset ?? 'full') as Subset300W;
      if (!subsets.includes(test)) throw new Error(`300W test subset: expected one of ${subsets.join(', ')}, found '${testSubset}'`);
      return { train: read300W(root, 'training', opts), test: read300W(root, test, opts) };
    }
    case 'aflw':
      return { train: readAflw(root, 'train', opts), test: readAflw(root, 'test', opts) };
    case 'helen':
      return { train: readHelen(root, 'train', opts), test: readHelen(root, 'test', opts) };
    case 'celeba':
      return { train: readCelebA(root, 'train', opts), val: readCelebA(root, 'val', opts), test: readCelebA(root, 'test', opts) };
    case 'wflw':
      return { train: readWflw(root, 'train', opts), test: readWflw(root, 'test', opts) };
    case 'dlib-xml': {
      const xmls = fs.statSync(root).isDirectory() ? fs.readdirSync(root).filter((f) => f.endsWith('.xml')).sort().map((f) => path.join(root, f)) : [root];
      if (xmls.length === 0) throw new AnnotationError(root, null, 'expected dlib imglab .xml files, found none');
      const out: Record<string, ReadResult> = {};
      for (const x of xmls) {
        const split = /test/i.test(path.basename(x)) ? 'test' : 'train';
        const r = readDlibXml(x, 68, opts);
        out[split] = out[split] ? { records: [...out[split].records, ...r.records], problems: [...out[split].problems, ...r.problems], points: 68 } : r;
      }
      return out;
    }
  }
}

/** Every subset a format defines, for `jasr data inspect` (no images are decoded). */
export function readAllSubsets(format: BenchmarkFormat, root: string, opts: ReaderOptions): Record<string, ReadResult> {
  if (format === '300w') {
    return { training: read300W(root, 'training', opts), common: read300W(root, 'common', opts), challenging: read300W(root, 'challenging', opts), full: read300W(root, 'full', opts) };
  }
  if (format === 'helen') {
    const all = readHelen(root, 'all', opts);
    const bySubset: Record<string, ReadResult> = {};
    for (const r of all.records) {
      bySubset[r.subset] ??= { records: [], problems: [], points: all.points };
      bySubset[r.subset].records.push(r);
    }
    bySubset.all = all;
    return bySubset;
  }
  if (format === 'aflw') return { all: readAflw(root, 'all', opts) };
  return readSplits(format, root, opts);
}

/** Decodes the image and crops every record into a sample; unreadable images become problems with skipBad. */
export async function recordsToSamples(
  format: BenchmarkFormat, records: LandmarkRecord[], hrSize: number, margin: number, opts: ReaderOptions, problems: Problem[],
): Promise<FaceSample[]> {
  const out: FaceSample[] = [];
  for (const r of records) {
    let img;
    try {
      img = await readImage(r.image);
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      const problem = { file: r.annotation, line: r.line, message: `${r.annotation}${r.line !== null ? `:${r.line}` : ''}: ${e.message}` };
      if (!opts.skipBad) throw new AnnotationError(r.annotation, r.line, e.message);
      problems.push(problem);
      continue;
    }
    const box: Box = r.box ?? landmarkBox(r.landmarks, r.visible);
    const crop = cropFace(img, r.landmarks, box, squareCropBox(box, margin), hrSize);
    out.push({
      id: `${format}:${path.basename(r.image)}${r.line !== null ? `@${r.line}` : ''}`,
      hr: crop.hr, hrSize, landmarks: crop.landmarksHr, visible: r.visible, box: crop.boxHr,
      provenance: { source: DATASET_NAMES[format], file: r.image, licence: 'dataset licence (see its terms)', labels: 'human', group: r.image },
    });
  }
  return out;
}
