import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ENV_VAR, backendFromEnv, initBackend, probeNativePackages } from '../src/backend';
import { probeNativePackage } from '../src/backend/detect-native';

/** Runs `body` with JASR_BACKEND set to `value` (undefined = unset), then restores the variable and the backend. */
async function withEnvBackend<T>(value: string | undefined, body: () => Promise<T>): Promise<T> {
  const savedEnv = process.env[BACKEND_ENV_VAR];
  const savedBackend = tf.getBackend();
  if (value === undefined) delete process.env[BACKEND_ENV_VAR];
  else process.env[BACKEND_ENV_VAR] = value;
  try {
    return await body();
  } finally {
    if (savedEnv === undefined) delete process.env[BACKEND_ENV_VAR];
    else process.env[BACKEND_ENV_VAR] = savedEnv;
    assert.ok(await tf.setBackend(savedBackend));
  }
}

describe('backend: native package detection (without requiring anything)', () => {
  it("the repo's @tensorflow/tfjs-node is recognised as the plain-tfjs alias without being required", () => {
    // Other test files may load danfojs-node (which requires the alias), so compare before/after the probe.
    const aliasModules = (): string[] => Object.keys(require.cache).filter((f) => f.includes(`${path.sep}@tensorflow${path.sep}tfjs-node${path.sep}`));
    const before = aliasModules();
    const [gpu, node] = probeNativePackages();
    assert.deepEqual(aliasModules(), before);
    assert.equal(gpu.pkg, '@tensorflow/tfjs-node-gpu');
    assert.equal(gpu.status, 'not-installed');
    assert.equal(node.pkg, '@tensorflow/tfjs-node');
    assert.equal(node.status, 'alias');
    assert.match(node.detail, /^alias of plain @tensorflow\/tfjs@4\.22\.0, no native binding$/);
  });

  it('a real tfjs-node folder is "no-binding" until lib/napi-v*/tfjs_binding.node exists', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-native-'));
    try {
      const pkgDir = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
      fs.mkdirSync(pkgDir, { recursive: true });
      fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '9.9.9' }));
      const missing = probeNativePackage('@tensorflow/tfjs-node', root);
      assert.equal(missing.status, 'no-binding');
      assert.equal(missing.packageDir, pkgDir);
      assert.match(missing.detail, /9\.9\.9.*tfjs_binding\.node is missing/);

      fs.mkdirSync(path.join(pkgDir, 'lib', 'napi-v8'), { recursive: true });
      fs.writeFileSync(path.join(pkgDir, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
      const present = probeNativePackage('@tensorflow/tfjs-node', root);
      assert.equal(present.status, 'has-binding');
      assert.equal(present.bindingFile, path.join(pkgDir, 'lib', 'napi-v8', 'tfjs_binding.node'));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('backend: selection', () => {
  it('unforced, this machine gets wasm with SIMD, and the report says why both native packages were skipped', async () => {
    const report = await withEnvBackend(undefined, async () => {
      const r = await initBackend({ quiet: true });
      assert.equal(tf.getBackend(), 'wasm');
      return r;
    });
    assert.equal(report.backend, 'wasm');
    assert.equal(report.simd, true);
    assert.equal(report.forced, null);
    assert.equal(report.wasmConvGradKernels, true);
    assert.deepEqual(
      report.skipped.map((s) => s.backend),
      ['tfjs-node-gpu', 'tfjs-node'],
    );
    // setup.sh builds the oneDNN addon, so its convs are part of the line.
    assert.match(
      report.summary,
      /^backend: wasm \(SIMD; convs on oneDNN \d+\.\d+\.\d+, \d+ threads?\) — skipped tfjs-node-gpu: not installed; tfjs-node: alias of plain @tensorflow\/tfjs@4\.22\.0, no native binding$/,
    );
  });

  it('force: cpu switches to cpu and says so; a later unforced call switches back', async () => {
    await withEnvBackend(undefined, async () => {
      const forced = await initBackend({ force: 'cpu', quiet: true });
      assert.equal(tf.getBackend(), 'cpu');
      assert.equal(forced.backend, 'cpu');
      assert.deepEqual(forced.forced, { backend: 'cpu', by: 'option' });
      assert.deepEqual(
        forced.skipped.map((s) => s.backend),
        ['tfjs-node-gpu', 'tfjs-node', 'wasm'],
      );
      assert.ok(
        forced.skipped.every((s) => s.reason.startsWith('not tried')),
        JSON.stringify(forced.skipped),
      );
      assert.match(forced.summary, /^backend: cpu \[forced by caller\]/);
      const again = await initBackend({ quiet: true });
      assert.equal(again.backend, 'wasm');
      assert.equal(tf.getBackend(), 'wasm');
    });
  });

  it(`${BACKEND_ENV_VAR}=cpu forces cpu and is named in the report; a bad value is an error naming the variable`, async () => {
    await withEnvBackend('cpu', async () => {
      const r = await initBackend({ quiet: true });
      assert.equal(tf.getBackend(), 'cpu');
      assert.deepEqual(r.forced, { backend: 'cpu', by: BACKEND_ENV_VAR });
      assert.match(r.summary, /\[forced by JASR_BACKEND=cpu\]/);
    });
    assert.throws(() => backendFromEnv({ [BACKEND_ENV_VAR]: 'gpu' }), /JASR_BACKEND: expected one of tensorflow, wasm, cpu, got 'gpu'/);
    await withEnvBackend('tensorflow', async () => {
      await assert.rejects(
        initBackend({ quiet: true }),
        /JASR_BACKEND=tensorflow forces backend 'tensorflow', but no native TF\.js backend loads here — tfjs-node-gpu: not installed; tfjs-node: alias/,
      );
    });
  });
});
