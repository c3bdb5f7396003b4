/**
 * `jasr data inspect --format embedded` checks the folder against the manifest (issue 12, item 2): a deleted,
 * truncated, altered or unreadable image, and a file the manifest does not name, are each a problem naming the
 * file; a clean set has none. Sets built before sizes and hashes were recorded are still checked for complete PNGs.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { MANIFEST_NAME, Manifest } from '../../src/data/embedded/manifest';
import { inspectDataset } from '../../src/data/inspect';
import { runCli, smallSet, tempDir } from './data-fixture';

function problems(dir: string): string[] {
  return inspectDataset('embedded', dir)
    .problems.map((p) => p.message)
    .filter((m) => !/skipped at build time/.test(m));
}

describe('faults: inspect verifies every file of the embedded set', function () {
  let root: string;
  let small: string;
  let n = 0;
  /** A fresh copy of the small set and its manifest. */
  const copy = (): { dir: string; m: Manifest; file: (i: number) => string } => {
    const dir = path.join(root, `set-${n++}`);
    fs.cpSync(small, dir, { recursive: true });
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_NAME), 'utf8')) as Manifest;
    return { dir, m, file: (i) => path.join(dir, m.samples[i].image) };
  };
  before(async () => {
    root = tempDir('inspect');
    small = (await smallSet()).dir;
  });

  it('a clean set: every sample has its size and SHA-256 in the manifest, and no problems', () => {
    const { dir, m } = copy();
    assert.equal(m.samples.length, 6);
    for (const s of m.samples) {
      assert.equal(fs.statSync(path.join(dir, s.image)).size, s.bytes);
      assert.match(s.sha256 ?? '', /^[0-9a-f]{64}$/);
    }
    assert.deepEqual(problems(dir), []);
  });

  it('deleted, truncated, same-size altered and unreadable images are each named', () => {
    const { dir, m, file } = copy();
    fs.rmSync(file(0));
    const full = fs.readFileSync(file(1));
    fs.writeFileSync(file(1), full.subarray(0, 1000));
    const altered = fs.readFileSync(file(2));
    altered[altered.length >> 1] ^= 0xff;
    fs.writeFileSync(file(2), altered);
    fs.chmodSync(file(3), 0o000);
    const unreadable = (() => {
      try {
        fs.readFileSync(file(3));
        return false;
      } catch {
        return true;
      }
    })(); // root reads anyway
    const got = problems(dir);
    const expected = [
      `${file(0)}: named by manifest.json, not found`,
      `${file(1)}: expected ${m.samples[1].bytes} bytes (manifest.json), found 1000 (truncated or replaced)`,
      `${file(2)}: content differs from the SHA-256 in manifest.json (changed since the build)`,
      ...(unreadable ? [`${file(3)}: named by manifest.json, unreadable (EACCES)`] : []),
    ];
    assert.deepEqual(got, expected);
  });

  it('extra files and leftover image folders are named; the CLI prints them under "problems: N"', async () => {
    const { dir, m } = copy();
    const imageDir = path.dirname(m.samples[0].image);
    fs.writeFileSync(path.join(dir, imageDir, 'stray.png'), 'x');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    fs.mkdirSync(path.join(dir, 'images-abc123-42'));
    fs.copyFileSync(path.join(dir, m.samples[0].image), path.join(dir, 'images-abc123-42', 'x.png'));
    const expected = [
      `${path.join(dir, 'images-abc123-42')}: image folder not named by manifest.json, left by an interrupted build (\`jasr data build --force\` removes it)`,
      `${path.join(dir, imageDir, 'stray.png')}: not named by manifest.json (extra file)`,
      `${path.join(dir, 'notes.txt')}: not named by manifest.json (extra file)`,
    ];
    assert.deepEqual(problems(dir).sort(), expected.sort());
    const r = await runCli(['data', 'inspect', '--format', 'embedded', '--root', dir]);
    assert.equal(r.code, 0);
    const skipped = m.skipped.length;
    assert.ok(r.out.includes(`problems: ${3 + skipped}`), r.out.join('\n'));
    for (const line of expected) assert.ok(r.out.includes(`  ${line}`), `${line} not printed:\n${r.out.join('\n')}`);
  });

  it('a set without recorded sizes and hashes (older builds) is still checked: a cut PNG lacks its end chunk', () => {
    const { dir, m, file } = copy();
    for (const s of m.samples) {
      delete s.bytes;
      delete s.sha256;
    }
    fs.writeFileSync(path.join(dir, MANIFEST_NAME), JSON.stringify(m));
    assert.deepEqual(problems(dir), []);
    const full = fs.readFileSync(file(4));
    fs.writeFileSync(file(4), full.subarray(0, full.length - 5));
    assert.deepEqual(problems(dir), [
      `${file(4)}: expected a complete PNG (signature and IEND end chunk), found ${full.length - 5} bytes without them (cut short or not a PNG)`,
    ]);
  });
});
