/** buildModel: config → FaceModel, dispatching on config.architecture. */
import * as tf from '@tensorflow/tfjs';
import { Architecture, ModelConfig } from './config';
import { HEATMAP_STRIDE } from '../core/geometry';
import { buildAlignOnly, buildBicubic, buildSeparateEncoders, buildSrOnly, buildTwoStage } from './baselines';
import { buildJasrNet } from './jasrnet';
import { ParamScope } from './params';
import type { ApplyOptions, FaceModel, ModelOutput, Network, ParameterRow } from './types';

/** Default weight seed (the official code seeds with 1). */
export const DEFAULT_MODEL_SEED = 1;

/**
 * The architectures' registry: one builder per name of ARCHITECTURES (config.ts). The Record type makes a name
 * without a builder, or a builder without a name, a compile error.
 */
export const BUILDERS: Record<Architecture, (scope: ParamScope, config: ModelConfig) => Network> = {
  jasrnet: buildJasrNet,
  bicubic: () => buildBicubic(),
  'sr-only': buildSrOnly,
  'align-only': buildAlignOnly,
  'two-stage': buildTwoStage,
  'separate-encoders': buildSeparateEncoders,
};

function checkImage(what: string, t: tf.Tensor | undefined): void {
  if (!t) return;
  const s = t.shape;
  const ok = s.length === 4 && s[3] === 3 && s[1] > 0 && s[2] > 0 && s[1] % HEATMAP_STRIDE === 0 && s[2] % HEATMAP_STRIDE === 0;
  if (!ok) throw new Error(`FaceModel.apply: ${what} must be [B, H, W, 3] with H and W multiples of ${HEATMAP_STRIDE}, found [${s.join(', ')}]`);
}

class ComposedModel implements FaceModel {
  private disposed = false;

  constructor(
    readonly config: ModelConfig,
    readonly seed: number,
    private readonly scope: ParamScope,
    private readonly network: Network,
  ) {}

  apply(input: tf.Tensor4D, opts: ApplyOptions = {}): ModelOutput {
    if (this.disposed) throw new Error('FaceModel.apply: the model was disposed');
    checkImage('input', input);
    checkImage('opts.hr', opts.hr);
    if (opts.hr && opts.hr.shape.some((d, i) => d !== input.shape[i]))
      throw new Error(`FaceModel.apply: opts.hr shape [${opts.hr.shape}] differs from the input's [${input.shape}]`);
    // tf.tidy keeps every tensor reachable from the returned object; ModelOutput is such an object, but its
    // interface type is not assignable to tf.TensorContainer (no index signature), hence the casts.
    return tf.tidy(() => {
      const out = this.network.forward(input, opts.hr);
      const result: ModelOutput = { heatmaps: out.heatmaps };
      if (out.sr) result.sr = out.sr;
      if (out.depth) result.depth = out.depth;
      if (opts.taps) result.taps = out.taps;
      return result as unknown as tf.TensorContainer;
    }) as unknown as ModelOutput;
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
    this.network.dispose();
  }
}

/**
 * Builds the network `config` describes, with weights drawn from `seed` (each variable's stream depends on the seed
 * and its name only, so two builds with the same seed are bit-identical on every backend).
 */
export function buildModel(config: ModelConfig, seed: number = DEFAULT_MODEL_SEED): FaceModel {
  const build = BUILDERS[config.architecture];
  if (!build) throw new Error(`buildModel: unknown architecture '${String(config.architecture)}' (known: ${Object.keys(BUILDERS).join(', ')})`);
  const scope = ParamScope.root(config.init, seed);
  return new ComposedModel({ ...config }, seed, scope, build(scope, config));
}
