/**
 * Looks for a native TF.js binding (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node) WITHOUT requiring it.
 *
 * Why not just try/require: package.json overrides @tensorflow/tfjs-node to an alias of plain @tensorflow/tfjs
 * (danfojs-node needs it), so that require succeeds and is not native; and a tfjs-node whose install script could
 * not download libtensorflow has no binding, yet requiring it registers ~170 'tensorflow' kernels before failing,
 * so a second attempt floods the console with "already registered" warnings. So we read the package's real
 * name and look for its binding file first.
 */
import * as fs from 'fs';
import * as path from 'path';

export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type NativePackage = (typeof NATIVE_PACKAGES)[number];

export type NativeStatus =
  | 'not-installed' // no package folder on the resolution path
  | 'alias' // the folder holds another package under this name (the override above)
  | 'no-binding' // the real package, but no lib/napi-v*/tfjs_binding.node (its libtensorflow download failed)
  | 'has-binding'; // worth one require attempt

export interface NativeProbe {
  pkg: NativePackage;
  status: NativeStatus;
  /** Human-readable reason, e.g. "alias of plain @tensorflow/tfjs 4.22.0, no native binding". */
  detail: string;
  packageDir?: string;
  version?: string;
  bindingFile?: string;
}

/** The first `<node_modules>/<pkg>/package.json` on Node's resolution path from `fromDir`. */
export function findPackageDir(pkg: string, fromDir: string = __dirname): string | undefined {
  const searchPaths = require.resolve.paths(pkg) ?? [];
  const candidates = [...new Set([...nodeModulesAbove(fromDir), ...searchPaths])];
  for (const dir of candidates) {
    const candidate = path.join(dir, pkg);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  return undefined;
}

function nodeModulesAbove(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.push(path.join(d, 'node_modules'));
    if (path.dirname(d) === d) return out;
  }
}

interface PackageJson {
  name?: string;
  version?: string;
}

export function readPackageJson(packageDir: string): PackageJson {
  const file = path.join(packageDir, 'package.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PackageJson;
  } catch (e) {
    throw new Error(`${file}: expected a readable JSON package manifest, got ${(e as Error).message}`, { cause: e });
  }
}

/** tfjs-node builds its addon into lib/napi-v<N>/tfjs_binding.node (N depends on the Node-API version). */
function findBindingFile(packageDir: string): string | undefined {
  const lib = path.join(packageDir, 'lib');
  if (!fs.existsSync(lib)) return undefined;
  for (const entry of fs.readdirSync(lib)) {
    const file = path.join(lib, entry, 'tfjs_binding.node');
    if (entry.startsWith('napi-v') && fs.existsSync(file)) return file;
  }
  return undefined;
}

export function probeNativePackage(pkg: NativePackage, fromDir?: string): NativeProbe {
  const packageDir = findPackageDir(pkg, fromDir);
  if (!packageDir) return { pkg, status: 'not-installed', detail: 'not installed' };
  const manifest = readPackageJson(packageDir);
  if (manifest.name !== pkg) {
    return {
      pkg,
      status: 'alias',
      packageDir,
      version: manifest.version,
      detail: `alias of plain ${manifest.name ?? '(unnamed package)'}@${manifest.version ?? '?'}, no native binding`,
    };
  }
  const bindingFile = findBindingFile(packageDir);
  if (!bindingFile) {
    return {
      pkg,
      status: 'no-binding',
      packageDir,
      version: manifest.version,
      detail: `installed (${manifest.version}) but lib/napi-v*/tfjs_binding.node is missing (libtensorflow download failed?)`,
    };
  }
  return { pkg, status: 'has-binding', packageDir, version: manifest.version, bindingFile, detail: `native binding at ${bindingFile}` };
}

export function probeNativePackages(fromDir?: string): NativeProbe[] {
  return NATIVE_PACKAGES.map((pkg) => probeNativePackage(pkg, fromDir));
}
