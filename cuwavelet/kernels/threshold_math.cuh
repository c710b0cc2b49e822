// Per-element thresholding (pywt.threshold's soft, hard, garrote, greater and
// less, and pywt.threshold_firm), one source for both targets: CuPy's
// ElementwiseKernel takes this file as its preamble (cuwavelet/_thresholding.py)
// and the host extension (threshold_host.cpp) instantiates the same functions.
//
// Types follow NumPy's evaluation of pywt's expressions: X is the input's
// type, R its real part (the magnitude |x| is computed in R, as np.absolute
// does), D the real type in which the threshold arithmetic and comparisons
// run, O the output type. The Python layer works them out and rounds the
// thresholds to D, so converting them here is exact.
#pragma once

#include "dwt_math.cuh"

#if !defined(__CUDACC__)
#include <math.h>
#endif

namespace cuwavelet {

enum ThresholdMode {
  kThresholdSoft = 0, kThresholdHard = 1, kThresholdGarrote = 2, kThresholdGreater = 3,
  kThresholdLess = 4, kThresholdFirm = 5
};

// Real and imaginary parts of a real number or of a complex<R> (std::complex
// on the host, CuPy's complex on the GPU: both have real(), imag() and (re, im)).
template <typename T>
struct NumberParts {
  typedef T Real;
  static CUWAVELET_HD T re(const T& x) { return x; }
  static CUWAVELET_HD T im(const T&) { return T(0); }
  template <typename V>
  static CUWAVELET_HD T make(V re, V) { return T(re); }
  static const bool is_complex = false;
};

template <template <typename> class C, typename R>
struct NumberParts<C<R> > {
  typedef R Real;
  static CUWAVELET_HD R re(const C<R>& z) { return z.real(); }
  static CUWAVELET_HD R im(const C<R>& z) { return z.imag(); }
  template <typename V>
  static CUWAVELET_HD C<R> make(V re, V im) { return C<R>(R(re), R(im)); }
  static const bool is_complex = true;
};

// |x| in the input's precision (np.absolute: fabs for reals, hypot for complex).
CUWAVELET_HD float threshold_abs(float x) { return fabsf(x); }
CUWAVELET_HD double threshold_abs(double x) { return fabs(x); }
template <typename I>
CUWAVELET_HD I threshold_abs(I x) { return x < I(0) ? I(-x) : x; }  // integers and bools
CUWAVELET_HD float threshold_hypot(float a, float b) { return hypotf(a, b); }
CUWAVELET_HD double threshold_hypot(double a, double b) { return hypot(a, b); }

template <typename X>
CUWAVELET_HD typename NumberParts<X>::Real magnitude(const X& x) {
  typedef NumberParts<X> P;
  if (P::is_complex) return threshold_hypot(P::re(x), P::im(x));
  return threshold_abs(P::re(x));
}

// x * t for a real factor t, as NumPy multiplies a complex by a real (the
// real promoted to t + 0i), then converted to the output type O.
template <typename O, typename D, typename X>
CUWAVELET_HD O scaled(const X& x, D t) {
  typedef NumberParts<X> P;
  const D re = D(P::re(x)), im = D(P::im(x));
  if (P::is_complex) return NumberParts<O>::make(re * t - im * D(0), re * D(0) + im * t);
  return NumberParts<O>::make(re * t, D(0));
}

template <typename O, typename X>
CUWAVELET_HD O unchanged(const X& x) {
  typedef NumberParts<X> P;
  typedef typename NumberParts<O>::Real OR;
  return NumberParts<O>::make(OR(P::re(x)), OR(P::im(x)));
}

// Soft, garrote and firm shrink by a factor clipped at zero; NaN factors stay
// NaN (np.clip keeps them), so 0/0 gives NaN as in pywt.
template <typename D>
CUWAVELET_HD D clipped(D t) { return t < D(0) ? D(0) : t; }

struct ThresholdParams {
  double value;       // soft, hard, garrote, greater, less: the threshold; firm: value_low
  double value2;      // garrote: value**2 as pywt computes it
  double high;        // firm: value_high
  double vdiff;       // firm: value_high - value_low as pywt computes it
  double sub_re, sub_im;  // the substitute (in O)
  int use_sub;        // substitute != 0
};

// One element. Parameters come already rounded to D (and the substitute to O).
template <int MODE, typename D, typename O, typename X>
CUWAVELET_HD O threshold_at(const X& x, D value, D value2, D high, D vdiff, const O& sub,
                            bool use_sub) {
  typedef typename NumberParts<X>::Real R;
  if (MODE == kThresholdGreater || MODE == kThresholdLess) {  // real data only
    const D v = D(NumberParts<X>::re(x));
    const bool replace = MODE == kThresholdGreater ? v < value : v > value;
    return replace ? sub : unchanged<O>(x);
  }
  const R m_r = magnitude(x);
  const D m = D(m_r);
  if (MODE == kThresholdHard) return m < value ? sub : unchanged<O>(x);
  if (MODE == kThresholdFirm) {
    if (m > high) return unchanged<O>(x);
    return scaled<O>(x, clipped<D>(high * (D(1) - value / m) / vdiff));
  }
  if (use_sub && m < value) return sub;
  if (MODE == kThresholdSoft) return scaled<O>(x, clipped<D>(D(1) - value / m));
  // garrote: the magnitude is squared in its own precision, as magnitude**2 is
  const D m2 = D(R(m_r * m_r));
  return scaled<O>(x, clipped<D>(D(1) - value2 / m2));
}

}  // namespace cuwavelet
