/**
 * oneDNN conv time per call in the NHWC and the blocked layout (native/cpu-kernels/conv-layout.h), side by side:
 * for each geometry the two layouts alternate, call by call, so a busy machine slows both alike. Calls the addon
 * directly on Float32Arrays (the reorders NHWC <-> blocked are inside the blocked time, as in training).
 *
 *   npx tsx bench/conv-layout.ts [--reps 5] [--threads 1] [--batch 2] [--only 16->16]
 *
 * --only S: just the shapes whose name (e.g. '3x3/1 16->16 @128') contains S.
 *
 * Prints, per geometry and direction, the minimum of `reps` calls (the least disturbed) for each layout and
 * blocked/NHWC, and which layout the auto rule picks on this CPU.
 */
import { loadNativeAddon, NativeAddon, convLayoutCode } from '../src/backend/native-addon';

interface ConvShape {
  size: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
}

// The convs of JASRNet's released (128/32), paper-era (256/16) and CPU-sized (16/2) models (all of the CPU-sized
// model's 3x3 shapes: its batch is 8), and the edges of the rule.
const SHAPES: ConvShape[] = [
  { size: 128, inChannels: 128, outChannels: 128, kernel: 3, stride: 1 },
  { size: 64, inChannels: 128, outChannels: 128, kernel: 3, stride: 1 },
  { size: 64, inChannels: 128, outChannels: 512, kernel: 3, stride: 1 },
  { size: 32, inChannels: 128, outChannels: 128, kernel: 3, stride: 1 },
  { size: 16, inChannels: 128, outChannels: 128, kernel: 3, stride: 1 },
  { size: 64, inChannels: 256, outChannels: 256, kernel: 3, stride: 1 },
  { size: 128, inChannels: 16, outChannels: 16, kernel: 3, stride: 1 },
  { size: 64, inChannels: 16, outChannels: 16, kernel: 3, stride: 1 },
  { size: 32, inChannels: 16, outChannels: 16, kernel: 3, stride: 1 },
  { size: 16, inChannels: 16, outChannels: 16, kernel: 3, stride: 1 },
  { size: 16, inChannels: 85, outChannels: 16, kernel: 3, stride: 1 },
  { size: 16, inChannels: 16, outChannels: 69, kernel: 3, stride: 1 },
  { size: 128, inChannels: 32, outChannels: 32, kernel: 3, stride: 1 },
  { size: 128, inChannels: 64, outChannels: 64, kernel: 3, stride: 1 },
  { size: 8, inChannels: 128, outChannels: 128, kernel: 3, stride: 1 },
  { size: 64, inChannels: 16, outChannels: 64, kernel: 3, stride: 1 },
  { size: 128, inChannels: 3, outChannels: 16, kernel: 3, stride: 1 },
  { size: 128, inChannels: 16, outChannels: 3, kernel: 3, stride: 1 },
  { size: 128, inChannels: 64, outChannels: 64, kernel: 3, stride: 2 },
  { size: 64, inChannels: 128, outChannels: 128, kernel: 1, stride: 1 },
  { size: 128, inChannels: 128, outChannels: 128, kernel: 1, stride: 1 },
];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** [n, ih, iw, ic, oc, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, relu] for 'same' padding. */
function geometry(n: number, s: ConvShape): Int32Array {
  const out = Math.ceil(s.size / s.stride);
  const padTotal = Math.max((out - 1) * s.stride + s.kernel - s.size, 0);
  const top = Math.floor(padTotal / 2);
  return Int32Array.from([
    n,
    s.size,
    s.size,
    s.inChannels,
    s.outChannels,
    s.kernel,
    s.kernel,
    out,
    out,
    s.stride,
    s.stride,
    1,
    1,
    top,
    top,
    padTotal - top,
    padTotal - top,
    1,
  ]);
}

function random(length: number, seed: number): Float32Array {
  const a = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    a[i] = state / 2 ** 32 - 0.5;
  }
  return a;
}

type Direction = 'fwd' | 'bwd_data' | 'bwd_weights';

function calls(addon: NativeAddon, n: number, s: ConvShape): Record<Direction, () => void> {
  const g = geometry(n, s);
  const out = g[7];
  const x = random(n * s.size * s.size * s.inChannels, 1);
  const w = random(s.kernel * s.kernel * s.inChannels * s.outChannels, 2);
  const bias = random(s.outChannels, 3);
  const y = new Float32Array(n * out * out * s.outChannels);
  const dy = random(y.length, 4);
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  return {
    fwd: () => addon.conv2d(x, w, bias, y, g),
    bwd_data: () => addon.conv2dBackwardData(dy, w, dx, g),
    bwd_weights: () => addon.conv2dBackwardWeights(x, dy, dw, g),
  };
}

function main(): void {
  const loaded = loadNativeAddon();
  if (!loaded.ok) throw new Error(`no oneDNN addon: ${loaded.reason}`);
  const addon = loaded.addon;
  const reps = arg('reps', 5);
  const n = arg('batch', 2);
  addon.setThreads(arg('threads', 1));
  console.log(`oneDNN ${loaded.version}, ISA ${addon.info().isa}, ${addon.info().threads} thread(s), batch ${n}, min of ${reps} calls, ms`);
  console.log('shape                       dir           nhwc   blocked  blk/nhwc  auto');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : '';
  for (const s of SHAPES) {
    const name = `${s.kernel}x${s.kernel}/${s.stride} ${s.inChannels}->${s.outChannels} @${s.size}`;
    if (!name.includes(only)) continue;
    const run = calls(addon, n, s);
    for (const dir of ['fwd', 'bwd_data', 'bwd_weights'] as const) {
      const best = { nhwc: Infinity, blocked: Infinity };
      for (let r = 0; r <= reps; r++) {
        for (const mode of ['nhwc', 'blocked'] as const) {
          addon.setConvLayout(convLayoutCode(mode));
          const t0 = performance.now();
          run[dir]();
          const ms = performance.now() - t0;
          if (r > 0) best[mode] = Math.min(best[mode], ms); // r = 0 builds the primitives
        }
      }
      addon.setConvLayout(convLayoutCode('auto'));
      run[dir]();
      const auto = addon.info().lastImpl;
      console.log(
        `${name.padEnd(28)}${dir.padEnd(12)}${best.nhwc.toFixed(1).padStart(8)}${best.blocked.toFixed(1).padStart(10)}${(best.blocked / best.nhwc).toFixed(2).padStart(10)}  ${auto}`,
      );
    }
  }
}

main();
