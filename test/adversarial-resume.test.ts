/**
 * A GAN run of `jasr train` (a real child process) killed with SIGKILL mid-way and resumed with --resume ends
 * exactly where an uninterrupted run ends: the same logged losses of both players step by step, the same
 * validation, the same weights of G and D, the same moments and step counts of both optimisers.
 */
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CheckpointStore } from '../src/engine/checkpoint';
import { jasr } from './helpers/cli-process';
import { tinyGanExperiment } from './helpers/gan-tiny';
import { learningRecords, tmpDir } from './faults/run-tiny';

const ROOT = path.join(__dirname, '..');

describe('adversarial: a GAN training killed with SIGKILL and resumed equals an uninterrupted one', function () {
  this.timeout(600_000);

  // workers 2: both players data-parallel (src/engine/parallel/phases.ts), compared with an uninterrupted workers-2 run.
  for (const workers of [1, 2]) {
    it(`jasr train with workers ${workers}, SIGKILL after step 2 of 4 (checkpoint every step, warm-up 1, 2 D updates per step), then --resume: bit-identical log, weights and optimiser states`, async () => {
      const root = tmpDir(`gan-kill-${workers}`);
      const exp = tinyGanExperiment('gan-kill');
      (exp.train as Record<string, unknown>).checkpointEvery = 1;
      (exp.train as Record<string, unknown>).workers = workers;
      ((exp.train as Record<string, unknown>).adversarial as Record<string, unknown>).dSteps = 2;
      const config = path.join(root, 'gan-kill.json');
      fs.writeFileSync(config, JSON.stringify(exp));
      const train = (runDir: string, more: string[] = [], progress = 'quiet'): string[] => [
        'train',
        '--config',
        config,
        '--run-dir',
        runDir,
        '--progress',
        progress,
        ...more,
      ];

      const refDir = path.join(root, 'reference');
      // Plain progress for the reference run only: it prints the engine's note (what runs on how many replicas).
      const ref = await jasr(train(refDir, [], 'plain'));
      assert.equal(ref.code, 0, ref.stderr);
      assert.match(ref.stderr + ref.stdout, workers > 1 ? /data-parallel: 2 replicas/ : /^(?![\s\S]*data-parallel)/);

      const runDir = path.join(root, 'killed');
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jasr.js'), ...train(runDir)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      const logFile = path.join(runDir, 'log.jsonl');
      const stepTwo = (): boolean => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('"kind":"step","epoch":1,"step":2');
      for (let i = 0; i < 6000 && !stepTwo() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(stepTwo(), `step 2 was never logged: ${stderr}`);
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL', `the child finished before the kill: ${stderr}`);
      const lastBefore = new CheckpointStore(runDir).record()?.last.step ?? 0;
      assert.ok(lastBefore < 4, `killed with last at step ${lastBefore}`);

      const resumed = await jasr(train(runDir, ['--resume']));
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.deepEqual(learningRecords(runDir), learningRecords(refDir));
      const [a, b] = [new CheckpointStore(runDir).load('last'), new CheckpointStore(refDir).load('last')];
      assert.equal(a.step, 4);
      assert.ok(Object.keys(a.variables).some((n) => n.startsWith('disc/')));
      assert.deepEqual(a.variables, b.variables);
      assert.deepEqual(a.optimizer, b.optimizer);
      assert.deepEqual(a.trainer, b.trainer);
      assert.deepEqual((a.trainer as { optimizerSteps?: unknown }).optimizerSteps, { D: 6 });
      console.log(`      killed with last at step ${lastBefore}, resumed to step 4`);
    });
  }
});
