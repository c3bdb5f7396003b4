/**
 * A tiny trainable model for the run-directory fault tests: linear regression on 12 samples in batches of 4
 * (3 steps per epoch) with input noise from the trainer's RNG, validated by PSNR. Shared by the in-process tests
 * and by run-tiny-child.ts, which trains it in a child process that the tests kill.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { StepContext, TrainLoader, TrainableModel } from '../../src/engine/trainable';
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from '../../src/engine/config';
import type { TrainExperiment } from '../../src/engine/trainer';
import { readRunLog, EpochRecord, StepRecord } from '../../src/engine/log';
import { TrainRng } from '../../src/engine/rng';

export interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

const FEATURES = 4;
const SAMPLES = 12;

export interface Data {
  x: number[][];
  y: number[];
}

export function dataset(seed: number): Data {
  const r = new TrainRng(seed);
  const wTrue = [0.5, -1, 2, 0.25];
  const x = Array.from({ length: SAMPLES }, () => Array.from({ length: FEATURES }, () => r.normal()));
  return { x, y: x.map((row) => row.reduce((s, v, i) => s + v * wTrue[i], 0.5)) };
}

/** Batch `cursor` (4 samples) of epoch `epoch`: the epoch's seeded shuffle of the data, as the tiny loaders serve it. */
export function shuffledBatch(data: Data, epoch: number, cursor: number): Batch {
  const order = Array.from({ length: SAMPLES }, (_, i) => i);
  const r = new TrainRng(1000 + epoch);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const picks = order.slice(cursor * 4, cursor * 4 + 4);
  return { x: tf.tensor2d(picks.map((i) => data.x[i])), y: tf.tensor2d(picks.map((i) => [data.y[i]])) };
}

export interface LoaderOptions {
  /** Waited before each batch (ms): makes a child's training last long enough to be killed mid-way. */
  delayMs?: number;
  /** Awaited before each batch: lets a test hold a training at a step while it does something else. */
  gate?: () => Promise<void>;
}

/** Batches of 4 from 12 samples, reshuffled every epoch from (1000 + epoch); position {epoch, cursor}. */
export class TinyLoader implements TrainLoader<Batch> {
  readonly batchesPerEpoch = SAMPLES / 4;
  private epoch = 0;
  private cursor = 0;
  constructor(
    private readonly data: Data,
    private readonly opts: LoaderOptions = {},
  ) {}
  async next(): Promise<Batch> {
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    if (this.opts.gate) await this.opts.gate();
    if (this.cursor >= this.batchesPerEpoch) {
      this.epoch += 1;
      this.cursor = 0;
    }
    const batch = shuffledBatch(this.data, this.epoch, this.cursor);
    this.cursor += 1;
    return batch;
  }
  state(): { epoch: number; cursor: number } {
    return { epoch: this.epoch, cursor: this.cursor };
  }
  restore(s: unknown): void {
    const p = s as { epoch: number; cursor: number };
    this.epoch = p.epoch;
    this.cursor = p.cursor;
  }
}

export class TinyModel implements TrainableModel<Batch, Batch> {
  readonly w = tf.variable(tf.tensor2d([[0.1], [0.2], [-0.1], [0.05]]));
  readonly b = tf.variable(tf.zeros([1]));
  readonly lossTermNames = ['data', 'reg'];
  readonly metricNames = ['loss', 'psnr'];
  namedVariables(): Record<string, tf.Variable> {
    return { 'tiny/w': this.w, 'tiny/b': this.b };
  }
  trainableVariables(): tf.Variable[] {
    return [this.w, this.b];
  }
  lossFn(batch: Batch, ctx: StepContext): { total: tf.Scalar; terms: Record<string, tf.Scalar> } {
    const noise = tf.tensor2d(
      Array.from({ length: batch.x.shape[0] * FEATURES }, () => 0.3 * ctx.rng.normal()),
      batch.x.shape,
    );
    const pred = batch.x.add(noise).matMul(this.w).add(this.b);
    const data = tf.losses.meanSquaredError(batch.y, pred) as tf.Scalar;
    const reg = this.w.square().sum().mul(0.01) as tf.Scalar;
    return { total: data.add(reg) as tf.Scalar, terms: { data, reg } };
  }
  async evaluate(val: Batch): Promise<Record<string, number>> {
    const mse = tf.tidy(() => tf.losses.meanSquaredError(val.y, val.x.matMul(this.w).add(this.b)).dataSync()[0]);
    return { loss: mse, psnr: -10 * Math.log10(mse) };
  }
  batchSize(b: Batch): number {
    return b.x.shape[0];
  }
  disposeBatch(b: Batch): void {
    tf.dispose([b.x, b.y]);
  }
  dispose(): void {
    tf.dispose([this.w, this.b]);
  }
}

export function tinyExperiment(over: Partial<TrainConfig> = {}): TrainExperiment {
  const train: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    epochs: 4,
    optimizer: { ...DEFAULT_TRAIN_CONFIG.optimizer, lr: 0.2, weightDecay: 0.01 },
    schedule: { type: 'step', milestones: [2], gamma: 0.5 },
    gradClip: 1.5,
    logEvery: 1,
    workers: 1,
    ...over,
  };
  return { name: 'tiny', train };
}

export const VAL_DATA = dataset(7);
export const makeVal = (): Batch => ({ x: tf.tensor2d(VAL_DATA.x), y: tf.tensor2d(VAL_DATA.y.map((v) => [v])) });
export const TRAIN_DATA_SEED = 3;

export const tmpDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `jasr-${prefix}-`));

/** What must match between an interrupted-and-resumed run and an uninterrupted one. */
export function learningRecords(runDir: string): { steps: Omit<StepRecord, 'imagesPerSec' | 'elapsedSec'>[]; epochs: Omit<EpochRecord, 'elapsedSec'>[] } {
  const records = readRunLog(runDir);
  const steps = records.filter((r): r is StepRecord => r.kind === 'step').map(({ imagesPerSec: _i, elapsedSec: _e, ...r }) => r);
  const epochs = records.filter((r): r is EpochRecord => r.kind === 'epoch').map(({ elapsedSec: _e, ...r }) => r);
  return { steps, epochs };
}

export interface ChildRun {
  child: ChildProcess;
  /** Resolves when the child printed `ready` (its training is about to start). */
  ready: Promise<void>;
  /** Resolves with the exit code (null when killed) and signal, and everything printed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts run-tiny-child.ts training into `runDir` (see that file for `args`). */
export function startTinyChild(runDir: string, args: Record<string, unknown>): ChildRun {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(__dirname, 'run-tiny-child.ts'), runDir, JSON.stringify(args)], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('ready\n')) markReady();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => {
      markReady();
      // 'exit' can come before the pipes drain; 'close' follows once they have.
      child.on('close', () => resolve({ code, signal, stdout, stderr }));
    });
  });
  return { child, ready, exited };
}
