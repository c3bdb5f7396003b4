/**
 * Pseudo-3D labels for one embedded face: the face mesh (./face-mesh.ts) on the stored HR crop, reduced to the
 * 68 iBUG points (../face-mesh-68.ts). Depth is attached to face-api's 68 points by index; the mesh's own 68
 * projected points are kept beside it so the two labellers can be compared (docs/embedded-3d.md).
 */
import { FACE_MESH_TO_IBUG68 } from '../face-mesh-68';
import { landmarkBox } from '../crop';
import { FACE_MESH_CROP_FACTOR, FaceMeshModel, meshWindow, runFaceMesh } from './face-mesh';
import { HeadPoseDeg, headPoseFromMesh } from './face-mesh-pose';

export interface MeshLabels {
  /** The mesh's 68 points, [x0, y0, z0, x1, …] in HR pixels; z zero-mean over the 68, larger = nearer the camera. */
  landmarks3d: number[];
  /** z of the 68 points (the z of `landmarks3d`), the depth of the 2D landmark with the same index. */
  depth: number[];
  pose: HeadPoseDeg;
  /** The mesh model's face score in [0, 1]. */
  meshScore: number;
}

/** Three decimals (a thousandth of an HR pixel) keep the manifest small and the values exact in JSON. */
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Labels one HR crop (HWC float in [0, 1], side `hrSize`) whose 2D landmarks are `landmarks`: the mesh window is
 * centred on their box, so the 3D labeller sees the face where the 2D labeller found it.
 */
export function meshLabels(model: FaceMeshModel, hr: Float32Array, hrSize: number, landmarks: ArrayLike<number>): MeshLabels {
  const mesh = runFaceMesh(model, hr, hrSize, hrSize, meshWindow(landmarks, landmarkBox(landmarks)));
  let zMean = 0;
  for (const v of FACE_MESH_TO_IBUG68) zMean += mesh.points[3 * v + 2] / FACE_MESH_TO_IBUG68.length;
  const landmarks3d: number[] = [];
  const depth: number[] = [];
  for (const v of FACE_MESH_TO_IBUG68) {
    const z = round3(mesh.points[3 * v + 2] - zMean);
    landmarks3d.push(round3(mesh.points[3 * v]), round3(mesh.points[3 * v + 1]), z);
    depth.push(z);
  }
  const pose = headPoseFromMesh(mesh.points);
  return { landmarks3d, depth, pose: { pitch: round3(pose.pitch), yaw: round3(pose.yaw), roll: round3(pose.roll) }, meshScore: round3(mesh.faceScore) };
}

/** The `labeller3d` line of a manifest: which model, from which package, cropped how. */
export function meshLabellerName(model: FaceMeshModel): string {
  return `${model.name} (468-point face mesh) on the kit TF.js backend, window ${FACE_MESH_CROP_FACTOR}× the face-api landmark box turned to its eye line, 68 points by VTX68`;
}
