// Elementwise kernels for the wasm backend, on the wasm heap in place, on this Node thread's OpenMP threads:
// Add and Multiply (same shape, or one operand broadcast over a middle run of axes: a per-channel bias, a
// per-image-and-channel scale, a scalar), Relu, Step, and one fused Adam update. TF.js runs these on one wasm
// thread with 128-bit SIMD; in a CPU-sized training step they took ~110 ms of ~500 at 2 threads while the
// convolutions around them ran on both cores (docs/performance.md, "Why 2 threads are behind PyTorch").
//
// Every output element depends only on the inputs at its own index, so results are the same bits for any
// thread count. Each function computes exactly the float32 operations of the TF.js kernels (or op sequence, for
// Adam) it replaces, in the same order, without fused multiply-add (build.sh: -ffp-contract=off), so switching
// paths changes no bit (test/backend-native-elementwise.test.ts).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "napi-glue.h"
#include "parallel.h"

namespace {

using namespace jasr;

// AVX-512, AVX2 and baseline clones picked at load time (as reductions.cc): portable, vectorised where it can be.
#define JASR_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))

enum class BinaryOp : int32_t { Add = 0, Multiply = 1 };

// out[i] = a[i] op b[(i / (mid·inner))·inner + i % inner] for i in [begin, end): b's row for one o is repeated
// over mid, so the loop walks the rows that share it (no division per element; vectorised along each row or, for
// inner 1, along the run of one scalar).
template <typename Op>
inline void broadcastRange(const float* a, const float* b, float* out, size_t begin, size_t end, size_t mid, size_t inner, Op op) {
  const size_t block = mid * inner;
  size_t i = begin;
  while (i < end) {
    const size_t o = i / block;
    const size_t blockEnd = std::min(end, (o + 1) * block);
    const float* y = b + o * inner;
    if (inner == 1) {
      const float s = y[0];
      for (size_t k = i; k < blockEnd; k++) out[k] = op(a[k], s);
    } else {
      // Row by row (a range may start or end inside one): contiguous in a, b's row and out, so it vectorises.
      while (i < blockEnd) {
        const size_t k = (i - o * block) % inner;
        const size_t rowEnd = std::min(blockEnd, i + (inner - k));
        const float* yRow = y + k;
        for (size_t j = 0; j < rowEnd - i; j++) out[i + j] = op(a[i + j], yRow[j]);
        i = rowEnd;
      }
    }
    i = blockEnd;
  }
}

JASR_MULTIVERSION void addRange(const float* a, const float* b, float* out, size_t begin, size_t end, size_t mid, size_t inner) {
  if (mid == 1) {
    for (size_t i = begin; i < end; i++) out[i] = a[i] + b[i];
  } else {
    broadcastRange(a, b, out, begin, end, mid, inner, [](float x, float y) { return x + y; });
  }
}

JASR_MULTIVERSION void multiplyRange(const float* a, const float* b, float* out, size_t begin, size_t end, size_t mid, size_t inner) {
  if (mid == 1) {
    for (size_t i = begin; i < end; i++) out[i] = a[i] * b[i];
  } else {
    broadcastRange(a, b, out, begin, end, mid, inner, [](float x, float y) { return x * y; });
  }
}

// binary(op, a, b, out, [outer, mid, inner]): a and out have outer·mid·inner elements, b has outer·inner and is
// repeated over the mid axis (mid 1: same shape; outer 1: a per-channel vector; inner 1: a scalar per outer run).
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value argv[5];
    args(env, info, argv);
    int32_t opCode = -1;
    check(env, napi_get_value_int32(env, argv[0], &opCode), "op");
    if (opCode != 0 && opCode != 1) throw JsError{"jasr_native: binary: op must be 0 (add) or 1 (multiply), got " + std::to_string(opCode)};
    const int32_t* d = int32Data(env, argv[4], "dims [outer, mid, inner]", 3);
    if (d[0] < 0 || d[1] < 1 || d[2] < 1) throw JsError{"jasr_native: binary: dims must be outer >= 0, mid >= 1, inner >= 1"};
    const size_t outer = d[0], mid = d[1], inner = d[2];
    const float* a = floatData(env, argv[1], "a", outer * mid * inner);
    const float* b = floatData(env, argv[2], "b", outer * inner);
    float* out = floatData(env, argv[3], "out", outer * mid * inner);
    const bool add = static_cast<BinaryOp>(opCode) == BinaryOp::Add;
    const size_t n = outer * mid * inner;
    parallelRanges(n, n, [&](size_t begin, size_t end) {
      add ? addRange(a, b, out, begin, end, mid, inner) : multiplyRange(a, b, out, begin, end, mid, inner);
    });
    return undefinedValue(env);
  });
}

