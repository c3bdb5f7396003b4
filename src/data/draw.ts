/**
 * A side-by-side picture of one training example for eyeballing: LR (nearest-enlarged), the bicubic network
 * input, HR, and the heatmap sum, with landmarks drawn as small crosses. Plain pixel drawing, no canvas.
 */
import type { RgbImage } from './image-io';
import type { TrainingPair } from './pairs';

function nearest(src: Float32Array, srcSize: number, channels: number, size: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sy = Math.floor((y * srcSize) / size),
        sx = Math.floor((x * srcSize) / size);
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = src[(sy * srcSize + sx) * channels + (channels === 3 ? c : 0)];
    }
  }
  return out;
}

function heatmapSum(p: TrainingPair): Float32Array {
  const channels = p.sample.visible.length + 1;
  const side = p.heatmapSide;
  const sum = new Float32Array(side * side);
  for (let i = 0; i < side * side; i++) {
    for (let k = 0; k < channels - 1; k++) sum[i] += p.heatmaps[i * channels + k];
    sum[i] = Math.min(1, sum[i]);
  }
  return sum;
}

function drawCrosses(panel: Float32Array, size: number, landmarks: ArrayLike<number>, colour: [number, number, number]): void {
  for (let i = 0; i < landmarks.length; i += 2) {
    const cx = Math.round(landmarks[i]),
      cy = Math.round(landmarks[i + 1]);
    for (let d = -1; d <= 1; d++) {
      for (const [x, y] of [
        [cx + d, cy],
        [cx, cy + d],
      ]) {
        if (x < 0 || y < 0 || x >= size || y >= size) continue;
        for (let c = 0; c < 3; c++) panel[(y * size + x) * 3 + c] = colour[c];
      }
    }
  }
}

export function renderPair(p: TrainingPair): RgbImage {
  const size = p.hrSize;
  const gap = 4;
  const panels = [nearest(p.lr, p.lrSize, 3, size), p.input.slice(), p.hr.slice(), nearest(heatmapSum(p), p.heatmapSide, 1, size)];
  drawCrosses(panels[1], size, p.sample.landmarks, [0, 1, 0]);
  drawCrosses(panels[2], size, p.sample.landmarks, [0, 1, 0]);
  drawCrosses(panels[3], size, p.sample.landmarks, [1, 0, 0]);
  const width = panels.length * size + (panels.length - 1) * gap;
  const data = new Uint8Array(width * size * 3).fill(255);
  panels.forEach((panel, k) => {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          data[(y * width + k * (size + gap) + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(panel[(y * size + x) * 3 + c] * 255)));
        }
      }
    }
  });
  return { data, width, height: size };
}
