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
overrides). Without Chromium the HTML is still written. File formats: docs/results-format.md.`,
  async run(argv) {
    const args = parseArgs(argv, this.options);
    if (args.positionals.length !== 1) throw new UsageError(`expected one results or run directory, got ${args.positionals.length} arguments`);
    const inputDir = args.positionals[0];
    const outDir = args.string('out') ?? path.join(inputDir, 'report');
    // require, not import(): under tsx/cjs a dynamic import goes to Node's ESM loader, which cannot resolve .ts.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { buildReport } = require('../report/build') as typeof import('../report/build');
    const started = Date.now();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { ResultsFormatError } = require('../report/results') as typeof import('../report/results');
    let result: Awaited<ReturnType<typeof buildReport>>;
    try {
      result = await buildReport(inputDir, { outDir, staticFigures: !args.flag('no-static') });
    } catch (e) {
      // A malformed input file is the user's to fix: its message names the file and key; a stack adds nothing.
      if (e instanceof ResultsFormatError) {
        console.error(`jasr report: ${e.message}`);
        return 1;
      }
      throw e;
    }
    for (const p of result.pages) console.log(`${p.html}  (${p.figureCount} figures, ${p.staticFiles.length} static files)`);
    console.log(`${result.index}  (index)`);
    if (result.staticSkippedBecause) console.warn(`static figures skipped: ${result.staticSkippedBecause}`);
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  },
};
