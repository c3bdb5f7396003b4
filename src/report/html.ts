/**
 * Report pages: which figures and tables a results table or a training run gets, and the self-contained
 * HTML (plotly inlined once per page) that shows them.
 */
import { Figure, cedCurves, featureMapGrid, groupedBars, lineCurves, srGrid } from './figures';
import { resultRowsHtml } from './display';
import { jsonForScript, plotlyScriptTag } from './plotly-source';
import { ExtrasOnDisk, LogRecord, RunResults, TableResults } from './results';
import { metricColumns } from './tables';
import * as path from 'path';

export interface ReportFigure {
  /** Unique within the page; names the static files. */
  slug: string;
  figure: Figure;
}

export interface ReportSection {
  heading: string;
  html?: string;
  figures: ReportFigure[];
}

export interface ReportPage {
  /** File-name stem of the page, e.g. `table-aflw` or `run-jasr-small`. */
  name: string;
  title: string;
  sections: ReportSection[];
}

export function slugify(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'figure';
}

function extrasSections(extras: ExtrasOnDisk): ReportSection[] {
  const sections: ReportSection[] = [];
  if (extras.samples.length > 0) {
    const rows = extras.samples.map((s) => ({
      label: s.label,
      panels: s.panels,
      landmarksPred: s.landmarksPred,
      landmarksTrue: s.landmarksTrue,
      landmarkImageSize: s.hrSize,
    }));
    sections.push({
      heading: 'Super-resolution samples',
      html: '<p>Panels LR | bicubic | SR | HR; landmarks (given in HR pixels) scaled onto every panel: green ○ true, red × predicted.</p>',
      figures: [{ slug: 'sr-samples', figure: srGrid(rows, { title: 'SR samples with landmarks' }) }],
    });
  }
  const featureFigures: ReportFigure[] = [];
  for (const f of extras.features) {
    const stem = path.basename(f.file, '.json');
    for (const [name, tap] of Object.entries(f.taps)) featureFigures.push({ slug: slugify(`features-${stem}-${name}`), figure: featureMapGrid(name, tap) });
  }
  if (featureFigures.length > 0) sections.push({ heading: 'Feature maps', html: '<p>First map: mean over channels; then the first channels, each on its own colour scale.</p>', figures: featureFigures });
  return sections;
}

export function tablePage(t: TableResults): ReportPage {
  const rows = t.table.rows;
  const metrics = metricColumns(rows);
  const experiments = [...new Set(rows.map((r) => r.experiment))];
  const models = [...new Set(rows.map((r) => r.model))];
  const protocols = [...new Set(rows.map((r) => r.protocol))];
  const figures: ReportFigure[] = metrics.map((m) => ({
    slug: slugify(`metric-${m}`),
    figure: groupedBars(
      experiments,
      models.map((model) => ({
        name: model,
        values: experiments.map((e) => rows.find((r) => r.experiment === e && r.model === model)?.metrics[m] ?? null),
      })),
      { title: m, xTitle: 'experiment', yTitle: m },
    ),
  }));
  const sections: ReportSection[] = [
    {
      heading: 'Table',
      html: resultRowsHtml(rows, { decimals: t.table.decimals }) + `<p class="protocol">Protocol${protocols.length > 1 ? 's' : ''}: ${protocols.map(escapeHtml).join('; ')}</p>`,
      figures: [],
    },
    { heading: 'Metrics', figures },
  ];
  if (t.ced) sections.push({ heading: 'Cumulative error distribution', figures: [{ slug: 'ced', figure: cedCurves(t.ced, { title: 'CED' }) }] });
  sections.push(...extrasSections(t));
  return { name: `table-${slugify(t.name)}`, title: t.table.title ?? `Results: ${t.name}`, sections };
}

function seriesOf(records: LogRecord[], key: string, axis: 'step' | 'epoch'): { name: string; x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const r of records) {
    const at = axis === 'step' ? r.step : r.epoch;
    if (at !== undefined && key in r.values) {
      x.push(at);
      y.push(r.values[key]);
    }
  }
  return { name: key, x, y };
}

