/**
 * A pool of replica workers: started once per training run, each with its own TF.js backend (wasm runs one
 * thread per instance in Node, so N instances use N cores). Weights go out through one shared buffer that all
 * workers read; each worker has its own shared gradient buffer, so nothing is copied through messages but the
 * batch shards (transferred, not cloned).
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { BackendName } from '../../backend/index';
import type { FromWorker, InitMessage, StepMessage } from './messages';
import { FlatLayout, sharedFloats } from './layout';
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
  static async start(count: number, recipe: ReplicaRecipe, backend: BackendName, weightLayout: FlatLayout, gradLayout: FlatLayout): Promise<ReplicaPool> {
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

  private request(slot: Slot, msg: InitMessage | StepMessage, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (slot.failure) return Promise.reject(slot.failure);
    return new Promise((resolve, reject) => {
      slot.pending = { resolve, reject };
      slot.worker.postMessage(msg, transfer);
    });
  }

  /**
   * Sends one payload per worker (the weights must already be in `weights`) and returns immediately; await the
   * promise after the main thread has computed its own shard.
   */
  step(step: number, epoch: number, payloads: BatchPayload[]): Promise<WorkerShardResult[]> {
    if (payloads.length > this.slots.length) throw new Error(`ReplicaPool.step: ${payloads.length} shards for ${this.slots.length} workers`);
    return Promise.all(
      payloads.map(async (payload, i) => {
        const slot = this.slots[i];
        const transfer = Object.values(payload.tensors).map((t) => t.data.buffer as ArrayBuffer);
        const reply = await this.request(slot, { kind: 'step', step, epoch, payload }, transfer);
        if (reply.kind !== 'stepped') throw new Error(`data-parallel worker ${i + 1}: expected a step result, got '${reply.kind}'`);
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
