/**
 * `jasr doctor [--json]`: which backend the kit uses here and why the faster ones were skipped, versions, the
 * optional tools (Jupyter, tslab kernel, Chromium), and a tiny real training step. Exit 0 when the kit can train.
 */
import { BackendReport, initBackend } from '../backend/index';
import { NativeProbe } from '../backend/detect-native';
import {
  JASR_KERNEL_NAME,
  KernelProbe,
  ToolProbe,
  VERSIONED_PACKAGES,
  packageVersion,
  probeChromium,
  probeJupyter,
  probeNbconvert,
  probeTslabKernel,
} from './environment-probes';
import { TrainProbe, probeTraining } from '../backend/train-probe';
import { parseArgs } from './args';
import { Command } from './command';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** A failed required check means the kit cannot train here (exit 1). */
  required: boolean;
  detail: string;
  /** How to get a missing optional piece. */
  hint?: string;
}

export interface DoctorReport {
  canTrain: boolean;
  backend: BackendReport | null;
  backendError?: string;
  training: TrainProbe | null;
  versions: Record<string, string | null>;
  tools: { jupyter: ToolProbe; nbconvert: ToolProbe; tslabKernel: KernelProbe; chromium: ToolProbe };
  checks: DoctorCheck[];
}

const HINTS: Record<string, string> = {
  '@tensorflow/tfjs-node-gpu': 'needs Linux x86-64, an NVIDIA driver, CUDA 11.2 + cuDNN 8.1 and internet during npm ci (environment.md § GPU)',
  '@tensorflow/tfjs-node':
    "with internet: npm pkg set 'overrides[@tensorflow/tfjs-node]=4.22.0' && npm install — do not commit it (environment.md § Native CPU)",
  simd: 'wasm without SIMD trains about 2.3× slower; use Node ≥ 20.19',
  jupyter: 'apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel',
  kernel: `register the project kernel '${JASR_KERNEL_NAME}': node bin/jasr.js notebooks --install-kernel`,
  chromium: 'apt-get install -y --no-install-recommends chromium (static PNG/SVG figure export)',
  package: 'npm ci',
  onednn:
    'apt-get install -y --no-install-recommends g++ libdnnl-dev && bash native/cpu-kernels/build.sh (about 3× faster training on CPU; environment.md § oneDNN)',
};
const REQUIRED_PACKAGES = new Set(['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm']);

function nativeCheck(probe: NativeProbe, backend: BackendReport | null): DoctorCheck {
  const label = probe.pkg.replace('@tensorflow/', '');
  const used = backend?.backend === 'tensorflow' && backend.provider === label;
  const skip = backend?.skipped.find((s) => s.backend === label);
  return {
    name: label,
    ok: used || probe.status === 'has-binding',
    required: false,
    // A forced backend leaves "not tried" as the reason; what is installed is still worth showing.
    detail: used
      ? `in use (${probe.detail})`
      : skip && !skip.reason.startsWith('not tried')
        ? skip.reason
        : [probe.detail, skip?.reason].filter(Boolean).join('; '),
    hint: used ? undefined : HINTS[probe.pkg],
  };
}

function backendChecks(backend: BackendReport | null, backendError: string | undefined, training: TrainProbe | null): DoctorCheck[] {
  if (!backend) return [{ name: 'backend', ok: false, required: true, detail: backendError ?? 'not initialised' }];
  const checks: DoctorCheck[] = [{ name: 'backend', ok: true, required: true, detail: backend.summary.replace(/^backend: /, '').split(' — ')[0] }];
  checks.push(...backend.native.map((p) => nativeCheck(p, backend)));
  const wasmSkip = backend.skipped.find((s) => s.backend === 'wasm');
  if (wasmSkip) checks.push({ name: 'wasm', ok: false, required: false, detail: wasmSkip.reason, hint: HINTS.package });
  if (backend.backend === 'wasm') {
    checks.push({
      name: 'wasm SIMD',
      ok: backend.simd === true,
      required: false,
      detail: backend.simd ? 'yes' : 'no',
      hint: backend.simd ? undefined : HINTS.simd,
    });
    const conv = backend.nativeConv;
    checks.push({
      name: 'oneDNN convs',
      ok: conv?.active === true,
      required: false,
      detail: conv?.active
        ? `${conv.library}, ${conv.threads} thread${conv.threads === 1 ? '' : 's'} (Conv2D and both gradients on the CPU's full vector width)`
        : `off: ${conv?.reason ?? 'unknown'}; convs run on XNNPACK`,
      hint: conv?.active ? undefined : HINTS.onednn,
    });
    const gradsVia = conv?.active ? 'Conv2DBackpropFilter/Input on oneDNN' : 'Conv2DBackpropFilter/Input via forward XNNPACK conv';
    checks.push({
      name: 'wasm conv-gradient kernels',
      ok: backend.wasmConvGradKernels,
      required: true,
      detail: backend.wasmConvGradKernels ? gradsVia : 'not registered',
    });
  }
  if (training) {
    const lossText = training.losses.map((l) => l.toFixed(4)).join(' → ');
    checks.push({
      name: 'training step',
      ok: training.ok,
      required: true,
      detail: training.ok
        ? `${training.losses.length} Adam steps on ${training.backend} in ${training.ms.toFixed(0)} ms, loss ${lossText}`
        : `${training.problem}`,
    });
  }
  return checks;
}

