/**
 * State dict (official names, OIHW, torch pixel-shuffle order) ⇄ kit variables (hierarchical names, HWIO,
 * depthToSpace order). Pure array work on host values: no tensors, no backend.
 *
 * Pixel shuffle: torch's nn.PixelShuffle(2) reads input channel 4c + 2i + j for output channel c at sub-pixel
 * (i, j); the kit's shuffle (tf.depthToSpace order, src/model/blocks.ts) reads (2i + j)·F + c. So kit output
 * channel k = q·F + c of an upsampling conv is torch output channel 4c + q.
 */
import type { ModelConfig } from '../config';
import { IMAGENET_MEAN_RGB, IMAGENET_STD_RGB } from '../blocks';
import { TorchImportError } from './errors';
import { ConvName, MEAN_SHIFT_KEYS, jasrnetConvNames } from './jasrnet-names';
import type { TorchTensor } from './pt-file';

/** A host tensor, the same shape as a checkpoint's (src/engine/checkpoint.ts HostTensor). */
export interface HostValues {
  shape: number[];
  values: Float32Array;
}

/** The torch output channel that kit output channel `k` of a conv with `outChannels` outputs holds. */
export function torchOutputChannel(k: number, outChannels: number, pixelShuffle: boolean): number {
  if (!pixelShuffle) return k;
  const features = outChannels / 4;
  return 4 * (k % features) + Math.floor(k / features);
}

/** OIHW (torch) → HWIO (kit), permuting output channels for pixel-shuffle convs. */
export function oihwToHwio(values: Float32Array, [o, i, kh, kw]: number[], pixelShuffle: boolean): Float32Array {
  const out = new Float32Array(values.length);
  const taps = kh * kw;
  for (let ko = 0; ko < o; ko++) {
    const source = torchOutputChannel(ko, o, pixelShuffle) * i * taps;
    for (let ci = 0; ci < i; ci++) {
      const from = source + ci * taps;
      // Kit index ((tap · i) + ci) · o + ko for tap = h·kw + w.
      for (let tap = 0, to = ci * o + ko; tap < taps; tap++, to += i * o) out[to] = values[from + tap];
    }
  }
  return out;
}

/** HWIO (kit) → OIHW (torch): the inverse of oihwToHwio. */
export function hwioToOihw(values: Float32Array, [kh, kw, i, o]: number[], pixelShuffle: boolean): Float32Array {
  const out = new Float32Array(values.length);
  const taps = kh * kw;
  for (let ko = 0; ko < o; ko++) {
    const target = torchOutputChannel(ko, o, pixelShuffle) * i * taps;
    for (let ci = 0; ci < i; ci++) {
      const to = target + ci * taps;
      for (let tap = 0, from = ci * o + ko; tap < taps; tap++, from += i * o) out[to + tap] = values[from];
    }
  }
  return out;
}

/** Bias in kit order from torch order (and back with `inverse`). */
export function permuteBias(values: Float32Array, pixelShuffle: boolean, inverse = false): Float32Array {
  if (!pixelShuffle) return values.slice();
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const t = torchOutputChannel(k, values.length, true);
    if (inverse) out[t] = values[k];
    else out[k] = values[t];
  }
  return out;
}

/** The official MeanShift values: weight = diag(1/std) as a 1×1 conv, bias = sign·mean/std. */
export function meanShiftValues(sign: number): { weight: HostValues; bias: HostValues } {
  const weight = new Float32Array(9);
  for (let c = 0; c < 3; c++) weight[c * 3 + c] = 1 / IMAGENET_STD_RGB[c];
  const bias = Float32Array.from(IMAGENET_MEAN_RGB.map((m, c) => (sign * m) / IMAGENET_STD_RGB[c]));
  return { weight: { shape: [3, 3, 1, 1], values: weight }, bias: { shape: [3], values: bias } };
}

/** Absolute tolerance on the frozen MeanShift values (float32 rounding of 1/std is ~5e-7). */
const MEAN_SHIFT_TOLERANCE = 1e-5;

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

function listed(names: string[]): string {
  return names.slice(0, 12).join(', ') + (names.length > 12 ? `, … (${names.length} in all)` : '');
}

/** The torch shape a kit variable needs: HWIO kernel → OIHW, bias unchanged. */
function torchShape(kitShape: readonly number[]): number[] {
  return kitShape.length === 4 ? [kitShape[3], kitShape[2], kitShape[0], kitShape[1]] : [...kitShape];
}

/**
 * What the file itself says about its depths (from head.0, the highest features.N and stages.0's last conv), as a
 * hint beside a key mismatch: usually the config and the file disagree on one of these.
 */
