/**
 * `jasr import --from torch`: a state dict saved by Debian's /usr/bin/python3 with torch (test/oracles/torch_jasrnet.py,
 * the bench/peer PyTorch port under the official names) imports into a run that loadRunModel (eval/infer) reads,
 * and the kit's SR image and all three heatmap stages equal PyTorch's (float64 reference from the same float32
 * weights) to 1e-5 of each output's largest magnitude. Malformed and malicious files are refused with one line.
 * Missing python3/torch is a FAILURE with a clear message, never a skip.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { command as importCommand } from '../src/cli/import';
import { main } from '../src/cli/main';
import { loadExperiment } from '../src/config/load';
import { buildModel } from '../src/model/build';
import type { ModelConfig } from '../src/model/config';
import {
  TorchImportError,
  hwioToOihw,
  importJasrnetTorch,
  jasrnetConvNames,
  jasrnetKitShapes,
  oihwToHwio,
  permuteBias,
  torchOutputChannel,
} from '../src/model/torch';
import { pixelShuffle } from '../src/model/blocks';
import { loadRunModel } from '../src/pipeline/run-experiment';

const PYTHON = '/usr/bin/python3';
const ORACLE = path.join(__dirname, 'oracles', 'torch_jasrnet.py');
const FEATURES = 16;
const BLOCKS = 2;
const LANDMARKS = 68;
/** Largest |kit − torch| allowed, relative to the largest |torch| of the same output. */
const RELATIVE_TOLERANCE = 1e-5;

interface Manifest {
  torch: string;
  input: { file: string; shape: number[] };
  sr: { file: string; shape: number[] };
  heatmaps: { file: string; shape: number[] }[];
  keys: string[];
}

function readF32(file: string): Float32Array {
  const bytes = fs.readFileSync(file);
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** max |a − b| / max |b|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  assert.ok(scale > 0.05, `reference output is nearly all zeros (max ${scale}): the comparison would be weak`);
  return diff / scale;
}

