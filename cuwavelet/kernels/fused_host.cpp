// CPU glue of the fused 2D kernels: the same kernel bodies as the GPU
// (dwt2_fused.cuh, dwt2_two_levels.cuh), run thread block by thread block by
// the emulator of block_runtime.cuh, so CI checks the shared-memory tiling,
// the barriers and the halo arithmetic without a GPU. A verification build,
// not a fast CPU path (NumPy arrays keep the separable host kernels).
//
// Families (cuwavelet/_launch.py): "dwt2" (one level: analysis, synthesis,
// analysis adjoint), "dwt2_two_levels" and "idwt2_two_levels". Every launch takes the three
// records of fused_launch.cuh as the bytes of their NumPy counterparts.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt2_two_levels.cuh"
#include "dwt2_two_levels_synthesis.cuh"
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

typedef OperandAddresses<kFusedOperands> FusedOperands;
typedef OperandAddresses<kTwoLevelOperands> TwoLevelOperands;

template <int OP, int M, typename T, class Filters>
Counts run_level(const FusedGeometry& g, const FusedOperands& o, const Filters& f,
               index_t grid, int threads, const EmulatorOptions& opt) {
  const std::size_t bytes = sizeof(T) * (std::size_t)fused_shared_elems<M>(OP, g);
  return Emulator::launch(grid, threads, bytes, [&](const HostBlock& b) {
    fused_level_2d<OP, M, T>(b, g, o, f);
  }, opt);
}

template <int M, typename T, class Filters>
Counts run_two_levels(const TwoLevelGeometry& g, const TwoLevelOperands& o,
                    const Filters& f, index_t grid, int threads,
                    const EmulatorOptions& opt) {
  const std::size_t bytes = sizeof(T) * (std::size_t)TwoLevelLayout(g).total_elems();
  return Emulator::launch(grid, threads, bytes, [&](const HostBlock& b) {
    fused_two_levels_2d<M, T>(b, g, o, f);
  }, opt);
}

template <int M, typename T, class Filters>
Counts run_two_level_synthesis(const TwoLevelGeometry& g, const TwoLevelOperands& o,
                               const Filters& f, index_t grid, int threads,
                               const EmulatorOptions& opt) {
  const std::size_t bytes = sizeof(T) * (std::size_t)TwoLevelSynthesisLayout<M>(g).total_elems();
  return Emulator::launch(grid, threads, bytes, [&](const HostBlock& b) {
    fused_synthesis_two_levels_2d<M, T>(b, g, o, f);
  }, opt);
}

// f(mode tag) for the two-level synthesis' modes: zero-padded or periodization.
template <class F>
auto with_synthesis_mode(int op, int mode, F&& f) {
  if (op != kFusedSynthesis || (mode != kZero && mode != kPeriodization))
    throw std::invalid_argument("idwt2_two_levels runs the synthesis in zero or periodization mode");
  return mode == kZero ? f(std::integral_constant<int, kZero>())
                       : f(std::integral_constant<int, kPeriodization>());
}

void check_op(int op) {
  if (op < kFusedAnalysis || op > kFusedAnalysisAdjoint)
    throw std::invalid_argument("unknown fused operation number");
}

// f(op tag, mode tag) for a 2D level operation.
template <class F>
void with_level_op(int op, int mode, F&& f) {
  check_op(op);
  with_mode(mode, [&](auto m) {
    if (op == kFusedAnalysis) f(std::integral_constant<int, kFusedAnalysis>(), m);
    else if (op == kFusedSynthesis) f(std::integral_constant<int, kFusedSynthesis>(), m);
    else f(std::integral_constant<int, kFusedAnalysisAdjoint>(), m);
  });
}

// f(filter record) for the record `filters` holds: the taps by value
// (FilterTaps2D<T>) or their addresses (FilterAddresses), told by its size.
template <typename T, class F>
Counts with_filters(const py::bytes& filters, F&& f) {
  if (py::len(filters) == sizeof(FilterAddresses))
    return f(record_of<FilterAddresses>(filters, "filter record"));
  return f(record_of<FilterTaps2D<T>>(filters, "filter record"));
}

