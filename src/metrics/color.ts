/**
 * RGB → luma conversions used by face-SR papers. Inputs are RGB in [0,1] (the kit's image range); the
 * output unit depends on the conversion, which is why each has a name that says it.
 */
import * as tf from '@tensorflow/tfjs';

export type YConversion =
  /** MATLAB rgb2ycbcr (ITU-R BT.601 studio swing) on 0..255: Y = 16 + (65.481R + 128.553G + 24.966B)/255, Y ∈ [16,235]. */
  | 'bt601-matlab-255'
  /** EDSR/JASRNet calc_psnr: Y = (65.738R + 129.057G + 25.064B)/256 + 16 with R,G,B in [0,1], so Y ∈ [16,17]. */
  | 'edsr-offset16-unit'
  /** The EDSR coefficients on [0,1] without the +16 (Y ∈ [0,1]); for measuring what the offset does. */
  | 'edsr-unit-no-offset';

/** Coefficients applied to [0,1] RGB, plus the constant offset, for each conversion. */
export function yCoefficients(conversion: YConversion): { r: number; g: number; b: number; offset: number } {
  if (conversion === 'bt601-matlab-255') {
    // 255·(65.481/255) = 65.481 on [0,1] input gives the 0..255-unit MATLAB value.
    return { r: 65.481, g: 128.553, b: 24.966, offset: 16 };
  }
  const offset = conversion === 'edsr-offset16-unit' ? 16 : 0;
  return { r: 65.738 / 256, g: 129.057 / 256, b: 25.064 / 256, offset };
}

/** Y of one [0,1] RGB triple. */
export function yOfRgb01(r: number, g: number, b: number, conversion: YConversion): number {
  const c = yCoefficients(conversion);
  return c.r * r + c.g * g + c.b * b + c.offset;
}

/** Y plane (float64, row-major) of an interleaved HWC [0,1] RGB buffer. */
export function yPlane(rgb01: ArrayLike<number>, pixelCount: number, conversion: YConversion): Float64Array {
  if (rgb01.length !== pixelCount * 3) {
    throw new Error(`yPlane: expected ${pixelCount * 3} RGB values (${pixelCount} pixels × 3), found ${rgb01.length}`);
  }
  const c = yCoefficients(conversion);
  const out = new Float64Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) {
    out[i] = c.r * rgb01[3 * i] + c.g * rgb01[3 * i + 1] + c.b * rgb01[3 * i + 2] + c.offset;
  }
  return out;
}

/**
 * Y of a [B,H,W,3] [0,1] batch as [B,H,W,1], WITHOUT the constant offset: float32 loses variance precision
 * when every value sits near 16 (JASRNet's Y lives in [16,17]), so the SSIM code adds the offset back only
 * in the luminance term, where it matters.
 */
export function yWithoutOffsetTensor(rgb01: tf.Tensor4D, conversion: YConversion): tf.Tensor4D {
  return tf.tidy(() => {
    const c = yCoefficients(conversion);
    const weights = tf.tensor2d([[c.r], [c.g], [c.b]]);
    const [b, h, w] = rgb01.shape;
    return tf.matMul(rgb01.reshape([b * h * w, 3]), weights).reshape([b, h, w, 1]) as tf.Tensor4D;
  });
}

/** Round half to even, as numpy and torch round (JS Math.round rounds halves up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** SR output as an 8-bit file would store it, back in [0,1]: clamp to [0,255], round half-even, /255. */
export function quantize01To8bit(rgb01: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rgb01.length);
  for (let i = 0; i < out.length; i++) out[i] = roundHalfEven(Math.min(255, Math.max(0, rgb01[i] * 255))) / 255;
  return out;
}

export function quantize01To8bitTensor(rgb01: tf.Tensor4D): tf.Tensor4D {
  // tf.round rounds half to even, like torch.round in the official code.
  return tf.tidy(() => tf.round(tf.clipByValue(tf.mul(rgb01, 255), 0, 255)).div(255) as tf.Tensor4D);
}
