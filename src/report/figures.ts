/**
 * Plotly figure builders: plain arrays in, a `{data, layout}` object out. They never touch the DOM, the
 * kernel or the disk, so the same figure can go to a notebook (display.ts), a report page (html.ts) or a
 * static file (export.ts).
 */
import { mapPixelCentre } from '../core/geometry';

/** A plotly trace or layout: plotly's own schema is huge and untyped here, so plain JSON objects. */
export type PlotlyObject = Record<string, unknown>;

export interface Figure {
  data: PlotlyObject[];
  layout: PlotlyObject;
}

/** 8-bit RGB, row-major HWC (the same shape as image-io's RgbImage, kept local so report needs no data layer). */
export interface RgbPixels {
  width: number;
  height: number;
  data: Uint8Array | number[];
}

/** Landmark points as [x, y] pairs in the pixel coordinates of the image they are drawn on. */
export type Points = ReadonlyArray<readonly [number, number]>;

export interface Series {
  name: string;
  x: number[];
  y: number[];
}

export interface AxisTitles {
  title?: string;
  xTitle?: string;
  yTitle?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function baseLayout(t: AxisTitles): PlotlyObject {
  return {
    title: t.title ? { text: t.title } : undefined,
    xaxis: { title: { text: t.xTitle ?? '' } },
    yaxis: { title: { text: t.yTitle ?? '' } },
    margin: { l: 60, r: 20, t: t.title ? 50 : 20, b: 50 },
    legend: { orientation: 'h', y: -0.2 },
  };
}

/** Training curves: several series (loss terms, metrics) against step or epoch. */
export function lineCurves(series: Series[], opts: AxisTitles & { logY?: boolean } = {}): Figure {
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new Error(`lineCurves: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
  }
  const layout = baseLayout(opts);
  if (opts.logY) layout.yaxis = { ...(layout.yaxis as PlotlyObject), type: 'log' };
  return {
    data: series.map((s, i) => ({ type: 'scatter', mode: 'lines', name: s.name, x: s.x, y: s.y, line: { color: PALETTE[i % PALETTE.length] } })),
    layout,
  };
}

/** Comparison table as bars: one group per category (e.g. model), one bar per metric or experiment. */
export function groupedBars(categories: string[], groups: { name: string; values: (number | null)[] }[], opts: AxisTitles = {}): Figure {
  for (const g of groups) {
    if (g.values.length !== categories.length) {
      throw new Error(`groupedBars: group '${g.name}' has ${g.values.length} values for ${categories.length} categories`);
    }
  }
  return {
    data: groups.map((g, i) => ({ type: 'bar', name: g.name, x: categories, y: g.values, marker: { color: PALETTE[i % PALETTE.length] } })),
    layout: { ...baseLayout(opts), barmode: 'group' },
  };
}

/** A value with its interval (plain numbers: the pipeline computes them, src/pipeline/table-stats.ts). */
export interface IntervalValue {
  mean: number;
  lo: number;
  hi: number;
}

/** Bars with asymmetric error bars from lo to hi, one group per series (e.g. one bar per row for a metric). */
export function intervalBars(categories: string[], groups: { name: string; values: (IntervalValue | null)[] }[], opts: AxisTitles = {}): Figure {
  for (const g of groups) {
    if (g.values.length !== categories.length)
      throw new Error(`intervalBars: group '${g.name}' has ${g.values.length} values for ${categories.length} categories`);
  }
  return {
    data: groups.map((g, i) => ({
      type: 'bar',
      name: g.name,
      x: categories,
      y: g.values.map((v) => v?.mean ?? null),
      error_y: {
        type: 'data',
        symmetric: false,
        array: g.values.map((v) => (v ? v.hi - v.mean : null)),
        arrayminus: g.values.map((v) => (v ? v.mean - v.lo : null)),
      },
      marker: { color: PALETTE[i % PALETTE.length] },
    })),
    layout: { ...baseLayout(opts), barmode: 'group' },
  };
}

/** One paired difference for a forest plot: its label, estimate, interval and whether the interval excludes 0. */
export interface ForestItem extends IntervalValue {
  label: string;
  marked: boolean;
}

/**
 * Forest plot of paired differences: one row per difference, a point at the estimate with a horizontal interval,
 * and a vertical line at 0; a difference whose interval excludes 0 is drawn in the accent colour.
 */
export function forestPlot(items: ForestItem[], opts: AxisTitles = {}): Figure {
  const y = items.map((it) => it.label);
  const trace = (marked: boolean, name: string, color: string) => {
    const sel = items.filter((it) => it.marked === marked);
    return {
      type: 'scatter',
      mode: 'markers',
      name,
      x: sel.map((it) => it.mean),
      y: sel.map((it) => it.label),
      error_x: { type: 'data', symmetric: false, array: sel.map((it) => it.hi - it.mean), arrayminus: sel.map((it) => it.mean - it.lo) },
      marker: { color, size: 9 },
    };
  };
  return {
    data: [trace(true, 'interval excludes 0', PALETTE[1 % PALETTE.length]), trace(false, 'interval includes 0', '#888888')],
    layout: {
      ...baseLayout({ xTitle: opts.xTitle ?? 'difference a − b', yTitle: opts.yTitle, title: opts.title }),
      yaxis: { automargin: true, categoryorder: 'array', categoryarray: [...y].reverse() },
      shapes: [{ type: 'line', x0: 0, x1: 0, yref: 'paper', y0: 0, y1: 1, line: { color: '#444', dash: 'dot' } }],
      height: 120 + 40 * items.length,
    },
  };
}

/** Cumulative error distribution: the fraction of images whose NME is at most x, for x in [0, maxNme]. */
export function cedPoints(nmes: number[], maxNme: number, steps = 200): { x: number[]; y: number[] } {
  const sorted = [...nmes].sort((a, b) => a - b);
  const x: number[] = [];
  const y: number[] = [];
  let below = 0;
  for (let i = 0; i <= steps; i++) {
    const threshold = (maxNme * i) / steps;
    while (below < sorted.length && sorted[below] <= threshold) below++;
    x.push(threshold);
    y.push(sorted.length === 0 ? 0 : below / sorted.length);
  }
  return { x, y };
}

export function cedCurves(nmeByName: Record<string, number[]>, opts: AxisTitles & { maxNme?: number } = {}): Figure {
  const maxNme = opts.maxNme ?? 0.1;
  const series = Object.entries(nmeByName).map(([name, nmes]) => ({ name, ...cedPoints(nmes, maxNme) }));
  const fig = lineCurves(series, { title: opts.title, xTitle: opts.xTitle ?? 'NME', yTitle: opts.yTitle ?? 'fraction of images' });
  fig.layout.yaxis = { ...(fig.layout.yaxis as PlotlyObject), range: [0, 1] };
  fig.layout.xaxis = { ...(fig.layout.xaxis as PlotlyObject), range: [0, maxNme] };
  return fig;
}

/** Panels laid out on a grid of subplots; each panel gets its own x/y axis pair. */
interface GridCell {
  axisIndex: number;
  xDomain: [number, number];
  yDomain: [number, number];
}

function gridCells(count: number, columns: number, gap = 0.02, topReserve = 0): GridCell[] {
  const rows = Math.max(1, Math.ceil(count / columns));
  const cellW = (1 - gap * (columns - 1)) / columns;
  const usableH = 1 - topReserve;
  const cellH = (usableH - gap * (rows - 1)) / rows;
  const cells: GridCell[] = [];
  for (let i = 0; i < count; i++) {
    const r = Math.floor(i / columns);
    const c = i % columns;
    const x0 = c * (cellW + gap);
    const yTop = usableH - r * (cellH + gap);
    cells.push({ axisIndex: i + 1, xDomain: [x0, x0 + cellW], yDomain: [Math.max(0, yTop - cellH), yTop] });
  }
  return cells;
}

function axisNames(i: number): { xKey: string; yKey: string; xRef: string; yRef: string } {
  const suffix = i === 1 ? '' : String(i);
  return { xKey: `xaxis${suffix}`, yKey: `yaxis${suffix}`, xRef: `x${suffix}`, yRef: `y${suffix}` };
}

function hiddenImageAxes(layout: PlotlyObject, cell: GridCell): { xRef: string; yRef: string } {
  const { xKey, yKey, xRef, yRef } = axisNames(cell.axisIndex);
  const hidden = { showgrid: false, zeroline: false, showticklabels: false, ticks: '' };
  layout[xKey] = { ...hidden, domain: cell.xDomain, anchor: yRef, constrain: 'domain' };
  // Image rows run top to bottom; scaleanchor keeps pixels square whatever the cell's aspect.
  layout[yKey] = { ...hidden, domain: cell.yDomain, anchor: xRef, autorange: 'reversed', scaleanchor: xRef, constrain: 'domain' };
  return { xRef, yRef };
}

function panelTitle(text: string, cell: GridCell): PlotlyObject {
  return {
    text,
    showarrow: false,
    xref: 'paper',
    yref: 'paper',
    x: (cell.xDomain[0] + cell.xDomain[1]) / 2,
    y: cell.yDomain[1],
    xanchor: 'center',
    yanchor: 'bottom',
    font: { size: 11 },
  };
}

export interface Map2d {
  name: string;
  width: number;
  height: number;
  /** Row-major, height × width. */
  data: ArrayLike<number>;
}

function rows2d(m: Map2d): number[][] {
  if (m.data.length !== m.width * m.height) {
    throw new Error(`map '${m.name}': expected ${m.width}×${m.height}=${m.width * m.height} values, found ${m.data.length}`);
  }
  const z: number[][] = [];
  for (let y = 0; y < m.height; y++) z.push(Array.from({ length: m.width }, (_, x) => Number(m.data[y * m.width + x])));
  return z;
}

/** Several small heatmaps on one figure (feature map channels, landmark heatmaps), each with its own colour scale. */
export function heatmapGrid(maps: Map2d[], opts: { title?: string; columns?: number; colorscale?: string } = {}): Figure {
  const columns = Math.max(1, Math.min(opts.columns ?? 4, maps.length));
  const cells = gridCells(maps.length, columns, 0.03, 0.04);
  const rows = Math.ceil(maps.length / columns);
  // Roughly square cells at the default 900 px export width, so little space is lost to aspect-ratio padding.
  const height = (opts.title ? 60 : 30) + rows * Math.round(880 / columns);
  const layout: PlotlyObject = {
    title: opts.title ? { text: opts.title } : undefined,
    margin: { l: 10, r: 10, t: opts.title ? 50 : 20, b: 10 },
    showlegend: false,
    height,
  };
  const annotations: PlotlyObject[] = [];
  const data = maps.map((m, i) => {
    const { xRef, yRef } = hiddenImageAxes(layout, cells[i]);
    annotations.push(panelTitle(m.name, cells[i]));
    return { type: 'heatmap', name: m.name, z: rows2d(m), xaxis: xRef, yaxis: yRef, colorscale: opts.colorscale ?? 'Viridis', showscale: false };
  });
  layout.annotations = annotations;
  return { data, layout };
}

/** A feature tap as stored on disk: shape [h, w, c] or [1, h, w, c], data row-major (channels last). */
export interface FeatureTap {
  shape: number[];
  data: ArrayLike<number>;
}

export function tapDims(name: string, tap: FeatureTap): { height: number; width: number; channels: number } {
  const s = tap.shape[0] === 1 && tap.shape.length === 4 ? tap.shape.slice(1) : tap.shape;
  if (s.length === 2) return { height: s[0], width: s[1], channels: 1 };
  if (s.length !== 3) throw new Error(`feature tap '${name}': expected shape [h,w,c] or [1,h,w,c], found [${tap.shape.join(',')}]`);
  const [height, width, channels] = s;
  if (tap.data.length !== height * width * channels) {
    throw new Error(`feature tap '${name}': shape [${tap.shape.join(',')}] needs ${height * width * channels} values, found ${tap.data.length}`);
  }
  return { height, width, channels };
}

/** Channel c of an HWC tap as a 2-D map. */
export function tapChannel(name: string, tap: FeatureTap, channel: number): Map2d {
  const { height, width, channels } = tapDims(name, tap);
  const out = new Float32Array(height * width);
  for (let i = 0; i < out.length; i++) out[i] = Number(tap.data[i * channels + channel]);
  return { name: `${name}[${channel}]`, width, height, data: out };
}

/** Mean over channels: a quick look at where a layer responds at all. */
export function tapChannelMean(name: string, tap: FeatureTap): Map2d {
  const { height, width, channels } = tapDims(name, tap);
  const out = new Float32Array(height * width);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += Number(tap.data[i * channels + c]);
    out[i] = sum / channels;
  }
  return { name: `${name} (mean of ${channels} ch)`, width, height, data: out };
}

/** The channel-mean map followed by the first `maxChannels` channels of one tap. */
export function featureMapGrid(name: string, tap: FeatureTap, opts: { maxChannels?: number; columns?: number } = {}): Figure {
  const { channels } = tapDims(name, tap);
  const shown = Math.min(channels, opts.maxChannels ?? 15);
  const maps = [tapChannelMean(name, tap), ...Array.from({ length: shown }, (_, c) => tapChannel(name, tap, c))];
  return heatmapGrid(maps, { title: `${name} [${tap.shape.join('×')}]`, columns: opts.columns ?? 4 });
}

/** z for a plotly 'image' trace: rows of [r, g, b] pixels. */
export function imageZ(img: RgbPixels): number[][][] {
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(`image: expected ${img.width}×${img.height}×3=${img.width * img.height * 3} bytes, found ${img.data.length}`);
  }
  const z: number[][][] = [];
  for (let y = 0; y < img.height; y++) {
    const row: number[][] = [];
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 3;
      row.push([Number(img.data[i]), Number(img.data[i + 1]), Number(img.data[i + 2])]);
    }
    z.push(row);
  }
  return z;
}

export interface LandmarkSet {
  name: string;
  points: Points;
  color?: string;
  symbol?: string;
}

function landmarkTrace(set: LandmarkSet, index: number, xRef: string, yRef: string, showLegend: boolean): PlotlyObject {
  return {
    type: 'scatter',
    mode: 'markers',
    name: set.name,
    legendgroup: set.name,
    showlegend: showLegend,
    x: set.points.map((p) => p[0]),
    y: set.points.map((p) => p[1]),
    xaxis: xRef,
    yaxis: yRef,
    marker: { size: 5, color: set.color ?? PALETTE[(index + 2) % PALETTE.length], symbol: set.symbol ?? (index === 0 ? 'circle' : 'x') },
  };
}

/** One image with landmark sets drawn on it (e.g. predicted vs ground truth), in that image's pixel coordinates. */
export function imageWithLandmarks(img: RgbPixels, sets: LandmarkSet[], opts: { title?: string } = {}): Figure {
  const layout: PlotlyObject = {
    title: opts.title ? { text: opts.title } : undefined,
    margin: { l: 10, r: 10, t: opts.title ? 50 : 20, b: 10 },
    legend: { orientation: 'h', y: -0.05 },
  };
  const cell: GridCell = { axisIndex: 1, xDomain: [0, 1], yDomain: [0, 1] };
  const { xRef, yRef } = hiddenImageAxes(layout, cell);
  const data: PlotlyObject[] = [{ type: 'image', z: imageZ(img), xaxis: xRef, yaxis: yRef, hoverinfo: 'x+y' }];
  sets.forEach((s, i) => data.push(landmarkTrace(s, i, xRef, yRef, true)));
  return { data, layout };
}

export interface SrPanel {
  title: string;
  image: RgbPixels;
}

export interface SrRow {
  label: string;
  /** Typically LR | bicubic | SR | HR; any number of panels of any sizes. */
  panels: SrPanel[];
  /** Landmarks in the coordinates of `landmarkImageSize` (usually the HR image); scaled onto every panel. */
  landmarksPred?: Points;
  landmarksTrue?: Points;
  landmarkImageSize?: { width: number; height: number };
}

function scalePoints(points: Points, from: { width: number; height: number }, to: { width: number; height: number }): Points {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return points.map(([x, y]) => [mapPixelCentre(x, 1, sx), mapPixelCentre(y, 1, sy)] as const);
}

/** Rows of image panels (LR | bicubic | SR | HR), each panel with the row's predicted and true landmarks. */
/** Panels with these titles always appear in this order, whatever order the rows list them in. */
const CANONICAL_PANEL_ORDER = ['LR', 'bicubic', 'input', 'SR', 'HR'];

/**
 * One column per panel title when the rows share their titles (a row without an SR panel leaves its SR cell
 * empty, so columns never shift); positional columns when each row titles its panels differently.
 */
function srColumns(rows: SrRow[]): string[] | null {
  const titles: string[] = [];
  for (const row of rows) for (const p of row.panels) if (!titles.includes(p.title)) titles.push(p.title);
  const widest = Math.max(1, ...rows.map((r) => r.panels.length));
  const perRowUnique = rows.every((r) => new Set(r.panels.map((p) => p.title)).size === r.panels.length);
  if (!perRowUnique || titles.length > widest + 1) return null;
  const rank = (t: string): number => {
    const i = CANONICAL_PANEL_ORDER.indexOf(t);
    return i >= 0 ? i : CANONICAL_PANEL_ORDER.length + titles.indexOf(t);
  };
  return [...titles].sort((a, b) => rank(a) - rank(b));
}

export function srGrid(rows: SrRow[], opts: { title?: string } = {}): Figure {
  const titled = srColumns(rows);
  const columns = titled ? titled.length : Math.max(1, ...rows.map((r) => r.panels.length));
  const hasLabels = rows.some((r) => r.label !== '');
  const cells = gridCells(rows.length * columns, columns, hasLabels ? 0.03 : 0.01, 0.05);
  const layout: PlotlyObject = {
    title: opts.title ? { text: opts.title } : undefined,
    margin: { l: 10, r: 10, t: opts.title ? 60 : 30, b: 30 },
    legend: { orientation: 'h', y: -0.02 },
    height: 80 + 220 * rows.length,
  };
  const annotations: PlotlyObject[] = [];
  const data: PlotlyObject[] = [];
  const inLegend = new Set<string>();
  rows.forEach((row, r) => {
    row.panels.forEach((panel, i) => {
      const c = titled ? titled.indexOf(panel.title) : i;
      const cell = cells[r * columns + c];
      const { xRef, yRef } = hiddenImageAxes(layout, cell);
      data.push({ type: 'image', z: imageZ(panel.image), xaxis: xRef, yaxis: yRef, name: panel.title, hoverinfo: 'x+y' });
      // With titled columns the titles head the columns once (below); otherwise every panel carries its own.
      if (!titled) annotations.push(panelTitle(panel.title, cell));
      const from = row.landmarkImageSize ?? row.panels[row.panels.length - 1].image;
      const sets: LandmarkSet[] = [];
      if (row.landmarksTrue) sets.push({ name: 'true', points: scalePoints(row.landmarksTrue, from, panel.image), color: '#2ca02c', symbol: 'circle' });
      if (row.landmarksPred) sets.push({ name: 'predicted', points: scalePoints(row.landmarksPred, from, panel.image), color: '#d62728', symbol: 'x' });
      sets.forEach((s, k) => {
        data.push(landmarkTrace(s, k, xRef, yRef, !inLegend.has(s.name)));
        inLegend.add(s.name);
      });
    });
    if (row.label !== '') {
      // The row's label sits above its first cell, left-aligned, so long ids are never clipped by the margin.
      const first = cells[r * columns];
      annotations.push({
        text: row.label,
        showarrow: false,
        xref: 'paper',
        yref: 'paper',
        x: first.xDomain[0],
        y: first.yDomain[1],
        xanchor: 'left',
        yanchor: 'bottom',
        yshift: r === 0 && titled ? 16 : 0,
        font: { size: 11 },
      });
    }
  });
  if (titled) titled.forEach((t, c) => annotations.push(panelTitle(t, cells[c])));
  layout.annotations = annotations.filter((a) => a.text !== '');
  return { data, layout };
}
