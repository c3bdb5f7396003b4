import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CheckpointError, CheckpointState, CheckpointStore } from '../../src/engine/checkpoint';
import { resolveCheckpointDir } from '../../src/pipeline/run-experiment';
import { setWriteFaultForTests } from '../../src/core/atomic-write';
import { FileSystemError } from '../../src/core/errors';
import { main } from '../../src/cli/main';
import { tmpDir } from './run-tiny';

function state(step: number, psnr: number | null): CheckpointState {
  const w = Float32Array.from({ length: 4 }, (_, i) => step + i / 8);
  return {
    epoch: Math.floor(step / 3),
    step,
    variables: { w: { shape: [4], values: w } },
    optimizer: { step, slots: { w: { shape: [4], m: w.map((x) => x / 2), v: w.map((x) => x * x) } } },
    rng: { draws: step },
    dataPosition: { index: step },
    experiment: { name: 'unit', train: {} },
    metrics: [],
    trainer: {},
    selection: psnr === null ? null : { metric: 'psnr', value: psnr, higherIsBetter: true, epoch: Math.floor(step / 3) },
  };
}

/** Runs `jasr <argv>` in-process; returns the exit code and what it printed on stderr. */
async function jasr(argv: string[]): Promise<{ code: number; stderr: string }> {
  const printed: string[] = [];
  const original = console.error;
  console.error = (...parts: unknown[]) => printed.push(parts.join(' '));
  try {
    return { code: await main(argv), stderr: printed.join('\n') };
  } finally {
    console.error = original;
  }
}

// The fs module object itself (the `import * as` namespace is read-only): replacing its writeSync is seen by
// every module that calls fs.writeSync, which is how a full disk is simulated below.

