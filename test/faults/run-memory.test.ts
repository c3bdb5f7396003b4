import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { train } from '../../src/engine/trainer';
import { openExperimentData, trainExperiment } from '../../src/pipeline/run-experiment';
import { loadExperiment } from '../../src/config/load';
import { writeTinyExperiment } from '../helpers/cli-tiny';
import { TinyLoader, TinyModel, TRAIN_DATA_SEED, dataset, makeVal, tinyExperiment, tmpDir } from './run-tiny';

describe('faults/run: several trainings in one process (reproduce, npm start, notebooks) leak nothing', function () {
  this.timeout(120_000);

  it('training the tiny model twice returns tf.memory().numTensors to its start value', async () => {
    const root = tmpDir('memory');
    const val = makeVal();
    const model = new TinyModel();
    const start = tf.memory().numTensors;
    const counts: number[] = [];
    for (const run of ['a', 'b']) {
      await train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ checkpointEvery: 2 }), {
        runDir: path.join(root, run),
        progress: 'quiet',
      });
      counts.push(tf.memory().numTensors - start);
    }
    // Before the optimiser fix each training left 2 tensors per parameter (here 2 parameters: +4, then +8).
    assert.deepEqual(counts, [0, 0]);
    model.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('trainExperiment on the tiny JASRNet twice (as reproduce does) returns the tensor count to its start value', async () => {
    const root = tmpDir('memory-jasr');
    const exp = loadExperiment(writeTinyExperiment(root), ['train.maxSteps=1']);
    const data = await openExperimentData(exp);
    const start = tf.memory().numTensors;
    const counts: number[] = [];
    for (const run of ['a', 'b']) {
      const trained = await trainExperiment(exp, { runDir: path.join(root, run), progress: 'quiet', data });
      trained.model.dispose();
      counts.push(tf.memory().numTensors - start);
    }
    assert.deepEqual(counts, [0, 0]);
    assert.ok(fs.existsSync(path.join(root, 'b', 'checkpoints', 'checkpoints.json')));
  });
});
