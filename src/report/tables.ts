/**
 * Result tables: rows of metrics per (experiment, model), each row naming the evaluation protocol that
 * produced its numbers. Formats them as CSV (full precision, for machines) and Markdown (fixed decimals,
 * aligned columns, for people), and as a danfojs DataFrame for notebooks.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as Danfo from 'danfojs-node';
import { writeFileAtomic } from '../core/atomic-write';
import { KnownError } from '../core/errors';

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
  writeFileAtomic(json, JSON.stringify({ title: opts.title, decimals: opts.decimals, rows: flatRows }, null, 2) + '\n');
  writeFileAtomic(csv, toCsv(rows, opts.metrics));
  writeFileAtomic(md, (opts.title ? `### ${opts.title}\n\n` : '') + toMarkdown(rows, opts));
  return { json, csv, md };
}

/** A metric cell with its interval, already formatted by the pipeline (e.g. `27.41 ± 0.12`). */
export interface StatsCell {
  text: string;
  mean: number;
  lo: number;
  hi: number;
}

export interface StatsRow {
  experiment: string;
  model: string;
  protocol: string;
  cells: Record<string, StatsCell | null>;
  /** Plain columns after the metrics (steps, seeds, params): numbers or text. */
  info: Record<string, number | string | null>;
}

/** A paired difference a − b, already formatted (`+0.31 ± 0.12*`, the marker when the interval excludes 0). */
export interface StatsDifference {
  a: string;
  b: string;
  metric: string;
  text: string;
  mean: number;
  lo: number;
  hi: number;
  p: number;
  marked: boolean;
  /** The row the interval favours, or null. */
  better: string | null;
  /** Effect the design detects with 80 % probability. */
  mde80: number;
  mde80Text: string;
}

export interface StatsTable {
  title?: string;
  metrics: string[];
  rows: StatsRow[];
  differences: StatsDifference[];
  /** Lines printed under the table: design (folds, seeds, steps), interval method, marker meaning. */
  notes: string[];
}

function padTable(header: string[], body: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, c) => Math.max(3, h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]): string => '| ' + cells.map((s, c) => (rightAligned[c] ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join(' | ') + ' |';
  const rule = '| ' + widths.map((w, c) => (rightAligned[c] ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ') + ' |';
  return [line(header), rule, ...body.map(line)].join('\n') + '\n';
}

/** The table with `mean ± interval` cells, then the paired differences, then the notes. */
export function statsToMarkdown(t: StatsTable): string {
  const infoKeys = [...new Set(t.rows.flatMap((r) => Object.keys(r.info)))];
  const header = ['experiment', 'model', ...t.metrics, ...infoKeys];
  const body = t.rows.map((r) => [
    escapeMarkdownCell(r.experiment),
    escapeMarkdownCell(r.model),
    ...t.metrics.map((m) => r.cells[m]?.text ?? '—'),
    ...infoKeys.map((k) => (r.info[k] === null || r.info[k] === undefined ? '—' : escapeMarkdownCell(String(r.info[k])))),
  ]);
  const parts = [
    padTable(
      header,
      body,
      header.map((h) => t.metrics.includes(h) || infoKeys.includes(h)),
    ),
  ];
  if (t.differences.length > 0) {
    const dh = ['difference', 'metric', 'a − b', 'p', 'favours', 'detectable (80 %)'];
    const db = t.differences.map((d) => [
      escapeMarkdownCell(`${d.a} − ${d.b}`),
      d.metric,
      d.text,
      d.p < 0.001 ? '<0.001' : d.p.toFixed(3),
      d.better ?? '—',
      d.mde80Text,
    ]);
    parts.push('', padTable(dh, db, [false, false, true, true, false, true]));
  }
  if (t.notes.length > 0) parts.push('', ...t.notes.map((n) => `${n}  `));
  return parts.join('\n') + (t.notes.length > 0 ? '\n' : '');
}

/** One line per row: mean, lo and hi of every metric at full precision, then the info columns. */
export function statsToCsv(t: StatsTable): string {
  const infoKeys = [...new Set(t.rows.flatMap((r) => Object.keys(r.info)))];
  const header = ['experiment', 'model', ...t.metrics.flatMap((m) => [m, `${m} lo`, `${m} hi`]), ...infoKeys, 'protocol'];
  const num = (v: number | undefined | null): string => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));
  const lines = [header.map(csvCell).join(',')];
  for (const r of t.rows) {
    const cells = t.metrics.flatMap((m) => {
      const c = r.cells[m];
      return [num(c?.mean), num(c?.lo), num(c?.hi)];
    });
    lines.push([csvCell(r.experiment), csvCell(r.model), ...cells, ...infoKeys.map((k) => csvCell(String(r.info[k] ?? ''))), csvCell(r.protocol)].join(','));
  }
  return lines.join('\n') + '\n';
}

export function differencesToCsv(t: StatsTable): string {
  const lines = ['a,b,metric,difference,lo,hi,p,excludes zero,favours,detectable (80 %)'];
  for (const d of t.differences)
    lines.push(
      [d.a, d.b, d.metric, String(d.mean), String(d.lo), String(d.hi), String(d.p), String(d.marked), d.better ?? '', String(d.mde80)].map(csvCell).join(','),
    );
  return lines.join('\n') + '\n';
}

/**
 * Writes table.json (the means as `rows`, read by src/report/results.ts, plus `intervals`, `differences` and
 * `notes`), table.csv (mean, lo, hi per metric), table.md (`27.41 ± 0.12` cells) and differences.csv.
 */
export function writeStatsTable(dir: string, t: StatsTable): { json: string; csv: string; md: string; differences: string } {
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    json: path.join(dir, 'table.json'),
    csv: path.join(dir, 'table.csv'),
    md: path.join(dir, 'table.md'),
    differences: path.join(dir, 'differences.csv'),
  };
  const rows = t.rows.map((r) => ({
    experiment: r.experiment,
    model: r.model,
    ...Object.fromEntries(t.metrics.map((m) => [m, r.cells[m]?.mean ?? null])),
    ...Object.fromEntries(Object.entries(r.info).filter(([, v]) => typeof v === 'number' || v === null)),
    protocol: r.protocol,
  }));
  const intervals = Object.fromEntries(t.rows.map((r) => [r.experiment, Object.fromEntries(t.metrics.map((m) => [m, r.cells[m] ?? null]))]));
  writeFileAtomic(files.json, JSON.stringify({ title: t.title, rows, intervals, differences: t.differences, notes: t.notes }, null, 2) + '\n');
  writeFileAtomic(files.csv, statsToCsv(t));
  writeFileAtomic(files.md, (t.title ? `### ${t.title}\n\n` : '') + statsToMarkdown(t));
  writeFileAtomic(files.differences, differencesToCsv(t));
  return files;
}

