/**
 * Head pose from the 468-point face mesh: two face axes taken from the mesh, turned into Euler angles.
 * Coordinates are the kit's: x right, y down (image), z towards the camera (src/data/embedded/face-mesh.ts).
 *
 *   ex = unit(p263 − p33)                  outer eye corner, subject's right → subject's left
 *   ey = unit(p152 − p10 − (·ex) ex)       forehead top → chin, made orthogonal to ex
 *   ez = ex × ey                           out of the face, towards the camera for a frontal face
 *   R = [ex ey ez] (columns) = Rz(roll) · Ry(yaw) · Rx(pitch)
 *   yaw = asin(−ex.z), pitch = atan2(ey.z, ez.z), roll = atan2(ex.y, ex.x)
 *
 * A frontal upright face gives R = I and all angles 0. yaw > 0: the subject's left eye is farther from the camera
 * (the face turns towards image left); pitch > 0: the chin is nearer than the forehead (looking up); roll > 0:
 * the subject's left eye is lower in the image (clockwise). Only |yaw| matters for yaw bins.
 */
import { FACE_MESH_POSE_POINTS } from '../face-mesh-68';

export interface HeadPoseDeg {
  pitch: number;
  yaw: number;
  roll: number;
}

type Vec3 = [number, number, number];

const vertex = (points: ArrayLike<number>, i: number): Vec3 => [points[3 * i], points[3 * i + 1], points[3 * i + 2]];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const scaled = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const unit = (a: Vec3): Vec3 => scaled(a, 1 / Math.hypot(a[0], a[1], a[2]));
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const degrees = (rad: number): number => (rad * 180) / Math.PI;

/** Pitch, yaw, roll in degrees of a mesh given as 468 × [x, y, z] (any scale, z towards the camera). */
export function headPoseFromMesh(points: ArrayLike<number>): HeadPoseDeg {
  const p = FACE_MESH_POSE_POINTS;
  const ex = unit(sub(vertex(points, p.leftEyeOuter), vertex(points, p.rightEyeOuter)));
  const down = sub(vertex(points, p.chinBottom), vertex(points, p.foreheadTop));
  const ey = unit(sub(down, scaled(ex, dot(down, ex))));
  const ez = cross(ex, ey);
  return {
    pitch: degrees(Math.atan2(ey[2], ez[2])),
    yaw: degrees(Math.asin(Math.max(-1, Math.min(1, -ex[2])))),
    roll: degrees(Math.atan2(ex[1], ex[0])),
  };
}
