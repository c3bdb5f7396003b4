/**
 * `jasr report` as a library call: read results/runs from disk, write one HTML page per table or run,
 * static PNG/SVG figures beside each page (one Chromium launch for all of them) and an index page. Every file
 * is written atomically, so a full disk leaves complete pages or none, and the error names the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExportJob, StaticFormat, exportFigures } from './export';
import { ReportPage, renderPage, runPage, tablePage } from './html';
import { discoverInputs } from './results';
import { writeFileAtomic } from '../core/atomic-write';
import { KnownError } from '../core/errors';

export interface BuildReportOptions {
  outDir: string;
  /** Write PNG/SVG files through Chromium (default true). */
  staticFigures?: boolean;
  formats?: StaticFormat[];
}

export interface BuiltPage {
  title: string;
  html: string;
  figureCount: number;
  staticFiles: string[];
}

export interface BuildReportResult {
  pages: BuiltPage[];
  index: string;
  /** Why static figures were not written, when they were asked for but Chromium is unavailable. */
  staticSkippedBecause?: string;
}

/** The report's output folder cannot be used. */
export class ReportOutputError extends KnownError {}

function figuresDirName(page: ReportPage): string {
  return `${page.name}.figures`;
}

export async function buildReport(inputDir: string, opts: BuildReportOptions): Promise<BuildReportResult> {
  const inputs = discoverInputs(inputDir);
  const pages = inputs.map((x) => (x.kind === 'table' ? tablePage(x) : runPage(x)));
  if (fs.existsSync(opts.outDir) && !fs.statSync(opts.outDir).isDirectory())
    throw new ReportOutputError(`${opts.outDir}: expected a directory for the report pages, found a file`);
  fs.mkdirSync(opts.outDir, { recursive: true });
  const formats = opts.formats ?? ['png', 'svg'];

  const jobs: ExportJob[] = [];
  for (const page of pages) {
    for (const section of page.sections) {
      for (const f of section.figures) jobs.push({ figure: f.figure, basePath: path.join(opts.outDir, figuresDirName(page), f.slug), formats });
    }
  }
  const exported = opts.staticFigures === false ? { written: [] as string[], skippedBecause: undefined } : await exportFigures(jobs);

  const built: BuiltPage[] = pages.map((page) => {
    const prefix = path.join(opts.outDir, figuresDirName(page)) + path.sep;
    const mine = exported.written.filter((f) => f.startsWith(prefix));
    const bySlug = new Map<string, string[]>();
    for (const f of mine) {
      const slug = path.basename(f).replace(/\.(png|svg)$/, '');
      bySlug.set(slug, [...(bySlug.get(slug) ?? []), path.relative(opts.outDir, f)]);
    }
    const note = exported.skippedBecause ? `Static figures skipped: ${exported.skippedBecause}` : undefined;
    const html = path.join(opts.outDir, `${page.name}.html`);
    writeFileAtomic(html, renderPage(page, bySlug, note));
    const figureCount = page.sections.reduce((n, s) => n + s.figures.length, 0);
    return { title: page.title, html, figureCount, staticFiles: mine };
  });

  const index = path.join(opts.outDir, 'index.html');
  const items = built.map((p) => `<li><a href="${encodeURI(path.basename(p.html))}">${p.title.replace(/</g, '&lt;')}</a> (${p.figureCount} figures)</li>`);
  writeFileAtomic(
    index,
    `<!doctype html><html><head><meta charset="utf-8"><title>jasr report</title></head><body><h1>jasr report</h1><p>From ${path.resolve(inputDir).replace(/</g, '&lt;')}</p><ul>${items.join('')}</ul></body></html>\n`,
  );
  return { pages: built, index, staticSkippedBecause: exported.skippedBecause };
}
