/**
 * End to end on a real tiny run trained by `jasr train`: `jasr report` draws the curves from the values the
 * trainer logged (read back here with plain JSON.parse, not the kit's reader); a torn last line is skipped and
 * said; a Chromium that fails to start still leaves the HTML and one line; a full disk during `jasr infer` and
 * `jasr report` is one line naming the file, with no 0-byte or temporary file left. The full disk is a real
 * 64 KiB tmpfs where this process may mount one (root), else the atomic writer's fault hook raising ENOSPC.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeTinyExperiment } from '../helpers/cli-tiny';
import { jasr, jasrInProcess, Outcome } from '../helpers/cli-process';
import { isTemporaryName, setWriteFaultForTests } from '../../src/core/atomic-write';
import { floatToRgb, writeImage } from '../../src/data/image-io';

/** The `data` argument of each Plotly.newPlot call in a report page, by figure id. */
function plotData(html: string): Map<string, { name: string; x: number[]; y: number[] }[]> {
  const out = new Map<string, { name: string; x: number[]; y: number[] }[]>();
  for (const line of html.split('\n')) {
    const m = /Plotly\.newPlot\("([^"]+)",(.*)$/.exec(line);
    if (!m) continue;
    // The data array is the first complete JSON value after the id; find its end by trying each ",{" split.
    const rest = m[2];
    for (let i = rest.indexOf('],{'); i >= 0; i = rest.indexOf('],{', i + 1)) {
      try {
        out.set(m[1], JSON.parse(rest.slice(0, i + 1)));
        break;
      } catch {
        // not the end of the data array yet
      }
    }
  }
  return out;
}

/** Files under `dir` that a failed write must not leave: temporaries and 0-byte files. */
function leftovers(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => isTemporaryName(n) || /\.tmp/.test(n) || fs.statSync(path.join(dir, n)).size === 0);
}

