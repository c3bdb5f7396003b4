/**
 * Batches of FaceBatch tensors from an array of HR samples. Deterministic for a seed: the order of epoch e is a
 * shuffle seeded by (seed, e), and the augmentation of the k-th example of epoch e is seeded by (seed, e, k), so
 * `restore({epoch, cursor})` resumes exactly without replaying earlier batches. Batches are prepared lazily, one at
 * a time, so memory stays at one batch whatever the dataset size (JS is single-threaded here: preparing ahead
 * would not overlap with training).
 */
import * as tf from '@tensorflow/tfjs';
import type { FaceBatch, FaceSample } from './types';
import { hrSizeForScale } from '../core/geometry';
import { AugmentConfig, NO_AUGMENT, augmentSample } from './augment';
import { Rng, mixSeed } from '../core/prng';
import { makePair, resizeSample } from './pairs';
import { anyDepth, depthRows } from './depth';

export interface LoaderOptions {
  scale: 4 | 8;
  batchSize: number;
  seed: number;
  shuffle?: boolean;
  augment?: AugmentConfig;
  /** σ of the target heatmaps in HR pixels (default HEATMAP_SIGMA_HR, the official 4). */
  heatmapSigma?: number;
  /** data.quantize: HR, LR and network input at 8-bit levels as the official files (makePair); default false. */
  quantize?: boolean;
  /** Drop the last incomplete batch of an epoch (default false: it is returned smaller). */
  dropLast?: boolean;
}

export interface LoaderState {
  epoch: number;
  /** Index of the next batch within the epoch. */
  cursor: number;
}

export class BatchLoader {
  readonly hrSize: number;
  readonly lrSize: number;
  readonly batchesPerEpoch: number;
  private epoch = 0;
  private cursor = 0;
  private order: number[] = [];
  private orderEpoch = -1;
  private readonly samples: FaceSample[];

  constructor(
    samples: FaceSample[],
    private readonly opts: LoaderOptions,
  ) {
    if (samples.length === 0) throw new Error('BatchLoader: no samples');
    if (!(opts.batchSize >= 1)) throw new Error(`BatchLoader: batch size must be ≥ 1, got ${opts.batchSize}`);
    const points = samples[0].visible.length;
    const odd = samples.find((s) => s.visible.length !== points);
    if (odd) throw new Error(`BatchLoader: sample ${odd.id} has ${odd.visible.length} landmarks, ${samples[0].id} has ${points}`);
    this.hrSize = hrSizeForScale(opts.scale);
    this.lrSize = this.hrSize / opts.scale;
    // Resizing once up front (not per batch) when stored at another size; the arrays are shared, not copied, otherwise.
    this.samples = samples.map((s) => resizeSample(s, this.hrSize));
    const full = Math.floor(samples.length / opts.batchSize);
    this.batchesPerEpoch = opts.dropLast || samples.length % opts.batchSize === 0 ? full : full + 1;
    if (this.batchesPerEpoch === 0) throw new Error(`BatchLoader: ${samples.length} samples are fewer than one batch of ${opts.batchSize} with dropLast`);
  }

  get size(): number {
    return this.samples.length;
  }

  state(): LoaderState {
    return { epoch: this.epoch, cursor: this.cursor };
  }

  restore(s: LoaderState): void {
    if (!Number.isInteger(s.epoch) || s.epoch < 0 || !Number.isInteger(s.cursor) || s.cursor < 0 || s.cursor > this.batchesPerEpoch) {
      throw new Error(`BatchLoader.restore: invalid state ${JSON.stringify(s)} (batchesPerEpoch ${this.batchesPerEpoch})`);
    }
    this.epoch = s.epoch;
    this.cursor = s.cursor;
  }

  private epochOrder(epoch: number): number[] {
    if (this.orderEpoch !== epoch) {
      this.order = this.samples.map((_, i) => i);
      if (this.opts.shuffle ?? true) new Rng(mixSeed(this.opts.seed, epoch)).shuffle(this.order);
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  /** The next batch; after the last batch of an epoch the next call starts the following epoch. */
  next(): FaceBatch {
    if (this.cursor >= this.batchesPerEpoch) {
      this.epoch++;
      this.cursor = 0;
    }
    const batch = this.batchAt(this.epoch, this.cursor);
    this.cursor++;
    return batch;
  }

  /** The remaining batches of the current epoch. */
  *epochBatches(): Generator<FaceBatch> {
    if (this.cursor >= this.batchesPerEpoch) {
      this.epoch++;
      this.cursor = 0;
    }
    while (this.cursor < this.batchesPerEpoch) yield this.next();
  }

  batchAt(epoch: number, batchIndex: number): FaceBatch {
    const order = this.epochOrder(epoch);
    const start = batchIndex * this.opts.batchSize;
    const picks = order.slice(start, Math.min(start + this.opts.batchSize, order.length));
    const aug = this.opts.augment ?? NO_AUGMENT;
    const pairs = picks.map((idx, k) => {
      const s = this.samples[idx];
      return makePair(
        aug === NO_AUGMENT ? s : augmentSample(s, aug, new Rng(mixSeed(this.opts.seed, epoch, start + k))),
        this.opts.scale,
        this.opts.heatmapSigma,
        this.opts.quantize ?? false,
      );
    });
    return stackPairs(pairs);
  }
}

export function stackPairs(pairs: ReturnType<typeof makePair>[]): FaceBatch {
  const b = pairs.length;
  const { hrSize, lrSize, heatmapSide } = pairs[0];
  const points = pairs[0].sample.visible.length;
  const cat = (pick: (p: (typeof pairs)[number]) => ArrayLike<number>, per: number): Float32Array => {
    const out = new Float32Array(b * per);
    pairs.forEach((p, i) => out.set(pick(p), i * per));
    return out;
  };
  const samples = pairs.map((p) => p.sample);
  // Depth tensors only where some sample has z, so 2D batches (and every existing consumer) stay as they were.
  const depth = anyDepth(samples) ? depthRows(samples) : undefined;
  return {
    ...(depth ? { depth: tf.tensor2d(depth.depth, [b, points]), depthValid: tf.tensor2d(depth.valid, [b, points]) } : {}),
    input: tf.tensor4d(
      cat((p) => p.input, hrSize * hrSize * 3),
      [b, hrSize, hrSize, 3],
    ),
    lr: tf.tensor4d(
      cat((p) => p.lr, lrSize * lrSize * 3),
      [b, lrSize, lrSize, 3],
    ),
    hr: tf.tensor4d(
      cat((p) => p.hr, hrSize * hrSize * 3),
      [b, hrSize, hrSize, 3],
    ),
    heatmaps: tf.tensor4d(
      cat((p) => p.heatmaps, heatmapSide * heatmapSide * (points + 1)),
      [b, heatmapSide, heatmapSide, points + 1],
    ),
    mask: tf.tensor4d(
      cat((p) => p.mask, points + 1),
      [b, 1, 1, points + 1],
    ),
    landmarks: tf.tensor3d(
      cat((p) => p.sample.landmarks, 2 * points),
      [b, points, 2],
    ),
    visible: tf.tensor2d(
      cat((p) => p.sample.visible, points),
      [b, points],
    ),
    box: tf.tensor2d(
      cat((p) => p.sample.box, 4),
      [b, 4],
    ),
    ids: pairs.map((p) => p.sample.id),
  };
}
