/**
 * AFLW2000-3D (Zhu et al., 2016): the first 2,000 AFLW images refitted with a 3D morphable model, one MATLAB v5
 * `.mat` beside each `.jpg` with the same base name (`image00002.jpg` + `image00002.mat`, flat in one folder).
 * Read here: `pt3d_68` (3×68: rows x, y, z; x and y in image pixels as stored, z the model's depth in the same
 * scale) and `Pose_Para` (1×7: pitch, yaw, roll in radians, then tx, ty, tz, scale). The other variables
 * (Shape_Para, Exp_Para, …, and `pt2d`, AFLW's original 21 points) are not read. docs/formats-3d.md has details.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AnnotationError, LandmarkRecord, Problem, ReadResult, ReaderOptions, allVisible, collect, imageBeside, requireDirectory } from './common';
import { MatVariable, readMatV5, requireMatrix } from './matlab-v5';

export const AFLW2000_3D_POINTS = 68;

/** Head pose in degrees, the record's optional `pose` field. */
export type HeadPoseDeg = NonNullable<LandmarkRecord['pose']>;

/** Pitch, yaw and roll of a `Pose_Para` (1×7, radians) in degrees. */
export function poseFromPosePara(file: string, vars: Map<string, MatVariable>): HeadPoseDeg {
  const p = requireMatrix(file, vars, 'Pose_Para', 1, 7);
  const deg = 180 / Math.PI;
  return { pitchDeg: p[0] * deg, yawDeg: p[1] * deg, rollDeg: p[2] * deg };
}

export function parseAflw2000Mat(file: string): { landmarks: Float32Array; depth: Float32Array; pose: HeadPoseDeg } {
  const vars = readMatV5(file);
  const pts = requireMatrix(file, vars, 'pt3d_68', 3, AFLW2000_3D_POINTS);
  const landmarks = new Float32Array(2 * AFLW2000_3D_POINTS);
  const depth = new Float32Array(AFLW2000_3D_POINTS);
  // Column-major 3×68: point i's x, y, z are elements 3i, 3i+1, 3i+2.
  for (let i = 0; i < AFLW2000_3D_POINTS; i++) {
    landmarks[2 * i] = pts[3 * i];
    landmarks[2 * i + 1] = pts[3 * i + 1];
    depth[i] = pts[3 * i + 2];
  }
  return { landmarks, depth, pose: poseFromPosePara(file, vars) };
}

/** Every `.mat` directly in `root` (the unpacked `AFLW2000/` folder); record subset 'AFLW2000-3D'. */
export function readAflw20003d(root: string, opts: ReaderOptions = {}): ReadResult {
  requireDirectory(root, 'AFLW2000-3D');
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  const mats = fs
    .readdirSync(root)
    .filter((f) => f.endsWith('.mat'))
    .sort();
  if (mats.length === 0) throw new AnnotationError(root, null, 'expected AFLW2000-3D .mat files (image00002.mat, …), found none');
  for (const name of mats) {
    const file = path.join(root, name);
    collect(problems, opts, () => {
      const { landmarks, depth, pose } = parseAflw2000Mat(file);
      const image = imageBeside(file);
      if (!image) throw new AnnotationError(file, null, 'no image (.jpg/.png) with the same name beside it');
      records.push({ image, annotation: file, line: null, landmarks, visible: allVisible(AFLW2000_3D_POINTS), subset: 'AFLW2000-3D', depth, pose });
    });
  }
  return { records, problems, points: AFLW2000_3D_POINTS };
}
