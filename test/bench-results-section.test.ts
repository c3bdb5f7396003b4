/** bench/RESULTS.md sections (bench/results-section.ts) and the --memory row syntax (bench/memory.ts). */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sectionsOf, writeSection } from '../bench/results-section';
import { parseMemoryRows } from '../bench/memory';

describe('bench: RESULTS.md sections and memory rows', () => {
  it('writeSection replaces its own section, appends a new one and keeps everything else byte for byte', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-results-')), 'RESULTS.md');
    const head = '# Benchmark results\n\n| a | b |\n|---|---|\n| 1 | 2 |\n';
    const enhance = '<!-- enhance:start -->\nold enhance\n<!-- enhance:end -->';
    fs.writeFileSync(file, `${head}\n${enhance}\n`);
    writeSection(file, 'memory', '## Memory\n\nfirst');
    writeSection(file, 'memory', '## Memory\n\nsecond');
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(text, `${head}\n${enhance}\n\n<!-- memory:start -->\n## Memory\n\nsecond\n<!-- memory:end -->\n`);
    assert.deepEqual(sectionsOf(text), [enhance, '<!-- memory:start -->\n## Memory\n\nsecond\n<!-- memory:end -->']);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['RESULTS.md'], 'no temporary file is left');
  });

  it('parses memory rows as batch or batch/microBatch and refuses anything else in one line', () => {
    assert.deepEqual(parseMemoryRows('2,4, 8/2'), [{ batch: 2 }, { batch: 4 }, { batch: 8, microBatch: 2 }]);
    assert.throws(() => parseMemoryRows('8/0'), /--rows: expected batch or batch\/microBatch \(e\.g\. 8\/2\), found '8\/0'/);
    assert.throws(() => parseMemoryRows('eight'), /found 'eight'/);
  });
});
