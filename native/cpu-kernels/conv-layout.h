// Which memory layout the oneDNN convolutions compute activations in (conv.cc). The TF.js tensors stay NHWC on
// the wasm heap either way; "blocked" means the primitive picks its layout (format_tag::any: nChw8c on AVX2) and
// conv.cc reorders NHWC <-> that layout in per-thread buffers around the call.
//
// Why: on AVX2 oneDNN 2.6's jit:avx2 kernels are markedly slower on NHWC than on nChw8c at large spatial sizes
// (docs/performance.md: 128x128, 128->128 channels, batch 2: forward 189 vs 119 ms, backward-weights 334 vs
// 186 ms per call; PyTorch runs the same library on nChw8c). On AVX-512, NHWC stays: oneDNN 2.6's first f32
// forward convolution there, brgconv:avx512_core, takes NHWC only (a blocked request would get the older
// jit_avx512_common kernels); not measured (docs/performance.md).
//
// The choice is a pure function of the mode, the CPU's ISA and the geometry, never of a timing: training must be
// bit-identical across runs and across a kill and resume on the same machine.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>

namespace jasr {

enum class LayoutMode : int32_t { Auto = 0, Nhwc = 1, Blocked = 2 };
enum class Layout { Nhwc, Blocked };

/** True for the ISAs whose oneDNN 2.6 convolutions we compute on blocked layouts (those without AVX-512). */
inline bool prefersBlocked(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41:
    case dnnl::cpu_isa::avx:
    case dnnl::cpu_isa::avx2:
    case dnnl::cpu_isa::avx2_vnni:
      return true;
    default:
      // AVX-512 (avx512_core and up) and anything newer than this list: oneDNN's NHWC kernels, measured fast.
      return false;
  }
}

/**
 * The layout for one convolution. Auto: blocked on ISAs without AVX-512 for spatial convs (kernel larger than
 * 1x1) whose input and output channels are multiples of 8 and at least kMinBlockedChannels, with at least
 * kMinBlockedPixels output pixels; NHWC otherwise. Measured per call with bench/conv-layout.ts (AVX2, oneDNN
 * 2.6.3, 1 thread, batch 2; docs/performance.md): blocked takes 0.34-0.73x the NHWC time at 64-256 channels
 * and 32x32 to 128x128 pixels, ~0.93x at 16x16; it is slower where the reorders are not paid back: 1x1 convs
 * (jit_1x1's NHWC kernel is fast: 1.2-1.36x), 16 channels (1.16-1.27x for forward and backward-data), and
 * channel counts that the 8-wide blocks would pad (the RGB convs: up to 2.9x).
 */
constexpr int64_t kMinBlockedPixels = 16 * 16;
constexpr int64_t kMinBlockedChannels = 32;

inline Layout chooseLayout(LayoutMode mode, dnnl::cpu_isa isa, int64_t ic, int64_t oc, int64_t kh, int64_t kw, int64_t oh, int64_t ow) {
  if (mode == LayoutMode::Nhwc) return Layout::Nhwc;
  if (mode == LayoutMode::Blocked) return Layout::Blocked;
  bool spatial = kh * kw > 1;
  bool fullBlocks = ic % 8 == 0 && oc % 8 == 0 && ic >= kMinBlockedChannels && oc >= kMinBlockedChannels;
  return prefersBlocked(isa) && spatial && fullBlocks && oh * ow >= kMinBlockedPixels ? Layout::Blocked : Layout::Nhwc;
}

}  // namespace jasr
