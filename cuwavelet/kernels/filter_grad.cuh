// Gradients of the level operations with respect to their filters (learned
// filter banks). Compiled by NVRTC (filter_grad_device.cu: a block reduction)
// and by the host compiler (filter_grad_host.cpp: lines shared out to threads,
// and the same block kernel run by the emulator for the tests).
//
// Each level operation is linear in its filters, so the gradient of a loss with
// respect to one filter tap is a sum over every line of the batch and every
// coefficient position of a cotangent times the sample that tap multiplies
// (F filter taps, off and s as in dwt_math.cuh):
//
//   analysis    cA[o] = sum_j lo[j] X(2o + off - j)
//               d lo[j] = sum_{lines, o} cA_bar[o] * X(2o + off - j)
//               where X is the input extended by the boundary mode exactly as
//               analysis_at reads it (every mode's extension is linear in x);
//   synthesis   y[i] = sum_m rec_lo[m] cA[k] over 2k = i + s - m
//               d rec_lo[m] = sum_{lines, k} cA[k] * y_bar[2k - s + m]
//               (indices taken mod L in periodization, the others in [0, L));
//
// and the same with hi / cD. The adjoint of analysis is linear in the same
// filters with the input and the cotangent exchanged (and likewise for
// synthesis), so these two reductions give the filter gradient of all four
// operations. The stationary levels (swt_math.cuh: a line of N samples, taps
// `step` apart, indices mod N) have two more, both a circular correlation of
// the coefficient-shaped pair with the long operand at a lag per tap:
//
//   split       cA[o] = sum_j lo[j] x[o + s*F/2 - j*s]
//               d lo[j] = sum_{lines, o} cA_bar[o] * x[o + s*(F/2 - j)]
//   merge       y[p] = sum_j lo[j] cA[p + s*(F/2-1) - j*s] + hi[j] cD[...]
//               d lo[j] = sum_{lines, q} cA[q] * y_bar[q + s*(j - F/2 + 1)]
//
// Both reductions walk the coefficients' iteration space (Geometry with the
// coefficient length as shape[axis]; operands: signal = the long operand x or
// y_bar, lo / hi = the coefficient-shaped pair, either may be null = zero).
// "items" independent reductions (a leading dimension kept apart, torch.vmap's)
// are laid out by one extra stride per operand.
#pragma once

#include "dwt_math.cuh"

