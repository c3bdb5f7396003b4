/**
 * The generated sbatch script and the Slurm settings, without a cluster: directives from the cluster config
 * and flags, a script bash accepts, the signal forwarding and self-requeue it promises, and the `--array`
 * syntax of a resubmission.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { arrayScript, REQUEUE_EXIT } from '../src/pipeline/executors/slurm-script';
import { DEFAULT_SLURM_OPTIONS, readClusterConfig, withOverrides } from '../src/pipeline/executors/slurm-options';
import { arraySpec } from '../src/pipeline/executors/submissions';

describe('Slurm array script', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-sbatch-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes partition, time, resources, account and extra lines from the cluster config, flags winning', () => {
    const file = path.join(dir, 'cluster.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        slurm: {
          partition: 'gpu',
          time: '2:00:00',
          cpusPerTask: 8,
          mem: '32G',
          gpus: 1,
          account: 'lab-x',
          extra: ['--qos=short'],
          setup: ['module load nodejs/20'],
          signalSeconds: 600,
        },
      }),
    );
    const opts = withOverrides(readClusterConfig(file), { partition: 'short', extra: ['--constraint=avx512'] }, 'flags');
    const script = arrayScript({
      name: 'main x8',
      planFile: '/shared/results/main/jobs.json',
      jobCount: 12,
      slurmDir: '/shared/results/main/slurm',
      kitRoot: '/shared/jasr-kit',
      workDir: '/shared/project',
      options: opts,
    });
    const directives = script.split('\n').filter((l) => l.startsWith('#SBATCH '));
    assert.deepEqual(directives, [
      '#SBATCH --job-name=jasr-main_x8',
      '#SBATCH --array=0-11',
      '#SBATCH --output=/shared/results/main/slurm/logs/task-%a.log',
      '#SBATCH --open-mode=append',
      '#SBATCH --requeue',
      '#SBATCH --signal=B:USR1@600',
      '#SBATCH --ntasks=1',
      '#SBATCH --partition=short',
      '#SBATCH --time=2:00:00',
      '#SBATCH --cpus-per-task=8',
      '#SBATCH --mem=32G',
      '#SBATCH --gpus-per-task=1',
      '#SBATCH --account=lab-x',
      '#SBATCH --qos=short',
      '#SBATCH --constraint=avx512',
    ]);
    assert.ok(script.includes('\nmodule load nodejs/20\n'));
    assert.ok(script.includes('\ncd /shared/project\n'));
    assert.ok(script.includes('node /shared/jasr-kit/bin/jasr.js run-job /shared/results/main/jobs.json --index "$task"'));
    assert.ok(script.includes(`if [ "$status" = ${REQUEUE_EXIT} ]; then`));
    const f = path.join(dir, 'array.sbatch');
    fs.writeFileSync(f, script);
    assert.equal(spawnSync('bash', ['-n', f]).status, 0);
  });

  it('refuses a bad value naming the file and key', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ slurm: { mem: 'lots' } }));
    assert.throws(() => readClusterConfig(file), /bad\.json: key 'slurm\.mem': .*4G or 16000M/);
    assert.throws(() => withOverrides(DEFAULT_SLURM_OPTIONS, { time: 'soon' }, '--time'), /--time: key 'slurm\.time'/);
  });

  it('forwards USR1 to the run, records its exit status, and requeues itself on exit 75', () => {
    // The script's own logic with stand-ins: a "node" that exits 75 on USR1, an scontrol that records its call.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, 'fake-node'),
      `#!/bin/bash\ntrap 'echo got-usr1; exit ${REQUEUE_EXIT}' USR1\necho started > ${dir}/started\nfor i in $(seq 1 100); do sleep 0.1; done\nexit 0\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, 'scontrol'), `#!/bin/bash\necho "$@" > ${dir}/scontrol-args\n`, { mode: 0o755 });
    const slurmDir = path.join(dir, 'slurm');
    const script = arrayScript({
      name: 't',
      planFile: path.join(dir, 'jobs.json'),
      jobCount: 1,
      slurmDir,
      kitRoot: dir,
      workDir: dir,
      options: { ...DEFAULT_SLURM_OPTIONS, node: path.join(bin, 'fake-node') },
    });
    fs.writeFileSync(path.join(dir, 'run.sbatch'), script);
    const out = path.join(dir, 'out.log');
    const runner = `bash ${dir}/run.sbatch > ${out} 2>&1 & pid=$!; while [ ! -f ${dir}/started ]; do sleep 0.05; done; kill -USR1 $pid; wait $pid`;
    const r = spawnSync('bash', ['-c', runner], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_JOB_ID: '41', SLURM_JOB_ID: '42' },
      timeout: 20_000,
    });
    assert.equal(r.status, REQUEUE_EXIT, fs.readFileSync(out, 'utf8'));
    assert.equal(fs.readFileSync(path.join(slurmDir, 'tasks', '0.exit'), 'utf8'), `41 ${REQUEUE_EXIT} 0\n`);
    assert.equal(fs.readFileSync(path.join(dir, 'scontrol-args'), 'utf8'), 'requeue 41_0\n');
    assert.match(fs.readFileSync(out, 'utf8'), /USR1[\s\S]*got-usr1[\s\S]*exited with status 75/);
  });

  it('writes a resubmission’s indices in --array syntax', () => {
    assert.equal(arraySpec([7, 0, 1, 2, 9, 10, 3]), '0-3,7,9-10');
    assert.equal(arraySpec([5]), '5');
  });
});
