/**
 * `jasr import --from torch`: an official PyTorch JASRNet state dict (.pt) → a kit run directory that `jasr eval`,
 * `jasr infer` and the notebooks load like a trained run (checkpoints/ with one `last` checkpoint holding the
 * converted weights and the experiment, plus import.json recording where the weights came from).
 * The conversion itself lives in src/model/torch/ (docs/torch-import.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { KnownError } from '../core/errors';
import { lockDir } from '../core/lock';
import { writeJsonAtomic } from '../core/atomic-write';
import { Experiment, loadExperiment } from '../config/load';
import type { Json } from '../core/overrides';
import { checkOfficialTopology, importJasrnetTorch, TorchImport } from '../model/torch/index';
import { CheckpointState, CheckpointStore } from '../engine/checkpoint';
import { DEFAULT_RUNS_DIR } from '../pipeline/run-experiment';

/** Provenance written beside the checkpoints. */
export const IMPORT_RECORD = 'import.json';

const OPTIONS = {
  from: { value: true, placeholder: '<torch>', description: 'source framework (only torch)' },
  checkpoint: {
    value: true,
    placeholder: '<file.pt>',
    description: 'PyTorch file saved by torch.save: a state dict, or a dict holding one under state_dict/model',
  },
  config: { value: true, placeholder: '<file>', description: 'experiment whose model section matches the weights (e.g. experiments/jasrnet-paper.json)' },
  set: { value: true, repeat: true, placeholder: '<key=value>', description: 'override one config key, e.g. model.landmarks=19' },
  out: { value: true, placeholder: '<dir>', description: 'new run directory (default runs/<experiment name>); must not hold a run yet' },
};

export class RunExistsError extends KnownError {}

/**
 * Writes the imported weights as run `outDir`: one checkpoint at step 0 (no optimiser state) recording `exp`, and
 * import.json. Refuses a directory that already holds a run; takes the run directory's lock while writing.
 */
export function writeImportedRun(outDir: string, exp: Experiment, imported: TorchImport, source: string): string {
  const store = new CheckpointStore(outDir);
  const refuseExisting = (): void => {
    if (fs.existsSync(path.join(outDir, 'log.jsonl')) || store.has('last') || fs.existsSync(path.join(outDir, IMPORT_RECORD))) {
      throw new RunExistsError(`${outDir}: already holds a run (log, checkpoints or ${IMPORT_RECORD}); choose another --out`);
    }
  };
  refuseExisting();
  const lock = lockDir(outDir, 'jasr import');
  try {
    refuseExisting(); // again under the lock: another writer may have finished meanwhile
    const provenance = {
      source: path.resolve(source),
      sourceSha256: imported.report.sha256,
      sourceBytes: imported.report.bytes,
      wrapperKey: imported.report.wrapperKey ?? null,
      stateDictKeys: imported.report.keys,
      mappedKeys: imported.report.mapped,
      meanShiftChecked: imported.report.meanShiftChecked,
      experiment: exp.name,
      importedAt: new Date().toISOString(),
    };
    const state: CheckpointState = {
      epoch: 0,
      step: 0,
      variables: imported.variables,
      optimizer: { step: 0, slots: {} },
      rng: null,
      dataPosition: null,
      experiment: exp as unknown as Json,
      metrics: [],
      trainer: { importedFrom: provenance } as unknown as Json,
      selection: null,
    };
    const { dir } = store.save(state);
    writeJsonAtomic(path.join(outDir, IMPORT_RECORD), provenance);
    return dir;
  } finally {
    lock.release();
  }
}

export const command: Command = {
  name: 'import',
  summary: 'Import official PyTorch JASRNet weights (.pt state dict) as a kit run for eval/infer/notebooks',
  usage: 'import --from torch --checkpoint <file.pt> --config <experiment.json> [--set k=v ...] [--out <run dir>]',
  options: OPTIONS,
  details: `Reads the .pt without Python (zip + a data-only pickle subset: anything else is refused), maps the
official names (head.0, encoder_b1.1.body.0, sr_tail.0.0, stages.2.8, …) to the kit's variables, converts
OIHW → HWIO and reorders the pixel-shuffle convs' output channels. The config's model section must describe the
same network (features, trunkBlocks, landmarks, stages); a missing, unexpected or mis-shaped key is named.
Then: jasr eval --checkpoint <run dir>, jasr infer --checkpoint <run dir> --image face.png. See docs/torch-import.md.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const from = args.requireString('from');
    if (from !== 'torch') throw new OptionValueError('from', "'torch'", `'${from}'`);
    const source = args.requireString('checkpoint');
    const exp = loadExperiment(args.requireString('config'), args.all('set'));
    checkOfficialTopology(exp.model, exp.file);
    const outDir = args.string('out') ?? path.join(DEFAULT_RUNS_DIR, exp.name);
    const started = Date.now();
    const imported = importJasrnetTorch(source, exp.model);
    const dir = writeImportedRun(outDir, exp, imported, source);
    const wrapped = imported.report.wrapperKey ? ` (under '${imported.report.wrapperKey}')` : '';
    console.log(
      `${source}: ${imported.report.keys} state-dict keys${wrapped} → ${Object.keys(imported.variables).length} kit variables (${imported.report.meanShiftChecked.length} frozen MeanShift values checked) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(`  run ${outDir} (checkpoint ${dir}); try: jasr eval --checkpoint ${outDir}`);
    return 0;
  },
};
