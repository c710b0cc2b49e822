// Host glue of the emulator extensions (fused_host.cpp, dwt1_multilevel_host.cpp):
// the field layout of the records the kernels take by value, described for
// Python (cuwavelet/_launch.py builds its NumPy record dtypes from these
// tables, so the layout has one source: the structs themselves), and the
// entries every such extension has (define_emulator_module).
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>

#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "block_runtime.cuh"
#include "fused_launch.cuh"

namespace cuwavelet {

struct RecordField {
  const char* name;
  std::size_t offset, size;
  std::size_t rows, cols;  // array extents (0: not an array)
  char type;               // 'q' 64-bit int, 'f' float, 'd' double
};

template <typename T>
constexpr char type_code() {
  typedef typename std::remove_all_extents<T>::type E;
  return std::is_same<E, float>::value ? 'f' : std::is_same<E, double>::value ? 'd' : 'q';
}

// One field of record R, all of its layout from the compiler.
#define CUWAVELET_FIELD(R, field)                                                       \
  ::cuwavelet::RecordField{#field, offsetof(R, field), sizeof(R::field),                \
                           std::extent<decltype(R::field), 0>::value,                   \
                           std::extent<decltype(R::field), 1>::value,                   \
                           ::cuwavelet::type_code<decltype(R::field)>()}

// [(name, offset, (shape...), type code), ...] of a record whose fields are
// listed in order; refuses a list that misses a byte of the struct.
template <class R>
pybind11::tuple describe_record(std::initializer_list<RecordField> fields) {
  std::size_t covered = 0;
  pybind11::list out;
  for (const RecordField& f : fields) {
    if (f.offset != covered) throw std::logic_error(std::string("record field ") + f.name +
                                                    " is not where the previous one ends");
    covered = f.offset + f.size;
    pybind11::list shape;
    if (f.rows) shape.append(f.rows);
    if (f.cols) shape.append(f.cols);
    out.append(pybind11::make_tuple(f.name, f.offset, pybind11::tuple(shape), std::string(1, f.type)));
  }
  if (covered != sizeof(R)) throw std::logic_error("a record's field list misses a field");
  return pybind11::make_tuple(out, sizeof(R));
}

// A record from the bytes of its NumPy counterpart.
template <class R>
R record_of(const pybind11::bytes& raw_bytes, const char* what) {
  const std::string raw = raw_bytes;
  if (raw.size() != sizeof(R)) throw std::invalid_argument(std::string(what) + " has the wrong size");
  R r;
  std::memcpy(&r, raw.data(), sizeof(R));
  return r;
}

typedef block::Counts (*EmulateFn)(const std::string& family, int op, int mode, bool is_double,
                          const pybind11::bytes& geometry, const pybind11::bytes& operands,
                          const pybind11::bytes& filters, const block::EmulatorOptions& opt,
                          long long grid, int threads);
typedef long long (*SharedBytesFn)(const std::string& family, int op, int mode, bool is_double,
                                   const pybind11::bytes& geometry);

// The entries of an emulator extension (cuwavelet/_launch.py calls them):
// emulate(family, op, mode, is_double, geometry, operands, filters, grid,
// threads, schedule, seed, skip_barrier, run_blocks, count_sectors) -> the launch's counts
// (a dict of block::Counts' fields), shared_bytes(family, op, mode,
// is_double, geometry), records, block_threads, max_dims, schedules.
inline void define_emulator_module(pybind11::module_& m, EmulateFn emulate,
                                   SharedBytesFn shared_bytes, pybind11::dict records) {
  namespace py = pybind11;
  m.def("emulate",
        [emulate](const std::string& family, int op, int mode, bool is_double,
                  const py::bytes& geometry, const py::bytes& operands, const py::bytes& filters,
                  long long grid, int threads, int schedule, std::uint64_t seed,
                  long long skip_barrier, long long run_blocks, bool count_sectors) {
          block::EmulatorOptions opt;
          opt.schedule = schedule;
          opt.seed = seed;
          opt.skip_barrier = skip_barrier;
          opt.run_blocks = run_blocks;
          opt.count_sectors = count_sectors;
          const block::Counts c =
              emulate(family, op, mode, is_double, geometry, operands, filters, opt, grid, threads);
          return py::dict(py::arg("global_load_bytes") = c.global_load_bytes,
                          py::arg("global_store_bytes") = c.global_store_bytes,
                          py::arg("global_loads") = c.global_loads,
                          py::arg("shared_loads") = c.shared_loads,
                          py::arg("shared_stores") = c.shared_stores,
                          py::arg("multiply_adds") = c.multiply_adds,
                          py::arg("blocks") = c.blocks,
                          py::arg("global_load_sectors") = c.global_load_sectors,
                          py::arg("global_store_sectors") = c.global_store_sectors);
        },
        py::arg("family"), py::arg("op"), py::arg("mode"), py::arg("is_double"),
        py::arg("geometry"), py::arg("operands"), py::arg("filters"), py::arg("grid"),
        py::arg("threads"), py::arg("schedule"), py::arg("seed"), py::arg("skip_barrier") = -1,
        py::arg("run_blocks") = -1, py::arg("count_sectors") = false);
  m.def("shared_bytes", shared_bytes);
  m.attr("records") = records;
  m.attr("block_threads") = (int)kFusedBlockThreads;
  m.attr("max_dims") = (int)kMaxDims;
  m.attr("schedules") = py::dict(py::arg("reversed") = (int)block::kReversed,
                                 py::arg("shuffled") = (int)block::kShuffled,
                                 py::arg("forward") = (int)block::kForward);
}

}  // namespace cuwavelet
