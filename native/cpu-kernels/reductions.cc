// Two memory-bound backward-pass kernels that the wasm backend runs slowly (profile-step --detail): the conv bias
// gradient (a sum over N, H, W, which wasm's Sum does by transposing the whole tensor first) and the gradient of a
// non-overlapping max pool. Plain loops over the wasm heap that the compiler vectorises along channels, split
// over this Node thread's OpenMP threads in a way that gives the same bits for any thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "napi-glue.h"
#include "parallel.h"

namespace {

using namespace jasr;

// Compiled for AVX-512, AVX2 and baseline x86-64, picked at load time: portable across CPUs, and the channel loops
// below only run fast when vectorised (the max-pool one at baseline SSE2 was slower than the JS loop it replaces).
#define JASR_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))

// Rows are summed in blocks of this many, each block into its own float64 partial, then the partials in block
// order: the grouping depends on the shape only, never on the thread count, so every thread count gives the same bits.
constexpr size_t kRowBlock = 512;

JASR_MULTIVERSION void sumRowsKernel(const float* x, size_t rowBegin, size_t rowEnd, size_t inner, double* acc) {
  for (size_t i = rowBegin; i < rowEnd; i++) {
    const float* row = x + i * inner;
    for (size_t j = 0; j < inner; j++) acc[j] += row[j];
  }
}

// The output rows [rowBegin, rowEnd) of all images (row r = image r / outHeight, output row r % outHeight): rows
// write disjoint parts of dx, so they split across threads freely.
JASR_MULTIVERSION void maxPoolGradKernel(const float* x, const float* dy, float* dx, size_t rowBegin, size_t rowEnd, size_t inHeight, size_t inWidth,
                                         size_t channels, size_t ph, size_t pw, int32_t* at, float* best) {
  const size_t outHeight = inHeight / ph, outWidth = inWidth / pw;
  const size_t rowStride = inWidth * channels;
  const size_t windowSize = ph * pw;
  for (size_t r = rowBegin; r < rowEnd; r++) {
    const size_t b = r / outHeight, oy = r % outHeight;
    for (size_t ox = 0; ox < outWidth; ox++) {
      const size_t corner = (b * inHeight + oy * ph) * rowStride + ox * pw * channels;
      const float* g = dy + ((b * outHeight + oy) * outWidth + ox) * channels;
      for (size_t c = 0; c < channels; c++) {
        best[c] = -std::numeric_limits<float>::infinity();
        at[c] = -1;
      }
      for (size_t k = 0; k < windowSize; k++) {
        const float* v = x + corner + (k / pw) * rowStride + (k % pw) * channels;
        for (size_t c = 0; c < channels; c++) {
          const bool better = v[c] > best[c];
          best[c] = better ? v[c] : best[c];
          at[c] = better ? static_cast<int32_t>(k) : at[c];
        }
      }
      // Every element of the window is written (its share or 0), so dx needs no clearing first.
      for (size_t k = 0; k < windowSize; k++) {
        float* out = dx + corner + (k / pw) * rowStride + (k % pw) * channels;
        for (size_t c = 0; c < channels; c++) out[c] = at[c] == static_cast<int32_t>(k) ? g[c] : 0.f;
      }
    }
  }
}

// sumRows(x, out, [outer, inner]): out[j] = Σ_i x[i·inner + j], accumulated in double.
napi_value SumRows(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[3];
    args(env, info, a);
    const int32_t* dims = int32Data(env, a[2], "dims [outer, inner]", 2);
    if (dims[0] < 0 || dims[1] < 0) throw JsError{"jasr_native: sumRows: negative dims"};
    const size_t outer = dims[0], inner = dims[1];
    const float* x = floatData(env, a[0], "x", outer * inner);
    float* out = floatData(env, a[1], "out", inner);
    const size_t blocks = std::max<size_t>(1, (outer + kRowBlock - 1) / kRowBlock);
    std::vector<double> partial(blocks * inner, 0.0);
    parallelRanges(blocks, outer * inner, [&](size_t first, size_t last) {
      for (size_t k = first; k < last; k++) sumRowsKernel(x, std::min(outer, k * kRowBlock), std::min(outer, (k + 1) * kRowBlock), inner, &partial[k * inner]);
    });
    std::vector<double> acc(inner, 0.0);
    for (size_t k = 0; k < blocks; k++) {
      for (size_t j = 0; j < inner; j++) acc[j] += partial[k * inner + j];
    }
    for (size_t j = 0; j < inner; j++) out[j] = static_cast<float>(acc[j]);
    return undefinedValue(env);
  });
}

// maxPoolGrad(x, dy, dx, [batch, inHeight, inWidth, channels, poolHeight, poolWidth]) for windows that tile the
// input without overlap (stride = window, 'valid'). Each window's dy goes to its first maximum in row-major
// order under a strict '>' from −∞, as TF.js's cpu backend decides (ties and NaN keep the earlier element; a
// window of −∞/NaN gets nothing). Rows/columns past the last whole window get 0.
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[4];
    args(env, info, a);
    const int32_t* d = int32Data(env, a[3], "dims [batch, inHeight, inWidth, channels, poolHeight, poolWidth]", 6);
    const size_t batch = d[0], inHeight = d[1], inWidth = d[2], channels = d[3], ph = d[4], pw = d[5];
    for (int i = 0; i < 4; i++) {
      if (d[i] < 0) throw JsError{"jasr_native: maxPoolGrad: negative dims"};
    }
    if (d[4] < 1 || d[5] < 1) throw JsError{"jasr_native: maxPoolGrad: pool size must be >= 1"};
    const size_t outHeight = inHeight / ph, outWidth = inWidth / pw;
    const float* x = floatData(env, a[0], "x", batch * inHeight * inWidth * channels);
    const float* dy = floatData(env, a[1], "dy", batch * outHeight * outWidth * channels);
    float* dx = floatData(env, a[2], "dx", batch * inHeight * inWidth * channels);
    if (outHeight * ph != inHeight || outWidth * pw != inWidth) std::memset(dx, 0, sizeof(float) * batch * inHeight * inWidth * channels);
    const size_t rows = batch * outHeight;
    parallelRanges(rows, batch * inHeight * inWidth * channels, [&](size_t begin, size_t end) {
      std::vector<int32_t> at(channels);
      std::vector<float> best(channels);
      maxPoolGradKernel(x, dy, dx, begin, end, inHeight, inWidth, channels, ph, pw, at.data(), best.data());
    });
    return undefinedValue(env);
  });
}

}  // namespace

void registerReductionFunctions(napi_env env, napi_value exports) {
  exportFunction(env, exports, "sumRows", SumRows);
  exportFunction(env, exports, "maxPoolGrad", MaxPoolGrad);
}
