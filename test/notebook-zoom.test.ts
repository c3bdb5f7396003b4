/** Zoomed crops for notebook 09 (src/notebook/zoom.ts): pixel repetition of the right pixels, clamping, the eye box. */
import { strict as assert } from 'assert';
import { eyeRegion, zoomCrop } from '../src/notebook/zoom';

describe('notebook/zoom: crops enlarged by pixel repetition', () => {
  // 4×3 image whose red channel is the pixel index, green 10·x, blue 10·y.
  const img = {
    width: 4,
    height: 3,
    data: Uint8Array.from({ length: 36 }, (_, i) => [Math.floor(i / 3), 10 * (Math.floor(i / 3) % 4), 10 * Math.floor(i / 12)][i % 3]),
  };

  it('a 2×2 crop at (1, 1), ×2: each source pixel becomes a 2×2 block', () => {
    const z = zoomCrop(img, [1, 1, 2, 2], 2);
    assert.deepEqual([z.width, z.height], [4, 4]);
    const red = Array.from({ length: 16 }, (_, k) => z.data[3 * k]);
    assert.deepEqual(red, [5, 5, 6, 6, 5, 5, 6, 6, 9, 9, 10, 10, 9, 9, 10, 10]);
    assert.deepEqual([z.data[1], z.data[2]], [10, 10], 'x = 1, y = 1');
  });

  it('clamps a box that leaves the image and refuses a non-integer factor', () => {
    const z = zoomCrop(img, [2, -5, 10, 10], 1);
    assert.deepEqual([z.width, z.height], [2, 3]);
    assert.equal(z.data[0], 2);
    assert.throws(() => zoomCrop(img, [0, 0, 1, 1], 1.5), /positive integer, found 1.5/);
  });

  it('eyeRegion: the eye points (36–47) widened by the margin, at least half as tall as wide', () => {
    const points = Array.from({ length: 68 }, () => [0, 0] as const) as (readonly [number, number])[];
    for (let i = 36; i < 48; i++) points[i] = [40 + (i - 36) * 4, 50 + (i % 2)];
    const [x, y, w, h] = eyeRegion(points, 0.25);
    // Eyes span x 40…84 (44 px) and y 50…51: pad 11 px, width 66, height max(1 + 22, 33) = 33 around y 50.5.
    assert.deepEqual([x, w, h], [29, 66, 33]);
    assert.ok(Math.abs(y - (50.5 - 16.5)) < 1e-9);
    assert.throws(() => eyeRegion(points.slice(0, 5)), /expected 68 landmarks, found 5/);
  });
});
