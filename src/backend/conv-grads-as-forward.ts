/**
 * Conv2D gradients expressed as *forward* convolutions, so that a backend whose only fast conv is the
 * forward one (wasm: XNNPACK) trains at forward-conv speed. Layout is NHWC with filters [fh, fw, ci, co],
 * as everywhere in TF.js.
 *
 * With xPad the input padded by (top, left) of the forward pass and s the stride:
 *   y[n, i, j, co]    = Σ xPad[n, i·s + kh, j·s + kw, ci] · w[kh, kw, ci, co]
 *   dx                = conv2d(dy, w flipped in space with ci↔co, stride 1), done per phase r mod s of dx's rows/columns
 *   dW[kh, kw, ci, co] = conv2d(xPadᵀ [ci, H, W, n] as the batch, dyᵀ [oh, ow, n, co] as the filter, dilation s)
 */
import * as tf from '@tensorflow/tfjs';

type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];
export type ConvPad = 'same' | 'valid' | number | ExplicitPad;
export type RoundingMode = 'floor' | 'round' | 'ceil';
type Shape4 = [number, number, number, number];

export interface ConvGeometry {
  strides: [number, number] | number;
  pad: ConvPad;
  dimRoundingMode?: RoundingMode;
}

function convInfo(xShape: Shape4, filterShape: Shape4, g: ConvGeometry): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, g.strides, 1, g.pad, g.dimRoundingMode, false, 'channelsLast');
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor. A crop is what a
 * negative pad means for the following 'valid' convolution, so callers may pass either sign.
 */
function padOrCrop(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number): { t: tf.Tensor4D; pad: ExplicitPad } {
  const [n, h, w, c] = t.shape;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const keptH = h - cropTop - Math.max(0, -bottom);
  const keptW = w - cropLeft - Math.max(0, -right);
  const cropped = cropTop || cropLeft || keptH !== h || keptW !== w ? tf.slice(t, [0, cropTop, cropLeft, 0], [n, keptH, keptW, c]) : t;
  return {
    t: cropped,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/** One output phase of dx along one axis: which filter taps reach it and how dy lines up with them. */
interface AxisPhase {
  /** First filter tap that reaches this phase; taps are firstTap, firstTap + stride, … below filterSize. */
  firstTap: number;
  taps: number;
  /** Padding of dy before the stride-1 'valid' conv (negative = crop). */
  padBefore: number;
  padAfter: number;
}

function axisPhase(phase: number, stride: number, filterSize: number, padBeforeFwd: number, dySize: number, phaseSize: number): AxisPhase {
  const firstTap = (phase + padBeforeFwd) % stride;
  const taps = firstTap < filterSize ? Math.ceil((filterSize - firstTap) / stride) : 0;
  // dx[phase + stride·m] = Σ_t dy[m + q − t] · w[firstTap + stride·t], with q = ⌊(phase + padBeforeFwd) / stride⌋.
  const q = Math.floor((phase + padBeforeFwd) / stride);
  const padBefore = taps - 1 - q;
  return { firstTap, taps, padBefore, padAfter: phaseSize + taps - 1 - padBefore - dySize };
}

/**
 * Gradient of conv2d(x, filter) with respect to x, for an x of shape inputShape.
 * For stride s the rows of dx split into s phases (r mod s); each phase only sees every s-th filter tap, so it is
 * one stride-1 conv of dy with that sub-filter (flipped, ci↔co). The phases are then interleaved. This costs the
 * same multiply-adds as the forward conv, where spreading dy with zeros would cost s² times more.
 */
export function conv2dInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: Shape4, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(inputShape, filter.shape, g);
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, padInfo } = info;
    const [n, inHeight, inWidth, inChannels] = inputShape;
    const [, dyHeight, dyWidth] = dy.shape;
    const phaseHeight = Math.ceil(inHeight / sh);
    const phaseWidth = Math.ceil(inWidth / sw);
    const flippedSwapped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [fh, fw, co, ci]
    const rows: tf.Tensor4D[][] = [];
    for (let a = 0; a < sh; a++) {
      const ph = axisPhase(a, sh, fh, padInfo.top, dyHeight, phaseHeight);
      const row: tf.Tensor4D[] = [];
      for (let b = 0; b < sw; b++) {
        const pw = axisPhase(b, sw, fw, padInfo.left, dyWidth, phaseWidth);
        if (ph.taps === 0 || pw.taps === 0) {
          row.push(tf.zeros([n, phaseHeight, phaseWidth, inChannels]));
          continue;
        }
        // Taps firstTap + s·t of the original filter sit at flipped index fh − 1 − firstTap − s·t: a strided slice.
        const lastH = fh - 1 - ph.firstTap - sh * (ph.taps - 1);
        const lastW = fw - 1 - pw.firstTap - sw * (pw.taps - 1);
        const sub = tf.stridedSlice(
          flippedSwapped,
          [lastH, lastW, 0, 0],
          [fh - ph.firstTap, fw - pw.firstTap, filter.shape[3], inChannels],
          [sh, sw, 1, 1],
        ) as tf.Tensor4D;
        const { t, pad } = padOrCrop(dy, ph.padBefore, ph.padAfter, pw.padBefore, pw.padAfter);
        row.push(tf.conv2d(t, sub, 1, pad));
      }
      rows.push(row);
    }
    if (sh === 1 && sw === 1) return rows[0][0];
    // [n, ph, pw, ci] per (a, b) → [n, ph, sh, pw, sw, ci] → [n, ph·sh, pw·sw, ci], cropped to the input size.
    const interleaved = tf.stack(
      rows.map((row) => tf.stack(row, 3)),
      2,
    );
    const full = tf.reshape(interleaved, [n, phaseHeight * sh, phaseWidth * sw, inChannels]) as tf.Tensor4D;
    return full.shape[1] === inHeight && full.shape[2] === inWidth ? full : tf.slice(full, [0, 0, 0, 0], [n, inHeight, inWidth, inChannels]);
  });
}

