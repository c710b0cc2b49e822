// Host glue only: the field layout of the records the kernels take by value,
// described for Python (cuwavelet/_launch.py builds its NumPy record dtypes
// from these tables, so the layout has one source: the structs themselves).
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>

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

}  // namespace cuwavelet
