// Conv2D forward, backward-data and backward-weights on oneDNN (the library PyTorch's CPU convs use),
// called by the wasm backend's conv kernels (src/backend/wasm-native-conv-kernels.ts) directly on the wasm heap: the tensors stay
// where TF.js keeps them (NHWC activations, HWIO filters) and nothing is copied across the JS boundary. Where the
// primitive is faster on a blocked layout (conv-layout.h), its activations are reordered NHWC <-> that layout in
// per-thread buffers inside the call.
//
// Each Node thread (main thread, every worker_thread) has its own primitive cache and scratchpad (thread_local),
// so data-parallel replicas never share oneDNN state. Primitives are keyed by their full geometry and built once.
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "conv-layout.h"
#include "napi-glue.h"

namespace {

using namespace jasr;

using dnnl::memory;
using tag = dnnl::memory::format_tag;

// Set by setConvLayout (src/backend/wasm.ts reads JASR_CONV_LAYOUT); shared by every Node thread of the process.
std::atomic<int32_t> layoutMode{static_cast<int32_t>(LayoutMode::Auto)};

// [n, ih, iw, ic, oc, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, relu]
constexpr int kGeometryLength = 18;

struct Geometry {
  int64_t n, ih, iw, ic, oc, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;
  bool relu;
  memory::dims src() const { return {n, ic, ih, iw}; }
  memory::dims weights() const { return {oc, ic, kh, kw}; }
  memory::dims bias() const { return {oc}; }
  memory::dims dst() const { return {n, oc, oh, ow}; }
  memory::dims strides() const { return {sh, sw}; }
  // oneDNN counts dilation from 0 (no dilation), TF.js from 1.
  memory::dims dilates() const { return {dh - 1, dw - 1}; }
  memory::dims padL() const { return {pt, pl}; }
  memory::dims padR() const { return {pb, pr}; }
  std::string key(const char* kind, bool bias, Layout layout) const {
    std::ostringstream s;
    s << kind << (layout == Layout::Blocked ? "/blocked:" : "/nhwc:") << n << ',' << ih << ',' << iw << ',' << ic << ',' << oc << ',' << kh << ',' << kw << ',' << oh
      << ',' << ow << ',' << sh << ',' << sw << ',' << dh << ',' << dw << ',' << pt << ',' << pl << ',' << pb << ','
      << pr << ',' << relu << ',' << bias;
    return s.str();
  }
};

memory::desc plain(const memory::dims& d, tag t) { return memory::desc(d, memory::data_type::f32, t); }
memory::desc any(const memory::dims& d) { return memory::desc(d, memory::data_type::f32, tag::any); }
/** An activation's descriptor as the primitive is asked for it: NHWC, or its own choice (`any`) for blocked. */
memory::desc activation(const memory::dims& d, Layout layout) { return layout == Layout::Blocked ? any(d) : plain(d, tag::nhwc); }

/** A 64-byte aligned buffer that only grows (oneDNN's kernels load whole cache lines). */
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }
  void* get(size_t bytes) {
    if (bytes > size_) {
      std::free(data_);
      size_ = (bytes + 63) / 64 * 64;
      data_ = std::aligned_alloc(64, size_);
      if (data_ == nullptr) {
        size_ = 0;
        throw JsError{"jasr_native: out of memory for a " + std::to_string(bytes) + "-byte conv buffer"};
      }
    }
    return data_;
  }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

Layout layoutFor(const Geometry& g) {
  return chooseLayout(static_cast<LayoutMode>(layoutMode.load()), dnnl::get_effective_cpu_isa(), g.ic, g.oc, g.kh, g.kw, g.oh, g.ow);
}

/** One NHWC activation operand of a primitive (x or dx: the src side; y or dy: the dst side) and, when the
 * primitive chose another layout, the reorder into it (an input) or out of it (an output). */
struct ActivationOperand {
  memory::desc md;
  bool reordered = false;
  bool output = false;
  dnnl::reorder reorder;
};

