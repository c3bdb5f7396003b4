/**
 * Gradient accumulation (train.microBatch): a batch larger than the micro-batch size is cut into consecutive
 * micro-batches, each goes through the gradient engine on its own (forward, backward, activations freed), and
 * their gradients and loss terms are summed weighted by their share of the batch's images. For a loss that is a
 * mean over images — the joint loss with the official heatmap term is: L1 is a per-pixel mean of equal-sized
 * images and the CPM term divides by 2·B (src/losses/) — Σ_i (n_i / B) · ∇L_i = ∇L of the whole batch, so the
 * optimiser then makes the same single update, up to float32 summation order. The model must be free of layers
 * that couple the images of a batch (JASRNet has no BatchNorm; its only normalisation, the discriminator's
 * instance norm in src/model/discriminator.ts, is per image). The trainer never sees micro-batches: steps, the
 * schedule, logging, the NaN guard, checkpoints and resume all count whole batches.
 *
 * The point is memory: activations scale with the images in one pass, and the wasm heap is wasm32 (4 GiB), so
 * the paper-era model (experiments/jasrnet-paper.json) reaches batch 8 only this way (bench/RESULTS.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensors } from './optimizer';
import type { GradientEngine } from './parallel/engine';
import type { LocalGradients } from './parallel/local-gradients';
import { weightedMeans } from './parallel/shards';
import type { StepContext, TrainableModel } from './trainable';

/** `images` cut into passes of `microBatch` images, the last one smaller when it does not divide. */
export function microBatchCounts(images: number, microBatch: number): number[] {
  if (!(Number.isInteger(microBatch) && microBatch >= 1)) throw new Error(`train.microBatch: expected an integer ≥ 1, found ${microBatch}`);
  const counts: number[] = [];
  for (let left = images; left > 0; left -= microBatch) counts.push(Math.min(microBatch, left));
  return counts.length > 0 ? counts : [images];
}

/** acc + w · g per variable; disposes `g` and the previous accumulator. Every pass must reach the same variables. */
function addWeighted(acc: NamedTensors | null, g: NamedTensors, w: number, pass: number): NamedTensors {
  const out: NamedTensors = {};
  try {
    if (acc !== null) {
      const a = Object.keys(acc).sort().join(',');
      const b = Object.keys(g).sort().join(',');
      if (a !== b) throw new Error(`train.microBatch: micro-batch ${pass + 1} has gradients for other variables than micro-batch 1 (${b} vs ${a})`);
    }
    for (const [k, t] of Object.entries(g)) out[k] = tf.tidy(() => (acc === null ? tf.mul(t, w) : tf.add(acc[k], tf.mul(t, w))));
    return out;
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  } finally {
    tf.dispose(Object.values(g));
    if (acc !== null) tf.dispose(Object.values(acc));
  }
}

class AccumulatingEngine<B, V> implements GradientEngine<B> {
  readonly note: string;

  constructor(
    private readonly inner: GradientEngine<B>,
    private readonly model: TrainableModel<B, V>,
    private readonly microBatch: number,
  ) {
    const accumulation = `gradient accumulation: micro-batches of ${microBatch} image${microBatch === 1 ? '' : 's'}, one optimiser step per batch`;
    this.note = inner.note === null ? accumulation : `${inner.note}; ${accumulation}`;
  }

  get replicas(): number {
    return this.inner.replicas;
  }

  async compute(batch: B, ctx: StepContext): Promise<LocalGradients> {
    const counts = microBatchCounts(this.model.batchSize(batch), this.microBatch);
    if (counts.length === 1) return this.inner.compute(batch, ctx);
    let parts: B[];
    try {
      if (this.model.splitBatch === undefined)
        throw new Error('train.microBatch: this model has no splitBatch(), so its batches cannot be cut into micro-batches');
      parts = this.model.splitBatch(batch, counts);
    } finally {
      this.model.disposeBatch(batch);
    }
    const total = counts.reduce((a, b) => a + b, 0);
    const values: Record<string, number>[] = [];
    let acc: NamedTensors | null = null;
    let next = 0;
    try {
      for (; next < parts.length; next++) {
        // The engine disposes the part it is given; the parts not reached yet are disposed below on a failure.
        const part = parts[next];
        const r = await this.inner.compute(part, ctx);
        values.push(r.values);
        acc = addWeighted(acc, r.grads, counts[next] / total, next);
      }
    } catch (e) {
      for (const p of parts.slice(next + 1)) this.model.disposeBatch(p);
      if (acc !== null) tf.dispose(Object.values(acc));
      throw e;
    }
    return { values: weightedMeans(values, counts), grads: acc ?? {} };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** `engine` itself without train.microBatch, else an engine that accumulates micro-batches of that many images. */
export function withAccumulation<B, V>(engine: GradientEngine<B>, model: TrainableModel<B, V>, microBatch: number | undefined): GradientEngine<B> {
  return microBatch === undefined ? engine : new AccumulatingEngine(engine, model, microBatch);
}