function describeFile(tensors: ReadonlyMap<string, TorchTensor>, config: ModelConfig): string {
  const features = tensors.get('head.0.weight')?.shape[0];
  const trunk = [...tensors.keys()]
    .map((k) => /^features\.(\d+)\./.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]) / 2 + 1);
  const trunkBlocks = trunk.length > 0 ? Math.max(...trunk) : 0;
  const heatmaps = tensors.get(`stages.0.${2 * 2}.weight`)?.shape[0];
  const stages = new Set([...tensors.keys()].map((k) => /^stages\.(\d+)\./.exec(k)?.[1]).filter((x) => x !== undefined)).size;
  if (features === undefined || heatmaps === undefined) return '';
  const found = { features, trunkBlocks, landmarks: heatmaps - 1, stages };
  const differ = (Object.keys(found) as (keyof typeof found)[]).filter((k) => found[k] !== config[k]);
  if (differ.length === 0) return '';
  return ` (the file looks like ${differ.map((k) => `${k}=${found[k]}`).join(', ')}: try ${differ.map((k) => `--set model.${k}=${found[k]}`).join(' ')})`;
}

export interface ImportReport {
  /** State-dict keys used for kit variables. */
  mapped: number;
  /** Frozen MeanShift keys found and checked against the kit's constants. */
  meanShiftChecked: string[];
}

/**
 * Kit variables from an official state dict for the network `config` describes (names and shapes from
 * ./jasrnet-names.ts; test/model-torch-import.test.ts checks them against the model buildModel makes). Every key
 * must be used: a missing key, an unknown key or a wrong shape is a TorchImportError naming it.
 */
export function stateDictToKit(
  tensors: ReadonlyMap<string, TorchTensor>,
  config: ModelConfig,
  file: string,
): { variables: Record<string, HostValues>; report: ImportReport } {
  const expected = new Map<string, { conv: ConvName; part: 'kernel' | 'bias'; kitShape: readonly number[] }>();
  for (const conv of jasrnetConvNames(config)) {
    expected.set(`${conv.torch}.weight`, { conv, part: 'kernel', kitShape: [3, 3, conv.inChannels, conv.outChannels] });
    expected.set(`${conv.torch}.bias`, { conv, part: 'bias', kitShape: [conv.outChannels] });
  }

  const meanShift = new Set(Object.keys(MEAN_SHIFT_KEYS).flatMap((k) => [`${k}.weight`, `${k}.bias`]));
  const missing = [...expected.keys()].filter((k) => !tensors.has(k));
  const extra = [...tensors.keys()].filter((k) => !expected.has(k) && !meanShift.has(k));
  if (missing.length > 0 || extra.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing keys: ${listed(missing)}`);
    if (extra.length > 0) parts.push(`unexpected keys: ${listed(extra)}`);
    throw new TorchImportError(
      file,
      `state dict does not match JASRNet with features=${config.features}, trunkBlocks=${config.trunkBlocks}, landmarks=${config.landmarks}, stages=${config.stages}${describeFile(tensors, config)} — ${parts.join('; ')}`,
    );
  }

  const variables: Record<string, HostValues> = {};
  for (const [key, { conv, part, kitShape }] of expected) {
    const t = tensors.get(key)!;
    const want = torchShape(kitShape);
    if (!sameShape(t.shape, want)) {
      throw new TorchImportError(
        file,
        `key '${key}': expected shape ${shapeText(want)} (${part === 'kernel' ? 'OIHW ' : ''}for features=${config.features}, landmarks=${config.landmarks}), found ${shapeText(t.shape)}`,
      );
    }
    const values = t.float32(`key '${key}'`, file);
    variables[`${conv.kit}/${part}`] = {
      shape: [...kitShape],
      values: part === 'kernel' ? oihwToHwio(values, t.shape, conv.pixelShuffle) : permuteBias(values, conv.pixelShuffle),
    };
  }

  const meanShiftChecked: string[] = [];
  for (const [module, sign] of Object.entries(MEAN_SHIFT_KEYS)) {
    const reference = meanShiftValues(sign);
    for (const part of ['weight', 'bias'] as const) {
      const key = `${module}.${part}`;
      const t = tensors.get(key);
      if (!t) continue;
      const want = reference[part];
      if (!sameShape(t.shape, want.shape))
        throw new TorchImportError(file, `key '${key}': expected shape ${shapeText(want.shape)} (frozen MeanShift), found ${shapeText(t.shape)}`);
      const values = t.float32(`key '${key}'`, file);
      const worst = values.reduce((m, v, i) => Math.max(m, Math.abs(v - want.values[i])), 0);
      if (worst > MEAN_SHIFT_TOLERANCE) {
        throw new TorchImportError(
          file,
          `key '${key}': the frozen MeanShift differs from the official ImageNet mean/std (max difference ${worst.toPrecision(3)}); the kit's MeanShift is fixed, so these weights would not reproduce`,
        );
      }
      meanShiftChecked.push(key);
    }
  }
  return { variables, report: { mapped: expected.size, meanShiftChecked } };
}