function versionChecks(versions: Record<string, string | null>): DoctorCheck[] {
  const nodeMajorMinor = process.versions.node.split('.').map(Number);
  const nodeOk = nodeMajorMinor[0] > 20 || (nodeMajorMinor[0] === 20 && nodeMajorMinor[1] >= 19);
  const checks: DoctorCheck[] = [
    { name: 'node', ok: nodeOk, required: true, detail: process.version + (nodeOk ? '' : ' (package.json engines wants ≥ 20.19)') },
  ];
  for (const [pkg, version] of Object.entries(versions)) {
    checks.push({
      name: pkg,
      ok: version !== null,
      required: REQUIRED_PACKAGES.has(pkg),
      detail: version ?? 'not installed',
      hint: version ? undefined : HINTS.package,
    });
  }
  return checks;
}

function toolChecks(t: DoctorReport['tools']): DoctorCheck[] {
  const k = t.tslabKernel;
  const kernelDetail = k.found && !k.jasrKernel ? `${k.detail} (not the project kernel '${JASR_KERNEL_NAME}')` : k.detail;
  return [
    { name: 'jupyter', ok: t.jupyter.found, required: false, detail: t.jupyter.detail, hint: t.jupyter.found ? undefined : HINTS.jupyter },
    { name: 'nbconvert', ok: t.nbconvert.found, required: false, detail: t.nbconvert.detail, hint: t.nbconvert.found ? undefined : HINTS.jupyter },
    { name: 'tslab kernel', ok: k.jasrKernel || k.found, required: false, detail: kernelDetail, hint: k.jasrKernel ? undefined : HINTS.kernel },
    { name: 'chromium', ok: t.chromium.found, required: false, detail: t.chromium.detail, hint: t.chromium.found ? undefined : HINTS.chromium },
  ];
}

/** Everything `jasr doctor` prints, as data. Leaves the chosen backend active. */
export async function runDoctor(): Promise<DoctorReport> {
  const toolsPending = Promise.all([probeJupyter(), probeNbconvert(), probeTslabKernel(), probeChromium()]);
  let backend: BackendReport | null = null;
  let backendError: string | undefined;
  let training: TrainProbe | null = null;
  try {
    backend = await initBackend({ quiet: true });
    training = await probeTraining();
  } catch (e) {
    backendError = (e as Error).message;
  }
  const versions: Record<string, string | null> = {};
  for (const pkg of VERSIONED_PACKAGES) versions[pkg] = packageVersion(pkg);
  const [jupyter, nbconvert, tslabKernel, chromium] = await toolsPending;
  const tools = { jupyter, nbconvert, tslabKernel, chromium };
  const checks = [...backendChecks(backend, backendError, training), ...versionChecks(versions), ...toolChecks(tools)];
  const canTrain = checks.every((c) => c.ok || !c.required) && training?.ok === true;
  return { canTrain, backend, backendError, training, versions, tools, checks };
}

export function formatDoctor(r: DoctorReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = ['jasr doctor', ''];
  for (const c of r.checks) {
    lines.push(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(width)}  ${c.detail}${!c.ok && !c.required ? ' (optional)' : ''}`);
    if (!c.ok && c.hint) lines.push(`  ${' '.repeat(width)}  → ${c.hint}`);
  }
  lines.push('', r.canTrain ? `The kit can train here (${r.backend?.backend}).` : 'The kit CANNOT train here: fix the ✗ rows not marked (optional).');
  return lines.join('\n');
}

export const command: Command = {
  name: 'doctor',
  summary: 'check the backend, versions, Jupyter/tslab/Chromium and run a tiny training step',
  usage: 'doctor [--json]',
  options: { json: { description: 'print the full report as JSON' } },
  details: 'Exit status 0 when the kit can train here, 1 otherwise. JASR_BACKEND=tensorflow|wasm|cpu forces a backend.',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, command.options);
    const report = await runDoctor();
    console.log(args.flag('json') ? JSON.stringify(report, null, 2) : formatDoctor(report));
    return report.canTrain ? 0 : 1;
  },
};
