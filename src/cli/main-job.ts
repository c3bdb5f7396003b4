/**
 * `jasr main` (= `npm start`): the kit's end-to-end experiment on a fresh clone. Builds the embedded face set if
 * absent, then reproduceTable('main-cpu'): the CPU-sized JASRNet against the single-task baselines (bicubic,
 * SR-only, alignment-only, two-stage) and the no-learning mean shape, cross-validated by group (every face a test
 * face once), every trained run at the same step budget; prints and writes results/main-cpu/ (mean ± 95 % interval
 * cells, paired differences) and the claims report of the claims this table can test (results/claims/).
 */
import * as os from 'os';
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { parseProgress } from './train';
import { printReproduced } from './reproduce';
import { initBackend } from '../backend/index';
import { buildEmbedded } from '../data/embedded/build';
import { MAIN_TABLE, reproduceTable } from '../pipeline/reproduce';
import { runClaims } from '../pipeline/claims-run';
import { claimsMarkdown } from '../pipeline/claims';
import { EXECUTOR_OPTIONS, executorFromArgs } from '../pipeline/executors/cli-options';
import { defaultParallelism, localParallelExecutor } from '../pipeline/executors/local-parallel';

const OPTIONS = {
  fresh: { description: 'retrain every run instead of reusing finished ones' },
  'budget-minutes': { value: true, placeholder: '<n>', description: 'wall-clock cap per run in minutes; a run it cuts fails the table (default: the configs)' },
  progress: { value: true, placeholder: '<auto|plain|quiet|json>', description: 'training progress display (default auto)' },
  table: { value: true, placeholder: '<name>', description: `table to run (default ${MAIN_TABLE})` },
  'no-static': { description: 'skip PNG/SVG figure files (no Chromium launch)' },
  ...EXECUTOR_OPTIONS,
  executor: { ...EXECUTOR_OPTIONS.executor, description: 'who runs the jobs (default local-parallel: one single-threaded run per core)' },
};

export const command: Command = {
  name: 'main',
  summary: 'npm start: build the embedded faces, train JASRNet-cpu and baselines, write results/main-cpu/',
  usage: 'main [--fresh] [--budget-minutes N] [--progress mode] [--table name] [--no-static] [--executor local|local-parallel|slurm [--processes N]]',
  options: OPTIONS,
  details: `The table's design is experiments/tables/main-cpu.json: 2-fold cross-validation by group over the embedded faces,
one seed, 400 optimiser steps for every trained row (four rows × two folds = 8 runs), the last checkpoint of each
evaluated. The runs train side by side, one single-threaded process per core (local-parallel): on 2 cores two
1-thread runs finished 2 × 150 steps in 70 s where one 2-thread run took 54 s for 150 (the wasm ops are
single-threaded, so a second thread helps only the oneDNN convolutions). A run stopped by a wall-clock cap before its steps fails the table: rows are never compared at unequal
budgets. Measured wall time and the bigger invocation: README.md ("What npm start produced") and docs/statistics.md.
A re-run reuses the finished runs in runs/; --fresh retrains (removing only the kit's files from the run folders).`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const budget = args.number('budget-minutes');
    if (budget !== undefined && !(budget > 0)) throw new UsageError(`--budget-minutes must be > 0, got ${budget}`);
    const progress = parseProgress(args.string('progress'));
    const started = Date.now();
    console.log(
      `jasr main: ${os.cpus().length} CPU cores, load average ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
    await initBackend({});
    const built = await buildEmbedded({});
    console.log(`embedded faces: ${built.manifest.samples.length} in ${built.dir}`);
    const executor = executorFromArgs(args) ?? localParallelExecutor(defaultParallelism());
    const result = await reproduceTable(args.string('table') ?? MAIN_TABLE, {
      executor,
      fresh: args.flag('fresh'),
      budgetMinutes: budget,
      progress,
      staticFigures: !args.flag('no-static'),
    });
    printReproduced(result, (Date.now() - started) / 1000);
    if (result.kind === 'collected') {
      const claims = await runClaims({ collected: new Map([[result.table, result]]), runTables: false });
      console.log('');
      console.log(claimsMarkdown(claims.results));
      console.log(`claims report: ${claims.files.md} (\`jasr claims\` runs the tables of the claims not measured here)`);
      console.log(
        `every trained run: ${result.steps} optimiser steps (${result.runs.length} runs); wall time ${((Date.now() - started) / 60000).toFixed(1)} min`,
      );
    }
    console.log(
      `load average now ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
    return 0;
  },
};
