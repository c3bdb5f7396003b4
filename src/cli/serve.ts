/**
 * `jasr serve`: the in-browser demo on http://127.0.0.1:<port>/ (loopback only). Everything the page loads comes
 * from the kit: web/index.html, one script bundled at start-up by esbuild from web/entry.ts (TF.js, face-api's
 * detector and the kit's own enhance pipeline), TF.js's wasm binaries and face-api's detector weights from
 * node_modules, and the exported model (`jasr export`). No CDN.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { Command } from './command';
import { OptionValueError, UsageError, parseArgs } from './args';
import { KnownError } from '../core/errors';

const OPTIONS = {
  model: { value: true, placeholder: '<dir>', description: 'an exported model (jasr export --out <dir>)' },
  port: { value: true, placeholder: '<n>', description: 'port on 127.0.0.1 (default 8080; 0 picks a free one)' },
};

export class ServeError extends KnownError {}

const ROOT = path.resolve(__dirname, '..', '..');
const pkgDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
};

/** The page's script: web/entry.ts with everything it imports, for the browser; Node built-ins stubbed. */
export async function bundlePage(): Promise<string> {
  // esbuild comes with tsx (a dependency of the kit), which runs the TypeScript sources.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const stub = /^(sharp|fs|path|crypto|child_process|os|util|worker_threads|perf_hooks|node-fetch|string_decoder)$/;
  const r = await esbuild.build({
    entryPoints: [path.join(ROOT, 'web', 'entry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'node-stubs',
        setup(b) {
          b.onResolve({ filter: stub }, (a) => ({ path: a.path, namespace: 'stub' }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
        },
      },
    ],
  });
  return r.outputFiles[0].text;
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the page for `modelDir` on 127.0.0.1:`port` (0 = any free port). */
export async function startPageServer(modelDir: string, port: number): Promise<PageServer> {
  if (!fs.existsSync(path.join(modelDir, 'model.json')))
    throw new ServeError(`${modelDir}: --model: expected an exported model folder holding model.json (jasr export --out ${modelDir}), found none`);
  const bundle = await bundlePage();
  const mounts: [string, string][] = [
    ['/model/', path.resolve(modelDir)],
    ['/face-api-model/', path.join(pkgDir('@vladmandic/face-api'), 'model')],
    ['/tfjs-wasm/', path.join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist')],
  ];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only');
    if (url === '/' || url === '/index.html') return send(200, TYPES['.html'], fs.readFileSync(path.join(ROOT, 'web', 'index.html')));
    if (url === '/bundle.js') return send(200, TYPES['.js'], bundle);
    for (const [prefix, dir] of mounts) {
      if (!url.startsWith(prefix)) continue;
      const file = path.resolve(dir, url.slice(prefix.length));
      // Only files directly under the mounted folder: no '..', no subfolders.
      if (path.dirname(file) !== dir || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
    }
    send(404, 'text/plain', `not found: ${url}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new ServeError(`--port ${port}: expected a free port on 127.0.0.1, found it in use`) : e),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const command: Command = {
  name: 'serve',
  summary: 'Serve the in-browser demo (detect, super-resolve, align) for an exported model on 127.0.0.1',
  usage: 'serve --model <exported dir> [--port <n>]',
  options: OPTIONS,
  details: `Open the printed address in a browser: upload an image or a video, or use the camera; per face the page
shows the LR crop, bicubic, SR and landmarks, and the frame rate. TF.js runs on webgl (wasm fallback; ?backend=wasm
forces it). Binds 127.0.0.1 only. Stop with Ctrl-C.`,
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, OPTIONS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const modelDir = args.requireString('model');
    const port = args.integer('port') ?? 8080;
    if (!(port >= 0 && port <= 65535)) throw new OptionValueError('port', 'an integer in 0..65535', String(port));
    const s = await startPageServer(modelDir, port);
    console.log(`jasr serve: open ${s.url} (model ${path.resolve(modelDir)}); Ctrl-C stops`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await s.close();
    return 0;
  },
};
