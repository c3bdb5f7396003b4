import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CheckpointState, CheckpointStore, SaveStage } from '../../src/engine/checkpoint';
import { setWriteFaultForTests } from '../../src/core/atomic-write';
import type { EpochRecord } from '../../src/engine/log';
import { TrainRng } from '../../src/engine/rng';
import { DEFAULT_TRAIN_CONFIG } from '../../src/engine/config';
import { learningRecords, startTinyChild, tmpDir } from './run-tiny';

/** JASR_FAULTS_LONG=1: many more kill points (minutes instead of seconds). */
const LONG = process.env.JASR_FAULTS_LONG === '1';

function state(step: number, psnr: number | null): CheckpointState {
  const w = Float32Array.from({ length: 6 }, (_, i) => Math.sin(step + i));
  return {
    epoch: Math.floor(step / 3),
    step,
    variables: { w: { shape: [2, 3], values: w } },
    optimizer: { step, slots: { w: { shape: [2, 3], m: w.map((x) => x / 10), v: w.map((x) => x * x) } } },
    rng: { draws: step },
    dataPosition: { index: step },
    experiment: { name: 'unit', train: {} },
    metrics: [],
    trainer: {},
    selection: psnr === null ? null : { metric: 'psnr', value: psnr, higherIsBetter: true, epoch: Math.floor(step / 3) },
  };
}

/** The epoch with the strictly best val PSNR, first reached, among `epochs` (the kit's selection rule). */
function bestEpoch(epochs: Omit<EpochRecord, 'elapsedSec'>[]): Omit<EpochRecord, 'elapsedSec'> | null {
  let best: Omit<EpochRecord, 'elapsedSec'> | null = null;
  for (const e of epochs) if (best === null || e.val.psnr > best.val.psnr) best = e;
  return best;
}

/**
 * After a crash: `last` names a complete, verified checkpoint, and `best` names the best epoch checkpoint at or
 * before it, with the reference run's exact selection value. Returns last's step (-1 when nothing was saved).
 */
function checkCrashInvariants(runDir: string, reference: Omit<EpochRecord, 'elapsedSec'>[], context: string): number {
  const store = new CheckpointStore(runDir);
  const record = store.record();
  if (record === null) return -1;
  const last = store.load('last');
  assert.equal(last.step, record.last.step, context);
  const want = bestEpoch(reference.filter((e) => e.step <= record.last.step));
  if (want === null) {
    assert.equal(record.best, null, context);
  } else {
    assert.equal(record.best?.step, want.step, `${context}: best after last at step ${record.last.step}`);
    assert.equal(store.load('best').selection?.value, want.val.psnr, context);
  }
  if (record.lastGood) {
    assert.ok(record.lastGood.step <= record.last.step, context);
    assert.equal(store.load('lastGood').step, record.lastGood.step, context);
  }
  return record.last.step;
}

