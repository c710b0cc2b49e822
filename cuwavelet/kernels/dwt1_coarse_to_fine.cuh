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
// coefficients of the halo positions folded onto it. The block loads its
// level-L windows of a_L and d_L, then computes level after level in shared
// memory (loading d_j's window beside a_j's), and writes only the output tile
// to global memory: every coefficient is read once (plus the windows' halos,
// mostly from L2) and the output written once, ~M_min, against ~2 M_min for
// per-level launches that write and re-read every intermediate approximation.
//
//   load:     windows of a_L and d_L -> shared (set 0)      | barrier |
//   level j:  window of a_j from level j+1's, window of d_j -> the other set
//             | barrier |  (j = L-1 .. 1)
//   level 0:  the tile, straight to global
//
// EXACTNESS: the windows are hulls of what each position reads, so every level
// is exact wherever its window fits shared memory. The host sizes the windows
// with the same code (coarse_to_fine_capacity: the widest window of any tile
// and level) and refuses launches whose windows do not fit: extensions that
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
  index_t capacity;      // slots of each shared-memory window (filled by the host)
  index_t len[kMaxFusedLevels + 1];          // n_0 (the output) .. n_L
  // Adjoint: fold_reach (dwt_math.cuh) of level j (n_j samples, n_{j+1} coefficients).
  index_t fold_reach[kMaxFusedLevels][4];
  index_t batch_shape[kMaxDims];
  // Element strides per operand: batch dimensions, then (at kMaxDims) the axis.
  index_t stride[kLevelOperands][kMaxDims + 1];
};
static_assert(sizeof(CoarseToFineGeometry) ==
                  (7 + kMaxFusedLevels + 1 + 4 * kMaxFusedLevels + kMaxDims +
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

// The widest window of any tile at levels 1 .. L: the slots each shared-memory
// window needs (the host fills CoarseToFineGeometry.capacity with it).
template <int OP, int M>
CUWAVELET_HD index_t coarse_to_fine_capacity(const CoarseToFineGeometry& g) {
  index_t widest = 1;
  for (index_t part = 0; part < g.tiles; ++part) {
    index_t start[kMaxFusedLevels + 1], width[kMaxFusedLevels + 1];
    tile_windows<OP, M>(g, part, start, width);
    for (int j = 1; j <= (int)g.levels; ++j) if (width[j] > widest) widest = width[j];
  }
  return widest;
}

// Shared memory of a block, in elements of T: two sets of (approximation,
// detail) windows, levels alternating between them.
CUWAVELET_HD int coarse_to_fine_shared_elems(const CoarseToFineGeometry& g) {
  return 4 * (int)g.capacity;
}

// Level j's value at position p from level j+1's windows a, d (window start u).
// Synthesis: sum over taps m of (p + s)'s parity of rec_lo[m] a_k + rec_hi[m] d_k,
// k = (p + s - m) / 2. Adjoint: the cotangent of extended position p, sum over
// taps t of (p - off)'s parity of dec_lo[t] a_k + dec_hi[t] d_k, k = (p - off + t) / 2.
template <int OP, int M, typename T, typename A, class Block>
CUWAVELET_BLOCK A level_value_at(const Block& b, index_t p, const A* a, const A* d, index_t u,
                                 int F, const FilterTaps<T>& taps) {
  A acc = A(0);
  if (OP == kCoarseToFineSynthesis) {
    const index_t t0 = p + synthesis_shift<M>(F);
    const int m0 = (int)(t0 & 1);
    int slot = (int)((t0 - m0) / 2 - u);
    CUWAVELET_UNROLL
    for (int m = 0; m < kMaxFusedTaps; m += 2) {
      if (m + m0 >= F) break;
      acc = b.mul_add(acc, taps.lo[m + m0], b.load(a + slot));
      acc = b.mul_add(acc, taps.hi[m + m0], b.load(d + slot));
      --slot;
    }
  } else {
    const index_t t0 = p - analysis_offset<M>(F);
    const int j0 = (int)(t0 & 1);
    int slot = (int)((t0 + j0) / 2 - u);
    CUWAVELET_UNROLL
    for (int t = 0; t < kMaxFusedTaps; t += 2) {
      if (t + j0 >= F) break;
      acc = b.mul_add(acc, taps.lo[t + j0], b.load(a + slot));
      acc = b.mul_add(acc, taps.hi[t + j0], b.load(d + slot));
      ++slot;
    }
  }
  return acc;
}

// Level j's value at position p (inside [0, n_j) unless cascading).
template <int OP, int M, typename T, typename A, class Block>
CUWAVELET_BLOCK A level_at(const Block& b, const CoarseToFineGeometry& g, int j, index_t p,
                           const A* a, const A* d, index_t u, const FilterTaps<T>& taps) {
  const int F = (int)g.filter_len;
  A acc = level_value_at<OP, M, T, A>(b, p, a, d, u, F, taps);
  if (OP == kCoarseToFineSynthesis || M == kZero) return acc;
  // the adjoint: cotangents of the halo positions whose extension uses sample p
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

// Loads the window [u, u + w) of a level-j coefficient array of length n
// (zeros outside [0, n), or indices modulo n when cascading; a null array is zeros).
template <bool CASCADE, typename T, typename A, class Block>
CUWAVELET_BLOCK void load_window(const Block& b, A* dst, const T* src, index_t stride,
                                 index_t n, index_t u, index_t w) {
  for (int e = b.thread(); e < (int)w; e += b.threads()) {
    index_t k = u + e;
    if (CASCADE && (k < 0 || k >= n)) { k %= n; if (k < 0) k += n; }
    b.store(dst + e, (src && k >= 0 && k < n) ? A(b.load(src + k * stride)) : A(0));
  }
}

// Operand `operand` of line `line`: its first element (null where absent) and stride.
template <typename T>
CUWAVELET_HD T* line_operand(const CoarseToFineGeometry& g, const MultilevelOperands& ops,
                             index_t line, int operand) {
  T* base = reinterpret_cast<T*>(ops.address[operand]);
  return base ? base + batch_offset(g, line, operand) : nullptr;
}

template <int OP, int M, typename T, class Block>
CUWAVELET_BLOCK void fused_coarse_to_fine_1d(const Block& b, const CoarseToFineGeometry& g,
                                             const MultilevelOperands& ops,
                                             const FilterTaps<T>& taps) {
  typedef T A;  // accumulate in the data type, as the separable kernels and pywt do
  constexpr bool cascade = OP == kCoarseToFineSynthesis && M == kPeriodization;
  A* const shared = reinterpret_cast<A*>(b.shared());
  const int cap = (int)g.capacity;  // set k: approximation at shared + 2k cap, detail after it
  const int L = (int)g.levels;
  const index_t total_tiles = g.batch_total * g.tiles;
  const int t = b.thread(), nt = b.threads();

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const index_t line = tile / g.tiles, part = tile - line * g.tiles;
    index_t start[kMaxFusedLevels + 1], width[kMaxFusedLevels + 1];
    tile_windows<OP, M>(g, part, start, width);

    // level L: a_L and d_L from global memory, into set 0
    {
      const int dL = kC2FDetail + L - 1;
      load_window<cascade, T, A>(b, shared, line_operand<const T>(g, ops, line, kC2FApprox),
                                 g.stride[kC2FApprox][kMaxDims], g.len[L], start[L], width[L]);
      load_window<cascade, T, A>(b, shared + cap, line_operand<const T>(g, ops, line, dL),
                                 g.stride[dL][kMaxDims], g.len[L], start[L], width[L]);
    }
    b.sync();

    // levels L-1 .. 1: set (L - j) & 1 holds level j
    for (int j = L - 1; j >= 1; --j) {
      const A* a = shared + 2 * ((L - j - 1) & 1) * cap;
      const A* d = a + cap;
      A* dst = shared + 2 * ((L - j) & 1) * cap;
      const index_t u = start[j + 1], nj = g.len[j];
      for (int e = t; e < (int)width[j]; e += nt) {
        const index_t p = start[j] + e;
        b.store(dst + e, (cascade || (p >= 0 && p < nj))
                             ? level_at<OP, M, T, A>(b, g, j, p, a, d, u, taps) : A(0));
      }
      const int dj = kC2FDetail + j - 1;
      load_window<cascade, T, A>(b, dst + cap, line_operand<const T>(g, ops, line, dj),
                                 g.stride[dj][kMaxDims], nj, start[j], width[j]);
      b.sync();
    }

    // level 0: the tile, to global memory
    {
      const A* a = shared + 2 * ((L - 1) & 1) * cap;
      const A* d = a + cap;
      T* y = line_operand<T>(g, ops, line, kC2FOutput);
      const index_t sy = g.stride[kC2FOutput][kMaxDims];
      for (int e = t; e < (int)width[0]; e += nt) {
        const index_t p = start[0] + e;
        b.store(y + p * sy, T(level_at<OP, M, T, A>(b, g, 0, p, a, d, start[1], taps)));
      }
    }
    // The next tile's load rewrites set 0: wait where level 0 reads it.
    if (((L - 1) & 1) == 0 && tile + b.blocks() < total_tiles) b.sync();
  }
}

}  // namespace cuwavelet
