/**
 * Rich display inside a tslab notebook: plotly figures, tables, Markdown and images as Jupyter MIME bundles.
 * Outside a kernel (plain node, tests, the CLI) each function prints a one-line text fallback instead.
 *
 * tslab's public `display.raw` takes one MIME type only; a plotly figure needs two (the plotly JSON for
 * JupyterLab/VS Code renderers, and HTML for classic Notebook and nbconvert's HTML export), so bundles go
 * through the kernel-side hook `lastWriteDisplayData` that tslab sets while a cell runs.
 */
import { PNG } from 'pngjs';
import type * as Danfo from 'danfojs-node';
import { Figure } from './figures';
import { jsonForScript, plotlyScriptTag } from './plotly-source';
import { ResultRow, toMarkdown, MarkdownOptions, metricColumns, defaultDecimals } from './tables';

export type MimeBundle = Record<string, unknown>;

interface DisplayDataMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

type WriteDisplayData = (msg: DisplayDataMessage, update: boolean) => void;

/**
 * The hook exists only inside a running tslab kernel. Looking it up in the require cache (instead of
 * requiring tslab) keeps plain node from loading the kernel code at all.
 */
function kernelWriter(): WriteDisplayData | null {
  let modulePath: string;
  try {
    modulePath = require.resolve('tslab/dist/jupyter');
  } catch {
    return null;
  }
  const mod = require.cache[modulePath]?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined;
  return mod?.lastWriteDisplayData ?? null;
}

export function isInKernel(): boolean {
  return kernelWriter() !== null;
}

/** Sends a bundle to the notebook; returns false (and prints `fallbackText`) when not in a kernel. */
export function displayBundle(data: MimeBundle, fallbackText: string): boolean {
  const write = kernelWriter();
  if (!write) {
    console.log(fallbackText);
    return false;
  }
  write({ data, metadata: {}, transient: {} }, false);
  return true;
}

let plotlyInlined = false;

/** Next figure inlines plotly.js again, e.g. after clearing the output that carried it. */
export function forgetInlinedPlotly(): void {
  plotlyInlined = false;
}

let figureCounter = 0;

/** HTML that draws the figure with the page's Plotly, or says why it cannot. */
export function figureHtml(fig: Figure, opts: { inlinePlotly: boolean; divId?: string }): string {
  const id = opts.divId ?? `jasr-plot-${process.pid}-${++figureCounter}`;
  const height = typeof fig.layout.height === 'number' ? fig.layout.height : 450;
  const draw =
    `<script>(function(){var el=document.getElementById(${JSON.stringify(id)});` +
    `if(!window.Plotly){el.textContent='plotly.js is not loaded on this page (the output that inlined it was cleared; call forgetInlinedPlotly() and re-run)';return;}` +
    `window.Plotly.newPlot(el,${jsonForScript(fig.data)},${jsonForScript(fig.layout)},{responsive:true});})();</script>`;
  return (opts.inlinePlotly ? plotlyScriptTag() : '') + `<div id="${id}" style="width:100%;height:${height}px"></div>` + draw;
}

function figureSummary(fig: Figure): string {
  const title = (fig.layout.title as { text?: string } | undefined)?.text;
  return `[plotly figure${title ? ` '${title}'` : ''}: ${fig.data.length} trace(s); display needs a tslab kernel]`;
}

/*
 * The display* functions return nothing on purpose: tslab prints a cell's last expression value, and a
 * returned boolean would add a stray `true` under every figure.
 */

export function displayFigure(fig: Figure): void {
  const inKernel = isInKernel();
  const html = figureHtml(fig, { inlinePlotly: inKernel && !plotlyInlined });
  const shown = displayBundle(
    { 'application/vnd.plotly.v1+json': { data: fig.data, layout: fig.layout }, 'text/html': html, 'text/plain': figureSummary(fig) },
    figureSummary(fig),
  );
  if (shown) plotlyInlined = true;
}

