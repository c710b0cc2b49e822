// Per-element math of one level of the stationary (undecimated, "a trous")
// wavelet transform along one axis, its inverse and both adjoints. Compiled
// by NVRTC for the GPU (swt_device.cu) and by the host compiler for the CPU
// (swt_host.cpp), like dwt_math.cuh.
//
// A level with dilation s = 2**(level-1) is a periodic correlation of a
// length-N line with filters whose taps sit s samples apart. Two shapes cover
// all four operations (F = filter length, indices mod N):
//
//   split  lo[o] = sum_j f_lo[j] x[o + s*F/2 - j*s]        (and hi with f_hi)
//   merge  y[p]  = sum_j f_lo[j] lo[p + s*(F/2-1) - j*s] + f_hi[j] hi[...]
//
// With the filters the Python layer hands over (cuwavelet/_stationary.py):
//   swt level (pywt's swt_a / swt_d)   split, decomposition filters
//   iswt level (pywt's averaged pair of shifted periodization idwts)
//                                      merge, reconstruction filters / 2
//   adjoint of the swt level           merge, reversed decomposition filters
//   adjoint of the iswt level          split, reversed reconstruction filters / 2
// Reversing a filter turns x[p - s*(F/2-1) + j*s] into the correlation form
// above, so each adjoint is the other shape with the same index arithmetic.
// Tap j of a filter is read at f[j * fs]: fs = 1 for filters stored in order,
// -1 (a pointer to the last tap) to read a learned bank's array reversed
// without copying it (cuwavelet/_learned.py); per-item banks are offset by
// the Geometry's stride_filter, as in dwt_math.cuh.
#pragma once

#include "dwt_math.cuh"