/** Gradient of conv2d(x, filter) with respect to the filter, for a filter of shape filterShape. */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(x.shape, filterShape, g);
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, padInfo } = info;
    const [, outHeight, outWidth] = dy.shape;
    // The forward pass reads padded rows 0 … (oh−1)·sh + fh − 1; rows past that never touch the output.
    const bottom = (outHeight - 1) * sh + fh - padInfo.top - x.shape[1];
    const right = (outWidth - 1) * sw + fw - padInfo.left - x.shape[2];
    if (sh === 1 && sw === 1 && filterShape[2] < filterShape[3]) return filterGradPackingX(x, dy, fh, fw, padInfo.top, padInfo.left);
    const { t, pad } = padOrCrop(x, padInfo.top, bottom, padInfo.left, right);
    const channelsAsBatch = tf.transpose(t, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, h, w, n]
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, n, co]
    const perChannel = tf.conv2d(channelsAsBatch, dyAsFilter, 1, pad, 'NHWC', [sh, sw]); // [ci, fh, fw, co]
    return tf.transpose(perChannel, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * Stride-1 dW with x as the conv's filter and dy as its input. XNNPACK repacks a conv's filter whenever the
 * filter tensor is new, which for these image-sized filters costs as much as the conv itself (≈ 37 ms for an
 * 8×64×64×64 dy); packing the smaller of x and dy halves that when co > ci (the upsampler's F→4F conv).
 * With dy padded by a = fh − 1 − top rows on top (negative = crop):
 *   out[co, p, q, ci] = Σ dyPad[n, p + r, q + c, co] · x[n, r, c, ci]  and  dW[kh, kw] = out[fh − 1 − kh, fw − 1 − kw].
 */
function filterGradPackingX(x: tf.Tensor4D, dy: tf.Tensor4D, fh: number, fw: number, padTop: number, padLeft: number): tf.Tensor4D {
  const [, inHeight, inWidth] = x.shape;
  const [, outHeight, outWidth] = dy.shape;
  const top = fh - 1 - padTop;
  const left = fw - 1 - padLeft;
  const { t, pad } = padOrCrop(dy, top, inHeight + fh - 1 - outHeight - top, left, inWidth + fw - 1 - outWidth - left);
  const dyAsBatch = tf.transpose(t, [3, 1, 2, 0]) as tf.Tensor4D; // [co, oh', ow', n]
  const xAsFilter = tf.transpose(x, [1, 2, 0, 3]) as tf.Tensor4D; // [h, w, n, ci]
  const flipped = tf.conv2d(dyAsBatch, xAsFilter, 1, pad); // [co, fh, fw, ci], taps reversed
  return tf.reverse(tf.transpose(flipped, [1, 2, 3, 0]), [0, 1]) as tf.Tensor4D;
}
