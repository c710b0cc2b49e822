// pywt.pad: an array extended past its edges by a boundary mode, and the
// adjoint of that extension. One source for both targets: NVRTC builds
// pad_device.cu, the host compiler pad_host.cpp. The extension is the
// transforms' own (extension_terms, extension_value and fold_weight in
// dwt_math.cuh), so a padded array holds exactly what a transform reads past
// the data's edges, in every mode.
//
// pywt.pad's own rules on top of the DWT's extension:
//   * periodization first extends an odd-length axis by its last sample (as
//     the DWT does), so that axis grows by one more;
//   * reflect and antireflect repeat the sample of a one-sample axis
//     (np.pad's rule; the DWT never extends such an axis in those modes).
// Real samples only: complex arrays arrive as real arrays with a trailing
// dimension of 2 (cuwavelet/_padding.py), since every weight is real.
// Integer arrays arrive as unsigned integers of their size and are extended
// in 64-bit unsigned arithmetic (PadArithmetic): the extensions only add,
// subtract and multiply, so the low bits are NumPy's wrapping integer
// arithmetic in the array's own type, signed or not.
#pragma once

#include "dwt_math.cuh"

namespace cuwavelet {

// How one pad launch walks its arrays. Plain 64-bit fields, laid out as the
// NumPy record cuwavelet/_padding.py builds. The output is C-contiguous
// (element `flat` at offset flat); dimension ndim-1 varies fastest.
struct PadGeometry {
  index_t ndim;
  index_t total;                  // elements of the output: the product of shape[]
  index_t axis;                   // the adjoint: the dimension folded back (forward: -1)
  index_t shape[kMaxDims];        // the output's shape
  index_t length[kMaxDims];       // N: the data's extent along each dimension
  index_t before[kMaxDims];       // positions padded before the data (0: none)
  index_t padded[kMaxDims];       // the padded extent (N where a dimension is not padded)
  index_t stride_in[kMaxDims];    // element strides of the input
};
static_assert(sizeof(PadGeometry) == (3 + 5 * kMaxDims) * sizeof(index_t),
              "PadGeometry must stay a padding-free record of 64-bit fields");

// The type a pad computes in: the sample type for floating point, 64-bit
// unsigned (wrapping, defined) for integers.
template <typename T>
struct PadArithmetic { typedef T type; };
template <> struct PadArithmetic<unsigned char> { typedef unsigned long long type; };
template <> struct PadArithmetic<unsigned short> { typedef unsigned long long type; };
template <> struct PadArithmetic<unsigned int> { typedef unsigned long long type; };
template <> struct PadArithmetic<unsigned long long> { typedef unsigned long long type; };

// smooth and antireflect extend with several samples, evaluated by
// extension_value: a forward launch of theirs pads at most kAffineDims
// dimensions, a later one extending the earlier one's extension (pywt.pad
// pads dimension after dimension, so a corner extends the padded edge). The
// other modes copy one sample, negated or not, and pad every dimension in one
// launch.
template <int M>
CUWAVELET_HD constexpr bool pad_is_affine() { return M == kSmooth || M == kAntireflect; }
enum { kAffineDims = 2 };

// Sample i of a line along an outer dimension whose samples are themselves
// extended along an inner one (position p of `n` samples, stride s_inner):
// the accessor of the outer extension of a two-dimension corner.
template <int M, typename T, typename A>
struct ExtendedSamples {
  const T* x;
  index_t s_outer, s_inner, n, p;
  CUWAVELET_HD A operator()(index_t i) const {
    return extension_value<M, A>(p, n, StridedSamples<T, A>{x + i * s_outer, s_inner});
  }
};

// np.pad's one-sample rule (see the top of this file).
template <int M>
CUWAVELET_HD bool pad_repeats_lone_sample(index_t N) {
  return (M == kReflect || M == kAntireflect) && N == 1;
}

// Where one output element of a forward pad reads, built one dimension at a
// time (in any order): the input offset of its sample (for an affine mode,
// of the corner its extended dimensions start from), the sign of a
// one-sample extension, or zero.
template <int M, typename A>
struct PadSource {
  index_t offset = 0;
  A sign = A(1);
  int lines = 0;                 // affine modes: the dimensions extended here
  index_t line_dim[kAffineDims];
  index_t line_p[kAffineDims];
  bool zero = false;

  CUWAVELET_HD void add(const PadGeometry& g, index_t d, index_t j) {
    const index_t p = j - g.before[d], N = g.length[d];
    if (p >= 0 && p < N) { offset += p * g.stride_in[d]; return; }
    if (pad_repeats_lone_sample<M>(N)) return;  // sample 0: the offset does not move
    if (pad_is_affine<M>()) {  // (the launch pads at most kAffineDims dimensions)
      if (lines < kAffineDims) { line_dim[lines] = d; line_p[lines] = p; ++lines; }
      return;
    }
    index_t idx[3]; A w[3];
    if (extension_terms<M, A>(p, N, idx, w) == 0) { zero = true; return; }
    offset += idx[0] * g.stride_in[d];
    sign *= w[0];
  }