namespace cuwavelet {

enum FilterGradOp {
  kAnalysisFilterGrad = 0,
  kSynthesisFilterGrad = 1,
  kStationarySplitFilterGrad = 2,
  kStationaryMergeFilterGrad = 3
};

template <int OP>
CUWAVELET_HD constexpr bool is_stationary_filter_grad() {
  return OP == kStationarySplitFilterGrad || OP == kStationaryMergeFilterGrad;
}

// Where item `item` of a batched reduction starts in each operand, and the
// stationary levels' tap spacing.
struct FilterGradItems {
  index_t items;                 // independent reductions (>= 1)
  index_t stride_signal, stride_lo, stride_hi;  // element strides between items
  index_t step;                  // the stationary operations' dilation (else unused)
};

// Stationary levels: the long operand's sample that tap j pairs with
// coefficient position q is q + lag (mod N).
template <int OP>
CUWAVELET_HD index_t stationary_filter_lag(index_t step, int F, int j) {
  return OP == kStationarySplitFilterGrad ? step * (F / 2 - j) : step * (j - F / 2 + 1);
}

// Analysis: the terms of coefficient position o for tap j, added to (dlo, dhi).
template <int M, typename T, typename A>
CUWAVELET_HD void analysis_filter_term(const T* x, index_t sx, index_t N, index_t o, int j,
                                       int F, const T* ga, const T* gd, A& dlo, A& dhi) {
  const A v = extended_sample<M, T, A>(x, sx, N, 2 * o + analysis_offset<M>(F) - j);
  if (ga) dlo += A(*ga) * v;
  if (gd) dhi += A(*gd) * v;
}

// Synthesis: the terms of coefficient position k for tap m (the reconstruction
// has L samples), added to (dlo, dhi).
template <int M, typename T, typename A>
CUWAVELET_HD void synthesis_filter_term(const T* gy, index_t sy, index_t L, index_t k, int m,
                                        int F, const T* ca, const T* cd, A& dlo, A& dhi) {
  index_t i = 2 * k - synthesis_shift<M>(F) + m;
  if (M == kPeriodization) {
    i %= L;
    if (i < 0) i += L;
  } else if (i < 0 || i >= L) {
    return;
  }
  const A g = A(gy[i * sy]);
  if (ca) dlo += A(*ca) * g;
  if (cd) dhi += A(*cd) * g;
}

template <int OP, int M, typename T, typename A>
CUWAVELET_HD void filter_term(const Geometry& g, index_t step, index_t pos, int tap, int F,
                              const T* sig, const T* lo, const T* hi, A& dlo, A& dhi) {
  const index_t ax = g.axis;
  const T* a = lo ? lo + pos * g.stride_lo[ax] : nullptr;
  const T* d = hi ? hi + pos * g.stride_hi[ax] : nullptr;
  if (is_stationary_filter_grad<OP>()) {
    const index_t N = g.signal_len;
    index_t i = (pos + stationary_filter_lag<OP>(step, F, tap)) % N;
    if (i < 0) i += N;
    const A v = A(sig[i * g.stride_signal[ax]]);
    if (a) dlo += A(*a) * v;
    if (d) dhi += A(*d) * v;
  } else if (OP == kAnalysisFilterGrad)
    analysis_filter_term<M, T, A>(sig, g.stride_signal[ax], g.signal_len, pos, tap, F, a, d,
                                  dlo, dhi);
  else
    synthesis_filter_term<M, T, A>(sig, g.stride_signal[ax], g.signal_len, pos, tap, F, a, d,
                                   dlo, dhi);
}

// Coefficient positions [first, last) of a line whose terms need no boundary
// handling for any tap: every sample they read lies inside the line.
template <int OP, int M>
CUWAVELET_HD void filter_grad_interior(index_t N, index_t n, int F, index_t& first,
                                       index_t& last) {
  if (OP == kAnalysisFilterGrad) {  // reads 2o + off - j for j in [0, F)
    const index_t off = analysis_offset<M>(F);
    first = -floor_div(off - (F - 1), 2);
    last = floor_div(N - 1 - off, 2) + 1;
  } else {  // reads 2k - s + m for m in [0, F): inside [0, L) needs no wrap either
    const index_t s = synthesis_shift<M>(F);
    first = -floor_div(-s, 2);
    last = floor_div(N - F + s, 2) + 1;
  }
  if (first < 0) first = 0;
  if (last > n) last = n;
  if (last < first) last = first;
}

// One line's contribution to every tap, added to d_lo[tap] and d_hi[tap].
// Pointers are at the start of the line. Interior positions read the F samples
// their taps multiply as one contiguous run (reversed for analysis), with the
// taps as the inner loop (the host compiler vectorizes it); the positions near
// the ends take filter_term.
template <int OP, int M, typename T, typename A>
CUWAVELET_HD void filter_grad_line(const Geometry& g, int F, const T* sig, const T* lo,
                                   const T* hi, A* d_lo, A* d_hi) {
  const index_t ax = g.axis, n = g.shape[ax];
  const index_t ss = g.stride_signal[ax], sa = g.stride_lo[ax], sd = g.stride_hi[ax];
  index_t first = 0, last = 0;
  if (lo && hi) filter_grad_interior<OP, M>(g.signal_len, n, F, first, last);
  // tap j at interior position p reads sig[(2p + shift - j) * ss] (analysis)
  // or sig[(2p + shift + j) * ss] (synthesis)
  const index_t shift = OP == kAnalysisFilterGrad ? analysis_offset<M>(F)
                                                  : -synthesis_shift<M>(F);
  const index_t step = OP == kAnalysisFilterGrad ? -ss : ss;
  for (index_t pos = 0; pos < n; ++pos) {
    if (pos < first || pos >= last) {
      for (int tap = 0; tap < F; ++tap)
        filter_term<OP, M, T, A>(g, 0, pos, tap, F, sig, lo, hi, d_lo[tap], d_hi[tap]);
      continue;
    }
    const A a = A(lo[pos * sa]), b = A(hi[pos * sd]);
    const T* base = sig + (2 * pos + shift) * ss;
    if (step == 1) {
      for (int tap = 0; tap < F; ++tap) {
        const A v = A(base[tap]);
        d_lo[tap] += a * v;
        d_hi[tap] += b * v;
      }
    } else if (step == -1) {
      for (int tap = 0; tap < F; ++tap) {
        const A v = A(base[-tap]);
        d_lo[tap] += a * v;
        d_hi[tap] += b * v;
      }
    } else {
      for (int tap = 0; tap < F; ++tap) {
        const A v = A(base[tap * step]);
        d_lo[tap] += a * v;
        d_hi[tap] += b * v;
      }
    }
  }
}

// Taps a GPU thread sums at once: 2 x kFilterGradTaps accumulators in
// registers; longer filters take ceil(F / kFilterGradTaps) passes over the chunk.
constexpr int kFilterGradTaps = 8;

// Shared memory of filter_grad_block: one row of partial sums per accumulator.
template <typename T>
CUWAVELET_HD constexpr index_t filter_grad_shared_bytes(int threads) {
  return 2 * kFilterGradTaps * (index_t)threads * (index_t)sizeof(T);
}

// The GPU's layout of a reduction: blocks = items * chunks, block -> (item,
// chunk of the iteration space). A thread walks its positions of the chunk
// once per pass of kFilterGradTaps taps: the position's operand offsets and
// coefficients are found once for all of them (a block per tap found them, and
// read the coefficients, F times). Each block leaves one partial sum per
// filter tap in partial[((item * chunks + chunk) * 2 + {0: lo, 1: hi}) * F +
// tap], which filter_grad_sum_at then adds up over the chunks, in chunk order.
// Every tap's sum is taken in the same order as by a block of its own (each
// thread over its positions, then the tree): the result does not depend on F.
template <int OP, int M, typename T, class Block>
CUWAVELET_BLOCK void filter_grad_block(const Block& b, const Geometry& g,
                                       const FilterGradItems& it, index_t chunks, int F,
                                       const T* sig, const T* lo, const T* hi, T* partial) {
  const index_t blk = b.block();
  const index_t chunk = blk % chunks, item = blk / chunks;
  sig += item * it.stride_signal;
  if (lo) lo += item * it.stride_lo;
  if (hi) hi += item * it.stride_hi;
  const index_t first = g.total * chunk / chunks, last = g.total * (chunk + 1) / chunks;
  const int t = b.thread(), threads = b.threads();
  T* rows = reinterpret_cast<T*>(b.shared());  // [2 * kFilterGradTaps][threads]
  T* out = partial + (item * chunks + chunk) * 2 * F;
  for (int t0 = 0; t0 < F; t0 += kFilterGradTaps) {
    const int taps = F - t0 < kFilterGradTaps ? F - t0 : kFilterGradTaps;
    T dlo[kFilterGradTaps], dhi[kFilterGradTaps];
    CUWAVELET_UNROLL
    for (int k = 0; k < kFilterGradTaps; ++k) dlo[k] = dhi[k] = T(0);
    for (index_t flat = first + t; flat < last; flat += threads) {
      index_t os, ol, oh;
      const index_t pos = operand_offsets(g, flat, false, os, ol, oh);
      const T* a = lo ? lo + ol : nullptr;
      const T* d = hi ? hi + oh : nullptr;
      CUWAVELET_UNROLL
      for (int k = 0; k < kFilterGradTaps; ++k)
        if (k < taps)
          filter_term<OP, M, T, T>(g, it.step, pos, t0 + k, F, sig + os, a, d, dlo[k], dhi[k]);
    }
    // tree reduction of every row over the block's threads (a power of two)
    CUWAVELET_UNROLL
    for (int k = 0; k < kFilterGradTaps; ++k) {
      rows[k * threads + t] = dlo[k];
      rows[(kFilterGradTaps + k) * threads + t] = dhi[k];
    }
    b.sync();
    for (int width = threads / 2; width > 0; width /= 2) {
      if (t < width)
        for (int r = 0; r < 2 * kFilterGradTaps; ++r)
          rows[r * threads + t] += rows[r * threads + t + width];
      b.sync();
    }
    if (t == 0)
      for (int k = 0; k < taps; ++k) {
        out[t0 + k] = rows[k * threads];
        out[F + t0 + k] = rows[(kFilterGradTaps + k) * threads];
      }
    b.sync();  // (the rows are the next pass's)
  }
}

// Output entry e of out[items][2][F] (lo taps, then hi taps): the sum of its
// chunks' partials (partial[items][chunks][2][F]), in chunk order, written, or
// with `accumulate` added to what out holds (a gradient summed over the
// several operations a learned filter serves, without a launch per sum).
template <typename T>
CUWAVELET_HD void filter_grad_sum_at(const T* partial, index_t chunks, int F, index_t e,
                                     T* out, bool accumulate) {
  const index_t per_item = 2 * (index_t)F;
  const index_t item = e / per_item;
  const T* p = partial + item * chunks * per_item + e % per_item;
  T acc = T(0);
  for (index_t c = 0; c < chunks; ++c) acc += p[c * per_item];
  out[e] = accumulate ? out[e] + acc : acc;
}

}  // namespace cuwavelet
