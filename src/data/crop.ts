/**
 * Square face crops: box from landmarks (or a dataset box), enlarged by a margin, resampled to HR size with the
 * antialiased MATLAB-style kernel; landmarks follow the same mapping.
 */
import type { RgbImage } from './image-io';
import { MATLAB_BICUBIC, resampleHwc } from './resize';

export type Box = [number, number, number, number];

/**
 * Which box a face crop is centred on: the dataset's own face box ('box': a detector or annotator box, as dlib
 * XML, AFLW and WFLW give one) or the tight box of the landmarks ('landmarks'). The crop is the square of side
 * max(w, h)·(1 + 2·margin) around that box's centre (squareCropBox).
 */
export type CropSource = 'box' | 'landmarks';

export const CROP_SOURCES: readonly CropSource[] = ['box', 'landmarks'];

/** A named crop protocol, printed beside every result computed on the crops it made. */
export interface CropPolicy {
  source: CropSource;
  /** Added on each side, as a fraction of the box's longer side. */
  margin: number;
}

/** 'landmarks box + 0.1 margin each side' — the one spelling used in reports and tables. */
export function describeCropPolicy(p: CropPolicy): string {
  return `${p.source === 'box' ? 'dataset face box' : 'landmarks box'} + ${p.margin} margin each side (square, side max(w,h)·${(1 + 2 * p.margin).toFixed(2)})`;
}

/**
 * The box a policy centres on and the square crop around it, or null when the policy asks for the dataset box
 * and the face has none (the caller names the file).
 */
export function cropWindow(
  policy: CropPolicy,
  landmarks: ArrayLike<number>,
  visible: ArrayLike<number> | undefined,
  datasetBox: Box | undefined,
): { box: Box; crop: { x0: number; y0: number; side: number } } | null {
  const box = policy.source === 'box' ? datasetBox : landmarkBox(landmarks, visible);
  if (!box) return null;
  return { box, crop: squareCropBox(box, policy.margin) };
}

/** Tight box [x1, y1, x2, y2] of the visible landmarks (all of them if none is marked visible). */
export function landmarkBox(landmarks: ArrayLike<number>, visible?: ArrayLike<number>): Box {
  let x1 = Infinity,
    y1 = Infinity,
    x2 = -Infinity,
    y2 = -Infinity;
  const n = landmarks.length / 2;
  const anyVisible = visible ? Array.from(visible).some((v) => v > 0) : false;
  for (let i = 0; i < n; i++) {
    if (anyVisible && visible && !visible[i]) continue;
    const x = landmarks[2 * i],
      y = landmarks[2 * i + 1];
    x1 = Math.min(x1, x);
    y1 = Math.min(y1, y);
    x2 = Math.max(x2, x);
    y2 = Math.max(y2, y);
  }
  return [x1, y1, x2, y2];
}

/** A square around the box centre, side = max(w, h)·(1 + 2·margin): `margin` is added on each side as a fraction. */
export function squareCropBox(box: Box, margin: number): { x0: number; y0: number; side: number } {
  const [x1, y1, x2, y2] = box;
  const side = Math.max(x2 - x1, y2 - y1) * (1 + 2 * margin);
  return { x0: (x1 + x2) / 2 - side / 2, y0: (y1 + y2) / 2 - side / 2, side };
}

export interface CropResult {
  /** HWC float [0,1], `hrSize`². */
  hr: Float32Array;
  landmarksHr: Float32Array;
  boxHr: Box;
}

/**
 * Crops `crop` (x0, y0 = the crop's left/top edge in image pixel-centre coordinates, integer = pixel centre) and resizes it to hrSize.
 * Outside the image the edge pixels repeat, so faces at the photo border still give a full crop.
 */
export function cropFace(image: RgbImage, landmarks: ArrayLike<number>, box: Box, crop: { x0: number; y0: number; side: number }, hrSize: number): CropResult {
  const src = new Float32Array(image.data.length);
  for (let i = 0; i < src.length; i++) src[i] = image.data[i] / 255;
  const scale = crop.side / hrSize;
  // Continuous window origin: pixel centre c sits at c + 0.5 in the resampler's edge-based coordinates.
  const hr = resampleHwc(
    src,
    image.width,
    image.height,
    3,
    hrSize,
    hrSize,
    { ...MATLAB_BICUBIC, border: 'clamp' },
    {
      x0: crop.x0 + 0.5,
      y0: crop.y0 + 0.5,
      scaleX: scale,
      scaleY: scale,
    },
  );
  for (let i = 0; i < hr.length; i++) hr[i] = Math.min(1, Math.max(0, hr[i]));
  // Exact inverse of the sampling: source centre v ↔ HR centre (v + 0.5 − (x0 + 0.5))/scale − 0.5.
  const toHr = (v: number, o: number): number => (v - o) / scale - 0.5;
  const landmarksHr = new Float32Array(landmarks.length);
  for (let i = 0; i < landmarks.length; i += 2) {
    landmarksHr[i] = toHr(landmarks[i], crop.x0);
    landmarksHr[i + 1] = toHr(landmarks[i + 1], crop.y0);
  }
  const boxHr: Box = [toHr(box[0], crop.x0), toHr(box[1], crop.y0), toHr(box[2], crop.x0), toHr(box[3], crop.y0)];
  return { hr, landmarksHr, boxHr };
}
