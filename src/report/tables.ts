/**
 * Result tables: rows of metrics per (experiment, model), each row naming the evaluation protocol that
 * produced its numbers. Formats them as CSV (full precision, for machines) and Markdown (fixed decimals,
 * aligned columns, for people), and as a danfojs DataFrame for notebooks.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as Danfo from 'danfojs-node';

export interface ResultRow {
  experiment: string;
  model: string;
  /** Named protocol, e.g. 'nme-interocular/y-bt601/ssim-gauss11' — printed beside every number it produced. */
  protocol: string;
  /** Metric name → value; null where a metric was not measured for this row. */
  metrics: Record<string, number | null>;
}

/** Metric columns in first-seen order across rows, so tables keep the order their writer chose. */
export function metricColumns(rows: ResultRow[]): string[] {
  const seen: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.metrics)) if (!seen.includes(k)) seen.push(k);
  return seen;
}

/** Fixed decimals per column: counts → 0; else by magnitude: 0.0412 (NME) → 4, 27.53 (PSNR) → 2, 1234.5 → 1. */
export function defaultDecimals(values: (number | null)[]): number {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length > 0 && finite.every(Number.isInteger)) return 0;
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (maxAbs < 1) return 4;
  if (maxAbs < 100) return 2;
  return 1;
}

export interface MarkdownOptions {
  decimals?: Record<string, number>;
  /** Metric columns to show, in order; default all, first-seen order. */
  metrics?: string[];
}

function escapeMarkdownCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured Markdown table padded so the raw text lines up too; numbers right-aligned. */
export function toMarkdown(rows: ResultRow[], opts: MarkdownOptions = {}): string {
  const metrics = opts.metrics ?? metricColumns(rows);
  const decimals = Object.fromEntries(metrics.map((m) => [m, opts.decimals?.[m] ?? defaultDecimals(rows.map((r) => r.metrics[m] ?? null))]));
  const header = ['experiment', 'model', ...metrics, 'protocol'];
  const rightAligned = header.map((h) => metrics.includes(h));
  const body = rows.map((r) => [
    escapeMarkdownCell(r.experiment),
    escapeMarkdownCell(r.model),
    ...metrics.map((m) => {
      const v = r.metrics[m];
      return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(decimals[m]);
    }),
    escapeMarkdownCell(r.protocol),
  ]);
  const widths = header.map((h, c) => Math.max(3, h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]) => '| ' + cells.map((s, c) => (rightAligned[c] ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join(' | ') + ' |';
  const rule = '| ' + widths.map((w, c) => (rightAligned[c] ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ') + ' |';
  return [line(header), rule, ...body.map(line)].join('\n') + '\n';
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with full-precision numbers and an empty cell where a metric is missing. */
export function toCsv(rows: ResultRow[], metrics = metricColumns(rows)): string {
  const header = ['experiment', 'model', ...metrics, 'protocol'];
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) {
    const values = metrics.map((m) => {
      const v = r.metrics[m];
      return v === null || v === undefined || !Number.isFinite(v) ? '' : String(v);
    });
    lines.push([csvCell(r.experiment), csvCell(r.model), ...values, csvCell(r.protocol)].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Writes table.json, table.csv and table.md into `dir` (the results/<table>/ layout of docs/results-format.md). */
export function writeTable(dir: string, rows: ResultRow[], opts: MarkdownOptions & { title?: string } = {}): { json: string; csv: string; md: string } {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'table.json');
  const csv = path.join(dir, 'table.csv');
  const md = path.join(dir, 'table.md');
  const flatRows = rows.map((r) => ({ experiment: r.experiment, model: r.model, ...r.metrics, protocol: r.protocol }));
  fs.writeFileSync(json, JSON.stringify({ title: opts.title, decimals: opts.decimals, rows: flatRows }, null, 2) + '\n');
  fs.writeFileSync(csv, toCsv(rows, opts.metrics));
  fs.writeFileSync(md, (opts.title ? `### ${opts.title}\n\n` : '') + toMarkdown(rows, opts));
  return { json, csv, md };
}

let danfo: typeof Danfo | null = null;

/** danfojs-node takes about a second to load (it pulls in all of tfjs), so only pay when a DataFrame is asked for. */
export function loadDanfo(): typeof Danfo {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  if (!danfo) danfo = require('danfojs-node') as typeof Danfo;
  return danfo;
}

/** One DataFrame column per field; a missing metric becomes NaN so numeric columns stay numeric. */
export function toDataFrame(rows: ResultRow[]): Danfo.DataFrame {
  const dfd = loadDanfo();
  const metrics = metricColumns(rows);
  const columns: Record<string, (string | number)[]> = {
    experiment: rows.map((r) => r.experiment),
    model: rows.map((r) => r.model),
  };
  for (const m of metrics) columns[m] = rows.map((r) => r.metrics[m] ?? NaN);
  columns.protocol = rows.map((r) => r.protocol);
  return new dfd.DataFrame(columns);
}
