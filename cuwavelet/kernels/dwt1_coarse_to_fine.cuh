// Fused multi-level 1D transforms from the coarsest level to the finest, in
// ONE launch per (up to kMaxFusedLevels) levels, along one axis of a batched
// strided array:
//
//   synthesis         waverec: a_{j-1} = idwt(a_j, d_j), j = L .. 1
//   analysis adjoint  the transpose of wavedec: cotangents of (a_L, d_L .. d_1)
//                     -> cotangent of the signal, a_{j-1} = dwt^T(a_j, d_j)
//
// Levels: level 0 is the launch's output (n_0 samples), level j = 1 .. L holds
// coefficients a_j and d_j of length n_j. Positions of level j outside [0, n_j)
// hold zero: for waverec that is pywt's trimming of an approximation one
// sample longer than the details and idwt's zero padding; for the adjoint, a
// cotangent of nothing. Periodization's synthesis instead wraps around: it
// runs as a "cascade" (below).
//
// Each block owns a tile: T consecutive output samples of one line. Its window
// at level j+1 is the hull of the coefficients that its window at level j
// reads (window 0 = the tile): for the synthesis, output i reads coefficients
// (i + s - m) / 2; for the adjoint, position p reads (p - off + t) / 2, and a
// window that the boundary extension folds onto (fold_reach) also reads the
// coefficients of the halo positions folded onto it. The block loads every
// coefficient window it needs at once (the windows of d_1 .. d_L and a_L,
// stacked in shared memory, a few loads in flight per thread: one DRAM latency
// per tile, not one per level), then computes level after level in shared
// memory, and writes only the output tile to global memory: every coefficient
// is read once (plus the windows' halos, mostly from L2) and the output
// written once, ~M_min, against ~2 M_min for per-level launches that write
// and re-read every intermediate approximation.
//
//   table:    one thread: the tile's windows, where they are stacked and
//             the lines' addresses -> table (tiles alternate between two)
//                                                                | barrier |
//   load:     windows of d_1 .. d_L, a_L -> the stack          | barrier |
//   level j:  window of a_j from a_{j+1}'s and d_{j+1}'s -> approximation set
//             (L - j) & 1                   | barrier |  (j = L-1 .. 1)
//   level 0:  the tile, straight to global
//
// Each thread computes a pair of neighbouring positions at a time: the two
// read the same coefficient slots with the even and the odd taps (pair_phase),
// so a pair loads each coefficient once for four multiply-adds, and every tap
// index is a constant (the filters are by value: each tap an FMA operand).
//
// EXACTNESS: the windows are hulls of what each position reads, so every level
// is exact wherever its window fits shared memory. The host sizes the windows
// with the same code (coarse_to_fine_capacities: the widest approximation
// window and the largest stack of loaded windows of any tile) and refuses
// launches whose windows do not fit: extensions that
// fold onto the far end of a level (periodic modes in the adjoint) make a
// window span the whole level, which fits only for short lines.
// Periodization's synthesis ("cascade") computes every window position, in
// range or not, with coefficient indices taken modulo n_j when loaded: when no
// level is trimmed (n_{j-1} = 2 n_j), the periodic extension of a_{j-1} is
// exactly the synthesis of the periodically extended a_j, d_j, so no wrap is
// needed on chip. Periodization with a trimmed level is refused.
#pragma once

#include "block_runtime.cuh"
#include "dwt1_multilevel.cuh"
#include "dwt_math.cuh"
#include "fused_launch.cuh"

