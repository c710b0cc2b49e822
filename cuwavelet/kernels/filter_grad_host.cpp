// CPU glue of the filter gradients (filter_grad.cuh). `reduce` is the CPU
// path: lines are shared out to the thread pool in fixed chunks, each chunk
// sums into its own partials, and the partials are added in chunk order, so a
// result does not depend on thread timing. `reduce_emulated` runs the GPU's
// block reduction (filter_grad_block, then filter_grad_sum_at) through the
// thread-block emulator, so the tests check the CUDA kernel's body on the CPU.
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "block_runtime.cuh"
#include "filter_grad.cuh"
#include "host_dispatch.h"
#include "host_parallel.h"

namespace cuwavelet {
namespace {

using block::Emulator;
using block::EmulatorOptions;
using block::HostBlock;

struct Operands {
  std::uintptr_t sig, lo, hi, out;
};

template <typename T>
struct Typed {
  const T* sig;
  const T* lo;
  const T* hi;
  T* out;
  explicit Typed(const Operands& p)
      : sig(reinterpret_cast<const T*>(p.sig)), lo(reinterpret_cast<const T*>(p.lo)),
        hi(reinterpret_cast<const T*>(p.hi)), out(reinterpret_cast<T*>(p.out)) {}
};

// Offsets of the three operands for `group`: every dimension but the axis and,
// when `skip_last`, the fastest one.
inline void group_offsets(const Geometry& g, index_t group, bool skip_last, index_t& os,
                          index_t& ol, index_t& oh) {
  os = ol = oh = 0;
  for (index_t dim = g.ndim - 1; dim >= 0; --dim) {
    if (dim == g.axis || (skip_last && dim == g.ndim - 1)) continue;
    const index_t c = group % g.shape[dim];
    group /= g.shape[dim];
    os += c * g.stride_signal[dim]; ol += c * g.stride_lo[dim]; oh += c * g.stride_hi[dim];
  }
}

// A block of `lanes` neighbouring lines (the fastest dimension, strides is, il,
// ih) when the axis is not the fastest one: each position's samples are read
// across the block, contiguously, for every tap (acc holds 2 * F * lanes
// partial sums, lo then hi per tap), so the lines' strides never decide the
// access pattern. Adds each tap's sums to d_lo[tap] and d_hi[tap].
template <int OP, int M, typename T>
void filter_grad_lanes(const Geometry& g, int F, const T* sig, const T* lo, const T* hi,
                       index_t lanes, index_t is, index_t il, index_t ih, T* acc, T* d_lo,
                       T* d_hi) {
  const index_t ax = g.axis, n = g.shape[ax];
  const index_t ss = g.stride_signal[ax], sa = g.stride_lo[ax], sd = g.stride_hi[ax];
  index_t first = 0, last = 0;
  if (lo && hi) filter_grad_interior<OP, M>(g.signal_len, n, F, first, last);
  const index_t shift = OP == kAnalysisFilterGrad ? analysis_offset<M>(F)
                                                  : -synthesis_shift<M>(F);
  std::fill(acc, acc + 2 * F * lanes, T(0));
  for (index_t pos = 0; pos < n; ++pos) {
    const bool interior = pos >= first && pos < last;
    for (int tap = 0; tap < F; ++tap) {
      T* acc_lo = acc + (2 * tap) * lanes;
      T* acc_hi = acc_lo + lanes;
      if (interior) {
        const index_t p = OP == kAnalysisFilterGrad ? 2 * pos + shift - tap : 2 * pos + shift + tap;
        const T* xs = sig + p * ss;
        const T* a = lo + pos * sa;
        const T* b = hi + pos * sd;
        for (index_t k = 0; k < lanes; ++k) {
          const T v = xs[k * is];
          acc_lo[k] += a[k * il] * v;
          acc_hi[k] += b[k * ih] * v;
        }
      } else {
        for (index_t k = 0; k < lanes; ++k)
          filter_term<OP, M, T, T>(g, 0, pos, tap, F, sig + k * is, lo ? lo + k * il : nullptr,
                                   hi ? hi + k * ih : nullptr, acc_lo[k], acc_hi[k]);
      }
    }
  }
  for (int tap = 0; tap < F; ++tap) {
    T sum_lo = T(0), sum_hi = T(0);
    for (index_t k = 0; k < lanes; ++k) {
      sum_lo += acc[2 * tap * lanes + k];
      sum_hi += acc[(2 * tap + 1) * lanes + k];
    }
    d_lo[tap] += sum_lo;
    d_hi[tap] += sum_hi;
  }
}

// Sums of a[q] * x[q] and b[q] * x[q] over a run of n positions (a or b null:
// skipped), in kLanes partial sums so that unit strides vectorize; the order
// is fixed, so results do not depend on threads.
template <typename T>
void dot_run(const T* x, index_t sx, const T* a, index_t sa, const T* b, index_t sb, index_t n,
             T& ra, T& rb) {
  constexpr int kLanes = 8;
  T pa[kLanes] = {}, pb[kLanes] = {};
  index_t q = 0;
  if (sx == 1 && (!a || sa == 1) && (!b || sb == 1)) {
    for (; q + kLanes <= n; q += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        if (a) pa[l] += a[q + l] * x[q + l];
        if (b) pb[l] += b[q + l] * x[q + l];
      }
  }
  for (; q < n; ++q) {
    if (a) pa[q % kLanes] += a[q * sa] * x[q * sx];
    if (b) pb[q % kLanes] += b[q * sb] * x[q * sx];
  }
  for (int l = 0; l < kLanes; ++l) {
    ra += pa[l];
    rb += pb[l];
  }
}

// Stationary levels, one line: for each tap, the circular correlation of the
// pair with the long operand at the tap's lag k, as two runs that need no
// wrapping (positions [0, N - k) read samples [k, N), the rest [0, k)).
template <int OP, typename T>
void stationary_filter_grad_line(const Geometry& g, index_t step, int F, const T* sig,
                                 const T* lo, const T* hi, T* d_lo, T* d_hi) {
  const index_t ax = g.axis, N = g.signal_len;
  const index_t ss = g.stride_signal[ax], sa = g.stride_lo[ax], sd = g.stride_hi[ax];
  for (int tap = 0; tap < F; ++tap) {
    index_t k = stationary_filter_lag<OP>(step, F, tap) % N;
    if (k < 0) k += N;
    T sum_lo = T(0), sum_hi = T(0);
    dot_run(sig + k * ss, ss, lo, sa, hi, sd, N - k, sum_lo, sum_hi);
    dot_run(sig, ss, lo ? lo + (N - k) * sa : nullptr, sa, hi ? hi + (N - k) * sd : nullptr, sd,
            k, sum_lo, sum_hi);
    d_lo[tap] += sum_lo;
    d_hi[tap] += sum_hi;
  }
}

// Stationary levels, a block of `lanes` neighbouring lines (strides is, il,
// ih) when the axis is not the fastest dimension, as filter_grad_lanes.
template <int OP, typename T>
void stationary_filter_grad_lanes(const Geometry& g, index_t step, int F, const T* sig,
                                  const T* lo, const T* hi, index_t lanes, index_t is,
                                  index_t il, index_t ih, T* acc, T* d_lo, T* d_hi) {
  const index_t ax = g.axis, N = g.signal_len;
  const index_t ss = g.stride_signal[ax], sa = g.stride_lo[ax], sd = g.stride_hi[ax];
  T* acc_lo = acc;
  T* acc_hi = acc + lanes;
  for (int tap = 0; tap < F; ++tap) {
    index_t k = stationary_filter_lag<OP>(step, F, tap) % N;
    if (k < 0) k += N;
    std::fill(acc, acc + 2 * lanes, T(0));
    for (index_t q = 0; q < N; ++q) {
      const index_t i = q + k < N ? q + k : q + k - N;
      const T* xs = sig + i * ss;
      if (lo) {
        const T* a = lo + q * sa;
        for (index_t l = 0; l < lanes; ++l) acc_lo[l] += a[l * il] * xs[l * is];
      }
      if (hi) {
        const T* b = hi + q * sd;
        for (index_t l = 0; l < lanes; ++l) acc_hi[l] += b[l * ih] * xs[l * is];
      }
    }
    T sum_lo = T(0), sum_hi = T(0);
    for (index_t l = 0; l < lanes; ++l) {
      sum_lo += acc_lo[l];
      sum_hi += acc_hi[l];
    }
    d_lo[tap] += sum_lo;
    d_hi[tap] += sum_hi;
  }
}

template <int OP, int M, typename T>
void reduce_host(const Geometry& g, const FilterGradItems& it, int F, const Typed<T>& p,
                 bool accumulate) {
  const index_t n = g.shape[g.axis];
  const index_t last_dim = g.ndim - 1;
  // Lines are walked one by one along a fastest axis, else in blocks of
  // neighbouring lines (filter_grad_lanes).
  const bool blocked = g.axis != last_dim;
  const index_t inner = blocked ? g.shape[last_dim] : 1;
  const index_t block = blocked ? 32 : 1;
  const index_t blocks_per_group = (inner + block - 1) / block;
  const index_t groups = n > 0 && inner > 0 ? g.total / (n * inner) : 0;
  const index_t units = groups * blocks_per_group;
  const index_t is = blocked ? g.stride_signal[last_dim] : 0;
  const index_t il = blocked ? g.stride_lo[last_dim] : 0;
  const index_t ih = blocked ? g.stride_hi[last_dim] : 0;
  const index_t per_item = 2 * (index_t)F;
  HostPool& pool = HostPool::instance();
  // Chunks of units per item: enough for every thread, each worth the
  // scheduling (about 16k multiply-adds at least).
  const index_t work = g.total * F;
  index_t chunks = std::min<index_t>(units, 4 * pool.threads());
  chunks = std::min<index_t>(chunks, work / 16384 + 1);
  if (chunks < 1) chunks = 1;
  std::vector<T> partial((std::size_t)(it.items * chunks * per_item), T(0));
  const auto run = [&](long long c) {
    const index_t item = c / chunks, chunk = c % chunks;
    const T* sig = p.sig + item * it.stride_signal;
    const T* lo = p.lo ? p.lo + item * it.stride_lo : nullptr;
    const T* hi = p.hi ? p.hi + item * it.stride_hi : nullptr;
    T* d = partial.data() + c * per_item;
    std::vector<T> acc(blocked ? (std::size_t)(per_item * block) : 0);
    for (index_t unit = units * chunk / chunks; unit < units * (chunk + 1) / chunks; ++unit) {
      const index_t group = unit / blocks_per_group;
      const index_t k0 = (unit % blocks_per_group) * block;
      index_t os, ol, oh;
      group_offsets(g, group, blocked, os, ol, oh);
      const T* a = lo ? lo + ol + k0 * il : nullptr;
      const T* b = hi ? hi + oh + k0 * ih : nullptr;
      const index_t lanes = std::min<index_t>(block, inner - k0);
      if (is_stationary_filter_grad<OP>() && blocked)
        stationary_filter_grad_lanes<OP, T>(g, it.step, F, sig + os + k0 * is, a, b, lanes, is,
                                            il, ih, acc.data(), d, d + F);
      else if (is_stationary_filter_grad<OP>())
        stationary_filter_grad_line<OP, T>(g, it.step, F, sig + os, a, b, d, d + F);
      else if (blocked)
        filter_grad_lanes<OP, M, T>(g, F, sig + os + k0 * is, a, b, lanes, is, il, ih,
                                    acc.data(), d, d + F);
      else
        filter_grad_line<OP, M, T, T>(g, F, sig + os, a, b, d, d + F);
    }
  };
  pool.run(it.items * chunks, run);
  for (index_t e = 0; e < it.items * per_item; ++e)
    filter_grad_sum_at<T>(partial.data(), chunks, F, e, p.out, accumulate);
}

template <int OP, int M, typename T>
void reduce_emulated(const Geometry& g, const FilterGradItems& it, int F, const Typed<T>& p,
                     index_t chunks, int threads, T* partial, bool accumulate,
                     const EmulatorOptions& opt) {
  Emulator::launch(it.items * chunks, threads, filter_grad_shared_bytes<T>(threads),
                   [&](const HostBlock& b) {
                     filter_grad_block<OP, M, T>(b, g, it, chunks, F, p.sig, p.lo, p.hi,
                                                 partial);
                   }, opt);
  for (index_t e = 0; e < it.items * 2 * (index_t)F; ++e)
    filter_grad_sum_at<T>(partial, chunks, F, e, p.out, accumulate);
}

Geometry geometry_of(const pybind11::bytes& raw_bytes) {
  const std::string raw = raw_bytes;
  if (raw.size() != sizeof(Geometry)) throw std::invalid_argument("geometry has the wrong size");
  Geometry g;
  std::memcpy(&g, raw.data(), sizeof(Geometry));
  return g;
}

FilterGradItems items_of(long long items, long long s_sig, long long s_lo, long long s_hi,
                         long long step) {
  if (items < 1) throw std::invalid_argument("a filter gradient needs at least one item");
  return FilterGradItems{items, s_sig, s_lo, s_hi, step};
}

template <int OP, class Mode, class Fn>
void with_type(bool is_double, Mode m, Fn&& f) {
  if (is_double) f(std::integral_constant<int, OP>(), m, 0.0);
  else f(std::integral_constant<int, OP>(), m, 0.0f);
}

// f(op tag, mode tag, T) for the runtime operation, mode and dtype; the
// stationary operations are periodic and take periodization's tag only.
template <class Fn>
void dispatch(int op, int mode, bool is_double, long long step, Fn&& f) {
  if (op == kStationarySplitFilterGrad || op == kStationaryMergeFilterGrad) {
    if (mode != kPeriodization || step < 1)
      throw std::invalid_argument("a stationary filter gradient is periodic, with a step >= 1");
    if (op == kStationarySplitFilterGrad)
      with_type<kStationarySplitFilterGrad>(is_double, ModeTag<kPeriodization>(), f);
    else
      with_type<kStationaryMergeFilterGrad>(is_double, ModeTag<kPeriodization>(), f);
    return;
  }
  if (op != kAnalysisFilterGrad && op != kSynthesisFilterGrad)
    throw std::invalid_argument("unknown filter gradient operation number");
  with_mode(mode, [&](auto m) {
    if (op == kAnalysisFilterGrad) with_type<kAnalysisFilterGrad>(is_double, m, f);
    else with_type<kSynthesisFilterGrad>(is_double, m, f);
    return 0;
  });
}

// Pointers arrive as integers (0 for an absent coefficient operand), the
// geometry as the bytes of the NumPy record (cuwavelet/_geometry.py); out is
// items x 2 x F (lo taps, hi taps) contiguous values of the data's real dtype;
// step: the stationary operations' dilation (0 for the others); accumulate:
// add the sums to what out holds instead of writing them.
void reduce(int op, int mode, bool is_double, pybind11::bytes geometry, long long items,
            long long s_sig, long long s_lo, long long s_hi, long long step, std::uintptr_t sig,
            std::uintptr_t lo, std::uintptr_t hi, int F, std::uintptr_t out, bool accumulate) {
  const Geometry g = geometry_of(geometry);
  const FilterGradItems it = items_of(items, s_sig, s_lo, s_hi, step);
  const Operands ptrs{sig, lo, hi, out};
  dispatch(op, mode, is_double, step, [&](auto o, auto m, auto zero) {
    typedef decltype(zero) T;
    const Typed<T> p(ptrs);
    pybind11::gil_scoped_release release;
    reduce_host<decltype(o)::value, decltype(m)::value, T>(g, it, F, p, accumulate);
  });
}

// The GPU kernels' bodies through the emulator: `chunks` and `threads` (a power
// of two) as a launch would choose them; partial holds items x chunks x 2 x F.
void reduce_emulated_launch(int op, int mode, bool is_double, pybind11::bytes geometry,
                            long long items, long long s_sig, long long s_lo, long long s_hi,
                            long long step, std::uintptr_t sig, std::uintptr_t lo,
                            std::uintptr_t hi, int F, std::uintptr_t out, bool accumulate,
                            long long chunks, int threads, std::uintptr_t partial,
                            int schedule) {
  const Geometry g = geometry_of(geometry);
  const FilterGradItems it = items_of(items, s_sig, s_lo, s_hi, step);
  if (chunks < 1 || threads < 1 || (threads & (threads - 1)))
    throw std::invalid_argument("chunks must be >= 1 and threads a power of two");
  const Operands ptrs{sig, lo, hi, out};
  EmulatorOptions opt;
  opt.schedule = schedule;
  dispatch(op, mode, is_double, step, [&](auto o, auto m, auto zero) {
    typedef decltype(zero) T;
    const Typed<T> p(ptrs);
    pybind11::gil_scoped_release release;
    reduce_emulated<decltype(o)::value, decltype(m)::value, T>(
        g, it, F, p, chunks, threads, reinterpret_cast<T*>(partial), accumulate, opt);
  });
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_filter_grad_host, m) {
  m.doc() = "Host build of cuwavelet's filter gradients (cuwavelet/kernels/filter_grad.cuh).";
  m.def("reduce", &cuwavelet::reduce);
  m.def("reduce_emulated", &cuwavelet::reduce_emulated_launch);
  m.attr("geometry_size") = sizeof(cuwavelet::Geometry);
}
