/**
 * Report pages: which figures and tables a results table or a training run gets, and the self-contained
 * HTML (plotly inlined once per page) that shows them.
 */
import { Figure, cedCurves, featureMapGrid, groupedBars, lineCurves, srGrid } from './figures';
import { resultRowsHtml } from './display';
import { jsonForScript, plotlyScriptTag } from './plotly-source';
import { ExtrasOnDisk, RunResults, TableResults } from './results';
import { EpochRecord, EventRecord, RunLogRecord, StepRecord } from '../core/run-log';
import { metricColumns, readStatsTable, statsToHtml } from './tables';
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
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'figure'
  );
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
  if (featureFigures.length > 0)
    sections.push({
      heading: 'Feature maps',
      html: '<p>First map: mean over channels; then the first channels, each on its own colour scale.</p>',
      figures: featureFigures,
    });
  return sections;
}

function hasIntervals(dir: string): boolean {
  try {
    return Object.keys(readStatsTable(dir).intervals).length > 0;
  } catch {
    return false;
  }
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
      // A table written with intervals (src/pipeline/table-collect.ts) shows `mean ± interval` cells and its differences.
      html:
        (hasIntervals(t.dir) ? statsToHtml(rows, readStatsTable(t.dir), metrics) : resultRowsHtml(rows, { decimals: t.table.decimals })) +
        `<p class="protocol">Protocol${protocols.length > 1 ? 's' : ''}: ${protocols.map(escapeHtml).join('; ')}</p>`,
      figures: [],
    },
    { heading: 'Metrics', figures },
  ];
  if (t.ced) sections.push({ heading: 'Cumulative error distribution', figures: [{ slug: 'ced', figure: cedCurves(t.ced, { title: 'CED' }) }] });
  sections.push(...extrasSections(t));
  return { name: `table-${slugify(t.name)}`, title: t.table.title ?? `Results: ${t.name}`, sections };
}

interface Curve {
  name: string;
  x: number[];
  y: number[];
}

/** One curve of `value(r)` against the record's step or epoch; non-finite values (logged as null) leave a gap. */
function curveOf<R extends StepRecord | EpochRecord>(records: R[], name: string, axis: 'step' | 'epoch', value: (r: R) => number | undefined): Curve {
  const x: number[] = [];
  const y: number[] = [];
  for (const r of records) {
    const v = value(r);
    if (v !== undefined && Number.isFinite(v)) {
      x.push(axis === 'step' ? r.step : r.epoch);
      y.push(v);
    }
  }
  return { name, x, y };
}

/** Keys of a named-number map over all records, in first-seen order (loss terms, validation metrics). */
function mapKeys<R>(records: R[], map: (r: R) => Record<string, number>): string[] {
  const keys: string[] = [];
  for (const r of records) for (const k of Object.keys(map(r))) if (!keys.includes(k)) keys.push(k);
  return keys;
}

function lossFigure(curves: Curve[], title: string, xTitle: string): Figure {
  const allPositive = curves.every((c) => c.y.every((v) => v > 0));
  return lineCurves(curves, { title, xTitle, yTitle: 'loss', logY: allPositive });
}

/**
 * The training curves of a run, all from the trainer's own records (src/engine/log.ts): per step the loss terms,
 * learning rate, gradient norm and throughput; per epoch the mean training loss terms and each validation metric.
 */
export function runFigures(log: RunLogRecord[]): ReportFigure[] {
  const steps = log.filter((r): r is StepRecord => r.kind === 'step');
  const epochs = log.filter((r): r is EpochRecord => r.kind === 'epoch');
  const figures: ReportFigure[] = [];
  if (steps.length > 0) {
    const terms = mapKeys(steps, (r) => r.loss);
    if (terms.length > 0)
      figures.push({
        slug: 'loss-per-step',
        figure: lossFigure(
          terms.map((t) => curveOf(steps, `loss.${t}`, 'step', (r) => r.loss[t])),
          'Training loss per step',
          'step',
        ),
      });
    figures.push({
      slug: 'lr-per-step',
      figure: lineCurves([curveOf(steps, 'lr', 'step', (r) => r.lr)], { title: 'Learning rate', xTitle: 'step', yTitle: 'lr' }),
    });
    figures.push({
      slug: 'grad-norm-per-step',
      figure: lineCurves([curveOf(steps, 'gradNorm', 'step', (r) => r.gradNorm)], {
        title: 'Gradient norm (before clipping)',
        xTitle: 'step',
        yTitle: 'gradNorm',
      }),
    });
    figures.push({
      slug: 'images-per-sec-per-step',
      figure: lineCurves([curveOf(steps, 'imagesPerSec', 'step', (r) => r.imagesPerSec)], { title: 'Throughput', xTitle: 'step', yTitle: 'images/s' }),
    });
  }
  if (epochs.length > 0) {
    const terms = mapKeys(epochs, (r) => r.loss);
    if (terms.length > 0)
      figures.push({
        slug: 'loss-per-epoch',
        figure: lossFigure(
          terms.map((t) => curveOf(epochs, `loss.${t}`, 'epoch', (r) => r.loss[t])),
          'Mean training loss per epoch',
          'epoch',
        ),
      });
    for (const k of mapKeys(epochs, (r) => r.val)) {
      figures.push({
        slug: slugify(`val-${k}-per-epoch`),
        figure: lineCurves([curveOf(epochs, `val.${k}`, 'epoch', (r) => r.val[k])], { title: `Validation ${k} per epoch`, xTitle: 'epoch', yTitle: k }),
      });
    }
  }
  return figures;
}

export function runPage(run: RunResults): ReportPage {
  const count = (kind: RunLogRecord['kind']): number => run.log.filter((r) => r.kind === kind).length;
  const events = run.log.filter((r): r is EventRecord => r.kind === 'event');
  const torn = run.tornLine === undefined ? '' : ` Line ${run.tornLine} was torn (the run was stopped while writing it) and is skipped.`;
  const summary =
    `<p>${count('step')} step record(s), ${count('epoch')} epoch record(s), ${events.length} event(s) from <code>${escapeHtml(path.join(run.dir, 'log.jsonl'))}</code>.${escapeHtml(torn)}</p>` +
    (events.length > 0
      ? `<ul>${events.map((e) => `<li>step ${e.step}: ${escapeHtml(e.event)} — ${escapeHtml(e.message)} (${escapeHtml(e.time)})</li>`).join('')}</ul>`
      : '');
  return {
    name: `run-${slugify(run.name)}`,
    title: `Run: ${run.name}`,
    sections: [{ heading: 'Training curves', html: summary, figures: runFigures(run.log) }, ...extrasSections(run)],
  };
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
      parts.push(
        `<div class="figure"><div id="${id}" class="plot" style="height:${height}px"></div>${links.length ? `<div class="static">static: ${links.join(' · ')}</div>` : ''}</div>`,
      );
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
