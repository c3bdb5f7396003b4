/**
 * dlib imglab XML: `<image file='…'><box top left width height [ignore='1']><part name='00' x y/>…</box></image>`.
 * Image paths are relative to the XML's folder. Parts are indexed by their numeric name; parts missing from a box
 * are marked not visible. Boxes with `ignore='1'` or without parts are skipped (they carry no landmarks).
 */
import * as path from 'path';
import * as fs from 'fs';
import { AnnotationError, LandmarkRecord, Problem, ReadResult, ReaderOptions, collect, parseNumber, readLines, requireImage } from './common';

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([A-Za-z_]+)\s*=\s*(['"])(.*?)\2/g)) out.set(m[1], m[3]);
  return out;
}

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

export function readDlibXml(xmlFile: string, points = 68, opts: ReaderOptions = {}): ReadResult {
  const file = fs.existsSync(xmlFile) && fs.statSync(xmlFile).isDirectory() ? findXml(xmlFile) : xmlFile;
  const text = readLines(file).join('\n');
  const problems: Problem[] = [];
  const records: LandmarkRecord[] = [];
  const dir = path.dirname(file);
  const subset = path.basename(file, '.xml');
  for (const img of text.matchAll(/<image\b([^>]*?)(\/>|>([\s\S]*?)<\/image>)/g)) {
    const imageLine = lineAt(text, img.index ?? 0);
    const imgAttrs = attributes(img[1]);
    const rel = imgAttrs.get('file');
    const body = img[3] ?? '';
    const bodyOffset = (img.index ?? 0) + img[0].indexOf(body);
    collect(problems, opts, () => {
      if (!rel) throw new AnnotationError(file, imageLine, `expected <image file='…'>, found no file attribute`);
      requireImage(path.resolve(dir, rel), file, imageLine);
    });
    if (!rel) continue;
    for (const box of body.matchAll(/<box\b([^>]*?)(\/>|>([\s\S]*?)<\/box>)/g)) {
      const boxLine = lineAt(text, bodyOffset + (box.index ?? 0));
      collect(problems, opts, () => {
        const a = attributes(box[1]);
        if (a.get('ignore') === '1') return;
        const num = (k: string): number => parseNumber(a.get(k) ?? '', file, boxLine, `box attribute ${k}`);
        const top = num('top'), left = num('left'), width = num('width'), height = num('height');
        const landmarks = new Float32Array(2 * points);
        const visible = new Uint8Array(points);
        let parts = 0;
        for (const part of (box[3] ?? '').matchAll(/<part\b([^>]*?)\/>/g)) {
          const pa = attributes(part[1]);
          const idx = parseNumber(pa.get('name') ?? '', file, boxLine, 'part name');
          if (!Number.isInteger(idx) || idx < 0 || idx >= points) throw new AnnotationError(file, boxLine, `expected part names 0…${points - 1}, found '${pa.get('name')}'`);
          landmarks[2 * idx] = parseNumber(pa.get('x') ?? '', file, boxLine, `x of part ${idx}`);
          landmarks[2 * idx + 1] = parseNumber(pa.get('y') ?? '', file, boxLine, `y of part ${idx}`);
          visible[idx] = 1;
          parts++;
        }
        if (parts === 0) return;
        records.push({
          image: path.resolve(dir, rel), annotation: file, line: boxLine, landmarks, visible,
          box: [left, top, left + width, top + height], subset,
        });
      });
    }
  }
  return { records, problems, points };
}

export function findXml(dir: string): string {
  const xml = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();
  if (xml.length === 0) throw new AnnotationError(dir, null, 'expected a dlib imglab .xml file in this directory, found none');
  return path.join(dir, xml[0]);
}

export function formatDlibXml(faces: { image: string; box: [number, number, number, number]; landmarks: ArrayLike<number> }[]): string {
  const rows = ["<?xml version='1.0' encoding='ISO-8859-1'?>", '<dataset>', '<images>'];
  for (const f of faces) {
    const [x1, y1, x2, y2] = f.box;
    rows.push(`  <image file='${f.image}'>`);
    rows.push(`    <box top='${Math.round(y1)}' left='${Math.round(x1)}' width='${Math.round(x2 - x1)}' height='${Math.round(y2 - y1)}'>`);
    for (let i = 0; i < f.landmarks.length / 2; i++) {
      rows.push(`      <part name='${String(i).padStart(2, '0')}' x='${Math.round(f.landmarks[2 * i])}' y='${Math.round(f.landmarks[2 * i + 1])}'/>`);
    }
    rows.push('    </box>', '  </image>');
  }
  rows.push('</images>', '</dataset>', '');
  return rows.join('\n');
}
