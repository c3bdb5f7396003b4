/**
 * Adversarial losses on discriminator logits (docs/adversarial.md). Each is a pure function of the logits: the
 * discriminator's output on real HR images (`real`) and on SR images (`fake`), any shape (a PatchGAN returns a grid,
 * [B, h, w, 1]); every mean runs over all elements, i.e. over the batch and over the patches.
 *
 * - non-saturating (Goodfellow et al.'s −log D trick): D minimises −log σ(r) − log(1 − σ(f)); G minimises −log σ(f),
 *   whose gradient stays large while D still rejects the SR images (the minimax form log(1 − σ(f)) saturates there).
 * - least-squares (LSGAN, labels a = 0, b = c = 1): D minimises ½·E(r − 1)² + ½·E f²; G minimises ½·E(f − 1)².
 * - relativistic average (RaGAN, as in ESRGAN): D judges whether a real image is more realistic than the average
 *   fake, Δr = r − E f, Δf = f − E r; D minimises −log σ(Δr) − log(1 − σ(Δf)), G the same with the labels swapped:
 *   −log σ(Δf) − log(1 − σ(Δr)). G's loss therefore needs the real logits too (they carry no gradient to G).
 *
 * −log σ(x) = softplus(−x) and −log(1 − σ(x)) = softplus(x); softplus is computed in its stable form
 * max(x, 0) + log1p(exp(−|x|)), which is exact for large |x| where log(1 + exp(x)) overflows in float32.
 */
import * as tf from '@tensorflow/tfjs';

/** The kinds, for a config enum (z.enum(ADVERSARIAL_LOSS_KINDS)); the type is derived from them. */
export const ADVERSARIAL_LOSS_KINDS = ['non-saturating', 'least-squares', 'relativistic-average'] as const;
export type AdversarialLossKind = (typeof ADVERSARIAL_LOSS_KINDS)[number];

/** log(1 + eˣ) without overflow: max(x, 0) + log1p(e^(−|x|)). */
export function stableSoftplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
}

function checkLogits(what: string, t: tf.Tensor): void {
  if (t.size === 0) throw new Error(`${what}: empty logits tensor [${t.shape}]`);
  if (t.dtype !== 'float32') throw new Error(`${what}: logits must be float32, found ${t.dtype}`);
}

/** Mean of −log σ(x) = mean softplus(−x): the cross-entropy of logits x against the label "real". */
const meanRealLabel = (x: tf.Tensor): tf.Tensor => tf.mean(stableSoftplus(tf.neg(x)));
/** Mean of −log(1 − σ(x)) = mean softplus(x): against the label "fake". */
const meanFakeLabel = (x: tf.Tensor): tf.Tensor => tf.mean(stableSoftplus(x));

export function nonSaturatingDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  checkLogits('nonSaturatingDiscriminatorLoss real', real);
  checkLogits('nonSaturatingDiscriminatorLoss fake', fake);
  return tf.tidy(() => tf.add(meanRealLabel(real), meanFakeLabel(fake)) as tf.Scalar);
}

export function nonSaturatingGeneratorLoss(fake: tf.Tensor): tf.Scalar {
  checkLogits('nonSaturatingGeneratorLoss fake', fake);
  return tf.tidy(() => meanRealLabel(fake) as tf.Scalar);
}

export function leastSquaresDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  checkLogits('leastSquaresDiscriminatorLoss real', real);
  checkLogits('leastSquaresDiscriminatorLoss fake', fake);
  return tf.tidy(() => tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(real, 1))), tf.mean(tf.square(fake)))) as tf.Scalar);
}

export function leastSquaresGeneratorLoss(fake: tf.Tensor): tf.Scalar {
  checkLogits('leastSquaresGeneratorLoss fake', fake);
  return tf.tidy(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(fake, 1)))) as tf.Scalar);
}

export function relativisticDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  checkLogits('relativisticDiscriminatorLoss real', real);
  checkLogits('relativisticDiscriminatorLoss fake', fake);
  return tf.tidy(() => {
    const realVsFake = tf.sub(real, tf.mean(fake));
    const fakeVsReal = tf.sub(fake, tf.mean(real));
    return tf.add(meanRealLabel(realVsFake), meanFakeLabel(fakeVsReal)) as tf.Scalar;
  });
}

export function relativisticGeneratorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  checkLogits('relativisticGeneratorLoss real', real);
  checkLogits('relativisticGeneratorLoss fake', fake);
  return tf.tidy(() => {
    const realVsFake = tf.sub(real, tf.mean(fake));
    const fakeVsReal = tf.sub(fake, tf.mean(real));
    return tf.add(meanRealLabel(fakeVsReal), meanFakeLabel(realVsFake)) as tf.Scalar;
  });
}

/** The discriminator's loss of `kind` (D minimises it). */
export function discriminatorLoss(kind: AdversarialLossKind, real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  switch (kind) {
    case 'non-saturating':
      return nonSaturatingDiscriminatorLoss(real, fake);
    case 'least-squares':
      return leastSquaresDiscriminatorLoss(real, fake);
    case 'relativistic-average':
      return relativisticDiscriminatorLoss(real, fake);
  }
}

/**
 * The generator's adversarial term of `kind` (G minimises it). `real` is read only by the relativistic loss; pass
 * D's logits on the HR batch there (computed without a gradient path to G, since HR does not depend on G).
 */
export function generatorLoss(kind: AdversarialLossKind, fake: tf.Tensor, real?: tf.Tensor): tf.Scalar {
  switch (kind) {
    case 'non-saturating':
      return nonSaturatingGeneratorLoss(fake);
    case 'least-squares':
      return leastSquaresGeneratorLoss(fake);
    case 'relativistic-average':
      if (!real) throw new Error("generatorLoss: 'relativistic-average' needs the discriminator's logits on the real images too");
      return relativisticGeneratorLoss(real, fake);
  }
}
