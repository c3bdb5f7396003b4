/**
 * The benchmark behind `jasr bench` / `npm run bench`: kit (TF.js) and PyTorch peer, same architecture and
 * shapes, run interleaved row by row in one invocation so that load on a shared machine hits both alike. With
 * --rounds N every row runs N times, the rounds one after another over the whole plan (so a slow minute of the
 * machine hits one round of every row rather than every round of one row), and a row reports the medians and the
 * median of its per-round kit/PyTorch ratios with their range.
 * Each kit row runs in its own process (bench/kit-run.ts) for a clean peak RSS and so that running out of
 * memory fails that row only. Writes a Markdown report (bench/RESULTS.md by default).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendName } from '../src/backend';
import { DEFAULT_MODEL_CONFIG } from '../src/model/config';
import { countParams, macsPerImage } from '../src/model/count';
import { loadExperiment } from '../src/config/load';
import { EXPERIMENTS_DIR } from '../src/config/tables';
import { coreCount } from '../src/engine/parallel/worker-count';
import type { KitRunResult, KitRunSpec } from './kit-run';
import { writeFileAtomic } from '../src/core/atomic-write';
import { sectionsOf } from './results-section';
import { median } from './median';

export const MODEL_KEYS = ['cpu', 'default', 'paper'] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];
/** The CPU-sized model is whatever `npm start` trains (experiments/cpu/jasrnet.json), so the bench follows the recipe. */
const CPU_MODEL = loadExperiment(path.join(EXPERIMENTS_DIR, 'cpu', 'jasrnet.json')).model;
const CPU_LABEL = `CPU-sized ${CPU_MODEL.features}/${CPU_MODEL.trunkBlocks}`;

export const MODELS: Record<ModelKey, { features: number; blocks: number; label: string }> = {
  cpu: { features: CPU_MODEL.features, blocks: CPU_MODEL.trunkBlocks, label: CPU_LABEL },
  default: { features: 128, blocks: 32, label: 'released default 128/32' },
  paper: { features: 256, blocks: 16, label: 'paper-era 256/16' },
};

export interface SuiteOptions {
  quick: boolean;
  models: ModelKey[];
  backends: BackendName[];
  peer: boolean;
  /** Times each row runs (default 1); ratios are the median of the per-round ratios. */
  rounds?: number;
  /** Markdown report path; null = do not write. */
  out: string | null;
  log: (line: string) => void;
}

const ROOT = path.join(__dirname, '..');
const PYTHON = '/usr/bin/python3';
const PEER = path.join(ROOT, 'bench', 'peer', 'jasrnet_torch.py');

export interface PeerResult {
  trainImgPerSec: number;
  inferImgPerSec: number;
  threads: number;
  torchVersion: string;
  params: number;
}

/** One run of a row: the kit, then the peer right after it. */
interface RoundRun {
  kit: KitRunResult | { error: string };
  peer: PeerResult | { error: string } | null;
  loadAvg: number;
}

interface Row {
  model: ModelKey;
  spec: KitRunSpec;
  /** Runs in round order; the first holds what a single-round bench reported. */
  runs: RoundRun[];
}

function lastJson<T>(stdout: string): T {
  const line =
    stdout
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop() ?? '';
  return JSON.parse(line) as T;
}

function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' / ');
}

/** `env`: extra environment of the row's process (e.g. OMP_WAIT_POLICY for bench/contention.ts). */
export function runKit(spec: KitRunSpec, env: NodeJS.ProcessEnv = {}): KitRunResult | { error: string } {
  const r = spawnSync(
    process.execPath,
    ['--max-old-space-size=8192', '-r', require.resolve('tsx/cjs'), path.join(__dirname, 'kit-run.ts'), JSON.stringify(spec)],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
      env: { ...process.env, ...env },
    },
  );
  if (r.status !== 0) return { error: `exit ${r.status ?? r.signal}: ${tail(r.stderr)}` };
  return lastJson<KitRunResult>(r.stdout);
}

