import { strict as assert } from 'assert';
import { PlotlyObject, cedPoints, featureMapGrid, groupedBars, imageWithLandmarks, imageZ, lineCurves, srGrid, tapChannelMean } from '../src/report/figures';

/** Deterministic pseudo-random values (LCG) in [0, 1). */
function seeded(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => (s = (s * 1664525 + 1013904223) % 4294967296) / 4294967296);
}

function rgb(width: number, height: number, seed: number) {
  return { width, height, data: new Uint8Array(seeded(width * height * 3, seed).map((v) => Math.floor(v * 256))) };
}

describe('report/figures: plotly builders', () => {
  it('CED: fraction of NMEs at or below each threshold, checked against a direct count', () => {
    const nmes = seeded(97, 3).map((v) => v * 0.12);
    const { x, y } = cedPoints(nmes, 0.1, 50);
    assert.equal(x.length, 51);
    for (let i = 0; i < x.length; i += 7) {
      const direct = nmes.filter((v) => v <= x[i]).length / nmes.length;
      assert.equal(y[i], direct, `threshold ${x[i]}`);
    }
    assert.equal(y[0], 0);
    assert.ok(y[50] < 1, 'some NMEs are above 0.1 so the curve ends below 1');
  });

  it('line curves and grouped bars keep the series and reject mismatched lengths', () => {
    const fig = lineCurves([{ name: 'loss', x: [1, 2, 3], y: [0.9, 0.5, 0.3] }], { title: 't', logY: true });
    assert.equal((fig.layout.yaxis as PlotlyObject).type, 'log');
    assert.deepEqual(fig.data[0].y, [0.9, 0.5, 0.3]);
    assert.throws(() => lineCurves([{ name: 'bad', x: [1, 2], y: [1] }]), /series 'bad' has 2 x values but 1 y values/);
    const bars = groupedBars(
      ['x4', 'x8'],
      [
        { name: 'jasr', values: [30.1, null] },
        { name: 'bicubic', values: [26, 22] },
      ],
    );
    assert.equal(bars.layout.barmode, 'group');
    assert.deepEqual(
      bars.data.map((d) => d.name),
      ['jasr', 'bicubic'],
    );
    assert.throws(() => groupedBars(['a'], [{ name: 'g', values: [1, 2] }]), /group 'g' has 2 values for 1 categories/);
  });

  it('image z is rows of [r,g,b] in HWC order; landmarks become a scatter on the same axes', () => {
    const img = rgb(3, 2, 5);
    const z = imageZ(img);
    assert.equal(z.length, 2);
    assert.equal(z[0].length, 3);
    assert.deepEqual(z[1][2], Array.from(img.data.slice((1 * 3 + 2) * 3, (1 * 3 + 2) * 3 + 3)));
    const fig = imageWithLandmarks(img, [
      { name: 'true', points: [[0.5, 1]] },
      { name: 'pred', points: [[1, 1]] },
    ]);
    assert.deepEqual(
      fig.data.map((d) => d.type),
      ['image', 'scatter', 'scatter'],
    );
    assert.equal(fig.data[1].xaxis, fig.data[0].xaxis);
    assert.throws(() => imageZ({ width: 2, height: 2, data: new Uint8Array(11) }), /expected 2×2×3=12 bytes, found 11/);
  });

  it('SR grid: one image per panel and landmarks scaled from HR pixels onto each panel by pixel centres', () => {
    const hr = rgb(8, 8, 1);
    const lr = rgb(2, 2, 2);
    const fig = srGrid([
      {
        label: 'a',
        panels: [
          { title: 'LR', image: lr },
          { title: 'HR', image: hr },
        ],
        landmarksTrue: [[3.5, 7.5]],
        landmarksPred: [[0, 0]],
      },
    ]);
    const images = fig.data.filter((d) => d.type === 'image');
    assert.equal(images.length, 2);
    const scatters = fig.data.filter((d) => d.type === 'scatter');
    assert.equal(scatters.length, 4);
    // LR panel, true point: (3.5 + 0.5) * 2/8 - 0.5 = 0.5 and (7.5 + 0.5) / 4 - 0.5 = 1.5.
    const lrTrue = scatters.find((s) => s.name === 'true' && s.xaxis === images[0].xaxis);
    assert.deepEqual([lrTrue?.x, lrTrue?.y], [[0.5], [1.5]]);
    const hrPred = scatters.find((s) => s.name === 'predicted' && s.xaxis === images[1].xaxis);
    assert.deepEqual([hrPred?.x, hrPred?.y], [[0], [0]]);
    // Legend entries once, not per panel.
    assert.equal(scatters.filter((s) => s.showlegend).length, 2);
  });

  it('SR grid: panels sit in the column of their title, in LR | bicubic | SR | HR order, even when a row has no SR', () => {
    const img = rgb(4, 4, 1);
    const fig = srGrid([
      {
        label: 'align-only: face 1',
        panels: [
          { title: 'HR', image: img },
          { title: 'LR', image: img },
          { title: 'bicubic', image: img },
        ],
      },
      {
        label: 'jasrnet: face 1',
        panels: [
          { title: 'LR', image: img },
          { title: 'bicubic', image: img },
          { title: 'SR', image: img },
          { title: 'HR', image: img },
        ],
      },
    ]);
    const layout = fig.layout as Record<string, { domain?: number[] }>;
    const columnOf = (trace: Record<string, unknown>): number => {
      const key = `xaxis${String(trace.xaxis).slice(1)}`;
      return Math.round((layout[key]?.domain?.[0] ?? -1) * 100);
    };
    const images = fig.data.filter((d) => d.type === 'image');
    const rowImages = [images.slice(0, 3), images.slice(3)];
    const byTitle = (row: number, title: string): number => columnOf(rowImages[row].find((d) => d.name === title) ?? {});
    for (const t of ['LR', 'bicubic', 'HR']) assert.equal(byTitle(0, t), byTitle(1, t), `${t} column moves between rows`);
    assert.ok(byTitle(1, 'LR') < byTitle(1, 'bicubic') && byTitle(1, 'bicubic') < byTitle(1, 'SR') && byTitle(1, 'SR') < byTitle(1, 'HR'));
    const texts = ((fig.layout.annotations ?? []) as { text: string }[]).map((a) => a.text);
    assert.deepEqual(
      texts.filter((t) => ['LR', 'bicubic', 'SR', 'HR'].includes(t)),
      ['LR', 'bicubic', 'SR', 'HR'],
    );
    assert.ok(texts.includes('align-only: face 1') && texts.includes('jasrnet: face 1'));
  });

  it('feature maps: channel mean and channels from an HWC tap, checked element by element', () => {
    const h = 3;
    const w = 4;
    const c = 5;
    const data = seeded(h * w * c, 9);
    const tap = { shape: [1, h, w, c], data };
    const mean = tapChannelMean('t', tap);
    for (let i = 0; i < h * w; i++) {
      const direct = data.slice(i * c, i * c + c).reduce((a, b) => a + b, 0) / c;
      assert.ok(Math.abs(mean.data[i] - direct) < 1e-6);
    }
    const fig = featureMapGrid('t', tap, { maxChannels: 3, columns: 2 });
    assert.equal(fig.data.length, 4, 'mean + 3 channels');
    const ch2 = fig.data[3].z as number[][];
    assert.equal(ch2.length, h);
    assert.ok(Math.abs(ch2[2][1] - data[(2 * w + 1) * c + 2]) < 1e-6);
    assert.deepEqual(
      fig.data.map((d) => d.xaxis),
      ['x', 'x2', 'x3', 'x4'],
    );
    assert.throws(() => featureMapGrid('bad', { shape: [2, 2, 2], data: [1, 2, 3] }), /feature tap 'bad': shape \[2,2,2\] needs 8 values, found 3/);
  });
});
