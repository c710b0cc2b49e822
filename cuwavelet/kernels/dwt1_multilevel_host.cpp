// CPU glue of the fused multi-level 1D kernels: the same kernel bodies as the
// GPU (dwt1_multilevel.cuh: wavedec; dwt1_coarse_to_fine.cuh: waverec and
// wavedec's adjoint), run block by block by the thread-block emulator of
// block_runtime.cuh, so CI checks the windows, the on-chip boundary extension
// and the barriers without a GPU. A verification build, not a fast CPU path
// (NumPy arrays keep the separable host kernels for speed).
//
// Families (cuwavelet/_launch.py): "wavedec1d" and "coarse_to_fine1d" (op:
// synthesis or analysis adjoint). Every launch takes the three records of
// fused_launch.cuh as the bytes of their NumPy counterparts.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "block_runtime.cuh"
#include "dwt1_coarse_to_fine.cuh"
#include "dwt1_multilevel.cuh"
#include "fused_launch.cuh"
#include "host_dispatch.h"
#include "emulator_host.h"

namespace cuwavelet {
namespace {

namespace py = pybind11;
using block::Counts;
using block::Emulator;
using block::EmulatorOptions;
using block::HostBlock;

void check_levels_and_taps(index_t levels, index_t F) {
  if (levels < 1 || levels > kMaxFusedLevels) throw std::invalid_argument("levels out of range");
  if (F < 2 || F > kMaxFusedTaps || F % 2)
    throw std::invalid_argument("filter length must be even and at most kMaxFusedTaps");
}

MultilevelGeometry wavedec_geometry(const py::bytes& raw) {
  const MultilevelGeometry g = record_of<MultilevelGeometry>(raw, "multilevel geometry");
  check_levels_and_taps(g.levels, g.filter_len);
  return g;
}

CoarseToFineGeometry c2f_geometry(const py::bytes& raw) {
  const CoarseToFineGeometry g = record_of<CoarseToFineGeometry>(raw, "coarse-to-fine geometry");
  check_levels_and_taps(g.levels, g.filter_len);
  if (g.tile < 1 || g.tiles < 1) throw std::invalid_argument("tiles must be positive");
  return g;
}

// f(op tag, mode tag) for a coarse-to-fine operation.
template <class F>
auto with_op_and_mode(int op, int mode, F&& f) {
  if (op == kCoarseToFineSynthesis)
    return with_mode(mode, [&](auto m) {
      return f(std::integral_constant<int, kCoarseToFineSynthesis>(), m);
    });
  if (op == kCoarseToFineAnalysisAdjoint)
    return with_mode(mode, [&](auto m) {
      return f(std::integral_constant<int, kCoarseToFineAnalysisAdjoint>(), m);
    });
  throw std::invalid_argument("unknown coarse-to-fine operation number");
}

template <typename T>
Counts emulate_typed(const std::string& family, int op, int mode, const py::bytes& geometry,
                   const MultilevelOperands& o, const py::bytes& filters, index_t grid,
                   int threads, const EmulatorOptions& opt) {
  const FilterTaps<T> taps = record_of<FilterTaps<T>>(filters, "filter record");
  if (family == "wavedec1d") {
    const MultilevelGeometry g = wavedec_geometry(geometry);
    const std::size_t bytes = sizeof(T) * (std::size_t)multilevel_shared_elems<T>(g);
    return with_mode(mode, [&](auto m) {
      constexpr int M = decltype(m)::value;
      py::gil_scoped_release release;
      return Emulator::launch(grid, threads, bytes, [&](const HostBlock& b) {
        fused_wavedec_1d<M, T>(b, g, o, taps);
      }, opt);
    });
  } else if (family == "coarse_to_fine1d") {
    const CoarseToFineGeometry g = c2f_geometry(geometry);
    if (g.capacity < 1) throw std::invalid_argument("geometry not prepared (capacity)");
    const std::size_t bytes = sizeof(T) * (std::size_t)coarse_to_fine_shared_elems<T>(g);
    return with_op_and_mode(op, mode, [&](auto o_tag, auto m) {
      constexpr int OP = decltype(o_tag)::value, M = decltype(m)::value;
      py::gil_scoped_release release;
      return Emulator::launch(grid, threads, bytes, [&](const HostBlock& b) {
        fused_coarse_to_fine_1d<OP, M, T>(b, g, o, taps);
      }, opt);
    });
  } else {
    throw std::invalid_argument("unknown fused 1D kernel family " + family);
  }
}

Counts emulate(const std::string& family, int op, int mode, bool is_double,
              const py::bytes& geometry, const py::bytes& operands, const py::bytes& filters,
              const EmulatorOptions& opt, long long grid, int threads) {
  const MultilevelOperands o = record_of<MultilevelOperands>(operands, "operand record");
  if (is_double)
    return emulate_typed<double>(family, op, mode, geometry, o, filters, grid, threads, opt);
  return emulate_typed<float>(family, op, mode, geometry, o, filters, grid, threads, opt);
}

// Dynamic shared memory of one block, from the kernels' own layouts.
long long shared_bytes(const std::string& family, int op, int mode, bool is_double,
                       const py::bytes& geometry) {
  if (family == "wavedec1d") {
    const MultilevelGeometry g = wavedec_geometry(geometry);
    return is_double ? sizeof(double) * (long long)multilevel_shared_elems<double>(g)
                     : sizeof(float) * (long long)multilevel_shared_elems<float>(g);
  }
  if (family == "coarse_to_fine1d")
    return is_double ? sizeof(double) * (long long)coarse_to_fine_shared_elems<double>(
                           c2f_geometry(geometry))
                     : sizeof(float) * (long long)coarse_to_fine_shared_elems<float>(
                           c2f_geometry(geometry));
  throw std::invalid_argument("unknown fused 1D kernel family " + family);
}

// The geometry with what the kernels' own code derives from it: fold_reach of
// every level (the adjoint) and the window capacities (coarse_to_fine_capacities).
py::bytes c2f_prepare(int op, int mode, const py::bytes& geometry) {
  CoarseToFineGeometry g = c2f_geometry(geometry);
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
    coarse_to_fine_capacities<OP, M>(g);
  });
  return py::bytes(reinterpret_cast<const char*>(&g), sizeof(g));
}

