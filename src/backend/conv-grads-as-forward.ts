/**
 * Conv2D gradients expressed as *forward* convolutions, so that a backend whose only fast conv is the
 * forward one (wasm: XNNPACK) trains at forward-conv speed. Layout is NHWC with filters [fh, fw, ci, co],
 * as everywhere in TF.js.
 *
 * With xPad the input padded by (top, left) of the forward pass and s the stride:
 *   y[n, i, j, co]    = Σ xPad[n, i·s + kh, j·s + kw, ci] · w[kh, kw, ci, co]
 *   dx                = conv2d(dy with s−1 zeros between its rows/columns, w flipped in space with ci↔co, stride 1)
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
  return { t: cropped, pad: [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]] };
}

/** Inserts s−1 zero rows after every row (and columns likewise): [n, h, w, c] → [n, h·sh, w·sw, c]. */
function spreadByStride(t: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return t;
  const [n, h, w, c] = t.shape;
  const holes = tf.pad(tf.reshape(t, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]]);
  return tf.reshape(holes, [n, h * strideHeight, w * strideWidth, c]);
}

/** Gradient of conv2d(x, filter) with respect to x, for an x of shape inputShape. */
export function conv2dInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: Shape4, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(inputShape, filter.shape, g);
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, padInfo } = info;
    const spread = spreadByStride(dy, sh, sw);
    // After spreading, dy row i sits at row i·sh; dx row r gathers it through filter tap kh = i·sh + top − r.
    const top = fh - 1 - padInfo.top;
    const left = fw - 1 - padInfo.left;
    const bottom = inputShape[1] + fh - 1 - top - spread.shape[1];
    const right = inputShape[2] + fw - 1 - left - spread.shape[2];
    const { t, pad } = padOrCrop(spread, top, bottom, left, right);
    const flippedSwapped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(t, flippedSwapped, 1, pad);
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
    const { t, pad } = padOrCrop(x, padInfo.top, bottom, padInfo.left, right);
    const channelsAsBatch = tf.transpose(t, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, h, w, n]
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, n, co]
    const perChannel = tf.conv2d(channelsAsBatch, dyAsFilter, 1, pad, 'NHWC', [sh, sw]); // [ci, fh, fw, co]
    return tf.transpose(perChannel, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