template <typename T>
Counts emulate_as(const std::string& family, int op, int mode, const py::bytes& geometry,
                  const py::bytes& operands, const py::bytes& filters,
                  const EmulatorOptions& opt, long long grid, int threads) {
  if (family == "dwt2") {
    const FusedGeometry g = record_of<FusedGeometry>(geometry, "dwt2 geometry");
    const FusedOperands o = record_of<FusedOperands>(operands, "operand record");
    Counts counts;
    with_level_op(op, mode, [&](auto o_tag, auto m) {
      constexpr int OP = decltype(o_tag)::value, M = decltype(m)::value;
      counts = with_filters<T>(filters, [&](const auto& f) {
        py::gil_scoped_release release;
        return run_level<OP, M, T>(g, o, f, grid, threads, opt);
      });
    });
    return counts;
  }
  if (family == "dwt2_two_levels") {
    const TwoLevelGeometry g = record_of<TwoLevelGeometry>(geometry, "two-level geometry");
    const TwoLevelOperands o = record_of<TwoLevelOperands>(operands, "operand record");
    Counts counts;
    with_mode(mode, [&](auto m) {
      constexpr int M = decltype(m)::value;
      counts = with_filters<T>(filters, [&](const auto& f) {
        py::gil_scoped_release release;
        return run_two_levels<M, T>(g, o, f, grid, threads, opt);
      });
    });
    return counts;
  }
  if (family == "idwt2_two_levels") {
    const TwoLevelGeometry g = record_of<TwoLevelGeometry>(geometry, "two-level geometry");
    const TwoLevelOperands o = record_of<TwoLevelOperands>(operands, "operand record");
    return with_synthesis_mode(op, mode, [&](auto m) {
      constexpr int M = decltype(m)::value;
      return with_filters<T>(filters, [&](const auto& f) {
        py::gil_scoped_release release;
        return run_two_level_synthesis<M, T>(g, o, f, grid, threads, opt);
      });
    });
  }
  throw std::invalid_argument("unknown fused 2D kernel family " + family);
}

Counts emulate(const std::string& family, int op, int mode, bool is_double,
              const py::bytes& geometry, const py::bytes& operands, const py::bytes& filters,
              const EmulatorOptions& opt, long long grid, int threads) {
  return is_double
             ? emulate_as<double>(family, op, mode, geometry, operands, filters, opt, grid, threads)
             : emulate_as<float>(family, op, mode, geometry, operands, filters, opt, grid, threads);
}

// Dynamic shared memory of one block, from the kernels' own layouts.
long long shared_bytes(const std::string& family, int op, int mode, bool is_double,
                       const py::bytes& geometry) {
  long long elems = 0;
  if (family == "dwt2") {
    const FusedGeometry g = record_of<FusedGeometry>(geometry, "dwt2 geometry");
    check_op(op);
    elems = with_mode(mode, [&](auto m) { return fused_shared_elems<decltype(m)::value>(op, g); });
  } else if (family == "dwt2_two_levels") {
    elems = TwoLevelLayout(record_of<TwoLevelGeometry>(geometry, "two-level geometry")).total_elems();
  } else if (family == "idwt2_two_levels") {
    const TwoLevelGeometry g = record_of<TwoLevelGeometry>(geometry, "two-level geometry");
    elems = with_synthesis_mode(op, mode, [&](auto m) {
      return TwoLevelSynthesisLayout<decltype(m)::value>(g).total_elems();
    });
  } else {
    throw std::invalid_argument("unknown fused 2D kernel family " + family);
  }
  return elems * (is_double ? sizeof(double) : sizeof(float));
}

// Inputs an interior tile of `tile` outputs loads along one axis.
int tile_window(const std::string& family, int op, int mode, int tile, int F) {
  if (family == "dwt2") {
    check_op(op);
    return with_mode(mode, [&](auto m) { return fused_tile_window<decltype(m)::value>(op, tile, F); });
  }
  if (family == "dwt2_two_levels") return two_level_r0(tile, F);
  throw std::invalid_argument("unknown fused 2D kernel family " + family);
}

// FusedGeometry.fold_reach of one axis (signal N, coefficients n, filter F).
py::tuple fold_reach_of(int mode, long long N, long long n, int F) {
  index_t r[4];
  with_mode(mode, [&](auto tag) { fold_reach<decltype(tag)::value>(N, n, F, r); });
  return py::make_tuple(r[0], r[1], r[2], r[3]);
}

