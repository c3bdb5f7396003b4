/**
 * `jasr bench --layouts`: training throughput of the kit with its oneDNN convs in NHWC (JASR_CONV_LAYOUT=nhwc,
 * what the kit did before native/cpu-kernels/conv-layout.h) and in the automatic layout (the default), beside
 * the PyTorch peer, row by row in one run: for each model and thread count the three run back to back, each in
 * its own process, and each records the 1-min load at its start. The machine may be shared, so what carries
 * information is the ratios within a row: kit/PyTorch for each layout and auto/NHWC. Writes the `conv-layout`
 * section of bench/RESULTS.md (the main table stays the full bench's).
 */
import * as os from 'os';
import { CONV_LAYOUT_ENV_VAR } from '../src/backend/native-addon';
import { coreCount } from '../src/engine/parallel/worker-count';
import { avx512Flags } from './machine-flags';
import { MODELS, ModelKey, PeerResult, runKit, runPeer } from './suite';
import type { KitRunResult, KitRunSpec } from './kit-run';

// Three significant digits: the paper-era model trains at a few hundredths of an image per second on a busy machine.
const fmt = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toPrecision(3));

interface Cell {
  imgPerSec: number | null;
  load: number;
  error?: string;
}

interface LayoutRow {
  model: ModelKey;
  batch: number;
  threads: number;
  nhwc: Cell;
  auto: Cell;
  peer: Cell;
}

/** The rows: the CPU-sized model at batch 8, the released and paper-era ones at batch 2, each at 1 and all cores. */
function plan(models: ModelKey[], cores: number): KitRunSpec[] {
  const specs: KitRunSpec[] = [];
  for (const model of models) {
    const { features, blocks } = MODELS[model];
    const big = model !== 'cpu';
    for (const threads of [...new Set([1, cores])]) {
      specs.push({
        features,
        blocks,
        backend: 'wasm',
        workers: 1,
        threads,
        batch: big ? 2 : 8,
        // As the main bench: one warm-up step, then these (the paper-era model's step takes seconds).
        trainSteps: model === 'paper' ? 1 : model === 'default' ? 2 : 4,
        inferSteps: 1,
      });
    }
  }
  return specs;
}

function kitCell(spec: KitRunSpec, layout: 'nhwc' | 'auto'): Cell {
  const load = os.loadavg()[0];
  const r: KitRunResult | { error: string } = runKit(spec, { [CONV_LAYOUT_ENV_VAR]: layout });
  return 'error' in r ? { imgPerSec: null, load, error: r.error } : { imgPerSec: r.trainImgPerSec, load };
}

function peerCell(spec: KitRunSpec): Cell {
  const load = os.loadavg()[0];
  const args = ['--bench', '--features', String(spec.features), '--blocks', String(spec.blocks), '--batch', String(spec.batch)];
  const r = runPeer([...args, '--steps', String(Math.max(1, spec.trainSteps)), '--threads', String(spec.threads ?? 1)]);
  return r.ok ? { imgPerSec: (r.json as PeerResult).trainImgPerSec, load } : { imgPerSec: null, load, error: r.error };
}

const ratio = (a: number | null, b: number | null): string => (a !== null && b !== null && b > 0 ? `${(a / b).toFixed(2)}×` : '–');

export function runLayoutSuite(models: ModelKey[], log: (line: string) => void): { ok: boolean; markdown: string } {
  const cores = coreCount();
  const loadBefore = os.loadavg();
  const rows: LayoutRow[] = [];
  for (const spec of plan(models, cores)) {
    const model = (Object.keys(MODELS) as ModelKey[]).find((k) => MODELS[k].features === spec.features && MODELS[k].blocks === spec.blocks) ?? 'cpu';
    log(`${MODELS[model].label} batch ${spec.batch}, ${spec.threads} thread(s): kit NHWC, kit auto, PyTorch (load ${os.loadavg()[0].toFixed(2)}) …`);
    const nhwc = kitCell(spec, 'nhwc');
    const auto = kitCell(spec, 'auto');
    const peer = peerCell(spec);
    rows.push({ model, batch: spec.batch, threads: spec.threads ?? 1, nhwc, auto, peer });
    log(`  NHWC ${fmt(nhwc.imgPerSec)}, auto ${fmt(auto.imgPerSec)}, PyTorch ${fmt(peer.imgPerSec)} img/s`);
  }
  const failures = rows.flatMap((r) => [r.nhwc, r.auto, r.peer].filter((c) => c.error !== undefined).map((c) => `${MODELS[r.model].label}: ${c.error}`));
  const loadAfter = os.loadavg();
  const lines = [
    '## oneDNN conv layout: NHWC vs automatic (blocked on AVX2), kit vs PyTorch training',
    '',
    `Written by \`npm run bench -- --layouts\` (\`bench/layout-suite.ts\`). Date: ${new Date().toISOString()}. ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${cores} cores; AVX-512: ${avx512Flags()}.`,
    `Load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}; after: ${loadAfter.map((l) => l.toFixed(2)).join(' / ')}.`,
    'The CPU-sized model has 16 channels, so its auto layout is NHWC too (conv-layout.h): its two kit cells run the same code and show the noise of this machine. Per row, back to back, each in its own process after one warm-up step: the kit with JASR_CONV_LAYOUT=nhwc (the layout before native/cpu-kernels/conv-layout.h), the kit with the default (auto), the PyTorch peer (bench/peer/jasrnet_torch.py, same threads). Train img/s = batch × measured steps / their time (Adam update included); each cell gives the 1-min load at its start. Compare within a row: the machine was shared.',
    '',
    '| model | batch | threads | kit NHWC img/s (load) | kit auto img/s (load) | PyTorch img/s (load) | **kit NHWC / PyTorch** | **kit auto / PyTorch** | **auto / NHWC** |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${MODELS[r.model].label} | ${r.batch} | ${r.threads} | ${fmt(r.nhwc.imgPerSec)} (${r.nhwc.load.toFixed(2)}) | ${fmt(r.auto.imgPerSec)} (${r.auto.load.toFixed(2)}) | ${fmt(r.peer.imgPerSec)} (${r.peer.load.toFixed(2)}) | **${ratio(r.nhwc.imgPerSec, r.peer.imgPerSec)}** | **${ratio(r.auto.imgPerSec, r.peer.imgPerSec)}** | **${ratio(r.auto.imgPerSec, r.nhwc.imgPerSec)}** |`,
    ),
    ...(failures.length > 0 ? ['', 'Failures:', ...failures.map((f) => `- ${f.replace(/\|/g, '/')}`)] : []),
  ];
  return { ok: failures.length === 0, markdown: lines.join('\n') };
}
