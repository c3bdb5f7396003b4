/**
 * The import graph of src/: every relative `import … from`, `export … from`, `import('…')` and `require('…')`
 * between .ts files, resolved to files. Used by test/architecture.test.ts to keep the layers' arrows pointing down.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface ImportEdge {
  from: string;
  to: string;
  /** `import type` edges vanish at run time but still tie the layers together: they count. */
  typeOnly: boolean;
  /** The specifier names a folder (resolved through its index.ts), which tslab cannot resolve. */
  directoryImport: boolean;
}

const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function resolveSpec(fromFile: string, spec: string): { file: string; directory: boolean } | null {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const c of [`${base}.ts`, base]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return { file: c, directory: false };
  }
  const index = path.join(base, 'index.ts');
  return fs.existsSync(index) ? { file: index, directory: true } : null;
}

/** Edges between files under `srcDir` (paths relative to `srcDir`, '/'-separated); unresolved specs are returned apart. */
export function importGraph(srcDir: string): { files: string[]; edges: ImportEdge[]; unresolved: string[] } {
  const files = listTs(srcDir);
  const rel = (f: string): string => path.relative(srcDir, f).split(path.sep).join('/');
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const f of files) {
    const text = fs
      .readFileSync(f, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(SPEC)) {
      const resolved = resolveSpec(f, m[2]);
      const target = resolved?.file ?? null;
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      const statement = text.slice(lineStart, m.index);
      if (target === null) unresolved.push(`${rel(f)} → ${m[2]}`);
      else
        edges.push({
          from: rel(f),
          to: path.relative(srcDir, target).startsWith('..') ? `../${path.relative(path.dirname(srcDir), target)}` : rel(target),
          typeOnly: /^\s*(import|export)\s+type\b/.test(statement),
          directoryImport: resolved?.directory ?? false,
        });
    }
  }
  return { files: files.map(rel), edges, unresolved };
}

/** The cycles of the graph, each as its list of files (Tarjan's strongly connected components of size > 1). */
export function importCycles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out;
}
