import * as assert from 'assert';
import { FLIP_TABLES, OUTER_EYE_CORNERS, flipTable } from '../src/data/flip-tables';
import { affineSample, augmentSample, flipSample, JITTER_AUGMENT, expandOffline } from '../src/data/augment';
import { syntheticFace, template68 } from '../src/data/embedded/synthetic';
import { Rng, mixSeed } from '../src/core/prng';
import type { FaceSample } from '../src/data/types';

describe('data: flip tables and augmentation', () => {
  it('every flip table is an involution over all points, and swaps the outer eye corners', () => {
    for (const [n, table] of Object.entries(FLIP_TABLES)) {
      assert.strictEqual(table.length, Number(n), `table ${n} length`);
      assert.deepStrictEqual(
        [...table].sort((a, b) => a - b),
        Array.from({ length: Number(n) }, (_, i) => i),
        `table ${n} is a permutation`,
      );
      table.forEach((j, i) => assert.strictEqual(table[j], i, `table ${n}: ${i}→${j}→${table[j]}`));
      const [l, r] = OUTER_EYE_CORNERS[Number(n)];
      assert.strictEqual(table[l], r, `table ${n} swaps outer eye corners ${l} and ${r}`);
    }
    assert.throws(() => flipTable(21), /no horizontal-flip table for 21 landmarks/);
  });

  it('the 68-point table mirrors the template: after flip every point lands on its mirror partner (official x′ = W − x)', () => {
    const s = syntheticFace(1, 128);
    const f = flipSample(s);
    // Point 36 (right eye outer, image left) takes the mirrored position of 45.
    assert.strictEqual(f.landmarks[2 * 36], 128 - s.landmarks[2 * 45]);
    assert.strictEqual(f.landmarks[2 * 36 + 1], s.landmarks[2 * 45 + 1]);
    assert.ok(f.landmarks[2 * 36] < f.landmarks[2 * 45], 'outer corners keep their image-left/right order');
    // The template is symmetric, so flipping it about x = 0 reproduces it point by point through the table.
    const tpl = template68();
    const t = flipTable(68);
    tpl.forEach(([x, y], i) => {
      assert.ok(Math.abs(-x - tpl[t[i]][0]) < 1e-9 && Math.abs(y - tpl[t[i]][1]) < 1e-9, `point ${i} ↔ ${t[i]}`);
    });
  });

  it('flipping twice is the identity (image, landmarks, visibility, box)', () => {
    const s = syntheticFace(2, 64);
    s.visible[10] = 0;
    const back = flipSample(flipSample(s));
    assert.deepStrictEqual(Array.from(back.hr), Array.from(s.hr));
    // Float32 storage: W − (W − x) is x up to one float32 rounding.
    back.landmarks.forEach((v, i) => assert.ok(Math.abs(v - s.landmarks[i]) < 1e-5, `landmark value ${i}: ${v} vs ${s.landmarks[i]}`));
    assert.deepStrictEqual(Array.from(back.visible), Array.from(s.visible));
    assert.deepStrictEqual(back.box, s.box);
    const flipped = flipSample(s);
    assert.strictEqual(flipped.visible[flipTable(68)[10]], 0);
  });

  it('the affine warp moves image content and landmarks together', () => {
    const size = 64;
    const hr = new Float32Array(size * size * 3);
    const [px, py] = [40, 22];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = Math.exp(-((x - px) ** 2 + (y - py) ** 2) / 8);
        hr.fill(v, (y * size + x) * 3, (y * size + x) * 3 + 3);
      }
    const s: FaceSample = {
      ...syntheticFace(3, size),
      hr,
      landmarks: Float32Array.from([px, py, 30, 30, 33, 30, 32, 35, 31, 40]),
      visible: new Uint8Array(5).fill(1),
    };
    const w = affineSample(s, 0.4, 1.15, 3, -2);
    let best = -1,
      bx = 0,
      by = 0;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        if (w.hr[(y * size + x) * 3] > best) {
          best = w.hr[(y * size + x) * 3];
          bx = x;
          by = y;
        }
    assert.ok(
      Math.hypot(bx - w.landmarks[0], by - w.landmarks[1]) < 1,
      `blob peak (${bx}, ${by}) vs landmark (${w.landmarks[0].toFixed(2)}, ${w.landmarks[1].toFixed(2)})`,
    );
    assert.ok(Math.hypot(w.landmarks[0] - px, w.landmarks[1] - py) > 5, 'the warp moved the point');
    // A landmark pushed outside the image becomes invisible (official apply_bound).
    const out = affineSample(s, 0, 1, -45, 0);
    assert.strictEqual(out.visible[2], 0);
  });

  it('is reproducible for a seed and differs between seeds', () => {
    const s = syntheticFace(4, 64);
    const a = augmentSample(s, JITTER_AUGMENT, new Rng(mixSeed(9, 0, 1)));
    const b = augmentSample(s, JITTER_AUGMENT, new Rng(mixSeed(9, 0, 1)));
    const c = augmentSample(s, JITTER_AUGMENT, new Rng(mixSeed(9, 0, 2)));
    assert.deepStrictEqual(Array.from(a.hr), Array.from(b.hr));
    assert.deepStrictEqual(Array.from(a.landmarks), Array.from(b.landmarks));
    assert.notDeepStrictEqual(Array.from(a.landmarks), Array.from(c.landmarks));
    for (const v of a.hr) assert.ok(v >= 0 && v <= 1);
  });

  it('offline ×K expansion keeps the originals and adds K − 1 distinct copies', () => {
    const faces = [syntheticFace(5, 32), syntheticFace(6, 32)];
    const x = expandOffline(faces, 3, JITTER_AUGMENT, 1);
    assert.deepStrictEqual(
      x.map((s) => s.id),
      [faces[0].id, `${faces[0].id}#aug1`, `${faces[0].id}#aug2`, faces[1].id, `${faces[1].id}#aug1`, `${faces[1].id}#aug2`],
    );
    assert.strictEqual(x[0], faces[0]);
    assert.notDeepStrictEqual(Array.from(x[1].landmarks), Array.from(x[2].landmarks));
  });
});