let danfo: typeof Danfo | null = null;

/** danfojs-node takes about a second to load (it pulls in all of tfjs), so only pay when a DataFrame is asked for. */
export function loadDanfo(): typeof Danfo {
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

/** A table.json that cannot be read as one. */
export class StatsFileError extends KnownError {}

/** The intervals and paired differences of a table.json written by writeStatsTable (empty when it has none). */
export interface StatsOnDisk {
  intervals: Record<string, Record<string, StatsCell | null>>;
  differences: StatsDifference[];
  notes: string[];
}

/** Reads `intervals`, `differences` and `notes` of results/<table>/table.json; an older table without them reads empty. */
export function readStatsTable(dir: string): StatsOnDisk {
  const file = path.join(dir, 'table.json');
  let raw: Partial<StatsOnDisk>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StatsOnDisk>;
  } catch (e) {
    throw new StatsFileError(
      `${file}: expected a results table written by the kit, found ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no file' : `invalid JSON (${(e as Error).message})`}`,
    );
  }
  return {
    intervals: raw.intervals ?? {},
    differences: Array.isArray(raw.differences) ? raw.differences : [],
    notes: Array.isArray(raw.notes) ? raw.notes : [],
  };
}

function escapeHtmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** HTML of a table with intervals: `mean ± interval` cells, then the paired differences and the notes. */
export function statsToHtml(rows: ResultRow[], stats: StatsOnDisk, metrics: string[]): string {
  const shown = metrics.filter((m) => rows.some((r) => stats.intervals[r.experiment]?.[m]));
  const head = `<tr><th>experiment</th><th>model</th>${shown.map((m) => `<th>${escapeHtmlText(m)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (r) =>
        `<tr><td>${escapeHtmlText(r.experiment)}</td><td>${escapeHtmlText(r.model)}</td>${shown.map((m) => `<td style="text-align:right">${escapeHtmlText(stats.intervals[r.experiment]?.[m]?.text ?? '—')}</td>`).join('')}</tr>`,
    )
    .join('');
  let html = `<table class="jasr-table">${head}${body}</table>`;
  if (stats.differences.length > 0) {
    const dRows = stats.differences
      .map(
        (d) =>
          `<tr><td>${escapeHtmlText(`${d.a} − ${d.b}`)}</td><td>${escapeHtmlText(d.metric)}</td><td style="text-align:right">${d.marked ? '<b>' : ''}${escapeHtmlText(d.text)}${d.marked ? '</b>' : ''}</td><td style="text-align:right">${d.p < 0.001 ? '&lt;0.001' : d.p.toFixed(3)}</td><td>${escapeHtmlText(d.better ?? '—')}</td><td style="text-align:right">${escapeHtmlText(d.mde80Text)}</td></tr>`,
      )
      .join('');
    html += `<h3>Paired differences</h3><table class="jasr-table"><tr><th>difference</th><th>metric</th><th>a − b</th><th>p</th><th>favours</th><th>detectable (80 %)</th></tr>${dRows}</table>`;
  }
  if (stats.notes.length > 0) html += stats.notes.map((n) => `<p class="protocol">${escapeHtmlText(n)}</p>`).join('');
  return html;
}