/** One convolution direction, built once per geometry and layout: the primitive plus the reorders its weights and
 * (blocked layout) activations need. */
struct Cached {
  dnnl::primitive conv;
  memory::desc weightsMd;  // what the primitive wants for (diff_)weights; may be a blocked layout
  ActivationOperand src, dst;
  bool weightsReorder = false;
  dnnl::reorder reorder;  // user HWIO -> weightsMd (fwd, bwd data) or weightsMd -> HWIO (bwd weights)
  memory::desc scratchpadMd;
  std::string impl;
};

struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<std::string, std::unique_ptr<Cached>> cache;
  // All 64-byte aligned: a std::vector's large allocation comes from mmap at page + 16 bytes, so AVX loads and
  // stores of the weights and of the weight-gradient scratchpad would straddle cache lines.
  AlignedBuffer scratchpad, weightsBuffer;
  AlignedBuffer srcBuffer, dstBuffer;  // the src-side and dst-side activations in a blocked layout
  std::string lastImpl;
};

ThreadState& state() {
  thread_local ThreadState s;
  return s;
}

dnnl::primitive_attr userScratchpad(bool relu) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  return attr;
}

dnnl::convolution_forward::primitive_desc forwardPd(const Geometry& g, bool bias, bool relu, Layout layout) {
  auto& s = state();
  auto desc = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                     activation(g.src(), layout), any(g.weights()), plain(g.bias(), tag::a),
                                                     activation(g.dst(), layout), g.strides(), g.dilates(), g.padL(), g.padR())
                   : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                     activation(g.src(), layout), any(g.weights()), activation(g.dst(), layout),
                                                     g.strides(), g.dilates(), g.padL(), g.padR());
  return dnnl::convolution_forward::primitive_desc(desc, userScratchpad(relu), s.engine);
}

/** Looks `key` up in this thread's cache, building the entry with `build()` on a miss. */
template <typename Build>
Cached& cachedPrimitive(const std::string& geometryKey, Build build) {
  // The thread count is part of the key: oneDNN fixes a primitive's work split (and with it the order of the
  // weight-gradient sums) from the OpenMP threads at creation. A primitive built while data-parallel replicas
  // shared the cores (1 thread) and reused after they closed (2 threads) computed other bits than a fresh
  // process does, which broke bit-identical runs (test/backend-native-conv.test.ts).
  const std::string key = std::to_string(omp_get_max_threads()) + '|' + geometryKey;
  auto& cache = state().cache;
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  return *(cache[key] = build());
}

/** The operand for the layout `chosen` by a primitive for an NHWC tensor of `dims`, with its reorder if it differs. */
ActivationOperand activationOperand(const memory::desc& chosen, const memory::dims& dims, bool output) {
  auto& s = state();
  ActivationOperand op;
  op.md = chosen;
  op.output = output;
  const memory::desc user = plain(dims, tag::nhwc);
  op.reordered = chosen != user;
  if (op.reordered) {
    memory staged(chosen, s.engine, nullptr), nhwcMem(user, s.engine, nullptr);
    op.reorder = output ? dnnl::reorder(staged, nhwcMem) : dnnl::reorder(nhwcMem, staged);
  }
  return op;
}

/** A cache entry: the primitive, its activation operands (`src`, `dst`), and, when it wants its (diff_)weights
 * in a layout other than HWIO, the reorder into that layout (`toHwio` false) or back out of it (`toHwio` true,
 * for weight gradients). */
template <typename PrimitiveDesc>
std::unique_ptr<Cached> entry(dnnl::primitive conv, const PrimitiveDesc& pd, const memory::desc& weightsMd, const Geometry& g, bool toHwio,
                              ActivationOperand src, ActivationOperand dst) {
  auto& s = state();
  auto c = std::make_unique<Cached>();
  c->conv = conv;
  c->src = std::move(src);
  c->dst = std::move(dst);
  c->weightsMd = weightsMd;
  const memory::desc hwio = plain(g.weights(), tag::hwio);
  c->weightsReorder = weightsMd != hwio;
  if (c->weightsReorder) {
    memory packed(weightsMd, s.engine, nullptr), user(hwio, s.engine, nullptr);
    c->reorder = toHwio ? dnnl::reorder(packed, user) : dnnl::reorder(user, packed);
  }
  c->scratchpadMd = pd.scratchpad_desc();
  // "jit:avx2 nhwc" or "jit:avx2 blocked": info().lastImpl tells tests and benchmarks which layout ran.
  c->impl = pd.impl_info_str() + std::string(c->src.reordered || c->dst.reordered ? " blocked" : " nhwc");
  return c;
}

