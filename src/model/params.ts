/**
 * Named, seeded weights. Every module creates its variables through a ParamScope, which gives them stable
 * hierarchical names ('encoder/head/kernel') and a module label for the parameter table.
 *
 * Why not tf.layers: we want the gradients, names and initialisation under our control, and TF.js variable names
 * are global to the engine (two models with the same names would clash), so names live in this registry instead.
 */
import * as tf from '@tensorflow/tfjs';

/** Weight initialisation: the official code's (PyTorch defaults) or He-normal. */
export const INIT_SCHEMES = ['official', 'he'] as const;
export type InitScheme = (typeof INIT_SCHEMES)[number];

/** Official `weights_init_cpm`: every conv weight ~ N(0, 0.01), bias 0. */
export const OFFICIAL_INIT_STD = 0.01;

export interface NamedParam {
  name: string;
  /** The row of the parameter table this variable is counted in (e.g. 'encoder/a', 'trunk'). */
  module: string;
  variable: tf.Variable;
}

/** 32-bit FNV-1a: a variable's seed depends on the model seed and its own name, not on creation order. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

class Registry {
  readonly params: NamedParam[] = [];
  private readonly names = new Set<string>();
  constructor(
    readonly init: InitScheme,
    readonly seed: number,
  ) {}

  add(p: NamedParam): void {
    if (this.names.has(p.name)) throw new Error(`model parameter '${p.name}' created twice (a module name is reused)`);
    this.names.add(p.name);
    this.params.push(p);
  }
}

export class ParamScope {
  private constructor(
    private readonly registry: Registry,
    readonly prefix: string,
    readonly moduleLabel: string,
  ) {}

  static root(init: InitScheme, seed: number): ParamScope {
    return new ParamScope(new Registry(init, seed), '', '');
  }

  /** A sub-scope whose variables are counted in the same parameter-table row as this scope's. */
  sub(name: string): ParamScope {
    return new ParamScope(this.registry, this.join(name), this.moduleLabel);
  }

  /** A sub-scope that starts its own parameter-table row, labelled with its full path. */
  module(name: string): ParamScope {
    const path = this.join(name);
    return new ParamScope(this.registry, path, path);
  }

  get params(): readonly NamedParam[] {
    return this.registry.params;
  }

  /** Every variable made through this scope's registry, in creation order (what a model trains). */
  variables(): tf.Variable[] {
    return this.registry.params.map((p) => p.variable);
  }

  /** The variables by their full names (checkpoints, weight files). */
  namedVariables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const p of this.registry.params) out[p.name] = p.variable;
    return out;
  }

  /** Parameters per module, in creation order (the model summary's rows). */
  parameterTable(): { module: string; params: number }[] {
    const rows = new Map<string, number>();
    for (const p of this.registry.params) rows.set(p.module, (rows.get(p.module) ?? 0) + p.variable.size);
    return [...rows].map(([module, params]) => ({ module, params }));
  }

  disposeVariables(): void {
    for (const p of this.registry.params) p.variable.dispose();
  }

  /** Conv kernel [k, k, in, out], initialised per the model's scheme (fan-in = k·k·in for He). */
  kernel(name: string, kernelSize: number, inChannels: number, outChannels: number): tf.Variable {
    const fullName = this.join(name);
    const shape: [number, number, number, number] = [kernelSize, kernelSize, inChannels, outChannels];
    const std = this.registry.init === 'official' ? OFFICIAL_INIT_STD : Math.sqrt(2 / (kernelSize * kernelSize * inChannels));
    const seed = hashSeed(`${this.registry.seed}:${fullName}`);
    const value = tf.randomNormal(shape, 0, std, 'float32', seed);
    return this.register(fullName, value);
  }

  /** Bias initialised to 0 (both schemes). */
  bias(name: string, channels: number): tf.Variable {
    return this.register(this.join(name), tf.zeros([channels]));
  }

  private register(name: string, value: tf.Tensor): tf.Variable {
    if (this.moduleLabel === '') throw new Error(`model parameter '${name}' created outside a module scope`);
    const variable = tf.variable(value, true);
    value.dispose();
    this.registry.add({ name, module: this.moduleLabel, variable });
    return variable;
  }

  private join(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}/${name}`;
  }
}
