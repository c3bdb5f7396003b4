/**
 * The layers of src/ (docs/architecture.md): arrows only point down. A file may import its own folder and the
 * folders of lower layers; the engine knows nothing of the face task; nothing in src/ reaches outside src/;
 * there are no import cycles.
 */
import * as assert from 'assert';
import * as path from 'path';
import { importCycles, importGraph } from './helpers/import-graph';

/** Lowest first. Folders on one row may import each other (the science layer: model, losses, metrics, data). */
const LAYERS: string[][] = [
  ['core'],
  ['backend'],
  ['codec'],
  ['model', 'losses', 'metrics', 'data', 'report'],
  ['engine'],
  ['task'],
  ['config'],
  ['pipeline'],
  ['cli', 'notebook'],
];

/** Narrower rules on top of the layer order. */
const ALSO_FORBIDDEN: Record<string, string[]> = {
  // The training engine is generic: it steps any model and optimizer, and never names the face task.
  engine: ['codec', 'model', 'losses', 'metrics', 'data', 'report'],
  // Reports read results on disk; they never reach into the science or training code.
  report: ['backend', 'codec', 'model', 'losses', 'metrics', 'data'],
  // Entry points call the library, not each other.
  cli: ['notebook'],
  notebook: ['cli'],
};

const layerOf = new Map<string, number>(LAYERS.flatMap((row, i) => row.map((f) => [f, i] as [string, number])));
const SRC = path.resolve(__dirname, '..', 'src');
const graph = importGraph(SRC);
const folderOf = (file: string): string => file.split('/')[0];

describe('architecture: import rules of src/', () => {
  it('every folder of src/ has a layer', () => {
    const folders = [...new Set(graph.files.map(folderOf))].filter((f) => !f.endsWith('.ts'));
    assert.deepStrictEqual(
      folders.filter((f) => !layerOf.has(f)),
      [],
    );
    assert.ok(folders.length >= 12, `expected the folders of docs/architecture.md, found ${folders.join(', ')}`);
  });

  it('every relative import resolves to a file', () => {
    assert.deepStrictEqual(graph.unresolved, []);
  });

  it('nothing in src/ imports from outside src/', () => {
    assert.deepStrictEqual(
      graph.edges.filter((e) => e.to.startsWith('../')).map((e) => `${e.from} → ${e.to}`),
      [],
    );
  });

  it('imports point down the layers (or stay in their folder)', () => {
    const bad: string[] = [];
    for (const e of graph.edges) {
      const from = folderOf(e.from);
      const to = folderOf(e.to);
      if (from === to) continue;
      const lf = layerOf.get(from);
      const lt = layerOf.get(to);
      if (lf === undefined || lt === undefined) continue; // reported by the first test
      if (lt > lf || (ALSO_FORBIDDEN[from] ?? []).includes(to)) bad.push(`${e.from} → ${e.to}`);
    }
    assert.deepStrictEqual(bad, []);
  });

  it('names files, not folders (tslab, which runs the notebooks, cannot resolve a directory import: write ./x/index)', () => {
    assert.deepStrictEqual(
      graph.edges.filter((e) => e.directoryImport).map((e) => `${e.from} → ${e.to}`),
      [],
    );
  });

  it('has no import cycles', () => {
    assert.deepStrictEqual(importCycles(graph.files, graph.edges), []);
  });

  it('the checker sees real edges (a guard against a parser that finds nothing)', () => {
    assert.ok(graph.files.length > 100, `found ${graph.files.length} files`);
    assert.ok(graph.edges.length > 300, `found ${graph.edges.length} edges`);
    assert.ok(graph.edges.some((e) => e.from === 'cli/main.ts' && e.to === 'core/errors.ts'));
  });
});
