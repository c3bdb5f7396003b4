/**
 * Entry point of one replica worker (started by ./replica-pool.ts through tsx). It builds the replica from the
 * recipe on the same backend as the main thread, then per phase of a step (one per player update, ../players.ts):
 * reloads the weights the main thread changed, computes the phase's target's loss and gradients on its shard
 * (the step's first phase brings the shard, later ones reuse it), writes the gradients to its shared buffer and
 * reports the losses.
 */
import { parentPort } from 'worker_threads';
import { initBackend } from '../../backend/index';
import { shareCores } from '../../backend/thread-budget';
import { TrainRng } from '../rng';
import type { TrainableModel } from '../trainable';
import type { FromWorker, InitMessage, PhaseMessage, ToWorker } from './messages';
import { assignVariables, checkLayoutMatches } from './layout';
import { targetGradients, targetValues } from './local-gradients';
import { GradientTarget, gradientTargets } from './targets';
import type { ReplicaModule } from './types';

/** Workers cannot share the trainer's checkpointed RNG; a loss that draws from it cannot be data-parallel exactly. */
class NoRngInWorkers extends TrainRng {
  constructor() {
    super(0);
  }
  override next(): number {
    throw new Error("lossFn drew from ctx.rng in a data-parallel worker, which cannot reproduce the trainer's RNG; set train.workers to 1");
  }
}

interface Replica {
  init: InitMessage;
  module: ReplicaModule<unknown>;
  model: TrainableModel<unknown, unknown>;
  targets: GradientTarget<unknown>[];
  /** The shard of the current step, held across its phases (a GAN's D phases read what its G phase kept). */
  shard: { batch: unknown } | null;
}

const port = parentPort;
if (!port) throw new Error('src/engine/parallel/worker-main.ts must run in a worker thread');
let replica: Replica | undefined;
const post = (m: FromWorker): void => port.postMessage(m);

async function initialise(init: InitMessage): Promise<Replica> {
  await initBackend({ force: init.backend, quiet: true });
  // Each replica takes its share of the cores; the default (all cores each) would oversubscribe them.
  shareCores(init.backend, init.replicas);
  // A recipe names its module by absolute path; require is the point (tsx compiles it), hence no static import.

  const exports = require(init.recipe.module) as Record<string, ReplicaModule<unknown> | undefined>;
  const module = exports[init.recipe.exportName];
  if (!module) throw new Error(`${init.recipe.module}: no export '${init.recipe.exportName}'`);
  const model = module.create(init.recipe.args);
  checkLayoutMatches(init.weightLayout, model.namedVariables(), 'data-parallel worker');
  const targets = gradientTargets(model);
  if (targets.length !== init.targetRanges.length)
    throw new Error(`data-parallel worker: the replica has ${targets.length} gradient targets, the main thread ${init.targetRanges.length}`);
  // Shapes were checked with the weight layout; a target's names and their order must match the main thread's.
  targets.forEach((t, i) => {
    const [from, to] = init.targetRanges[i];
    const expected = init.gradLayout.entries.slice(from, to).map((e) => e.name);
    if (expected.join('\n') !== Object.keys(t.vars).join('\n'))
      throw new Error(`data-parallel worker: target ${i} differentiates [${Object.keys(t.vars).join(', ')}], the main thread [${expected.join(', ')}]`);
  });
  return { init, module, model, targets, shard: null };
}

function releaseShard(r: Replica): void {
  if (r.shard) r.model.disposeBatch(r.shard.batch);
  r.shard = null;
}

function runPhase(r: Replica, msg: PhaseMessage): FromWorker {
  assignVariables(r.init.weightLayout, r.model.namedVariables(), r.init.weights, msg.refresh);
  if (msg.payload) {
    // The previous step's shard goes here, not after its last phase: only the main thread knows which was last.
    releaseShard(r);
    r.shard = { batch: r.module.fromPayload(msg.payload) };
  }
  if (!r.shard) throw new Error(`phase of step ${msg.step} without a shard`);
  const target = r.targets[msg.target];
  if (!target) throw new Error(`no gradient target ${msg.target} (the replica has ${r.targets.length})`);
  const ctx = { step: msg.step, epoch: msg.epoch, rng: new NoRngInWorkers() };
  if (msg.mode === 'values') return { kind: 'done', values: targetValues(target, r.shard.batch, ctx), present: [] };
  const { values, grads } = targetGradients(target, r.shard.batch, ctx);
  const present: string[] = [];
  const [from, to] = r.init.targetRanges[msg.target];
  for (const e of r.init.gradLayout.entries.slice(from, to)) {
    const g = grads[e.name];
    if (g === undefined) continue;
    r.init.grads.set(g.dataSync() as Float32Array, e.offset);
    present.push(e.name);
  }
  for (const g of Object.values(grads)) g.dispose();
  return { kind: 'done', values, present };
}

port.on('message', (msg: ToWorker) => {
  void (async () => {
    try {
      if (msg.kind === 'init') {
        replica = await initialise(msg);
        post({ kind: 'ready' });
      } else {
        if (!replica) throw new Error('step before init');
        post(runPhase(replica, msg));
      }
    } catch (e) {
      const err = e as Error;
      post({ kind: 'error', message: err.stack ?? err.message });
    }
  })();
});
