/**
 * The seam for models with several optimisers (a GAN's generator and discriminator): a toy two-player model
 * whose second variable set is updated by its own optimiser, lr, schedule and two updates per step trains in the
 * same loop, checkpoints both optimisers, and an interrupted-and-resumed run equals an uninterrupted one bit for
 * bit (log, weights and both optimisers' moments and step counts).
 */
import { strict as assert } from 'assert';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { train } from '../src/engine/trainer';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/config';
import { CheckpointStore } from '../src/engine/checkpoint';
import type { MultiPlayerModel, Player } from '../src/engine/players';
import type { StepContext } from '../src/engine/trainable';
import { Batch, TinyLoader, TinyModel, TRAIN_DATA_SEED, dataset, learningRecords, makeVal, tinyExperiment, tmpDir } from './faults/run-tiny';

/** G: TinyModel's regression; D: a scale d fitted to G's (fixed) predictions, with its own Adam. */
class TwoPlayerModel extends TinyModel implements MultiPlayerModel<Batch, Batch> {
  readonly d = tf.variable(tf.tensor2d([[0.5]]));
  override readonly lossTermNames = ['data', 'reg', 'D.total', 'D.fit'];
  override namedVariables(): Record<string, tf.Variable> {
    return { ...super.namedVariables(), 'disc/d': this.d };
  }
  override trainableVariables(): tf.Variable[] {
    return [this.w, this.b, this.d];
  }
  players(): Player<Batch>[] {
    return [
      { name: 'G', variables: [this.w, this.b], lossFn: (b: Batch, c: StepContext) => this.lossFn(b, c) },
      {
        name: 'D',
        variables: [this.d],
        optimizer: { ...DEFAULT_TRAIN_CONFIG.optimizer, lr: 0.05, weightDecay: 0 },
        schedule: { type: 'step', milestones: [4], gamma: 0.1, unit: 'step' },
        updatesPerStep: 2,
        lossFn: (b: Batch) => {
          const fit = tf.losses.meanSquaredError(b.y, b.x.matMul(this.w).add(this.b).matMul(this.d)) as tf.Scalar;
          const total = fit.add(this.d.square().sum().mul(0.1)) as tf.Scalar;
          return { total, terms: { fit } };
        },
      },
    ];
  }
  override dispose(): void {
    super.dispose();
    this.d.dispose();
  }
}

function weights(m: TwoPlayerModel): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.namedVariables()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

describe('engine/stepper: a second model and optimiser stepped by the same loop', () => {
  it('trains G and D with their own optimisers; a run stopped at step 5 and resumed equals an uninterrupted one bit for bit', async () => {
    const val = makeVal();
    const root = tmpDir('players');
    const whole = new TwoPlayerModel();
    const split = new TwoPlayerModel();
    const resumed = new TwoPlayerModel();
    const before = tf.memory().numTensors;
    const d0 = whole.d.dataSync()[0];
    const wholeDir = path.join(root, 'whole');
    await train(whole, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ checkpointEvery: 1 }), {
      runDir: wholeDir,
      progress: 'quiet',
    });

    const splitDir = path.join(root, 'split');
    const first = await train(split, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ checkpointEvery: 1, maxSteps: 5 }), {
      runDir: splitDir,
      progress: 'quiet',
    });
    assert.equal(first.step, 5);
    // A fresh process's view: new model and loader, everything from the checkpoint.
    await train(resumed, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ checkpointEvery: 1 }), {
      runDir: splitDir,
      progress: 'quiet',
      resume: true,
    });

    const a = learningRecords(wholeDir);
    const b = learningRecords(splitDir);
    assert.equal(a.steps.length, 12);
    assert.deepEqual(b, a);
    assert.deepEqual(weights(resumed), weights(whole));
    // D's own schedule: lr 0.05 until step 4, 0.005 after; its loss is logged beside G's.
    assert.ok(a.steps.every((s) => Number.isFinite(s.loss['D.fit']) && Number.isFinite(s.loss['D.total'])));
    assert.notEqual(whole.d.dataSync()[0], d0, 'D was updated');

    const wholeState = new CheckpointStore(wholeDir).load('last');
    const splitState = new CheckpointStore(splitDir).load('last');
    // G's step count is the checkpoint's optimizer step; D's (two updates per step) is saved with the trainer's book.
    assert.equal(wholeState.optimizer.step, 12);
    assert.deepEqual((wholeState.trainer as { optimizerSteps?: unknown }).optimizerSteps, { D: 24 });
    assert.deepEqual(Object.keys(wholeState.optimizer.slots).sort(), ['disc/d', 'tiny/b', 'tiny/w']);
    assert.deepEqual(splitState.trainer, wholeState.trainer);
    for (const k of Object.keys(wholeState.optimizer.slots)) {
      assert.deepEqual(Array.from(splitState.optimizer.slots[k].m), Array.from(wholeState.optimizer.slots[k].m), k);
      assert.deepEqual(Array.from(splitState.optimizer.slots[k].v), Array.from(wholeState.optimizer.slots[k].v), k);
    }
    assert.equal(tf.memory().numTensors, before, 'three trainings leave the tensor count unchanged');
    for (const m of [whole, split, resumed]) m.dispose();
    tf.dispose([val.x, val.y]);
  });

  it('refuses a variable that two players share (one optimiser per variable)', async () => {
    const val = makeVal();
    const m = new TwoPlayerModel();
    const shared = Object.assign(Object.create(m) as TwoPlayerModel, {
      players: (): Player<Batch>[] => m.players().map((p) => ({ ...p, variables: [...p.variables, m.b] })),
    });
    await assert.rejects(
      train(shared, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment(), {
        runDir: path.join(tmpDir('players-shared'), 'run'),
        progress: 'quiet',
      }),
      /variable 'tiny\/b' belongs to players 'G' and 'D'/,
    );
    m.dispose();
    tf.dispose([val.x, val.y]);
  });
});