namespace cuwavelet {

enum StationaryOp { kStationarySplit = 0, kStationaryMerge = 1 };

// Position read by tap 0 relative to the output position.
template <int OP>
CUWAVELET_HD index_t stationary_shift(index_t step, int F) {
  return OP == kStationarySplit ? step * (F / 2) : step * (F / 2 - 1);
}

// Whether output `pos` reads its F taps without wrapping around the line.
template <int OP>
CUWAVELET_HD bool stationary_interior(index_t pos, index_t N, index_t step, int F) {
  const index_t first = pos + stationary_shift<OP>(step, F);
  return first - (F - 1) * step >= 0 && first < N;
}

// Line positions of the F taps of output `pos` (wrapped into [0, N)).
template <int OP>
CUWAVELET_HD void stationary_taps(index_t pos, index_t N, index_t step, int F, index_t* taps) {
  index_t p = wrap_index(pos + stationary_shift<OP>(step, F), N);
  const index_t s = step % N;
  for (int j = 0; j < F; ++j) {
    taps[j] = p;
    p -= s;
    if (p < 0) p += N;
  }
}

// split at output o: both subbands from the same loads.
template <typename T, typename A>
CUWAVELET_HD void stationary_split_at(const T* x, index_t sx, index_t N, index_t o, index_t step,
                                      const T* lo, const T* hi, index_t fs, int F, A& a,
                                      A& d) {
  a = A(0); d = A(0);
  const index_t first = o + stationary_shift<kStationarySplit>(step, F);
  if (stationary_interior<kStationarySplit>(o, N, step, F)) {
    const T* xp = x + first * sx;
    const index_t tap = step * sx;
    for (int j = 0; j < F; ++j) {
      const A v = A(xp[-j * tap]);
      a += A(lo[j * fs]) * v; d += A(hi[j * fs]) * v;
    }
    return;
  }
  index_t p = wrap_index(first, N);
  const index_t s = step % N;
  for (int j = 0; j < F; ++j) {
    const A v = A(x[p * sx]);
    a += A(lo[j * fs]) * v; d += A(hi[j * fs]) * v;
    p -= s;
    if (p < 0) p += N;
  }
}

// merge at output p; lo or hi may be null (a zero subband). The even and odd
// taps are summed apart and added last: the inverse's two shifted idwts, as
// pywt computes them, so that 2F terms do not pile up in one accumulator.
template <typename T, typename A>
CUWAVELET_HD A stationary_merge_at(const T* ca, index_t sa, const T* cd, index_t sd, index_t N,
                                   index_t pos, index_t step, const T* lo, const T* hi,
                                   index_t fs, int F) {
  A acc[2] = {A(0), A(0)};
  const index_t first = pos + stationary_shift<kStationaryMerge>(step, F);
  if (ca && cd && stationary_interior<kStationaryMerge>(pos, N, step, F)) {
    const T* pa = ca + first * sa;
    const T* pd = cd + first * sd;
    for (int j = 0; j < F; ++j)
      acc[j & 1] +=
          A(lo[j * fs]) * A(pa[-j * step * sa]) + A(hi[j * fs]) * A(pd[-j * step * sd]);
    return acc[0] + acc[1];
  }
  index_t p = wrap_index(first, N);
  const index_t s = step % N;
  for (int j = 0; j < F; ++j) {
    A term = A(0);
    if (ca) term += A(lo[j * fs]) * A(ca[p * sa]);
    if (cd) term += A(hi[j * fs]) * A(cd[p * sd]);
    acc[j & 1] += term;
    p -= s;
    if (p < 0) p += N;
  }
  return acc[0] + acc[1];
}

// Every output of one line position (both glues call this; pointers are
// offset to the start of the line). g.signal_len = g.coeff_len = N.
template <int OP, typename T, typename A>
CUWAVELET_HD void stationary_apply_at(const Geometry& g, index_t pos, index_t step, T* sig,
                                      T* clo, T* chi, const T* f_lo, const T* f_hi, index_t fs,
                                      int F) {
  const index_t ax = g.axis;
  const index_t ss = g.stride_signal[ax], sa = g.stride_lo[ax], sd = g.stride_hi[ax];
  if (OP == kStationarySplit) {
    A a, d;
    stationary_split_at<T, A>(sig, ss, g.signal_len, pos, step, f_lo, f_hi, fs, F, a, d);
    clo[pos * sa] = T(a); chi[pos * sd] = T(d);
  } else {
    sig[pos * ss] = T(stationary_merge_at<T, A>(clo, sa, chi, sd, g.signal_len, pos, step,
                                                f_lo, f_hi, fs, F));
  }
}

// Groups of outputs that read the same taps, for the host glue: output c of a
// group reads taps[j] * stride + c * inc of each operand, so a group is either
// a run of neighbouring interior positions of one unit-stride line (inc = 1)
// or one position of neighbouring lines (inc = their stride). Outputs go W at
// a time with the tap loop outside, so that the W sums stay in registers and a
// host compiler vectorizes across them (kFull: exactly W; otherwise n < W).
// Each output gets the same sum, in the same order, as the *_at functions above.
template <typename T, typename A, int W, bool kUnit, bool kFull>
CUWAVELET_HD void stationary_split_block(const T* x, index_t sx, index_t x_inc,
                                         const index_t* taps, int n, const T* lo, const T* hi,
                                         index_t fs, int F, T* a, index_t a_inc, T* d,
                                         index_t d_inc) {
  const int count = kFull ? W : n;
  const index_t xi = kUnit ? 1 : x_inc;
  A acc_a[W], acc_d[W];
  for (int c = 0; c < W; ++c) { acc_a[c] = A(0); acc_d[c] = A(0); }
  for (int j = 0; j < F; ++j) {
    const A l = A(lo[j * fs]), h = A(hi[j * fs]);
    const T* xj = x + taps[j] * sx;
    for (int c = 0; c < count; ++c) {
      const A v = A(xj[c * xi]);
      acc_a[c] += l * v; acc_d[c] += h * v;
    }
  }
  for (int c = 0; c < count; ++c) { a[c * a_inc] = T(acc_a[c]); d[c * d_inc] = T(acc_d[c]); }
}

template <typename T, typename A, int W, bool kUnit>
CUWAVELET_HD void stationary_split_group(const T* x, index_t sx, index_t x_inc,
                                         const index_t* taps, int count, const T* lo,
                                         const T* hi, index_t fs, int F, T* a, index_t a_inc,
                                         T* d, index_t d_inc) {
  const index_t xi = kUnit ? 1 : x_inc;
  int c = 0;
  for (; c + W <= count; c += W)
    stationary_split_block<T, A, W, kUnit, true>(x + c * xi, sx, xi, taps, W, lo, hi, fs, F,
                                                 a + c * a_inc, a_inc, d + c * d_inc, d_inc);
  if (c < count)
    stationary_split_block<T, A, W, kUnit, false>(x + c * xi, sx, xi, taps, count - c, lo, hi,
                                                  fs, F, a + c * a_inc, a_inc, d + c * d_inc,
                                                  d_inc);
}

template <typename T, typename A, int W, bool kUnit, bool kFull>
CUWAVELET_HD void stationary_merge_block(const T* ca, index_t sa, index_t a_inc, const T* cd,
                                         index_t sd, index_t d_inc, const index_t* taps, int n,
                                         const T* lo, const T* hi, index_t fs, int F, T* y,
                                         index_t y_inc) {
  const int count = kFull ? W : n;
  const index_t ai = kUnit ? 1 : a_inc, di = kUnit ? 1 : d_inc;
  A even[W], odd[W];  // even and odd taps apart, as stationary_merge_at
  for (int c = 0; c < W; ++c) { even[c] = A(0); odd[c] = A(0); }
  if (ca && cd) {
    for (int j = 0; j < F; ++j) {
      const A l = A(lo[j * fs]), h = A(hi[j * fs]);
      const T* aj = ca + taps[j] * sa;
      const T* dj = cd + taps[j] * sd;
      A* acc = (j & 1) ? odd : even;
      for (int c = 0; c < count; ++c) acc[c] += l * A(aj[c * ai]) + h * A(dj[c * di]);
    }
  } else {
    const T* only = ca ? ca : cd;
    const T* f = ca ? lo : hi;
    const index_t so = ca ? sa : sd, oi = ca ? ai : di;
    for (int j = 0; j < F; ++j) {
      const A w = A(f[j * fs]);
      const T* oj = only + taps[j] * so;
      A* acc = (j & 1) ? odd : even;
      for (int c = 0; c < count; ++c) acc[c] += w * A(oj[c * oi]);
    }
  }
  for (int c = 0; c < count; ++c) y[c * y_inc] = T(even[c] + odd[c]);
}

template <typename T, typename A, int W, bool kUnit>
CUWAVELET_HD void stationary_merge_group(const T* ca, index_t sa, index_t a_inc, const T* cd,
                                         index_t sd, index_t d_inc, const index_t* taps,
                                         int count, const T* lo, const T* hi, index_t fs, int F,
                                         T* y, index_t y_inc) {
  const index_t ai = kUnit ? 1 : a_inc, di = kUnit ? 1 : d_inc;
  int c = 0;
  for (; c + W <= count; c += W)
    stationary_merge_block<T, A, W, kUnit, true>(ca ? ca + c * ai : nullptr, sa, ai,
                                                 cd ? cd + c * di : nullptr, sd, di, taps, W,
                                                 lo, hi, fs, F, y + c * y_inc, y_inc);
  if (c < count)
    stationary_merge_block<T, A, W, kUnit, false>(ca ? ca + c * ai : nullptr, sa, ai,
                                                  cd ? cd + c * di : nullptr, sd, di, taps,
                                                  count - c, lo, hi, fs, F, y + c * y_inc, y_inc);
}

}  // namespace cuwavelet
