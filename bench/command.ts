/** `jasr bench`: kit vs PyTorch throughput, memory and FLOPs (bench/suite.ts), written to bench/RESULTS.md. */
import * as path from 'path';
import { parseArgs, UsageError } from '../src/cli/args';
import type { Command } from '../src/cli/command';
import { BACKEND_NAMES, BackendName } from '../src/backend';
import { MODEL_KEYS, ModelKey, runSuite } from './suite';

export const command: Command = {
  name: 'bench',
  summary: 'Benchmark training/inference throughput, memory and FLOPs of the kit against the PyTorch peer',
  usage: 'bench [--quick] [--models cpu,default,paper] [--backends wasm,cpu] [--no-peer] [--out <file>]',
  options: {
    quick: { description: 'fewer steps and rows (the CPU-sized model only unless --models says otherwise)' },
    models: { value: true, placeholder: '<list>', description: `comma-separated from ${MODEL_KEYS.join(', ')} (default: all; with --quick: cpu)` },
    backends: { value: true, placeholder: '<list>', description: 'comma-separated from wasm, cpu (default: wasm,cpu; cpu runs the CPU-sized model only)' },
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
    const outArg = args.string('out');
    const out = outArg === '-' ? null : path.resolve(outArg ?? path.join(__dirname, 'RESULTS.md'));
    const result = await runSuite({ quick, models, backends, peer: !args.flag('no-peer'), out, log: (l) => console.error(l) });
    console.log(result.markdown);
    if (out) console.error(`wrote ${out}`);
    return result.ok ? 0 : 1;
  },
};
