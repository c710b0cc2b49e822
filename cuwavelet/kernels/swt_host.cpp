// CPU glue of the stationary transform (swt_math.cuh), built by the host
// compiler. Lines are shared across the thread pool (host_parallel.h); within
// a line, interior runs of a unit-stride axis and positions of neighbouring
// lines go through the vectorizable group functions, everything else through
// stationary_apply_at, the function the GPU runs per element.
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "host_parallel.h"
#include "swt_math.cuh"

namespace cuwavelet {
namespace {

constexpr int kGroup = 64;  // outputs per group
constexpr int kWidth = 8;   // of which this many are summed at once, in registers

// Offsets of the operands (signal, lo, hi) and of the filters (per-item
// banks) for line group `group`, counting every dimension but the axis and
// (when skip_last) the fastest one.
inline void line_group_offsets(const Geometry& g, index_t group, bool skip_last, index_t off[4]) {
  off[0] = off[1] = off[2] = off[3] = 0;
  for (index_t dim = g.ndim - 1; dim >= 0; --dim) {
    if (dim == g.axis || (skip_last && dim == g.ndim - 1)) continue;
    const index_t c = group % g.shape[dim];
    group /= g.shape[dim];
    off[0] += c * g.stride_signal[dim];
    off[1] += c * g.stride_lo[dim];
    off[2] += c * g.stride_hi[dim];
    off[3] += c * g.stride_filter[dim];
  }
}

template <int OP, typename T, bool kUnit>
void group_at(const index_t* taps, int count, T* s, index_t ss, index_t s_inc, T* a, index_t sa,
              index_t a_inc, T* d, index_t sd, index_t d_inc, const T* f_lo, const T* f_hi,
              index_t fs, int F, index_t pos) {
  if (OP == kStationarySplit)
    stationary_split_group<T, T, kWidth, kUnit>(s, ss, s_inc, taps, count, f_lo, f_hi, fs, F,
                                                a + pos * sa, a_inc, d + pos * sd, d_inc);
  else
    stationary_merge_group<T, T, kWidth, kUnit>(a, sa, a_inc, d, sd, d_inc, taps, count, f_lo,
                                                f_hi, fs, F, s + pos * ss, s_inc);
}

template <int OP, typename T>
void run_lines(const Geometry& g, index_t step, T* sig, T* lo, T* hi, const T* f_lo,
               const T* f_hi, index_t fs, int F) {
  const index_t N = g.signal_len, ax = g.axis, last = g.ndim - 1;
  if (N == 0 || g.total == 0) return;
  const index_t ss = g.stride_signal[ax], sa = g.stride_lo[ax], sd = g.stride_hi[ax];
  // The axis is not the fastest dimension: walk blocks of neighbouring lines
  // together at each position, reading rows instead of columns.
  // Per-item banks that change along the fastest dimension (if_ != 0) give
  // each line of a block its own filters: such blocks hold one line.
  const bool blocked = ax != last;
  const index_t if_ = blocked ? g.stride_filter[last] : 0;
  const index_t inner = blocked ? g.shape[last] : 1;
  const index_t block = blocked && if_ == 0 ? kGroup : 1;
  const index_t blocks_per_group = (inner + block - 1) / block;
  const index_t items = g.total / (N * inner) * blocks_per_group;
  const index_t is = blocked ? g.stride_signal[last] : 0;
  const index_t il = blocked ? g.stride_lo[last] : 0;
  const index_t ih = blocked ? g.stride_hi[last] : 0;
  // inputs of the op: the signal for a split, the present subbands for a merge
  const bool unit_inputs = OP == kStationarySplit
                               ? (blocked ? is == 1 : ss == 1)
                               : (blocked ? (!lo || il == 1) && (!hi || ih == 1)
                                          : (!lo || sa == 1) && (!hi || sd == 1));
  const bool runs = !blocked && unit_inputs;
  const auto run_items = [&](index_t first, index_t end) {
    std::vector<index_t> taps(F);
    for (index_t work = first; work < end; ++work) {
      const index_t k0 = (work % blocks_per_group) * block;
      const index_t count = std::min(block, inner - k0);
      index_t off[4];
      line_group_offsets(g, work / blocks_per_group, blocked, off);
      T* s = sig + off[0] + k0 * is;
      T* a = lo ? lo + off[1] + k0 * il : nullptr;
      T* d = hi ? hi + off[2] + k0 * ih : nullptr;
      const T* fl = f_lo + off[3] + k0 * if_;
      const T* fh = f_hi + off[3] + k0 * if_;
      for (index_t pos = 0; pos < N;) {
        if (blocked) {  // one position of `count` neighbouring lines
          stationary_taps<OP>(pos, N, step, F, taps.data());
          if (unit_inputs)
            group_at<OP, T, true>(taps.data(), (int)count, s, ss, is, a, sa, il, d, sd, ih, fl, fh,
                                  fs, F, pos);
          else
            group_at<OP, T, false>(taps.data(), (int)count, s, ss, is, a, sa, il, d, sd, ih, fl,
                                   fh, fs, F, pos);
          ++pos;
          continue;
        }
        if (runs && stationary_interior<OP>(pos, N, step, F)) {  // a run of interior outputs
          int n = 1;
          while (n < kGroup && pos + n < N && stationary_interior<OP>(pos + n, N, step, F)) ++n;
          const index_t first_tap = pos + stationary_shift<OP>(step, F);
          for (int j = 0; j < F; ++j) taps[j] = first_tap - j * step;
          // consecutive outputs: inputs advance by 1 (unit strides), outputs by their stride
          group_at<OP, T, true>(taps.data(), n, s, ss, ss, a, sa, sa, d, sd, sd, fl, fh, fs, F,
                                pos);
          pos += n;
          continue;
        }
        stationary_apply_at<OP, T, T>(g, pos, step, s, a, d, fl, fh, fs, F);
        ++pos;
      }
    }
  };
  HostPool& pool = HostPool::instance();
  const index_t min_outputs_per_chunk = 16384 / F + 1;
  index_t chunks = std::min<index_t>(items, 4 * pool.threads());
  chunks = std::min<index_t>(chunks, g.total / min_outputs_per_chunk);
  if (chunks <= 1) {
    run_items(0, items);
    return;
  }
  pool.run(chunks, [&](long long c) { run_items(items * c / chunks, items * (c + 1) / chunks); });
}

template <typename T>
void run_typed(int op, const Geometry& g, index_t step, std::uintptr_t sig, std::uintptr_t lo,
               std::uintptr_t hi, std::uintptr_t f_lo, std::uintptr_t f_hi, index_t fs, int F) {
  auto fn = op == kStationarySplit ? run_lines<kStationarySplit, T>
                                   : run_lines<kStationaryMerge, T>;
  pybind11::gil_scoped_release release;
  fn(g, step, reinterpret_cast<T*>(sig), reinterpret_cast<T*>(lo), reinterpret_cast<T*>(hi),
     reinterpret_cast<const T*>(f_lo), reinterpret_cast<const T*>(f_hi), fs, F);
}

// Pointers arrive as integers (0 for an absent subband of a merge); the
// geometry as the bytes of the NumPy record (cuwavelet/_geometry.py); fs is
// the filters' tap stride (1, or -1 with pointers to their last taps).
void apply(int op, bool is_double, pybind11::bytes geometry, long long step, std::uintptr_t sig,
           std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t f_lo, std::uintptr_t f_hi,
           long long fs, int F) {
  if (op != kStationarySplit && op != kStationaryMerge)
    throw std::invalid_argument("unknown stationary operation number");
  if (step < 1 || F < 1) throw std::invalid_argument("step and filter length must be positive");
  if (fs != 1 && fs != -1) throw std::invalid_argument("the filters' tap stride must be 1 or -1");
  const std::string raw = geometry;
  if (raw.size() != sizeof(Geometry)) throw std::invalid_argument("geometry has the wrong size");
  Geometry g;
  std::memcpy(&g, raw.data(), sizeof(Geometry));
  if (is_double) run_typed<double>(op, g, step, sig, lo, hi, f_lo, f_hi, fs, F);
  else run_typed<float>(op, g, step, sig, lo, hi, f_lo, f_hi, fs, F);
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_stationary_host, m) {
  m.doc() = "Host build of cuwavelet's stationary transform kernels (kernels/swt_math.cuh).";
  m.def("apply", &cuwavelet::apply);
  m.attr("geometry_size") = sizeof(cuwavelet::Geometry);
}
