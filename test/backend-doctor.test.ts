import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ENV_VAR } from '../src/backend';
import { JASR_KERNEL_NAME, JUPYTER } from '../src/cli/environment-probes';
import { DoctorReport, formatDoctor, runDoctor } from '../src/cli/doctor';

describe('backend: jasr doctor (its underlying function)', function () {
  let report: DoctorReport;
  let jupyterPath: string;

  before(async () => {
    // The doctor reports what the kit picks by itself, so JASR_BACKEND from the test run must not force it; a
    // throwaway JUPYTER_PATH with a 'jasr-tslab' kernel spec checks that the kernel probe honours that variable.
    const saved = { backendEnv: process.env[BACKEND_ENV_VAR], jupyterEnv: process.env.JUPYTER_PATH, backend: tf.getBackend() };
    jupyterPath = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-jupyter-'));
    const kernelDir = path.join(jupyterPath, 'kernels', JASR_KERNEL_NAME);
    fs.mkdirSync(kernelDir, { recursive: true });
    fs.writeFileSync(
      path.join(kernelDir, 'kernel.json'),
      JSON.stringify({
        argv: ['/bin/sh', '-c', 'exec ./node_modules/.bin/tslab kernel --config-path {connection_file}'],
        display_name: 'test',
        language: 'typescript',
      }),
    );
    delete process.env[BACKEND_ENV_VAR];
    process.env.JUPYTER_PATH = jupyterPath;
    try {
      report = await runDoctor();
    } finally {
      if (saved.backendEnv === undefined) delete process.env[BACKEND_ENV_VAR];
      else process.env[BACKEND_ENV_VAR] = saved.backendEnv;
      if (saved.jupyterEnv === undefined) delete process.env.JUPYTER_PATH;
      else process.env.JUPYTER_PATH = saved.jupyterEnv;
      await tf.setBackend(saved.backend);
      fs.rmSync(jupyterPath, { recursive: true, force: true });
    }
  });

  it('chooses wasm with SIMD, registers the conv-gradient kernels and trains (loss falls)', () => {
    assert.ok(report.backend, report.backendError);
    assert.equal(report.backend.backend, 'wasm');
    assert.equal(report.backend.simd, true);
    assert.equal(report.backend.wasmConvGradKernels, true);
    assert.ok(report.training?.ok, report.training?.problem);
    const losses = report.training.losses;
    assert.equal(losses.length, 3);
    assert.ok(losses[2] < losses[0], `losses ${losses}`);
    assert.equal(report.canTrain, true);
  });

  it('reports versions read from the installed packages', () => {
    assert.equal(report.versions['@tensorflow/tfjs-core'], tf.version_core);
    assert.match(report.versions['@tensorflow/tfjs-backend-wasm'] ?? '', /^\d+\.\d+\.\d+$/);
    assert.match(report.versions.sharp ?? '', /^\d+\.\d+\.\d+$/);
  });

  it('finds the tslab kernel through JUPYTER_PATH (when Jupyter is installed)', () => {
    if (fs.existsSync(JUPYTER)) {
      assert.equal(report.tools.tslabKernel.jasrKernel, true, report.tools.tslabKernel.detail);
      assert.ok(report.tools.tslabKernel.tslabKernels.includes(JASR_KERNEL_NAME));
    } else {
      assert.equal(report.tools.tslabKernel.found, false);
      assert.match(report.tools.tslabKernel.detail, /not found/);
    }
  });

  it('the checklist marks every row ✓/✗, gives a hint under each missing optional piece, and ends with the verdict', () => {
    const text = formatDoctor(report);
    const rows = text.split('\n').filter((l) => /^[✓✗] /.test(l));
    assert.equal(rows.length, report.checks.length);
    assert.match(text, /^✓ backend +wasm \(SIMD; convs on oneDNN \d+\.\d+\.\d+, \d+ threads?\)$/m);
    assert.match(text, /^✓ oneDNN convs +oneDNN \d+\.\d+\.\d+, \d+ threads? /m);
    assert.match(text, /^✗ tfjs-node +alias of plain @tensorflow\/tfjs@\d+\.\d+\.\d+, no native binding \(optional\)$/m);
    const missingOptional = report.checks.filter((c) => !c.ok && !c.required);
    assert.ok(
      missingOptional.every((c) => c.hint),
      'every missing optional piece needs a hint',
    );
    assert.equal(text.split('\n').filter((l) => l.trim().startsWith('→ ')).length, missingOptional.length);
    assert.match(text, /The kit can train here \(wasm\)\.$/);
  });
});
