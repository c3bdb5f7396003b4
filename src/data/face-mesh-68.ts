/**
 * The 468-point MediaPipe face mesh reduced to 68 points in the iBUG 300-W order (0–16 jaw, 17–26 brows, 27–35
 * nose, 36–47 eyes, 48–59 outer lips, 60–67 inner lips). The table is `VTX68` copied verbatim from
 * node_modules/@vladmandic/human/src/face/facemeshcoords.ts (package @vladmandic/human 3.3.6). How each of its
 * points relates to the iBUG definition, and how far it lies from face-api's 68 points, is in docs/embedded-3d.md.
 */

/** Number of vertices the face-mesh model predicts (without the iris refinement). */
export const FACE_MESH_POINTS = 468;

/** Mesh vertex index for each iBUG-68 point, in iBUG order. */
export const FACE_MESH_TO_IBUG68: readonly number[] = [
  // jaw contour 0–16, image left (subject's right) to image right
  127, 234, 132, 58, 172, 150, 149, 148, 152, 377, 378, 379, 397, 288, 361, 454, 356,
  // brows 17–26
  70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
  // nose bridge 27–30, lower nose 31–35
  168, 6, 195, 4, 98, 97, 2, 326, 327,
  // eyes 36–41 (subject's right) and 42–47 (subject's left)
  33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
  // outer lips 48–59
  57, 40, 37, 0, 267, 270, 287, 321, 314, 17, 84, 91,
  // inner lips 60–67
  78, 81, 13, 311, 308, 402, 14, 178,
];

/** Mesh vertices the pose estimate uses (src/data/embedded/face-mesh-pose.ts). */
export const FACE_MESH_POSE_POINTS = {
  /** Outer eye corners: subject's right (image left), subject's left. */
  rightEyeOuter: 33,
  leftEyeOuter: 263,
  /** Top of the forehead and bottom of the chin on the symmetry line. */
  foreheadTop: 10,
  chinBottom: 152,
} as const;
