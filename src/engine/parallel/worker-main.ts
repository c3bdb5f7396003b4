/**
 * Entry point of one replica worker (started by ./replica-pool.ts through tsx). It builds the replica from the
 * recipe on the same backend as the main thread, then per step: loads the weights the main thread published,
 * computes loss and gradients on its shard, writes the gradients to its shared buffer and reports the losses.
 */
import { parentPort } from 'worker_threads';
import { initBackend } from '../../backend/index';
import { shareCores } from '../../backend/thread-budget';
import { TrainRng } from '../rng';
import type { TrainableModel } from '../trainable';
import type { FromWorker, InitMessage, StepMessage, ToWorker } from './messages';
import { assignVariables, checkLayoutMatches } from './layout';
import { localGradients } from './local-gradients';
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
  trainable: ReturnType<TrainableModel<unknown, unknown>['namedVariables']>;
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
  const all = model.namedVariables();
  checkLayoutMatches(init.weightLayout, all, 'data-parallel worker');
  const byVar = new Map(Object.entries(all).map(([k, v]) => [v, k]));
  const trainable: Replica['trainable'] = {};
  for (const v of model.trainableVariables()) trainable[byVar.get(v) ?? v.name] = v;
  checkLayoutMatches(init.gradLayout, trainable, 'data-parallel worker (trainable)');
  return { init, module, model, trainable };
}

function runStep(r: Replica, msg: StepMessage): FromWorker {
  const all = r.model.namedVariables();
  assignVariables(r.init.weightLayout, all, r.init.weights);
  const batch = r.module.fromPayload(msg.payload);
  const { values, grads } = localGradients(r.model, batch, { step: msg.step, epoch: msg.epoch, rng: new NoRngInWorkers() }, r.trainable);
  const present: string[] = [];
  for (const e of r.init.gradLayout.entries) {
    const g = grads[e.name];
    if (g === undefined) continue;
    r.init.grads.set(g.dataSync() as Float32Array, e.offset);
    present.push(e.name);
  }
  for (const g of Object.values(grads)) g.dispose();
  return { kind: 'stepped', values, present };
}

port.on('message', (msg: ToWorker) => {
  void (async () => {
    try {
      if (msg.kind === 'init') {
        replica = await initialise(msg);
        post({ kind: 'ready' });
      } else {
        if (!replica) throw new Error('step before init');
        post(runStep(replica, msg));
      }
    } catch (e) {
      const err = e as Error;
      post({ kind: 'error', message: err.stack ?? err.message });
    }
  })();
});
