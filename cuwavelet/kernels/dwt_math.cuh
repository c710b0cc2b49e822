// Per-element math of the single-level DWT along one axis, its inverse and
// both adjoints. Compiled twice from this one source: by NVRTC for the GPU
// (dwt_device.cu) and by the host C++ compiler for the CPU path (dwt_host.cpp).
//
// Conventions (F = filter length, N = signal length, n = coefficient length):
//   analysis   cA[o] = sum_j lo[j] * X(2o + off - j)      off = 1 (F/2 for periodization)
//   synthesis  y[i]  = sum_m rec_lo[m] cA[k] + rec_hi[m] cD[k],  2k = i + s - m
//              s = F - 2 (F/2 - 1 and indices mod 2n for periodization)
// where X(p) is the signal extended past [0, N) by the boundary mode. Every
// extension is linear: X(p) = sum_t w_t x[idx_t] with at most three terms
// (extension_terms), evaluated for accuracy by extension_value, and the
// adjoint folds each out-of-range position back onto those terms (fold_weight).
#pragma once

#if defined(__CUDACC__)
#define CUWAVELET_HD __host__ __device__ __forceinline__
#else
#define CUWAVELET_HD inline
#endif

namespace cuwavelet {

typedef long long index_t;  // 64-bit everywhere: batches may exceed 2**31 elements

// Positions in pywt.Modes.modes (cuwavelet/_wavelets.py MODES).
enum Mode {
  kZero = 0, kConstant = 1, kSymmetric = 2, kPeriodic = 3, kSmooth = 4,
  kPeriodization = 5, kReflect = 6, kAntisymmetric = 7, kAntireflect = 8
};

enum { kMaxDims = 8 };

// How one operation walks a strided N-d array. Plain 64-bit fields only, so
// that a NumPy structured scalar with the same field order has the same
// layout (cuwavelet/_geometry.py builds it) on the host and as a kernel
// parameter. The iteration space is row-major: dimension ndim-1 varies fastest.
struct Geometry {
  index_t ndim;       // dimensions of the iteration space
  index_t axis;       // which of them is the transformed axis
  index_t total;      // product of shape[]
  index_t signal_len; // N: length of the signal (x, or the reconstruction y)
  index_t coeff_len;  // n: length of cA and cD
  index_t shape[kMaxDims];         // shape[axis] = N or n, the op's output length
  index_t stride_signal[kMaxDims]; // element strides of the signal operand
  index_t stride_lo[kMaxDims];     // ... of cA (or its cotangent)
  index_t stride_hi[kMaxDims];     // ... of cD (or its cotangent)
  index_t stride_filter[kMaxDims]; // ... of the filters: 0 where every line shares them,
                                   // a bank's stride along a dimension of per-item banks
};
static_assert(sizeof(Geometry) == (5 + 5 * kMaxDims) * sizeof(index_t),
              "Geometry must stay a padding-free record of 64-bit fields");

// Element offsets of the first `operands` operands at the start of batch item
// `item` (the other dimensions in row-major order), for the fused kernels'
// geometry records (fields batch_ndim, batch_shape, stride[operand][dim]).
template <class BatchGeometry>
CUWAVELET_HD void batch_offsets(const BatchGeometry& g, index_t item, index_t* offset,
                                int operands) {
  for (int o = 0; o < operands; ++o) offset[o] = 0;
  for (index_t d = g.batch_ndim - 1; d >= 0; --d) {
    const index_t c = item % g.batch_shape[d];
    item /= g.batch_shape[d];
    for (int o = 0; o < operands; ++o) offset[o] += c * g.stride[o][d];
  }
}

// ---------------------------------------------------------------------------
// p mod period, in [0, period). A filter's halo reaches within one period of
// the signal unless the signal is shorter than the filter, so one add or
// subtract answers all but those: a 64-bit division is a long subroutine on
// the GPU, and the adjoints' folds ask per halo position and sample.
CUWAVELET_HD index_t wrap_index(index_t p, index_t period) {
  if (p < 0) p += period; else if (p >= period) p -= period;
  if (p >= 0 && p < period) return p;
  const index_t q = p % period;
  return q < 0 ? q + period : q;
}

// Boundary extension: X(p) for p outside [0, N) as sum_t w[t] * x[idx[t]].
// Returns the number of terms (0 for zero padding).
template <int M, typename A>
CUWAVELET_HD int extension_terms(index_t p, index_t N, index_t idx[3], A w[3]) {
  if (M == kZero) return 0;
  if (M == kConstant || (M == kSmooth && N < 2)) {
    idx[0] = p < 0 ? 0 : N - 1; w[0] = A(1);
    return 1;
  }
  if (M == kSmooth) {  // linear continuation of the first / last two samples
    const index_t k = p < 0 ? -p : p - (N - 1);
    idx[0] = p < 0 ? 0 : N - 1; w[0] = A(1 + k);
    idx[1] = p < 0 ? 1 : N - 2; w[1] = A(-k);
    return 2;
  }
  if (M == kPeriodic) {
    const index_t q = wrap_index(p, N);
    idx[0] = q; w[0] = A(1);
    return 1;
  }
  if (M == kPeriodization) {  // odd N is first extended by repeating x[N-1]
    const index_t period = N + (N & 1);
    const index_t q = wrap_index(p, period);
    idx[0] = q < N ? q : N - 1; w[0] = A(1);
    return 1;
  }
  if (M == kSymmetric || M == kAntisymmetric) {  // half-sample mirror, bouncing
    const index_t period = 2 * N;
    const index_t q = wrap_index(p, period);
    const bool mirrored = q >= N;
    idx[0] = mirrored ? period - 1 - q : q;
    w[0] = (M == kAntisymmetric && mirrored) ? A(-1) : A(1);
    return 1;
  }
  if (M == kReflect) {  // whole-sample mirror, bouncing (N >= 2 is checked by the caller)
    const index_t period = 2 * (N - 1);
    const index_t q = wrap_index(p, period);
    idx[0] = q < N ? q : period - q; w[0] = A(1);
    return 1;
  }
  // kAntireflect: point reflections about x[0] and x[N-1] (np.pad reflect_type='odd').
  // X(p) = 2 x[0] - X(-p) and X(p) = 2 x[N-1] - X(2(N-1) - p); two of them shift
  // p by a period 2(N-1) and add 2 (x[0] - x[N-1]) (or its negative). Shift whole
  // periods until one reflection at most is left.
  const index_t period = 2 * (N - 1);
  A w_first = A(0), w_last = A(0), sign = A(1);
  index_t q = p;
  if (q < -(N - 1)) {
    const index_t k = (-(N - 1) - q + period - 1) / period;
    q += k * period; w_first += A(2 * k); w_last -= A(2 * k);
  } else if (q > 2 * (N - 1)) {
    const index_t k = (q - 2 * (N - 1) + period - 1) / period;
    q -= k * period; w_last += A(2 * k); w_first -= A(2 * k);
  }
  if (q < 0) {                      // one reflection about x[0]
    w_first += A(2); q = -q; sign = A(-1);
  } else if (q > N - 1) {           // one reflection about x[N-1]
    w_last += A(2); q = period - q; sign = A(-1);
  }
  idx[0] = q; w[0] = sign;
  idx[1] = 0; w[1] = w_first;
  idx[2] = N - 1; w[2] = w_last;
  return 3;
}

// X(p) for p outside [0, N), read through `at` (at(i) is sample i as A: a
// strided line in global memory, a window in shared memory, a value filtered
// on chip...). Evaluated for accuracy and locality, as pywt does:
//   * the one-term modes return +-x[idx] (exact);
//   * the affine ones (smooth, antireflect: weights summing to 1) anchor on the
//     term of largest weight and add the others as differences,
//     x_a + sum_t w_t (x_t - x_a), so smooth is x_e + k (x_e - x_next) and a
//     reflection about x0 is x0 - (x_q - x0): rounding scales with the
//     differences, not with k times the samples (which cancel badly);
//   * zero-weight terms are skipped, so a non-finite sample reaches exactly
//     the positions whose extension uses it (never 0 * inf).
// The adjoints fold with the same terms (fold_weight below).
template <int M, typename A, class Samples>
CUWAVELET_HD A extension_value(index_t p, index_t N, const Samples& at) {
  index_t idx[3]; A w[3];
  const int terms = extension_terms<M, A>(p, N, idx, w);
  if (terms == 0) return A(0);
  if (terms == 1) return w[0] * at(idx[0]);
  int anchor = 0;
  for (int t = 1; t < terms; ++t) if (w[t] > w[anchor]) anchor = t;
  const A x_a = at(idx[anchor]);
  A v = x_a;
  for (int t = 0; t < terms; ++t)
    if (t != anchor && w[t] != A(0)) v += w[t] * (at(idx[t]) - x_a);
  return v;
}

// Sample p of a signal extended by the mode: at(p) inside [0, N), the extension outside.
template <int M, typename A, class Samples>
CUWAVELET_HD A extended_value(index_t p, index_t N, const Samples& at) {
  return (p >= 0 && p < N) ? at(p) : extension_value<M, A>(p, N, at);
}

// The samples of a strided line, as an accessor for extension_value.
template <typename T, typename A>
struct StridedSamples {
  const T* x;
  index_t stride;
  CUWAVELET_HD A operator()(index_t i) const { return A(x[i * stride]); }
};

template <int M, typename T, typename A>
CUWAVELET_HD A extended_sample(const T* x, index_t sx, index_t N, index_t p) {
  return extended_value<M, A>(p, N, StridedSamples<T, A>{x, sx});
}

// Weights of samples i .. i + K - 1 in X(p) (p outside [0, N)): what an
// adjoint folds from the cotangent of position p onto each (X(p)'s terms
// found once; weight[u] stays zero where take[u] is false).
template <int M, typename A, int K>
CUWAVELET_HD void fold_weights(index_t p, index_t N, index_t i, const bool take[K], A weight[K]) {
  bool any = false;
  for (int u = 0; u < K; ++u) { weight[u] = A(0); any = any || take[u]; }
  if (!any) return;
  index_t idx[3]; A w[3];
  const int terms = extension_terms<M, A>(p, N, idx, w);
  for (int u = 0; u < K; ++u)
    if (take[u])
      for (int t = 0; t < terms; ++t) if (idx[t] == i + u) weight[u] += w[t];
}

// ... of sample i alone.
template <int M, typename A>
CUWAVELET_HD A fold_weight(index_t p, index_t N, index_t i) {
  const bool take[1] = {true};
  A weight[1];
  fold_weights<M, A, 1>(p, N, i, take, weight);
  return weight[0];
}

template <int M>
CUWAVELET_HD index_t analysis_offset(int F) { return M == kPeriodization ? F / 2 : 1; }

// The s of the synthesis convention 2k = i + s - m (see the top of this file).
template <int M>
CUWAVELET_HD index_t synthesis_shift(int F) { return M == kPeriodization ? F / 2 - 1 : F - 2; }

// The extended positions an analysis into n coefficients reads: [first, last].
template <int M>
CUWAVELET_HD index_t analysis_first(int F) { return analysis_offset<M>(F) - (F - 1); }
template <int M>
CUWAVELET_HD index_t analysis_last(index_t n, int F) { return 2 * (n - 1) + analysis_offset<M>(F); }

// Samples of a length-N signal reached by the extension of positions [p0, p1]
// (all outside [0, N)): reach = {lo, hi}, lo > hi if none.
template <int M>
CUWAVELET_HD void extension_reach(index_t p0, index_t p1, index_t N, index_t reach[2]) {
  reach[0] = N; reach[1] = -1;
  for (index_t p = p0; p <= p1; ++p) {
    index_t idx[3]; double w[3];
    const int terms = extension_terms<M, double>(p, N, idx, w);
    for (int t = 0; t < terms; ++t) {
      if (w[t] == 0.0) continue;
      if (idx[t] < reach[0]) reach[0] = idx[t];
      if (idx[t] > reach[1]) reach[1] = idx[t];
    }
  }
}

// Where an analysis adjoint folds cotangents back (N samples, n coefficients):
// reach[0..1] of the left halo [first, 0), reach[2..3] of the right halo [N, last].
// Computed once per launch on the host; a tile whose samples miss both ranges
// needs no folding.
template <int M>
CUWAVELET_HD void fold_reach(index_t N, index_t n, int F, index_t reach[4]) {
  extension_reach<M>(analysis_first<M>(F), -1, N, reach);
  extension_reach<M>(N, analysis_last<M>(n, F), N, reach + 2);
}

CUWAVELET_HD index_t floor_div(index_t a, index_t b) {
  const index_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// ---------------------------------------------------------------------------
// Analysis (dwt): both subbands of output position o from the same loads.
template <int M, typename T, typename A>
CUWAVELET_HD void analysis_at(const T* x, index_t sx, index_t N, index_t o,
                              const T* lo, const T* hi, int F, A& a, A& d) {
  const index_t base = 2 * o + analysis_offset<M>(F);
  a = A(0); d = A(0);
  if (base - (F - 1) >= 0 && base < N) {  // interior: no boundary logic
    const T* xp = x + base * sx;
    for (int j = 0; j < F; ++j) {
      const A v = A(xp[-j * sx]);
      a += A(lo[j]) * v; d += A(hi[j]) * v;
    }
    return;
  }
  for (int j = 0; j < F; ++j) {
    const A v = extended_sample<M, T, A>(x, sx, N, base - j);
    a += A(lo[j]) * v; d += A(hi[j]) * v;
  }
}

// Cotangent that reaches extended position p: sum over the outputs that read
// X(p). cA_bar / cD_bar may be null (a zero cotangent).
template <int M, typename T, typename A>
CUWAVELET_HD A analysis_cotangent_at(const T* ga, index_t sa, const T* gd, index_t sd,
                                     index_t n, index_t p, const T* lo, const T* hi, int F) {
  const index_t off = analysis_offset<M>(F);
  // o = (p - off + j) / 2 needs p - off + j even: start at the first such j
  int j = (int)(((p - off) % 2 + 2) % 2);
  A acc = A(0);
  const index_t o_first = (p - off + j) / 2, o_last = (p - off + F - 2 + j) / 2;
  if (o_first >= 0 && o_last < n && ga && gd) {  // interior: no range checks
    const T* pa = ga + o_first * sa;
    const T* pd = gd + o_first * sd;
    for (int step = 0; j < F; j += 2, ++step)
      acc += A(lo[j]) * A(pa[step * sa]) + A(hi[j]) * A(pd[step * sd]);
    return acc;
  }
  for (; j < F; j += 2) {
    const index_t o = (p - off + j) / 2;
    if (o < 0 || o >= n) continue;
    if (ga) acc += A(lo[j]) * A(ga[o * sa]);
    if (gd) acc += A(hi[j]) * A(gd[o * sd]);
  }
  return acc;
}

// Adjoint of analysis at signal position i: the cotangent of X(i) plus, near
// the edges, the cotangents of every extended position whose terms use x[i].
template <int M, typename T, typename A>
CUWAVELET_HD A analysis_adjoint_at(const T* ga, index_t sa, const T* gd, index_t sd,
                                   index_t N, index_t n, index_t i,
                                   const T* lo, const T* hi, int F) {
  A acc = analysis_cotangent_at<M, T, A>(ga, sa, gd, sd, n, i, lo, hi, F);
  if (M == kZero || (i >= F && i < N - F)) return acc;  // far from both edges
  const index_t off = analysis_offset<M>(F);
  const index_t first = off - (F - 1), last = 2 * (n - 1) + off;  // positions read
  for (index_t p = first; p <= last; ++p) {
    if (p == 0) { p = N - 1; continue; }  // skip the interior [0, N)
    const A wi = fold_weight<M, A>(p, N, i);
    if (wi != A(0)) acc += wi * analysis_cotangent_at<M, T, A>(ga, sa, gd, sd, n, p, lo, hi, F);
  }
  return acc;
}

// ---------------------------------------------------------------------------
// Synthesis (idwt) at output position i of a reconstruction of length L.
// cA / cD may be null (pywt's None): that subband contributes nothing.
template <int M, typename T, typename A>
CUWAVELET_HD A synthesis_at(const T* ca, index_t sa, const T* cd, index_t sd,
                            index_t n, index_t i, const T* lo, const T* hi, int F) {
  A acc = A(0);
  if (M == kPeriodization) {
    const index_t L = 2 * n, t0 = i + synthesis_shift<M>(F);
    for (int m = (int)(((t0 % 2) + 2) % 2); m < F; m += 2) {
      index_t t = (t0 - m) % L; if (t < 0) t += L;
      const index_t k = t / 2;
      if (ca) acc += A(lo[m]) * A(ca[k * sa]);
      if (cd) acc += A(hi[m]) * A(cd[k * sd]);
    }
    return acc;
  }
  const index_t t0 = i + synthesis_shift<M>(F);
  const int m0 = (int)(t0 % 2);
  if ((t0 - (F - 2 + m0)) / 2 >= 0 && (t0 - m0) / 2 < n && ca && cd) {  // interior
    const T* pa = ca + ((t0 - m0) / 2) * sa;
    const T* pd = cd + ((t0 - m0) / 2) * sd;
    for (int m = m0, step = 0; m < F; m += 2, ++step)
      acc += A(lo[m]) * A(pa[-step * sa]) + A(hi[m]) * A(pd[-step * sd]);
    return acc;
  }
  for (int m = m0; m < F; m += 2) {
    const index_t k = (t0 - m) / 2;
    if (k < 0 || k >= n) continue;
    if (ca) acc += A(lo[m]) * A(ca[k * sa]);
    if (cd) acc += A(hi[m]) * A(cd[k * sd]);
  }
  return acc;
}

// Adjoint of synthesis at coefficient position k: both subbands from the same loads.
template <int M, typename T, typename A>
CUWAVELET_HD void synthesis_adjoint_at(const T* gy, index_t sy, index_t L, index_t k,
                                       const T* lo, const T* hi, int F, A& a, A& d) {
  a = A(0); d = A(0);
  if (M == kPeriodization) {
    const index_t i0 = 2 * k - synthesis_shift<M>(F);
    for (int m = 0; m < F; ++m) {
      index_t i = (i0 + m) % L; if (i < 0) i += L;
      const A v = A(gy[i * sy]);
      a += A(lo[m]) * v; d += A(hi[m]) * v;
    }
    return;
  }
  const index_t i0 = 2 * k - synthesis_shift<M>(F);
  if (i0 >= 0 && i0 + F <= L) {  // interior
    const T* py = gy + i0 * sy;
    for (int m = 0; m < F; ++m) {
      const A v = A(py[m * sy]);
      a += A(lo[m]) * v; d += A(hi[m]) * v;
    }
    return;
  }
  for (int m = 0; m < F; ++m) {
    const index_t i = i0 + m;
    if (i < 0 || i >= L) continue;
    const A v = A(gy[i * sy]);
    a += A(lo[m]) * v; d += A(hi[m]) * v;
  }
}

// ---------------------------------------------------------------------------
// The four operations, each computing every output of one line position.
// Both glues (host loops, device grid-stride loops) call exactly these; they
// receive pointers already offset to the start of the line.
enum Op { kAnalysis = 0, kAnalysisAdjoint = 1, kSynthesis = 2, kSynthesisAdjoint = 3 };

template <int OP, int M, typename T, typename A>
CUWAVELET_HD void apply_at(const Geometry& g, index_t pos, T* sig, T* clo, T* chi,
                           const T* f_lo, const T* f_hi, int F) {
  const index_t ax = g.axis;
  const index_t ss = g.stride_signal[ax], sa = g.stride_lo[ax], sd = g.stride_hi[ax];
  if (OP == kAnalysis) {
    A a, d;
    analysis_at<M, T, A>(sig, ss, g.signal_len, pos, f_lo, f_hi, F, a, d);
    clo[pos * sa] = T(a); chi[pos * sd] = T(d);
  } else if (OP == kAnalysisAdjoint) {
    sig[pos * ss] = T(analysis_adjoint_at<M, T, A>(clo, sa, chi, sd, g.signal_len,
                                                   g.coeff_len, pos, f_lo, f_hi, F));
  } else if (OP == kSynthesis) {
    sig[pos * ss] = T(synthesis_at<M, T, A>(clo, sa, chi, sd, g.coeff_len, pos, f_lo, f_hi, F));
  } else {
    A a, d;
    synthesis_adjoint_at<M, T, A>(sig, ss, g.signal_len, pos, f_lo, f_hi, F, a, d);
    clo[pos * sa] = T(a); chi[pos * sd] = T(d);
  }
}

// Merge operations (synthesis, adjoint of analysis) in pairs of neighbouring
// outputs: outputs i and i+1 read the same coefficient window with the even
// and odd filter taps, so a pair loads each coefficient once instead of twice.
// Only for interior pairs of the right parity with both subbands present;
// elsewhere apply_at handles positions one by one.
template <int OP, int M>
CUWAVELET_HD bool merge_pair_ok(const Geometry& g, index_t pos, int F, const void* clo,
                                const void* chi) {
  if (!clo || !chi || pos + 1 >= g.shape[g.axis]) return false;
  const index_t n = g.coeff_len, half = F / 2;
  if (OP == kSynthesis) {
    const index_t t0 = pos + synthesis_shift<M>(F);  // 2k = t0 - m
    return M != kPeriodization && t0 % 2 == 0 && t0 / 2 - (half - 1) >= 0 && t0 / 2 < n;
  }
  if (OP == kAnalysisAdjoint) {
    const index_t N = g.signal_len, r = pos - analysis_offset<M>(F);  // 2o = r + j
    return r >= 0 && r % 2 == 0 && r / 2 + half < n && pos >= F && pos + 1 < N - F;
  }
  return false;
}

template <int OP, int M, typename T, typename A>
CUWAVELET_HD void merge_pair_at(const Geometry& g, index_t pos, T* sig, const T* clo,
                                const T* chi, const T* f_lo, const T* f_hi, int F) {
  const index_t ax = g.axis;
  const index_t ss = g.stride_signal[ax], sa = g.stride_lo[ax], sd = g.stride_hi[ax];
  const int half = F / 2;
  A y0 = A(0), y1 = A(0);
  if (OP == kSynthesis) {  // y[pos + e] += f[2q + e] * c[kb - q]
    const index_t kb = (pos + synthesis_shift<M>(F)) / 2;
    const T* pa = clo + kb * sa;
    const T* pd = chi + kb * sd;
    for (int q = 0; q < half; ++q) {
      const A va = A(pa[-q * sa]), vd = A(pd[-q * sd]);
      y0 += A(f_lo[2 * q]) * va + A(f_hi[2 * q]) * vd;
      y1 += A(f_lo[2 * q + 1]) * va + A(f_hi[2 * q + 1]) * vd;
    }
  } else {  // x_bar[pos + e] += f[2q + e] * g[ob + q + e]
    const index_t ob = (pos - analysis_offset<M>(F)) / 2;
    const T* pa = clo + ob * sa;
    const T* pd = chi + ob * sd;
    A a_cur = A(pa[0]), d_cur = A(pd[0]);
    for (int q = 0; q < half; ++q) {
      const A a_next = A(pa[(q + 1) * sa]), d_next = A(pd[(q + 1) * sd]);
      y0 += A(f_lo[2 * q]) * a_cur + A(f_hi[2 * q]) * d_cur;
      y1 += A(f_lo[2 * q + 1]) * a_next + A(f_hi[2 * q + 1]) * d_next;
      a_cur = a_next; d_cur = d_next;
    }
  }
  sig[pos * ss] = T(y0);
  sig[(pos + 1) * ss] = T(y1);
}

// Runs of interior outputs along a unit-stride line, B at a time with the
// filter tap as the outer loop so that a host compiler vectorizes across
// outputs. Each output gets the same sum, in the same order, as analysis_at
// and merge_pair_at compute for it; the host glue uses these where they apply.
template <int M>
CUWAVELET_HD bool analysis_interior(index_t o, index_t N, int F) {
  const index_t base = 2 * o + analysis_offset<M>(F);
  return base - (F - 1) >= 0 && base < N;
}

template <int M, typename T, typename A, int B>
CUWAVELET_HD void analysis_run_unit(const T* x, index_t o0, int count, const T* lo,
                                    const T* hi, int F, T* ca, T* cd) {
  A acc_a[B], acc_d[B];
  for (int k = 0; k < B; ++k) { acc_a[k] = A(0); acc_d[k] = A(0); }
  const T* base = x + 2 * o0 + analysis_offset<M>(F);
  for (int j = 0; j < F; ++j) {
    const A l = A(lo[j]), h = A(hi[j]);
    const T* xj = base - j;
    for (int k = 0; k < count; ++k) {
      const A v = A(xj[2 * k]);
      acc_a[k] += l * v; acc_d[k] += h * v;
    }
  }
  for (int k = 0; k < count; ++k) { ca[o0 + k] = T(acc_a[k]); cd[o0 + k] = T(acc_d[k]); }
}

// `pairs` neighbouring pairs (pos0 + 2p, pos0 + 2p + 1) of the adjoint of
// analysis, each pair as merge_pair_at computes it (merge_pair_ok holds for all).
template <int M, typename T, typename A, int B>
CUWAVELET_HD void analysis_adjoint_run_unit(const T* ga, const T* gd, index_t pos0, int pairs,
                                            const T* lo, const T* hi, int F, T* x_bar) {
  A y0[B], y1[B];
  for (int p = 0; p < B; ++p) { y0[p] = A(0); y1[p] = A(0); }
  const index_t ob = (pos0 - analysis_offset<M>(F)) / 2;
  for (int q = 0; q < F / 2; ++q) {
    const A l0 = A(lo[2 * q]), h0 = A(hi[2 * q]), l1 = A(lo[2 * q + 1]), h1 = A(hi[2 * q + 1]);
    const T* a = ga + ob + q;
    const T* d = gd + ob + q;
    for (int p = 0; p < pairs; ++p) {
      y0[p] += l0 * A(a[p]) + h0 * A(d[p]);
      y1[p] += l1 * A(a[p + 1]) + h1 * A(d[p + 1]);
    }
  }
  for (int p = 0; p < pairs; ++p) {
    x_bar[pos0 + 2 * p] = T(y0[p]);
    x_bar[pos0 + 2 * p + 1] = T(y1[p]);
  }
}

// Synthesis pairs (pos0 + 2p, pos0 + 2p + 1), as merge_pair_at computes them.
template <int M, typename T, typename A, int B>
CUWAVELET_HD void synthesis_run_unit(const T* ca, const T* cd, index_t pos0, int pairs,
                                     const T* lo, const T* hi, int F, T* y) {
  A y0[B], y1[B];
  for (int p = 0; p < B; ++p) { y0[p] = A(0); y1[p] = A(0); }
  const index_t kb = (pos0 + synthesis_shift<M>(F)) / 2;
  for (int q = 0; q < F / 2; ++q) {
    const A l0 = A(lo[2 * q]), h0 = A(hi[2 * q]), l1 = A(lo[2 * q + 1]), h1 = A(hi[2 * q + 1]);
    const T* a = ca + kb - q;
    const T* d = cd + kb - q;
    for (int p = 0; p < pairs; ++p) {
      const A va = A(a[p]), vd = A(d[p]);
      y0[p] += l0 * va + h0 * vd;
      y1[p] += l1 * va + h1 * vd;
    }
  }
  for (int p = 0; p < pairs; ++p) {
    y[pos0 + 2 * p] = T(y0[p]);
    y[pos0 + 2 * p + 1] = T(y1[p]);
  }
}

// Interior coefficients of the adjoint of synthesis (no wrap, no clipping),
// as synthesis_adjoint_at computes them.
template <int M>
CUWAVELET_HD bool synthesis_adjoint_interior(index_t k, index_t L, int F) {
  const index_t i0 = 2 * k - synthesis_shift<M>(F);
  return M != kPeriodization && i0 >= 0 && i0 + F <= L;
}

template <int M, typename T, typename A, int B>
CUWAVELET_HD void synthesis_adjoint_run_unit(const T* gy, index_t k0, int count, const T* lo,
                                             const T* hi, int F, T* ca, T* cd) {
  A acc_a[B], acc_d[B];
  for (int k = 0; k < B; ++k) { acc_a[k] = A(0); acc_d[k] = A(0); }
  const T* base = gy + 2 * k0 - synthesis_shift<M>(F);
  for (int m = 0; m < F; ++m) {
    const A l = A(lo[m]), h = A(hi[m]);
    const T* gm = base + m;
    for (int k = 0; k < count; ++k) {
      const A v = A(gm[2 * k]);
      acc_a[k] += l * v; acc_d[k] += h * v;
    }
  }
  for (int k = 0; k < count; ++k) { ca[k0 + k] = T(acc_a[k]); cd[k0 + k] = T(acc_d[k]); }
}

// Element offsets of the three operands and of the filters at a flat index of
// the iteration space. With skip_axis the index counts lines (the axis is left
// out: the host walks each line itself); otherwise the coordinate along the
// axis is returned.
CUWAVELET_HD index_t operand_offsets(const Geometry& g, index_t flat, bool skip_axis,
                                     index_t& off_sig, index_t& off_lo, index_t& off_hi,
                                     index_t& off_filter) {
  off_sig = 0; off_lo = 0; off_hi = 0; off_filter = 0;
  index_t pos = 0;
  for (index_t dim = g.ndim - 1; dim >= 0; --dim) {
    if (dim == g.axis && skip_axis) continue;
    const index_t c = flat % g.shape[dim];
    flat /= g.shape[dim];
    if (dim == g.axis) { pos = c; continue; }
    off_sig += c * g.stride_signal[dim];
    off_lo += c * g.stride_lo[dim];
    off_hi += c * g.stride_hi[dim];
    off_filter += c * g.stride_filter[dim];
  }
  return pos;
}

// ... for kernels whose lines all share one bank.
CUWAVELET_HD index_t operand_offsets(const Geometry& g, index_t flat, bool skip_axis,
                                     index_t& off_sig, index_t& off_lo, index_t& off_hi) {
  index_t shared;
  return operand_offsets(g, flat, skip_axis, off_sig, off_lo, off_hi, shared);
}

}  // namespace cuwavelet