namespace cuwavelet {

enum CoarseToFineOp { kCoarseToFineSynthesis = 0, kCoarseToFineAnalysisAdjoint = 1 };
// Operands (MultilevelOperands addresses): the output, a_L, then d_1 .. d_L.
enum { kC2FOutput = 0, kC2FApprox = 1, kC2FDetail = 2 };

// How a launch walks its operands. Plain 64-bit fields, mirrored by the NumPy
// record COARSE_TO_FINE_GEOMETRY_DTYPE of cuwavelet/_fused1d_coarse_to_fine.py.
struct CoarseToFineGeometry {
  index_t batch_ndim;    // the other dimensions (merged where contiguous), row-major
  index_t batch_total;   // lines: product of batch_shape
  index_t levels;        // L
  index_t filter_len;    // F (even, <= kMaxFusedTaps)
  index_t tile;          // T: output samples per tile
  index_t tiles;         // tiles per line
  index_t capacity;      // slots of each approximation window (filled by the host)
  index_t stack_capacity;  // slots of the stacked windows d_1 .. d_L, a_L (filled by the host)
  index_t len[kMaxFusedLevels + 1];          // n_0 (the output) .. n_L
  // Adjoint: fold_reach (dwt_math.cuh) of level j (n_j samples, n_{j+1} coefficients).
  index_t fold_reach[kMaxFusedLevels][4];
  index_t batch_shape[kMaxDims];
  // Element strides per operand: batch dimensions, then (at kMaxDims) the axis.
  index_t stride[kLevelOperands][kMaxDims + 1];
};
static_assert(sizeof(CoarseToFineGeometry) ==
                  (8 + kMaxFusedLevels + 1 + 4 * kMaxFusedLevels + kMaxDims +
                   kLevelOperands * (kMaxDims + 1)) * sizeof(index_t),
              "CoarseToFineGeometry must stay a padding-free record of 64-bit fields");

// The coefficients of level j+1 that positions [u, u + w) of level j read
// (empty: count 0), as [first, first + count).
template <int OP, int M>
CUWAVELET_HD void reads_of(const CoarseToFineGeometry& g, int j, index_t u, index_t w,
                           index_t& first, index_t& count) {
  const int F = (int)g.filter_len;
  const index_t nj = g.len[j];
  index_t lo = u, hi = u + w - 1;
  const bool cascade = OP == kCoarseToFineSynthesis && M == kPeriodization;
  if (!cascade && j > 0) {  // positions outside [0, n_j) hold zero: they read nothing
    if (lo < 0) lo = 0;
    if (hi > nj - 1) hi = nj - 1;
  }
  if (hi < lo) { first = 0; count = 0; return; }
  index_t k0, k1;
  if (OP == kCoarseToFineSynthesis) {  // output i reads (i + s - m) / 2, m < F
    const index_t s = synthesis_shift<M>(F);
    k0 = floor_div(lo + s - F + 1, 2);
    k1 = floor_div(hi + s, 2);
  } else {  // position p reads (p - off + t) / 2, t < F, of p - off's parity
    const index_t off = analysis_offset<M>(F);
    k0 = floor_div(lo - off + 1, 2);
    k1 = floor_div(hi - off + F - 1, 2);
    const index_t* reach = g.fold_reach[j];
    const index_t n = g.len[j + 1];
    if (M != kZero && reach[0] <= hi && reach[1] >= lo) {  // the left halo folds in here
      const index_t h0 = floor_div(analysis_first<M>(F) - off + 1, 2);
      if (h0 < k0) k0 = h0;
      const index_t h1 = floor_div(-1 - off + F - 1, 2);
      if (h1 > k1) k1 = h1;
    }
    if (M != kZero && reach[2] <= hi && reach[3] >= lo) {  // ... the right halo
      const index_t h0 = floor_div(nj - off + 1, 2);
      if (h0 < k0) k0 = h0;
      const index_t h1 = floor_div(analysis_last<M>(n, F) - off + F - 1, 2);
      if (h1 > k1) k1 = h1;
    }
  }
  first = k0;
  count = k1 - k0 + 1;
}

// Windows of one tile: start[j], width[j] for levels 0 (the tile) .. L.
template <int OP, int M>
CUWAVELET_HD void tile_windows(const CoarseToFineGeometry& g, index_t part,
                               index_t start[kMaxFusedLevels + 1],
                               index_t width[kMaxFusedLevels + 1]) {
  start[0] = part * g.tile;
  width[0] = g.len[0] - start[0] < g.tile ? g.len[0] - start[0] : g.tile;
  for (int j = 0; j < (int)g.levels; ++j)
    reads_of<OP, M>(g, j, start[j], width[j], start[j + 1], width[j + 1]);
}

// What the host fills in CoarseToFineGeometry: capacity, the widest window of
// any tile at levels 1 .. L-1 (the approximations a block computes; at least
// 1), and stack_capacity, the most slots the windows of d_1 .. d_L and a_L of
// any tile take together.
template <int OP, int M>
CUWAVELET_HD void coarse_to_fine_capacities(CoarseToFineGeometry& g) {
  index_t widest = 1, stacked = 1;
  for (index_t part = 0; part < g.tiles; ++part) {
    index_t start[kMaxFusedLevels + 1], width[kMaxFusedLevels + 1];
    tile_windows<OP, M>(g, part, start, width);
    index_t total = width[g.levels];
    for (int j = 1; j <= (int)g.levels; ++j) {
      if (j < (int)g.levels && width[j] > widest) widest = width[j];
      total += width[j];
    }
    if (total > stacked) stacked = total;
  }
  g.capacity = widest;
  g.stack_capacity = stacked;
}

// Pairs: positions p, p + 1 of a level with p + pair_phase even read the same
// coefficient slots, p with the even taps and p + 1 with the odd ones
// (synthesis: output i reads (i + s - m) / 2 for the taps m of i + s's parity)
// or p with the odd taps and p + 1 with the even ones (adjoint: position p
// reads (p - off + t) / 2 for the taps t of p - off's parity); in both, slot
// (p + pair_phase) / 2 is the first read, the others follow it (synthesis
// downwards, adjoint upwards). So a pair whose second position is outside a
// window reads only what its first one does, and the other way round.
template <int OP, int M>
CUWAVELET_HD index_t pair_phase(int F) {
  return OP == kCoarseToFineSynthesis ? synthesis_shift<M>(F) : 1 - analysis_offset<M>(F);
}

// Level values at a pair's positions (y0 at p, y1 at p + 1) from level j+1's
// windows, a and d pointing at the pair's first slot. Each sum runs over the
// taps in the order level_value_at takes them.
template <int OP, typename T, typename A, class Block>
CUWAVELET_BLOCK void level_pair(const Block& b, const A* a, const A* d, int F,
                                const FilterTaps<T>& taps, A& y0, A& y1) {
  constexpr int step = OP == kCoarseToFineSynthesis ? -1 : 1;
  constexpr int first_parity = OP == kCoarseToFineSynthesis ? 0 : 1;  // y0's taps
  y0 = A(0);
  y1 = A(0);
  for_tap_pairs<true>(F / 2, [&](int q) {
    const A va = b.load(a + step * q), vd = b.load(d + step * q);
    const int m0 = 2 * q + first_parity, m1 = 2 * q + 1 - first_parity;
    y0 = b.mul_add(b.mul_add(y0, taps.lo[m0], va), taps.hi[m0], vd);
    y1 = b.mul_add(b.mul_add(y1, taps.lo[m1], va), taps.hi[m1], vd);
  });
}

// Level j's value at one position p from level j+1's windows a, d (window
// start u). Synthesis: sum over taps m of (p + s)'s parity of rec_lo[m] a_k +
// rec_hi[m] d_k, k = (p + s - m) / 2. Adjoint: the cotangent of extended
// position p, sum over taps t of (p - off)'s parity of dec_lo[t] a_k +
// dec_hi[t] d_k, k = (p - off + t) / 2. (For the halo positions of the
// adjoint's folds; the levels themselves run in pairs, level_pair.)
template <int OP, int M, typename T, typename A, class Block>
CUWAVELET_BLOCK A level_value_at(const Block& b, index_t p, const A* a, const A* d, index_t u,
                                 int F, const FilterTaps<T>& taps) {
  A acc = A(0);
  if (OP == kCoarseToFineSynthesis) {
    const index_t t0 = p + synthesis_shift<M>(F);
    const int m0 = (int)(t0 & 1);
    int slot = (int)((t0 - m0) / 2 - u);
    for (int m = m0; m < F; m += 2, --slot) {
      acc = b.mul_add(acc, taps.lo[m], b.load(a + slot));
      acc = b.mul_add(acc, taps.hi[m], b.load(d + slot));
    }
  } else {
    const index_t t0 = p - analysis_offset<M>(F);
    const int j0 = (int)(t0 & 1);
    int slot = (int)((t0 + j0) / 2 - u);
    for (int t = j0; t < F; t += 2, ++slot) {
      acc = b.mul_add(acc, taps.lo[t], b.load(a + slot));
      acc = b.mul_add(acc, taps.hi[t], b.load(d + slot));
    }
  }
  return acc;
}

// The adjoint adds, at a position p of level j, the cotangents of the halo
// positions whose extension uses sample p (the synthesis and zero mode: none).
template <int OP, int M, typename T, typename A, class Block>
CUWAVELET_BLOCK A with_folds(const Block& b, const CoarseToFineGeometry& g, int j, index_t p,
                             A acc, const A* a, const A* d, index_t u, const FilterTaps<T>& taps) {
  if (OP == kCoarseToFineSynthesis || M == kZero) return acc;
  const int F = (int)g.filter_len;
  const index_t* reach = g.fold_reach[j];
  const index_t N = g.len[j];
  CUWAVELET_UNROLL
  for (int side = 0; side < 2; ++side) {
    if (p < reach[2 * side] || p > reach[2 * side + 1]) continue;
    const index_t q0 = side == 0 ? analysis_first<M>(F) : N;
    const index_t q1 = side == 0 ? -1 : analysis_last<M>(g.len[j + 1], F);
    for (index_t q = q0; q <= q1; ++q) {
      const A weight = fold_weight<M, A>(q, N, p);
      if (weight != A(0))
        acc = b.mul_add(acc, weight, level_value_at<OP, M, T, A>(b, q, a, d, u, F, taps));
    }
  }
  return acc;
}

// Level j's window [start, start + width) from level j+1's windows a, d
// (window start u): store(i, value) for each of its positions start + i, zero
// outside [0, n_j) unless cascading. Pairs run from the one holding the first
// position computed; a pair's position outside the computed ones is not
// stored. (Offsets within the window are ints: a window fits shared memory.)
template <int OP, int M, typename T, typename A, class Block, class Store>
CUWAVELET_BLOCK void level_window(const Block& b, const CoarseToFineGeometry& g, int j,
                                  index_t start, int width, const A* a, const A* d,
                                  index_t u, const FilterTaps<T>& taps, Store&& store) {
  constexpr bool cascade = OP == kCoarseToFineSynthesis && M == kPeriodization;
  const int F = (int)g.filter_len, t = b.thread(), nt = b.threads();
  int lo = 0, hi = width;  // the positions computed, [start + lo, start + hi)
  if (!cascade) {
    if (start < 0) lo = (int)(-start < width ? -start : width);
    if (start + width > g.len[j]) hi = (int)(g.len[j] - start > lo ? g.len[j] - start : lo);
  }
  if (lo < hi) {
    const index_t phase = pair_phase<OP, M>(F);
    const int first = lo - (int)((start + lo + phase) & 1);
    const int pairs = (hi - first + 1) / 2;
    const int slot0 = (int)((start + first + phase) / 2 - u);
    for (int e = t; e < pairs; e += nt) {
      const int i = first + 2 * e;
      A y0, y1;
      level_pair<OP, T, A>(b, a + slot0 + e, d + slot0 + e, F, taps, y0, y1);
      if (i >= lo) store(i, with_folds<OP, M, T, A>(b, g, j, start + i, y0, a, d, u, taps));
      if (i + 1 < hi)
        store(i + 1, with_folds<OP, M, T, A>(b, g, j, start + i + 1, y1, a, d, u, taps));
    }
  } else {
    lo = hi = 0;
  }
  // positions of the window outside [0, n_j): zero
  const int zeros = lo + (width - hi);
  for (int e = t; e < zeros; e += nt) store(e < lo ? e : hi + (e - lo), A(0));
}

// Operand `operand` of line `line`: its first element (null where absent) and stride.
template <typename T>
CUWAVELET_HD T* line_operand(const CoarseToFineGeometry& g, const MultilevelOperands& ops,
                             index_t line, int operand) {
  T* base = reinterpret_cast<T*>(ops.address[operand]);
  return base ? base + batch_offset(g, line, operand) : nullptr;
}

// What every thread of a block needs to know of its tile, computed once per
// tile (by one thread, into shared memory: per-thread copies of these arrays,
// indexed by level at run time, would live in local memory). The windows a
// tile loads are stacked in shared memory as segments i = 0 .. L: segment
// i < L is d_{i+1}'s window, segment L a_L's (widest first, so that finding an
// element's segment takes ~2 steps on average).
struct TileTable {
  index_t start[kMaxFusedLevels + 1], width[kMaxFusedLevels + 1];  // windows of levels 0 .. L
  index_t offset[kMaxFusedLevels + 2];  // segment i's first slot; offset[L + 1]: all slots
  index_t src[kMaxFusedLevels + 1];     // segment i's line (an address; 0: zeros)
  index_t out;                          // the output line's address

