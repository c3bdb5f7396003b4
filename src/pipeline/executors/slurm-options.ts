/**
 * What a site's Slurm needs to know about the runs: partition, time limit, CPUs, memory, GPUs, account, extra
 * `#SBATCH` lines, and shell lines that prepare a node (e.g. `module load nodejs/20`). They come from a JSON
 * file's `slurm` section (`--cluster-config cluster.json`) and from flags, flags winning key by key.
 */
import * as fs from 'fs';
import { z } from 'zod';
import { ConfigError, validate } from '../../core/schema';

const SLURM_SECTION = z.strictObject({
  partition: z.string().min(1).optional().describe('#SBATCH --partition'),
  time: z
    .string()
    .regex(/^[0-9:-]+$/, 'a Slurm time limit like 30, 2:00:00 or 1-12:00:00')
    .optional()
    .describe('#SBATCH --time'),
  cpusPerTask: z.number().int().positive().optional().describe('#SBATCH --cpus-per-task'),
  mem: z
    .string()
    .regex(/^[0-9]+[KMGT]?$/, 'a Slurm memory size like 4G or 16000M')
    .optional()
    .describe('#SBATCH --mem'),
  gpus: z.number().int().nonnegative().optional().describe('#SBATCH --gpus-per-task'),
  account: z.string().min(1).optional().describe('#SBATCH --account'),
  /** Seconds before the time limit at which the batch shell gets SIGUSR1 and the run saves and requeues itself. */
  signalSeconds: z.number().int().min(10).max(65535).default(300),
  /** Extra directives, each the text after `#SBATCH ` (e.g. `--qos=short`, `--constraint=avx512`). */
  extra: z.array(z.string().regex(/^--?[A-Za-z]/, 'an sbatch option such as --qos=short')).default([]),
  /** Shell lines run on the node before the task (module loads, venv activation). */
  setup: z.array(z.string()).default([]),
  /** The node binary on the compute nodes (default: `node` from the PATH after the setup lines). */
  node: z.string().min(1).default('node'),
});

export type SlurmOptions = z.infer<typeof SLURM_SECTION>;

export const DEFAULT_SLURM_OPTIONS: SlurmOptions = SLURM_SECTION.parse({});

/** The `slurm` section of a cluster config file (`{"slurm": {...}}`), validated, with defaults filled in. */
export function readClusterConfig(file: string): SlurmOptions {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(file, '', code === 'ENOENT' ? 'expected a cluster config file, found no file' : `expected JSON, found ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !('slurm' in raw)) {
    throw new ConfigError(file, '', 'expected an object with a "slurm" section');
  }
  return validate((raw as { slurm: unknown }).slurm, SLURM_SECTION, file, 'slurm');
}

/** Applies flag values over a base (file or defaults); the result is validated like the file. */
export function withOverrides(base: SlurmOptions, overrides: Partial<SlurmOptions>, source: string): SlurmOptions {
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    merged[k] = k === 'extra' || k === 'setup' ? [...(base[k as 'extra' | 'setup'] ?? []), ...(v as string[])] : v;
  }
  return validate(merged, SLURM_SECTION, source, 'slurm');
}
