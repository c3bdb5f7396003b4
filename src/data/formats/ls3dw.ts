/**
 * LS3D-W (Bulat & Tzimiropoulos, 2017): one Torch7 `.t7` file per image, beside it with the same base name,
 * holding a 68×2 tensor (row i = x, y of point i: the 2D projection of the 3D landmark, so occluded contour
 * points sit on the hidden face outline). Folders under the root: `300W-Testset-3D`, `AFLW2000-3D-Reannotated`,
 * `Menpo-3D` (flat) and `300VW-3D` with categories `CatA`, `CatB`, `CatC` (and, in some copies, `Trainset`),
 * each `<category>/<video>/<frame>.t7`. Coordinates are returned as stored; docs/formats-3d.md states the
 * assumptions about the layout.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AnnotationError, LandmarkRecord, Problem, ReadResult, ReaderOptions, allVisible, collect, imageBeside, requireDirectory } from './common';
import { readTorch7, requireTensor } from './torch7';

export const LS3DW_POINTS = 68;
export const LS3DW_SUBSETS = ['300W-Testset-3D', 'AFLW2000-3D-Reannotated', 'Menpo-3D', '300VW-3D'] as const;
export type Ls3dwSubset = (typeof LS3DW_SUBSETS)[number];
/** The three test categories of 300VW-3D (A: well lit, B: mild, C: hard conditions); `Trainset` is opt-in. */
export const LS3DW_300VW_CATEGORIES = ['CatA', 'CatB', 'CatC'];

export interface Ls3dwOptions extends ReaderOptions {
  /** 300VW-3D categories to read (default CatA, CatB, CatC). */
  categories?: string[];
}

/** The 68×2 tensor of one `.t7` as [x0, y0, x1, y1, …]. */
export function parseLs3dwT7(file: string): Float32Array {
  return Float32Array.from(requireTensor(file, readTorch7(file), [LS3DW_POINTS, 2]));
}

/** Every `.t7` under `dir`, depth first, in name order (deterministic across file systems). */
function t7Files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...t7Files(full));
    else if (entry.isFile() && entry.name.endsWith('.t7')) out.push(full);
  }
  return out;
}

function readFolder(dir: string, subset: string, opts: ReaderOptions, problems: Problem[]): LandmarkRecord[] {
  requireDirectory(dir, `LS3D-W ${subset}`);
  const records: LandmarkRecord[] = [];
  for (const file of t7Files(dir)) {
    collect(problems, opts, () => {
      const landmarks = parseLs3dwT7(file);
      const image = imageBeside(file);
      if (!image) throw new AnnotationError(file, null, 'no image (.jpg/.png) with the same name beside it');
      records.push({ image, annotation: file, line: null, landmarks, visible: allVisible(LS3DW_POINTS), subset });
    });
  }
  return records;
}

/** One LS3D-W folder (or all four); record subsets are the folder names, `300VW-3D/CatA` for the categories. */
export function readLs3dw(root: string, subset: Ls3dwSubset | 'all' = 'all', opts: Ls3dwOptions = {}): ReadResult {
  requireDirectory(root, 'LS3D-W root');
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  for (const name of subset === 'all' ? LS3DW_SUBSETS : [subset]) {
    if (name === '300VW-3D') {
      collect(problems, opts, () => {
        requireDirectory(path.join(root, name), 'LS3D-W 300VW-3D');
        for (const cat of opts.categories ?? LS3DW_300VW_CATEGORIES) {
          collect(problems, opts, () => records.push(...readFolder(path.join(root, name, cat), `${name}/${cat}`, opts, problems)));
        }
      });
    } else {
      collect(problems, opts, () => records.push(...readFolder(path.join(root, name), name, opts, problems)));
    }
  }
  if (records.length === 0 && problems.length === 0)
    throw new AnnotationError(root, null, `expected LS3D-W .t7 files under ${subset === 'all' ? LS3DW_SUBSETS.join(', ') : subset}, found none`);
  return { records, problems, points: LS3DW_POINTS };
}
