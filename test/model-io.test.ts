import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MODEL_CONFIG, ModelConfig } from '../src/model/config';
import { buildModel } from '../src/model/build';
import { loadModel, loadWeightsInto, saveModel } from '../src/model/io';

const small = (over: Partial<ModelConfig> = {}): ModelConfig => ({ ...DEFAULT_MODEL_CONFIG, features: 8, trunkBlocks: 2, landmarks: 5, ...over });

describe('model save/load (Node fs IOHandler, TF.js model.json + weights.bin)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-model-io-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round trip reproduces every weight and every output bit for bit; config travels in model.json', async () => {
    const config = small({ fusion: 'concat', init: 'he' });
    const model = buildModel(config, 21);
    await saveModel(model, dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    assert.deepEqual(json.userDefinedMetadata.modelConfig, config);
    assert.equal(json.weightsManifest[0].paths[0], 'weights.bin');
    assert.equal(fs.statSync(path.join(dir, 'weights.bin')).size, 4 * model.trainableVariables().reduce((s, v) => s + v.size, 0));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin'], 'no temp files left behind');

    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.config, config);
    const a = model.namedVariables();
    const b = loaded.namedVariables();
    assert.deepEqual(Object.keys(b), Object.keys(a));
    for (const name of Object.keys(a)) assert.deepEqual(b[name].dataSync(), a[name].dataSync(), name);
    const input = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const o1 = model.apply(input);
    const o2 = loaded.apply(input);
    assert.deepEqual(o2.sr?.dataSync(), o1.sr?.dataSync());
    assert.deepEqual(o2.heatmaps[2].dataSync(), o1.heatmaps[2].dataSync());
    tf.dispose([input, o1.sr ?? [], o2.sr ?? [], ...o1.heatmaps, ...o2.heatmaps].flat());
    model.dispose();
    loaded.dispose();
  });

  it('loadWeightsInto restores trained weights into a freshly built model with another seed', async () => {
    const model = buildModel(small(), 1);
    await saveModel(model, dir);
    const other = buildModel(small(), 2);
    await loadWeightsInto(other, dir);
    assert.deepEqual(other.namedVariables()['trunk/rb1/conv1/kernel'].dataSync(), model.namedVariables()['trunk/rb1/conv1/kernel'].dataSync());
    model.dispose();
    other.dispose();
  });

  it('a truncated, corrupt or mismatched file gives an error naming the file', async () => {
    const model = buildModel(small(), 1);
    await saveModel(model, dir);
    const weights = path.join(dir, 'weights.bin');
    const original = fs.readFileSync(weights);

    const flipped = Buffer.from(original);
    flipped[100] ^= 0xff;
    fs.writeFileSync(weights, flipped);
    await assert.rejects(loadModel(dir), (e: Error) => e.message.includes(weights) && /corrupt/.test(e.message));

    fs.writeFileSync(weights, original.subarray(0, original.length - 8));
    await assert.rejects(loadModel(dir), (e: Error) => e.message.includes(weights));

    fs.writeFileSync(weights, original);
    const wider = buildModel(small({ features: 12 }), 1);
    await assert.rejects(loadWeightsInto(wider, dir), (e: Error) => e.message.includes(path.join(dir, 'model.json')) && /shape/.test(e.message));
    const otherArch = buildModel(small({ architecture: 'sr-only' }), 1);
    await assert.rejects(loadWeightsInto(otherArch, dir), /unexpected \[align\/feature/);

    fs.writeFileSync(path.join(dir, 'model.json'), '{"weightsManifest": ');
    await assert.rejects(loadModel(dir), (e: Error) => e.message.includes(path.join(dir, 'model.json')) && /not valid JSON/.test(e.message));
    await assert.rejects(loadModel(path.join(dir, 'nowhere')), /model\.json: not found/);
    [model, wider, otherArch].forEach((m) => m.dispose());
  });
});
