/**
 * Child process of the fault tests: trains the tiny model (./run-tiny.ts) into a run directory on the cpu
 * backend (deterministic across processes, starts in about a second), so that a test can kill it with SIGKILL
 * at any moment, or hold the run directory's lock while the test tries a second writer.
 *
 *   node -r tsx/cjs test/faults/run-tiny-child.ts <runDir> <json: {resume?, train?, delayMs?}>
 *
 * Prints `ready` once training is about to start, then one JSON line with the result (or the error message
 * with exit status 1).
 */
import * as tf from '@tensorflow/tfjs';
import { train } from '../../src/engine/trainer';
import type { TrainConfig } from '../../src/engine/config';
import { TinyLoader, TinyModel, TRAIN_DATA_SEED, dataset, makeVal, tinyExperiment } from './run-tiny';

interface ChildArgs {
  resume?: boolean;
  train?: Partial<TrainConfig>;
  delayMs?: number;
}

async function main(): Promise<void> {
  const [runDir, json] = process.argv.slice(2);
  const args = JSON.parse(json ?? '{}') as ChildArgs;
  await tf.setBackend('cpu');
  await tf.ready();
  const model = new TinyModel();
  const loader = new TinyLoader(dataset(TRAIN_DATA_SEED), { delayMs: args.delayMs });
  process.stdout.write('ready\n');
  const result = await train(model, { train: loader, val: makeVal() }, tinyExperiment(args.train), { runDir, resume: args.resume, progress: 'quiet' });
  process.stdout.write(JSON.stringify({ status: result.status, step: result.step }) + '\n');
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