export function runPeer(args: string[], env: NodeJS.ProcessEnv = {}): { ok: true; json: unknown; error?: undefined } | { ok: false; error: string } {
  const r = spawnSync(PYTHON, [PEER, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 2 ** 20, env: { ...process.env, ...env } });
  if (r.error) return { ok: false, error: `${PYTHON} did not start: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, error: `exit ${r.status}: ${tail(r.stderr)}` };
  return { ok: true, json: lastJson(r.stdout) };
}

function plan(o: SuiteOptions, cores: number): { model: ModelKey; spec: KitRunSpec; peer: boolean }[] {
  const rows: { model: ModelKey; spec: KitRunSpec; peer: boolean }[] = [];
  const steps = o.quick ? 2 : 4;
  for (const model of o.models) {
    const { features, blocks } = MODELS[model];
    const base = { features, blocks, backend: 'wasm' as BackendName };
    if (o.backends.includes('wasm')) {
      // 'auto' trains one replica on every core with the oneDNN addon, one replica per core on XNNPACK: both are
      // here, beside one thread against one thread and data parallelism with oneDNN.
      if (model === 'cpu') {
        const batch8 = { ...base, batch: 8, trainSteps: steps, inferSteps: steps };
        for (const convs of ['onednn', 'xnnpack'] as const) rows.push({ model, spec: { ...batch8, workers: 1, threads: 1, convs }, peer: true });
        if (cores > 1) {
          rows.push({ model, spec: { ...batch8, workers: 1, threads: cores, convs: 'onednn' }, peer: true });
          for (const convs of ['onednn', 'xnnpack'] as const) rows.push({ model, spec: { ...batch8, workers: cores, threads: cores, convs }, peer: true });
        }
        if (!o.quick) rows.push({ model, spec: { ...base, batch: 2, trainSteps: steps, inferSteps: steps, workers: 1, threads: cores }, peer: true });
      } else {
        // One warm-up step first, as the peer does (the paper-era model ran cold when a step took minutes on XNNPACK).
        const big = model === 'default' ? { trainSteps: 2, inferSteps: 2 } : { trainSteps: 1, inferSteps: 1 };
        for (const threads of o.quick ? [cores] : [...new Set([1, cores])])
          rows.push({ model, spec: { ...base, ...big, batch: 2, workers: 1, threads }, peer: true });
      }
    }
    // The cpu backend: inference only, small model only. Its stock Conv2DBackpropFilter takes minutes per layer
    // (platform-notes §1.2; a 32/4 batch-2 step ran > 7 min here and was stopped), so no training row.
    if (o.backends.includes('cpu') && model === 'cpu')
      rows.push({ model, spec: { ...base, backend: 'cpu', batch: 1, trainSteps: 0, inferSteps: 1, workers: 1, cold: true }, peer: false });
  }
  return rows;
}

const fmt = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const isOk = <T extends object>(r: T | { error: string } | null): r is T => r !== null && !('error' in r);

export interface SuiteResult {
  ok: boolean;
  markdown: string;
}

export async function runSuite(o: SuiteOptions): Promise<SuiteResult> {
  const cores = coreCount();
  const date = new Date().toISOString();
  const loadBefore = os.loadavg();
  const failures: string[] = [];

  // Parameter counts: the peer must build exactly the kit's network.
  const countLines: string[] = [];
  for (const m of o.models) {
    const { features, blocks, label } = MODELS[m];
    const kit = countParams({ ...DEFAULT_MODEL_CONFIG, features, trunkBlocks: blocks });
    let peerText = 'not run (--no-peer)';
    if (o.peer) {
      const r = runPeer(['--count', '--features', String(features), '--blocks', String(blocks)]);
      if (!r.ok) {
        failures.push(`peer --count for ${label}: ${r.error}`);
        peerText = `error: ${r.error}`;
      } else {
        const p = r.json as { totalParams: number; trainableParams: number };
        const same = p.totalParams === kit.officialTotalParams && p.trainableParams === kit.trainableParams;
        if (!same)
          failures.push(
            `${label}: parameter counts differ (kit ${kit.officialTotalParams}/${kit.trainableParams}, PyTorch ${p.totalParams}/${p.trainableParams})`,
          );
        peerText = `${p.totalParams.toLocaleString('en')} (trainable ${p.trainableParams.toLocaleString('en')})${same ? '' : ' **MISMATCH**'}`;
      }
    }
    countLines.push(
      `| ${label} | ${(kit.officialTotalParams ?? kit.totalParams).toLocaleString('en')} (trainable ${kit.trainableParams.toLocaleString('en')}) | ${peerText} | ${((2 * macsPerImage({ ...DEFAULT_MODEL_CONFIG, features, trunkBlocks: blocks })) / 1e9).toFixed(2)} |`,
    );
    o.log(`params ${label}: kit ${kit.officialTotalParams} / peer ${peerText}`);
  }

  // Peaks.
  const kitPeak = { xnnpack: runKitPeak('xnnpack'), onednn: runKitPeak('onednn') };
  const torchPeak = o.peer ? runTorchPeak(cores) : null;
  o.log(
    `peak per thread (conv): XNNPACK ${fmt(kitPeak.xnnpack?.convGflops, 1)}, oneDNN ${fmt(kitPeak.onednn?.convGflops, 1)} GFLOP/s; PyTorch ${fmt(torchPeak?.gflops, 1)} GFLOP/s on ${cores} threads`,
  );

  const planned = plan(o, cores);
  const rows: Row[] = planned.map((p) => ({ model: p.model, spec: p.spec, runs: [] }));
  const rounds = Math.max(1, o.rounds ?? 1);
  for (let round = 1; round <= rounds; round++) {
    planned.forEach((p, i) => {
      const run = runRow(o, p, round, rounds, failures);
      rows[i].runs.push(run);
    });
  }

  // Single tiny face, batch 1, CPU-sized model: the real-time target.
  let latency: { kit: KitRunResult | { error: string }; peer: PeerResult | { error: string } | null } | null = null;
  if (o.models.includes('cpu') && o.backends.includes('wasm')) {
    const { features, blocks } = MODELS.cpu;
    const kit = runKit({ features, blocks, batch: 1, trainSteps: 0, inferSteps: o.quick ? 10 : 30, backend: 'wasm', workers: 1 });
    const r = o.peer
      ? runPeer(['--bench', '--features', String(features), '--blocks', String(blocks), '--batch', '1', '--steps', o.quick ? '10' : '30', '--threads', '1'])
      : null;
    latency = { kit, peer: r === null ? null : r.ok ? (r.json as PeerResult) : { error: r.error } };
    o.log(
      `single face (batch 1, ${CPU_LABEL}): kit ${isOk(kit) ? fmt(kit.inferImgPerSec, 1) : kit.error} faces/s; peer (1 thread) ${isOk(latency.peer) ? fmt(latency.peer.inferImgPerSec, 1) : '–'}`,
    );
  }

  const markdown = report({
    date,
    cores,
    loadBefore,
    loadAfter: os.loadavg(),
    countLines,
    kitPeak,
    torchPeak,
    rows,
    rounds,
    latency,
    failures,
    quick: o.quick,
  });
  // The sections other bench modes own (enhance, memory, contention) stay below the rewritten main part.
  if (o.out) {
    const kept = fs.existsSync(o.out) ? sectionsOf(fs.readFileSync(o.out, 'utf8')) : [];
    writeFileAtomic(o.out, [markdown.trimEnd(), ...kept].join('\n\n') + '\n');
  }
  return { ok: failures.every((f) => !f.includes('parameter counts differ') && !f.startsWith('peer --count')), markdown };
}

/** One round of one row: the kit in its own process, then the peer with the same threads and steps. */
function runRow(o: SuiteOptions, p: { model: ModelKey; spec: KitRunSpec; peer: boolean }, round: number, rounds: number, failures: string[]): RoundRun {
  const loadAvg = os.loadavg()[0];
  const label = MODELS[p.model].label;
  o.log(
    `${rounds > 1 ? `round ${round}/${rounds}: ` : ''}kit ${label} ${p.spec.backend}${p.spec.convs === 'xnnpack' ? ' (XNNPACK convs)' : ''} batch ${p.spec.batch} workers ${p.spec.workers} threads ${p.spec.threads ?? p.spec.workers} (load ${loadAvg.toFixed(2)}) …`,
  );
  const kit = runKit(p.spec);
  const where = `${label} batch ${p.spec.batch}${rounds > 1 ? ` (round ${round})` : ''}`;
  if (!isOk(kit)) failures.push(`kit ${where}: ${kit.error}`);
  let peer: RoundRun['peer'] = null;
  if (o.peer && p.peer) {
    const threads = p.spec.threads ?? (isOk(kit) ? kit.replicas : p.spec.workers);
    const steps = String(Math.max(1, p.spec.trainSteps));
    const r = runPeer([
      '--bench',
      '--features',
      String(p.spec.features),
      '--blocks',
      String(p.spec.blocks),
      '--batch',
      String(p.spec.batch),
      '--steps',
      steps,
      '--threads',
      String(threads),
    ]);
    peer = r.ok ? (r.json as PeerResult) : { error: r.error };
    if (!r.ok) failures.push(`peer ${where}: ${r.error}`);
  }
  o.log(
    `  kit train ${isOk(kit) ? fmt(kit.trainImgPerSec) : kit.error} img/s, infer ${isOk(kit) ? fmt(kit.inferImgPerSec) : '–'}; peer train ${isOk(peer) ? fmt(peer.trainImgPerSec) : '–'}, infer ${isOk(peer) ? fmt(peer.inferImgPerSec) : '–'}`,
  );
  return { kit, peer, loadAvg };
}

/** One thread's peak on wasm with the given conv path (XNNPACK, or the oneDNN addon with one OpenMP thread). */
function runKitPeak(convs: 'onednn' | 'xnnpack'): KitPeak | null {
  const code = `require('./src/backend').initBackend({force:'wasm',quiet:true}).then((b)=>require('./bench/wasm-peak').measurePeak().then(r=>console.log(JSON.stringify({...r, active: b.nativeConv && b.nativeConv.active}))))`;
  const env = { ...process.env, [convs === 'xnnpack' ? 'JASR_NATIVE_KERNELS' : 'JASR_NATIVE_THREADS']: convs === 'xnnpack' ? '0' : '1' };
  const r = spawnSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', code], { cwd: ROOT, encoding: 'utf8', env });
  if (r.status !== 0) return null;
  const peak = lastJson<KitPeak & { active: boolean }>(r.stdout);
  // Without the addon the 'onednn' run measured XNNPACK again: no oneDNN peak to report.
  return convs === 'onednn' && !peak.active ? null : peak;
}

interface KitPeak {
  matmulGflops: number;
  convGflops: number;
}

function runTorchPeak(threads: number): { gflops: number; torchVersion: string } | null {
  const r = spawnSync(PYTHON, [path.join(__dirname, 'torch_peak.py'), String(threads)], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? lastJson(r.stdout) : null;
}

interface ReportInput {
  date: string;
  cores: number;
  loadBefore: number[];
  loadAfter: number[];
  countLines: string[];
  kitPeak: { xnnpack: KitPeak | null; onednn: KitPeak | null };
  torchPeak: { gflops: number; torchVersion: string } | null;
  rows: Row[];
  rounds: number;
  latency: { kit: KitRunResult | { error: string }; peer: PeerResult | { error: string } | null } | null;
  failures: string[];
  quick: boolean;
}

function report(r: ReportInput): string {
  const tfjsVersion = (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  // Machine peak of a row's conv path: one thread's conv peak × the cores.
  const machinePeakOf = (convs: 'onednn' | 'xnnpack'): number | null => {
    const peak = r.kitPeak[convs];
    return peak ? peak.convGflops * r.cores : null;
  };
  const lines: string[] = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${r.quick ? ' -- --quick' : ''}\` (\`bench/command.ts\`, \`bench/suite.ts\`). Date: ${r.date}.`,
    '',
    `- Machine: ${cpu}, ${r.cores} cores (os.availableParallelism), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}.`,
    `- Load average (1/5/15 min) before: ${r.loadBefore.map((x) => x.toFixed(2)).join(' / ')}; after: ${r.loadAfter.map((x) => x.toFixed(2)).join(' / ')}. Each row shows the 1-min load when it started: this machine is shared, so compare kit and peer within a row (they ran back to back).`,
    `- Software: Node ${process.version}, @tensorflow/tfjs ${tfjsVersion} (wasm SIMD, one JS thread per replica; convs on the oneDNN addon, native/cpu-kernels, where it is built, else XNNPACK), PyTorch ${r.torchPeak?.torchVersion ?? 'not run'}.`,
    `- Measured peak, one thread, 3×3 128→128 conv (64×64, batch 4): wasm/XNNPACK ${fmt(r.kitPeak.xnnpack?.convGflops, 1)} GFLOP/s (1024³ matmul ${fmt(r.kitPeak.xnnpack?.matmulGflops, 1)}), wasm + oneDNN addon ${r.kitPeak.onednn ? `${fmt(r.kitPeak.onednn.convGflops, 1)} GFLOP/s` : 'not built'}; machine peak per path = one thread's × ${r.cores} cores (XNNPACK ${fmt(machinePeakOf('xnnpack'), 1)}, oneDNN ${fmt(machinePeakOf('onednn'), 1)} GFLOP/s). PyTorch on the same conv with ${r.cores} threads: ${fmt(r.torchPeak?.gflops, 1)} GFLOP/s.`,
    '',
    '## Parameters (kit `countParams` vs the PyTorch peer; the bench fails if they differ)',
    '',
    '| model | kit total | PyTorch total | forward GFLOP / image (2 × conv MACs, 128 px) |',
    '|---|---|---|---|',
    ...r.countLines,
    '',
    '## Throughput (images/s), kit vs PyTorch on the same shapes, interleaved',
    '',
    r.rounds > 1
      ? `Each row ran ${r.rounds} times, in ${r.rounds} rounds over the whole table (kit, then the peer right after it, each in its own process). Cells are medians over the rounds; load is the range of the 1-min load at the rounds' starts; kit/PyTorch is the median of the ${r.rounds} per-round ratios, with their range in brackets (with ${r.rounds} rounds the range is the interval to read: a ratio whose range includes 1.00 is within this machine's noise).`
      : 'One round: each cell is a single run (`--rounds N` repeats every row N times and reports medians and the range of the per-round ratios).',
    '',
    "Train step = loss + gradients + Adam update; FLOPs per trained image are taken as 3 × forward (forward + two backward convs). Threads = CPU threads of the row: the peer gets as many, and the kit splits them over its replicas (inference runs on the main thread with all of them). What training uses by default (`train.workers` 'auto'): with the oneDNN addon one replica with every thread, without it (XNNPACK) one replica per core.",
    '',
    '| model | backend | convs | batch | replicas | threads | load | kit train img/s | PyTorch train img/s | **kit/PyTorch train** | kit infer img/s | PyTorch infer img/s | **kit/PyTorch infer** | kit train GFLOP/s (% machine peak) | peak RSS MB | wasm heap MB (main) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of r.rows) {
    const m = MODELS[row.model];
    const flopsTrain = 3 * 2 * macsPerImage({ ...DEFAULT_MODEL_CONFIG, features: m.features, trunkBlocks: m.blocks });
    const loads = row.runs.map((run) => run.loadAvg);
    const load = loads.length > 1 ? `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}` : fmt(loads[0]);
    const kits = row.runs.map((run) => run.kit).filter(isOk);
    const peers = row.runs.map((run) => run.peer).filter(isOk);
    const peerTrain = medianOf(peers.map((p) => p.trainImgPerSec));
    const peerInfer = medianOf(peers.map((p) => p.inferImgPerSec));
    const k = kits[0];
    if (k === undefined) {
      const first = row.runs[0].kit;
      lines.push(
        `| ${m.label} | ${row.spec.backend} | ${row.spec.convs ?? 'onednn'} | ${row.spec.batch} | ${row.spec.workers} | ${row.spec.threads ?? row.spec.workers} | ${load} | **failed**: ${'error' in first ? first.error.replace(/\|/g, '/') : ''} | ${fmt(peerTrain)} | – | – | ${fmt(peerInfer)} | – | – | – | – |`,
      );
      continue;
    }
    const kitTrain = medianOf(kits.map((x) => x.trainImgPerSec));
    const kitInfer = medianOf(kits.map((x) => x.inferImgPerSec));
    const gflops = kitTrain === null ? null : (kitTrain * flopsTrain) / 1e9;
    const machinePeak = k.convPath.startsWith('oneDNN') ? machinePeakOf('onednn') : machinePeakOf('xnnpack');
    const pct = gflops !== null && machinePeak ? ` (${((100 * gflops) / machinePeak).toFixed(0)} %)` : '';
    const trainRatio = roundRatios(
      row.runs,
      (x) => x.trainImgPerSec,
      (p) => p.trainImgPerSec,
    );
    const inferRatio = roundRatios(
      row.runs,
      (x) => x.inferImgPerSec,
      (p) => p.inferImgPerSec,
    );
    const peerCell = (v: number | null): string => (v !== null ? fmt(v) : row.runs.some((run) => run.peer !== null) ? 'error' : '–');
    lines.push(
      `| ${m.label} | ${row.spec.backend} | ${k.convPath} | ${row.spec.batch} | ${k.replicas}${k.replicas < row.spec.workers ? ` (asked ${row.spec.workers})` : ''} | ${row.spec.threads ?? row.spec.workers} | ${load} | ${fmt(kitTrain)}${row.spec.cold ? ' (cold, 1 step)' : ''} | ${peerCell(peerTrain)} | ${trainRatio} | ${fmt(kitInfer)} | ${peerCell(peerInfer)} | ${inferRatio} | ${fmt(gflops, 1)}${pct} | ${fmt(Math.max(...kits.map((x) => x.peakRssMB)), 0)} | ${fmt(k.wasmHeapMB === null ? null : Math.max(...kits.map((x) => x.wasmHeapMB ?? 0)), 0)} |`,
    );
  }
  lines.push('', "Why a row stands where it does (where a step's time goes, what scales with threads, what was tried): docs/performance.md.");
  if (r.latency) {
    const k = r.latency.kit;
    const p = r.latency.peer;
    lines.push(
      '',
      `## Single tiny face (batch 1, ${CPU_LABEL}, inference, one thread)`,
      '',
      isOk(k)
        ? `Kit (${k.convPath}): median ${fmt(upperMedian(k.inferMs), 1)} ms → **${fmt(k.inferImgPerSec, 1)} faces/s** (target ≥ 30). PyTorch (1 thread): ${isOk(p) ? `${fmt(p.inferImgPerSec, 1)} faces/s` : 'not run'}.`
        : `Kit failed: ${k.error}`,
    );
  }
  const notes = [...new Set(r.rows.flatMap((row) => row.runs.map((run) => (isOk(run.kit) ? run.kit.note : null))).filter((n): n is string => n !== null))];
  if (notes.length) lines.push('', '## Engine notes', '', ...notes.map((n) => `- ${n}`));
  if (r.failures.length) lines.push('', '## Failures', '', ...r.failures.map((f) => `- ${f}`));
  lines.push('');
  return lines.join('\n');
}

/** The median of the values that exist; null when none does. */
function medianOf(xs: (number | null | undefined)[]): number | null {
  const present = xs.filter((x): x is number => x !== null && x !== undefined && Number.isFinite(x));
  return present.length === 0 ? null : median(present);
}

/** The kit/PyTorch cell: the median of the per-round ratios, with their range when there are several rounds. */
function roundRatios(runs: RoundRun[], kit: (k: KitRunResult) => number | null, peer: (p: PeerResult) => number): string {
  const ratios = runs.flatMap((run) => {
    const k = isOk(run.kit) ? kit(run.kit) : null;
    const p = isOk(run.peer) ? peer(run.peer) : null;
    return k !== null && p ? [k / p] : [];
  });
  const mid = medianOf(ratios);
  if (mid === null) return '–';
  return ratios.length > 1 ? `**${mid.toFixed(2)}×** (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : `**${mid.toFixed(2)}×**`;
}

/** The upper middle value (the latency line has printed this since before --rounds; kept so it reads the same). */
function upperMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
