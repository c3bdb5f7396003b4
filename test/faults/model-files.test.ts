import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/model/build';
import { ARCHITECTURE_NAMES, ModelConfig } from '../../src/model/config';
import { MAX_WEIGHT_DIM, MODEL_JSON_MAX_BYTES, loadModel, loadWeightsInto, saveModel } from '../../src/model/io';
import { SEED, SMALL, Saved, copyOf, editJson, refused, saveFixture, sha256, weightBytes } from './model-fixture';

/**
 * Fault suite for model folders (src/model/io.ts): every crafted or damaged model.json / weights.bin is refused
 * with one line naming the file, fast and before a weight tensor exists; a legacy or intact folder loads bit
 * for bit. Crafted model.json files are resealed (their self-hash recomputed) so each deeper check is the one
 * that answers, as it must for a file written on purpose.
 */
describe('faults: model files are untrusted input', function () {
  let saved: Saved;
  before(async () => {
    saved = await saveFixture();
  });
  after(() => fs.rmSync(saved.root, { recursive: true, force: true }));

  const jsonOf = (dir: string): string => path.join(dir, 'model.json');
  const binOf = (dir: string): string => path.join(dir, 'weights.bin');

  /** A refusal that must come fast and leave no tensor behind (nothing was built or decoded). */
  async function refusedFast(dir: string, file: string, pattern: RegExp): Promise<string> {
    const tensors = tf.memory().numTensors;
    const start = performance.now();
    const message = await refused(loadModel(dir), file, pattern);
    const ms = performance.now() - start;
    assert.ok(ms < 250, `refused after ${ms.toFixed(0)} ms: ${message}`);
    assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
    return message;
  }

  it('an intact folder loads bit for bit with its config and seed', async () => {
    const model = await loadModel(copyOf(saved));
    assert.deepEqual(model.config, SMALL);
    assert.equal(model.seed, SEED);
    assert.ok(weightBytes(model).equals(saved.weights));
    model.dispose();
  });

  it('every architecture, fusion and init saved by saveModel loads bit for bit (the parameter pre-check agrees with buildModel)', async () => {
    const variants: Partial<ModelConfig>[] = [
      ...ARCHITECTURE_NAMES.map((architecture) => ({ architecture })),
      { fusion: 'none' },
      { fusion: 'concat', init: 'he' },
      { scale: 4, stages: 2, trunkBlocks: 0 },
    ];
    for (const variant of variants) {
      const config = { ...SMALL, features: 4, ...variant };
      const model = buildModel(config, 3);
      const dir = path.join(saved.root, `variant-${Object.values(variant).join('-')}`);
      await saveModel(model, dir);
      const loaded = await loadModel(dir);
      assert.deepEqual(loaded.config, config);
      assert.ok(weightBytes(loaded).equals(weightBytes(model)), JSON.stringify(variant));
      assert.equal(weightBytes(loaded).length, fs.statSync(binOf(dir)).size);
      [model, loaded].forEach((m) => m.dispose());
    }
  });

  describe('paths stay inside the model folder', () => {
    it('"../../x" is refused even when x is a valid weights file with a matching hash', async () => {
      const dir = copyOf(saved);
      fs.writeFileSync(path.join(dir, '..', '..', 'x'), saved.weights);
      editJson(dir, (j) => (j.weightsManifest[0].paths = ['../../x']));
      await refusedFast(
        dir,
        jsonOf(dir),
        /key 'weightsManifest\[0\]\.paths\[0\]': expected 'weights\.bin' \(a file name inside the model folder\), found the path "\.\.\/\.\.\/x"$/,
      );
      await refused(loadWeightsInto(buildModel(SMALL, 1), dir), jsonOf(dir), /found the path "\.\.\/\.\.\/x"$/);
    });

    it('absolute paths, separators, "..", "." and non-strings are refused', async () => {
      for (const p of [path.join(saved.root, 'x'), 'sub/weights.bin', 'sub\\weights.bin', '..', '.']) {
        const dir = copyOf(saved);
        editJson(dir, (j) => (j.weightsManifest[0].paths = [p]));
        await refusedFast(dir, jsonOf(dir), new RegExp(`found the path ${JSON.stringify(p).replace(/[\\.]/g, '\\$&')}$`));
      }
      const dir = copyOf(saved);
      editJson(dir, (j) => ((j.weightsManifest[0].paths as unknown[]) = [7]));
      await refusedFast(dir, jsonOf(dir), /paths\[0\]': expected 'weights\.bin', found 7$/);
    });

    it('a symbolic link named weights.bin (or model.json) pointing outside is refused; a link inside the folder is followed', async () => {
      const outside = path.join(saved.root, 'outside');
      fs.mkdirSync(outside, { recursive: true });
      fs.writeFileSync(path.join(outside, 'weights.bin'), saved.weights);
      fs.writeFileSync(path.join(outside, 'model.json'), saved.json);
      const dir = copyOf(saved);
      fs.rmSync(binOf(dir));
      fs.symlinkSync(path.join(outside, 'weights.bin'), binOf(dir));
      await refusedFast(dir, binOf(dir), new RegExp(`expected a file inside ${dir}, found a link to ${path.join(outside, 'weights.bin')}$`));

      const dir2 = copyOf(saved);
      fs.rmSync(jsonOf(dir2));
      fs.symlinkSync(path.join(outside, 'model.json'), jsonOf(dir2));
      await refusedFast(dir2, jsonOf(dir2), /expected a file inside .*, found a link to .*outside\/model\.json$/);

      const dir3 = copyOf(saved);
      fs.renameSync(binOf(dir3), path.join(dir3, 'real.bin'));
      fs.symlinkSync('real.bin', binOf(dir3));
      const model = await loadModel(dir3);
      assert.ok(weightBytes(model).equals(saved.weights));
      model.dispose();
    });

    it('a second group naming another file, the same file twice, or an empty group is refused', async () => {
      const cases: [(j: Parameters<Parameters<typeof editJson>[1]>[0]) => void, RegExp][] = [
        [
          (j) => j.weightsManifest.push({ paths: ['other.bin'], weights: [] }),
          /paths\[0\]': expected 'weights\.bin' \(the only weights file the kit writes\), found "other\.bin"$/,
        ],
        [
          (j) => j.weightsManifest.push({ paths: ['weights.bin'], weights: [] }),
          /weightsManifest\[1\]\.paths\[0\]': 'weights\.bin' is named twice in weightsManifest$/,
        ],
        [
          (j) => j.weightsManifest.push({ paths: [], weights: [] }),
          /key 'weightsManifest': expected one group \{paths: \['weights\.bin'\], weights\}, found 2 group\(s\) naming 1 file\(s\)$/,
        ],
        [(j) => (j.weightsManifest = []), /expected one group .*found 0 group\(s\) naming 0 file\(s\)$/],
        [
          (j) => ((j as Record<string, unknown>).weightsManifest = { paths: ['weights.bin'] }),
          /key 'weightsManifest': expected an array of \{paths, weights\}, found \{"paths":\["weights\.bin"\]\}$/,
        ],
      ];
      for (const [mutate, pattern] of cases) {
        const dir = copyOf(saved);
        editJson(dir, mutate);
        await refusedFast(dir, jsonOf(dir), pattern);
      }
    });
  });

  describe('hashes by manifest position; none may be missing', () => {
    it('a legacy folder ({"weights.bin": hash}, no self-hash) still loads bit for bit', async () => {
      const dir = copyOf(saved);
      editJson(
        dir,
        (j) => {
          j.weightsSha256 = { 'weights.bin': sha256(saved.weights) };
          delete j.modelJsonSha256;
        },
        false,
      );
      const model = await loadModel(dir);
      assert.ok(weightBytes(model).equals(saved.weights));
      model.dispose();
    });

    it("renamed or extra hash keys, another file's hash, a missing hash list, a wrong count or a malformed hash are refused", async () => {
      const hex = sha256(saved.weights);
      const cases: [unknown, RegExp][] = [
        [{ 'weights2.bin': hex }, /key 'weightsSha256': expected \{"weights\.bin": <SHA-256 in hex>\}, found \{"weights2\.bin":"[0-9a-f]+…$/],
        [{ 'weights.bin': hex, '../../x': hex }, /key 'weightsSha256': expected \{"weights\.bin": <SHA-256 in hex>\}/],
        [undefined, /key 'weightsSha256': expected the SHA-256 of 'weights\.bin' \(a list by manifest position\), found none$/],
        [[hex, hex], /key 'weightsSha256': expected one SHA-256 in hex for 'weights\.bin', found \["[0-9a-f]+…$/],
        [[], /expected one SHA-256 in hex for 'weights\.bin', found \[\]$/],
        [[hex.toUpperCase()], /expected one SHA-256 in hex for 'weights\.bin'/],
        ['not-a-list', /key 'weightsSha256': expected the SHA-256 of 'weights\.bin' \(a list by manifest position\), found "not-a-list"$/],
      ];
      for (const [value, pattern] of cases) {
        const dir = copyOf(saved);
        editJson(dir, (j) => {
          if (value === undefined) delete (j as Record<string, unknown>).weightsSha256;
          else j.weightsSha256 = value;
        });
        await refusedFast(dir, jsonOf(dir), pattern);
      }
      // A list hash that is the wrong file's (here model.json's): weights.bin is reported corrupt.
      const dir = copyOf(saved);
      editJson(dir, (j) => (j.weightsSha256 = [sha256(saved.json)]));
      await refusedFast(dir, binOf(dir), /corrupt: SHA-256 [0-9a-f]{12}… differs from [0-9a-f]{12}… recorded in .*model\.json \(file size \d+ bytes\)$/);
    });

    it('model.json edited without resealing, or with its self-hash removed, is refused', async () => {
      const dir = copyOf(saved);
      editJson(dir, (j) => (j.userDefinedMetadata.modelConfig.srResScale = 0.2), false);
      await refusedFast(dir, jsonOf(dir), /corrupt or edited: content SHA-256 [0-9a-f]{12}… differs from modelJsonSha256 [0-9a-f]{12}…$/);
      const dir2 = copyOf(saved);
      editJson(dir2, (j) => delete j.modelJsonSha256, false);
      await refusedFast(dir2, jsonOf(dir2), /key 'modelJsonSha256': expected the SHA-256 of this file's content, found none$/);
    });

    it('one flipped bit in weights.bin is caught by its hash', async () => {
      const flipped = Buffer.from(saved.weights);
      flipped[flipped.length >> 1] ^= 0x04;
      const dir = copyOf(saved, { weights: flipped });
      await refusedFast(dir, binOf(dir), /corrupt: SHA-256/);
    });
  });

  describe('weight specs are checked against the bytes present before anything is allocated', () => {
    /** Replaces the shape of the first weight (a [3, 3, 3, 8] kernel). */
    const withShape = async (shape: unknown, file: 'json' | 'bin', pattern: RegExp): Promise<void> => {
      const dir = copyOf(saved);
      editJson(dir, (j) => ((j.weightsManifest[0].weights[0].shape as unknown) = shape));
      await refusedFast(dir, file === 'json' ? jsonOf(dir) : binOf(dir), pattern);
    };
    const dimsPattern = /weight '[^']+': expected dimensions that are integers in \[0, 65536\], found shape /;

    it('negative, fractional, non-numeric and over-limit dimensions, and a rank above 4', async () => {
      await withShape([3, 3, -3, 8], 'json', dimsPattern);
      await withShape([3, 3, 1.5, 8], 'json', dimsPattern);
      await withShape([3, 3, '3', 8], 'json', dimsPattern);
      await withShape([3, 3, null, 8], 'json', dimsPattern);
      await withShape([3, 3, 3, MAX_WEIGHT_DIM + 1], 'json', dimsPattern);
      await withShape([3, 3, 3, 1e300], 'json', dimsPattern);
      await withShape([1, 3, 3, 3, 8], 'json', /expected a shape of at most 4 dimensions, found \[1,3,3,3,8\]$/);
      await withShape('3x3', 'json', /expected a shape of at most 4 dimensions, found "3x3"$/);
    });

    it('huge dimensions within the limit (2^64 elements) fail fast on the byte count, not inside wasm', async () => {
      await withShape(
        [MAX_WEIGHT_DIM, MAX_WEIGHT_DIM, MAX_WEIGHT_DIM, MAX_WEIGHT_DIM],
        'bin',
        /weight '[^']+' \[65536, 65536, 65536, 65536\] \(from .*model\.json\) needs more than the \d+ bytes left after byte 0 of \d+$/,
      );
      // A later weight too: the bytes left shrink as the layout advances.
      const dir = copyOf(saved);
      editJson(dir, (j) => (j.weightsManifest[0].weights[3].shape = [4096, 4096]));
      await refusedFast(dir, binOf(dir), /\[4096, 4096\] .*needs more than the \d+ bytes left after byte [1-9]\d* of \d+$/);
    });

    it('weights.bin truncated by one byte or by half, or with extra bytes, is refused by its size', async () => {
      const n = saved.weights.length;
      const cut1 = copyOf(saved, { weights: saved.weights.subarray(0, n - 1) });
      await refusedFast(cut1, binOf(cut1), /needs more than the \d+ bytes left after byte \d+ of \d+$/);
      const half = copyOf(saved, { weights: saved.weights.subarray(0, n >> 1) });
      await refusedFast(half, binOf(half), new RegExp(`of ${n >> 1}$`));
      const extra = copyOf(saved, { weights: Buffer.concat([saved.weights, Buffer.alloc(4)]) });
      await refusedFast(extra, binOf(extra), new RegExp(`: expected ${n} bytes \\(the weights in .*model\\.json\\), found ${n + 4}$`));
      const oneExtra = copyOf(saved, { weights: Buffer.concat([saved.weights, Buffer.alloc(1)]) });
      await refusedFast(oneExtra, binOf(oneExtra), new RegExp(`expected ${n} bytes .*found ${n + 1}$`));
    });

    it('int32, float16, missing dtype and quantised weights are refused', async () => {
      for (const [dtype, found] of [
        ['int32', '"int32"'],
        ['float16', '"float16"'],
        [undefined, 'undefined'],
      ]) {
        const dir = copyOf(saved);
        editJson(dir, (j) => ((j.weightsManifest[0].weights[1].dtype as unknown) = dtype));
        await refusedFast(dir, jsonOf(dir), new RegExp(`weight '[^']+': expected dtype "float32", found ${found}$`));
      }
      const dir = copyOf(saved);
      editJson(dir, (j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 0.1, min: -1 }));
      await refusedFast(dir, jsonOf(dir), /expected unquantised float32, found quantization \{"dtype":"uint8","scale":0\.1,"min":-1\}$/);
    });

    it('duplicate or empty weight names, and a spec that is not an object, are refused', async () => {
      const dup = copyOf(saved);
      editJson(dup, (j) => (j.weightsManifest[0].weights[1].name = j.weightsManifest[0].weights[0].name));
      await refusedFast(dup, jsonOf(dup), /weights\[1\]\.name': weight '[^']+' is listed twice$/);
      const empty = copyOf(saved);
      editJson(empty, (j) => (j.weightsManifest[0].weights[2].name = ''));
      await refusedFast(empty, jsonOf(empty), /weights\[2\]\.name': expected a non-empty string, found ""$/);
      const notObject = copyOf(saved);
      editJson(notObject, (j) => ((j.weightsManifest[0].weights[0] as unknown) = 42));
      await refusedFast(notObject, jsonOf(notObject), /weights\[0\]': expected \{name, shape, dtype\}, found 42$/);
    });
  });

  describe('the weights match the model the config builds', () => {
    it('a renamed weight is refused before any weight tensor is created', async () => {
      const dir = copyOf(saved);
      let renamed = '';
      editJson(dir, (j) => {
        renamed = j.weightsManifest[0].weights[0].name;
        j.weightsManifest[0].weights[0].name = 'evil/kernel';
      });
      const message = await refusedFast(dir, jsonOf(dir), /weights do not match the model: missing \[[^\]]+\], unexpected \[evil\/kernel\]$/);
      assert.ok(message.includes(`missing [${renamed}]`), message);
    });

    it('a reshaped weight with the same size ([8] as [2, 4]) is refused with both shapes', async () => {
      const dir = copyOf(saved);
      editJson(dir, (j) => {
        const bias = j.weightsManifest[0].weights.find((w) => w.shape.length === 1 && w.shape[0] === 8)!;
        bias.shape = [2, 4];
      });
      await refusedFast(dir, jsonOf(dir), /weight '[^']+': model expects shape \[8\], file has \[2,4\]$/);
    });

    it('a config that builds another model is refused by its parameter count before it is built (features 4096: no 9 GB allocation)', async () => {
      for (const change of [{ features: 4096, trunkBlocks: 64 }, { landmarks: 6 }, { architecture: 'sr-only' }]) {
        const dir = copyOf(saved);
        editJson(dir, (j) => Object.assign(j.userDefinedMetadata.modelConfig, change));
        await refusedFast(dir, jsonOf(dir), /: userDefinedMetadata\.modelConfig builds a model of \d+ parameters, weightsManifest holds \d+$/);
      }
      const dir = copyOf(saved);
      editJson(dir, (j) => (j.userDefinedMetadata.seed = 'seven'));
      await refusedFast(dir, jsonOf(dir), /key 'userDefinedMetadata\.seed': expected \{value: <integer>\}, found "seven"$/);
    });
  });

  describe('model.json itself', () => {
    it('not JSON, not an object, missing, a folder, or larger than the cap: refused by name', async () => {
      const bad = copyOf(saved, { json: '{"weightsManifest": ' });
      await refusedFast(bad, jsonOf(bad), /not valid JSON \(/);
      const list = copyOf(saved, { json: '[1, 2]' });
      await refusedFast(list, jsonOf(list), /expected a JSON object, found \[1,2\]$/);
      const gone = copyOf(saved);
      fs.rmSync(jsonOf(gone));
      await refusedFast(gone, jsonOf(gone), /not found \(expected a model saved by saveModel\)$/);
      const folder = copyOf(saved);
      fs.rmSync(jsonOf(folder));
      fs.mkdirSync(jsonOf(folder));
      await refusedFast(folder, jsonOf(folder), /expected a regular file, found something else/);
      const huge = copyOf(saved);
      fs.truncateSync(jsonOf(huge), MODEL_JSON_MAX_BYTES + 1);
      await refusedFast(huge, jsonOf(huge), new RegExp(`expected at most ${MODEL_JSON_MAX_BYTES} bytes, found ${MODEL_JSON_MAX_BYTES + 1}$`));
      const noBin = copyOf(saved);
      fs.rmSync(binOf(noBin));
      await refusedFast(noBin, binOf(noBin), /not found \(listed in .*model\.json weightsManifest\[0\]\)$/);
    });
  });
});
