// CPU glue of the thresholds (threshold_math.cuh): the per-element functions
// the GPU runs through CuPy's ElementwiseKernel, over contiguous arrays, on
// the host thread pool.
#include <pybind11/pybind11.h>

#include <complex>
#include <cstdint>
#include <stdexcept>

#include "host_parallel.h"
#include "threshold_math.cuh"

namespace cuwavelet {
namespace {

// Type codes shared with cuwavelet/_thresholding.py.
enum TypeCode { kF32 = 0, kF64 = 1, kC64 = 2, kC128 = 3 };

template <int MODE, typename X, typename D, typename O>
void run(const ThresholdParams& p, long long n, std::uintptr_t x_ptr, std::uintptr_t y_ptr) {
  const X* x = reinterpret_cast<const X*>(x_ptr);
  O* y = reinterpret_cast<O*>(y_ptr);
  typedef typename NumberParts<O>::Real OR;
  const O sub = NumberParts<O>::make(OR(p.sub_re), OR(p.sub_im));
  const D value = D(p.value), value2 = D(p.value2), high = D(p.high), vdiff = D(p.vdiff);
  const bool use_sub = p.use_sub != 0;
  const auto body = [&](long long first, long long end) {
    for (long long i = first; i < end; ++i)
      y[i] = threshold_at<MODE, D, O, X>(x[i], value, value2, high, vdiff, sub, use_sub);
  };
  HostPool& pool = HostPool::instance();
  const long long chunks = std::min<long long>(4 * pool.threads(), n / 65536);
  if (chunks <= 1) {
    body(0, n);
    return;
  }
  pool.run(chunks, [&](long long c) { body(n * c / chunks, n * (c + 1) / chunks); });
}

template <typename X, typename D, typename O>
void run_mode(int mode, const ThresholdParams& p, long long n, std::uintptr_t x,
              std::uintptr_t y) {
  switch (mode) {
    case kThresholdSoft: return run<kThresholdSoft, X, D, O>(p, n, x, y);
    case kThresholdHard: return run<kThresholdHard, X, D, O>(p, n, x, y);
    case kThresholdGarrote: return run<kThresholdGarrote, X, D, O>(p, n, x, y);
    case kThresholdGreater: return run<kThresholdGreater, X, D, O>(p, n, x, y);
    case kThresholdLess: return run<kThresholdLess, X, D, O>(p, n, x, y);
    case kThresholdFirm: return run<kThresholdFirm, X, D, O>(p, n, x, y);
  }
  throw std::invalid_argument("unknown threshold mode");
}

template <typename X, typename D>
void run_out(int mode, int o, const ThresholdParams& p, long long n, std::uintptr_t x,
             std::uintptr_t y) {
  switch (o) {
    case kF32: return run_mode<X, D, float>(mode, p, n, x, y);
    case kF64: return run_mode<X, D, double>(mode, p, n, x, y);
    case kC64: return run_mode<X, D, std::complex<float>>(mode, p, n, x, y);
    case kC128: return run_mode<X, D, std::complex<double>>(mode, p, n, x, y);
  }
  throw std::invalid_argument("unknown output type code");
}

template <typename X>
void run_work(int mode, int d, int o, const ThresholdParams& p, long long n, std::uintptr_t x,
              std::uintptr_t y) {
  if (d == kF32) return run_out<X, float>(mode, o, p, n, x, y);
  if (d == kF64) return run_out<X, double>(mode, o, p, n, x, y);
  throw std::invalid_argument("unknown work type code");
}

void apply(int mode, int x_code, int d_code, int o_code, long long n, std::uintptr_t x,
           std::uintptr_t y, double value, double value2, double high, double vdiff,
           double sub_re, double sub_im, bool use_sub) {
  if (n < 0) throw std::invalid_argument("negative element count");
  const ThresholdParams p{value, value2, high, vdiff, sub_re, sub_im, use_sub ? 1 : 0};
  pybind11::gil_scoped_release release;
  switch (x_code) {
    case kF32: return run_work<float>(mode, d_code, o_code, p, n, x, y);
    case kF64: return run_work<double>(mode, d_code, o_code, p, n, x, y);
    case kC64: return run_work<std::complex<float>>(mode, d_code, o_code, p, n, x, y);
    case kC128: return run_work<std::complex<double>>(mode, d_code, o_code, p, n, x, y);
  }
  throw std::invalid_argument("unknown input type code");
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_threshold_host, m) {
  m.doc() = "Host build of cuwavelet's thresholds (kernels/threshold_math.cuh).";
  m.def("apply", &cuwavelet::apply);
}
