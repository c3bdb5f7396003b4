/**
 * The run log's format and its ONE reader: runs/<name>/log.jsonl as the training engine writes it
 * (src/engine/log.ts holds the writer). Read by the trainer on resume, `jasr report` and notebooks.
 * readRunLogFile checks every record against the types below, skips a torn last line (a kill while
 * appending) and nothing else; a malformed line anywhere before the last is a RunLogFormatError naming
 * the file and line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileSystemError, KnownError, describeFound, isFsError } from './errors';

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

/** Every event the trainer logs; the reader refuses others, so a new one is added here first. */
export const RUN_EVENTS = ['start', 'resume', 'budget', 'done', 'non-finite', 'error'] as const;
export type RunEvent = (typeof RUN_EVENTS)[number];

/** Something that happened (start, resume, stop, error), kept in the JSON log only. */
export interface EventRecord {
  kind: 'event';
  epoch: number;
  step: number;
  event: RunEvent;
  message: string;
  time: string;
}

export type RunLogRecord = StepRecord | EpochRecord | EventRecord;

/** A log file that is not what the trainer writes: names the file, the line, what was expected and found. */
export class RunLogFormatError extends KnownError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(`${file}: ${line === undefined ? '' : `line ${line}: `}${problem}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks one parsed line against the record types; returns the record or what is wrong with it. */
class RecordChecker {
  constructor(private readonly o: Record<string, unknown>) {}

  finite(key: string): number {
    const v = this.o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`key '${key}': expected a finite number, found ${describeFound(v)}`);
    return v;
  }

  /** A measured value: JSON has no NaN/Infinity (JSON.stringify writes null), so null reads back as NaN. */
  measured(key: string): number {
    const v = this.o[key];
    if (v === null) return NaN;
    if (typeof v !== 'number') throw new Error(`key '${key}': expected a number (or null for a non-finite value), found ${describeFound(v)}`);
    return v;
  }

  measuredMap(key: string): Record<string, number> {
    const m = this.o[key];
    if (!isObject(m)) throw new Error(`key '${key}': expected an object of named numbers, found ${describeFound(m)}`);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(m)) {
      if (v !== null && typeof v !== 'number')
        throw new Error(`key '${key}.${k}': expected a number (or null for a non-finite value), found ${describeFound(v)}`);
      out[k] = v === null ? NaN : (v as number); // 'as': tslab compiles without strictNullChecks, where typeof does not narrow here
    }
    return out;
  }

  text(key: string): string {
    const v = this.o[key];
    if (typeof v !== 'string') throw new Error(`key '${key}': expected a string, found ${describeFound(v)}`);
    return v;
  }

  flag(key: string): boolean {
    const v = this.o[key];
    if (typeof v !== 'boolean') throw new Error(`key '${key}': expected true or false, found ${describeFound(v)}`);
    return v;
  }
}

/** The typed record of one parsed line (fields the types do not name are dropped); throws a plain Error with the problem. */
export function toRunLogRecord(value: unknown): RunLogRecord {
  if (!isObject(value)) throw new Error(`expected a JSON object, found ${describeFound(value)}`);
  const c = new RecordChecker(value);
  const at = { epoch: c.finite('epoch'), step: c.finite('step') };
  switch (value.kind) {
    case 'step':
      return {
        kind: 'step',
        ...at,
        lr: c.measured('lr'),
        loss: c.measuredMap('loss'),
        gradNorm: c.measured('gradNorm'),
        imagesPerSec: c.measured('imagesPerSec'),
        elapsedSec: c.finite('elapsedSec'),
      };
    case 'epoch':
      return {
        kind: 'epoch',
        ...at,
        lr: c.measured('lr'),
        loss: c.measuredMap('loss'),
        val: c.measuredMap('val'),
        isBest: c.flag('isBest'),
        elapsedSec: c.finite('elapsedSec'),
      };
    case 'event': {
      const event = c.text('event');
      if (!(RUN_EVENTS as readonly string[]).includes(event))
        throw new Error(`key 'event': expected one of ${RUN_EVENTS.join(', ')}, found ${describeFound(event)}`);
      return { kind: 'event', ...at, event: event as RunEvent, message: c.text('message'), time: c.text('time') };
    }
    default:
      throw new Error(`key 'kind': expected 'step', 'epoch' or 'event', found ${describeFound(value.kind)}`);
  }
}

export interface RunLogContents {
  file: string;
  records: RunLogRecord[];
  /** 1-based number of a torn last line that was skipped (a crash while appending), if there was one. */
  tornLine?: number;
  /** Characters of the file before the torn line: what a writer keeps when it repairs the file. */
  keptLength: number;
}

const isBlank = (line: string): boolean => line.trim() === '';

/** Parses log text (see readRunLogFile); `file` names it in errors. */
export function parseRunLog(file: string, text: string): RunLogContents {
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && isBlank(lines[last])) last--;
  const records: RunLogRecord[] = [];
  let offset = 0;
  for (let i = 0; i <= last; i++) {
    const line = lines[i];
    if (!isBlank(line)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        // Only the last line can be torn by a kill mid-append: a JSON object cut short never parses.
        if (i === last) return { file, records, tornLine: i + 1, keptLength: offset };
        throw new RunLogFormatError(file, i + 1, `not valid JSON (${(e as Error).message}); only a torn last line is skipped`);
      }
      try {
        records.push(toRunLogRecord(parsed));
      } catch (e) {
        throw new RunLogFormatError(file, i + 1, (e as Error).message);
      }
    }
    offset += line.length + 1;
  }
  return { file, records, keptLength: text.length };
}

/** Every record of one log.jsonl, checked; a torn last line is skipped and reported as `tornLine`. */
export function readRunLogFile(file: string): RunLogContents {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (isFsError(e)) throw new FileSystemError(e, file);
    throw e;
  }
  return parseRunLog(file, text);
}

/** Every record of a run's log.jsonl, in order ([] when the run has no log yet). A torn last line is skipped. */
export function readRunLog(runDir: string): RunLogRecord[] {
  const file = path.join(runDir, 'log.jsonl');
  if (!fs.existsSync(file)) return [];
  return readRunLogFile(file).records;
}
