/**
 * Conv-gradient speed on wasm: forward conv vs our dx/dW kernels (forward convs, XNNPACK) vs the built-in kernels.
 *
 *   npx tsx bench/backend-conv.ts [--reps 3] [--json]
 *
 * Built-in Conv2DBackpropFilter does not exist on wasm (shown as "missing"); the built-in Conv2DBackpropInput is
 * timed by unregistering ours for the duration of that measurement.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, registerWasmConvGradKernels, unregisterWasmConvGradKernels } from '../src/backend';

interface Layer {
  name: string;
  n: number;
  size: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: 'same' | 'valid' | number;
}

const LAYERS: Layer[] = [
  { name: '3x3 64→256 @16×16', n: 8, size: 16, inChannels: 64, outChannels: 256, kernel: 3, stride: 1, pad: 'same' },
  { name: '3x3 64→256 @64×64', n: 8, size: 64, inChannels: 64, outChannels: 256, kernel: 3, stride: 1, pad: 'same' },
  { name: '3x3/2 64→64 @128×128 pad 1', n: 8, size: 128, inChannels: 64, outChannels: 64, kernel: 3, stride: 2, pad: 1 },
  { name: '1x1 64→64 @64×64', n: 8, size: 64, inChannels: 64, outChannels: 64, kernel: 1, stride: 1, pad: 'valid' },
];

type Row = { layer: string; gflop: number } & Record<'forwardMs' | 'dxOursMs' | 'dxBuiltinMs' | 'dwOursMs' | 'dwBuiltinMs', number | null>;

/** Median wall time of `reps` runs after one warm-up; the result is downloaded so the work really happens. */
async function timeMs(reps: number, run: () => tf.Tensor): Promise<number> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const out = run();
    await out.data();
    const ms = performance.now() - t0;
    out.dispose();
    return ms;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function benchLayer(l: Layer, reps: number): Promise<Row> {
  const x = tf.randomNormal([l.n, l.size, l.size, l.inChannels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([l.kernel, l.kernel, l.inChannels, l.outChannels], 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, l.stride, l.pad);
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
  const attrs = { strides: l.stride, pad: l.pad, dataFormat: 'NHWC' };
  const dx = (): tf.Tensor => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor;
  const dw = (): tf.Tensor => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor;

  const forwardMs = await timeMs(reps, () => tf.conv2d(x, w, l.stride, l.pad));
  const dxOursMs = await timeMs(reps, dx);
  const dwOursMs = await timeMs(reps, dw);
  unregisterWasmConvGradKernels();
  let dxBuiltinMs: number | null;
  let dwBuiltinMs: number | null = null;
  try {
    dxBuiltinMs = await timeMs(reps, dx);
    if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) dwBuiltinMs = await timeMs(reps, dw);
  } finally {
    registerWasmConvGradKernels();
  }
  const [, oh, ow] = y.shape;
  const gflop = (2 * l.n * oh * ow * l.outChannels * l.kernel * l.kernel * l.inChannels) / 1e9;
  tf.dispose([x, w, y, dy]);
  return { layer: `${l.name} N=${l.n}`, gflop, forwardMs, dxOursMs, dxBuiltinMs, dwOursMs, dwBuiltinMs };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const repsAt = args.indexOf('--reps');
  const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 3;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`bench/backend-conv.ts: --reps expects a positive integer, got '${args[repsAt + 1]}'`);
  const report = await initBackend({ force: 'wasm' });
  const rows: Row[] = [];
  for (const l of LAYERS) rows.push(await benchLayer(l, reps));
  if (args.includes('--json')) {
    console.log(JSON.stringify({ backend: report.summary, reps, rows }, null, 2));
    return;
  }
  const fmt = (v: number | null): string => (v === null ? 'missing' : v.toFixed(0));
  console.log(`median of ${reps} after 1 warm-up, ms (${report.summary})`);
  console.log(['layer'.padEnd(38), 'GFLOP', 'forward', 'dx ours', 'dx built-in', 'dW ours', 'dW built-in'].join(' | '));
  for (const r of rows) {
    console.log(
      [
        r.layer.padEnd(38),
        r.gflop.toFixed(2).padStart(5),
        fmt(r.forwardMs).padStart(7),
        fmt(r.dxOursMs).padStart(7),
        fmt(r.dxBuiltinMs).padStart(11),
        fmt(r.dwOursMs).padStart(7),
        fmt(r.dwBuiltinMs).padStart(11),
      ].join(' | '),
    );
  }
  console.log(`tensors alive: ${tf.memory().numTensors}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exitCode = 1;
});