  template <typename T>
  CUWAVELET_HD T value(const PadGeometry& g, const T* x) const {
    if (zero) return T(0);
    if constexpr (!pad_is_affine<M>()) return T(sign * A(x[offset]));
    if (lines == 0) return T(sign * A(x[offset]));
    if (lines == 1)
      return T(extension_value<M, A>(line_p[0], g.length[line_dim[0]],
                                     StridedSamples<T, A>{x + offset, g.stride_in[line_dim[0]]}));
    const int inner = line_dim[0] < line_dim[1] ? 0 : 1, outer = 1 - inner;
    const index_t di = line_dim[inner], dout = line_dim[outer];
    return T(extension_value<M, A>(
        line_p[outer], g.length[dout],
        ExtendedSamples<M, T, A>{x + offset, g.stride_in[dout], g.stride_in[di], g.length[di],
                                 line_p[inner]}));
  }
};

// Output element `flat` of a forward pad.
template <int M, typename T, typename A>
CUWAVELET_HD T pad_value_at(const PadGeometry& g, const T* x, index_t flat) {
  PadSource<M, A> source;
  for (index_t d = g.ndim - 1; d >= 0; --d) {
    source.add(g, d, flat % g.shape[d]);
    flat /= g.shape[d];
  }
  return source.value(g, x);
}

// ---------------------------------------------------------------------------
// The adjoint, one dimension at a time: sample i of the data collects the
// cotangent of its own position and of every padded position whose extension
// uses it, with that use's weight (fold_weight).

// What pad position p (outside [0, N)) gives sample i.
template <int M, typename A>
CUWAVELET_HD A pad_fold_weight(index_t p, index_t N, index_t i) {
  if (pad_repeats_lone_sample<M>(N)) return A(1);
  return fold_weight<M, A>(p, N, i);
}

// Calls visit(p) once for each padded position p in [first, end) outside
// [0, N) whose extension may use sample i (the others have weight zero): the
// one-sample modes reach i from the positions congruent to i, or to its
// mirror image, modulo the mode's period; the samples that constant, smooth
// and antireflect extensions anchor on take a whole side (a lone sample, both).
template <int M, class Visit>
CUWAVELET_HD void for_each_pad_preimage(index_t i, index_t N, index_t first, index_t end,
                                        const Visit& visit) {
  const auto side = [&](index_t a, index_t b) {
    for (index_t p = a; p < b; ++p) visit(p);
  };
  const auto residue = [&](index_t r, index_t period) {
    for (index_t p = first + wrap_index(r - first, period); p < end; p += period)
      if (p < 0 || p >= N) visit(p);
  };
  if (M == kZero) return;
  if (N == 1) {
    side(first, 0);
    side(N, end);
    return;
  }
  if (M == kConstant || M == kSmooth) {
    const index_t anchors = M == kSmooth ? 2 : 1;
    if (i < anchors) side(first, 0);
    if (i >= N - anchors) side(N, end);
    return;
  }
  if (M == kPeriodic) return residue(i, N);
  if (M == kPeriodization) {
    const index_t period = N + (N & 1);
    residue(i, period);
    if ((N & 1) && i == N - 1) residue(N, period);  // the repeated last sample
    return;
  }
  if (M == kSymmetric || M == kAntisymmetric) {
    residue(i, 2 * N);
    residue(2 * N - 1 - i, 2 * N);
    return;
  }
  // reflect and antireflect: period 2 (N - 1), mirror images i and -i
  if (M == kAntireflect && (i == 0 || i == N - 1)) {  // every reflection uses both ends
    side(first, 0);
    side(N, end);
    return;
  }
  const index_t period = 2 * (N - 1);
  residue(i, period);
  if (i != 0 && i != N - 1) residue(period - i, period);
}

// Sample i of the adjoint of a pad along one line: `line` is the cotangent's
// line (stride s) of the padded extent `padded`, `before` positions ahead of
// the data's first sample.
template <int M, typename T, typename A>
CUWAVELET_HD A pad_adjoint_sample(const T* line, index_t s, index_t N, index_t before,
                                  index_t padded, index_t i) {
  A sum = A(line[(i + before) * s]);
  for_each_pad_preimage<M>(i, N, -before, padded - before, [&](index_t p) {
    const A w = pad_fold_weight<M, A>(p, N, i);
    if (w != A(0)) sum += w * A(line[(p + before) * s]);
  });
  return sum;
}

// Output element `flat` of the adjoint along g.axis.
template <int M, typename T, typename A>
CUWAVELET_HD T pad_adjoint_at(const PadGeometry& g, const T* y, index_t flat) {
  index_t offset = 0, i = 0;
  for (index_t d = g.ndim - 1; d >= 0; --d) {
    const index_t j = flat % g.shape[d];
    flat /= g.shape[d];
    if (d == g.axis) i = j; else offset += j * g.stride_in[d];
  }
  const index_t a = g.axis;
  return T(pad_adjoint_sample<M, T, A>(y + offset, g.stride_in[a], g.length[a], g.before[a],
                                       g.padded[a], i));
}

}  // namespace cuwavelet
