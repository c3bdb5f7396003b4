/**
 * Sections of bench/RESULTS.md that other bench modes own (between `<!-- name:start -->` and `<!-- name:end -->`):
 * each mode rewrites its own section and keeps the rest of the file, atomically.
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../src/core/atomic-write';

const markers = (name: string): { start: string; end: string } => ({ start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` });

/** `body` wrapped in the section's markers. */
export function section(name: string, body: string): string {
  const { start, end } = markers(name);
  return `${start}\n${body.trim()}\n${end}`;
}

/** Every marked section of `text`, in order (what a rewrite of the file's main part must keep). */
export function sectionsOf(text: string): string[] {
  const out: string[] = [];
  const re = /<!-- ([a-z0-9-]+):start -->[\s\S]*?<!-- \1:end -->/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[0]);
  return out;
}

/** Replaces section `name` of `file` by `body` (appends it when absent); the rest of the file is kept. */
export function writeSection(file: string, name: string, body: string): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const { start, end } = markers(name);
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  const next = a >= 0 && b > a ? text.slice(0, a) + section(name, body) + text.slice(b + end.length) : `${text.trimEnd()}\n\n${section(name, body)}\n`;
  writeFileAtomic(file, next);
}
