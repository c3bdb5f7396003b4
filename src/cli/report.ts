import * as path from 'path';
import { parseArgs, UsageError } from './args';
import { Command } from './command';

export const command: Command = {
  name: 'report',
  summary: 'Write HTML reports (tables, curves, SR grids, feature maps) from results/ or runs/ folders',
  usage: 'report <results-or-run dir> [--out <dir>] [--no-static]',
  options: {
    out: { value: true, placeholder: '<dir>', description: 'Where to write the pages (default: <dir>/report)' },
    'no-static': { description: 'Skip the PNG/SVG figure files (no Chromium launch)' },
  },
  details: `
Accepts a results table dir (results/<table>/ with table.json), a run dir (runs/<name>/ with log.jsonl),
or a folder of either (results/, runs/). One self-contained HTML page per table or run (plotly inlined,
interactive) plus PNG/SVG of every figure beside it, rendered through /usr/bin/chromium (JASR_CHROMIUM
overrides). Without Chromium, or when it fails to start, the HTML is still written, one line on stderr says why
the static files are missing, and the exit status is 0. A malformed input file is one line naming the file and
line or key, exit status 1. File formats: docs/results-format.md.`,
  async run(argv) {
    const args = parseArgs(argv, this.options);
    if (args.positionals.length !== 1) throw new UsageError(`expected one results or run directory, got ${args.positionals.length} arguments`);
    const inputDir = args.positionals[0];
    const outDir = args.string('out') ?? path.join(inputDir, 'report');
    // require, not import(): under tsx/cjs a dynamic import goes to Node's ESM loader, which cannot resolve .ts.

    const { buildReport } = require('../report/build') as typeof import('../report/build');
    const started = Date.now();
    // A malformed input (ResultsFormatError, RunLogFormatError) or an unwritable output is a KnownError naming the
    // file: src/cli/main.ts prints it as one line and exits 1.
    const result = await buildReport(inputDir, { outDir, staticFigures: !args.flag('no-static') });
    for (const p of result.pages) console.log(`${p.html}  (${p.figureCount} figures, ${p.staticFiles.length} static files)`);
    console.log(`${result.index}  (index)`);
    if (result.staticSkippedBecause) console.warn(`jasr report: HTML written without static PNG/SVG figures: ${result.staticSkippedBecause}`);
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  },
};