py::dict records() {
  typedef MultilevelGeometry MG;
  typedef CoarseToFineGeometry CG;
  py::dict d;
  d["MultilevelGeometry"] = describe_record<MG>({
      CUWAVELET_FIELD(MG, batch_ndim), CUWAVELET_FIELD(MG, batch_total),
      CUWAVELET_FIELD(MG, levels), CUWAVELET_FIELD(MG, filter_len), CUWAVELET_FIELD(MG, tile),
      CUWAVELET_FIELD(MG, tiles), CUWAVELET_FIELD(MG, cascade),
      CUWAVELET_FIELD(MG, block_outputs), CUWAVELET_FIELD(MG, len),
      CUWAVELET_FIELD(MG, batch_shape), CUWAVELET_FIELD(MG, stride)});
  d["CoarseToFineGeometry"] = describe_record<CG>({
      CUWAVELET_FIELD(CG, batch_ndim), CUWAVELET_FIELD(CG, batch_total),
      CUWAVELET_FIELD(CG, levels), CUWAVELET_FIELD(CG, filter_len), CUWAVELET_FIELD(CG, tile),
      CUWAVELET_FIELD(CG, tiles), CUWAVELET_FIELD(CG, capacity),
      CUWAVELET_FIELD(CG, stack_capacity), CUWAVELET_FIELD(CG, len),
      CUWAVELET_FIELD(CG, fold_reach), CUWAVELET_FIELD(CG, batch_shape),
      CUWAVELET_FIELD(CG, stride)});
  d["OperandAddresses<14>"] =
      describe_record<MultilevelOperands>({CUWAVELET_FIELD(MultilevelOperands, address)});
  d["FilterTaps<float>"] = describe_record<FilterTaps<float>>(
      {CUWAVELET_FIELD(FilterTaps<float>, lo), CUWAVELET_FIELD(FilterTaps<float>, hi)});
  d["FilterTaps<double>"] = describe_record<FilterTaps<double>>(
      {CUWAVELET_FIELD(FilterTaps<double>, lo), CUWAVELET_FIELD(FilterTaps<double>, hi)});
  return d;
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_fused1d_host, m) {
  namespace py = pybind11;
  m.doc() = "Host build of cuwavelet's fused multi-level 1D kernels (kernels/dwt1_multilevel.cuh, "
            "kernels/dwt1_coarse_to_fine.cuh) through the thread-block emulator of "
            "kernels/block_runtime.cuh.";
  cuwavelet::define_emulator_module(m, &cuwavelet::emulate, &cuwavelet::shared_bytes,
                                    cuwavelet::records());
  m.def("coarse_to_fine_prepare", &cuwavelet::c2f_prepare, py::arg("op"), py::arg("mode"),
        py::arg("geometry"));
  m.attr("max_levels") = (int)cuwavelet::kMaxFusedLevels;
  m.attr("max_taps") = (int)cuwavelet::kMaxFusedTaps;
  m.attr("register_block") = (int)cuwavelet::kRegisterBlock;
}
