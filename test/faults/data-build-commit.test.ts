/**
 * The manifest write is the one commit of a build (issue 12, items 1–2). A fault just before it (the manifest's
 * temporary written, not renamed: a full disk) leaves the old set exactly as it was, byte for byte; a fault just
 * after it leaves the new set complete. A --force rebuild removes only the files the old manifest named: a
 * user's file in the set folder, or even inside the old image folder, survives. Builds run in-process here so the
 * write-fault hook of src/core/atomic-write.ts can stop them at those two points.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { buildEmbedded } from '../../src/data/embedded/build';
import { MANIFEST_NAME, readManifest } from '../../src/data/embedded/manifest';
import { inspectDataset } from '../../src/data/inspect';
import { setWriteFaultForTests } from '../../src/core/atomic-write';
import { FileSystemError } from '../../src/core/errors';
import { SMALL_FACES, hashTree, smallSet, tempDir } from './data-fixture';

/** One source (face-api's sample1): 3 faces, so a new set is told from the 6-face old one by its size too. */
const ONE_SOURCE = { sourceLimit: 1, videoFrames: 0 };

function failAt(stage: 'temporary-written' | 'renamed'): void {
  setWriteFaultForTests((s, file) => {
    if (s === stage && path.basename(file) === MANIFEST_NAME) throw Object.assign(new Error(`injected ENOSPC at ${s}`), { code: 'ENOSPC' });
  });
}

describe('faults: the manifest is the commit of `jasr data build --force`', function () {
  let dir: string;
  let oldImageDir: string;
  afterEach(() => setWriteFaultForTests());
  before(async () => {
    const small = await smallSet();
    dir = path.join(tempDir('commit'), 'set');
    fs.cpSync(small.dir, dir, { recursive: true });
    oldImageDir = path.dirname(readManifest(dir)!.samples[0].image);
    // A user's files the kit must keep: one beside the set, one inside the old set's image folder.
    fs.writeFileSync(path.join(dir, 'README-mine.txt'), 'my notes about this set\n');
    fs.writeFileSync(path.join(dir, oldImageDir, 'keep-me.txt'), 'mine\n');
  });

  it('a full disk before the manifest rename: the build fails naming manifest.json, the folder is byte-identical', async () => {
    const before = hashTree(dir);
    failAt('temporary-written');
    await assert.rejects(
      buildEmbedded({ out: dir, force: true, ...ONE_SOURCE }),
      (e: Error) => e instanceof FileSystemError && e.message === `${path.join(dir, MANIFEST_NAME)}: no space left on device (ENOSPC)`,
    );
    assert.deepEqual(hashTree(dir), before);
    assert.equal(readManifest(dir)!.samples.length, SMALL_FACES);
  });

  it('a fault after the rename: the new set is in force and complete; only the old PNGs are left over', async () => {
    failAt('renamed');
    await assert.rejects(buildEmbedded({ out: dir, force: true, ...ONE_SOURCE }), /injected ENOSPC at renamed/);
    const m = readManifest(dir)!;
    assert.equal(m.samples.length, 3);
    const problems = inspectDataset('embedded', dir).problems.map((p) => p.message);
    // The old image folder still holds the user's keep-me.txt, so it is reported by file, never removed whole.
    const rel = (f: string): string => path.join(dir, f);
    assert.ok(problems.includes(`${rel(`${oldImageDir}/keep-me.txt`)}: not named by manifest.json (extra file; the kit keeps it)`), problems.join('\n'));
    assert.ok(problems.includes(`${rel('README-mine.txt')}: not named by manifest.json (extra file)`), problems.join('\n'));
    // The old PNGs (6) are leftovers the next build removes; nothing is missing or damaged.
    assert.equal(problems.filter((p) => /left by an interrupted build/.test(p)).length, SMALL_FACES);
    assert.deepEqual(
      problems.filter((p) => !/extra file|skipped at build time|left by an interrupted build/.test(p)),
      [],
    );
  });

  it('a clean --force rebuild removes what the kit wrote and nothing else', async () => {
    const r = await buildEmbedded({ out: dir, force: true, ...ONE_SOURCE });
    assert.ok(r.rebuilt);
    const files = [...hashTree(dir).keys()].sort();
    const images = r.manifest.samples.map((s) => s.image);
    assert.equal(images.length, 3);
    const imageDir = path.dirname(images[0]);
    assert.notEqual(imageDir, oldImageDir);
    assert.deepEqual(files, ['README-mine.txt', `${imageDir}/`, ...images, MANIFEST_NAME, `${oldImageDir}/`, `${oldImageDir}/keep-me.txt`].sort());
    assert.equal(fs.readFileSync(path.join(dir, 'README-mine.txt'), 'utf8'), 'my notes about this set\n');
    assert.equal(fs.readFileSync(path.join(dir, oldImageDir, 'keep-me.txt'), 'utf8'), 'mine\n');
  });

  it('a set of the older flat layout (PNGs beside the manifest) reads clean and is replaced by --force, user files kept', async () => {
    const flat = path.join(tempDir('flat'), 'set');
    fs.cpSync((await smallSet()).dir, flat, { recursive: true });
    const m = readManifest(flat)!;
    for (const s of m.samples) {
      fs.renameSync(path.join(flat, s.image), path.join(flat, path.basename(s.image)));
      s.image = path.basename(s.image);
      delete s.bytes;
      delete s.sha256;
    }
    fs.rmdirSync(path.join(flat, oldImageDir));
    fs.writeFileSync(path.join(flat, MANIFEST_NAME), JSON.stringify(m));
    fs.writeFileSync(path.join(flat, 'mine.png'), 'a user file that looks like a PNG name');
    const extra = `${path.join(flat, 'mine.png')}: not named by manifest.json (extra file)`;
    assert.deepEqual(
      inspectDataset('embedded', flat)
        .problems.map((p) => p.message)
        .filter((x) => !/skipped at build time/.test(x)),
      [extra],
    );
    const r = await buildEmbedded({ out: flat, force: true, ...ONE_SOURCE });
    const imageDir = path.dirname(r.manifest.samples[0].image);
    assert.deepEqual([...hashTree(flat).keys()].sort(), [`${imageDir}/`, ...r.manifest.samples.map((s) => s.image), MANIFEST_NAME, 'mine.png'].sort());
    assert.equal(fs.readFileSync(path.join(flat, 'mine.png'), 'utf8'), 'a user file that looks like a PNG name');
  });
});
