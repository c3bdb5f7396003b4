/**
 * The run log: runs/<name>/log.jsonl (every record, full precision) and runs/<name>/log.csv (the same records as
 * a table with columns fixed when the run starts). Each record is appended and handed to the OS at once, so a
 * crash loses at most the record being written; readRunLog skips a torn last line.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface StepRecord {
  kind: 'step';
  epoch: number;
  step: number;
  lr: number;
  /** Loss terms of this step, including `total`. */
  loss: Record<string, number>;
  gradNorm: number;
  imagesPerSec: number;
  elapsedSec: number;
}

export interface EpochRecord {
  kind: 'epoch';
  epoch: number;
  step: number;
  lr: number;
  /** Mean of each loss term over the epoch's steps. */
  loss: Record<string, number>;
  /** Validation metrics (empty without a validation loader). */
  val: Record<string, number>;
  isBest: boolean;
  elapsedSec: number;
}

/** Something that happened (start, resume, stop, error), kept in the JSON log only. */
export interface EventRecord {
  kind: 'event';
  epoch: number;
  step: number;
  event: 'start' | 'resume' | 'budget' | 'done' | 'non-finite' | 'error';
  message: string;
  time: string;
}

export type RunLogRecord = StepRecord | EpochRecord | EventRecord;

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

/** Cuts a partial last line left by a crash, so the next append starts on a fresh line. */
function dropTornTail(file: string): void {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  if (text === '' || text.endsWith('\n')) return;
  fs.writeFileSync(file, text.slice(0, text.lastIndexOf('\n') + 1));
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
    for (const f of [this.jsonlFile, this.csvFile]) dropTornTail(f);
    const header = this.columns.join(',');
    if (fs.existsSync(this.csvFile) && fs.statSync(this.csvFile).size > 0) {
      const existing = fs.readFileSync(this.csvFile, 'utf8').split('\n', 1)[0];
      if (existing !== header) throw new Error(`${this.csvFile}: columns are '${existing}', this run writes '${header}' (use a new run name)`);
    } else {
      fs.writeFileSync(this.csvFile, header + '\n');
    }
  }

  append(r: RunLogRecord): void {
    fs.appendFileSync(this.jsonlFile, JSON.stringify(r) + '\n');
    if (r.kind !== 'event') fs.appendFileSync(this.csvFile, csvRow(this.columns, r) + '\n');
  }

  /** Drops every record after `step` (used on resume: those steps will run again from the checkpoint). */
  truncateAfter(step: number): void {
    const keep = readRunLog(path.dirname(this.jsonlFile)).filter((r) => r.step <= step);
    const write = (file: string, text: string): void => {
      const tmp = `${file}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
    };
    write(this.jsonlFile, keep.map((r) => JSON.stringify(r) + '\n').join(''));
    const rows = keep.filter((r): r is StepRecord | EpochRecord => r.kind !== 'event').map((r) => csvRow(this.columns, r) + '\n');
    write(this.csvFile, this.columns.join(',') + '\n' + rows.join(''));
  }
}

/** Every record of a run's log.jsonl, in order. A torn (crash-truncated) last line is skipped. */
export function readRunLog(runDir: string): RunLogRecord[] {
  const file = path.join(runDir, 'log.jsonl');
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: RunLogRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as RunLogRecord);
    } catch (e) {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
      if (!isLast) throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}
