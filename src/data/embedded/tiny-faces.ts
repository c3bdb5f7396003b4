/**
 * Real tiny faces that have NO high-resolution original: the LFW subset that scikit-image ships as
 * `skimage/data/lfw_subset.npy` (200 grey 25×25 float64 crops; the first 100 are faces, the rest background
 * patches). They show what the models do on genuinely tiny inputs, where PSNR/SSIM/NME cannot be measured.
 *
 * Provenance: Labeled Faces in the Wild (Huang, Ramesh, Berg, Learned-Miller 2007, http://vis-www.cs.umass.edu/lfw/),
 * news photographs collected from the web and distributed for research use without a formal licence; the 25×25
 * subset was made for Huang, Lee, Learned-Miller, "Learning to align from scratch" (NIPS 2012) and is shipped in
 * scikit-image's data folder (scikit-image itself is BSD-3). Debian installs it with python3-skimage.
 */
import * as fs from 'fs';
import { MATLAB_BICUBIC, resampleHwc } from '../resize';

export const LFW_SUBSET_FILE = '/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy';
export const LFW_SUBSET_APT_HINT = 'apt-get install -y --no-install-recommends python3-skimage';
/** The first 100 crops of lfw_subset.npy are faces (skimage.data.lfw_subset's docstring). */
export const LFW_SUBSET_FACES = 100;
export const LFW_PROVENANCE =
  'Labeled Faces in the Wild (Huang et al. 2007, http://vis-www.cs.umass.edu/lfw/; news photos, research use, no formal licence), ' +
  '25×25 grey subset from "Learning to align from scratch" (NIPS 2012) shipped by scikit-image (BSD-3) as data/lfw_subset.npy';

export interface NpyArray {
  /** numpy dtype string as stored, e.g. '<f8'. */
  dtype: string;
  shape: number[];
  /** Values in C (row-major) order, converted to float64. */
  data: Float64Array;
}

const MAGIC = '\x93NUMPY';

/** Reads a C-ordered little-endian .npy array of dtype f8, f4 or u1 (the only ones we need); errors name the file. */
export function parseNpy(bytes: Buffer, file: string): NpyArray {
  if (bytes.length < 10 || bytes.subarray(0, 6).toString('latin1') !== MAGIC) {
    throw new Error(`${file}: expected a .npy file starting with \\x93NUMPY, found ${JSON.stringify(bytes.subarray(0, 6).toString('latin1'))}`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`${file}: expected .npy format version 1, 2 or 3, found ${major}.${bytes[7]}`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.subarray(headerStart, headerStart + headerLength).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${file}: header: expected 'descr', 'fortran_order' and 'shape' keys, found ${JSON.stringify(header.trim())}`);
  }
  if (fortran === 'True') throw new Error(`${file}: header: expected fortran_order False (C order), found True`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`${file}: header: expected a shape of non-negative integers, found (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemSize: Record<string, number> = { '<f8': 8, '<f4': 4, '|u1': 1 };
  const size = itemSize[descr];
  if (size === undefined) throw new Error(`${file}: header: expected dtype '<f8', '<f4' or '|u1', found '${descr}'`);
  const offset = headerStart + headerLength;
  if (bytes.length - offset !== count * size) {
    throw new Error(`${file}: shape (${shape.join(', ')}) of '${descr}' needs ${count * size} data bytes, found ${bytes.length - offset}`);
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = offset + i * size;
    data[i] = size === 8 ? bytes.readDoubleLE(at) : size === 4 ? bytes.readFloatLE(at) : bytes[at];
  }
  return { dtype: descr, shape, data };
}

export interface TinyFace {
  /** 'lfw-subset-<index>' */
  id: string;
  /** Index in lfw_subset.npy. */
  index: number;
  /** The crop as shipped: grey, `originalSize`², row-major, [0, 1]. */
  original: Float32Array;
  originalSize: number;
  /** The model's LR input: RGB (grey replicated), `lrSize`², HWC, [0, 1]. */
  lr: Float32Array;
  lrSize: number;
}

export interface TinyFaceOptions {
  /** Default LFW_SUBSET_FILE. */
  file?: string;
  /** Which faces (indices < 100); default the first `count`. */
  indices?: number[];
  /** Default 8 when `indices` is not given. */
  count?: number;
  /** LR side the models take at ×8 (16 for 128-pixel HR). */
  lrSize?: number;
}

/**
 * The first faces of lfw_subset.npy as LR inputs. The 25×25 crops frame about forehead to chin, close to the
 * training crops (landmark box + 10 % margin), so they are only resized (MATLAB-style antialiased bicubic,
 * the same kernel that makes training LR images), not re-framed.
 */
export function loadTinyFaces(opts: TinyFaceOptions = {}): TinyFace[] {
  const file = opts.file ?? LFW_SUBSET_FILE;
  if (!fs.existsSync(file)) {
    throw new Error(`${file} not found: the LFW tiny faces come from Debian's python3-skimage. Install it with:\n  ${LFW_SUBSET_APT_HINT}`);
  }
  const npy = parseNpy(fs.readFileSync(file), file);
  if (npy.shape.length !== 3 || npy.shape[1] !== npy.shape[2]) {
    throw new Error(`${file}: expected a stack of square grey images (N, S, S), found shape (${npy.shape.join(', ')})`);
  }
  const [stored, side] = npy.shape;
  const faces = Math.min(stored, LFW_SUBSET_FACES);
  const indices = opts.indices ?? Array.from({ length: Math.min(opts.count ?? 8, faces) }, (_, i) => i);
  const lrSize = opts.lrSize ?? 16;
  return indices.map((index) => {
    if (!Number.isInteger(index) || index < 0 || index >= faces) {
      throw new Error(`${file}: face index ${index} out of range: the faces are indices 0..${faces - 1}`);
    }
    const original = Float32Array.from(npy.data.subarray(index * side * side, (index + 1) * side * side));
    const grey = resampleHwc(original, side, side, 1, lrSize, lrSize, MATLAB_BICUBIC);
    const lr = new Float32Array(lrSize * lrSize * 3);
    for (let i = 0; i < grey.length; i++) {
      const v = Math.min(1, Math.max(0, grey[i]));
      lr[3 * i] = v;
      lr[3 * i + 1] = v;
      lr[3 * i + 2] = v;
    }
    return { id: `lfw-subset-${index}`, index, original, originalSize: side, lr, lrSize };
  });
}
