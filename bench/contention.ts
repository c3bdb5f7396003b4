/**
 * `jasr bench --contention`: training throughput of the kit and the PyTorch peer without and with a fixed
 * background load, so that their slowdowns compare in the same conditions. The load is one busy-loop Node process
 * per core (a CPU-bound competitor that never sleeps), started before the loaded rows and killed (by its own
 * pid) after them; each also stops by itself after LOAD_MAX_MS or when this process is gone, so a crashed bench
 * leaves nothing spinning. Rows run interleaved (kit variants, then the peer, for each phase), twice, quiet and
 * loaded alternating, and each row records the 1-min load average at its start: this machine is shared, so the
 * "quiet" phase is whatever the other jobs leave. Writes the `contention` section of bench/RESULTS.md.
 *
 * Kit variants: the default (oneDNN's OpenMP threads = the cores; a passive wait when the load exceeds the cores
 * as the addon loads, src/backend/omp-wait.ts), libgomp's own default wait (spin ~300k iterations, then sleep;
 * GOMP_SPINCOUNT=300000 turns the kit's choice off), OMP_WAIT_POLICY=passive (threads sleep at once between
 * parallel regions), and one thread. The peer runs with the cores' threads and with one.
 */
import { ChildProcess, spawn } from 'child_process';
import * as os from 'os';
import { coreCount } from '../src/engine/parallel/worker-count';
import { avx512Flags } from './machine-flags';
import { MODELS, PeerResult, runKit, runPeer } from './suite';
import type { KitRunSpec } from './kit-run';

/** A busy loop stops by itself after this long even if nobody kills it. */
const LOAD_MAX_MS = 30 * 60 * 1000;