// TF.js's wasm Relu (XNNPACK) is an integer max of the bit pattern with 0: anything with the sign bit set (−0 and
// negative NaNs included) becomes +0, everything else (positive NaNs included) passes through.
JASR_MULTIVERSION void reluRange(const float* x, float* out, size_t begin, size_t end) {
  for (size_t i = begin; i < end; i++) out[i] = std::signbit(x[i]) ? 0.f : x[i];
}

// TF.js's Step: NaN stays NaN, x > 0 gives 1, anything else alpha.
JASR_MULTIVERSION void stepRange(const float* x, float* out, size_t begin, size_t end, float alpha) {
  for (size_t i = begin; i < end; i++) out[i] = std::isnan(x[i]) ? x[i] : (x[i] > 0.f ? 1.f : alpha);
}

// relu(x, out)
napi_value Relu(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[2];
    args(env, info, a);
    size_t n = 0;
    const float* x = floatDataAnyLength(env, a[0], "x", &n);
    float* out = floatData(env, a[1], "out", n);
    parallelRanges(n, n, [&](size_t begin, size_t end) { reluRange(x, out, begin, end); });
    return undefinedValue(env);
  });
}

// step(x, out, alpha)
napi_value Step(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[3];
    args(env, info, a);
    size_t n = 0;
    const float* x = floatDataAnyLength(env, a[0], "x", &n);
    float* out = floatData(env, a[1], "out", n);
    double alpha = 0;
    check(env, napi_get_value_double(env, a[2], &alpha), "alpha");
    const float alphaF = static_cast<float>(alpha);
    parallelRanges(n, n, [&](size_t begin, size_t end) { stepRange(x, out, begin, end, alphaF); });
    return undefinedValue(env);
  });
}

/** Adam's constants, each already rounded to float32 as TF.js rounds a JS number it multiplies a tensor by. */
struct AdamConstants {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, sqrtBc2, stepSize, weightDecay, decoupledScale;
  bool coupled, decoupled, epsilonBeforeBiasCorrection;
};

// The op sequence of src/engine/optimizer.ts (Adam.apply), element by element, each operation rounded to float32
// as the TF.js kernels round it:
//   g ← g + θ·wd (coupled);  base ← θ·(1 − lr·wd) (decoupled) else θ
//   m ← m·β1 + g·(1 − β1);  v ← v·β2 + (g·g)·(1 − β2)
//   denom ← √v + ε (before bias correction) or √v / √bc2 + ε;  θ ← base − (m / denom)·stepSize
JASR_MULTIVERSION void adamRange(const float* p, const float* g0, const float* m, const float* v, float* pOut, float* mOut, float* vOut, size_t begin,
                                 size_t end, const AdamConstants& c) {
  for (size_t i = begin; i < end; i++) {
    float g = g0[i];
    if (c.coupled) g = g + p[i] * c.weightDecay;
    const float base = c.decoupled ? p[i] * c.decoupledScale : p[i];
    const float mNew = m[i] * c.beta1 + g * c.oneMinusBeta1;
    const float vNew = v[i] * c.beta2 + (g * g) * c.oneMinusBeta2;
    const float root = std::sqrt(vNew);
    const float denom = c.epsilonBeforeBiasCorrection ? root + c.epsilon : root / c.sqrtBc2 + c.epsilon;
    mOut[i] = mNew;
    vOut[i] = vNew;
    pOut[i] = base - (mNew / denom) * c.stepSize;
  }
}

// adamStep(p, g, m, v, pOut, mOut, vOut, constants Float32Array[9], flags Int32Array[3]); see AdamConstants.
napi_value AdamStep(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[9];
    args(env, info, a);
    size_t n = 0;
    const float* p = floatDataAnyLength(env, a[0], "p", &n);
    const float* g = floatData(env, a[1], "g", n);
    const float* m = floatData(env, a[2], "m", n);
    const float* v = floatData(env, a[3], "v", n);
    float* pOut = floatData(env, a[4], "pOut", n);
    float* mOut = floatData(env, a[5], "mOut", n);
    float* vOut = floatData(env, a[6], "vOut", n);
    const float* k = floatData(env, a[7], "constants [beta1, 1-beta1, beta2, 1-beta2, epsilon, sqrtBc2, stepSize, weightDecay, 1-lr*wd]", 9);
    const int32_t* f = int32Data(env, a[8], "flags [coupled, decoupled, epsilonBeforeBiasCorrection]", 3);
    const AdamConstants c{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], f[0] != 0, f[1] != 0, f[2] != 0};
    parallelRanges(n, n, [&](size_t begin, size_t end) { adamRange(p, g, m, v, pOut, mOut, vOut, begin, end, c); });
    return undefinedValue(env);
  });
}

}  // namespace

void registerElementwiseFunctions(napi_env env, napi_value exports) {
  exportFunction(env, exports, "binary", Binary);
  exportFunction(env, exports, "relu", Relu);
  exportFunction(env, exports, "step", Step);
  exportFunction(env, exports, "adamStep", AdamStep);
}