export function displayMarkdown(markdown: string): void {
  displayBundle({ 'text/markdown': markdown, 'text/plain': markdown }, markdown);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An HTML table from header + body cells; `numeric[c]` right-aligns column c. */
export function htmlTable(header: string[], body: string[][], numeric: boolean[]): string {
  const cell = (tag: string, s: string, c: number) => `<${tag}${numeric[c] ? ' style="text-align:right"' : ''}>${escapeHtml(s)}</${tag}>`;
  const head = `<tr>${header.map((h, c) => cell('th', h, c)).join('')}</tr>`;
  const rows = body.map((r) => `<tr>${r.map((s, c) => cell('td', s, c)).join('')}</tr>`).join('');
  return `<table class="jasr-table"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

/** Result rows as HTML with the same fixed decimals as the Markdown table, protocol last. */
export function resultRowsHtml(rows: ResultRow[], opts: MarkdownOptions = {}): string {
  const metrics = opts.metrics ?? metricColumns(rows);
  const header = ['experiment', 'model', ...metrics, 'protocol'];
  const body = rows.map((r) => [
    r.experiment,
    r.model,
    ...metrics.map((m) => {
      const v = r.metrics[m];
      const d = opts.decimals?.[m] ?? defaultDecimals(rows.map((x) => x.metrics[m] ?? null));
      return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d);
    }),
    r.protocol,
  ]);
  return htmlTable(
    header,
    body,
    header.map((h) => metrics.includes(h)),
  );
}

function isDataFrame(x: unknown): x is Danfo.DataFrame {
  return typeof x === 'object' && x !== null && 'columns' in x && 'values' in x && !Array.isArray(x);
}

function dataFrameHtml(df: Danfo.DataFrame): string {
  const columns = df.columns as string[];
  const values = df.values as unknown[][];
  const numeric = columns.map((_, c) => values.every((row) => typeof row[c] === 'number'));
  const body = values.map((row) => row.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v))));
  return htmlTable(columns, body, numeric);
}

/** Result rows (formatted like table.md) or a danfojs DataFrame. */
export function displayTable(table: ResultRow[] | Danfo.DataFrame, opts: MarkdownOptions = {}): void {
  if (isDataFrame(table)) {
    const text = table.toString();
    displayBundle({ 'text/html': dataFrameHtml(table), 'text/plain': text }, text);
    return;
  }
  const md = toMarkdown(table, opts);
  displayBundle({ 'text/html': resultRowsHtml(table, opts), 'text/markdown': md, 'text/plain': md }, md);
}

/** PNG bytes of an RGB image with channels in [0,1], row-major HWC. */
export function rgbFloatToPng(rgb: ArrayLike<number>, width: number, height: number): Buffer {
  if (rgb.length !== width * height * 3) throw new Error(`rgbFloatToPng: ${width}×${height} RGB needs ${width * height * 3} values, found ${rgb.length}`);
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) png.data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(rgb[i * 3 + c] * 255)));
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** An image from RGB floats in [0,1]; `scale` enlarges tiny faces (16×16) with nearest-neighbour pixels. */
export function displayImage(rgb: ArrayLike<number>, width: number, height: number, opts: { scale?: number; caption?: string } = {}): void {
  const b64 = rgbFloatToPng(rgb, width, height).toString('base64');
  const scale = opts.scale ?? 1;
  const caption = opts.caption ? `<div>${escapeHtml(opts.caption)}</div>` : '';
  const html = `<figure style="margin:0"><img src="data:image/png;base64,${b64}" width="${width * scale}" height="${height * scale}" style="image-rendering:pixelated">${caption}</figure>`;
  const text = `[image ${width}×${height}${opts.caption ? ` '${opts.caption}'` : ''}]`;
  displayBundle({ 'image/png': b64, 'text/html': html, 'text/plain': text }, text);
}