/** One busy-loop process per core; each exits when its parent (this process) is gone or after LOAD_MAX_MS. */
export function startBackgroundLoad(processes: number): ChildProcess[] {
  const code = `const end = Date.now() + ${LOAD_MAX_MS}; const parent = process.ppid; let i = 0; for (;;) { if (++i % 1e7 === 0 && (Date.now() > end || process.ppid !== parent)) break; }`;
  return Array.from({ length: processes }, () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' }));
}

export function stopBackgroundLoad(children: ChildProcess[]): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

interface Variant {
  label: string;
  side: 'kit' | 'peer';
  threads: number;
  env: NodeJS.ProcessEnv;
}

interface Measurement {
  variant: Variant;
  loaded: boolean;
  round: number;
  load: number;
  imgPerSec: number | null;
  error?: string;
}

const fmt = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

export function runContention(log: (line: string) => void, opts: { rounds?: number; steps?: number } = {}): { ok: boolean; markdown: string } {
  const cores = coreCount();
  const rounds = opts.rounds ?? 2;
  const steps = opts.steps ?? 3;
  const { features, blocks, label } = MODELS.cpu;
  const batch = 8;
  const variants: Variant[] = [
    { label: `kit, ${cores} threads (default: passive wait when the load exceeds the cores)`, side: 'kit', threads: cores, env: {} },
    { label: `kit, ${cores} threads, GOMP_SPINCOUNT=300000 (libgomp's default wait)`, side: 'kit', threads: cores, env: { GOMP_SPINCOUNT: '300000' } },
    { label: `kit, ${cores} threads, OMP_WAIT_POLICY=passive`, side: 'kit', threads: cores, env: { OMP_WAIT_POLICY: 'passive' } },
    { label: 'kit, 1 thread', side: 'kit', threads: 1, env: {} },
    { label: `PyTorch, ${cores} threads`, side: 'peer', threads: cores, env: {} },
    { label: 'PyTorch, 1 thread', side: 'peer', threads: 1, env: {} },
  ];
  const measure = (v: Variant, loaded: boolean, round: number): Measurement => {
    const load = os.loadavg()[0];
    log(`contention round ${round} ${loaded ? 'loaded' : 'quiet'}: ${v.label} (load ${load.toFixed(2)}) …`);
    if (v.side === 'kit') {
      const spec: KitRunSpec = { features, blocks, backend: 'wasm', batch, trainSteps: steps, inferSteps: 0, workers: 1, threads: v.threads };
      const r = runKit(spec, v.env);
      return 'error' in r
        ? { variant: v, loaded, round, load, imgPerSec: null, error: r.error }
        : { variant: v, loaded, round, load, imgPerSec: r.trainImgPerSec };
    }
    const args = [
      '--bench',
      '--features',
      String(features),
      '--blocks',
      String(blocks),
      '--batch',
      String(batch),
      '--steps',
      String(steps),
      '--threads',
      String(v.threads),
    ];
    const r = runPeer(args, v.env);
    return r.ok
      ? { variant: v, loaded, round, load, imgPerSec: (r.json as PeerResult).trainImgPerSec }
      : { variant: v, loaded, round, load, imgPerSec: null, error: r.error };
  };
  const results: Measurement[] = [];
  let background: ChildProcess[] = [];
  const stop = (): void => stopBackgroundLoad(background);
  process.once('exit', stop);
  try {
    for (let round = 1; round <= rounds; round++) {
      // Alternate which phase comes first, so a drift in the machine's other load does not favour one phase.
      const phases = round % 2 === 1 ? [false, true] : [true, false];
      for (const loaded of phases) {
        if (loaded) background = startBackgroundLoad(cores);
        try {
          for (const v of variants) {
            const m = measure(v, loaded, round);
            log(`  ${fmt(m.imgPerSec)} img/s${m.error ? ` (${m.error})` : ''}`);
            results.push(m);
          }
        } finally {
          stop();
          background = [];
        }
      }
    }
  } finally {
    stop();
    process.removeListener('exit', stop);
  }
  return { ok: results.every((r) => r.error === undefined), markdown: report(results, { cores, rounds, steps, label, batch }) };
}

function report(results: Measurement[], o: { cores: number; rounds: number; steps: number; label: string; batch: number }): string {
  const meanOf = (xs: (number | null)[]): number | null => {
    const ok = xs.filter((x): x is number => x !== null);
    return ok.length === xs.length && ok.length > 0 ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
  };
  const variants = [...new Set(results.map((r) => r.variant))];
  const lines = [
    `## Training under contention, ${o.label}, batch ${o.batch}: kit and PyTorch with and without a background load`,
    '',
    `Written by \`npm run bench -- --contention\` (\`bench/contention.ts\`). Date: ${new Date().toISOString()}. ${os.cpus()[0]?.model ?? 'CPU'}, ${o.cores} cores; AVX-512: ${avx512Flags()}.`,
    `Background load = ${o.cores} busy-loop Node processes (one per core, never sleeping) for the loaded rows. Each cell: train img/s over ${o.steps} steps after one warm-up, each row in its own process; ${o.rounds} rounds, quiet and loaded alternating (odd rounds quiet first, even rounds loaded first), the 1-min load average at the row's start in brackets. "Quiet" is what the other jobs on this shared machine leave. Slowdown = mean quiet img/s ÷ mean loaded img/s (1.00 = no slowdown); the kit's should be no worse than PyTorch's.`,
    '',
    `| variant | ${Array.from({ length: o.rounds }, (_, i) => `round ${i + 1} quiet | round ${i + 1} loaded`).join(' | ')} | mean quiet | mean loaded | **slowdown** |`,
    `|---|${Array.from({ length: o.rounds * 2 }, () => '---').join('|')}|---|---|---|`,
  ];
  for (const v of variants) {
    const mine = results.filter((r) => r.variant === v);
    const cell = (round: number, loaded: boolean): string => {
      const m = mine.find((r) => r.round === round && r.loaded === loaded);
      return m === undefined ? '–' : m.error ? `failed (load ${m.load.toFixed(1)})` : `${fmt(m.imgPerSec)} (${m.load.toFixed(1)})`;
    };
    const quiet = meanOf(mine.filter((r) => !r.loaded).map((r) => r.imgPerSec));
    const loaded = meanOf(mine.filter((r) => r.loaded).map((r) => r.imgPerSec));
    const cells = Array.from({ length: o.rounds }, (_, i) => `${cell(i + 1, false)} | ${cell(i + 1, true)}`).join(' | ');
    lines.push(`| ${v.label} | ${cells} | ${fmt(quiet)} | ${fmt(loaded)} | **${quiet !== null && loaded ? `${(quiet / loaded).toFixed(2)}×` : '–'}** |`);
  }
  const failures = results.filter((r) => r.error);
  if (failures.length) lines.push('', ...failures.map((f) => `- failed: ${f.variant.label}, round ${f.round} ${f.loaded ? 'loaded' : 'quiet'}: ${f.error}`));
  return lines.join('\n');
}
