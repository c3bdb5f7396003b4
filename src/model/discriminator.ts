/**
 * Discriminators for adversarial SR training (docs/adversarial.md), built like every other module of the kit:
 * own seeded variables through a ParamScope, NHWC, a pure `apply`, and an analytic cost table that the tests
 * check against the built variables. A registry: adding a variant means one entry in DISCRIMINATORS (its builder
 * and its analytic cost) plus its name in DiscriminatorVariant.
 *
 * The 'patch' variant is PatchGAN-shaped: stride-2 convs + LeakyReLU(0.2), one stride-1 conv, and a 1-channel
 * stride-1 output conv, so it returns a grid of logits, each judging one receptive-field patch of the image rather
 * than the whole face. Two deliberate departures from pix2pix's 4×4 kernels:
 * - 3×3 kernels with PyTorch padding=1 (the kit's `Conv`): every conv then runs on the conv paths the kit already
 *   tests and accelerates (oneDNN addon, wasm gradient kernels), and the output side is exactly H / 2^downsamplings.
 *   The receptive field of one logit is 47×47 pixels for 3 downsamplings (95×95 for 4) on a 128×128 face.
 * - Normalisation is 'instance' (no affine parameters) or 'none', never batch norm: batch statistics would couple
 *   the real and fake halves of a batch, differ between data-parallel replicas, and differ between training and
 *   evaluation. The first conv is never normalised (as in pix2pix), so the input's colour statistics reach D.
 *   A conv followed by instance norm has no bias: the norm subtracts the per-channel mean, so a bias there would
 *   get an exactly-zero gradient and never train (pix2pix keeps one; it is dead weight).
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { Conv } from './blocks';
import { ParamScope } from './params';
import type { ParameterRow } from './types';

/**
 * The variants' names, with what each is; DISCRIMINATORS below is typed Record<DiscriminatorVariant, …>, so a name
 * without a builder (or a builder without a name) does not compile.
 */
export const DISCRIMINATOR_VARIANTS = {
  patch: 'PatchGAN-style: stride-2 3×3 convs + LeakyReLU(0.2), a stride-1 conv, a 1-channel logit conv (a grid of patch verdicts)',
} as const;
export type DiscriminatorVariant = keyof typeof DISCRIMINATOR_VARIANTS;
const DISCRIMINATOR_VARIANT_NAMES = Object.keys(DISCRIMINATOR_VARIANTS) as [DiscriminatorVariant, ...DiscriminatorVariant[]];

/**
 * Each option declared once (type, range, default, description), as MODEL_CONFIG_SCHEMA does for the generator;
 * ready to become the experiment config's discriminator section.
 */
export const DISCRIMINATOR_CONFIG_SCHEMA = z.strictObject({
  variant: z
    .enum(DISCRIMINATOR_VARIANT_NAMES)
    .default('patch')
    .describe("registry: src/model/discriminator.ts; 'patch': " + DISCRIMINATOR_VARIANTS.patch),
  features: z.number().int().min(1).default(64).describe('channels of the first conv; each later stride-2 conv doubles them, capped at 8×'),
  downsamplings: z.number().int().min(1).default(3).describe('stride-2 convs: the logit grid is (H / 2^downsamplings)²; 3 → one logit per 47×47-pixel patch'),
  norm: z
    .enum(['none', 'instance'])
    .default('instance')
    .describe("'instance': per-sample, per-channel normalisation (no batch coupling between real and fake or between replicas); 'none'"),
  heatmapChannels: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      '0: D sees the image only; > 0: D is conditioned on heatmaps with this many channels (e.g. landmarks + 1), resized to the image and concatenated',
    ),
  init: z.enum(['official', 'he']).default('he').describe("weight init: 'he' (fan-in) or 'official' (N(0, 0.01))"),
});

export type DiscriminatorConfig = z.output<typeof DISCRIMINATOR_CONFIG_SCHEMA>;
export type DiscriminatorNorm = DiscriminatorConfig['norm'];

export const DEFAULT_DISCRIMINATOR_CONFIG: DiscriminatorConfig = DISCRIMINATOR_CONFIG_SCHEMA.parse({});

/** LeakyReLU slope of PatchGAN / DCGAN discriminators. */
export const DISCRIMINATOR_LEAKY_SLOPE = 0.2;
/** Instance-norm epsilon (PyTorch's InstanceNorm2d default). */
export const INSTANCE_NORM_EPSILON = 1e-5;