function tryMountTmpfs(dir: string): boolean {
  // JASR_FAULTS_NO_TMPFS=1 forces the fault-hook variant (to run it where a tmpfs would be mounted).
  if (process.env.JASR_FAULTS_NO_TMPFS === '1' || process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
}

describe('faults: a trained run through report and infer (curves, Chromium failure, full disk)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-run-faults-'));
  const runDir = path.join(dir, 'run');
  const full = path.join(dir, 'full');
  let tmpfs = false;
  interface Logged {
    kind: string;
    step: number;
    epoch: number;
    loss: Record<string, number>;
    val?: Record<string, number>;
    lr: number;
  }
  let logged: Logged[] = [];

  before(async () => {
    const config = writeTinyExperiment(dir);
    const t = await jasr(['train', '--config', config, '--run-dir', runDir, '--progress', 'quiet', '--set', 'train.epochs=2', '--set', 'train.maxSteps=4']);
    assert.equal(t.code, 0, t.stderr);
    logged = fs
      .readFileSync(path.join(runDir, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Logged);
    fs.mkdirSync(full);
    tmpfs = tryMountTmpfs(full);
  });
  after(() => {
    setWriteFaultForTests();
    if (tmpfs) spawnSync('umount', [full]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('jasr report on a run jasr train wrote: its curves are the logged values', async () => {
    const steps = logged.filter((r) => r.kind === 'step');
    const epochs = logged.filter((r) => r.kind === 'epoch');
    assert.deepEqual(
      steps.map((s) => s.step),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      epochs.map((e) => e.epoch),
      [1, 2],
    );
    const out = path.join(dir, 'report');
    const r = await jasr(['report', runDir, '--out', out, '--no-static']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /run-run\.html {2}\(\d+ figures, 0 static files\)/);
    const data = plotData(fs.readFileSync(path.join(out, 'run-run.html'), 'utf8'));
    const loss = data.get('fig-loss-per-step');
    assert.ok(loss, `figures: ${[...data.keys()].join(', ')}`);
    assert.deepEqual(
      loss.map((s) => s.name),
      Object.keys(steps[0].loss).map((t) => `loss.${t}`),
    );
    for (const s of loss) {
      assert.deepEqual(s.x, [1, 2, 3, 4]);
      assert.deepEqual(
        s.y,
        steps.map((st) => st.loss[s.name.slice(5)]),
      );
    }
    assert.deepEqual(
      data.get('fig-lr-per-step')?.[0].y,
      steps.map((s) => s.lr),
    );
    const psnr = data.get('fig-val-psnr-per-epoch')?.[0];
    assert.deepEqual(psnr?.x, [1, 2]);
    assert.deepEqual(
      psnr?.y,
      epochs.map((e) => e.val?.psnr),
    );
    assert.ok(
      psnr.y.every((v) => v > 5 && v < 60),
      `validation PSNR in dB: ${psnr.y}`,
    );
    assert.deepEqual(
      data.get('fig-loss-per-epoch')?.[0].y,
      epochs.map((e) => e.loss.total),
    );
  });

  it('a torn last line (a kill while logging) is skipped and said on the page; the curves keep the complete records', async () => {
    const torn = path.join(dir, 'torn-run');
    fs.mkdirSync(torn);
    const text = fs.readFileSync(path.join(runDir, 'log.jsonl'), 'utf8');
    fs.writeFileSync(path.join(torn, 'log.jsonl'), text + '{"kind":"step","epoch":3,"step":5,"lr":0.0');
    const r = await jasrInProcess(['report', torn, '--no-static']);
    assert.equal(r.code, 0, r.stderr);
    const html = fs.readFileSync(path.join(torn, 'report', 'run-torn-run.html'), 'utf8');
    assert.match(html, new RegExp(`Line ${logged.length + 1} was torn`));
    assert.deepEqual(plotData(html).get('fig-lr-per-step')?.[0].x, [1, 2, 3, 4]);
  });

  it('a Chromium that fails to start: HTML written without static figures, one line on stderr, exit 0', async () => {
    const fake = path.join(dir, 'fake-chromium');
    fs.writeFileSync(fake, '#!/bin/sh\necho "fake chromium: cannot open display" >&2\nexit 1\n', { mode: 0o755 });
    const out = path.join(dir, 'report-fake-chromium');
    const r = await jasr(['report', runDir, '--out', out], { JASR_CHROMIUM: fake });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(
      lines[0].startsWith('jasr report: HTML written without static PNG/SVG figures: ') && lines[0].includes(`Chromium at ${fake} failed to start`),
      lines[0],
    );
    const html = fs.readFileSync(path.join(out, 'run-run.html'), 'utf8');
    assert.ok(html.includes('Static figures skipped: Chromium at') && html.includes('Plotly.newPlot("fig-loss-per-step"'));
    assert.deepEqual(fs.readdirSync(out).sort(), ['index.html', 'run-run.html']);
  });

  const enospc = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  it('a full disk during jasr infer: one line naming the file, no 0-byte or temporary file', async () => {
    const face = floatToRgb(
      new Float32Array(20 * 14 * 3).map((_, i) => (i % 29) / 29),
      20,
      14,
    );
    const image = path.join(dir, 'face.png');
    await writeImage(image, face);
    const out = path.join(full, 'infer');
    let r: Outcome;
    if (tmpfs) {
      // Leave 8 KiB free: the tiny model's PNGs are small enough that 64 KiB would hold them all.
      fs.writeFileSync(path.join(full, 'filler'), Buffer.alloc(56 * 1024, 1));
      r = await jasr(['infer', '--checkpoint', runDir, '--image', image, '--out', out]);
    } else {
      setWriteFaultForTests((stage, file) => {
        if (stage === 'temporary-written' && file.endsWith('-sr.png')) throw enospc();
      });
      try {
        r = await jasrInProcess(['infer', '--checkpoint', runDir, '--image', image, '--out', out]);
      } finally {
        setWriteFaultForTests();
      }
    }
    console.log(`      full disk by ${tmpfs ? 'a 64 KiB tmpfs' : 'the fault hook'}: ${r.stderr.trim()}`);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^jasr infer: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/face-[a-z]+\\.(png|json): no space left on device \\(ENOSPC\\)$`, 'm'),
    );
    assert.deepEqual(leftovers(out), []);
  });

  it('a full disk during jasr report: one line naming the page, no partial page or temporary', async () => {
    const out = path.join(full, 'report');
    let r: Outcome;
    if (tmpfs) {
      r = await jasr(['report', runDir, '--out', out, '--no-static']);
    } else {
      setWriteFaultForTests((stage, file) => {
        if (stage === 'temporary-written' && file.endsWith('.html')) throw enospc();
      });
      try {
        r = await jasrInProcess(['report', runDir, '--out', out, '--no-static']);
      } finally {
        setWriteFaultForTests();
      }
    }
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.equal(r.stderr.trim(), `jasr report: ${path.join(out, 'run-run.html')}: no space left on device (ENOSPC)`);
    assert.deepEqual(leftovers(out), []);
    assert.equal(fs.existsSync(path.join(out, 'run-run.html')), false);
  });
});