describe('faults/run: crashes while saving and SIGKILL during training', function () {
  this.timeout(LONG ? 1_200_000 : 120_000);

  it('a crash at every stage of a save: last and best move together or not at all', () => {
    type Crash = SaveStage | 'record temporary written' | 'record renamed';
    const crashes: Crash[] = ['tensors-written', 'meta-written', 'verified', 'renamed', 'record temporary written', 'record renamed', 'recorded'];
    for (const crash of crashes) {
      const run = tmpDir('save-crash');
      const store = new CheckpointStore(run);
      store.save(state(3, 20), { candidateBest: true });
      store.save(state(4, null));
      const committed = crash === 'record renamed' || crash === 'recorded';
      const fail = (): never => {
        throw new Error(`simulated crash: ${crash}`);
      };
      if (crash === 'record temporary written') setWriteFaultForTests((s) => (s === 'temporary-written' ? fail() : undefined));
      if (crash === 'record renamed') setWriteFaultForTests((s) => (s === 'renamed' ? fail() : undefined));
      try {
        assert.throws(() => store.save(state(6, 30), { candidateBest: true, onStage: (s) => (s === crash ? fail() : undefined) }), /simulated crash/);
      } finally {
        setWriteFaultForTests();
      }
      const record = store.record()!;
      assert.deepEqual([record.last.step, record.best?.step], committed ? [6, 6] : [4, 3], crash);
      assert.equal(store.load('best').selection?.value, committed ? 30 : 20, crash);
      assert.equal(store.load('last').step, committed ? 6 : 4, crash);
      // The next save works and leaves only what the record names (no temporaries, no orphan folder).
      store.save(state(9, 25), { candidateBest: true });
      const after = store.record()!;
      assert.deepEqual([after.last.step, after.best?.step], [9, committed ? 6 : 9], crash);
      const names = fs.readdirSync(store.dir).sort();
      assert.deepEqual(names, ['checkpoints.json', ...new Set([after.best!.dir, after.last.dir])].sort(), `${crash}: ${names}`);
    }
  });

  it('SIGKILL at seeded random moments of a training with a checkpoint every step, resumed each time: same result as uninterrupted', async () => {
    // lr 0.5 overshoots after epoch 5: the best epoch (5) is not the last, so `best` and `last` part ways.
    const epochs = LONG ? 24 : 8;
    const train = { epochs, checkpointEvery: 1, optimizer: { ...DEFAULT_TRAIN_CONFIG.optimizer, lr: 0.5, weightDecay: 0.01 } };
    const root = tmpDir('kill');
    const refDir = path.join(root, 'reference');
    const t0 = Date.now();
    const ref = startTinyChild(refDir, { train, delayMs: 3 });
    await ref.ready;
    const tReady = Date.now();
    const refExit = await ref.exited;
    assert.equal(refExit.code, 0, refExit.stderr);
    const trainMs = Date.now() - tReady;
    const reference = learningRecords(refDir);
    const steps = epochs * 3;
    assert.equal(reference.steps.length, steps);
    const stepMs = trainMs / steps;
    // Selection must be exercised: the best epoch is not simply the last one.
    const refBest = bestEpoch(reference.epochs)!;
    assert.ok(refBest.step < steps, `the reference run peaks at step ${refBest.step}, before its end: best and last part ways`);

    const runDir = path.join(root, 'killed');
    const rng = new TrainRng(20261203);
    const kills = LONG ? 30 : 4;
    const logFile = path.join(runDir, 'log.jsonl');
    const newestStep = (): number =>
      Math.max(
        0,
        ...[...(fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '').matchAll(/"kind":"step","epoch":\d+,"step":(\d+)/g)].map((m) => Number(m[1])),
      );
    const landed: number[] = [];
    for (let i = 0; i < kills; i++) {
      const resume = fs.existsSync(path.join(runDir, 'log.jsonl'));
      const child = startTinyChild(runDir, { train, delayMs: 3, resume });
      const from = new CheckpointStore(runDir).record()?.last.step ?? 0;
      await child.ready;
      // Let this child run a random number of its own steps (at least one, about the remaining steps over the
      // remaining kills on average, so the kills spread over the whole training), then kill it at a uniform moment
      // within the next two steps' time: anywhere in a step, its log write or its checkpoint save.
      const target = Math.min(steps - 1, from + 1 + Math.floor(rng.next() * ((2 * (steps - from)) / (kills - i))));
      let exitedEarly = false;
      void child.exited.then(() => (exitedEarly = true));
      while (!exitedEarly && newestStep() < target) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, rng.next() * 2 * stepMs));
      child.child.kill('SIGKILL');
      const exit = await child.exited;
      if (exit.code === 0) break; // it finished before the kill
      assert.equal(exit.signal, 'SIGKILL', exit.stderr);
      landed.push(checkCrashInvariants(runDir, reference.epochs, `kill ${i + 1}`));
    }
    assert.ok(
      landed.length >= Math.min(3, kills) && landed.some((s) => s > 0 && s < steps),
      `too few kills landed during training (last steps after kills: ${landed})`,
    );
    const final = startTinyChild(runDir, { train, resume: true });
    const finalExit = await final.exited;
    assert.equal(finalExit.code, 0, finalExit.stderr);
    checkCrashInvariants(runDir, reference.epochs, 'finished');
    assert.deepEqual(learningRecords(runDir), reference, 'resumed run logs the same steps and epochs as the uninterrupted one');
    const [a, b] = [new CheckpointStore(runDir), new CheckpointStore(refDir)];
    assert.deepEqual(a.load('last').variables, b.load('last').variables);
    assert.deepEqual(a.load('best').variables, b.load('best').variables);
    console.log(`      kills landed with last at steps [${landed}] (training ${trainMs} ms, ${Date.now() - t0} ms in all)`);
  });
});
