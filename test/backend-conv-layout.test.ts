import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, wasmNativeConvKernelsRegistered } from '../src/backend';
import { CONV_LAYOUT_ENV_VAR, NativeAddon, convLayoutCode, convLayoutFor, ConvLayoutMode } from '../src/backend/native-addon';
import { buildModel } from '../src/model/build';
import { DEFAULT_MODEL_CONFIG } from '../src/model/config';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/config';
import { DEFAULT_EVAL_CONFIG } from '../src/task/eval-config';
import { JasrTrainable } from '../src/task/jasr-adapter';
import { localGradients } from '../src/engine/parallel/local-gradients';
import { TrainRng } from '../src/engine/rng';
import { randomFaceBatch } from '../bench/random-batch';
import { relativeError, useWasmForSuite } from './helpers/gradient-compare';

function addon(): NativeAddon {
  const loaded = loadNativeAddon();
  if (!loaded.ok) assert.fail(`the oneDNN addon is not available: ${loaded.reason} (bash scripts/setup.sh builds it)`);
  return loaded.addon;
}

interface Case {
  name: string;
  n: number;
  ih: number;
  iw: number;
  ic: number;
  oc: number;
  k: number;
  stride: number;
  relu: boolean;
}

// Stride 2, odd sizes, channels that do not fill 8-wide blocks, 1x1 convs, and one that the auto rule blocks.
const CASES: Case[] = [
  { name: '3x3 32->32 @20x20 relu', n: 2, ih: 20, iw: 20, ic: 32, oc: 32, k: 3, stride: 1, relu: true },
  { name: '3x3/2 16->24 @17x13 (odd, stride 2)', n: 2, ih: 17, iw: 13, ic: 16, oc: 24, k: 3, stride: 2, relu: false },
  { name: '3x3 5->11 @9x7 (channels not a multiple of 8)', n: 3, ih: 9, iw: 7, ic: 5, oc: 11, k: 3, stride: 1, relu: true },
  { name: '3x3 3->16 @12x12 (RGB input)', n: 1, ih: 12, iw: 12, ic: 3, oc: 16, k: 3, stride: 1, relu: false },
  { name: '1x1 24->40 @11x11', n: 2, ih: 11, iw: 11, ic: 24, oc: 40, k: 1, stride: 1, relu: false },
  { name: '1x1/2 12->20 @10x9 (1x1, stride 2)', n: 1, ih: 10, iw: 9, ic: 12, oc: 20, k: 1, stride: 2, relu: true },
];

/** The addon's geometry for TF.js 'same' padding. */
function geometryOf(c: Case): Int32Array {
  const oh = Math.ceil(c.ih / c.stride);
  const ow = Math.ceil(c.iw / c.stride);
  const padH = Math.max((oh - 1) * c.stride + c.k - c.ih, 0);
  const padW = Math.max((ow - 1) * c.stride + c.k - c.iw, 0);
  const top = Math.floor(padH / 2);
  const left = Math.floor(padW / 2);
  return Int32Array.from([c.n, c.ih, c.iw, c.ic, c.oc, c.k, c.k, oh, ow, c.stride, c.stride, 1, 1, top, left, padH - top, padW - left, c.relu ? 1 : 0]);
}