const nodeFs: typeof fs = require('fs');

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('faults/run: pointer records are data, not paths to follow', () => {
  it('edited pointers (../.., absolute, missing, garbage, not a checkpoint, a link) are refused in one line naming the file', async () => {
    const run = tmpDir('pointers');
    const store = new CheckpointStore(run);
    store.save(state(3, 20), { candidateBest: true });
    store.save(state(6, null));
    const good = fs.readFileSync(store.recordFile, 'utf8');
    const record = JSON.parse(good) as { last: { dir: string }; best: { dir: string } };
    // Something outside the run that a followed pointer would reach: a valid checkpoint.
    const outside = tmpDir('outside');
    new CheckpointStore(outside).save(state(99, 50), { candidateBest: true });
    const outsideCkpt = path.join(outside, 'checkpoints', 'step-00000099');
    fs.mkdirSync(path.join(store.dir, 'step-00000007'));
    fs.symlinkSync(outsideCkpt, path.join(store.dir, 'step-00000008'));
    const edits: [string, (r: typeof record) => string, RegExp][] = [
      [
        '../..',
        (r) => JSON.stringify({ ...r, best: { ...r.best, dir: `../../${path.relative(run, outsideCkpt)}` } }),
        /'best\.dir' is "\.\.\/\.\.\/.*"; expected the name of a checkpoint folder inside .*refusing to follow it/,
      ],
      ['absolute', (r) => JSON.stringify({ ...r, best: { ...r.best, dir: outsideCkpt } }), /'best\.dir' is "\/.*refusing to follow it/],
      ['missing', (r) => JSON.stringify({ ...r, best: { ...r.best, dir: 'step-00000009' } }), /'best' names step-00000009, which is missing from/],
      ['garbage', () => '{"format": "jasr-checkpoints", "last": {"dir": "step-0', /not valid JSON, the file is corrupted or was edited/],
      ['not JSON of a record', () => '[1, 2]', /expected format 'jasr-checkpoints' version 1, found \[1,2\]/],
      [
        'not a checkpoint',
        (r) => JSON.stringify({ ...r, best: { ...r.best, dir: 'step-00000007' } }),
        /'best' names step-00000007, which is not a complete checkpoint \(no meta\.json in it\)/,
      ],
      [
        'a link out',
        (r) => JSON.stringify({ ...r, best: { ...r.best, dir: 'step-00000008' } }),
        /'best' names step-00000008, which is a symbolic link, not a checkpoint folder/,
      ],
      ['a number for a step', (r) => JSON.stringify({ ...r, last: { ...r.last, step: 'six' } }), /'last\.step' is "six"; expected a whole number/],
    ];
    for (const [label, edit, message] of edits) {
      fs.writeFileSync(store.recordFile, edit(record));
      const check = (e: unknown): boolean =>
        e instanceof CheckpointError && e.message.startsWith(`${store.recordFile}: `) && message.test(e.message) && !e.message.includes('\n');
      assert.throws(() => store.load('best'), check, label);
      // eval/infer/reproduce resolve a run directory the same way.
      assert.throws(() => resolveCheckpointDir(run), check, label);
      // Saving on top of a damaged record is refused too, before anything is written.
      const before = fs.readdirSync(store.dir).sort();
      if (label !== 'missing' && label !== 'not a checkpoint' && label !== 'a link out') {
        assert.throws(() => store.save(state(12, null)), check, label);
        assert.deepEqual(fs.readdirSync(store.dir).sort(), before, label);
      }
    }
    // The CLI prints the refusal as one line and exits 1.
    fs.writeFileSync(store.recordFile, edits[0][1](record));
    const r = await jasr(['eval', '--checkpoint', run]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^jasr eval: .*checkpoints\.json: 'best\.dir' is "\.\.\/\.\.\//);
    fs.writeFileSync(store.recordFile, good);
    assert.equal(store.load('best').step, 3);
  });

  it('the old two-file layout is read, a best left behind by a crash between its writes is repaired, and the next save migrates', () => {
    const run = tmpDir('legacy');
    const store = new CheckpointStore(run);
    // Checkpoint folders made by the current writer in two scratch runs, then laid out as the old writer left them.
    for (const [step, psnr] of [
      [3, 20],
      [6, 22],
    ]) {
      const scratch = new CheckpointStore(tmpDir('legacy-scratch'));
      scratch.save(state(step, psnr), { candidateBest: true });
      fs.mkdirSync(store.dir, { recursive: true });
      fs.cpSync(scratch.path('last'), path.join(store.dir, `step-${String(step).padStart(8, '0')}`), { recursive: true });
    }
    const pointer = (step: number, psnr: number): string =>
      JSON.stringify({
        dir: `step-${String(step).padStart(8, '0')}`,
        epoch: step / 3,
        step,
        selection: { metric: 'psnr', value: psnr, higherIsBetter: true, epoch: step / 3 },
      });
    // The old writer moved last to step 6 (PSNR 22) and crashed before moving best off step 3 (PSNR 20).
    fs.writeFileSync(path.join(store.dir, 'last.json'), pointer(6, 22));
    fs.writeFileSync(path.join(store.dir, 'best.json'), pointer(3, 20));
    assert.equal(store.pointer('best')?.step, 6, 'repaired on read');
    assert.equal(resolveCheckpointDir(run), path.join(store.dir, 'step-00000006'));
    assert.equal(store.load('best').selection?.value, 22);
    // A legacy pointer is validated like the record, naming its own file.
    fs.writeFileSync(path.join(store.dir, 'last.json'), JSON.stringify({ dir: '../../x', epoch: 0, step: 0, selection: null }));
    assert.throws(
      () => store.load('last'),
      (e: Error) => e.message.startsWith(path.join(store.dir, 'last.json')) && /refusing to follow it/.test(e.message),
    );
    fs.writeFileSync(path.join(store.dir, 'last.json'), pointer(6, 22));
    // The next save writes checkpoints.json, removes the two files, keeps best on 6 and drops step 3.
    store.save(state(9, 21), { candidateBest: true });
    assert.ok(!fs.existsSync(path.join(store.dir, 'last.json')) && !fs.existsSync(path.join(store.dir, 'best.json')));
    const record = store.record()!;
    assert.deepEqual([record.last.step, record.best?.step], [9, 6]);
    assert.deepEqual(
      fs
        .readdirSync(store.dir)
        .filter((f) => f.startsWith('step-'))
        .sort(),
      ['step-00000006', 'step-00000009'],
    );
  });

  it('clean-up removes only temporaries the kit wrote whose writer is gone', () => {
    const run = tmpDir('temporaries');
    const store = new CheckpointStore(run);
    store.save(state(3, 20), { candidateBest: true });
    const dead = deadPid();
    const live = process.ppid; // the process that started this test: alive for its whole length
    const made = {
      deadFolder: `.tmp-step-00000006-${dead}`,
      liveFolder: `.tmp-step-00000006-${live}`,
      deadRecord: `.checkpoints.json.tmp-${dead}-4`,
      liveRecord: `.checkpoints.json.tmp-${live}-4`,
      deadLegacy: `last.json.tmp-${dead}`,
      notOurs: '.tmp-notes',
      notOurs2: 'notes.txt',
      unreferenced: 'step-00000001',
    };
    for (const [key, name] of Object.entries(made)) {
      if (key.endsWith('Folder') || key === 'unreferenced') {
        fs.mkdirSync(path.join(store.dir, name));
        fs.writeFileSync(path.join(store.dir, name, 'tensors.bin'), 'x');
      } else fs.writeFileSync(path.join(store.dir, name), 'x');
    }
    store.save(state(6, null));
    const left = new Set(fs.readdirSync(store.dir));
    for (const gone of [made.deadFolder, made.deadRecord, made.deadLegacy, made.unreferenced]) assert.ok(!left.has(gone), `${gone} should be removed`);
    for (const kept of [made.liveFolder, made.liveRecord, made.notOurs, made.notOurs2]) assert.ok(left.has(kept), `${kept} should be kept`);
  });

  it('a full disk while saving names the file being written and leaves the previous checkpoint in place', () => {
    const run = tmpDir('enospc');
    const store = new CheckpointStore(run);
    store.save(state(3, 20), { candidateBest: true });
    const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    // 1. While writing tensors.bin (fs.writeSync is what the checkpoint writer streams the tensors with).
    const realWriteSync = nodeFs.writeSync;
    nodeFs.writeSync = () => {
      throw enospc();
    };
    try {
      assert.throws(
        () => store.save(state(6, 30), { candidateBest: true }),
        (e: Error) => e instanceof FileSystemError && e.message === `${path.join(store.dir, 'step-00000006', 'tensors.bin')}: no space left on device (ENOSPC)`,
      );
    } finally {
      nodeFs.writeSync = realWriteSync;
    }
    assert.deepEqual(fs.readdirSync(store.dir).sort(), ['checkpoints.json', 'step-00000003']);
    // 2. While writing the record.
    setWriteFaultForTests((stage) => {
      if (stage === 'temporary-written') throw enospc();
    });
    try {
      assert.throws(
        () => store.save(state(6, 30), { candidateBest: true }),
        (e: Error) => e instanceof FileSystemError && e.message === `${store.recordFile}: no space left on device (ENOSPC)`,
      );
    } finally {
      setWriteFaultForTests();
    }
    assert.deepEqual([store.record()!.last.step, store.record()!.best!.step], [3, 3]);
    assert.equal(store.load('last').step, 3);
    store.save(state(9, 25), { candidateBest: true });
    assert.deepEqual(fs.readdirSync(store.dir).sort(), ['checkpoints.json', 'step-00000009']);
  });
});
