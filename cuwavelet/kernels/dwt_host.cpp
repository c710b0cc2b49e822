// CPU glue: the same per-element math as the GPU (dwt_math.cuh), run by the
// host compiler. Lines of the iteration space are split across a small thread
// pool (host_parallel.h); each thread walks its lines position by position.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "dwt_math.cuh"
#include "host_dispatch.h"
#include "host_parallel.h"

namespace cuwavelet {
namespace {

template <typename T>
using HostFn = void (*)(const Geometry&, T*, T*, T*, const T*, const T*, int);

// Offsets of the three operands and of the filters for `group`, counting over
// every dimension except the axis and (when `skip_last`) the fastest one.
inline void group_offsets(const Geometry& g, index_t group, bool skip_last, index_t& os,
                          index_t& ol, index_t& oh, index_t& of) {
  os = ol = oh = of = 0;
  for (index_t dim = g.ndim - 1; dim >= 0; --dim) {
    if (dim == g.axis || (skip_last && dim == g.ndim - 1)) continue;
    const index_t c = group % g.shape[dim];
    group /= g.shape[dim];
    os += c * g.stride_signal[dim]; ol += c * g.stride_lo[dim]; oh += c * g.stride_hi[dim];
    of += c * g.stride_filter[dim];
  }
}

template <int OP, int M, typename T>
void run_lines(const Geometry& g, T* sig, T* lo, T* hi, const T* f_lo, const T* f_hi, int F) {
  const index_t len = g.shape[g.axis];
  if (len == 0 || g.total == 0) return;
  const index_t last = g.ndim - 1;
  // When the axis is not the fastest dimension, walk a block of neighbouring
  // lines together at each position, so that reads and writes stay contiguous
  // instead of striding a whole row apart.
  const bool blocked = g.axis != last;
  const index_t inner = blocked ? g.shape[last] : 1;
  const index_t block = blocked ? 64 : 1;
  const index_t blocks_per_group = (inner + block - 1) / block;
  const index_t groups = g.total / (len * inner);
  const index_t is = blocked ? g.stride_signal[last] : 0;
  const index_t il = blocked ? g.stride_lo[last] : 0;
  const index_t ih = blocked ? g.stride_hi[last] : 0;
  const index_t if_ = blocked ? g.stride_filter[last] : 0;  // (per-item banks)
  const index_t items = groups * blocks_per_group;
  // One line at a time with unit strides along the axis: runs of interior
  // outputs go through the vectorizable *_run_unit loops.
  const index_t ax = g.axis;
  const bool unit_line = !blocked && g.stride_signal[ax] == 1 && (!lo || g.stride_lo[ax] == 1) &&
                         (!hi || g.stride_hi[ax] == 1) && lo && hi;
  constexpr int kRun = 64;
  // The lines of a block share one bank unless per-item banks change along
  // the fastest dimension (if_ != 0): that case gets its own copy of the loop,
  // so that the common one keeps its filter pointers fixed.
  const auto run_items = [&](auto lines_share_filters, index_t first, index_t last) {
    const index_t fk = decltype(lines_share_filters)::value ? 0 : if_;
    for (index_t work = first; work < last; ++work) {
      const index_t group = work / blocks_per_group;
      const index_t k0 = (work % blocks_per_group) * block;
      const index_t k1 = k0 + block < inner ? k0 + block : inner;
      index_t os, ol, oh, of;
      group_offsets(g, group, blocked, os, ol, oh, of);
      T* s = sig + os;
      T* a = lo ? lo + ol : nullptr;
      T* d = hi ? hi + oh : nullptr;
      const T* fl = f_lo + of;
      const T* fh = f_hi + of;
      for (index_t pos = 0; pos < len;) {
        if (unit_line && (OP == kAnalysis || OP == kSynthesisAdjoint)) {  // split: one position each
          const auto interior = [&](index_t p) {
            return OP == kAnalysis ? analysis_interior<M>(p, g.signal_len, F)
                                   : synthesis_adjoint_interior<M>(p, g.signal_len, F);
          };
          int count = 0;
          while (count < kRun && pos + count < len && interior(pos + count)) ++count;
          if (count > 1) {
            if (OP == kAnalysis)
              analysis_run_unit<M, T, T, kRun>(s, pos, count, fl, fh, F, a, d);
            else
              synthesis_adjoint_run_unit<M, T, T, kRun>(s, pos, count, fl, fh, F, a, d);
            pos += count;
            continue;
          }
        }
        if (unit_line && (OP == kAnalysisAdjoint || OP == kSynthesis)) {  // merge: pairs
          int pairs = 0;
          while (pairs < kRun && merge_pair_ok<OP, M>(g, pos + 2 * pairs, F, a, d)) ++pairs;
          if (pairs > 1) {
            if (OP == kAnalysisAdjoint)
              analysis_adjoint_run_unit<M, T, T, kRun>(a, d, pos, pairs, fl, fh, F, s);
            else
              synthesis_run_unit<M, T, T, kRun>(a, d, pos, pairs, fl, fh, F, s);
            pos += 2 * pairs;
            continue;
          }
        }
        if (merge_pair_ok<OP, M>(g, pos, F, a, d)) {
          for (index_t k = k0; k < k1; ++k)
            merge_pair_at<OP, M, T, T>(g, pos, s + k * is, a + k * il, d + k * ih, fl + k * fk,
                                       fh + k * fk, F);
          pos += 2;
          continue;
        }
        for (index_t k = k0; k < k1; ++k)
          apply_at<OP, M, T, T>(g, pos, s + k * is, a ? a + k * il : nullptr,
                                d ? d + k * ih : nullptr, fl + k * fk, fh + k * fk, F);
        ++pos;
      }
    }
  };
  // Threads only pay off once there is real work to share; a few chunks per
  // thread balance the load without much scheduling.
  HostPool& pool = HostPool::instance();
  const index_t min_outputs_per_chunk = 16384 / F + 1;
  index_t chunks = std::min<index_t>(items, 4 * pool.threads());
  chunks = std::min<index_t>(chunks, g.total / min_outputs_per_chunk);
  const auto run = [&](index_t first, index_t last) {
    if (if_ == 0) run_items(std::true_type{}, first, last);
    else run_items(std::false_type{}, first, last);
  };
  if (chunks <= 1) {
    run(0, items);
    return;
  }
  pool.run(chunks, [&](long long c) { run(items * c / chunks, items * (c + 1) / chunks); });
}

template <int OP, typename T>
HostFn<T> pick_mode(int mode) {
  return with_mode(mode, [](auto m) -> HostFn<T> { return run_lines<OP, decltype(m)::value, T>; });
}

template <typename T>
HostFn<T> pick(int op, int mode) {
  switch (op) {
    case kAnalysis: return pick_mode<kAnalysis, T>(mode);
    case kAnalysisAdjoint: return pick_mode<kAnalysisAdjoint, T>(mode);
    case kSynthesis: return pick_mode<kSynthesis, T>(mode);
    case kSynthesisAdjoint: return pick_mode<kSynthesisAdjoint, T>(mode);
  }
  throw std::invalid_argument("unknown operation number");
}

template <typename T>
void run_typed(int op, int mode, const Geometry& g, std::uintptr_t sig, std::uintptr_t lo,
               std::uintptr_t hi, std::uintptr_t f_lo, std::uintptr_t f_hi, int F) {
  const HostFn<T> fn = pick<T>(op, mode);  // may throw: keep the GIL until it cannot
  const auto call = [&] {
    fn(g, reinterpret_cast<T*>(sig), reinterpret_cast<T*>(lo), reinterpret_cast<T*>(hi),
       reinterpret_cast<const T*>(f_lo), reinterpret_cast<const T*>(f_hi), F);
  };
  // Other Python threads run meanwhile, except on calls too small to be worth
  // the hand-over (which costs about as much as filtering a few thousand samples).
  if (g.total < 4096) {
    call();
    return;
  }
  pybind11::gil_scoped_release release;
  call();
}

// Pointers arrive as integers (0 for an absent subband); the geometry as the
// bytes of the matching NumPy structured scalar (cuwavelet/_geometry.py).
void apply(int op, int mode, bool is_double, pybind11::bytes geometry, std::uintptr_t sig,
           std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t f_lo, std::uintptr_t f_hi,
           int F) {
  const std::string raw = geometry;
  if (raw.size() != sizeof(Geometry)) throw std::invalid_argument("geometry has the wrong size");
  Geometry g;
  std::memcpy(&g, raw.data(), sizeof(Geometry));
  if (is_double) run_typed<double>(op, mode, g, sig, lo, hi, f_lo, f_hi, F);
  else run_typed<float>(op, mode, g, sig, lo, hi, f_lo, f_hi, F);
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_host_kernels, m) {
  m.doc() = "Host build of cuwavelet's DWT kernels (cuwavelet/kernels/dwt_math.cuh).";
  m.def("apply", &cuwavelet::apply);
  // A NumPy array's data address (plans fill launch arguments with these on
  // every call: cheaper than __array_interface__).
  m.def("address", [](const pybind11::array& a) {
    return reinterpret_cast<std::uintptr_t>(a.data());
  });
  m.attr("geometry_size") = sizeof(cuwavelet::Geometry);
  m.attr("max_dims") = static_cast<int>(cuwavelet::kMaxDims);
  // The thread pool: CUWAVELET_NUM_THREADS as parsed (0: unset), the cap, and
  // the threads the pool runs (starting it).
  m.def("requested_threads", &cuwavelet::HostPool::requested_threads);
  m.def("machine_cores", &cuwavelet::HostPool::machine_cores);
  m.def("pool_threads", [] { return cuwavelet::HostPool::instance().threads(); });
}