export interface Discriminator {
  readonly config: DiscriminatorConfig;
  readonly seed: number;
  /**
   * Logits [B, H / 2^d, W / 2^d, 1] for an image [B, H, W, 3] (and heatmaps [B, h, w, heatmapChannels] when
   * conditioned). Pure; the caller owns the result.
   */
  apply(image: tf.Tensor4D, heatmaps?: tf.Tensor4D): tf.Tensor4D;
  trainableVariables(): tf.Variable[];
  /** Stable hierarchical names, e.g. 'disc/conv1/conv/kernel', in creation order. */
  namedVariables(): Record<string, tf.Variable>;
  parameterTable(): ParameterRow[];
  dispose(): void;
}

export interface DiscriminatorCostRow {
  module: string;
  params: number;
  /** Conv MACs per image of side `inputSize`. */
  macs: number;
}

export interface DiscriminatorSpec {
  description: string;
  create(scope: ParamScope, config: DiscriminatorConfig): (image: tf.Tensor4D, heatmaps: tf.Tensor4D | undefined) => tf.Tensor4D;
  /** Rows in the built module's parameterTable() order. */
  costTable(config: DiscriminatorConfig, inputSize: number): DiscriminatorCostRow[];
}

/** One conv of the stack: its module label, channels, stride and whether it is normalised and activated. */
interface LayerPlan {
  module: string;
  inChannels: number;
  outChannels: number;
  stride: 1 | 2;
  normalised: boolean;
  activated: boolean;
}

function patchPlan(c: DiscriminatorConfig): LayerPlan[] {
  const width = (i: number): number => c.features * Math.min(2 ** i, 8);
  const plan: LayerPlan[] = [];
  let inChannels = 3 + c.heatmapChannels;
  for (let i = 0; i < c.downsamplings; i++) {
    plan.push({ module: `disc/conv${i + 1}`, inChannels, outChannels: width(i), stride: 2, normalised: i > 0 && c.norm === 'instance', activated: true });
    inChannels = width(i);
  }
  plan.push({ module: 'disc/mid', inChannels, outChannels: width(c.downsamplings), stride: 1, normalised: c.norm === 'instance', activated: true });
  plan.push({ module: 'disc/out', inChannels: width(c.downsamplings), outChannels: 1, stride: 1, normalised: false, activated: false });
  return plan;
}

/** Per-sample, per-channel normalisation over H and W, without affine parameters (InstanceNorm2d(affine=False)). */
export function instanceNorm(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [1, 2], true);
    return tf.div<tf.Tensor4D>(tf.sub(x, mean), tf.sqrt(tf.add(variance, INSTANCE_NORM_EPSILON)));
  });
}

/** Heatmaps [B, h, w, P] → [B, H, W, P], pixel centres aligned (halfPixelCenters matches core/geometry's mapPixelCentre). */
function resizeHeatmaps(heatmaps: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  if (heatmaps.shape[1] === height && heatmaps.shape[2] === width) return heatmaps;
  return tf.image.resizeBilinear(heatmaps, [height, width], false, true);
}

function checkInputs(c: DiscriminatorConfig, image: tf.Tensor4D, heatmaps: tf.Tensor4D | undefined): void {
  const s = image.shape;
  const step = 2 ** c.downsamplings;
  if (s.length !== 4 || s[3] !== 3 || s[1] % step !== 0 || s[2] % step !== 0 || s[1] === 0 || s[2] === 0)
    throw new Error(`Discriminator.apply: image must be [B, H, W, 3] with H and W multiples of ${step}, found [${s.join(', ')}]`);
  // Instance norm over a 1×1 map subtracts the only value: every normalised activation would be 0.
  if (c.norm === 'instance' && (s[1] / step < 2 || s[2] / step < 2))
    throw new Error(
      `Discriminator.apply: with instance norm the logit grid must be at least 2×2; a ${s[1]}×${s[2]} image gives ${s[1] / step}×${s[2] / step} after ${c.downsamplings} downsamplings`,
    );
  if (c.heatmapChannels === 0) {
    if (heatmaps) throw new Error('Discriminator.apply: heatmaps given to an unconditioned discriminator (heatmapChannels 0)');
    return;
  }
  if (!heatmaps) throw new Error(`Discriminator.apply: this discriminator is conditioned on ${c.heatmapChannels} heatmap channels; none given`);
  const h = heatmaps.shape;
  if (h[0] !== s[0] || h[3] !== c.heatmapChannels)
    throw new Error(`Discriminator.apply: heatmaps must be [${s[0]}, h, w, ${c.heatmapChannels}], found [${h.join(', ')}]`);
}

const conv3x3Params = (cin: number, cout: number, bias: boolean): number => 9 * cin * cout + (bias ? cout : 0);

/** 3×3 conv without bias, padded like the kit's `Conv` (PyTorch padding=1, also for stride 2). */
class BiasFreeConv {
  private readonly kernel: tf.Variable;

  constructor(
    scope: ParamScope,
    name: string,
    inChannels: number,
    outChannels: number,
    private readonly stride: 1 | 2,
  ) {
    this.kernel = scope.sub(name).kernel('kernel', 3, inChannels, outChannels);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.kernel as tf.Tensor4D, this.stride, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
  }
}

