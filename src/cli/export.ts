/** `jasr export`: a trained run → the browser model format (model.json + weights.bin) the web page loads. */
import * as fs from 'fs';
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { KnownError } from '../core/errors';
import { initBackend } from '../backend/index';
import { loadRunModel } from '../pipeline/run-experiment';
import { exportWebModel } from '../task/export-web';

const OPTIONS = {
  checkpoint: { value: true, placeholder: '<dir>', description: 'run directory (best, else last, checkpoint) or a checkpoint directory' },
  out: { value: true, placeholder: '<dir>', description: 'output directory, e.g. web-model/' },
};

export class ExportPathError extends KnownError {}

export const command: Command = {
  name: 'export',
  summary: 'Write a trained model in the format the web page (jasr serve) loads in the browser',
  usage: 'export --checkpoint <run dir> --out <dir>',
  options: OPTIONS,
  details: `Writes <out>/model.json (model config, crop margin, tensor list) and <out>/weights.bin (float32), atomically.
The page rebuilds the network with the kit's own builder, so it computes what jasr enhance computes.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const checkpoint = args.requireString('checkpoint');
    const out = args.requireString('out');
    if (!fs.existsSync(checkpoint) || !fs.statSync(checkpoint).isDirectory())
      throw new ExportPathError(
        `${checkpoint}: --checkpoint: expected a run directory or a checkpoint directory, found ${fs.existsSync(checkpoint) ? 'a file' : 'no such directory'}`,
      );
    if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new ExportPathError(`${out}: --out: expected a directory (new or existing), found a file`);
    await initBackend({ quiet: true });
    const run = loadRunModel(checkpoint);
    try {
      const r = exportWebModel(run.model, out, {
        experiment: run.experiment.name,
        checkpoint: run.checkpointDir,
        margin: run.experiment.data.margin,
        quantize: run.experiment.data.quantize ?? false,
      });
      console.log(`${run.checkpointDir} → ${r.manifestFile} + ${r.weightsFile} (${(r.bytes / 1024).toFixed(0)} KiB)`);
      return 0;
    } finally {
      run.model.dispose();
    }
  },
};
