/**
 * The annotated frame of `jasr enhance`: per face a box, its landmarks and an SR inset (nearest-resized, placed
 * beside the box, inside the frame). Plain pixel drawing on an 8-bit RGB copy; no canvas dependency.
 */
import type { RgbImage } from '../data/image-io';
import type { EnhancedFace } from './enhance-faces';

type Colour = [number, number, number];
const BOX: Colour = [255, 200, 0];
const POINT: Colour = [0, 255, 0];
const INSET_BORDER: Colour = [255, 255, 255];

function put(img: RgbImage, x: number, y: number, c: Colour): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = (y * img.width + x) * 3;
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
}

function rect(img: RgbImage, x1: number, y1: number, x2: number, y2: number, c: Colour, thickness: number): void {
  for (let t = 0; t < thickness; t++) {
    for (let x = x1 - t; x <= x2 + t; x++) {
      put(img, x, y1 - t, c);
      put(img, x, y2 + t, c);
    }
    for (let y = y1 - t; y <= y2 + t; y++) {
      put(img, x1 - t, y, c);
      put(img, x2 + t, y, c);
    }
  }
}

/** Nearest-neighbour copy of `src` into `dst` at (left, top), `side` pixels wide, clipped to the frame. */
function paste(dst: RgbImage, src: RgbImage, left: number, top: number, side: number): void {
  for (let y = 0; y < side; y++) {
    const sy = Math.min(src.height - 1, Math.floor((y * src.height) / side));
    for (let x = 0; x < side; x++) {
      const sx = Math.min(src.width - 1, Math.floor((x * src.width) / side));
      const o = (sy * src.width + sx) * 3;
      put(dst, left + x, top + y, [src.data[o], src.data[o + 1], src.data[o + 2]]);
    }
  }
}

/**
 * Inset side in pixels: twice the face box (a crowd of small faces keeps small insets that hide few neighbours),
 * at least 32, at most the SR image and a third of the shorter frame side.
 */
export function insetSide(image: RgbImage, boxSide: number, srSide: number): number {
  return Math.round(Math.max(32, Math.min(srSide, Math.min(image.width, image.height) / 3, 2 * boxSide)));
}

export function annotateFrame(image: RgbImage, faces: EnhancedFace[]): RgbImage {
  const out: RgbImage = { width: image.width, height: image.height, data: Uint8Array.from(image.data) };
  const thick = Math.max(1, Math.round(Math.min(image.width, image.height) / 400));
  for (const f of faces) {
    const [x1, y1, x2, y2] = f.box.map(Math.round);
    rect(out, x1, y1, x2, y2, BOX, thick);
    for (const [px, py] of f.landmarksOriginal ?? []) {
      const cx = Math.round(px),
        cy = Math.round(py);
      for (let dy = -thick; dy <= thick; dy++) for (let dx = -thick; dx <= thick; dx++) put(out, cx + dx, cy + dy, POINT);
    }
    const inset = f.sr ?? f.bicubic;
    const side = insetSide(image, Math.max(x2 - x1, y2 - y1), inset.width);
    // Right of the box if it fits, else left; top aligned with the box, kept inside the frame.
    let left = x2 + thick + 2;
    if (left + side > image.width) left = Math.max(0, x1 - thick - 2 - side);
    const top = Math.min(Math.max(0, y1), Math.max(0, image.height - side));
    paste(out, inset, left, top, side);
    rect(out, left, top, left + side - 1, top + side - 1, INSET_BORDER, 1);
  }
  return out;
}