  template <int OP, int M, typename T>
  CUWAVELET_HD void fill(const CoarseToFineGeometry& g, const MultilevelOperands& ops,
                         index_t line, index_t part) {
    tile_windows<OP, M>(g, part, start, width);
    const int L = (int)g.levels;
    offset[0] = 0;
    for (int i = 0; i <= L; ++i) {
      const int j = level_of(i, L);
      src[i] = (index_t)line_operand<const T>(g, ops, line, operand_of(i, L));
      offset[i + 1] = offset[i] + width[j];
    }
    out = (index_t)line_operand<T>(g, ops, line, kC2FOutput);
  }
  static CUWAVELET_HD int level_of(int i, int L) { return i < L ? i + 1 : L; }
  static CUWAVELET_HD int operand_of(int i, int L) { return i < L ? kC2FDetail + i : kC2FApprox; }
  CUWAVELET_HD int segment_of(index_t e) const {
    int i = 0;
    while (e >= offset[i + 1]) ++i;
    return i;
  }
};
// Its bytes in shared memory: what follows it stays 16-byte aligned.
enum { kTileTableBytes = (sizeof(TileTable) + 15) / 16 * 16 };

// Shared memory of a block, in elements of T: two tile tables, two
// approximation windows (levels alternate between them), then the stack of
// loaded windows.
template <typename T>
CUWAVELET_HD int coarse_to_fine_shared_elems(const CoarseToFineGeometry& g) {
  return (int)(2 * kTileTableBytes / sizeof(T)) + 2 * (int)g.capacity + (int)g.stack_capacity;
}

template <int OP, int M, typename T, class Block>
CUWAVELET_BLOCK void fused_coarse_to_fine_1d(const Block& b, const CoarseToFineGeometry& g,
                                             const MultilevelOperands& ops,
                                             const FilterTaps<T>& taps) {
  typedef T A;  // accumulate in the data type, as the separable kernels and pywt do
  constexpr bool cascade = OP == kCoarseToFineSynthesis && M == kPeriodization;
  TileTable* const tables = reinterpret_cast<TileTable*>(b.shared());
  A* const sets = reinterpret_cast<A*>(b.shared() + 2 * kTileTableBytes);  // set k: sets + k cap
  const int cap = (int)g.capacity;
  A* const stack = sets + 2 * cap;
  const int L = (int)g.levels;
  const index_t total_tiles = g.batch_total * g.tiles;

  // Tiles alternate between two tables: the barrier after one is written
  // also keeps the stack from being reloaded while the last tile still reads it.
  int round = 0;
  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks(), ++round) {
    TileTable* const tt = tables + (round & 1);
    if (b.thread() == 0) {
      const index_t line = tile / g.tiles;
      tt->fill<OP, M, T>(g, ops, line, tile - line * g.tiles);
    }
    b.sync();

    // every window this tile reads: d_1 .. d_L, a_L (zeros outside [0, n_j),
    // indices modulo n_j when cascading)
    gather<kGatherDepth>(
        b, (int)tt->offset[L + 1],
        [&](int e) {
          const int i = tt->segment_of(e), j = TileTable::level_of(i, L);
          const T* src = reinterpret_cast<const T*>(tt->src[i]);
          const index_t n = g.len[j];
          index_t k = tt->start[j] + (e - tt->offset[i]);
          if (cascade && (k < 0 || k >= n)) { k %= n; if (k < 0) k += n; }
          return (src && k >= 0 && k < n)
                     ? A(b.load(src + k * g.stride[TileTable::operand_of(i, L)][kMaxDims]))
                     : A(0);
        },
        [&](int e, A v) { b.store(stack + e, v); });
    b.sync();

    // levels L-1 .. 0: level j reads a_{j+1} (set (L - j - 1) & 1, or the
    // stack's last segment for j + 1 = L) and d_{j+1} (stack segment j)
    const A* a = stack + tt->offset[L];
    for (int j = L - 1; j >= 0; --j) {
      const A* d = stack + tt->offset[j];
      const index_t u = tt->start[j + 1], s = tt->start[j];
      if (j > 0) {
        A* dst = sets + ((L - j) & 1) * cap;
        level_window<OP, M, T, A>(b, g, j, s, (int)tt->width[j], a, d, u, taps,
                                  [&](int i, A v) { b.store(dst + i, v); });
        b.sync();
        a = dst;
      } else {  // level 0: the tile, to global memory
        const index_t sy = g.stride[kC2FOutput][kMaxDims];
        T* const y = reinterpret_cast<T*>(tt->out) + s * sy;
        level_window<OP, M, T, A>(b, g, 0, s, (int)tt->width[0], a, d, u, taps,
                                  [&](int i, A v) { b.store(y + i * sy, T(v)); });
      }
    }
  }
}

}  // namespace cuwavelet
