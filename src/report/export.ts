/**
 * Static PNG/SVG of plotly figures through Debian's Chromium driven by playwright-core: one browser launch
 * (about 3 s) for a whole batch, then Plotly.toImage per figure (about 0.1–0.25 s each).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { Figure } from './figures';
import { plotlyMinPath } from './plotly-source';
import { KnownError, isFsError } from '../core/errors';
import { writeFileAtomic } from '../core/atomic-write';

export const CHROMIUM_APT_HINT = 'apt-get install -y --no-install-recommends chromium';

/** Flags that keep a headless Chromium quiet and offline on a box without a display or network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

/** JASR_CHROMIUM overrides the Debian path (e.g. another distribution's chromium binary). */
export function chromiumPath(): string {
  return process.env.JASR_CHROMIUM || '/usr/bin/chromium';
}

/** null when usable, else why not (with the install command). */
export function chromiumProblem(): string | null {
  const exe = chromiumPath();
  if (!fs.existsSync(exe)) return `Chromium not found at ${exe} (install: ${CHROMIUM_APT_HINT}, or set JASR_CHROMIUM)`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'the npm package playwright-core is not installed';
  }
  return null;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  // 30 s, not playwright's 180 s: a Chromium that cannot start should cost the report little before it says so.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export type StaticFormat = 'png' | 'svg';

export interface ExportJob {
  figure: Figure;
  /** Path without extension; `.png` / `.svg` are appended. */
  basePath: string;
  formats: StaticFormat[];
  /** CSS pixels; height defaults to the layout's height or 500. PNGs are drawn at `scale`× that. */
  width?: number;
  height?: number;
  scale?: number;
}

export interface ExportResult {
  written: string[];
  /** Set when static files were not (all) exported: Chromium or playwright-core missing, or Chromium failed. */
  skippedBecause?: string;
}

function decodeDataUrl(url: string): Buffer {
  const comma = url.indexOf(',');
  const meta = url.slice(0, comma);
  const payload = url.slice(comma + 1);
  return meta.endsWith(';base64') ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8');
}

/** The first line of a launch failure (playwright appends its whole call log), for a one-line note. */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? 'unknown error'
  );
}

/**
 * Renders every job in one browser; returns the files written. A Chromium that is missing or fails (to start, or
 * while drawing) is a result, not an error: the caller still writes the HTML and says why the static files are
 * missing. A file that cannot be written (a full disk) is an error naming the file, and no partial file is left.
 */
export async function exportFigures(jobs: ExportJob[]): Promise<ExportResult> {
  if (jobs.length === 0) return { written: [] };
  const problem = chromiumProblem();
  if (problem) return { written: [], skippedBecause: problem };
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    return { written: [], skippedBecause: `Chromium at ${chromiumPath()} failed to start: ${firstLine(e)}` };
  }
  const written: string[] = [];
  let current = '';
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: plotlyMinPath() });
    for (const job of jobs) {
      const width = job.width ?? 900;
      const height = job.height ?? (typeof job.figure.layout.height === 'number' ? job.figure.layout.height : 500);
      fs.mkdirSync(path.dirname(job.basePath), { recursive: true });
      for (const format of job.formats) {
        current = `${job.basePath}.${format}`;
        const url = await page.evaluate(
          async ({ fig, opts }) => {
            // Plotly is a browser global here; the page has no types for it.
            const P = (globalThis as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }).Plotly;
            return P.toImage(fig, opts);
          },
          {
            fig: { data: job.figure.data, layout: { ...job.figure.layout, width, height } },
            opts: { format, width, height, scale: format === 'png' ? (job.scale ?? 1) : 1 },
          },
        );
        writeFileAtomic(current, decodeDataUrl(url));
        written.push(current);
      }
    }
  } catch (e) {
    if (e instanceof KnownError || isFsError(e)) throw e;
    return { written, skippedBecause: `Chromium failed while drawing ${current || 'the first figure'}: ${firstLine(e)}` };
  } finally {
    await browser.close().catch(() => undefined);
  }
  return { written };
}
