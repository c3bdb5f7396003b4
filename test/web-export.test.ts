/**
 * jasr export's format: the browser loader (run here in Node) rebuilds a model whose outputs equal the original's;
 * a damaged model.json is a one-line error naming it; the CLI commands enhance, export and serve answer bad
 * input in one line; jasr serve's server answers only on loopback and never outside its mounted folders.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { buildModel } from '../src/model/build';
import { MODEL_CONFIG_SCHEMA } from '../src/model/config';
import { exportWebModel, readWebModel } from '../src/task/export-web';
import { WebModelError } from '../src/task/enhance-web-model';
import { startPageServer } from '../src/cli/serve';
import { main } from '../src/cli/main';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('jasr export / serve', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    await initBackend({ quiet: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-export-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the loader rebuilds the exported model: same SR and heatmaps; every variable restored', () => {
    const model = buildModel(
      MODEL_CONFIG_SCHEMA.parse({
        architecture: 'jasrnet',
        features: 4,
        trunkBlocks: 1,
        stages: 2,
        scale: 8,
        init: 'official',
        meanShift: 'inverse',
        srResidual: 'input',
      }),
      11,
    );
    // Perturb one weight so a loader that kept the builder's init (same seed) would not pass.
    const vars = model.namedVariables();
    const first = Object.keys(vars)[0];
    vars[first].assign(tf.add(vars[first], 0.25));
    const out = path.join(dir, 'web-model');
    const r = exportWebModel(model, out, { experiment: 'x', checkpoint: 'c', margin: 0.2 });
    assert.deepStrictEqual(fs.readdirSync(out).sort(), ['model.json', 'weights.bin']);
    const total = Object.values(vars).reduce((s, v) => s + v.size, 0);
    assert.strictEqual(r.bytes, total * 4);
    const { model: loaded, manifest } = readWebModel(out);
    assert.strictEqual(manifest.margin, 0.2);
    const x = tf.randomUniform([2, 128, 128, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const a = model.apply(x),
      b = loaded.apply(x);
    assert.strictEqual(tf.max(tf.abs(tf.sub(a.sr!, b.sr!))).dataSync()[0], 0);
    assert.strictEqual(b.heatmaps.length, 2);
    assert.strictEqual(tf.max(tf.abs(tf.sub(a.heatmaps[1], b.heatmaps[1]))).dataSync()[0], 0);
    tf.dispose([x, a.sr!, b.sr!, ...a.heatmaps, ...b.heatmaps]);
    model.dispose();
    loaded.dispose();
    // Damaged manifests: one line naming model.json.
    const manifestFile = path.join(out, 'model.json');
    const good = fs.readFileSync(manifestFile, 'utf8');
    const edit = (f: (m: Record<string, unknown>) => void): void => {
      const m = JSON.parse(good);
      f(m);
      fs.writeFileSync(manifestFile, JSON.stringify(m));
    };
    edit((m) => {
      (m.tensors as { shape: number[] }[])[0].shape = [1, 2, 3];
    });
    assert.throws(
      () => readWebModel(out),
      (e: Error) =>
        e instanceof WebModelError && e.message.startsWith(`${manifestFile}: tensors: '`) && /expected shape \[.*\], found \[1,2,3\]/.test(e.message),
    );
    edit((m) => {
      (m.tensors as unknown[]).pop();
    });
    assert.throws(() => readWebModel(out), /tensors: expected every variable of the jasrnet model, found 1 missing/);
    edit((m) => {
      m.version = 9;
    });
    assert.throws(() => readWebModel(out), /version: expected 1, found 9/);
    fs.writeFileSync(manifestFile, good);
    fs.truncateSync(path.join(out, 'weights.bin'), 100);
    assert.throws(() => readWebModel(out), /weights\.bin: expected at least \d+ bytes, found 100/);
  });

  it('the CLI: one-line errors for a missing input, a bad detector, a missing checkpoint, a folder that is no exported model, a port out of range', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (...parts: unknown[]) => errors.push(parts.join(' '));
    try {
      assert.strictEqual(await main(['enhance', '--checkpoint', dir, '--input', path.join(dir, 'nope.jpg')]), 1);
      assert.strictEqual(await main(['enhance', '--checkpoint', dir, '--input', dir, '--detector', 'yolo']), 2);
      assert.strictEqual(await main(['export', '--checkpoint', path.join(dir, 'no-run'), '--out', path.join(dir, 'o')]), 1);
      assert.strictEqual(await main(['serve', '--model', dir, '--port', '0']), 1);
      assert.strictEqual(await main(['serve', '--model', dir, '--port', '70000']), 2);
    } finally {
      console.error = original;
    }
    assert.strictEqual(errors.length, 5, errors.join('\n'));
    assert.match(errors[0], /^jasr enhance: .*nope\.jpg: expected a photo, a folder of photos or a video, found no such file or folder$/);
    assert.match(errors[1], /^jasr enhance: .*--detector.*ssd or tiny.*yolo/);
    assert.match(errors[2], /^jasr export: .*no-run: --checkpoint: expected a run directory or a checkpoint directory, found no such directory$/);
    assert.match(errors[3], /^jasr serve: .*: --model: expected an exported model folder holding model\.json/);
    // The option is named with its two dashes once (serve.ts once passed '--port' to a class that adds them).
    assert.strictEqual(errors[4], 'jasr serve: --port: expected an integer in 0..65535, found 70000');
    for (const e of errors) assert.ok(!e.includes('\n'));
    assert.ok(!fs.existsSync(path.join(dir, 'o')), 'nothing written for a refused export');
  });

  it('the server: loopback only, the page and its files, nothing outside the mounted folders', async () => {
    const s = await startPageServer(path.join(dir, 'web-model'), 0);
    try {
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await get(s.url);
      assert.strictEqual(page.status, 200);
      assert.match(page.body, /<script src="\/bundle\.js"><\/script>/);
      const bundle = await get(`${s.url}bundle.js`);
      assert.strictEqual(bundle.status, 200);
      assert.ok(bundle.body.length > 100_000 && !bundle.body.includes('require("sharp")'), 'one self-contained script');
      assert.strictEqual((await get(`${s.url}model/model.json`)).status, 200);
      assert.strictEqual((await get(`${s.url}tfjs-wasm/tfjs-backend-wasm-simd.wasm`)).status, 200);
      assert.strictEqual((await get(`${s.url}face-api-model/ssd_mobilenetv1_model-weights_manifest.json`)).status, 200);
      assert.strictEqual((await get(`${s.url}model/..%2F..%2Fetc%2Fpasswd`)).status, 404);
      assert.strictEqual((await get(`${s.url}tfjs-wasm/../package.json`)).status, 404);
    } finally {
      await s.close();
    }
  });
});