function seeded(length: number, seed: number): Float32Array {
  const a = new Float32Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

interface Outputs {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  impl: string[];
}

function runAll(native: NativeAddon, c: Case, mode: ConvLayoutMode): Outputs {
  const g = geometryOf(c);
  const outPixels = g[0] * g[7] * g[8];
  const x = seeded(c.n * c.ih * c.iw * c.ic, 11);
  const w = seeded(c.k * c.k * c.ic * c.oc, 12);
  const bias = seeded(c.oc, 13);
  const dy = seeded(outPixels * c.oc, 14);
  const out: Outputs = { y: new Float32Array(outPixels * c.oc), dx: new Float32Array(x.length), dw: new Float32Array(w.length), impl: [] };
  native.setConvLayout(convLayoutCode(mode));
  native.conv2d(x, w, bias, out.y, g);
  out.impl.push(native.info().lastImpl);
  native.conv2dBackwardData(dy, w, out.dx, g);
  out.impl.push(native.info().lastImpl);
  native.conv2dBackwardWeights(x, dy, out.dw, g);
  out.impl.push(native.info().lastImpl);
  return out;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('backend: oneDNN convs in a blocked layout equal the NHWC ones (native/cpu-kernels/conv-layout.h)', function () {
  useWasmForSuite(wasmNativeConvKernelsRegistered, 'the oneDNN conv kernels');
  afterEach(() => addon().setConvLayout(convLayoutCode(convLayoutFor())));

  // Tolerance 1e-5 of the largest reference magnitude: both layouts compute the same float32 products and differ
  // only in the order the k*k*ic (forward), k*k*oc (dx) or n*oh*ow (dW) terms are summed; with at most ~1,000 terms of
  // mixed sign the rounding difference is a few float32 ulps (~1e-7 relative) times sqrt(terms), well below 1e-5.
  for (const c of CASES) {
    it(`${c.name}: forward (bias${c.relu ? ', relu' : ''}), dx and dW agree within 1e-5 relative`, () => {
      const nhwc = runAll(addon(), c, 'nhwc');
      const blocked = runAll(addon(), c, 'blocked');
      nhwc.impl.forEach((impl) => assert.match(impl, / nhwc$/));
      for (const key of ['y', 'dx', 'dw'] as const) {
        const err = relativeError(blocked[key], nhwc[key]);
        assert.ok(err < 1e-5, `${key}: relative error ${err}`);
      }
      // The forward's relu really ran in the blocked path: about half of the outputs are exactly 0.
      if (c.relu) assert.ok(blocked.y.filter((v) => v === 0).length > blocked.y.length / 4);
    });
  }

  it('the channel-blocked path really runs where the channels fill 8-wide blocks (forced blocked)', () => {
    const blocked = runAll(addon(), CASES[0], 'blocked');
    blocked.impl.forEach((impl) => assert.match(impl, / blocked$/, impl));
  });

  it('auto: blocked only for large spatial convs on CPUs without AVX-512, NHWC for 1x1, 16 channels and RGB', () => {
    const native = addon();
    const isa = native.info().isa;
    const withoutAvx512 = ['sse41', 'avx', 'avx2', 'avx2_vnni'].includes(isa);
    const implOf = (c: Case): string => runAll(native, c, 'auto').impl[0];
    const large: Case = { name: '', n: 1, ih: 32, iw: 32, ic: 32, oc: 64, k: 3, stride: 1, relu: false };
    assert.match(implOf(large), withoutAvx512 ? / blocked$/ : / nhwc$/, `ISA ${isa}`);
    assert.match(implOf({ ...large, k: 1 }), / nhwc$/);
    assert.match(implOf({ ...large, ic: 16, oc: 16 }), / nhwc$/);
    assert.match(implOf({ ...large, ic: 3 }), / nhwc$/);
    assert.match(implOf({ ...large, ih: 15, iw: 15 }), / nhwc$/); // 225 output pixels < 16 x 16
  });

  it('a training step of JASRNet (features 32: its 3x3 convs run blocked on AVX2) gives bit-identical gradients twice, and blocked equals NHWC within 1e-4', () => {
    const config = { ...DEFAULT_MODEL_CONFIG, features: 32, trunkBlocks: 1 };
    const gradientsWith = (mode: ConvLayoutMode): Record<string, Float32Array> => {
      addon().setConvLayout(convLayoutCode(mode));
      const model = new JasrTrainable(buildModel(config, 7), DEFAULT_TRAIN_CONFIG, DEFAULT_EVAL_CONFIG);
      const { grads } = localGradients(
        model,
        randomFaceBatch(2, config.landmarks, 128, 3),
        { step: 1, epoch: 1, rng: new TrainRng(1) },
        model.namedVariables(),
      );
      const out = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, t.dataSync() as Float32Array]));
      tf.dispose(Object.values(grads));
      model.model.dispose();
      return out;
    };
    const first = gradientsWith('auto');
    const second = gradientsWith('auto');
    const names = Object.keys(first);
    assert.ok(names.length > 20, `${names.length} gradients`);
    for (const k of names) assert.ok(sameBits(first[k], second[k]), `${k}: the two runs differ`);
    const blocked = gradientsWith('blocked');
    const nhwc = gradientsWith('nhwc');
    for (const k of names) {
      // 1e-4: a whole backward pass compounds the per-conv summation-order differences (1e-5 above) through ~40 layers.
      const err = relativeError(blocked[k], nhwc[k]);
      assert.ok(err < 1e-4, `${k}: blocked vs NHWC relative error ${err}`);
    }
  });
});

describe(`backend: ${CONV_LAYOUT_ENV_VAR}`, () => {
  it('auto by default; nhwc and blocked on request; anything else an error naming the variable', () => {
    assert.equal(convLayoutFor({}), 'auto');
    assert.equal(convLayoutFor({ [CONV_LAYOUT_ENV_VAR]: ' Blocked ' }), 'blocked');
    assert.equal(convLayoutFor({ [CONV_LAYOUT_ENV_VAR]: 'nhwc' }), 'nhwc');
    assert.deepEqual(
      ['auto', 'nhwc', 'blocked'].map((m) => convLayoutCode(m as ConvLayoutMode)),
      [0, 1, 2],
    );
    assert.throws(() => convLayoutFor({ [CONV_LAYOUT_ENV_VAR]: 'nchw' }), /JASR_CONV_LAYOUT: expected one of auto, nhwc, blocked, got 'nchw'/);
  });

  it('the addon refuses a mode it does not know', () => {
    assert.throws(() => addon().setConvLayout(3), /layout mode must be 0 \(auto\), 1 \(nhwc\) or 2 \(blocked\), got 3/);
  });
});
