/**
 * Gradient clipping, two named modes (docs/model.md, "Gradient clipping"):
 *  - 'norm': by global norm, as torch.nn.utils.clip_grad_norm_ (coefficient maxNorm / (norm + 1e-6));
 *  - 'value': each element clamped to [−threshold, threshold], as torch.nn.utils.clip_grad_value_, which is what
 *    the official `--gclip` does (its default 0 = off).
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensors } from './optimizer';
import { CLIP_MODES } from './config';

/** train.gradClipMode. */
export type ClipMode = (typeof CLIP_MODES)[number];

/** √(Σ‖g‖²) over all gradients, as a scalar tensor the caller owns. */
export function globalNorm(grads: NamedTensors): tf.Scalar {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => g.square().sum());
    return (squares.length === 0 ? tf.scalar(0) : tf.addN(squares).sqrt()) as tf.Scalar;
  });
}

/**
 * Scales every gradient by min(1, maxNorm / (norm + 1e-6)); maxNorm 0 means off. Returns new tensors (the caller
 * disposes them and the inputs) and the norm before clipping, in float32 as computed on the backend.
 */
export function clipByGlobalNorm(grads: NamedTensors, maxNorm: number): { clipped: NamedTensors; norm: number } {
  const normT = globalNorm(grads);
  const norm = normT.dataSync()[0];
  const clipped: NamedTensors = {};
  if (maxNorm > 0) {
    // Multiplying by exactly 1 leaves unclipped gradients bit-identical.
    const coef = tf.tidy(() => tf.minimum(tf.scalar(1), tf.scalar(maxNorm).div(normT.add(1e-6))));
    for (const [k, g] of Object.entries(grads)) clipped[k] = g.mul(coef);
    coef.dispose();
  } else {
    for (const [k, g] of Object.entries(grads)) clipped[k] = g.clone();
  }
  normT.dispose();
  return { clipped, norm };
}

/**
 * Clamps every gradient element to [−threshold, threshold] (threshold 0 = off). Returns new tensors and the global
 * norm before clipping (for the log, as the norm mode does).
 */
export function clipByValue(grads: NamedTensors, threshold: number): { clipped: NamedTensors; norm: number } {
  const normT = globalNorm(grads);
  const norm = normT.dataSync()[0];
  normT.dispose();
  const clipped: NamedTensors = {};
  for (const [k, g] of Object.entries(grads)) clipped[k] = threshold > 0 ? tf.clipByValue(g, -threshold, threshold) : g.clone();
  return { clipped, norm };
}

/** The trainer's one entry point: clipping by the named mode at `threshold` (0 = off in both modes). */
export function clipGradients(grads: NamedTensors, threshold: number, mode: ClipMode = 'norm'): { clipped: NamedTensors; norm: number } {
  if (mode === 'norm') return clipByGlobalNorm(grads, threshold);
  if (mode === 'value') return clipByValue(grads, threshold);
  throw new Error(`clipGradients: mode '${String(mode)}' is not one of ${CLIP_MODES.join(', ')}`);
}
