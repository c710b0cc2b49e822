// CPU glue of the fused 2D kernels: the same kernel bodies as the GPU
// (dwt2_fused.cuh), run thread block by thread block by the emulator of
// block_runtime.cuh, so CI checks the shared-memory tiling, the barriers and
// the halo arithmetic without a GPU. This is a verification build, not a fast
// CPU path (NumPy arrays keep the separable host kernels for speed).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt2_two_levels.cuh"
#include "host_dispatch.h"

namespace cuwavelet {
namespace {

using block::Emulator;
using block::EmulatorOptions;
using block::HostBlock;

template <typename T>
struct FusedArgs {
  FusedGeometry g;
  T* image;
  T* band[4];
  const T* filter[4];  // lo_y, hi_y, lo_x, hi_x
};

template <int OP, int M, typename T>
void run_fused(const FusedArgs<T>& a, index_t grid, int threads, const EmulatorOptions& opt) {
  const std::size_t bytes = sizeof(T) * (std::size_t)fused_shared_elems<M>(OP, a.g);
  Emulator::launch(grid, threads, bytes, [&a](const HostBlock& b) {
    if constexpr (OP == kFusedAnalysis)
      fused_analysis_2d<M, T>(b, a.g, a.image, a.band[0], a.band[1], a.band[2], a.band[3],
                              a.filter[0], a.filter[1], a.filter[2], a.filter[3]);
    else if constexpr (OP == kFusedSynthesis)
      fused_synthesis_2d<M, T>(b, a.g, a.image, a.band[0], a.band[1], a.band[2], a.band[3],
                               a.filter[0], a.filter[1], a.filter[2], a.filter[3]);
    else
      fused_analysis_adjoint_2d<M, T>(b, a.g, a.image, a.band[0], a.band[1], a.band[2],
                                      a.band[3], a.filter[0], a.filter[1], a.filter[2],
                                      a.filter[3]);
  }, opt);
}

template <typename T>
using FusedFn = void (*)(const FusedArgs<T>&, index_t, int, const EmulatorOptions&);

template <typename T>
FusedFn<T> pick(int op, int mode) {
  return with_mode(mode, [op](auto tag) -> FusedFn<T> {
    constexpr int M = decltype(tag)::value;
    if (op == kFusedAnalysis) return run_fused<kFusedAnalysis, M, T>;
    if (op == kFusedSynthesis) return run_fused<kFusedSynthesis, M, T>;
    if (op == kFusedAnalysisAdjoint) return run_fused<kFusedAnalysisAdjoint, M, T>;
    throw std::invalid_argument("unknown fused operation number");
  });
}

FusedGeometry geometry_of(const pybind11::bytes& raw_bytes) {
  const std::string raw = raw_bytes;
  if (raw.size() != sizeof(FusedGeometry))
    throw std::invalid_argument("fused geometry has the wrong size");
  FusedGeometry g;
  std::memcpy(&g, raw.data(), sizeof(FusedGeometry));
  return g;
}

template <typename T>
void launch_typed(int op, int mode, const FusedGeometry& g, std::uintptr_t image,
                  const std::uintptr_t band[4], const std::uintptr_t filter[4], index_t grid,
                  int threads, const EmulatorOptions& opt) {
  const FusedFn<T> fn = pick<T>(op, mode);
  FusedArgs<T> a;
  a.g = g;
  a.image = reinterpret_cast<T*>(image);
  for (int k = 0; k < 4; ++k) {
    a.band[k] = reinterpret_cast<T*>(band[k]);
    a.filter[k] = reinterpret_cast<const T*>(filter[k]);
  }
  pybind11::gil_scoped_release release;
  fn(a, grid, threads, opt);
}

// Pointers arrive as integers (0 for an absent subband), the geometry as the
// bytes of the NumPy record FUSED_GEOMETRY_DTYPE.
void launch(int op, int mode, bool is_double, pybind11::bytes geometry, std::uintptr_t image,
            std::uintptr_t aa, std::uintptr_t ad, std::uintptr_t da, std::uintptr_t dd,
            std::uintptr_t lo_y, std::uintptr_t hi_y, std::uintptr_t lo_x, std::uintptr_t hi_x,
            long long grid, int threads, int schedule, std::uint64_t seed, long long skip_barrier) {
  const FusedGeometry g = geometry_of(geometry);
  const std::uintptr_t band[4] = {aa, ad, da, dd};
  const std::uintptr_t filter[4] = {lo_y, hi_y, lo_x, hi_x};
  EmulatorOptions opt;
  opt.schedule = schedule;
  opt.seed = seed;
  opt.skip_barrier = skip_barrier;
  if (is_double) launch_typed<double>(op, mode, g, image, band, filter, grid, threads, opt);
  else launch_typed<float>(op, mode, g, image, band, filter, grid, threads, opt);
}

// Dynamic shared memory of one block: the number _fused.py computes on its own.
long long shared_bytes(int op, int mode, bool is_double, pybind11::bytes geometry) {
  const FusedGeometry g = geometry_of(geometry);
  if (op < kFusedAnalysis || op > kFusedAnalysisAdjoint)
    throw std::invalid_argument("unknown fused operation number");
  const int elems = with_mode(mode, [&](auto tag) {
    return fused_shared_elems<decltype(tag)::value>(op, g);
  });
  return (long long)elems * (is_double ? sizeof(double) : sizeof(float));
}

// FusedGeometry.fold_reach of one axis (signal N, coefficients n, filter F).
pybind11::tuple fold_reach_of(int mode, long long N, long long n, int F) {
  index_t r[4];
  with_mode(mode, [&](auto tag) { fold_reach<decltype(tag)::value>(N, n, F, r); });
  return pybind11::make_tuple(r[0], r[1], r[2], r[3]);
}

// --- two levels per launch (dwt2_two_levels.cuh) ----------------------------------

TwoLevelGeometry two_level_geometry_of(const pybind11::bytes& raw_bytes) {
  const std::string raw = raw_bytes;
  if (raw.size() != sizeof(TwoLevelGeometry))
    throw std::invalid_argument("two-level geometry has the wrong size");
  TwoLevelGeometry g;
  std::memcpy(&g, raw.data(), sizeof(TwoLevelGeometry));
  return g;
}

// Operand addresses (image, ad1, da1, dd1, aa2, ad2, da2, dd2) and filters
// (lo_y, hi_y, lo_x, hi_x) arrive as integers.
void launch_two_levels(int mode, bool is_double, pybind11::bytes geometry,
                       std::vector<std::uintptr_t> operands, std::vector<std::uintptr_t> filters,
                       long long grid, int threads, int schedule, std::uint64_t seed,
                       long long skip_barrier) {
  const TwoLevelGeometry g = two_level_geometry_of(geometry);
  if (operands.size() != kTwoLevelOperands || filters.size() != 4)
    throw std::invalid_argument("two-level launch: 8 operands and 4 filters expected");
  EmulatorOptions opt;
  opt.schedule = schedule;
  opt.seed = seed;
  opt.skip_barrier = skip_barrier;
  auto run = [&](auto m, auto zero) {
    typedef decltype(zero) T;
    constexpr int M = decltype(m)::value;
    T* o[kTwoLevelOperands];
    for (int k = 0; k < kTwoLevelOperands; ++k) o[k] = reinterpret_cast<T*>(operands[k]);
    const T* f[4];
    for (int k = 0; k < 4; ++k) f[k] = reinterpret_cast<const T*>(filters[k]);
    const std::size_t bytes = sizeof(T) * (std::size_t)TwoLevelLayout(g).total_elems();
    pybind11::gil_scoped_release release;
    Emulator::launch(grid, threads, bytes, [&](const HostBlock& b) {
      fused_analysis_2d_two_levels<M, T>(b, g, o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7],
                                         f[0], f[1], f[2], f[3]);
    }, opt);
  };
  with_mode(mode, [&](auto m) {
    if (is_double) run(m, 0.0);
    else run(m, 0.0f);
  });
}

long long two_level_shared_bytes(bool is_double, pybind11::bytes geometry) {
  const TwoLevelGeometry g = two_level_geometry_of(geometry);
  return (long long)TwoLevelLayout(g).total_elems() * (is_double ? sizeof(double) : sizeof(float));
}

bool two_level_holds(int mode, long long n1, long long n2, long long tile, int F) {
  return with_mode(mode, [&](auto m) {
    return two_level_window_holds_extension<decltype(m)::value>(n1, n2, tile, F);
  });
}

// Emulator self-test kernel: each thread stores its value in shared memory,
// then reads thread t + shift's (its own where that is out of range).
// Without the barrier that read is a race, which the emulator must turn into
// a wrong answer; which thread orders expose it depends on shift's sign.
void exchange(std::uintptr_t values, std::uintptr_t out, int threads, int shift,
              bool with_barrier, int schedule) {
  const double* v = reinterpret_cast<const double*>(values);
  double* o = reinterpret_cast<double*>(out);
  EmulatorOptions opt;
  opt.schedule = schedule;
  Emulator::launch(1, threads, threads * sizeof(double), [&](const HostBlock& b) {
    double* slot = reinterpret_cast<double*>(b.shared());
    const int t = b.thread(), n = b.threads();
    slot[t] = v[t];
    if (with_barrier) b.sync();
    const int u = t + shift;
    o[t] = slot[u >= 0 && u < n ? u : t];
  }, opt);
}

// Emulator self-test kernel: a barrier only even threads reach (undefined
// behaviour in CUDA), which the emulator must refuse.
void divergent_barrier(int threads) {
  Emulator::launch(1, threads, 0, [](const HostBlock& b) {
    if (b.thread() % 2 == 0) b.sync();
  });
}

// Emulator self-test kernel: a write one element past the shared memory.
void shared_overrun(int threads) {
  Emulator::launch(1, threads, 16, [](const HostBlock& b) {
    if (b.thread() == 0) b.shared()[16] = 0;
  });
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_fused_host, m) {
  namespace py = pybind11;
  m.doc() = "Host build of cuwavelet's fused 2D kernels (kernels/dwt2_fused.cuh) through the "
            "thread-block emulator of kernels/block_runtime.cuh.";
  m.def("launch", &cuwavelet::launch, py::arg("op"), py::arg("mode"), py::arg("is_double"),
        py::arg("geometry"), py::arg("image"), py::arg("aa"), py::arg("ad"), py::arg("da"),
        py::arg("dd"), py::arg("lo_y"), py::arg("hi_y"), py::arg("lo_x"), py::arg("hi_x"),
        py::arg("grid"), py::arg("threads"), py::arg("schedule"), py::arg("seed"),
        py::arg("skip_barrier") = -1);
  m.def("shared_bytes", &cuwavelet::shared_bytes);
  m.def("launch_two_levels", &cuwavelet::launch_two_levels);
  m.def("two_level_shared_bytes", &cuwavelet::two_level_shared_bytes);
  m.def("two_level_holds", &cuwavelet::two_level_holds);
  m.attr("two_level_geometry_size") = sizeof(cuwavelet::TwoLevelGeometry);
  m.def("fold_reach", &cuwavelet::fold_reach_of, py::arg("mode"), py::arg("N"), py::arg("n"),
        py::arg("F"));
  m.def("exchange", &cuwavelet::exchange);
  m.def("divergent_barrier", &cuwavelet::divergent_barrier);
  m.def("shared_overrun", &cuwavelet::shared_overrun);
  m.attr("geometry_size") = sizeof(cuwavelet::FusedGeometry);
  m.attr("schedules") = py::dict(py::arg("reversed") = (int)cuwavelet::block::kReversed,
                                 py::arg("shuffled") = (int)cuwavelet::block::kShuffled,
                                 py::arg("forward") = (int)cuwavelet::block::kForward);
}