/** Runs `fn` expecting a TorchImportError; returns its message after checking it is one line. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TorchImportError, `expected a TorchImportError, got ${(e as Error).stack}`);
    assert.ok(!e.message.includes('\n'), `message is not one line: ${e.message}`);
    return e.message;
  }
  assert.fail('expected the import to be refused');
}

describe('PyTorch JASRNet import (jasr import --from torch)', function () {
  this.timeout(180000);
  let dir = '';
  let manifest: Manifest;
  let experimentFile = '';
  let config: ModelConfig;
  let shapes: Record<string, number[]>;
  const pt = (name: string): string => path.join(dir, name);
  const importFile = (name: string, cfg = config): ReturnType<typeof importJasrnetTorch> => importJasrnetTorch(pt(name), cfg);

  before(function () {
    if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} not found: this test needs Debian's python3 with python3-torch (scripts/setup.sh installs it)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-torch-import-'));
    const run = spawnSync(PYTHON, [ORACLE, '--out', dir, '--features', String(FEATURES), '--blocks', String(BLOCKS), '--landmarks', String(LANDMARKS)], {
      encoding: 'utf8',
    });
    if (run.status !== 0)
      throw new Error(`${ORACLE} failed (exit ${run.status}); it needs python3-torch: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    manifest = JSON.parse(fs.readFileSync(pt('manifest.json'), 'utf8')) as Manifest;
    experimentFile = pt('torch-small.json');
    fs.writeFileSync(
      experimentFile,
      JSON.stringify({
        name: 'torch-small',
        description: 'official topology, small: the PyTorch oracle network',
        model: {
          architecture: 'jasrnet',
          features: FEATURES,
          trunkBlocks: BLOCKS,
          landmarks: LANDMARKS,
          stages: 3,
          scale: 8,
          init: 'official',
          meanShift: 'faithful',
        },
        data: { format: 'synthetic', scale: 8, syntheticCounts: [2, 2, 2] },
      }),
    );
    config = loadExperiment(experimentFile).model;
    const model = buildModel(config);
    shapes = Object.fromEntries(Object.entries(model.namedVariables()).map(([k, v]) => [k, [...v.shape]]));
    model.dispose();
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names every kit variable once with its shape, and the official keys the oracle saved are exactly the map plus the frozen MeanShifts', () => {
    const convs = jasrnetConvNames(config);
    const kitNames = convs.flatMap((c) => [`${c.kit}/kernel`, `${c.kit}/bias`]).sort();
    assert.deepEqual(kitNames, Object.keys(shapes).sort());
    assert.deepEqual(jasrnetKitShapes(config), shapes);
    // The paper-era and released sizes too (the model buildModel makes is the source of truth).
    for (const size of [
      { features: 256, trunkBlocks: 16 },
      { features: 128, trunkBlocks: 32, landmarks: 19, stages: 2 },
    ]) {
      const c = { ...config, ...size };
      const built = buildModel({ ...c, features: 2 }); // variable names and depths do not depend on the width
      assert.deepEqual(Object.keys(jasrnetKitShapes(c)).sort(), Object.keys(built.namedVariables()).sort());
      built.dispose();
    }
    const torchNames = convs.flatMap((c) => [`${c.torch}.weight`, `${c.torch}.bias`]);
    const meanShift = ['sub_mean_cpm', 'sub_mean', 'add_mean'].flatMap((m) => [`${m}.weight`, `${m}.bias`]);
    assert.deepEqual([...torchNames, ...meanShift].sort(), [...manifest.keys].sort());
    // The issue's examples.
    for (const key of ['head.0.weight', 'encoder_b1.1.body.0.weight', 'sr_tail.0.0.weight', 'stages.2.8.weight']) assert.ok(torchNames.includes(key), key);
    assert.deepEqual(
      convs.filter((c) => c.pixelShuffle).map((c) => c.torch),
      ['sr_tail.0.0', 'sr_tail.0.2', 'sr_tail.0.4'],
    );
  });

  it('pixel-shuffle permutation: a torch-ordered conv output shuffled by the kit equals nn.PixelShuffle(2)', () => {
    // F = 2 features, 4F = 8 channels on a 1×1 map: torch's PixelShuffle puts channel 4c + 2i + j at (i, j) of
    // feature c; after the permutation the kit's depthToSpace-order shuffle must do the same.
    const f = 2;
    const torchChannels = Float32Array.from({ length: 4 * f }, (_, k) => 10 + k);
    const kitChannels = permuteBias(torchChannels, true);
    const shuffled = tf.tidy(() => pixelShuffle(tf.tensor4d(kitChannels, [1, 1, 1, 4 * f]), 2).dataSync());
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < f; c++) expected.push(torchChannels[4 * c + 2 * i + j]);
    assert.deepEqual([...shuffled], expected);
    assert.deepEqual(
      [0, 1, 2, 3].map((k) => torchOutputChannel(k, 4, true)),
      [0, 1, 2, 3].map((k) => 4 * (k % 1) + k),
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((k) => torchOutputChannel(k, 8, true)),
      [0, 4, 1, 5, 2, 6, 3, 7],
    );
    // OIHW ⇄ HWIO round trip with the permutation, and a known element: kit [h=1, w=2, i=1, o=1] is torch [o=4, i=1, 1, 2].
    const oihw = Float32Array.from({ length: 8 * 3 * 3 * 3 }, (_, k) => k);
    const hwio = oihwToHwio(oihw, [8, 3, 3, 3], true);
    assert.equal(hwio[((1 * 3 + 2) * 3 + 1) * 8 + 1], oihw[((4 * 3 + 1) * 3 + 1) * 3 + 2]);
    assert.deepEqual([...hwioToOihw(hwio, [3, 3, 3, 8], true)], [...oihw]);
    assert.deepEqual([...permuteBias(permuteBias(torchChannels, true), true, true)], [...torchChannels]);
  });

  it('imports the .pt into a run eval/infer load; SR and heatmap stages 1-3 equal PyTorch to 1e-5 relative', async () => {
    const runDir = pt('run');
    const printed: string[] = [];
    const log = console.log;
    console.log = (...parts: unknown[]) => printed.push(parts.join(' '));
    try {
      assert.equal(await importCommand.run(['--from', 'torch', '--checkpoint', pt('model_best.pt'), '--config', experimentFile, '--out', runDir]), 0);
    } finally {
      console.log = log;
    }
    assert.match(printed[0], /142 state-dict keys → 136 kit variables \(6 frozen MeanShift values checked\)/);
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'import.json'), 'utf8')) as { stateDictKeys: number; sourceSha256: string };
    assert.equal(record.stateDictKeys, 142);
    assert.match(record.sourceSha256, /^[0-9a-f]{64}$/);

    const run = loadRunModel(runDir);
    try {
      assert.equal(run.experiment.model.features, FEATURES);
      const input = tf.tensor4d(readF32(pt(manifest.input.file)), manifest.input.shape as [number, number, number, number]);
      const out = run.model.apply(input);
      try {
        assert.deepEqual(out.sr!.shape, manifest.sr.shape);
        const errors = [relativeError(out.sr!.dataSync() as Float32Array, readF32(pt(manifest.sr.file)))];
        assert.equal(out.heatmaps.length, 3);
        for (const [s, h] of manifest.heatmaps.entries()) {
          assert.deepEqual(out.heatmaps[s].shape, h.shape);
          errors.push(relativeError(out.heatmaps[s].dataSync() as Float32Array, readF32(pt(h.file))));
        }
        for (const [i, e] of errors.entries())
          assert.ok(e <= RELATIVE_TOLERANCE, `${i === 0 ? 'SR' : `heatmap stage ${i}`}: relative error ${e.toExponential(2)} > ${RELATIVE_TOLERANCE}`);
      } finally {
        tf.dispose([input, out.sr!, ...out.heatmaps]);
      }
    } finally {
      run.model.dispose();
    }
  });

  it('reads the same weights from a {state_dict: …} checkpoint dict, a DataParallel "module." prefix, a strided (permuted) tensor and a view at a storage offset', () => {
    const plain = importFile('model_best.pt');
    for (const name of ['wrapped.pt', 'data_parallel.pt', 'non_contiguous.pt']) {
      const other = importFile(name);
      for (const [k, v] of Object.entries(plain.variables)) assert.deepEqual(other.variables[k].values, v.values, `${name}: ${k}`);
    }
    assert.equal(importFile('wrapped.pt').report.wrapperKey, 'state_dict');
  });

  it('refuses pickles that call anything but the tensor rebuilders (os.system, builtins.eval), naming the GLOBAL', () => {
    assert.match(
      refusal(() => importFile('evil_system.pt')),
      /evil_system\.pt: pickle \(data\.pkl\) byte \d+: GLOBAL 'posix\.system' is not allowed/,
    );
    assert.match(
      refusal(() => importFile('evil_eval.pt')),
      /evil_eval\.pt: pickle \(data\.pkl\) byte \d+: GLOBAL 'builtins\.eval' is not allowed/,
    );
  });

  it('refuses a truncated zip, a corrupted byte, a storage offset beyond the data and a float64 storage', () => {
    assert.match(
      refusal(() => importFile('truncated.pt')),
      /truncated\.pt: no zip end-of-central-directory record: truncated or not a zip archive/,
    );
    const corrupt = pt('corrupt.pt');
    const bytes = fs.readFileSync(pt('model_best.pt'));
    bytes[Math.floor(bytes.length / 2)] ^= 0x40; // inside some tensor's data
    fs.writeFileSync(corrupt, bytes);
    assert.match(
      refusal(() => importFile('corrupt.pt')),
      /corrupt\.pt: zip entry 'model_best\/data\/\d+': CRC-32 mismatch/,
    );
    assert.match(
      refusal(() => importFile('offset_beyond.pt')),
      /offset_beyond\.pt: tensor on storage '0': offset 1000000 with shape \[3,3,1,1\] .* beyond the storage's 9 elements/,
    );
    assert.match(
      refusal(() => importFile('float64.pt')),
      /float64\.pt: key '[^']+': storage is torch\.DoubleStorage \(float64\); only float32/,
    );
    assert.match(
      refusal(() => importFile('legacy.pt')),
      /legacy\.pt: no zip end-of-central-directory record: .*the legacy pre-1\.6 torch\.save format, not supported/,
    );
  });

  it('names missing and unexpected keys, and a key whose shape differs from the config', () => {
    assert.match(
      refusal(() => importFile('missing_key.pt')),
      /missing keys: stages\.2\.8\.bias$/,
    );
    assert.match(
      refusal(() => importFile('extra_key.pt')),
      /unexpected keys: concat_layer\.0\.weight$/,
    );
    // A config deeper than the file: the missing trunk blocks are named, with the depth the file has.
    assert.match(
      refusal(() => importFile('model_best.pt', { ...config, trunkBlocks: 3 })),
      /trunkBlocks=3, landmarks=68, stages=3 \(the file looks like trunkBlocks=2: try --set model\.trunkBlocks=2\) — missing keys: features\.4\.body\.0\.weight, features\.4\.body\.0\.bias, features\.4\.body\.2\.weight, features\.4\.body\.2\.bias$/,
    );
    // The same file read against a config with 19 landmarks: the heatmap convs no longer fit.
    const aflw = { ...config, landmarks: 19 };
    assert.match(
      refusal(() => importFile('model_best.pt', aflw)),
      /key 'stages\.0\.4\.weight': expected shape \[20, 16, 3, 3\] \(OIHW for features=16, landmarks=19\), found \[69, 16, 3, 3\]/,
    );
  });

  it('the CLI prints one line for a refused file and for a run directory that already holds a run', async () => {
    const errors: string[] = [];
    const original = console.error;
    const originalLog = console.log;
    console.error = (...parts: unknown[]) => errors.push(parts.join(' '));
    console.log = () => undefined;
    try {
      const args = (file: string, out: string): string[] => ['import', '--from', 'torch', '--checkpoint', pt(file), '--config', experimentFile, '--out', out];
      assert.equal(await main(args('evil_eval.pt', pt('run-evil'))), 1);
      assert.equal(fs.existsSync(pt('run-evil')), false, 'nothing is written for a refused file');
      assert.equal(await main(args('model_best.pt', pt('run-twice'))), 0);
      assert.equal(await main(args('model_best.pt', pt('run-twice'))), 1);
    } finally {
      console.error = original;
      console.log = originalLog;
    }
    assert.equal(errors.length, 2);
    assert.match(errors[0], /^jasr import: .*evil_eval\.pt: pickle \(data\.pkl\) byte \d+: GLOBAL 'builtins\.eval' is not allowed/);
    assert.match(errors[1], /^jasr import: .*run-twice: already holds a run/);
    for (const e of errors) assert.ok(!e.includes('\n'));
  });
});
