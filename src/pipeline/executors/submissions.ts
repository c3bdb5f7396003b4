/**
 * The record of what was submitted for a plan (`<results>/slurm/submissions.json`): which array job ran which
 * plan indices. `jasr status` asks Slurm about these job ids and trusts a task's exit record only when it comes
 * from the latest submission of that index.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../../core/atomic-write';
import { KnownError } from '../../core/errors';

export interface Submission {
  jobId: string;
  indices: number[];
  script: string;
  submittedAt: string;
}

export class SubmissionsError extends KnownError {}

export function submissionsFile(slurmDir: string): string {
  return path.join(slurmDir, 'submissions.json');
}

export function readSubmissions(slurmDir: string): Submission[] {
  const file = submissionsFile(slurmDir);
  if (!fs.existsSync(file)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SubmissionsError(`${file}: expected the JSON jasr writes on submission, found ${(e as Error).message}`);
  }
  const list = (raw as { submissions?: unknown }).submissions;
  const ok =
    Array.isArray(list) &&
    list.every((s) => s && typeof s.jobId === 'string' && Array.isArray(s.indices) && s.indices.every((i: unknown) => Number.isInteger(i)));
  if (!ok) throw new SubmissionsError(`${file}: expected {"submissions": [{jobId, indices, script, submittedAt}]}, found something else`);
  return list as Submission[];
}

export function addSubmission(slurmDir: string, s: Submission): void {
  writeJsonAtomic(submissionsFile(slurmDir), { submissions: [...readSubmissions(slurmDir), s] });
}

/** The latest submission that covered each plan index. */
export function latestByIndex(subs: Submission[]): Map<number, Submission> {
  const out = new Map<number, Submission>();
  for (const s of subs) for (const i of s.indices) out.set(i, s);
  return out;
}

/** `--array` syntax for a set of indices: `0-3,7,9-10`. */
export function arraySpec(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
