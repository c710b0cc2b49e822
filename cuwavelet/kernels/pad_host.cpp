// CPU glue of the pad (pad_math.cuh): the per-element functions the GPU runs,
// over the output's rows, on the host thread pool. A row's leading
// dimensions are resolved once (PadSource) and its last one per element.
// `per_element` runs the GPU kernel's own per-element functions instead
// (pad_value_at, pad_adjoint_at: every index decomposed whole), so that the
// tests check the code the GPU runs on the CPU too.
// GCC (-O2) warns that extension_terms' idx and w "may be used uninitialized"
// where fold_weights and extension_value read entries t < terms, all of which
// extension_terms writes: a false positive of this translation unit's inlining.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "host_dispatch.h"
#include "host_parallel.h"
#include "pad_math.cuh"

namespace cuwavelet {
namespace {

template <int M, typename T>
void pad_rows(const PadGeometry& g, const T* x, T* y, index_t first, index_t end) {
  typedef typename PadArithmetic<T>::type A;
  const index_t last = g.ndim - 1, width = g.shape[last];
  const index_t before = g.before[last], N = g.length[last], s = g.stride_in[last];
  for (index_t row = first; row < end; ++row) {
    PadSource<M, A> lead;
    index_t rest = row;
    for (index_t d = last - 1; d >= 0; --d) {
      lead.add(g, d, rest % g.shape[d]);
      rest /= g.shape[d];
    }
    T* out = y + row * width;
    const auto element = [&](index_t j) {
      PadSource<M, A> source = lead;
      source.add(g, last, j);
      out[j] = source.value(g, x);
    };
    if (lead.zero || lead.lines > 0) {  // an extension along a leading dimension
      for (index_t j = 0; j < width; ++j) element(j);
      continue;
    }
    // The row's interior is one line of x (negated in antisymmetric mode's
    // mirrored copies): a strided copy; its padded ends go element by element.
    for (index_t j = 0; j < before; ++j) element(j);
    const T* line = x + lead.offset;
    T* inner = out + before;
    if (lead.sign == A(1)) {
      if (s == 1) std::memcpy(inner, line, N * sizeof(T));
      else for (index_t k = 0; k < N; ++k) inner[k] = line[k * s];
    } else {
      for (index_t k = 0; k < N; ++k) inner[k] = T(lead.sign * A(line[k * s]));
    }
    for (index_t j = before + N; j < width; ++j) element(j);
  }
}

template <int M, typename T>
void adjoint_rows(const PadGeometry& g, const T* gy, T* gx, index_t first, index_t end) {
  typedef typename PadArithmetic<T>::type A;
  const index_t last = g.ndim - 1, width = g.shape[last], a = g.axis;
  for (index_t row = first; row < end; ++row) {
    index_t offset = 0, i = 0, rest = row;
    for (index_t d = last - 1; d >= 0; --d) {
      const index_t j = rest % g.shape[d];
      rest /= g.shape[d];
      if (d == a) i = j; else offset += j * g.stride_in[d];
    }
    T* out = gx + row * width;
    for (index_t j = 0; j < width; ++j) {
      const index_t line = a == last ? offset : offset + j * g.stride_in[last];
      out[j] = T(pad_adjoint_sample<M, T, A>(gy + line, g.stride_in[a], g.length[a], g.before[a],
                                           g.padded[a], a == last ? j : i));
    }
  }
}

template <int OP, int M, typename T>
void per_element(const PadGeometry& g, const T* x, T* y, index_t first, index_t end) {
  typedef typename PadArithmetic<T>::type A;
  const index_t width = g.shape[g.ndim - 1];
  for (index_t flat = first * width; flat < end * width; ++flat)
    y[flat] = OP == 0 ? pad_value_at<M, T, A>(g, x, flat) : pad_adjoint_at<M, T, A>(g, x, flat);
}

template <int OP, int M, typename T>
void run(const PadGeometry& g, std::uintptr_t in, std::uintptr_t out, bool gpu_functions) {
  if (g.total == 0) return;
  const T* x = reinterpret_cast<const T*>(in);
  T* y = reinterpret_cast<T*>(out);
  const index_t rows = g.total / g.shape[g.ndim - 1];
  const auto body = [&](index_t first, index_t end) {
    if (gpu_functions) per_element<OP, M, T>(g, x, y, first, end);
    else if (OP == 0) pad_rows<M, T>(g, x, y, first, end);
    else adjoint_rows<M, T>(g, x, y, first, end);
  };
  HostPool& pool = HostPool::instance();
  const index_t chunks = std::min<index_t>({rows, 4 * pool.threads(), g.total / 16384});
  if (chunks <= 1) {
    body(0, rows);
    return;
  }
  pybind11::gil_scoped_release release;
  pool.run(chunks, [&](long long c) { body(rows * c / chunks, rows * (c + 1) / chunks); });
}

template <typename T>
void run_typed(int op, int mode, const PadGeometry& g, std::uintptr_t in, std::uintptr_t out,
               bool gpu_functions) {
  if (op != 0 && op != 1) throw std::invalid_argument("unknown pad operation");
  with_mode(mode, [&](auto m) {
    constexpr int M = decltype(m)::value;
    if (op == 0) run<0, M, T>(g, in, out, gpu_functions);
    else run<1, M, T>(g, in, out, gpu_functions);
  });
}

// Sample type codes shared with cuwavelet/_padding.py (SAMPLE_TYPES).
enum SampleType { kFloat = 0, kDouble = 1, kU8 = 2, kU16 = 3, kU32 = 4, kU64 = 5 };

// The geometry arrives as the bytes of cuwavelet/_padding.py's NumPy record,
// the arrays as addresses.
void apply(int op, int mode, int sample_type, pybind11::bytes geometry, std::uintptr_t in,
           std::uintptr_t out, bool gpu_functions) {
  const std::string raw = geometry;
  if (raw.size() != sizeof(PadGeometry)) throw std::invalid_argument("geometry has the wrong size");
  PadGeometry g;
  std::memcpy(&g, raw.data(), sizeof(PadGeometry));
  if (g.ndim < 1 || g.ndim > kMaxDims || (op == 1 && (g.axis < 0 || g.axis >= g.ndim)))
    throw std::invalid_argument("geometry out of range");
  if (op == 0 && (mode == kSmooth || mode == kAntireflect)) {  // kAffineDims per launch
    int dims = 0;
    for (index_t d = 0; d < g.ndim; ++d) dims += g.padded[d] != g.length[d];
    if (dims > kAffineDims)
      throw std::invalid_argument("smooth and antireflect pad at most two dimensions a launch");
  }
  switch (sample_type) {
    case kFloat: return run_typed<float>(op, mode, g, in, out, gpu_functions);
    case kDouble: return run_typed<double>(op, mode, g, in, out, gpu_functions);
    case kU8: return run_typed<unsigned char>(op, mode, g, in, out, gpu_functions);
    case kU16: return run_typed<unsigned short>(op, mode, g, in, out, gpu_functions);
    case kU32: return run_typed<unsigned int>(op, mode, g, in, out, gpu_functions);
    case kU64: return run_typed<unsigned long long>(op, mode, g, in, out, gpu_functions);
  }
  throw std::invalid_argument("unknown sample type");
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_pad_host, m) {
  m.doc() = "Host build of cuwavelet's pad (cuwavelet/kernels/pad_math.cuh).";
  m.def("apply", &cuwavelet::apply);
  m.attr("geometry_size") = sizeof(cuwavelet::PadGeometry);
}
