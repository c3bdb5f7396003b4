/**
 * A pool of replica workers: started once per training run, each with its own TF.js backend (wasm runs one
 * thread per instance in Node, so N instances use N cores). Weights go out through one shared buffer that all
 * workers read; each worker has its own shared gradient buffer, so nothing is copied through messages but the
 * batch shards (transferred, not cloned).
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { BackendName } from '../../backend/index';
import type { FromWorker, InitMessage, Phase, PhaseMessage } from './messages';
import { EntryRange, FlatLayout, sharedFloats } from './layout';
import type { BatchPayload, ReplicaRecipe } from './types';

export interface WorkerShardResult {
  values: Record<string, number>;
  /** Names whose gradient the worker wrote into `grads`. */
  present: Set<string>;
  grads: Float32Array;
}

interface Slot {
  worker: Worker;
  grads: Float32Array;
  pending: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null;
  failure: Error | null;
}

/** The worker script, loaded through tsx's CommonJS hook (resolved here so a worker needs no cwd or execArgv). */
function bootstrapSource(): string {
  const tsx = require.resolve('tsx/cjs');
  const entry = path.join(__dirname, 'worker-main.ts');
  return `require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`;
}

export class ReplicaPool {
  readonly weights: Float32Array;
  private readonly slots: Slot[] = [];
  private closed = false;

  private constructor(
    readonly weightLayout: FlatLayout,
    readonly gradLayout: FlatLayout,
  ) {
    this.weights = sharedFloats(weightLayout);
  }

  /** Starts `count` workers and waits until each has built its replica (rejects, closing them all, if one fails). */
  static async start(
    count: number,
    recipe: ReplicaRecipe,
    backend: BackendName,
    weightLayout: FlatLayout,
    gradLayout: FlatLayout,
    targetRanges: EntryRange[],
  ): Promise<ReplicaPool> {
    const pool = new ReplicaPool(weightLayout, gradLayout);
    try {
      const source = bootstrapSource();
      for (let i = 0; i < count; i++) {
        const worker = new Worker(source, { eval: true });
        const slot: Slot = { worker, grads: sharedFloats(gradLayout), pending: null, failure: null };
        worker.on('message', (m: FromWorker) => {
          const p = slot.pending;
          slot.pending = null;
          if (!p) return;
          if (m.kind === 'error') p.reject(new Error(`data-parallel worker ${i + 1}: ${m.message}`));
          else p.resolve(m);
        });
        const fail = (e: Error): void => {
          slot.failure = e;
          slot.pending?.reject(e);
          slot.pending = null;
        };
        worker.on('error', (e) => fail(new Error(`data-parallel worker ${i + 1} crashed: ${e.message}`)));
        worker.on('exit', (code) => {
          if (!pool.closed) fail(new Error(`data-parallel worker ${i + 1} exited with code ${code}`));
        });
        pool.slots.push(slot);
      }
      await Promise.all(
        pool.slots.map((s) =>
          pool.request(s, {
            kind: 'init',
            recipe,
            backend,
            replicas: count + 1,
            weightLayout,
            weights: pool.weights,
            gradLayout,
            grads: s.grads,
            targetRanges,
          } satisfies InitMessage),
        ),
      );
      return pool;
    } catch (e) {
      await pool.close();
      throw e;
    }
  }

  get size(): number {
    return this.slots.length;
  }

  private request(slot: Slot, msg: InitMessage | PhaseMessage, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (slot.failure) return Promise.reject(slot.failure);
    return new Promise((resolve, reject) => {
      slot.pending = { resolve, reject };
      slot.worker.postMessage(msg, transfer);
    });
  }

  /**
   * Runs `phase` on the first `shards.length` workers, each on a new shard (a payload, transferred) or on the shard
   * it holds from this step's earlier phases (undefined); the weights `phase.refresh` names must already be in
   * `weights`. Returns immediately: await the promise after the main thread has computed its own shard.
   */
  run(phase: Phase, shards: (BatchPayload | undefined)[]): Promise<WorkerShardResult[]> {
    if (shards.length > this.slots.length) throw new Error(`ReplicaPool.run: ${shards.length} shards for ${this.slots.length} workers`);
    return Promise.all(
      shards.map(async (payload, i) => {
        const slot = this.slots[i];
        const transfer = payload ? Object.values(payload.tensors).map((t) => t.data.buffer as ArrayBuffer) : [];
        const reply = await this.request(slot, { kind: 'phase', ...phase, ...(payload ? { payload } : {}) }, transfer);
        if (reply.kind !== 'done') throw new Error(`data-parallel worker ${i + 1}: expected a phase result, got '${reply.kind}'`);
        return { values: reply.values, present: new Set(reply.present), grads: slot.grads };
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
