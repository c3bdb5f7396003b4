/**
 * Data-parallel GAN training (src/engine/parallel/phases.ts): the generator's and the discriminator's phases run on
 * every replica's shard and are combined on the main thread. Each phase's gradients over 2 replicas equal the
 * one-thread gradients of the whole batch, a trained run ends at the one-thread weights of both players, each
 * player's update leaves the other's weights bit-identical with replicas too, and a loss that couples the images of
 * a batch falls back to one thread with its reason.
 *
 * Tolerances: float32 sums taken in another order. The main thread and the worker each sum over their own shard,
 * and the shard means are then added weighted by shard size, where one thread sums over the whole batch at once;
 * a max-pool or ReLU whose inputs tie to float32 rounding can also route a gradient differently when the batch is
 * cut (test/parallel-train.test.ts). 1e-4 relative over a player's gradient (and 1e-5 on loss values) is 20 to
 * 1000 times what is measured (printed: about 1e-7 for G's gradient, 4e-6 for D's) and 100 times below a real
 * difference: D's gradient after one D update differs from its first by more than 1e-2, so a replica that missed
 * the update would fail. Weights after 4 trained steps: WEIGHT_SHARE_OF_MOVE (below).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import * as tf from '@tensorflow/tfjs';
import { loadExperiment, Experiment } from '../src/config/load';
import { BatchLoader } from '../src/data/loader';
import { syntheticFaces } from '../src/data/embedded/synthetic';
import type { FaceBatch } from '../src/data/types';
import { buildExperimentModel, trainExperiment } from '../src/pipeline/run-experiment';
import { JasrGanTrainable } from '../src/task/jasr-gan';
import { Adam } from '../src/engine/optimizer';
import { createPhasedEngine, PhasedGradientEngine } from '../src/engine/parallel/engine';
import { gradientTargets } from '../src/engine/parallel/targets';
import { createStepper } from '../src/engine/stepper';
import { CheckpointStore } from '../src/engine/checkpoint';
import { ProgressReporter } from '../src/engine/progress';
import { readRunLog, StepRecord } from '../src/engine/log';
import { TrainRng } from '../src/engine/rng';
import type { StepContext } from '../src/engine/trainable';
import { tmpDir } from './faults/run-tiny';
import { tinyGanExperiment } from './helpers/gan-tiny';
import { relativeDistance } from './helpers/synthetic-faces';

const TOLERANCE = 1e-4;
const VALUE_TOLERANCE = 1e-5;
/**
 * Weights after several Adam steps, as a share of how far training moved them from their initial values: Adam
 * divides each gradient element by its own running magnitude, so an element whose gradient is near zero moves by up
 * to lr whatever its float32 noise says. Measured for G: 5e-7 to 4e-5 relative between repeated runs of this test
 * (the thread count the convolutions get varies), against a move of 0.34; D: 1e-8 against 1.8e-3.
 */
const WEIGHT_SHARE_OF_MOVE = 1e-2;

function experiment(dir: string, sets: string[]): Experiment {
  const file = path.join(dir, 'tiny-gan.json');
  fs.writeFileSync(file, JSON.stringify(tinyGanExperiment('tiny-gan')));
  return loadExperiment(file, sets);
}

/** A batch of 3 synthetic faces: 2 replicas cut it into shards of 2 and 1. */
const loader = (): BatchLoader => new BatchLoader(syntheticFaces(3, 1, 128, 'syn-gan-dp'), { scale: 8, batchSize: 3, seed: 1, heatmapSigma: 10 });
const ctxAt = (step: number): StepContext => ({ step, epoch: 1, rng: new TrainRng(1) });
const host = (vars: Record<string, tf.Tensor>): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
const flat = (values: Record<string, Float32Array>, names: string[]): Float32Array => Float32Array.from(names.flatMap((n) => Array.from(values[n])));
const restore = (vars: Record<string, tf.Variable>, values: Record<string, Float32Array>): void => {
  for (const [k, v] of Object.entries(vars)) tf.tidy(() => v.assign(tf.tensor(values[k], v.shape)));
};

interface PhaseRecord {
  values: Record<string, number>;
  grads: Record<string, Float32Array>;
}

