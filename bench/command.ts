/** `jasr bench`: kit vs PyTorch throughput, memory and FLOPs (bench/suite.ts), written to bench/RESULTS.md. */
import * as path from 'path';
import { parseArgs, UsageError } from '../src/cli/args';
import type { Command } from '../src/cli/command';
import { BACKEND_NAMES, BackendName } from '../src/backend';
import { MODEL_KEYS, ModelKey, runSuite } from './suite';
import { parseMemoryRows, runMemory } from './memory';
import { runContention } from './contention';
import { runLayoutSuite } from './layout-suite';
import { writeSection } from './results-section';

export const command: Command = {
  name: 'bench',
  summary: 'Benchmark training/inference throughput, memory and FLOPs of the kit against the PyTorch peer',
  usage:
    'bench [--quick] [--models cpu,default,paper] [--backends wasm,cpu] [--rounds N] [--no-peer] [--out <file>] | bench --memory [--rows 2,4,4/2,8/2] [--out <file>] | bench --contention [--rounds N] [--out <file>] | bench --layouts [--models cpu,default,paper] [--out <file>]',
  options: {
    contention: { description: 'instead: kit and PyTorch training with and without a background load of one busy loop per core (bench/contention.ts)' },
    layouts: { description: 'instead: kit training with its oneDNN convs in NHWC and in the automatic layout, beside PyTorch (bench/layout-suite.ts)' },
    memory: { description: 'instead: peak RSS and wasm heap of the paper-era model per batch size, whole and as micro-batches (bench/memory.ts)' },
    rows: { value: true, placeholder: '<list>', description: 'with --memory: batch or batch/microBatch per row (default 2,4,4/2,8/2)' },
    quick: { description: 'fewer steps and rows (the CPU-sized model only unless --models says otherwise)' },
    models: { value: true, placeholder: '<list>', description: `comma-separated from ${MODEL_KEYS.join(', ')} (default: all; with --quick: cpu)` },
    backends: { value: true, placeholder: '<list>', description: 'comma-separated from wasm, cpu (default: wasm,cpu; cpu runs the CPU-sized model only)' },
    rounds: {
      value: true,
      placeholder: '<N>',
      description:
        'run every row N times, in N rounds over the table; report medians and the range of the per-round ratios (default 1; with --contention: quiet/loaded rounds, default 2)',
    },
    'no-peer': { description: 'skip the PyTorch peer (no ratios, no parameter-count check)' },
    out: { value: true, placeholder: '<file>', description: 'Markdown report (default bench/RESULTS.md; "-" = do not write)' },
  },
  details:
    "Each kit row runs in its own process; the peer (/usr/bin/python3 bench/peer/jasrnet_torch.py) runs right after it with threads = kit replicas. Exits 1 when the peer's parameter count differs from the kit's.",
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, command.options);
    const quick = args.flag('quick');
    const list = <T extends string>(name: string, known: readonly T[], fallback: T[]): T[] => {
      const raw = args.string(name);
      if (raw === undefined) return fallback;
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const i of items) if (!(known as readonly string[]).includes(i)) throw new UsageError(`--${name}: unknown '${i}' (known: ${known.join(', ')})`);
      return items as T[];
    };
    const models = list<ModelKey>('models', MODEL_KEYS, quick ? ['cpu'] : [...MODEL_KEYS]);
    const backends = list<BackendName>(
      'backends',
      BACKEND_NAMES.filter((b) => b !== 'tensorflow'),
      quick ? ['wasm'] : ['wasm', 'cpu'],
    );
    const roundsArg = args.string('rounds');
    const rounds = roundsArg === undefined ? undefined : Number(roundsArg);
    if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1 || rounds > 20))
      throw new UsageError(`--rounds: expected a whole number from 1 to 20, found '${roundsArg}'`);
    const outArg = args.string('out');
    const out = outArg === '-' ? null : path.resolve(outArg ?? path.join(__dirname, 'RESULTS.md'));
    if (args.flag('contention')) {
      const contention = runContention((l) => console.error(l), { rounds });
      console.log(contention.markdown);
      if (out) {
        writeSection(out, 'contention', contention.markdown);
        console.error(`wrote the contention section of ${out}`);
      }
      return contention.ok ? 0 : 1;
    }
    if (args.flag('layouts')) {
      const layouts = runLayoutSuite(models, (l) => console.error(l));
      console.log(layouts.markdown);
      if (out) {
        writeSection(out, 'conv-layout', layouts.markdown);
        console.error(`wrote the conv-layout section of ${out}`);
      }
      return layouts.ok ? 0 : 1;
    }
    if (args.flag('memory')) {
      const rows = args.string('rows');
      let parsed;
      try {
        parsed = rows === undefined ? undefined : parseMemoryRows(rows);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const memory = runMemory((l) => console.error(l), parsed);
      console.log(memory.markdown);
      if (out) {
        writeSection(out, 'memory', memory.markdown);
        console.error(`wrote the memory section of ${out}`);
      }
      return memory.ok ? 0 : 1;
    }
    const result = await runSuite({ quick, models, backends, peer: !args.flag('no-peer'), rounds: rounds ?? 1, out, log: (l) => console.error(l) });
    console.log(result.markdown);
    if (out) console.error(`wrote ${out}`);
    return result.ok ? 0 : 1;
  },
};
