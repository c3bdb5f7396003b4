/**
 * `jasr bench --memory`: peak memory of training the paper-era model (256/16, experiments/jasrnet-paper.json) per
 * batch size, whole batches against gradient accumulation over micro-batches (train.microBatch,
 * src/engine/accumulate.ts). Each row is one cold train step (forward, backward, Adam) in its own process
 * (bench/kit-run.ts), so its peak RSS is its own and running out of wasm memory fails that row only. The wasm
 * heap is wasm32 (4 GiB at most) and only grows, so its final size is the row's peak. Writes the `memory`
 * section of bench/RESULTS.md.
 */
import * as os from 'os';
import { coreCount } from '../src/engine/parallel/worker-count';
import { MODELS, runKit } from './suite';
import { avx512Flags } from './machine-flags';
import type { KitRunSpec } from './kit-run';

export interface MemoryRow {
  batch: number;
  microBatch?: number;
}

/** Whole batches 2 and 4 (the wasm32 ceiling), then batches 2, 4, 8 as micro-batches of 2. */
export const MEMORY_ROWS: MemoryRow[] = [{ batch: 2 }, { batch: 4 }, { batch: 4, microBatch: 2 }, { batch: 8, microBatch: 2 }];

/** '2,4,8/2' → whole batches 2 and 4, batch 8 as micro-batches of 2 (`jasr bench --memory --rows …`). */
export function parseMemoryRows(text: string): MemoryRow[] {
  return text.split(',').map((item) => {
    const m = /^\s*(\d+)(?:\/(\d+))?\s*$/.exec(item);
    if (m === null || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1))
      throw new Error(`--rows: expected batch or batch/microBatch (e.g. 8/2), found '${item}'`);
    return m[2] === undefined ? { batch: Number(m[1]) } : { batch: Number(m[1]), microBatch: Number(m[2]) };
  });
}

const fmt = (x: number | null | undefined, digits = 0): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/**
 * The row's reason in one phrase: the child's last stderr line (bench/kit-run.ts ends with the error message). A
 * tensor the wasm heap cannot hold is named by src/backend/wasm-heap-guard.ts; an emscripten abort() during a step
 * of a batch that the accumulated rows train is the same limit hit by an allocation inside the wasm module.
 */
function failureReason(error: string): string {
  const last = (error.split(' / ').pop() ?? error).replace(/\|/g, '/').slice(0, 200);
  if (/wasm heap exhausted/.test(last)) return last.replace(/^kit run failed: /, '');
  return /Aborted\(\)/.test(last) ? `wasm heap exhausted (the backend aborted while allocating: \`${last}\`)` : last;
}

export function runMemory(log: (line: string) => void, rows: MemoryRow[] = MEMORY_ROWS): { ok: boolean; markdown: string } {
  const { features, blocks, label } = MODELS.paper;
  const threads = coreCount();
  const lines = [
    `## Memory per batch size, ${label}, with and without gradient accumulation`,
    '',
    `Written by \`npm run bench -- --memory${rows === MEMORY_ROWS ? '' : ` --rows ${rows.map((r) => (r.microBatch ? `${r.batch}/${r.microBatch}` : r.batch)).join(',')}`}\` (\`bench/memory.ts\`). Date: ${new Date().toISOString()}. ${os.cpus()[0]?.model ?? 'CPU'}, ${threads} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; AVX-512: ${avx512Flags()}.`,
    "One cold train step per row (forward + backward + Adam; random 128 px faces), one replica with the oneDNN convs on every core, each row in its own process. `micro-batch` = train.microBatch: the batch is cut into passes of that many images whose gradients are summed, weighted by their share of the batch, before the one Adam step (the same update as the whole batch: test/train-accumulate.test.ts). wasm heap = the main thread's wasm linear memory at the end (it never shrinks, so it is the peak; the limit is 4,096 MB, wasm32). The step time is only indicative: the 1-min load average is in each row.",
    '',
    '| batch | micro-batch | passes | load | peak RSS MB | wasm heap MB (of 4,096) | step s | result |',
    '|---|---|---|---|---|---|---|---|',
  ];
  let ok = true;
  for (const row of rows) {
    const load = os.loadavg()[0];
    log(`memory: ${label} batch ${row.batch}${row.microBatch ? ` as micro-batches of ${row.microBatch}` : ''} (load ${load.toFixed(2)}) …`);
    const spec: KitRunSpec = {
      features,
      blocks,
      backend: 'wasm',
      batch: row.batch,
      microBatch: row.microBatch,
      trainSteps: 1,
      inferSteps: 0,
      cold: true,
      workers: 1,
      threads,
    };
    const r = runKit(spec);
    const passes = row.microBatch ? Math.ceil(row.batch / row.microBatch) : 1;
    if ('error' in r) {
      // Whole batches above the wasm32 ceiling are expected to fail; accumulated ones are not.
      if (row.microBatch) ok = false;
      lines.push(`| ${row.batch} | ${row.microBatch ?? '– (whole)'} | ${passes} | ${load.toFixed(2)} | – | – | – | **failed**: ${failureReason(r.error)} |`);
      log(`  failed: ${r.error}`);
      continue;
    }
    lines.push(
      `| ${row.batch} | ${row.microBatch ?? '– (whole)'} | ${passes} | ${load.toFixed(2)} | ${fmt(r.peakRssMB)} | ${fmt(r.wasmHeapMB)} | ${fmt(r.trainStepMs[0] / 1000, 1)} | trained |`,
    );
    log(`  peak RSS ${fmt(r.peakRssMB)} MB, wasm heap ${fmt(r.wasmHeapMB)} MB, step ${fmt(r.trainStepMs[0] / 1000, 1)} s`);
  }
  return { ok, markdown: lines.join('\n') };
}
