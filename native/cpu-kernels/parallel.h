// Splitting a loop over the calling Node thread's OpenMP threads (elementwise.cc, reductions.cc).
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstddef>

namespace jasr {

// Below this many elements touched a call stays on the calling thread: an OpenMP fork/join costs more than it saves.
constexpr size_t kParallelMin = size_t{1} << 15;

/** Runs body(begin, end) over [0, n) split into one contiguous range per OpenMP thread, or as one range when the
 * call's `work` (elements touched) is below kParallelMin. The ranges only decide which thread computes what, so
 * a body whose every output depends on its own index alone gives the same bits for any thread count. */
template <typename Body>
void parallelRanges(size_t n, size_t work, Body body) {
  if (work < kParallelMin || n < 2 || omp_get_max_threads() == 1) {
    if (n > 0) body(size_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const size_t threads = static_cast<size_t>(omp_get_num_threads());
    const size_t t = static_cast<size_t>(omp_get_thread_num());
    const size_t chunk = (n + threads - 1) / threads;
    const size_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
    if (begin < end) body(begin, end);
  }
}

}  // namespace jasr
