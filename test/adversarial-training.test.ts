/**
 * The face task's two-player training (src/task/jasr-gan.ts) on a tiny JASRNet and synthetic faces: gradient flow
 * to both players and their isolation (each update moves its own variables only), the adversarial term reaching
 * G through D, checkpoints holding both networks and both optimisers, the warm-up, the NaN guard naming the
 * player and its terms, and configs the GAN cannot train refused in one line.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadExperiment, Experiment } from '../src/config/load';
import { BatchLoader } from '../src/data/loader';
import { syntheticFaces } from '../src/data/embedded/synthetic';
import type { FaceBatch } from '../src/data/types';
import { buildExperimentModel, checkExperiment, loadRunModel, trainExperiment } from '../src/pipeline/run-experiment';
import { JasrGanTrainable } from '../src/task/jasr-gan';
import { adversarialWeightAt } from '../src/task/adversarial-config';
import { Adam } from '../src/engine/optimizer';
import { localGradients } from '../src/engine/parallel/local-gradients';
import { CheckpointStore } from '../src/engine/checkpoint';
import { NonFiniteLossError } from '../src/engine/guard';
import { train } from '../src/engine/trainer';
import { readRunLog, StepRecord } from '../src/engine/log';
import type { Player } from '../src/engine/players';
import type { StepContext, TrainableModel } from '../src/engine/trainable';
import { TrainRng } from '../src/engine/rng';
import { tmpDir } from './faults/run-tiny';
import { tinyGanExperiment } from './helpers/gan-tiny';

function experiment(dir: string, sets: string[] = [], architecture = 'jasrnet'): Experiment {
  const file = path.join(dir, 'tiny-gan.json');
  fs.writeFileSync(file, JSON.stringify(tinyGanExperiment('tiny-gan', architecture)));
  return loadExperiment(file, sets);
}

const snapshot = (vars: tf.Variable[]): Float32Array[] => vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
const unchanged = (vars: tf.Variable[], before: Float32Array[]): boolean => vars.every((v, i) => tf.util.arraysEqual(v.dataSync() as Float32Array, before[i]));
const ctxAt = (step: number): StepContext => ({ step, epoch: 1, rng: new TrainRng(1) });

/** A player as the stepper sees it: its loss as a trainable whose batch the test keeps (the stepper does the same). */
const view = (p: Player<FaceBatch>): TrainableModel<FaceBatch> =>
  ({ lossFn: (b: FaceBatch, c: StepContext) => p.lossFn(b, c), disposeBatch: (): void => undefined }) as unknown as TrainableModel<FaceBatch>;