Cached& forward(const Geometry& g, bool bias) {
  Layout layout = layoutFor(g);
  return cachedPrimitive(g.key("fwd", bias, layout), [&] {
    auto pd = forwardPd(g, bias, g.relu, layout);
    return entry(dnnl::convolution_forward(pd), pd, pd.weights_desc(), g, false, activationOperand(pd.src_desc(), g.src(), false),
                 activationOperand(pd.dst_desc(), g.dst(), true));
  });
}

Cached& backwardData(const Geometry& g) {
  Layout layout = layoutFor(g);
  return cachedPrimitive(g.key("bwd_data", false, layout), [&] {
    auto desc = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, activation(g.src(), layout), any(g.weights()),
                                                      activation(g.dst(), layout), g.strides(), g.dilates(), g.padL(), g.padR());
    auto pd = dnnl::convolution_backward_data::primitive_desc(desc, userScratchpad(false), state().engine, forwardPd(g, false, false, layout));
    return entry(dnnl::convolution_backward_data(pd), pd, pd.weights_desc(), g, false, activationOperand(pd.diff_src_desc(), g.src(), true),
                 activationOperand(pd.diff_dst_desc(), g.dst(), false));
  });
}

Cached& backwardWeights(const Geometry& g) {
  Layout layout = layoutFor(g);
  return cachedPrimitive(g.key("bwd_weights", false, layout), [&] {
    auto desc = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, activation(g.src(), layout), any(g.weights()),
                                                         activation(g.dst(), layout), g.strides(), g.dilates(), g.padL(), g.padR());
    auto pd = dnnl::convolution_backward_weights::primitive_desc(desc, userScratchpad(false), state().engine, forwardPd(g, false, false, layout));
    return entry(dnnl::convolution_backward_weights(pd), pd, pd.diff_weights_desc(), g, true, activationOperand(pd.src_desc(), g.src(), false),
                 activationOperand(pd.diff_dst_desc(), g.dst(), false));
  });
}

/** Adds the primitive's scratchpad (a per-thread buffer, grown as needed) to its arguments. */
void addScratchpad(const Cached& c, std::unordered_map<int, memory>& args) {
  auto& s = state();
  size_t bytes = c.scratchpadMd.get_size();
  if (bytes == 0) return;
  args.emplace(DNNL_ARG_SCRATCHPAD, memory(c.scratchpadMd, s.engine, s.scratchpad.get(bytes)));
}

/** A blocked weights buffer for the primitive, owned by the thread and reused across calls. */
void* weightsScratch(const Cached& c) {
  auto& s = state();
  return s.weightsBuffer.get(c.weightsMd.get_size());
}

Geometry geometry(napi_env env, napi_value v) {
  const int32_t* p = int32Data(env, v, "geometry", kGeometryLength);
  return Geometry{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16], p[17] != 0};
}

/** The filter as the primitive reads it: the caller's HWIO buffer, or its reorder into the thread's weights buffer. */
void* packedWeights(const Cached& c, float* hwio, const Geometry& g) {
  if (!c.weightsReorder) return hwio;
  auto& s = state();
  void* packed = weightsScratch(c);
  memory user(plain(g.weights(), tag::hwio), s.engine, hwio), blocked(c.weightsMd, s.engine, packed);
  c.reorder.execute(s.stream, user, blocked);
  return packed;
}

