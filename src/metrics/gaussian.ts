/**
 * The normalised 1-D Gaussian used by SSIM (Wang et al. 2004: 11 taps, σ = 1.5). scipy's gaussian_filter
 * (which skimage uses) builds the same taps from exp(−x²/2σ²) over radius int(truncate·σ + 0.5) = 5 with
 * skimage's truncate = 3.5, so one function serves both protocols.
 */
export function gaussianTaps(windowSize: number, sigma: number): Float64Array {
  if (!Number.isInteger(windowSize) || windowSize < 1 || windowSize % 2 === 0) {
    throw new Error(`gaussianTaps: windowSize must be a positive odd integer, got ${windowSize}`);
  }
  if (!(sigma > 0)) throw new Error(`gaussianTaps: sigma must be > 0, got ${sigma}`);
  const radius = (windowSize - 1) / 2;
  const taps = new Float64Array(windowSize);
  let sum = 0;
  for (let i = 0; i < windowSize; i++) {
    const x = i - radius;
    taps[i] = Math.exp((-0.5 * x * x) / (sigma * sigma));
    sum += taps[i];
  }
  for (let i = 0; i < windowSize; i++) taps[i] /= sum;
  return taps;
}
