/**
 * Reading and writing 8-bit RGB images (PNG, JPEG, anything libvips reads) through sharp, which ships its
 * native code as npm packages and needs no download. Errors name the file.
 */
import * as fs from 'fs';
import sharp from 'sharp';
import { KnownError } from '../core/errors';
import { writeFileAtomic } from '../core/atomic-write';

export interface RgbImage {
  /** Row-major HWC, 3 channels, 0..255. */
  data: Uint8Array;
  width: number;
  height: number;
}

export class ImageReadError extends KnownError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** libvips messages span lines; the kit's errors are one line. */
const oneLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('; ');

/** What an undecodable file looks like, for the error: empty, or its size. */
function describeUndecodable(file: string): string {
  const size = fs.statSync(file).size;
  return size === 0 ? 'an empty file' : `${size} bytes that do not decode`;
}

export async function readImage(file: string): Promise<RgbImage> {
  if (!fs.existsSync(file)) throw new ImageReadError(file, 'file not found');
  if (fs.statSync(file).isDirectory()) throw new ImageReadError(file, 'expected an image file, found a directory');
  try {
    const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (e) {
    throw new ImageReadError(
      file,
      `cannot decode image: expected PNG, JPEG, WebP, TIFF or another format libvips reads, found ${describeUndecodable(file)} (${oneLine((e as Error).message)})`,
    );
  }
}

/**
 * Writes PNG or JPEG by extension. The image is encoded in memory, then written through the kit's atomic writer
 * (temporary sibling, fsync, rename): a crash or a full disk leaves the old file or the new one, never a partial
 * or 0-byte file, and no temporary; the error names `file` (e.g. `out/x-sr.png: no space left on device (ENOSPC)`).
 */
export async function writeImage(file: string, img: RgbImage): Promise<void> {
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  });
  const lower = file.toLowerCase();
  const encoded = await (lower.endsWith('.jpg') || lower.endsWith('.jpeg') ? s.jpeg({ quality: 95 }) : s.png()).toBuffer();
  writeFileAtomic(file, encoded);
}

/** [0,1] float HWC → 8-bit, rounding and clamping as an 8-bit image file would store it. */
export function floatToRgb(data: Float32Array | number[], width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(data[i] * 255)));
  return { data: out, width, height };
}

export function rgbToFloat(img: RgbImage): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] / 255;
  return out;
}