const PATCH: DiscriminatorSpec = {
  description: DISCRIMINATOR_VARIANTS.patch,
  create(scope, config) {
    const layers = patchPlan(config).map((p) => {
      const s = scope.module(p.module);
      const conv = p.normalised
        ? new BiasFreeConv(s, 'conv', p.inChannels, p.outChannels, p.stride)
        : new Conv(s, 'conv', p.inChannels, p.outChannels, { stride: p.stride });
      return { plan: p, conv };
    });
    return (image, heatmaps) => {
      let x: tf.Tensor4D = heatmaps ? tf.concat([image, resizeHeatmaps(heatmaps, image.shape[1], image.shape[2])], 3) : image;
      for (const { plan, conv } of layers) {
        x = conv.apply(x);
        if (plan.normalised) x = instanceNorm(x);
        if (plan.activated) x = tf.leakyRelu(x, DISCRIMINATOR_LEAKY_SLOPE);
      }
      return x;
    };
  },
  costTable(config, inputSize) {
    let side = inputSize;
    return patchPlan(config).map((p) => {
      if (p.stride === 2) side /= 2;
      return { module: p.module, params: conv3x3Params(p.inChannels, p.outChannels, !p.normalised), macs: side * side * 9 * p.inChannels * p.outChannels };
    });
  },
};

export const DISCRIMINATORS: Record<DiscriminatorVariant, DiscriminatorSpec> = { patch: PATCH };

function checkConfig(c: DiscriminatorConfig): void {
  const positiveInt = (v: number): boolean => Number.isInteger(v) && v > 0;
  if (!DISCRIMINATORS[c.variant]) throw new Error(`discriminator: unknown variant '${String(c.variant)}' (known: ${Object.keys(DISCRIMINATORS).join(', ')})`);
  if (!positiveInt(c.features)) throw new Error(`discriminator: features must be a positive integer, found ${c.features}`);
  if (!positiveInt(c.downsamplings)) throw new Error(`discriminator: downsamplings must be a positive integer, found ${c.downsamplings}`);
  if (!Number.isInteger(c.heatmapChannels) || c.heatmapChannels < 0)
    throw new Error(`discriminator: heatmapChannels must be an integer ≥ 0, found ${c.heatmapChannels}`);
  if (c.norm !== 'none' && c.norm !== 'instance') throw new Error(`discriminator: norm must be 'none' or 'instance', found '${String(c.norm)}'`);
}

/** Analytic parameters and conv MACs per image of side `inputSize` (default 128), without allocating weights. */
export function discriminatorCostTable(config: DiscriminatorConfig, inputSize = 128): DiscriminatorCostRow[] {
  checkConfig(config);
  const step = 2 ** config.downsamplings;
  if (inputSize % step !== 0) throw new Error(`discriminatorCostTable: inputSize must be a multiple of ${step}, found ${inputSize}`);
  return DISCRIMINATORS[config.variant].costTable(config, inputSize);
}

export function countDiscriminatorParams(config: DiscriminatorConfig): number {
  return discriminatorCostTable(config).reduce((sum, r) => sum + r.params, 0);
}

class BuiltDiscriminator implements Discriminator {
  private disposed = false;

  constructor(
    readonly config: DiscriminatorConfig,
    readonly seed: number,
    private readonly scope: ParamScope,
    private readonly forward: (image: tf.Tensor4D, heatmaps: tf.Tensor4D | undefined) => tf.Tensor4D,
  ) {}

  apply(image: tf.Tensor4D, heatmaps?: tf.Tensor4D): tf.Tensor4D {
    if (this.disposed) throw new Error('Discriminator.apply: the discriminator was disposed');
    checkInputs(this.config, image, heatmaps);
    return tf.tidy(() => this.forward(image, heatmaps));
  }

  trainableVariables(): tf.Variable[] {
    return this.scope.variables();
  }

  namedVariables(): Record<string, tf.Variable> {
    return this.scope.namedVariables();
  }

  parameterTable(): ParameterRow[] {
    return this.scope.parameterTable();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.scope.disposeVariables();
  }
}

/**
 * Builds the discriminator `config` describes, weights drawn from `seed` (each variable's stream depends on the
 * seed and its name only, as for buildModel, so two builds with one seed are bit-identical).
 */
export function buildDiscriminator(config: DiscriminatorConfig = DEFAULT_DISCRIMINATOR_CONFIG, seed = 1): Discriminator {
  checkConfig(config);
  const scope = ParamScope.root(config.init, seed);
  return new BuiltDiscriminator({ ...config }, seed, scope, DISCRIMINATORS[config.variant].create(scope, config));
}
