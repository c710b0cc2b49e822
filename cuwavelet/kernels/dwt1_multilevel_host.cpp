// CPU glue of the fused multi-level 1D kernels: the same kernel bodies as the
// GPU (dwt1_multilevel.cuh: wavedec; dwt1_coarse_to_fine.cuh: waverec and
// wavedec's adjoint), run block by block by the thread-block emulator of
// block_runtime.cuh, so CI checks the windows, the on-chip boundary extension
// and the barriers without a GPU. A verification build, not a fast CPU path
// (NumPy arrays keep the separable host kernels for speed).
#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "block_runtime.cuh"
#include "dwt1_coarse_to_fine.cuh"
#include "dwt1_multilevel.cuh"
#include "host_dispatch.h"

namespace cuwavelet {
namespace {

using block::Emulator;
using block::EmulatorOptions;
using block::HostBlock;

template <typename Record>
Record record_of(const pybind11::bytes& raw_bytes, const char* what) {
  const std::string raw = raw_bytes;
  if (raw.size() != sizeof(Record))
    throw std::invalid_argument(std::string(what) + " has the wrong size");
  Record r;
  std::memcpy(&r, raw.data(), sizeof(Record));
  return r;
}

template <int M, typename T>
void run(const MultilevelGeometry& g, const MultilevelOperands& ops, const FilterTaps<T>& taps,
         index_t grid, int threads, const EmulatorOptions& opt) {
  const std::size_t bytes = sizeof(T) * (std::size_t)multilevel_shared_elems(g);
  Emulator::launch(grid, threads, bytes, [&](const HostBlock& b) {
    fused_wavedec_1d<M, T>(b, g, ops, taps);
  }, opt);
}

template <typename T>
using RunFn = void (*)(const MultilevelGeometry&, const MultilevelOperands&,
                       const FilterTaps<T>&, index_t, int, const EmulatorOptions&);

template <typename T>
RunFn<T> pick(int mode) {
  return with_mode(mode, [](auto m) -> RunFn<T> { return run<decltype(m)::value, T>; });
}

void check(const MultilevelGeometry& g) {
  if (g.levels < 1 || g.levels > kMaxFusedLevels)
    throw std::invalid_argument("levels out of range");
  if (g.filter_len < 2 || g.filter_len > kMaxFusedTaps || g.filter_len % 2)
    throw std::invalid_argument("filter length must be even and at most kMaxFusedTaps");
}

template <typename T>
void launch_typed(int mode, const MultilevelGeometry& g, const pybind11::bytes& operands,
                  const pybind11::bytes& taps, index_t grid, int threads,
                  const EmulatorOptions& opt) {
  const RunFn<T> fn = pick<T>(mode);
  const MultilevelOperands ops = record_of<MultilevelOperands>(operands, "operand record");
  const FilterTaps<T> f = record_of<FilterTaps<T>>(taps, "filter record");
  pybind11::gil_scoped_release release;
  fn(g, ops, f, grid, threads, opt);
}

// The three records arrive as the bytes of the NumPy records of _fused1d.py;
// addresses inside the operand record are those of NumPy arrays.
void launch(int mode, bool is_double, pybind11::bytes geometry, pybind11::bytes operands,
            pybind11::bytes taps, long long grid, int threads, int schedule, std::uint64_t seed,
            long long skip_barrier) {
  const MultilevelGeometry g = record_of<MultilevelGeometry>(geometry, "multilevel geometry");
  check(g);
  EmulatorOptions opt;
  opt.schedule = schedule;
  opt.seed = seed;
  opt.skip_barrier = skip_barrier;
  if (is_double) launch_typed<double>(mode, g, operands, taps, grid, threads, opt);
  else launch_typed<float>(mode, g, operands, taps, grid, threads, opt);
}

// Dynamic shared memory of one block: the number _fused1d.py computes on its own.
long long shared_bytes(bool is_double, pybind11::bytes geometry) {
  const MultilevelGeometry g = record_of<MultilevelGeometry>(geometry, "multilevel geometry");
  check(g);
  return (long long)multilevel_shared_elems(g) * (is_double ? sizeof(double) : sizeof(float));
}

// --- coarse to fine (dwt1_coarse_to_fine.cuh) ---------------------------------

template <class F>
auto with_op_and_mode(int op, int mode, F&& f) {
  if (op == kCoarseToFineSynthesis)
    return with_mode(mode, [&](auto m) { return f(std::integral_constant<int, kCoarseToFineSynthesis>(), m); });
  if (op == kCoarseToFineAnalysisAdjoint)
    return with_mode(mode, [&](auto m) {
      return f(std::integral_constant<int, kCoarseToFineAnalysisAdjoint>(), m);
    });
  throw std::invalid_argument("unknown coarse-to-fine operation number");
}

void check(const CoarseToFineGeometry& g) {
  if (g.levels < 1 || g.levels > kMaxFusedLevels)
    throw std::invalid_argument("levels out of range");
  if (g.filter_len < 2 || g.filter_len > kMaxFusedTaps || g.filter_len % 2)
    throw std::invalid_argument("filter length must be even and at most kMaxFusedTaps");
  if (g.tile < 1 || g.tiles < 1) throw std::invalid_argument("tiles must be positive");
}

// The geometry with what the kernels' own code derives from it: fold_reach of
// every level (the adjoint) and the window capacity (coarse_to_fine_capacity).
pybind11::bytes c2f_prepare(int op, int mode, pybind11::bytes geometry) {
  CoarseToFineGeometry g = record_of<CoarseToFineGeometry>(geometry, "coarse-to-fine geometry");
  check(g);
  with_op_and_mode(op, mode, [&](auto o, auto m) {
    constexpr int OP = decltype(o)::value, M = decltype(m)::value;
    for (int j = 0; j < (int)g.levels; ++j) {
      if (OP == kCoarseToFineAnalysisAdjoint) {
        fold_reach<M>(g.len[j], g.len[j + 1], (int)g.filter_len, g.fold_reach[j]);
      } else {
        g.fold_reach[j][0] = g.fold_reach[j][2] = 1;
        g.fold_reach[j][1] = g.fold_reach[j][3] = 0;
      }
    }
    g.capacity = coarse_to_fine_capacity<OP, M>(g);
  });
  return pybind11::bytes(reinterpret_cast<const char*>(&g), sizeof(g));
}

template <typename T>
void c2f_launch_typed(int op, int mode, const CoarseToFineGeometry& g,
                      const pybind11::bytes& operands, const pybind11::bytes& taps, index_t grid,
                      int threads, const EmulatorOptions& opt) {
  const MultilevelOperands ops = record_of<MultilevelOperands>(operands, "operand record");
  const FilterTaps<T> f = record_of<FilterTaps<T>>(taps, "filter record");
  const std::size_t bytes = sizeof(T) * (std::size_t)coarse_to_fine_shared_elems(g);
  with_op_and_mode(op, mode, [&](auto o, auto m) {
    constexpr int OP = decltype(o)::value, M = decltype(m)::value;
    pybind11::gil_scoped_release release;
    Emulator::launch(grid, threads, bytes, [&](const HostBlock& b) {
      fused_coarse_to_fine_1d<OP, M, T>(b, g, ops, f);
    }, opt);
  });
}

void c2f_launch(int op, int mode, bool is_double, pybind11::bytes geometry,
                pybind11::bytes operands, pybind11::bytes taps, long long grid, int threads,
                int schedule, std::uint64_t seed, long long skip_barrier) {
  const CoarseToFineGeometry g =
      record_of<CoarseToFineGeometry>(geometry, "coarse-to-fine geometry");
  check(g);
  if (g.capacity < 1) throw std::invalid_argument("geometry not prepared (capacity)");
  EmulatorOptions opt;
  opt.schedule = schedule;
  opt.seed = seed;
  opt.skip_barrier = skip_barrier;
  if (is_double) c2f_launch_typed<double>(op, mode, g, operands, taps, grid, threads, opt);
  else c2f_launch_typed<float>(op, mode, g, operands, taps, grid, threads, opt);
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_fused1d_host, m) {
  namespace py = pybind11;
  m.doc() = "Host build of cuwavelet's fused multi-level 1D kernel (kernels/dwt1_multilevel.cuh) "
            "through the thread-block emulator of kernels/block_runtime.cuh.";
  m.def("launch", &cuwavelet::launch, py::arg("mode"), py::arg("is_double"), py::arg("geometry"),
        py::arg("operands"), py::arg("taps"), py::arg("grid"), py::arg("threads"),
        py::arg("schedule"), py::arg("seed"), py::arg("skip_barrier") = -1);
  m.def("shared_bytes", &cuwavelet::shared_bytes);
  m.def("coarse_to_fine_launch", &cuwavelet::c2f_launch, py::arg("op"), py::arg("mode"),
        py::arg("is_double"), py::arg("geometry"), py::arg("operands"), py::arg("taps"),
        py::arg("grid"), py::arg("threads"), py::arg("schedule"), py::arg("seed"),
        py::arg("skip_barrier") = -1);
  m.def("coarse_to_fine_prepare", &cuwavelet::c2f_prepare, py::arg("op"), py::arg("mode"),
        py::arg("geometry"));
  m.attr("coarse_to_fine_geometry_size") = sizeof(cuwavelet::CoarseToFineGeometry);
  m.attr("geometry_size") = sizeof(cuwavelet::MultilevelGeometry);
  m.attr("operands_size") = sizeof(cuwavelet::MultilevelOperands);
  m.attr("taps_size_double") = sizeof(cuwavelet::FilterTaps<double>);
  m.attr("max_levels") = (int)cuwavelet::kMaxFusedLevels;
  m.attr("max_taps") = (int)cuwavelet::kMaxFusedTaps;
  m.attr("schedules") = py::dict(py::arg("reversed") = (int)cuwavelet::block::kReversed,
                                 py::arg("shuffled") = (int)cuwavelet::block::kShuffled,
                                 py::arg("forward") = (int)cuwavelet::block::kForward);
}
