/**
 * Issue 21 item 2: a learning-rate decay the budget never reaches is said at start (and refused on request),
 * and milestones may be given in optimiser steps.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { train } from '../src/engine/trainer';
import { DEFAULT_TRAIN_CONFIG, TRAIN_CONFIG_SCHEMA } from '../src/engine/config';
import { EpochRecord, StepRecord, readRunLog } from '../src/engine/log';
import {
  UnreachableMilestoneError,
  budgetReach,
  describeSchedule,
  describeUnreachable,
  learningRateAt,
  resolveSchedule,
  unreachableMilestones,
} from '../src/engine/schedule';
import { TinyLoader, TinyModel, TRAIN_DATA_SEED, dataset, makeVal, tinyExperiment, tmpDir } from './faults/run-tiny';

describe('engine/schedule: milestones in epochs or steps, and the ones a budget never reaches', () => {
  it('epoch milestones as MultiStepLR; step milestones count 1-based optimiser steps', () => {
    const epochs = { ...DEFAULT_TRAIN_CONFIG.schedule, milestones: [2, 3], gamma: 0.5 };
    assert.deepEqual(
      [1, 2, 3, 4].map((e) => learningRateAt(1, epochs, e, 100)),
      [1, 1, 0.5, 0.25],
    );
    const steps = { ...epochs, milestones: [3, 5], unit: 'step' as const };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((s) => learningRateAt(1, steps, 1, s)),
      [1, 1, 1, 0.5, 0.5, 0.25],
    );
    assert.throws(() => learningRateAt(1, steps, 1), /need the 1-based step/);
    // Absent unit/onUnreachable parse to absent (recipes recorded before these keys compare equal on resume).
    const parsed = TRAIN_CONFIG_SCHEMA.parse({ schedule: { milestones: [5] } });
    assert.equal('unit' in parsed.schedule, false);
    assert.equal(TRAIN_CONFIG_SCHEMA.parse({ schedule: { unit: 'step', onUnreachable: 'refuse' } }).schedule.unit, 'step');
    assert.throws(() => TRAIN_CONFIG_SCHEMA.parse({ schedule: { unit: 'iteration' } }));
  });

  it("finds experiments/cpu/base-cpu.json's old milestone 1000 beyond a 2000-step budget at 9 steps per epoch (epoch 223)", () => {
    const reach = budgetReach(9, 400, 2000);
    assert.deepEqual(reach, { lastStep: 2000, lastEpoch: 223 });
    const schedule = { ...DEFAULT_TRAIN_CONFIG.schedule, milestones: [100, 223, 1000], gamma: 0.5 };
    // 223 would apply from epoch 224 on: never, like 1000; 100 fires.
    assert.deepEqual(unreachableMilestones(schedule, reach), [223, 1000]);
    assert.equal(
      describeUnreachable(schedule, reach, 9, 0.001),
      'train.schedule.milestones: 223, 1000 (epochs) lie beyond the last epoch the budget reaches (223: 2000 steps of 9 per epoch, epoch 223), so they never fire and the lr ends at 0.0005; lower the milestones, give them in steps (train.schedule.unit "step"), or raise the budget (train.epochs / train.maxSteps)',
    );
    assert.deepEqual(unreachableMilestones({ ...schedule, unit: 'step', milestones: [1000, 1999, 2000] }, reach), [2000]);
    assert.equal(describeUnreachable({ ...schedule, milestones: [222] }, reach, 9, 0.001), null);
  });

  it('train() warns at start in the log, refuses with onUnreachable "refuse" before writing anything, and logs step-milestone rates', async () => {
    const val = makeVal();
    const model = new TinyModel();
    try {
      // 3 steps per epoch, budget 5 steps → last epoch 2: milestone 2 (from epoch 3) never fires.
      const warned = path.join(tmpDir('sched-warn'), 'run');
      await train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, tinyExperiment({ maxSteps: 5 }), { runDir: warned, progress: 'quiet' });
      const start = readRunLog(warned)[0];
      assert.ok(start.kind === 'event' && start.event === 'start');
      assert.match(
        start.message,
        /^training tiny; warning: train\.schedule\.milestones: 2 \(epochs\) lie beyond the last epoch the budget reaches \(2: 5 steps of 3 per epoch, epoch 2\)/,
      );

      const refused = path.join(tmpDir('sched-refuse'), 'run');
      const strict = tinyExperiment({ maxSteps: 5, schedule: { type: 'step', milestones: [2], gamma: 0.5, onUnreachable: 'refuse' } });
      await assert.rejects(
        train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, strict, { runDir: refused, progress: 'quiet' }),
        (e: Error) =>
          e instanceof UnreachableMilestoneError &&
          /^tiny: train\.schedule\.milestones: 2 \(epochs\).*\(refused: train\.schedule\.onUnreachable is "refuse"\)$/.test(e.message),
      );
      assert.equal(fs.existsSync(refused), false, 'a refused training creates nothing');

      const byStep = path.join(tmpDir('sched-step'), 'run');
      const stepped = tinyExperiment({ epochs: 2, schedule: { type: 'step', milestones: [2, 4], gamma: 0.5, unit: 'step', onUnreachable: 'refuse' } });
      await train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, stepped, { runDir: byStep, progress: 'quiet' });
      const records = readRunLog(byStep);
      assert.deepEqual(
        records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.lr),
        [0.2, 0.2, 0.1, 0.1, 0.05, 0.05],
      );
      assert.deepEqual(
        records.filter((r): r is EpochRecord => r.kind === 'epoch').map((r) => r.lr),
        [0.1, 0.05],
      );
      const start2 = records[0];
      assert.ok(start2.kind === 'event' && start2.message === 'training tiny');
    } finally {
      model.dispose();
      val.x.dispose();
      val.y.dispose();
    }
  });

  it("budget-fraction milestones resolve to steps of the run's own budget, and are validated as fractions", () => {
    const frac = { ...DEFAULT_TRAIN_CONFIG.schedule, milestones: [0.5, 0.75], gamma: 0.5, unit: 'budget' as const };
    // 300 steps (the npm start budget) and 2000 (the recipe's): the decay lands at the same point of training.
    assert.deepEqual(resolveSchedule(frac, budgetReach(9, 400, 300)).milestones, [150, 225]);
    assert.deepEqual(resolveSchedule(frac, budgetReach(9, 400, 2000)).milestones, [1000, 1500]);
    assert.equal(resolveSchedule(frac, budgetReach(9, 400, 2000)).unit, 'step');
    // Without maxSteps the budget is epochs × steps per epoch; tiny budgets merge fractions rounding to one step.
    assert.deepEqual(resolveSchedule(frac, budgetReach(3, 2)).milestones, [3, 5]);
    assert.deepEqual(resolveSchedule(frac, budgetReach(1, 1, 1)).milestones, [1]);
    assert.equal(describeSchedule(frac, budgetReach(9, 400, 300)), 'lr ×0.5 after steps 150, 225 (0.5, 0.75 of 300 steps)');
    assert.throws(() => learningRateAt(1, frac, 1, 1), /must be resolved to steps first/);
    // Fractions only with unit 'budget', whole numbers only without it.
    assert.throws(() => TRAIN_CONFIG_SCHEMA.parse({ schedule: { unit: 'budget', milestones: [0.5, 1.5] } }), /fraction of the budget in \(0, 1\).*found 1\.5/s);
    assert.throws(() => TRAIN_CONFIG_SCHEMA.parse({ schedule: { unit: 'step', milestones: [0.5] } }), /whole step number.*found 0\.5/s);
    assert.throws(() => TRAIN_CONFIG_SCHEMA.parse({ schedule: { milestones: [2.5] } }), /whole epoch number.*found 2\.5/s);
    assert.deepEqual(TRAIN_CONFIG_SCHEMA.parse({ schedule: { unit: 'budget', milestones: [0.6] } }).schedule.milestones, [0.6]);
  });

  it('train() steps budget-fraction milestones at their resolved steps and says so at start', async () => {
    const val = makeVal();
    const model = new TinyModel();
    try {
      const runDir = path.join(tmpDir('sched-budget'), 'run');
      // 3 steps per epoch, 2 epochs, budget 6 steps: fractions 0.5 and 0.75 → after steps 3 and 5 (4.5 rounds to 5).
      const exp = tinyExperiment({ epochs: 2, schedule: { type: 'step', milestones: [0.5, 0.75], gamma: 0.5, unit: 'budget', onUnreachable: 'refuse' } });
      await train(model, { train: new TinyLoader(dataset(TRAIN_DATA_SEED)), val }, exp, { runDir, progress: 'quiet' });
      const records = readRunLog(runDir);
      assert.deepEqual(
        records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.lr),
        [0.2, 0.2, 0.2, 0.1, 0.1, 0.05],
      );
      const start = records[0];
      assert.ok(start.kind === 'event' && start.message === 'training tiny; lr ×0.5 after steps 3, 5 (0.5, 0.75 of 6 steps)');
    } finally {
      model.dispose();
      val.x.dispose();
      val.y.dispose();
    }
  });
});
