/**
 * WFLW (98 points): `WFLW_annotations/list_98pt_rect_attr_train_test/list_98pt_rect_attr_{train,test}.txt`, one face
 * per line: 196 coordinates (x0 y0 … x97 y97), the box x_min y_min x_max y_max, 6 attribute flags (pose, expression,
 * illumination, make-up, occlusion, blur) and the image path relative to `WFLW_images/`.
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

export const WFLW_POINTS = 98;
export const WFLW_ATTRIBUTES = ['pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur'] as const;
export const WFLW_FIELDS = 2 * WFLW_POINTS + 4 + WFLW_ATTRIBUTES.length + 1;

export function wflwListFile(root: string, split: 'train' | 'test'): string {
  return path.join(root, 'WFLW_annotations', 'list_98pt_rect_attr_train_test', `list_98pt_rect_attr_${split}.txt`);
}

export function formatWflwLine(landmarks: ArrayLike<number>, box: [number, number, number, number], attributes: number[], image: string): string {
  return [...Array.from(landmarks), ...box, ...attributes, image].join(' ');
}

export function readWflw(root: string, split: 'train' | 'test', opts: ReaderOptions = {}): ReadResult {
  requireDirectory(root, 'WFLW root');
  const file = wflwListFile(root, split);
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  readLines(file).forEach((text, i) => {
    if (text.trim() === '') return;
    const lineNo = i + 1;
    collect(problems, opts, () => {
      const parts = text.trim().split(/\s+/);
      if (parts.length !== WFLW_FIELDS)
        throw new AnnotationError(file, lineNo, `expected ${WFLW_FIELDS} fields (196 coordinates, 4 box, 6 attributes, image), found ${parts.length}`);
      const landmarks = new Float32Array(2 * WFLW_POINTS);
      for (let k = 0; k < 2 * WFLW_POINTS; k++) landmarks[k] = parseNumber(parts[k], file, lineNo, `coordinate ${k}`);
      const b = [0, 1, 2, 3].map((k) => parseNumber(parts[2 * WFLW_POINTS + k], file, lineNo, `box value ${k}`));
      const attributes: Record<string, number> = {};
      WFLW_ATTRIBUTES.forEach((name, k) => {
        const v = parseNumber(parts[2 * WFLW_POINTS + 4 + k], file, lineNo, `attribute ${name}`);
        if (v !== 0 && v !== 1) throw new AnnotationError(file, lineNo, `expected 0 or 1 for attribute ${name}, found ${v}`);
        attributes[name] = v;
      });
      const image = path.join(root, 'WFLW_images', parts[WFLW_FIELDS - 1]);
      requireImage(image, file, lineNo);
      records.push({
        image,
        annotation: file,
        line: lineNo,
        landmarks,
        visible: allVisible(WFLW_POINTS),
        box: [b[0], b[1], b[2], b[3]],
        subset: split,
        attributes,
      });
    });
  });
  return { records, problems, points: WFLW_POINTS };
}
