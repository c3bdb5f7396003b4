/** `jasr run-job` refusals, one line each and before the backend loads: no plan, an index outside the plan. */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { command } from '../src/cli/run-job';
import { makePlan, writePlan } from '../src/pipeline/jobs';
import { writeTinyExperiment } from './helpers/cli-tiny';

describe('jasr run-job', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-run-job-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names a missing plan file and an index outside the plan', async () => {
    await assert.rejects(
      command.run([path.join(dir, 'none.json'), '--index', '0']),
      /none\.json: expected a run plan \(jobs\.json\) written by jasr, found no file/,
    );
    const file = writeTinyExperiment(dir, 'tiny');
    const planFile = path.join(dir, 'jobs.json');
    writePlan(
      planFile,
      makePlan('p', [{ id: 'tiny', experimentFile: file, sets: [], runDir: path.join(dir, 'run'), labels: { row: 'tiny', fold: null, seed: null } }]),
    );
    await assert.rejects(command.run([planFile, '--index', '1']), /--index: expected 0\.\.0 \(the plan has 1 jobs\), found 1/);
    await assert.rejects(command.run([planFile]), /missing required option --index/);
    assert.equal(fs.existsSync(path.join(dir, 'run')), false);
  });
});
