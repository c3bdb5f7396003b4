/**
 * 3D landmarks beside an image: the SR face on the left, its predicted (and true) landmarks as a plotly 3D scatter
 * on the right (x right, y down as in the image, z towards the camera; docs/3d.md). Plain arrays in, `{data,
 * layout}` out, as every builder of ./figures.ts.
 */
import { Figure, PlotlyObject, RgbPixels, imageZ } from './figures';

/** One landmark set in HR pixels: x, y, z per point. */
export interface Landmarks3d {
  name: string;
  points: ReadonlyArray<readonly [number, number, number]>;
  color?: string;
}

const COLOURS = ['#d62728', '#1f77b4', '#2ca02c'];

export function imageBeside3dLandmarks(image: RgbPixels, sets: Landmarks3d[], opts: { title?: string; imageTitle?: string } = {}): Figure {
  const data: PlotlyObject[] = [{ type: 'image', z: imageZ(image), xaxis: 'x', yaxis: 'y', name: opts.imageTitle ?? 'image', hoverinfo: 'x+y' }];
  sets.forEach((s, i) =>
    data.push({
      type: 'scatter3d',
      mode: 'markers',
      name: s.name,
      scene: 'scene',
      x: s.points.map((p) => p[0]),
      y: s.points.map((p) => p[2]),
      // Plotly's z axis points up; the image's y points down, so it is drawn negated (the face stands upright).
      z: s.points.map((p) => -p[1]),
      text: s.points.map((_, k) => `point ${k}`),
      marker: { size: 3, color: s.color ?? COLOURS[i % COLOURS.length] },
    }),
  );
  const hidden = { showgrid: false, zeroline: false, showticklabels: false, ticks: '' };
  const layout: PlotlyObject = {
    title: opts.title ? { text: opts.title } : undefined,
    margin: { l: 10, r: 10, t: opts.title ? 50 : 20, b: 10 },
    xaxis: { ...hidden, domain: [0, 0.42], anchor: 'y', constrain: 'domain' },
    yaxis: { ...hidden, domain: [0, 1], anchor: 'x', autorange: 'reversed', scaleanchor: 'x', constrain: 'domain' },
    scene: {
      domain: { x: [0.46, 1], y: [0, 1] },
      aspectmode: 'data',
      xaxis: { title: { text: 'x (px)' } },
      yaxis: { title: { text: 'z (px, towards the camera)' } },
      zaxis: { title: { text: '−y (px)' } },
      camera: { eye: { x: 0.3, y: -2, z: 0.4 } },
    },
    legend: { orientation: 'h', y: -0.05 },
  };
  return { data, layout };
}
