import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { KnownError } from '../../src/core/errors';
import { loadModel } from '../../src/model/io';
import { SEED, SMALL, Saved, copyOf, saveFixture, weightBytes } from './model-fixture';

/**
 * Random damage to a saved model: byte flips and truncations of model.json and weights.bin (seeded, so a failure
 * replays). Every outcome must be a load that is bit-identical to the original (weights, config, seed) or a
 * one-line known error naming a file of the folder: never a crash, a stack trace or a silently different model.
 * JASR_FAULTS_LONG=1 runs 2000 cases instead of 120 (case 114 of this seed is the first that a loader without
 * model.json's self-hash would load silently changed: srResScale 0.1 → 0.3).
 */
const LONG = process.env.JASR_FAULTS_LONG === '1';
const CASES = LONG ? 2000 : 120;

/** mulberry32: a tiny seeded PRNG, enough to pick offsets and bits reproducibly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Damage = { target: 'json' | 'weights'; kind: 'flip' | 'truncate' | 'flips'; at: number[]; bits: number[] };

/**
 * Damages `bytes` at random offsets, or only at `targets` when given. model.json is mostly weight specs; a third
 * of its cases aim at the digits of the config and seed at its end, where a flipped digit (srResScale 0.1 → 0.3,
 * seed 7 → 5) still parses and validates: only model.json's self-hash tells such a file from the saved one.
 */
function damage(bytes: Buffer, target: Damage['target'], random: () => number, targets?: number[]): { bytes: Buffer; what: Damage } {
  const pick = (n: number): number => Math.floor(random() * n);
  const offset = (): number => (targets ? targets[pick(targets.length)] : pick(bytes.length));
  const kind = (['flip', 'truncate', 'flips'] as const)[pick(3)];
  if (kind === 'truncate') {
    const at = offset();
    return { bytes: bytes.subarray(0, at), what: { target, kind, at: [at], bits: [] } };
  }
  const out = Buffer.from(bytes);
  const at: number[] = [];
  const bits: number[] = [];
  for (let i = 0; i < (kind === 'flip' ? 1 : 1 + pick(8)); i++) {
    at.push(offset());
    bits.push(1 << pick(8));
    out[at[i]] ^= bits[i];
  }
  return { bytes: out, what: { target, kind, at, bits } };
}

describe(`faults: random damage to a saved model (${CASES} cases${LONG ? ', JASR_FAULTS_LONG' : ''})`, function () {
  this.timeout(LONG ? 900_000 : 120_000);
  let saved: Saved;
  before(async () => {
    saved = await saveFixture();
  });
  after(() => fs.rmSync(saved.root, { recursive: true, force: true }));

  it('each case loads bit-identically or is refused in one line naming the file', async () => {
    const random = rng(20261203);
    const outcomes = { identical: 0, refused: 0 };
    const text = saved.json.toString('latin1');
    const metadataStart = text.indexOf('"userDefinedMetadata"');
    const metadataEnd = text.indexOf('"modelJsonSha256"');
    const digits = [...text.slice(metadataStart, metadataEnd).matchAll(/\d/g)].map((m) => metadataStart + m.index!);
    assert.ok(digits.length >= 5, `digits of the config and seed at ${digits}`);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < CASES; i++) {
      const target = random() < 0.5 ? 'json' : 'weights';
      const targets = target === 'json' && random() < 1 / 3 ? digits : undefined;
      const { bytes, what } = damage(target === 'json' ? saved.json : saved.weights, target, random, targets);
      const dir = copyOf(saved, target === 'json' ? { json: bytes } : { weights: bytes });
      const label = `case ${i} ${JSON.stringify(what)}`;
      try {
        const model = await loadModel(dir);
        // Loaded: it must be the very model that was saved.
        assert.deepEqual(model.config, SMALL, label);
        assert.equal(model.seed, SEED, label);
        assert.ok(weightBytes(model).equals(saved.weights), `${label}: loaded different weights`);
        model.dispose();
        outcomes.identical += 1;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof KnownError, `${label}: not a known error: ${(e as Error).stack}`);
        assert.ok(!e.message.includes('\n'), `${label}: more than one line: ${e.message}`);
        assert.ok(e.message.startsWith(`${dir}/`), `${label}: does not name a file of the folder first: ${e.message}`);
        outcomes.refused += 1;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(tf.memory().numTensors, tensors, 'no tensor leaked by a refused load');
    assert.equal(outcomes.identical + outcomes.refused, CASES);
    // Damage to weights.bin is always caught, so refusals must dominate; whitespace flips in model.json may load.
    assert.ok(outcomes.refused > CASES / 2, JSON.stringify(outcomes));
  });
});
