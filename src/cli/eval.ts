/**
 * `jasr eval`: a trained checkpoint on a dataset split → metric table (NME, AUC@α, FR@α, PSNR, SSIM, named
 * protocol) and optionally JSON, through the same evaluate() that reproduceTable uses.
 */
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { initBackend } from '../backend/index';
import { openExperimentData, loadRunModel } from '../pipeline/run-experiment';
import { evaluate, metricsRow, modelPredictor } from '../task/evaluate';
import { toMarkdown } from '../report/tables';
import { KnownError } from '../core/errors';

const OPTIONS = {
  checkpoint: { value: true, placeholder: '<dir>', description: 'run directory (uses its best, else last, checkpoint) or a checkpoint directory' },
  config: { value: true, placeholder: '<file>', description: "experiment file to use instead of the checkpoint's recorded one" },
  set: { value: true, repeat: true, placeholder: '<key=value>', description: 'override one config key, e.g. eval.nmeNormaliser=box' },
  split: { value: true, placeholder: '<test|val>', description: 'which split (default eval.split, normally test)' },
  protocol: { value: true, placeholder: '<standard|jasr>', description: 'image metric protocol (default eval.protocol)' },
  json: { description: 'print one JSON object (summary, subsets, per-image values, protocol)' },
};

export const command: Command = {
  name: 'eval',
  summary: 'Evaluate a checkpoint on a dataset split: NME, AUC, FR, PSNR, SSIM under a named protocol',
  usage: 'eval --checkpoint <run dir or checkpoint dir> [--config file] [--set k=v ...] [--split test|val] [--protocol standard|jasr] [--json]',
  options: OPTIONS,
  details: `The dataset is the one recorded in the checkpoint's experiment unless --config/--set change it (e.g.
--set data.format=300w --set data.root=/data/300W). The model section must still match the checkpoint's weights.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const sets = [...args.all('set')];
    const split = args.string('split');
    if (split !== undefined) {
      if (split !== 'test' && split !== 'val') throw new UsageError(`--split: expected test or val, got '${split}'`);
      sets.push(`eval.split=${split}`);
    }
    const protocol = args.string('protocol');
    if (protocol !== undefined) {
      if (protocol !== 'standard' && protocol !== 'jasr') throw new UsageError(`--protocol: expected standard or jasr, got '${protocol}'`);
      sets.push(`eval.protocol=${protocol}`);
    }
    const json = args.flag('json');
    await initBackend({ quiet: json });
    const run = loadRunModel(args.requireString('checkpoint'), sets, args.string('config'));
    try {
      const exp = run.experiment;
      const data = await openExperimentData(exp);
      const samples = exp.eval.split === 'val' ? data.val : data.test;
      if (samples.length === 0) throw new KnownError(`${exp.file}: the ${exp.data.format} ${exp.eval.split} split is empty`);
      const e = await evaluate(modelPredictor(run.model), samples, exp.eval, {
        scale: exp.data.scale,
        quantize: exp.data.quantize ?? false,
        dataset: data.info,
      });
      const row = metricsRow(e);
      if (json) {
        console.log(
          JSON.stringify(
            {
              experiment: exp.name,
              checkpoint: run.checkpointDir,
              split: exp.eval.split,
              ...row,
              protocol: e.protocol,
              summary: e.summary,
              subsets: e.subsets,
              perImage: e.perImage,
            },
            null,
            1,
          ),
        );
      } else {
        console.log(`${exp.name} · ${run.checkpointDir} · ${exp.eval.split} split (${e.summary.count} faces)`);
        console.log(toMarkdown([{ experiment: exp.name, model: exp.model.architecture, protocol: e.protocol.name, metrics: row }]));
        const subsets = Object.entries(e.subsets);
        if (subsets.length > 1) {
          console.log(
            toMarkdown(
              subsets.map(([label, s]) => ({
                experiment: label,
                model: `${s.count} faces`,
                protocol: 'as above',
                metrics: { nme: s.nme ?? null, psnr: s.psnr ?? null, ssim: s.ssim ?? null },
              })),
            ),
          );
        }
      }
      return 0;
    } finally {
      run.model.dispose();
    }
  },
};
