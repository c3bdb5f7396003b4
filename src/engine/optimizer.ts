/**
 * Adam with the two weight-decay conventions, written out (not tf.train.adam) so that its state can be saved
 * and restored exactly and so that the coupled L2 matches torch.optim.Adam(weight_decay=…) step for step:
 *   coupled (PyTorch Adam):   g ← g + wd·θ;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *                             θ ← θ − (lr / bc1) · m / (√v / √bc2 + ε),  bc_i = 1 − β_i^t
 *   decoupled (PyTorch AdamW): θ ← θ·(1 − lr·wd) first, then the same update with the raw gradient.
 * ε placement (docs/model.md, "Adam ε"): 'after-bias-correction' is the formula above (current PyTorch);
 * 'before-bias-correction' is the older PyTorch Adam the official code was written for:
 *                             θ ← θ − (lr·√bc2 / bc1) · m / (√v + ε),   i.e. an effective ε/√bc2,
 * which is 31.6 × ε at step 1 and tends to ε as t grows (√bc2 → 1).
 * The bias corrections are computed in float64 on the host, as PyTorch does.
 * On wasm with the native addon the whole update of a parameter is one kernel on every core
 * (src/backend/wasm-native-adam-kernel.ts) computing the same float32 operations, so the bits are the same.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAdamStep } from '../backend/wasm-native-adam-kernel';
import { EPSILON_PLACEMENTS, OptimizerConfig } from './config';

export type NamedTensors = Record<string, tf.Tensor>;

/** Where ε enters Adam's denominator (see the file comment): current PyTorch, or older PyTorch (paper era). */
export type EpsilonPlacement = (typeof EPSILON_PLACEMENTS)[number];

/** The optimizer section (train.optimizer); epsilonPlacement absent = 'after-bias-correction', the behaviour before it existed. */
export type AdamConfig = OptimizerConfig;

/** Host copy of one parameter's moments. */
export interface AdamSlot {
  shape: number[];
  m: Float32Array;
  v: Float32Array;
}

/** Everything needed to continue exactly: the step count t and both moments of every parameter. */
export interface AdamState {
  step: number;
  slots: Record<string, AdamSlot>;
}

export class Adam {
  private stepCount = 0;
  private readonly m: Record<string, tf.Variable> = {};
  private readonly v: Record<string, tf.Variable> = {};

  /** `params` maps stable names (used in checkpoints) to the variables this optimiser updates. */
  constructor(
    readonly config: AdamConfig,
    private readonly params: Record<string, tf.Variable>,
  ) {
    // tf.variable keeps its initial value's tensor alive beside the variable: tidy disposes the two zeros
    // tensors (variables are never tidied), else every training leaked two tensors per parameter.
    tf.tidy(() => {
      for (const [name, p] of Object.entries(params)) {
        this.m[name] = tf.variable(tf.zerosLike(p), false);
        this.v[name] = tf.variable(tf.zerosLike(p), false);
      }
    });
  }

  get step(): number {
    return this.stepCount;
  }

  /** One update of every parameter that has a gradient, at learning rate `lr` (from the schedule). */
  apply(grads: NamedTensors, lr: number): void {
    const { beta1, beta2, epsilon, weightDecay, decay } = this.config;
    const placement = this.config.epsilonPlacement ?? 'after-bias-correction';
    if (!(EPSILON_PLACEMENTS as readonly string[]).includes(placement))
      throw new Error(`Adam: epsilonPlacement '${String(placement)}' is not one of ${EPSILON_PLACEMENTS.join(', ')}`);
    for (const name of Object.keys(grads)) {
      if (!(name in this.params)) throw new Error(`Adam.apply: gradient for unknown parameter '${name}'`);
    }
    this.stepCount += 1;
    const t = this.stepCount;
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    const sqrtBc2 = Math.sqrt(bc2);
    const before = placement === 'before-bias-correction';
    const stepSize = before ? (lr * sqrtBc2) / bc1 : lr / bc1;
    const coupled = weightDecay > 0 && decay === 'coupled';
    const decoupled = weightDecay > 0 && decay === 'decoupled';
    const scalars = {
      beta1,
      beta2,
      epsilon,
      sqrtBc2,
      stepSize,
      weightDecay,
      decoupledScale: 1 - lr * weightDecay,
      coupled,
      decoupled,
      epsilonBeforeBiasCorrection: before,
    };
    for (const [name, g0] of Object.entries(grads)) {
      const p = this.params[name];
      const m = this.m[name];
      const v = this.v[name];
      tf.tidy(() => {
        const fused = fusedAdamStep(p, g0, m, v, scalars);
        if (fused) {
          const [pNew, mNew, vNew] = fused;
          m.assign(mNew);
          v.assign(vNew);
          p.assign(pNew);
          return;
        }
        let g: tf.Tensor = g0;
        let base: tf.Tensor = p;
        if (coupled) g = g.add(p.mul(weightDecay));
        if (decoupled) base = p.mul(scalars.decoupledScale);
        const mNew = m.mul(beta1).add(g.mul(1 - beta1));
        const vNew = v.mul(beta2).add(g.square().mul(1 - beta2));
        const denom = before ? vNew.sqrt().add(epsilon) : vNew.sqrt().div(sqrtBc2).add(epsilon);
        m.assign(mNew);
        v.assign(vNew);
        p.assign(base.sub(mNew.div(denom).mul(stepSize)));
      });
    }
  }

  state(): AdamState {
    const slots: Record<string, AdamSlot> = {};
    for (const name of Object.keys(this.params)) {
      slots[name] = {
        shape: [...this.m[name].shape],
        m: this.m[name].dataSync() as Float32Array,
        v: this.v[name].dataSync() as Float32Array,
      };
    }
    return { step: this.stepCount, slots };
  }

  /** Restores a saved state; names and shapes must match this optimiser's parameters exactly. */
  restore(state: AdamState, source = 'optimizer state'): void {
    const want = Object.keys(this.params).sort();
    const have = Object.keys(state.slots).sort();
    const missing = want.filter((n) => !have.includes(n));
    const extra = have.filter((n) => !want.includes(n));
    if (missing.length || extra.length) {
      throw new Error(`${source}: parameter names differ (missing: ${missing.join(', ') || 'none'}; unexpected: ${extra.join(', ') || 'none'})`);
    }
    for (const name of want) {
      const slot = state.slots[name];
      const shape = this.params[name].shape;
      const size = shape.reduce((a, b) => a * b, 1);
      if (slot.shape.join('x') !== shape.join('x') || slot.m.length !== size || slot.v.length !== size) {
        throw new Error(`${source}: parameter '${name}' has shape [${slot.shape}] (${slot.m.length} values), model expects [${shape}]`);
      }
    }
    for (const name of want) {
      const slot = state.slots[name];
      const shape = this.params[name].shape;
      tf.tidy(() => {
        this.m[name].assign(tf.tensor(slot.m, shape, 'float32'));
        this.v[name].assign(tf.tensor(slot.v, shape, 'float32'));
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
  }
}