/** Runs the primitive with its scratchpad and waits for it. */
void execute(const Cached& c, std::unordered_map<int, memory>& m) {
  auto& s = state();
  addScratchpad(c, m);
  c.conv.execute(s.stream, m);
  s.stream.wait();
  s.lastImpl = c.impl;
}

memory nhwc(const memory::dims& d, float* data) { return memory(plain(d, tag::nhwc), state().engine, data); }

/** The memory the primitive gets for the NHWC tensor `data`: `data` itself, or the thread's `buffer` in the
 * primitive's layout, filled from `data` first when the operand is an input. */
memory bind(const ActivationOperand& op, const memory::dims& dims, float* data, AlignedBuffer& buffer) {
  if (!op.reordered) return nhwc(dims, data);
  auto& s = state();
  memory staged(op.md, s.engine, buffer.get(op.md.get_size()));
  if (!op.output) {
    memory user = nhwc(dims, data);
    op.reorder.execute(s.stream, user, staged);
  }
  return staged;
}

/** After the primitive ran: an output computed in a blocked layout is reordered into the caller's NHWC `data`. */
void unbind(const ActivationOperand& op, const memory::dims& dims, float* data, memory& staged) {
  if (!op.reordered || !op.output) return;
  auto& s = state();
  memory user = nhwc(dims, data);
  op.reorder.execute(s.stream, staged, user);
  s.stream.wait();
}

// conv2d(x, w, bias|null, y, geometry): y = conv(x, w) (+ bias) (then relu when geometry[17])
napi_value Conv2d(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[5];
    args(env, info, a);
    Geometry g = geometry(env, a[4]);
    float* x = floatData(env, a[0], "x", g.n * g.ih * g.iw * g.ic);
    float* w = floatData(env, a[1], "filter", g.kh * g.kw * g.ic * g.oc);
    bool hasBias = !isNullish(env, a[2]);
    float* b = hasBias ? floatData(env, a[2], "bias", g.oc) : nullptr;
    float* y = floatData(env, a[3], "y", g.n * g.oh * g.ow * g.oc);
    Cached& c = forward(g, hasBias);
    auto& s = state();
    memory dst = bind(c.dst, g.dst(), y, s.dstBuffer);
    std::unordered_map<int, memory> m{{DNNL_ARG_SRC, bind(c.src, g.src(), x, s.srcBuffer)},
                                      {DNNL_ARG_WEIGHTS, memory(c.weightsMd, s.engine, packedWeights(c, w, g))},
                                      {DNNL_ARG_DST, dst}};
    if (hasBias) m.emplace(DNNL_ARG_BIAS, memory(plain(g.bias(), tag::a), s.engine, b));
    execute(c, m);
    unbind(c.dst, g.dst(), y, dst);
    return undefinedValue(env);
  });
}

// conv2dBackwardData(dy, w, dx, geometry): dx = gradient of conv(x, w) w.r.t. x
napi_value Conv2dBackwardData(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[4];
    args(env, info, a);
    Geometry g = geometry(env, a[3]);
    float* dy = floatData(env, a[0], "dy", g.n * g.oh * g.ow * g.oc);
    float* w = floatData(env, a[1], "filter", g.kh * g.kw * g.ic * g.oc);
    float* dx = floatData(env, a[2], "dx", g.n * g.ih * g.iw * g.ic);
    Cached& c = backwardData(g);
    auto& s = state();
    memory diffSrc = bind(c.src, g.src(), dx, s.srcBuffer);
    std::unordered_map<int, memory> m{{DNNL_ARG_DIFF_DST, bind(c.dst, g.dst(), dy, s.dstBuffer)},
                                      {DNNL_ARG_WEIGHTS, memory(c.weightsMd, s.engine, packedWeights(c, w, g))},
                                      {DNNL_ARG_DIFF_SRC, diffSrc}};
    execute(c, m);
    unbind(c.src, g.src(), dx, diffSrc);
    return undefinedValue(env);
  });
}