describe('adversarial: data-parallel replicas for both players', function () {
  this.timeout(300_000);

  it('each phase of a step (G, D, D again, D measured) over 2 replicas gives the one-thread gradients and losses of the whole batch', async () => {
    const exp = experiment(tmpDir('gan-dp-phases'), ['train.adversarial.warmupSteps=0']);
    const model = buildExperimentModel(exp);
    const gan = new JasrGanTrainable(model, exp.train, exp.train.adversarial!, exp.eval);
    const all = gan.namedVariables();
    const targets = gradientTargets(gan);
    const [gNames, dNames] = targets.map((t) => Object.keys(t.vars));
    const initial = host(all);
    const engines: PhasedGradientEngine<FaceBatch>[] = [];
    try {
      engines.push(await createPhasedEngine(gan, all, targets, 1), await createPhasedEngine(gan, all, targets, 2));
      const [single, parallel] = engines;
      assert.equal(single.replicas, 1);
      assert.equal(parallel.replicas, 2, parallel.note ?? '');
      const before = tf.memory().numTensors;

      /**
       * G's gradients, G updated, D's gradients, D updated, D's gradients again (the worker must read D's new
       * weights), D's loss measured. The updates apply `updates` (the one-thread run's gradients) when given, so both
       * runs feed every phase the same weights and any difference is the phase's own.
       */
      const runPhases = async (
        engine: PhasedGradientEngine<FaceBatch>,
        updates?: PhaseRecord[],
      ): Promise<{ phases: PhaseRecord[]; measured: Record<string, number> }> => {
        restore(all, initial);
        const adams = targets.map((t) => new Adam({ ...exp.train.optimizer, weightDecay: 0 }, t.vars));
        const phases = engine.open(loader().batchAt(0, 0), ctxAt(1));
        const records: PhaseRecord[] = [];
        try {
          for (const target of [0, 1, 1]) {
            const { values, grads } = await phases.gradients(target);
            records.push({ values, grads: host(grads) });
            const step = updates?.[records.length - 1].grads ?? records[records.length - 1].grads;
            tf.dispose(Object.values(grads));
            const tensors = Object.fromEntries(Object.entries(step).map(([k, g]) => [k, tf.tensor(g, targets[target].vars[k].shape)]));
            adams[target].apply(tensors, 1e-2);
            tf.dispose(Object.values(tensors));
          }
          return { phases: records, measured: await phases.values(1) };
        } finally {
          phases.release();
          for (const a of adams) a.dispose();
        }
      };

      const one = await runPhases(single);
      const two = await runPhases(parallel, one.phases);
      ['G', 'D', 'D again'].forEach((label, i) => {
        const names = i === 0 ? gNames : dNames;
        assert.deepEqual(Object.keys(two.phases[i].grads).sort(), [...names].sort(), `${label}: gradients of exactly its player's variables`);
        const difference = relativeDistance(flat(two.phases[i].grads, names), flat(one.phases[i].grads, names));
        console.log(`      ${label}: relative gradient difference 2 replicas vs 1 thread ${difference.toExponential(1)}`);
        assert.ok(difference < TOLERANCE, `${label}: relative gradient difference ${difference}`);
        for (const [k, v] of Object.entries(one.phases[i].values)) {
          assert.ok(Math.abs(two.phases[i].values[k] - v) <= VALUE_TOLERANCE * Math.abs(v), `${label} ${k}: ${two.phases[i].values[k]} vs ${v}`);
        }
      });
      assert.deepEqual(Object.keys(one.phases[0].values).sort(), ['adversarial', 'heatmap', 'heatmapConsistency', 'pixel', 'total']);
      assert.deepEqual(Object.keys(one.phases[1].values).sort(), ['fake', 'real', 'total']);
      for (const [k, v] of Object.entries(one.measured)) assert.ok(Math.abs(two.measured[k] - v) <= VALUE_TOLERANCE * Math.abs(v), `measured ${k}`);
      // D's second gradient differs from its first by far more than the tolerance: a worker that kept D's old
      // weights would fail the comparison above.
      assert.ok(relativeDistance(flat(one.phases[2].grads, dNames), flat(one.phases[1].grads, dNames)) > 1e-2);
      assert.equal(tf.memory().numTensors, before, 'no tensors leak from the phases');
    } finally {
      for (const e of engines) await e.close();
      gan.dispose();
      model.dispose();
    }
  });

  it('with replicas each player’s update leaves the other player bit-identical (its lr 0 here: its own weights stay too)', async () => {
    for (const frozen of ['G', 'D'] as const) {
      const exp = experiment(tmpDir(`gan-dp-frozen-${frozen}`), [
        'train.workers=2',
        'train.adversarial.warmupSteps=0',
        'train.adversarial.dSteps=2',
        ...(frozen === 'G' ? ['train.optimizer.lr=0'] : ['train.adversarial.optimizer={"lr":0,"weightDecay":0}']),
      ]);
      const model = buildExperimentModel(exp);
      const gan = new JasrGanTrainable(model, exp.train, exp.train.adversarial!, exp.eval);
      const all = gan.namedVariables();
      const stepper = await createStepper(gan, exp.train, all);
      try {
        assert.match(stepper.note ?? '', /^data-parallel: 2 replicas/);
        const [g, d] = gradientTargets(gan).map((t) => Object.keys(t.vars));
        const before = host(all);
        const out = await stepper.step(loader().batchAt(0, 0), ctxAt(1), () => undefined);
        const after = host(all);
        const [still, moved] = frozen === 'G' ? [g, d] : [d, g];
        for (const n of still) assert.ok(tf.util.arraysEqual(after[n], before[n]), `${frozen} frozen: ${n} changed`);
        for (const n of moved) assert.ok(!tf.util.arraysEqual(after[n], before[n]), `${frozen} frozen: ${n} did not move`);
        assert.ok(Number.isFinite(out.values['D.total']) && Number.isFinite(out.values.total));
      } finally {
        await stepper.close();
        stepper.optimizers.dispose();
        gan.dispose();
        model.dispose();
      }
    }
  });

  it('jasr train with workers 2 ends 4 steps (warm-up 1, 2 D updates) at the workers-1 weights of G and D and logs the same losses of both players', async () => {
    const root = tmpDir('gan-dp-train');
    const runs: { weights: Record<string, Float32Array>; steps: StepRecord[]; messages: string }[] = [];
    let initial: Record<string, Float32Array> = {};
    for (const workers of [1, 2]) {
      const exp = experiment(root, [`train.workers=${workers}`, 'train.batchSize=3', 'data.syntheticCounts=[6,2,3]', 'train.adversarial.dSteps=2']);
      const fresh = new JasrGanTrainable(buildExperimentModel(exp), exp.train, exp.train.adversarial!, exp.eval);
      initial = host(fresh.namedVariables());
      fresh.dispose();
      fresh.model.dispose();
      const runDir = path.join(root, `workers-${workers}`);
      const stream = new PassThrough();
      let messages = '';
      stream.on('data', (d: Buffer) => (messages += d.toString()));
      const trained = await trainExperiment(exp, { runDir, progress: new ProgressReporter({ mode: 'plain', stream, plainEverySec: 1e9 }) });
      trained.model.dispose();
      const saved = new CheckpointStore(runDir).load('last');
      runs.push({
        weights: Object.fromEntries(Object.entries(saved.variables).map(([k, v]) => [k, v.values])),
        steps: readRunLog(runDir).filter((r): r is StepRecord => r.kind === 'step'),
        messages,
      });
    }
    const [one, two] = runs;
    assert.doesNotMatch(one.messages, /data-parallel/);
    assert.match(two.messages, /data-parallel: 2 replicas \(main thread \+ 1 worker\)/);
    assert.doesNotMatch(two.messages, /data-parallel off|players step on the main thread/);
    assert.equal(two.steps.length, 4);
    two.steps.forEach((s, i) => {
      for (const k of ['total', 'pixel', 'adversarial', 'D.total', 'D.real', 'D.fake']) {
        const ref = one.steps[i].loss[k];
        assert.ok(Math.abs(s.loss[k] - ref) <= VALUE_TOLERANCE * Math.abs(ref), `step ${i + 1} ${k}: ${s.loss[k]} vs ${ref}`);
      }
    });
    const names = Object.keys(one.weights);
    for (const [player, inPlayer] of [
      ['G', (n: string) => !n.startsWith('disc/')],
      ['D', (n: string) => n.startsWith('disc/')],
    ] as const) {
      const own = names.filter(inPlayer);
      const difference = relativeDistance(flat(two.weights, own), flat(one.weights, own));
      const moved = relativeDistance(flat(one.weights, own), flat(initial, own));
      console.log(
        `      ${player}: relative weight difference after 4 steps, workers 2 vs 1: ${difference.toExponential(1)} (moved from init: ${moved.toExponential(1)})`,
      );
      assert.ok(difference < WEIGHT_SHARE_OF_MOVE * moved, `${player}: relative weight difference ${difference}, move from init ${moved}`);
    }
  });

  it('a loss that couples the images of a batch (relativistic average) stays on one thread and says why', async () => {
    const exp = experiment(tmpDir('gan-dp-rel'), ['train.adversarial.loss="relativistic-average"']);
    const model = buildExperimentModel(exp);
    const gan = new JasrGanTrainable(model, exp.train, exp.train.adversarial!, exp.eval);
    const engine = await createPhasedEngine(gan, gan.namedVariables(), gradientTargets(gan), 2);
    try {
      assert.equal(engine.replicas, 1);
      assert.equal(
        engine.note,
        "data-parallel off (one thread): train.adversarial.loss 'relativistic-average' compares every logit with the batch's mean logit, which shards cannot reproduce",
      );
    } finally {
      await engine.close();
      gan.dispose();
      model.dispose();
    }
  });
});
