/**
 * The writer of the run log: runs/<name>/log.jsonl (every record, full precision) and runs/<name>/log.csv (the
 * same records as a table with columns fixed when the run starts). Each record is appended and handed to the OS
 * at once, so a crash loses at most the record being written. The format and its one reader are in
 * src/core/run-log.ts (re-exported here for the engine's callers).
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileSystemError, isFsError } from '../core/errors';
import { writeFileAtomic } from '../core/atomic-write';

import { EpochRecord, RunLogFormatError, RunLogRecord, StepRecord, parseRunLog, readRunLog } from '../core/run-log';
export * from '../core/run-log';

export interface RunLogColumns {
  lossTerms: string[];
  metrics: string[];
}

const BASE_COLUMNS = ['kind', 'epoch', 'step', 'lr', 'gradNorm', 'imagesPerSec', 'elapsedSec', 'isBest'];

export function csvColumns(c: RunLogColumns): string[] {
  return [...BASE_COLUMNS, ...c.lossTerms.map((t) => `loss.${t}`), ...c.metrics.map((m) => `val.${m}`)];
}

function csvRow(columns: string[], r: StepRecord | EpochRecord): string {
  const cell = (col: string): string => {
    if (col.startsWith('loss.')) return fmt(r.loss[col.slice(5)]);
    if (col.startsWith('val.')) return r.kind === 'epoch' ? fmt(r.val[col.slice(4)]) : '';
    switch (col) {
      case 'kind':
        return r.kind;
      case 'isBest':
        return r.kind === 'epoch' ? (r.isBest ? '1' : '0') : '';
      case 'gradNorm':
      case 'imagesPerSec':
        return r.kind === 'step' ? fmt(r[col]) : '';
      default:
        return fmt((r as unknown as Record<string, number>)[col]);
    }
  };
  return columns.map(cell).join(',');
}

// Shortest round-trip text of a double; empty for a missing value.
const fmt = (v: number | undefined): string => (v === undefined ? '' : String(v));

/** Makes log.jsonl end in a complete line: drops a torn last line, or ends a complete one with its newline. */
function repairJsonl(file: string): void {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  const read = parseRunLog(file, text);
  if (read.tornLine !== undefined) writeFileAtomic(file, text.slice(0, read.keptLength));
  else if (text !== '' && !text.endsWith('\n')) writeFileAtomic(file, text + '\n');
}

/** Cuts a partial last line of log.csv left by a crash, so the next append starts on a fresh line. */
function repairCsv(file: string): void {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  if (text === '' || text.endsWith('\n')) return;
  writeFileAtomic(file, text.slice(0, text.lastIndexOf('\n') + 1));
}

function appendLine(file: string, line: string): void {
  try {
    fs.appendFileSync(file, line + '\n');
  } catch (e) {
    if (isFsError(e)) throw new FileSystemError(e, file);
    throw e;
  }
}

export class RunLog {
  readonly jsonlFile: string;
  readonly csvFile: string;
  readonly columns: string[];

  /** Opens (creating if needed) the log of `runDir`; an existing log.csv must have the same columns. */
  constructor(runDir: string, columns: RunLogColumns) {
    fs.mkdirSync(runDir, { recursive: true });
    this.jsonlFile = path.join(runDir, 'log.jsonl');
    this.csvFile = path.join(runDir, 'log.csv');
    this.columns = csvColumns(columns);
    repairJsonl(this.jsonlFile);
    repairCsv(this.csvFile);
    const header = this.columns.join(',');
    if (fs.existsSync(this.csvFile) && fs.statSync(this.csvFile).size > 0) {
      const existing = fs.readFileSync(this.csvFile, 'utf8').split('\n', 1)[0];
      if (existing !== header)
        throw new RunLogFormatError(this.csvFile, 1, `expected the columns '${header}' this run writes, found '${existing}' (use a new run name)`);
    } else {
      writeFileAtomic(this.csvFile, header + '\n');
    }
  }

  append(r: RunLogRecord): void {
    appendLine(this.jsonlFile, JSON.stringify(r));
    if (r.kind !== 'event') appendLine(this.csvFile, csvRow(this.columns, r));
  }

  /** Drops every record after `step` (used on resume: those steps will run again from the checkpoint). */
  truncateAfter(step: number): void {
    const keep = readRunLog(path.dirname(this.jsonlFile)).filter((r) => r.step <= step);
    writeFileAtomic(this.jsonlFile, keep.map((r) => JSON.stringify(r) + '\n').join(''));
    const rows = keep.filter((r): r is StepRecord | EpochRecord => r.kind !== 'event').map((r) => csvRow(this.columns, r) + '\n');
    writeFileAtomic(this.csvFile, this.columns.join(',') + '\n' + rows.join(''));
  }
}