// conv2dBackwardWeights(x, dy, dw, geometry): dw = gradient of conv(x, w) w.r.t. w, in HWIO
napi_value Conv2dBackwardWeights(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[4];
    args(env, info, a);
    Geometry g = geometry(env, a[3]);
    float* x = floatData(env, a[0], "x", g.n * g.ih * g.iw * g.ic);
    float* dy = floatData(env, a[1], "dy", g.n * g.oh * g.ow * g.oc);
    float* dw = floatData(env, a[2], "dw", g.kh * g.kw * g.ic * g.oc);
    auto& s = state();
    Cached& c = backwardWeights(g);
    void* wPtr = c.weightsReorder ? weightsScratch(c) : dw;
    std::unordered_map<int, memory> m{{DNNL_ARG_SRC, bind(c.src, g.src(), x, s.srcBuffer)},
                                      {DNNL_ARG_DIFF_DST, bind(c.dst, g.dst(), dy, s.dstBuffer)},
                                      {DNNL_ARG_DIFF_WEIGHTS, memory(c.weightsMd, s.engine, wPtr)}};
    execute(c, m);
    if (c.weightsReorder) {
      memory packed(c.weightsMd, s.engine, wPtr), user(plain(g.weights(), tag::hwio), s.engine, dw);
      c.reorder.execute(s.stream, packed, user);
      s.stream.wait();
    }
    return undefinedValue(env);
  });
}

// setThreads(n): OpenMP threads for this Node thread's oneDNN calls (each worker_thread sets its own).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[1];
    args(env, info, a);
    int32_t n = 0;
    check(env, napi_get_value_int32(env, a[0], &n), "threads");
    if (n < 1) throw JsError{"jasr_native: threads must be >= 1"};
    omp_set_num_threads(n);
    return undefinedValue(env);
  });
}

// setConvLayout(mode): 0 auto (conv-layout.h's rule), 1 NHWC, 2 blocked; for the whole process. Primitives are
// cached per layout, so switching back and forth (tests, benchmarks) rebuilds nothing already built.
napi_value SetConvLayout(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    napi_value a[1];
    args(env, info, a);
    int32_t mode = -1;
    check(env, napi_get_value_int32(env, a[0], &mode), "layout mode");
    if (mode < 0 || mode > 2) throw JsError{"jasr_native: layout mode must be 0 (auto), 1 (nhwc) or 2 (blocked), got " + std::to_string(mode)};
    layoutMode.store(mode);
    return undefinedValue(env);
  });
}

const char* isaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

napi_value stringValue(napi_env env, const std::string& s) {
  napi_value v;
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  return v;
}

// info(): { version, threads, lastImpl, cachedPrimitives, isa, layoutMode }
napi_value Info(napi_env env, napi_callback_info) {
  return guarded(env, [&]() {
    const dnnl_version_t* v = dnnl_version();
    napi_value o, threads, cached;
    napi_create_object(env, &o);
    napi_set_named_property(env, o, "version", stringValue(env, std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch)));
    napi_create_int32(env, omp_get_max_threads(), &threads);
    napi_set_named_property(env, o, "threads", threads);
    napi_set_named_property(env, o, "lastImpl", stringValue(env, state().lastImpl));
    napi_create_int32(env, static_cast<int32_t>(state().cache.size()), &cached);
    napi_set_named_property(env, o, "cachedPrimitives", cached);
    napi_set_named_property(env, o, "isa", stringValue(env, isaName(dnnl::get_effective_cpu_isa())));
    napi_value mode;
    napi_create_int32(env, layoutMode.load(), &mode);
    napi_set_named_property(env, o, "layoutMode", mode);
    return o;
  });
}

}  // namespace

void registerConvFunctions(napi_env env, napi_value exports) {
  exportFunction(env, exports, "conv2d", Conv2d);
  exportFunction(env, exports, "conv2dBackwardData", Conv2dBackwardData);
  exportFunction(env, exports, "conv2dBackwardWeights", Conv2dBackwardWeights);
  exportFunction(env, exports, "setThreads", SetThreads);
  exportFunction(env, exports, "setConvLayout", SetConvLayout);
  exportFunction(env, exports, "info", Info);
}
