/**
 * The files the kit wrote into a results folder, listed in <dir>/outputs.json, so a re-run can remove its own
 * stale files (a row dropped from the table) and never anything else: a user's file next to them stays.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../core/atomic-write';

const LIST = 'outputs.json';

export class OutputSet {
  private readonly written = new Set<string>();
  constructor(readonly dir: string) {}

  /** Records files written in this run (absolute or relative to the cwd). */
  add(...files: string[]): void {
    for (const f of files) this.written.add(path.relative(this.dir, path.resolve(f)));
  }

  /** Files the previous run listed. A list that cannot be read lists nothing (so nothing is removed). */
  previous(): string[] {
    try {
      const raw = JSON.parse(fs.readFileSync(path.join(this.dir, LIST), 'utf8')) as { files?: unknown };
      return Array.isArray(raw.files) ? raw.files.filter((f): f is string => typeof f === 'string' && !f.startsWith('..') && !path.isAbsolute(f)) : [];
    } catch {
      return [];
    }
  }

  /** Removes the previous run's files not written this time, then lists this run's files. */
  commit(): void {
    for (const f of this.previous()) if (!this.written.has(f)) fs.rmSync(path.join(this.dir, f), { force: true });
    writeJsonAtomic(path.join(this.dir, LIST), { files: [...this.written].sort() });
  }
}
