/**
 * `jasr model summary`: the per-module parameter table (and conv MACs) of the model an experiment file describes.
 * Counts are analytic (src/model/count.ts, checked against built models by the tests), so F=256 needs no 240 MB
 * allocation; `--build` builds the model and counts its real variables too.
 */
import { Command } from './command';
import { UsageError, parseArgs } from './args';
import { loadExperiment } from '../config/load';
import { ConfigError } from '../core/schema';
import { ModelConfig } from '../model/config';
import { hrSizeForScale } from '../core/geometry';
import { costTable, countParams } from '../model/count';

const OPTIONS = {
  config: { value: true, placeholder: '<file>', description: 'experiment JSON file (its model section is used)' },
  set: { value: true, repeat: true, placeholder: '<key.path=value>', description: 'override a config key, e.g. model.features=64' },
  json: { description: 'print one JSON object' },
  build: { description: 'also build the model (needs a TF.js backend) and check its real variable count' },
};

const formatCount = (n: number): string => n.toLocaleString('en-US');

async function builtTrainableParams(config: ModelConfig): Promise<number> {
  // Loaded only with --build, so a plain summary does not initialise TF.js.
  const { initBackend } = require('../backend/index') as typeof import('../backend/index');
  const { buildModel } = require('../model/build') as typeof import('../model/build');
  await initBackend({ quiet: true });
  const model = buildModel(config);
  try {
    return model.trainableVariables().reduce((sum, v) => sum + v.size, 0);
  } finally {
    model.dispose();
  }
}

export const command: Command = {
  name: 'model',
  summary: 'Per-module parameter table and MACs of the model in an experiment file',
  usage: 'model summary --config <file> [--set key.path=value ...] [--json] [--build]',
  options: OPTIONS,
  details: `Parameters are trainable weights and biases; "frozen" are the fixed MeanShift 1×1 convs the official code
stores as parameters (12 each). "official total" adds the unused sub_mean_cpm MeanShift the official JASR defines,
which is what its log prints (59,817,206 for 256/16, 19,885,814 for 128/32). MACs count conv multiply-accumulates for
one image at the experiment's HR size (128 for ×8, 256 for ×4).`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    const [sub, ...extra] = args.positionals;
    if (sub !== 'summary') throw new UsageError(sub ? `unknown subcommand '${sub}' (known: summary)` : 'missing subcommand (known: summary)');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    let experiment;
    try {
      experiment = loadExperiment(args.requireString('config'), args.all('set'));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      console.error(`jasr model: ${e.message}`);
      return 2;
    }
    const config = experiment.model;
    const inputSize = hrSizeForScale(config.scale);
    const rows = costTable(config, inputSize);
    const counts = countParams(config);
    const macsPerImage = rows.reduce((sum, r) => sum + r.macs, 0);
    const built = args.flag('build') ? await builtTrainableParams(config) : undefined;
    if (built !== undefined && built !== counts.trainableParams)
      throw new Error(`built model has ${built} trainable parameters but the analytic count is ${counts.trainableParams} (a bug in src/model/count.ts)`);

    if (args.flag('json')) {
      const out = {
        experiment: experiment.name,
        file: experiment.file,
        model: config,
        inputSize,
        modules: rows,
        ...counts,
        macsPerImage,
        builtTrainableParams: built,
      };
      console.log(JSON.stringify(out));
      return 0;
    }
    const width = Math.max(6, ...rows.map((r) => r.module.length));
    const lines = [`${experiment.name} (${experiment.file})`, `model: ${JSON.stringify(config)}`, `input ${inputSize}×${inputSize}`, ''];
    lines.push(`${'module'.padEnd(width)}  ${'params'.padStart(12)}  ${'GMACs'.padStart(8)}`);
    for (const r of rows) lines.push(`${r.module.padEnd(width)}  ${formatCount(r.params).padStart(12)}  ${(r.macs / 1e9).toFixed(3).padStart(8)}`);
    lines.push('');
    lines.push(`trainable params: ${formatCount(counts.trainableParams)}${built !== undefined ? ' (built model agrees)' : ''}`);
    lines.push(`frozen MeanShift params: ${formatCount(counts.frozenParams)}; total: ${formatCount(counts.totalParams)}`);
    if (counts.officialTotalParams !== undefined) lines.push(`official-log total (incl. unused sub_mean_cpm): ${formatCount(counts.officialTotalParams)}`);
    lines.push(`conv GMACs per image: ${(macsPerImage / 1e9).toFixed(3)}`);
    console.log(lines.join('\n'));
    return 0;
  },
};