function keysOf(records: LogRecord[]): string[] {
  const keys: string[] = [];
  for (const r of records) for (const k of Object.keys(r.values)) if (!keys.includes(k)) keys.push(k);
  return keys;
}

export function runPage(run: RunResults): ReportPage {
  const steps = run.log.filter((r) => r.kind === 'step');
  const epochs = run.log.filter((r) => r.kind === 'epoch');
  const figures: ReportFigure[] = [];
  const stepKeys = keysOf(steps);
  const lossKeys = stepKeys.filter((k) => /loss/i.test(k));
  if (lossKeys.length > 0) {
    const series = lossKeys.map((k) => seriesOf(steps, k, 'step'));
    const allPositive = series.every((s) => s.y.every((v) => v > 0));
    figures.push({ slug: 'loss-per-step', figure: lineCurves(series, { title: 'Losses per step', xTitle: 'step', yTitle: 'loss', logY: allPositive }) });
  }
  if (stepKeys.includes('lr')) figures.push({ slug: 'lr-per-step', figure: lineCurves([seriesOf(steps, 'lr', 'step')], { title: 'Learning rate', xTitle: 'step', yTitle: 'lr' }) });
  const otherStepKeys = stepKeys.filter((k) => k !== 'lr' && !lossKeys.includes(k));
  if (otherStepKeys.length > 0) {
    figures.push({ slug: 'other-per-step', figure: lineCurves(otherStepKeys.map((k) => seriesOf(steps, k, 'step')), { title: 'Other values per step', xTitle: 'step' }) });
  }
  for (const k of keysOf(epochs)) {
    figures.push({ slug: slugify(`epoch-${k}`), figure: lineCurves([seriesOf(epochs, k, 'epoch')], { title: `${k} per epoch`, xTitle: 'epoch', yTitle: k }) });
  }
  const summary = `<p>${steps.length} step record(s), ${epochs.length} epoch record(s) from <code>${escapeHtml(path.join(run.dir, 'log.jsonl'))}</code>.</p>`;
  return { name: `run-${slugify(run.name)}`, title: `Run: ${run.name}`, sections: [{ heading: 'Training curves', html: summary, figures }, ...extrasSections(run)] };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}
table.jasr-table{border-collapse:collapse;font-variant-numeric:tabular-nums}
.jasr-table th,.jasr-table td{border:1px solid #ccc;padding:3px 8px}
.figure{margin:16px 0 28px}.static{font-size:12px;color:#555}.protocol{font-size:13px;color:#444}`;

/**
 * The page, self-contained: plotly.js inlined once, each figure's JSON in the page. `staticFiles` maps a
 * figure slug to the static files written for it (paths relative to the page) so they are linked.
 */
export function renderPage(page: ReportPage, staticFiles: Map<string, string[]> = new Map(), note?: string): string {
  const parts: string[] = [];
  const draws: string[] = [];
  for (const section of page.sections) {
    parts.push(`<h2>${escapeHtml(section.heading)}</h2>`);
    if (section.html) parts.push(section.html);
    for (const f of section.figures) {
      const id = `fig-${f.slug}`;
      const height = typeof f.figure.layout.height === 'number' ? f.figure.layout.height : 450;
      const links = (staticFiles.get(f.slug) ?? []).map((p) => `<a href="${escapeHtml(p)}">${escapeHtml(path.extname(p).slice(1).toUpperCase())}</a>`);
      parts.push(`<div class="figure"><div id="${id}" class="plot" style="height:${height}px"></div>${links.length ? `<div class="static">static: ${links.join(' · ')}</div>` : ''}</div>`);
      draws.push(`Plotly.newPlot(${JSON.stringify(id)},${jsonForScript(f.figure.data)},${jsonForScript(f.figure.layout)},{responsive:true});`);
    }
  }
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title><style>${STYLE}</style>
${plotlyScriptTag()}
</head><body>
<h1>${escapeHtml(page.title)}</h1>
${note ? `<p class="static">${escapeHtml(note)}</p>` : ''}
${parts.join('\n')}
<script>${draws.join('\n')}</script>
</body></html>
`;
}
