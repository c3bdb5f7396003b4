/**
 * 300W-LP (Zhu et al., 2016): 300W faces rotated to large poses by 3D fitting. Layout of the release:
 * `AFW/`, `HELEN/`, `IBUG/`, `LFPW/` (and mirrored `AFW_Flip/` … `LFPW_Flip/`) hold `<name>.jpg` with a MATLAB v5
 * `<name>.mat` (`Pose_Para` 1×7, the fitted model parameters and `pt2d`), and `landmarks/<SUBSET>/<name>_pts.mat`
 * holds the 68 points as `pts_2d` and `pts_3d` (68×2 each: x, y per row; pts_3d the 2D projection of the 3D
 * landmarks, what 3D face alignment trains on). The `_Flip` folders have no landmark files, so they are not read
 * (mirror with the loader's flip augmentation instead). docs/formats-3d.md states the assumptions.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AnnotationError, LandmarkRecord, Problem, ReadResult, ReaderOptions, allVisible, collect, imageBeside, requireDirectory } from './common';
import { readMatV5, requireMatrix } from './matlab-v5';
import { poseFromPosePara } from './aflw2000-3d';

export const W300LP_POINTS = 68;
export const W300LP_SUBSETS = ['AFW', 'HELEN', 'IBUG', 'LFPW'] as const;
export type Subset300WLP = (typeof W300LP_SUBSETS)[number];

export interface Read300WLPOptions extends ReaderOptions {
  /** Which landmark variable of the `_pts.mat` files: `pts_3d` (default) or `pts_2d`. */
  landmarks?: 'pts_3d' | 'pts_2d';
}

/** The 68×2 `variable` of a `landmarks/<SUBSET>/<name>_pts.mat` as [x0, y0, x1, y1, …]. */
export function parse300WLPLandmarks(file: string, variable: 'pts_3d' | 'pts_2d' = 'pts_3d'): Float32Array {
  const pts = requireMatrix(file, readMatV5(file), variable, W300LP_POINTS, 2);
  const out = new Float32Array(2 * W300LP_POINTS);
  // Column-major 68×2: x of point i is element i, y is element 68 + i.
  for (let i = 0; i < W300LP_POINTS; i++) {
    out[2 * i] = pts[i];
    out[2 * i + 1] = pts[W300LP_POINTS + i];
  }
  return out;
}

export function read300WLP(root: string, subset: Subset300WLP | 'all' = 'all', opts: Read300WLPOptions = {}): ReadResult {
  requireDirectory(root, '300W-LP root');
  const variable = opts.landmarks ?? 'pts_3d';
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  for (const name of subset === 'all' ? W300LP_SUBSETS : [subset]) {
    collect(problems, opts, () => {
      const dir = path.join(root, name);
      requireDirectory(dir, `300W-LP ${name}`);
      for (const mat of fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.mat'))
        .sort()) {
        const file = path.join(dir, mat);
        collect(problems, opts, () => {
          const pose = poseFromPosePara(file, readMatV5(file));
          const ptsFile = path.join(root, 'landmarks', name, `${mat.slice(0, -'.mat'.length)}_pts.mat`);
          if (!fs.existsSync(ptsFile)) throw new AnnotationError(file, null, `expected its landmarks in ${ptsFile}, found no such file`);
          const landmarks = parse300WLPLandmarks(ptsFile, variable);
          const image = imageBeside(file);
          if (!image) throw new AnnotationError(file, null, 'no image (.jpg/.png) with the same name beside it');
          records.push({ image, annotation: ptsFile, line: null, landmarks, visible: allVisible(W300LP_POINTS), subset: name, pose });
        });
      }
    });
  }
  return { records, problems, points: W300LP_POINTS };
}
