/**
 * CelebA (5 points): `list_landmarks_align_celeba.txt` (count line, header line, then
 * `<image> lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y`),
 * `list_eval_partition.txt` (`<image> 0|1|2` = train|val|test) and images in `img_align_celeba/`.
 */
import * as path from 'path';
import {
  AnnotationError,
  LandmarkRecord,
  Problem,
  ReadResult,
  ReaderOptions,
  allVisible,
  collect,
  parseNumber,
  readLines,
  requireDirectory,
  requireImage,
} from './common';

export const CELEBA_POINTS = 5;
export const CELEBA_LANDMARK_FILE = 'list_landmarks_align_celeba.txt';
export const CELEBA_PARTITION_FILE = 'list_eval_partition.txt';
export const CELEBA_IMAGE_DIR = 'img_align_celeba';
const SPLITS = ['train', 'val', 'test'] as const;

export function readCelebA(root: string, split: 'train' | 'val' | 'test' | 'all' = 'all', opts: ReaderOptions = {}): ReadResult {
  requireDirectory(root, 'CelebA root');
  const landmarkFile = path.join(root, CELEBA_LANDMARK_FILE);
  const partitionFile = path.join(root, CELEBA_PARTITION_FILE);
  const problems: Problem[] = [];
  const partition = new Map<string, string>();
  readLines(partitionFile).forEach((text, i) => {
    if (text.trim() === '') return;
    collect(problems, opts, () => {
      const parts = text.trim().split(/\s+/);
      const code = parts.length === 2 ? SPLITS[Number(parts[1])] : undefined;
      if (!code) throw new AnnotationError(partitionFile, i + 1, `expected '<image> 0|1|2', found '${text}'`);
      partition.set(parts[0], code);
    });
  });
  const lines = readLines(landmarkFile);
  const declared = parseNumber(lines[0]?.trim() ?? '', landmarkFile, 1, 'the image count');
  const header = lines[1]?.trim().split(/\s+/) ?? [];
  if (header.length !== 2 * CELEBA_POINTS || header[0] !== 'lefteye_x') {
    throw new AnnotationError(landmarkFile, 2, `expected the header 'lefteye_x lefteye_y … rightmouth_y', found '${lines[1] ?? ''}'`);
  }
  const records: LandmarkRecord[] = [];
  let rows = 0;
  for (let i = 2; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    rows++;
    collect(problems, opts, () => {
      const parts = text.split(/\s+/);
      if (parts.length !== 1 + 2 * CELEBA_POINTS)
        throw new AnnotationError(landmarkFile, i + 1, `expected an image name and ${2 * CELEBA_POINTS} numbers, found ${parts.length} fields`);
      const landmarks = new Float32Array(2 * CELEBA_POINTS);
      for (let k = 0; k < 2 * CELEBA_POINTS; k++) landmarks[k] = parseNumber(parts[k + 1], landmarkFile, i + 1, header[k]);
      const subset = partition.get(parts[0]);
      if (!subset) throw new AnnotationError(partitionFile, null, `image ${parts[0]} (${landmarkFile}:${i + 1}) has no partition entry`);
      if (split !== 'all' && subset !== split) return;
      const image = path.join(root, CELEBA_IMAGE_DIR, parts[0]);
      requireImage(image, landmarkFile, i + 1);
      records.push({ image, annotation: landmarkFile, line: i + 1, landmarks, visible: allVisible(CELEBA_POINTS), subset });
    });
  }
  if (rows !== declared) {
    collect(problems, opts, () => {
      throw new AnnotationError(landmarkFile, 1, `the first line declares ${declared} images but ${rows} rows follow`);
    });
  }
  return { records, problems, points: CELEBA_POINTS };
}
