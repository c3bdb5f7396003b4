/**
 * A person's mistake on the command line (a bad path, a file that is not what it claims, a wrong --set key or
 * option value, a results folder missing parts) is one line on stderr naming the file, key or option, with a
 * non-zero exit status and no stack. Run as child processes of bin/jasr.js because the top-level output format
 * is what is under test. Every case runs in-process through src/cli/main.ts's main() (what bin/jasr.js calls, with
 * console output captured: milliseconds each); a sample of them also runs as real child processes of bin/jasr.js
 * (about 1–3 s each) to check the process's own exit status and stderr.
 */
import { strict as assert } from 'assert';

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { tinyExperiment, writeTinyExperiment } from '../helpers/cli-tiny';
import { jasr, jasrInProcess, Outcome } from '../helpers/cli-process';

interface Case {
  name: string;
  args: string[];
  /** Exit status expected. */
  code: number;
  /** Every string must appear in the one stderr line (the file, key or option, and what was found). */
  mentions: string[];
}

async function pool<T, R>(items: T[], width: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await run(items[i]);
      }
    }),
  );
  return out;
}

describe('faults: one-line errors across the CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-cli-faults-'));
  const f = (name: string): string => path.join(dir, name);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const noise = (seed: number, size: number): Buffer => Buffer.from(Array.from({ length: size * size * 3 }, (_, i) => (i * 7919 + seed * 104729) % 251));
    await sharp(noise(1, 32), { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toFile(f('a.png'));
    await sharp(noise(2, 32), { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toFile(f('b.png'));
    await sharp(noise(3, 16), { raw: { width: 16, height: 16, channels: 3 } })
      .png()
      .toFile(f('small.png'));
    fs.writeFileSync(f('text.png'), 'this is a text file, not a PNG\n');
    fs.writeFileSync(f('truncated.png'), fs.readFileSync(f('a.png')).subarray(0, 200));
    fs.writeFileSync(f('bad.pts'), 'version: 1\nn_points: 2\n{\n1 2\nx 3\n}\n');
    fs.writeFileSync(f('broken.json'), '{"model": {');
    writeTinyExperiment(dir, 'tiny');
    fs.mkdirSync(f('empty-run'));
    fs.mkdirSync(f('no-results/notes'), { recursive: true });
    fs.mkdirSync(f('bad-table'));
    fs.writeFileSync(f('bad-table/table.json'), JSON.stringify({ rows: [{ experiment: 'e', model: 'm', protocol: 'p', psnr: '27.5' }] }));
    fs.mkdirSync(f('bad-ced'));
    fs.writeFileSync(f('bad-ced/table.json'), JSON.stringify({ rows: [] }));
    fs.writeFileSync(f('bad-ced/ced.json'), JSON.stringify({ jasrnet: [0.1, 'x'] }));
    fs.mkdirSync(f('bad-log'));
    const step = (s: number) => JSON.stringify({ kind: 'step', epoch: 1, step: s, lr: 0.001, loss: { total: 1 }, gradNorm: 1, imagesPerSec: 1, elapsedSec: s });
    fs.writeFileSync(f('bad-log/log.jsonl'), [step(1), step(2).slice(0, 30), step(3), ''].join('\n'));
    fs.writeFileSync(f('a-file'), 'x');
    fs.mkdirSync(f('experiments/tables'), { recursive: true });
    fs.writeFileSync(f('experiments/tiny.json'), JSON.stringify(tinyExperiment('tiny')));
    fs.writeFileSync(f('experiments/tables/t.json'), JSON.stringify({ title: 't', description: 'd', experiments: ['tiny.json'], metrics: ['psnr'] }));
  });

  const cases = (): Case[] => [
    {
      name: 'model: --config that does not exist',
      args: ['model', 'summary', '--config', f('nope.json')],
      code: 2,
      mentions: [f('nope.json'), 'file not found'],
    },
    {
      name: 'model: --config that is not JSON',
      args: ['model', 'summary', '--config', f('broken.json')],
      code: 2,
      mentions: [f('broken.json'), 'not valid JSON'],
    },
    {
      name: 'model: --set with a wrong value type',
      args: ['model', 'summary', '--config', f('tiny.json'), '--set', 'model.features=abc'],
      code: 2,
      mentions: ["key 'model.features'", 'expected a number', '"abc"'],
    },
    {
      name: 'model: --set without =',
      args: ['model', 'summary', '--config', f('tiny.json'), '--set', 'model.features'],
      code: 2,
      mentions: [f('tiny.json'), '--set', "'model.features'"],
    },
    {
      name: 'model: --set of an unknown key',
      args: ['model', 'summary', '--config', f('tiny.json'), '--set', 'model.bogus=1'],
      code: 2,
      mentions: ["key 'model.bogus'", 'unknown key'],
    },
    {
      name: 'metrics: an SR file that is not an image',
      args: ['metrics', '--sr', f('text.png'), '--hr', f('a.png')],
      code: 1,
      mentions: [f('text.png'), 'cannot decode image', 'bytes that do not decode'],
    },
    {
      name: 'metrics: a truncated PNG',
      args: ['metrics', '--sr', f('truncated.png'), '--hr', f('a.png')],
      code: 1,
      mentions: [f('truncated.png'), 'cannot decode image', '200 bytes'],
    },
    {
      name: 'metrics: an HR file that does not exist',
      args: ['metrics', '--sr', f('a.png'), '--hr', f('missing.png')],
      code: 1,
      mentions: [f('missing.png'), 'file not found'],
    },
    {
      name: 'metrics: SR and HR of different sizes',
      args: ['metrics', '--sr', f('a.png'), '--hr', f('small.png')],
      code: 1,
      mentions: [f('a.png'), f('small.png'), '16×16', '32×32'],
    },
    {
      name: 'metrics: a pts file with a bad line',
      args: ['metrics', '--sr', f('a.png'), '--hr', f('b.png'), '--protocol', 'jasr', '--landmarks', f('bad.pts')],
      code: 1,
      mentions: [`${f('bad.pts')}:5`, "'x'"],
    },
    {
      name: 'metrics: --box with three numbers',
      args: ['metrics', '--sr', f('a.png'), '--hr', f('b.png'), '--box', '1,2,3'],
      code: 2,
      mentions: ['--box', 'four comma-separated numbers', "'1,2,3'"],
    },
    {
      name: 'metrics: --box with right < left',
      args: ['metrics', '--sr', f('a.png'), '--hr', f('b.png'), '--protocol', 'jasr', '--box', '20,20,5,5'],
      code: 2,
      mentions: ['--box', 'x1 < x2', "'20,20,5,5'"],
    },
    {
      name: 'metrics: --scale that is not a number',
      args: ['metrics', '--sr', f('a.png'), '--hr', f('b.png'), '--scale', 'eight'],
      code: 2,
      mentions: ['--scale', "'eight'"],
    },
    {
      name: 'infer: a checkpoint directory that does not exist',
      args: ['infer', '--checkpoint', f('no-run'), '--image', f('a.png')],
      code: 1,
      mentions: [f('no-run'), '--checkpoint', 'no such directory'],
    },
    {
      name: 'infer: a checkpoint path that is a file',
      args: ['infer', '--checkpoint', f('a-file'), '--image', f('a.png')],
      code: 1,
      mentions: [f('a-file'), '--checkpoint', 'found a file'],
    },
    {
      name: 'infer: an image that is not an image',
      args: ['infer', '--checkpoint', f('empty-run'), '--image', f('text.png'), '--out', f('infer-out')],
      code: 1,
      mentions: [f('text.png'), 'cannot decode image'],
    },
    {
      name: 'infer: a run directory without checkpoints',
      args: ['infer', '--checkpoint', f('empty-run'), '--image', f('a.png'), '--out', f('infer-out')],
      code: 1,
      mentions: [f('empty-run'), 'expected a run directory'],
    },
    {
      name: 'infer: --out is a file',
      args: ['infer', '--checkpoint', f('empty-run'), '--image', f('a.png'), '--out', f('a-file')],
      code: 1,
      mentions: [f('a-file'), '--out', 'found a file'],
    },
    { name: 'report: a folder that does not exist', args: ['report', f('nowhere')], code: 1, mentions: [f('nowhere'), 'no such directory'] },
    {
      name: 'report: a folder with neither tables nor runs',
      args: ['report', f('no-results')],
      code: 1,
      mentions: [f('no-results'), 'table.json', 'log.jsonl'],
    },
    {
      name: 'report: a table with a string metric',
      args: ['report', f('bad-table'), '--no-static'],
      code: 1,
      mentions: [f('bad-table/table.json'), 'rows[0].psnr', '"27.5"'],
    },
    {
      name: 'report: a ced.json with a string value',
      args: ['report', f('bad-ced'), '--no-static'],
      code: 1,
      mentions: [f('bad-ced/ced.json'), "key 'jasrnet'[1]", '"x"'],
    },
    {
      name: 'report: a run log with a malformed middle line',
      args: ['report', f('bad-log'), '--no-static'],
      code: 1,
      mentions: [f('bad-log/log.jsonl'), 'line 2', 'not valid JSON'],
    },
    { name: 'report: --out is a file', args: ['report', f('bad-log'), '--out', f('a-file')], code: 1, mentions: [f('bad-log/log.jsonl')] },
    {
      name: 'reproduce: a table that does not exist',
      args: ['reproduce', 'nosuch', '--experiments-dir', f('experiments')],
      code: 1,
      mentions: [f('experiments/tables/nosuch.json'), 'no such table', 'known: t'],
    },
    {
      name: 'reproduce: --set of an unknown key',
      args: ['reproduce', 't', '--experiments-dir', f('experiments'), '--set', 'train.bogus=1'],
      code: 1,
      mentions: [f('experiments/tiny.json'), "key 'train.bogus'", 'unknown key'],
    },
    {
      name: 'reproduce: --budget-minutes 0',
      args: ['reproduce', 't', '--experiments-dir', f('experiments'), '--budget-minutes', '0'],
      code: 2,
      mentions: ['--budget-minutes', 'a number > 0', 'found 0'],
    },
    { name: 'train: --config that does not exist', args: ['train', '--config', f('nope.json')], code: 1, mentions: [f('nope.json'), 'file not found'] },
    { name: 'data: --root that does not exist', args: ['data', 'inspect', '--format', '300w', '--root', f('no-300w')], code: 1, mentions: [f('no-300w')] },
  ];

  function problemsOf(c: Case, o: Outcome): string[] {
    const lines = o.stderr.trimEnd().split('\n');
    const problems: string[] = [];
    if (o.code !== c.code) problems.push(`exit ${o.code}, expected ${c.code}`);
    if (lines.length !== 1) problems.push(`${lines.length} stderr lines`);
    if (/^\s+at /m.test(o.stderr)) problems.push('a stack trace');
    if (!lines[0].startsWith(`jasr ${c.args[0]}: `)) problems.push(`line does not start with 'jasr ${c.args[0]}: '`);
    for (const m of c.mentions) if (!o.stderr.includes(m)) problems.push(`does not mention ${JSON.stringify(m)}`);
    if (o.stdout.trim() !== '') problems.push(`stdout: ${o.stdout.trim().slice(0, 200)}`);
    return problems.length === 0 ? [] : [`${c.name}: ${problems.join('; ')}\n    stderr: ${o.stderr.trimEnd().split('\n').slice(0, 4).join('\n            ')}`];
  }

  it('every case through main(): non-zero exit, exactly one stderr line naming the file/key/option, no stack, nothing on stdout', async () => {
    const all = cases();
    const failures: string[] = [];
    for (const c of all) failures.push(...problemsOf(c, await jasrInProcess(c.args)));
    assert.deepEqual(failures, []);
    assert.equal(all.length, 29);
    assert.equal(fs.existsSync(f('infer-out')), false, 'a failed infer creates no output folder');
  });

  it('the same as real processes of bin/jasr.js (a sample: config, image, pts, run log, checkpoint, option value)', async () => {
    const sample = [
      'model: --set with a wrong value type',
      'metrics: a truncated PNG',
      'metrics: a pts file with a bad line',
      'report: a run log with a malformed middle line',
      'infer: a run directory without checkpoints',
      'metrics: --box with three numbers',
    ];
    const chosen = cases().filter((c) => sample.includes(c.name));
    assert.equal(chosen.length, sample.length);
    const outcomes = await pool(chosen, 2, (c) => jasr(c.args));
    assert.deepEqual(
      chosen.flatMap((c, i) => problemsOf(c, outcomes[i])),
      [],
    );
  });

  it('--debug (or JASR_DEBUG=1) keeps the stack of a known error', async () => {
    const o = await jasr(['metrics', '--sr', f('a.png'), '--hr', f('small.png')], { JASR_DEBUG: '1' });
    assert.notEqual(o.code, 0);
    assert.match(o.stderr, /ImageSizeMismatchError: .*small\.png[\s\S]*\n\s+at /);
  });
});