// The rows a two-level synthesis segment merges before its first pass's own
// (its warm passes'): (level-1 rows, level-2 rows).
py::tuple synthesis_warm_rows(int mode, int F) {
  return with_synthesis_mode(kFusedSynthesis, mode, [&](auto m) {
    const SynthesisRows<decltype(m)::value> y(F);
    return py::make_tuple(y.lead1() - y.e1, y.lead2() - y.q_first);
  });
}

bool two_level_holds(int mode, long long n1, long long n2, long long run, int F) {
  return with_mode(mode, [&](auto m) {
    return two_level_window_holds_extension<decltype(m)::value>(n1, n2, run, F);
  });
}

py::dict records() {
  py::dict d;
  d["FusedGeometry"] = describe_record<FusedGeometry>({
      CUWAVELET_FIELD(FusedGeometry, batch_ndim), CUWAVELET_FIELD(FusedGeometry, batch_total),
      CUWAVELET_FIELD(FusedGeometry, signal_len), CUWAVELET_FIELD(FusedGeometry, coeff_len),
      CUWAVELET_FIELD(FusedGeometry, filter_len), CUWAVELET_FIELD(FusedGeometry, tile),
      CUWAVELET_FIELD(FusedGeometry, tiles), CUWAVELET_FIELD(FusedGeometry, tile0),
      CUWAVELET_FIELD(FusedGeometry, span), CUWAVELET_FIELD(FusedGeometry, ring),
      CUWAVELET_FIELD(FusedGeometry, fold_reach),
      CUWAVELET_FIELD(FusedGeometry, batch_shape), CUWAVELET_FIELD(FusedGeometry, stride)});
  d["TwoLevelGeometry"] = describe_record<TwoLevelGeometry>({
      CUWAVELET_FIELD(TwoLevelGeometry, batch_ndim),
      CUWAVELET_FIELD(TwoLevelGeometry, batch_total),
      CUWAVELET_FIELD(TwoLevelGeometry, signal_len), CUWAVELET_FIELD(TwoLevelGeometry, len1),
      CUWAVELET_FIELD(TwoLevelGeometry, len2), CUWAVELET_FIELD(TwoLevelGeometry, filter_len),
      CUWAVELET_FIELD(TwoLevelGeometry, tile), CUWAVELET_FIELD(TwoLevelGeometry, tiles),
      CUWAVELET_FIELD(TwoLevelGeometry, step), CUWAVELET_FIELD(TwoLevelGeometry, origin),
      CUWAVELET_FIELD(TwoLevelGeometry, batch_shape), CUWAVELET_FIELD(TwoLevelGeometry, stride)});
  d["OperandAddresses<5>"] = describe_record<FusedOperands>({CUWAVELET_FIELD(FusedOperands, address)});
  d["OperandAddresses<8>"] =
      describe_record<TwoLevelOperands>({CUWAVELET_FIELD(TwoLevelOperands, address)});
  d["FilterAddresses"] = describe_record<FilterAddresses>({CUWAVELET_FIELD(FilterAddresses, address)});
  d["FilterTaps2D<float>"] =
      describe_record<FilterTaps2D<float>>({CUWAVELET_FIELD(FilterTaps2D<float>, tap)});
  d["FilterTaps2D<double>"] =
      describe_record<FilterTaps2D<double>>({CUWAVELET_FIELD(FilterTaps2D<double>, tap)});
  return d;
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

// Emulator self-test kernel: a write one element past the shared memory, or
// (read) a load of the element past it through the block.
// A block of 1 KB of shared memory whose thread 0 reads (b.load) or writes
// (b.store, or `raw`: through the pointer) the byte `past` bytes after its
// end: the emulator must refuse each.
void shared_overrun(int threads, bool read, int past, bool raw) {
  constexpr int kShared = 1024;
  Emulator::launch(1, threads, kShared, [read, past, raw](const HostBlock& b) {
    if (b.thread() != 0) return;
    unsigned char* at = b.shared() + kShared + past;
    if (read) {
      b.load(at);
    } else if (raw) {
      *at = 0;
    } else {
      b.store(at, (unsigned char)0);
    }
  });
}

// A block whose thread 0 reads shared memory with load_once, which the GPU
// compiles to a global-memory-only load (the emulator must refuse it).
void streaming_on_shared(int threads) {
  Emulator::launch(1, threads, 64, [](const HostBlock& b) {
    if (b.thread() == 0) b.load_once(reinterpret_cast<const float*>(b.shared()));
  });
}

// A block whose thread 0 makes a 16-byte load (load_once_16) `offset` bytes
// into a 16-byte aligned array: the GPU faults unless offset % 16 == 0, and
// the emulator must refuse the others.
void load_16(int threads, int offset) {
  alignas(16) static const float data[8] = {};
  Emulator::launch(1, threads, 64, [offset](const HostBlock& b) {
    if (b.thread() == 0)
      b.load_once_16(reinterpret_cast<const float*>(
          reinterpret_cast<const unsigned char*>(data) + offset));
  });
}

template <int M, int TAPS, typename T>
int min_blocks_of(int op) {
  switch (op) {
    case -2: return Dwt2MinBlocks<-2, M, TAPS, T>::value;
    case -1: return Dwt2MinBlocks<-1, M, TAPS, T>::value;
    case 0: return Dwt2MinBlocks<0, M, TAPS, T>::value;
    case 1: return Dwt2MinBlocks<1, M, TAPS, T>::value;
    case 2: return Dwt2MinBlocks<2, M, TAPS, T>::value;
  }
  throw std::invalid_argument("unknown fused 2D operation " + std::to_string(op));
}

// The launch bound's resident blocks per SM of a fused 2D kernel on the GPU.
int min_blocks(int op, int mode, bool by_value, int itemsize) {
  if (itemsize != 4 && itemsize != 8) throw std::invalid_argument("itemsize must be 4 or 8");
  return with_mode(mode, [&](auto m) {
    constexpr int M = decltype(m)::value;
    if (itemsize == 8) return by_value ? min_blocks_of<M, 1, double>(op) : min_blocks_of<M, 0, double>(op);
    return by_value ? min_blocks_of<M, 1, float>(op) : min_blocks_of<M, 0, float>(op);
  });
}

}  // namespace
}  // namespace cuwavelet

