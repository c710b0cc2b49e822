// The launch convention of every fused kernel (dwt2_fused.cuh,
// dwt2_two_levels.cuh, dwt1_multilevel.cuh, dwt1_coarse_to_fine.cuh): three
// records passed by value,
//
//   geometry   the family's own record (how the launch walks its operands),
//              built once per layout by the host and cached with the plan;
//   operands   the addresses of the launch's arrays, new on every call;
//   filters    the filter bank: by address (filters of any length, kept in
//              global memory) or by value (FilterTaps, in the constant bank),
//
// so that one executor (cuwavelet/_launch.py) runs every family, on the GPU
// and through the thread-block emulator, and a plan keeps the geometry and the
// filters while only the operand record changes from call to call.
#pragma once

#include "block_runtime.cuh"
#include "dwt_math.cuh"

namespace cuwavelet {

// Threads per block of every fused kernel (their __launch_bounds__).
enum { kFusedBlockThreads = 256 };

template <int N>
struct OperandAddresses {
  index_t address[N];  // 0: an absent operand (a subband whose cotangent is zero, say)
  template <typename T>
  CUWAVELET_HD T* get(int k) const { return reinterpret_cast<T*>(address[k]); }
};

// Element offset of operand `operand` at the start of batch item `item` (the
// record's batch dimensions in row-major order): batch_offsets of dwt_math.cuh
// for one operand, for kernels that index operands with run-time numbers
// (an array of offsets indexed so would live in local memory).
template <class BatchGeometry>
CUWAVELET_HD index_t batch_offset(const BatchGeometry& g, index_t item, int operand) {
  index_t offset = 0;
  for (index_t d = g.batch_ndim - 1; d >= 0; --d) {
    const index_t n = g.batch_shape[d], next = item / n;
    offset += (item - next * n) * g.stride[operand][d];
    item = next;
  }
  return offset;
}

// Shared-memory windows that a thread reads with a stride (its several
// consecutive outputs: register blocking) hold one spare element every 128
// bytes, so that the lanes of a warp reading at any power-of-two stride up to
// 32 elements hit distinct banks: element i of a window sits at slot
// padded<A>(i), and a window of n elements takes padded_size<A>(n) slots.
template <typename A>
CUWAVELET_HD int padded(int i) { return i + (i >> (sizeof(A) == 8 ? 4 : 5)); }
template <typename A>
CUWAVELET_HD int padded_size(int n) { return n > 0 ? padded<A>(n - 1) + 1 : 0; }

// Filters, as a kernel takes them (its last record).
//   by value (FilterTaps, FilterTaps2D): in the constant bank; the tap loops
//     (for_tap_pairs) are unrolled so that every tap index is a constant and
//     each tap an FMA operand, no load. Even lengths up to kMaxFusedTaps.
//   by address (FilterAddresses): filters of any length in global memory
//     (learned filters stay on the device), one load per tap.
enum { kMaxFusedTaps = 32 };

// One bank's analysis (or synthesis) filters by value.
template <typename T>
struct FilterTaps {
  T lo[kMaxFusedTaps];
  T hi[kMaxFusedTaps];
};

// Four filters by value: lo and hi along y, then along x (zeros past F).
template <typename T>
struct FilterTaps2D {
  enum { kByValue = 1 };
  T tap[4][kMaxFusedTaps];
  template <typename U>
  CUWAVELET_HD const U* get(int k) const {
    static_assert(sizeof(U) == sizeof(T), "filters of another dtype");
    return tap[k];
  }
};

// Four filters in global memory: lo and hi along y, then along x.
struct FilterAddresses {
  enum { kByValue = 0 };
  index_t address[4];
  template <typename T>
  CUWAVELET_HD const T* get(int k) const { return reinterpret_cast<const T*>(address[k]); }
};

// The row of flat index e in a block-local grid of `cols` columns (a window's
// or a tile's cells, which shared memory bounds: 0 <= e < 2^20): e / cols from
// a float reciprocal and one correction (|e * inverse - e / cols| <
// e / cols * 2^-23 < 1/8). A few instructions, where an integer division by a
// runtime value is a subroutine of some twenty, and the 2D kernels divide for
// every value they load or compute: on an H100 (ncu, W6) the level-1
// analysis, synthesis and analysis adjoint ran 17-22% faster than with the
// division.
struct RowOf {
  int cols;
  float inverse;
  CUWAVELET_HD explicit RowOf(int c) : cols(c), inverse(c > 0 ? 1.0f / (float)c : 0.0f) {}
  CUWAVELET_HD int operator()(int e) const {
    const int r = (int)((float)e * inverse), c = e - r * cols;
    return r + (c >= cols) - (c < 0);
  }
};

// body(r, c) for the cells of a block-local rows x cols grid, thread t taking
// the flat indices t, t + threads, ... (neighbouring threads: neighbouring c).
template <class Block, class Body>
CUWAVELET_BLOCK void for_each_cell(const Block& b, int rows, int cols, Body&& body) {
  const RowOf row_of(cols);
  for (int e = b.thread(); e < rows * cols; e += b.threads()) {
    const int r = row_of(e);
    body(r, e - r * cols);
  }
}

// Loads `count` values into shared memory: store(e, value(e)) for e < count,
// thread t taking e = t, t + threads, ... K at a time: the K values (global
// loads, each guarded inside value) are requested before the first is stored.
// A store waits for its load, so a plain loop would leave each thread one load
// in flight, far from what a GPU needs to cover DRAM latency (bytes in flight =
// bandwidth x latency: ~20 KB per H100 SM, a handful of 4-byte loads per thread).
template <int K, class Block, class Value, class Store>
CUWAVELET_BLOCK void gather(const Block& b, int count, Value&& value, Store&& store) {
  typedef decltype(value(0)) V;
  const int nt = b.threads();
  for (int e0 = b.thread(); e0 < count; e0 += K * nt) {
    V v[K];
    CUWAVELET_UNROLL
    for (int u = 0; u < K; ++u) v[u] = e0 + u * nt < count ? value(e0 + u * nt) : V(0);
    CUWAVELET_UNROLL
    for (int u = 0; u < K; ++u)
      if (e0 + u * nt < count) store(e0 + u * nt, v[u]);
  }
}

// Loads in flight per thread in the fused kernels' gathers.
enum { kGatherDepth = 4 };
// ... and 16-byte loads in gather_rows_16's (as many bytes as kGatherDepth
// floats; two spilled in the 2D analysis).
enum { kVectorGatherDepth = 1 };

// gather over a window of rows x cols values taken in the same order:
// value(r, c) and store(r, c, v).
template <int K, class Block, class Value, class Store>
CUWAVELET_BLOCK void gather_2d(const Block& b, int rows, int cols, Value&& value, Store&& store) {
  const RowOf row_of(cols);
  gather<K>(
      b, rows * cols,
      [&](int e) {
        const int r = row_of(e);
        return value(r, e - r * cols);
      },
      [&](int e, decltype(value(0, 0)) v) {
        const int r = row_of(e);
        store(r, e - r * cols, v);
      });
}

// gather_2d of a window whose rows are contiguous in global memory, 16 bytes
// per load (Lanes16: 4 floats, 2 doubles) where a value at a time costs an
// address, a load and a row lookup each: value (r, c) of the window is
// corner[r * row_step + c - lead], for an aligned `corner` (16 bytes) and
// row_step (lanes), lead < lanes. Each load is handed whole to
// store(r, c0, lanes): the values of columns c0 .. c0 + lanes - 1 of row r,
// of which those before column 0 or from column `cols` on (the first and
// last loads of a row overhang the window, inside the image: the caller's to
// check) are not the window's (store_lanes below).
template <int K, typename T, class Block, class Store>
CUWAVELET_BLOCK void gather_rows_16(const Block& b, const T* corner, int row_step, int lead,
                                    int rows, int cols, Store&& store) {
  enum { V = Lanes16<T>::kLanes };
  const int per_row = (lead + cols + V - 1) / V, count = rows * per_row;
  const RowOf row_of(per_row);
  const int nt = b.threads();
  for (int e0 = b.thread(); e0 < count; e0 += K * nt) {
    Lanes16<T> v[K];
    int r[K], c0[K];
    CUWAVELET_UNROLL
    for (int u = 0; u < K; ++u) {
      const int e = e0 + u * nt;
      r[u] = row_of(e);
      c0[u] = (e - r[u] * per_row) * V;  // (from the aligned corner, then from the window's)
      if (e < count) v[u] = b.load_once_16(corner + (r[u] * row_step + c0[u]));
      c0[u] -= lead;
    }
    CUWAVELET_UNROLL
    for (int u = 0; u < K; ++u)
      if (e0 + u * nt < count) store(r[u], c0[u], v[u]);
  }
}

// Compiled with CUWAVELET_VECTOR_GATHER=0, every window loads a value at a
// time (an A/B on a GPU: ncu_workloads.py --define).
#ifndef CUWAVELET_VECTOR_GATHER
#define CUWAVELET_VECTOR_GATHER 1
#endif

// Where window [r0, r0 + rows) x [c0, c0 + cols) of a 2D array (element
// strides sy, sx; ny x nx) can take gather_rows_16: the 16-byte aligned
// address its loads start from, and its `lead` (the columns before c0 they
// load), or null. It must lie inside the array, its rows contiguous (sx = 1)
// and 16-byte aligned (the start and sy), the last load of each row not
// passing the row's end, and its offsets fit in 32 bits.
template <typename T>
CUWAVELET_HD const T* rows_16_corner(const T* base, index_t sy, index_t sx, index_t ny, index_t nx,
                                     index_t r0, index_t c0, int rows, int cols, int& lead) {
  enum { V = Lanes16<T>::kLanes };
  if (!CUWAVELET_VECTOR_GATHER || sizeof(T) * V != 16 || !base || sx != 1 || sy % V != 0)
    return nullptr;
  if (r0 < 0 || c0 < 0 || r0 + rows > ny || (c0 + cols + V - 1) / V * V > nx) return nullptr;
  if ((sy < 0 ? -sy : sy) * rows + c0 % V + cols >= (index_t(1) << 31)) return nullptr;
  lead = (int)(c0 % V);
  const T* corner = base + r0 * sy + (c0 - lead);
  return reinterpret_cast<unsigned long long>(corner) % 16 == 0 ? corner : nullptr;
}

// The lanes of a gather_rows_16 load at columns c0 .. of a window of `cols`
// columns: put(l, value) for each lane l whose column is in [0, cols); one
// test for the loads inside the window (all but a row's first and last).
template <typename T, class Put>
CUWAVELET_BLOCK void store_lanes(int c0, int cols, const Lanes16<T>& v, Put&& put) {
  enum { V = Lanes16<T>::kLanes };
  if (c0 >= 0 && c0 + V <= cols) {
    CUWAVELET_UNROLL
    for (int l = 0; l < V; ++l) put(l, v.v[l]);
  } else {
    CUWAVELET_UNROLL
    for (int l = 0; l < V; ++l)
      if (c0 + l >= 0 && c0 + l < cols) put(l, v.v[l]);
  }
}

// Compiled with CUWAVELET_TWO_PAIRS=0, the synthesis and the zero-mode
// analysis adjoint compute one pair of outputs per thread in each pass, as
// before their two-pair passes: for an A/B on a GPU (ncu_workloads.py
// --define; gpu_session.sh's ncu step). Two adjacent pairs per thread share
// their slots, but along x the threads' slots are then 2 apart, a 2-way bank
// conflict for float: fewer load instructions, a few more shared-memory
// wavefronts (db5, per pair of the synthesis' x pass: 12 loads against 20,
// 24 wavefronts against 20; of the adjoint's: 7 against 12, 14 against 12).
#ifndef CUWAVELET_TWO_PAIRS
#define CUWAVELET_TWO_PAIRS 1
#endif

// body(t) for t = 0 .. pairs + EXTRA - 1, unrolled as for_tap_pairs (below)
// where BY_VALUE: the passes that serve two pairs of outputs from one pass
// over their slots take a step or two more than one pair's taps.
template <bool BY_VALUE, int EXTRA, class Body>
CUWAVELET_BLOCK void for_tap_steps(int pairs, Body&& body) {
  if constexpr (BY_VALUE) {
    CUWAVELET_UNROLL
    for (int t = 0; t < kMaxFusedTaps / 2 + EXTRA; ++t) {
      if (t >= pairs + EXTRA) break;
      body(t);
    }
  } else {
    for (int t = 0; t < pairs + EXTRA; ++t) body(t);
  }
}

// body(q) for the tap pairs q = 0 .. pairs - 1 (taps 2q and 2q + 1), in
// order. BY_VALUE: unrolled to kMaxFusedTaps / 2 pairs with an exit at
// `pairs`, so that q is a constant in each copy (see above); else a loop.
template <bool BY_VALUE, class Body>
CUWAVELET_BLOCK void for_tap_pairs(int pairs, Body&& body) {
  for_tap_steps<BY_VALUE, 0>(pairs, body);
}

// Resident blocks per SM that ptxas must leave registers for, in the launch
// bounds of the fused 2D kernels (fused_device.cu; OP -1: the two-level
// kernel, OP -2: the two-level synthesis): the most at which no
// specialization spills on sm_90 (tests/test_nvrtc.py checks every one). The bound steers ptxas: a looser
// one buys more registers than the kernel needs (the float synthesis takes
// 59 at a bound of 4 blocks, 34-40 at 6). In float:
//   6 (40 registers)  the syntheses (5 in periodization mode, whose wrap-around
//                     gather takes more);
//   5 (48)            the zero and constant mode analyses, the zero mode adjoint;
//   4 (64)            the other analyses, the near-edge adjoints with filters
//                     by value but in reflect mode, the two-level kernel by
//                     value in the modes whose extension is a clamp or a wrap
//                     (zero, constant, periodic), the two-level synthesis;
//   2 (128)           the adjoint's periodization folds and its constant and
//                     antireflect-mode folds with filters by address (ptxas
//                     spills 8-80 bytes at 80 registers there), the two-level
//                     kernel's smooth extension, the two-level synthesis in
//                     periodization with filters by address (spilling 320
//                     bytes at 80);
//   1                 the two-level kernel's antireflect extension (spilling
//                     76-80 bytes at 128 registers);
//   3 (80)            the rest (the other adjoints with filters by address,
//                     the backward of learned filters, the other two-level
//                     kernels included: their passes keep more positions live
//                     than one tile does).
// Doubles take two registers each (2 blocks; the two-level kernel's smooth,
// antireflect and periodization extensions and the antireflect adjoints, all
// they may have: 1;
// the adjoint by value spilled 12 bytes at 2 once its tile loop could run part
// of the grid).
template <int OP, int M, int TAPS, typename T>
struct Dwt2MinBlocks {
  enum {
    light_modes = M == kZero || M == kConstant,
    heavy = OP == 2 && (M == kPeriodization ||
                        (TAPS == 0 && (M == kConstant || M == kAntireflect))),
    edge_heavy = M == kSmooth || M == kAntireflect,
    light_adjoint = OP == 2 && (M == kZero ||
                                (TAPS == 1 && M != kPeriodic && M != kReflect)),
    two_levels = sizeof(T) == 8 ? (edge_heavy || M == kPeriodization ? 1 : 2)
                 : M == kAntireflect ? 1
                 : M == kSmooth ? 2
                 : TAPS == 1 && (light_modes || M == kPeriodic) ? 4 : 3,
    two_level_synthesis = sizeof(T) == 8 || (TAPS == 0 && M == kPeriodization) ? 2
                          : 4,
    value = OP == -1 ? two_levels
            : OP == -2 ? two_level_synthesis
            : OP == 1 && sizeof(T) == 4 ? (M == kPeriodization ? 5 : 6)
            : OP == 0 && sizeof(T) == 4 && light_modes ? 5
            : OP == 2 && sizeof(T) == 4 && M == kZero ? 5
            : sizeof(T) == 8 && OP == 2 && M == kAntireflect ? 1
            : sizeof(T) == 8 || heavy ? 2
            : (OP == 0 || light_adjoint) && !edge_heavy ? 4 : 3
  };
};
// (cuwavelet._fused plans its launches' waves from it: _fused_host.min_blocks.)

}  // namespace cuwavelet
