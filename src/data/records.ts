/** From a registered format's files to HR face samples: its splits (through the registry), then crops. */
import * as path from 'path';
import type { FaceSample, LabelProvenance } from './types';
import type { DatasetFormat } from './config';
import { AnnotationError, LandmarkRecord, Problem, ReadResult, ReaderOptions } from './formats/common';
import { Box, CropPolicy, cropFace, cropWindow, describeCropPolicy, landmarkBox } from './crop';
import { ImageReadError, readImage } from './image-io';
import { datasetEntry, fileSource } from './registry';
import { depthInCrop, samplePose } from './depth';

/** A format read from files under data.root (every registered format but the kit's own sets). */
export type BenchmarkFormat = Exclude<DatasetFormat, 'embedded' | 'synthetic'>;

/** The named splits a run reads (train, optionally val, test); `testSubset` picks the test subset where there are several. */
export function readSplits(format: BenchmarkFormat, root: string, opts: ReaderOptions, testSubset?: string): Record<string, ReadResult> {
  return fileSource(format).splits(root, opts, testSubset);
}

/** Every subset a format defines, for `jasr data inspect` (no images are decoded). */
export function readAllSubsets(format: BenchmarkFormat, root: string, opts: ReaderOptions): Record<string, ReadResult> {
  return fileSource(format).subsets(root, opts);
}

/** How the faces of one read are cropped and labelled (resolved once per dataset by ./registry.ts resolveCropPolicy). */
export interface SampleOptions {
  hrSize: number;
  crop: CropPolicy;
  /** The user's declaration (data.labels / --labels): wins over the file and the registry. */
  declaredLabels?: LabelProvenance;
}

/** The label provenance of one record: declared by the user, else stated by its file, else the registry default. */
export function recordLabels(format: BenchmarkFormat, r: LandmarkRecord, declared?: LabelProvenance): LabelProvenance {
  return declared ?? r.labels?.labels ?? datasetEntry(format).labels;
}

/** Decodes the image and crops every record into a sample; unreadable images become problems with skipBad. */
export async function recordsToSamples(
  format: BenchmarkFormat,
  records: LandmarkRecord[],
  sampleOpts: SampleOptions,
  opts: ReaderOptions,
  problems: Problem[],
): Promise<FaceSample[]> {
  const out: FaceSample[] = [];
  const entry = datasetEntry(format);
  for (const r of records) {
    const where = `${r.annotation}${r.line !== null ? `:${r.line}` : ''}`;
    const window = cropWindow(sampleOpts.crop, r.landmarks, r.visible, r.box);
    if (!window) {
      // The registry refuses 'box' for formats without boxes, so this is one face missing its box.
      const message = `expected a face box for the crop policy (${describeCropPolicy(sampleOpts.crop)}), found none`;
      if (!opts.skipBad) throw new AnnotationError(r.annotation, r.line, message);
      problems.push({ file: r.annotation, line: r.line, message: `${where}: ${message}` });
      continue;
    }
    let img;
    try {
      img = await readImage(r.image);
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      if (!opts.skipBad) throw new AnnotationError(r.annotation, r.line, e.message);
      problems.push({ file: r.annotation, line: r.line, message: `${where}: ${e.message}` });
      continue;
    }
    // The sample's box stays the dataset's own where it has one (the 'box' NME normaliser needs it), whatever the crop source.
    const box: Box = r.box ?? landmarkBox(r.landmarks, r.visible);
    const crop = cropFace(img, r.landmarks, box, window.crop, sampleOpts.hrSize);
    const pose = samplePose(r.pose);
    out.push({
      // z follows x and y into the crop (source pixels per HR pixel = crop side / hrSize), centred on the visible points.
      ...(r.depth ? { depth: depthInCrop(r.depth, r.visible, window.crop.side / sampleOpts.hrSize) } : {}),
      ...(pose ? { pose } : {}),
      id: `${format}:${path.basename(r.image)}${r.line !== null ? `@${r.line}` : ''}`,
      hr: crop.hr,
      hrSize: sampleOpts.hrSize,
      landmarks: crop.landmarksHr,
      visible: r.visible,
      box: crop.boxHr,
      provenance: {
        source: entry.displayName,
        file: r.image,
        licence: 'dataset licence (see its terms)',
        labels: recordLabels(format, r, sampleOpts.declaredLabels),
        group: r.image,
      },
    });
  }
  return out;
}