PYBIND11_MODULE(_fused_host, m) {
  namespace py = pybind11;
  m.doc() = "Host build of cuwavelet's fused 2D kernels (kernels/dwt2_fused.cuh, "
            "kernels/dwt2_two_levels.cuh, kernels/dwt2_two_levels_synthesis.cuh) through the thread-block emulator of "
            "kernels/block_runtime.cuh.";
  cuwavelet::define_emulator_module(m, &cuwavelet::emulate, &cuwavelet::shared_bytes,
                                    cuwavelet::records());
  m.def("tile_window", &cuwavelet::tile_window);
  m.def("min_blocks", &cuwavelet::min_blocks, py::arg("op"), py::arg("mode"), py::arg("by_value"),
        py::arg("itemsize"));
  m.attr("max_taps") = (int)cuwavelet::kMaxFusedTaps;
  m.def("fold_reach", &cuwavelet::fold_reach_of, py::arg("mode"), py::arg("N"), py::arg("n"),
        py::arg("F"));
  m.def("two_level_holds", &cuwavelet::two_level_holds, py::arg("mode"), py::arg("n1"),
        py::arg("n2"), py::arg("run"), py::arg("F"));
  m.def("two_level_warm_passes", &cuwavelet::two_level_warm_passes);
  m.def("two_level_synthesis_warm_rows", &cuwavelet::synthesis_warm_rows, py::arg("mode"),
        py::arg("F"));
  m.def("exchange", &cuwavelet::exchange);
  m.def("divergent_barrier", &cuwavelet::divergent_barrier);
  m.def("shared_overrun", &cuwavelet::shared_overrun, py::arg("threads"), py::arg("read") = false,
        py::arg("past") = 0, py::arg("raw") = false);
  m.def("streaming_on_shared", &cuwavelet::streaming_on_shared, py::arg("threads"));
  m.def("load_16", &cuwavelet::load_16, py::arg("threads"), py::arg("offset"));

}