describe('adversarial: two-player training of the face task', function () {
  this.timeout(300_000);
  let batch: FaceBatch;
  before(() => {
    batch = new BatchLoader(syntheticFaces(2, 1, 128, 'syn-gan'), { scale: 8, batchSize: 2, seed: 1, heatmapSigma: 10 }).batchAt(0, 0);
  });

  it('the G update reaches every G variable (the adversarial term through D) and no D variable; the D updates reach every D variable and leave G bit-identical', () => {
    const exp = experiment(tmpDir('gan-flow'), ['train.adversarial.warmupSteps=0']);
    const model = buildExperimentModel(exp);
    const gan = new JasrGanTrainable(model, exp.train, exp.train.adversarial!, exp.eval);
    const before = tf.memory().numTensors;
    try {
      const [g, d] = gan.players();
      const named = (vars: tf.Variable[]): Record<string, tf.Variable> => {
        const all = gan.namedVariables();
        return Object.fromEntries(Object.entries(all).filter(([, v]) => vars.includes(v)));
      };
      const gVars = named(g.variables);
      const dVars = named(d.variables);
      assert.equal(Object.keys(gVars).length + Object.keys(dVars).length, Object.keys(gan.namedVariables()).length);

      // G: every variable gets a gradient; with λ_adv > 0 the gradients differ from λ_adv = 0 by the adversarial term.
      const gd = localGradients(view(g), batch, ctxAt(1), gVars);
      assert.deepEqual(Object.keys(gd.grads).sort(), Object.keys(gVars).sort());
      for (const [n, t] of Object.entries(gd.grads)) assert.ok(tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]) > 0, `no gradient reaches G's ${n}`);
      const noAdv = new JasrGanTrainable(model, exp.train, { ...exp.train.adversarial!, weight: 0 }, exp.eval);
      const g0 = localGradients(view(noAdv.players()[0]), batch, ctxAt(1), gVars);
      const advPart = tf.tidy(() => Math.max(...Object.keys(gVars).map((n) => tf.max(tf.abs(tf.sub(gd.grads[n], g0.grads[n]))).dataSync()[0])));
      assert.ok(advPart > 0, 'the adversarial term changes no G gradient');
      const added = gd.values.total - g0.values.total;
      assert.ok(Math.abs(added - exp.train.adversarial!.weight * gd.values.adversarial) < 1e-5 * gd.values.total, 'total = joint + λ_adv · adversarial');
      noAdv.dispose();
      tf.dispose([...Object.values(g0.grads)]);

      // Applying G's update moves G only.
      const dBefore = snapshot(d.variables);
      const gBefore = snapshot(g.variables);
      const gAdam = new Adam(exp.train.optimizer, gVars);
      gAdam.apply(gd.grads, 1e-3);
      tf.dispose(Object.values(gd.grads));
      assert.ok(unchanged(d.variables, dBefore), 'a G update changed a discriminator weight');
      assert.ok(!unchanged(g.variables, gBefore), 'a G update changed no generator weight');

      // D: every variable gets a gradient; its update leaves G bit-identical.
      const dd = localGradients(view(d), batch, ctxAt(1), dVars);
      assert.deepEqual(Object.keys(dd.grads).sort(), Object.keys(dVars).sort());
      for (const [n, t] of Object.entries(dd.grads)) assert.ok(tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]) > 0, `no gradient reaches D's ${n}`);
      const gAfter = snapshot(g.variables);
      const dAdam = new Adam(exp.train.optimizer, dVars);
      dAdam.apply(dd.grads, 1e-3);
      tf.dispose(Object.values(dd.grads));
      assert.ok(unchanged(g.variables, gAfter), 'a D update changed a generator weight');
      assert.ok(!unchanged(d.variables, dBefore), 'a D update changed no discriminator weight');
      gAdam.dispose();
      dAdam.dispose();
    } finally {
      gan.dispose();
      model.dispose();
    }
    // The kept SR of the G update and the discriminator went with dispose.
    assert.ok(tf.memory().numTensors <= before, `tensors ${before} → ${tf.memory().numTensors}`);
  });

  it('jasr train runs G and D with their own optimisers: the checkpoint holds both networks, both optimisers and D’s step count; warm-up steps leave D still', async () => {
    const root = tmpDir('gan-train');
    // Warm-up 2 of 4 steps, 2 D updates per step after it.
    const exp = experiment(root, ['train.adversarial.warmupSteps=2', 'train.adversarial.dSteps=2']);
    const runDir = path.join(root, 'run');
    const trained = await trainExperiment(exp, { runDir, progress: 'quiet' });
    trained.model.dispose();
    const state = new CheckpointStore(runDir).load('last');
    const gNames = Object.keys(buildExperimentModel(exp).namedVariables());
    const dNames = Object.keys(state.variables).filter((n) => n.startsWith('disc/'));
    assert.ok(dNames.length >= 4, `discriminator variables saved: ${dNames}`);
    assert.deepEqual(Object.keys(state.variables).sort(), [...gNames, ...dNames].sort());
    // Both optimisers' moments, one slot per variable of each network; G's step count, and D's (2 × the 2 steps after the warm-up).
    assert.deepEqual(Object.keys(state.optimizer.slots).sort(), [...gNames, ...dNames].sort());
    assert.equal(state.optimizer.step, 4);
    assert.deepEqual((state.trainer as { optimizerSteps?: unknown }).optimizerSteps, { D: 4 });
    for (const n of dNames)
      assert.ok(
        state.optimizer.slots[n].v.some((x) => x > 0),
        `D moments of ${n} are empty`,
      );
    const steps = readRunLog(runDir).filter((r): r is StepRecord => r.kind === 'step');
    assert.deepEqual(
      Object.keys(steps[0].loss).sort(),
      ['D.fake', 'D.real', 'D.total', 'adversarial', 'heatmap', 'heatmapConsistency', 'pixel', 'total'].sort(),
    );
    for (const s of steps) for (const [k, v] of Object.entries(s.loss)) assert.ok(Number.isFinite(v), `${k} at step ${s.step}`);
    // Warm-up: λ_adv = 0, so total = pixel + 0.2 heatmap + 0.1 heatmapConsistency; after it the adversarial term adds in.
    const joint = (s: StepRecord): number => s.loss.pixel + 0.2 * s.loss.heatmap + 0.1 * s.loss.heatmapConsistency;
    assert.ok(Math.abs(steps[0].loss.total - joint(steps[0])) < 1e-5 * steps[0].loss.total);
    const w = exp.train.adversarial!.weight;
    assert.ok(Math.abs(steps[3].loss.total - joint(steps[3]) - w * steps[3].loss.adversarial) < 1e-5 * steps[3].loss.total);
    assert.deepEqual(
      [1, 2, 3, 4].map((s) => adversarialWeightAt(exp.train.adversarial!, s)),
      [0, 0, w, w],
    );
    // The generator alone loads from the GAN checkpoint (jasr eval, reproduce, infer).
    const loaded = loadRunModel(runDir);
    assert.deepEqual(Object.keys(loaded.model.namedVariables()).sort(), [...gNames].sort());
    loaded.model.dispose();
  });

  it('the NaN guard names the player and its terms: a poisoned D makes G’s adversarial term non-finite; an exploding D lr makes D’s loss non-finite', async () => {
    const root = tmpDir('gan-nan');
    const poisoned = experiment(root, ['train.adversarial.warmupSteps=0']);
    const model = buildExperimentModel(poisoned);
    const gan = new JasrGanTrainable(model, poisoned.train, poisoned.train.adversarial!, poisoned.eval);
    const bias = gan.discriminator.namedVariables()['disc/out/conv/bias'];
    bias.assign(tf.fill(bias.shape, NaN) as tf.Tensor);
    const [g] = gan.players();
    const values = tf.tidy(() => {
      const l = g.lossFn(batch, ctxAt(1));
      return { total: l.total.dataSync()[0], adversarial: l.terms.adversarial.dataSync()[0], pixel: l.terms.pixel.dataSync()[0] };
    });
    assert.ok(Number.isNaN(values.adversarial) && Number.isNaN(values.total) && Number.isFinite(values.pixel));
    // The trainer refuses G's update and names the player and the term.
    const loader = new BatchLoader(syntheticFaces(2, 1, 128, 'syn-gan'), { scale: 8, batchSize: 2, seed: 1, heatmapSigma: 10 });
    const byLoss = { ...poisoned, train: { ...poisoned.train, selection: { ...poisoned.train.selection, metric: 'loss' as const } } };
    await assert.rejects(
      train(gan, { train: loader }, byLoss, { runDir: path.join(root, 'poisoned'), progress: 'quiet' }),
      /non-finite loss at step 1 \(epoch 1\) in player G's update: total, adversarial.* not finite \(total=NaN, pixel=[0-9.]+/,
    );
    gan.dispose();
    model.dispose();

    const exploding = experiment(root, [
      'train.adversarial.warmupSteps=0',
      'train.adversarial.dSteps=2',
      'train.adversarial.optimizer={"lr":1e38,"weightDecay":0}',
    ]);
    const error = await trainExperiment(exploding, { runDir: path.join(root, 'exploding'), progress: 'quiet' }).then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(error instanceof NonFiniteLossError, String(error));
    assert.match(error.message, /^non-finite loss at step 1 \(epoch 1\) in player D's update: D\.total.* not finite \(D\.total=/);
    assert.ok(!error.message.includes('\n'));
  });

  it('configs the GAN cannot train are refused in one line naming the key', () => {
    const root = tmpDir('gan-refuse');
    assert.throws(
      () => checkExperiment(experiment(root, [], 'align-only')),
      /key 'train\.adversarial': model\.architecture 'align-only' has no trained SR output/,
    );
    assert.throws(
      () => checkExperiment(experiment(root, ['train.lossWeights.heatmapConsistency=0.1'], 'sr-only')),
      /key 'train\.lossWeights\.heatmapConsistency': needs model\.architecture 'jasrnet'/,
    );
    assert.throws(
      () => checkExperiment(experiment(root, ['train.lossWeights.heatmapConsistency=0', 'train.adversarial.discriminator.heatmapChannels=5'])),
      /heatmapChannels is 5, the generator's heatmaps have 69 channels/,
    );
    assert.throws(() => experiment(root, ['train.adversarial.loss="wgan"']), /train\.adversarial\.loss/);
  });

  after(() => {
    for (const t of Object.values(batch)) if (t instanceof tf.Tensor) t.dispose();
  });
});
