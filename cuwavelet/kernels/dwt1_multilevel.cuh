// Fused multi-level 1D DWT: levels j0+1 .. j0+L of a wavedec along one axis
// of a batched strided array in ONE launch. Level 0 below is the launch's
// input (pywt's cA_j0, or the signal itself), level k its k-th approximation
// a_k, of length N_k (N_k = coeff_len(N_{k-1})).
//
// Each block owns a tile: T consecutive level-L coefficients of one line, and
// the detail coefficients "under" them at every level (level k: positions
// [t T 2^(L-k), (t+1) T 2^(L-k)), the last tile of a line up to N_k). Its
// window at level L is those T positions (the last tile's window ends at N_L
// and starts T earlier, overlapping its neighbour's, so that every window is
// T wide; it still writes only what it owns); level k-1's window holds the
// 2w + F - 2 positions that level k's w positions read, which puts a halo of
// (F - 2)(2^L - 1) input samples beside a tile's 2^L T (to the left; split
// between both sides in periodization). The block loads its input window
// (boundary extension by extended_sample: index arithmetic on the global
// array, never a padded copy), then computes level after level in shared
// memory. Details and the last approximation go straight from the level's
// pass to their final arrays; intermediate approximations never leave the
// chip. So a launch reads its input once (plus the halo, from L2 mostly) and
// writes each coefficient once: ~M_min, against ~2 M_min for per-level launches.
//
//   level 0:  window [s_0, s_0 + w_0) of extended input positions -> shared
//   level k:  a_k (and d_k where the tile owns the position) from level k-1's
//             window, both subbands from the same loads -> shared / global
//   barriers: one after the load and one after each level but the last (the
//             last level writes only global memory); after the last level
//             only where the next tile's load would overwrite what it reads.
//
// EXACTNESS RULE (why the launch is exact, and where it is not; supports() in
// cuwavelet/_fused1d.py enforces it). pywt extends every level's INPUT by the
// mode, so reading level k-1 past its edges needs the extension of a_{k-1},
// an intermediate approximation that exists only on chip:
//   * Level 0 is extended from global memory: exact in every mode.
//   * Levels 1..L-1 ("on-chip extension"): a block computes the real positions
//     of its window, and the positions just past an edge (at most F-1, those
//     the next level reads) as extension_value<M> of a_k (its terms
//     a_k(idx_t) filtered from the level below), so no extra barrier.
//     This is exact when every target idx_t lies inside the window's real
//     part. It does when
//       - one tile spans the line (N_L <= T): every level is whole on chip,
//         every mode, any length (targets are always in [0, N_k));
//       - or T >= F in the modes whose extension reads only the near edge
//         (zero, constant, symmetric, smooth, reflect, antisymmetric,
//         antireflect): then N_k > F at every level, an edge window's real
//         part reaches at least F samples from the edge (2^(L-k) T - 2^(L-k)
//         + 1 >= F), and the targets of the F-1 positions past an edge are
//         within F samples of it (no bounce).
//     Periodic and periodization read the FAR end of a_k: not on chip.
//   * Periodization "cascade" (tiled lines): when N_1 .. N_{L-1} are all even,
//     the periodic extension of a_k IS the filter applied past the edge to the
//     periodically extended level below (a period-2n input gives a period-n
//     output). So with the input extended from global memory, every window
//     position of every level, in range or not, is computed by the filters,
//     with no on-chip extension at all.
//   * Everything else (periodic mode with L >= 2 on tiled lines, periodization
//     with an odd intermediate length, a window too large for shared memory)
//     is refused by supports(): fewer levels per launch, or per-level launches.
#pragma once

#include "block_runtime.cuh"
#include "dwt_math.cuh"
#include "fused_launch.cuh"

namespace cuwavelet {

enum { kMaxFusedLevels = 12 };
// Operands: the input, the level-L approximation, then the details of
// levels 1 .. L (finest first): operand kLevelDetail + k - 1 is d_k.
enum { kLevelInput = 0, kLevelApprox = 1, kLevelDetail = 2,
       kLevelOperands = 2 + kMaxFusedLevels };

// How a launch walks its operands. Plain 64-bit fields, mirrored by the NumPy
// record MULTILEVEL_GEOMETRY_DTYPE of cuwavelet/_fused1d.py (passed by value).
struct MultilevelGeometry {
  index_t batch_ndim;    // the other dimensions (merged where contiguous), row-major
  index_t batch_total;   // lines: product of batch_shape
  index_t levels;        // L
  index_t filter_len;    // F (even, <= kMaxFusedTaps)
  index_t tile;          // T: level-L coefficients per tile (sizes shared memory)
  index_t tiles;         // tiles per line
  index_t cascade;       // 1: periodization computed past the edges (see above)
  // Outputs per thread of a level pass: kRegisterBlock (each thread filters
  // that many consecutive positions from a sliding window of registers), or 1
  // (one position per thread, every tap from shared memory: the first
  // design, kept for comparison on a GPU).
  index_t block_outputs;
  index_t len[kMaxFusedLevels + 1];  // N_0 (the input) .. N_L
  index_t batch_shape[kMaxDims];
  // Element strides per operand: batch dimensions, then (at kMaxDims) the axis.
  index_t stride[kLevelOperands][kMaxDims + 1];
};
static_assert(sizeof(MultilevelGeometry) ==
                  (8 + kMaxFusedLevels + 1 + kMaxDims + kLevelOperands * (kMaxDims + 1)) *
                      sizeof(index_t),
              "MultilevelGeometry must stay a padding-free record of 64-bit fields");

// Addresses of the operands (0 for the details of levels past L).
typedef OperandAddresses<kLevelOperands> MultilevelOperands;

// Width of the window `above` levels below level L: level k-1 holds the
// 2w + F - 2 positions that w positions of level k read.
CUWAVELET_HD index_t window_width(index_t top_width, int F, int above) {
  return (top_width + F - 2) * ((index_t)1 << above) - (F - 2);
}

// Shared memory of a block, in elements of A: two windows, even levels in the
// first, odd levels in the second (level L is never stored). Each is split
// into its even then its odd local positions, so that consecutive threads
// (output i reads local position 2i + c) hit consecutive banks, each half
// padded (padded<A>) for the strided reads of register-blocked threads.
template <typename A>
struct MultilevelLayout {
  int half[2];  // slots of each half of each window
  CUWAVELET_HD explicit MultilevelLayout(const MultilevelGeometry& g) {
    const int F = (int)g.filter_len, L = (int)g.levels;
    half[0] = padded_size<A>((int)((window_width(g.tile, F, L) + 1) / 2));
    half[1] = L >= 2 ? padded_size<A>((int)((window_width(g.tile, F, L - 1) + 1) / 2)) : 0;
  }
  CUWAVELET_HD int total_elems() const { return 2 * half[0] + 2 * half[1]; }
};

// Outputs per thread of the register-blocked level passes.
enum { kRegisterBlock = 4 };

// One filter at local output i of a level, from the level below stored split
// into even / odd local positions (padded slots). Tap j reads local position
// 2i + F - 1 - j: with F even, taps j and j+1 (j even) read odd[m] and
// even[m] for m = i + (F - 2 - j) / 2. Taps are summed in pywt's order,
// j = 0 .. F-1. The loop is unrolled to kMaxFusedTaps with an exit at F:
// every tap index is then a constant, so on the GPU each tap is an FMA with a
// constant-bank operand instead of an indexed load from the parameter space.
template <typename T, typename A, class Block>
CUWAVELET_BLOCK A filter_at(const Block& b, const A* even, const A* odd, int i, int F,
                            const T* f) {
  A acc = A(0);
  const int m = i + (F - 2) / 2;
  CUWAVELET_UNROLL
  for (int j = 0; j < kMaxFusedTaps; j += 2) {
    if (j >= F) break;
    acc = b.mul_add(acc, f[j], b.load(odd + padded<A>(m - (j >> 1))));
    acc = b.mul_add(acc, f[j + 1], b.load(even + padded<A>(m - (j >> 1))));
  }
  return acc;
}

// Both filters at R consecutive local outputs i0 .. i0 + R - 1 (lo only
// unless WITH_HI), register-blocked: taps j, j+1 of output r read odd[m + r]
// and even[m + r] with m = i0 + (F - 2 - j) / 2, so from one tap pair to the
// next the R-wide windows slide down by one: one new load per half, then
// 2R (or 4R) multiply-adds from registers. Each output sums its taps in
// pywt's order, as filter_at does (the same result, bit for bit).
template <int R, bool WITH_HI, typename T, typename A, class Block>
CUWAVELET_BLOCK void filter_block(const Block& b, const A* even, const A* odd, int i0, int F,
                                  const FilterTaps<T>& taps, A lo[R], A hi[R]) {
  const int m = i0 + (F - 2) / 2;
  A vo[R], ve[R];
  CUWAVELET_UNROLL
  for (int r = 0; r < R; ++r) {
    vo[r] = b.load(odd + padded<A>(m + r));
    ve[r] = b.load(even + padded<A>(m + r));
    lo[r] = A(0);
    if (WITH_HI) hi[r] = A(0);
  }
  CUWAVELET_UNROLL
  for (int j = 0; j < kMaxFusedTaps; j += 2) {
    if (j >= F) break;
    if (j > 0) {  // slide: the windows of this tap pair start one position lower
      CUWAVELET_UNROLL
      for (int r = R - 1; r > 0; --r) { vo[r] = vo[r - 1]; ve[r] = ve[r - 1]; }
      vo[0] = b.load(odd + padded<A>(m - (j >> 1)));
      ve[0] = b.load(even + padded<A>(m - (j >> 1)));
    }
    CUWAVELET_UNROLL
    for (int r = 0; r < R; ++r) {
      lo[r] = b.mul_add(b.mul_add(lo[r], taps.lo[j], vo[r]), taps.lo[j + 1], ve[r]);
      if (WITH_HI) hi[r] = b.mul_add(b.mul_add(hi[r], taps.hi[j], vo[r]), taps.hi[j + 1], ve[r]);
    }
  }
}

// a_k at level-k position i (inside the window starting at `start`), filtered
// on demand from level k-1's window: the accessor of the on-chip extension.
template <typename T, typename A, class Block>
struct OnChipApprox {
  const Block& b;
  const A* even;
  const A* odd;
  index_t start;
  int F;
  const T* lo;
  CUWAVELET_BLOCK A operator()(index_t i) const {
    return filter_at<T, A>(b, even, odd, (int)(i - start), F, lo);
  }
};

template <typename A, class Block>
CUWAVELET_BLOCK void store_split(const Block& b, A* window, int half, int i, A v) {
  b.store(window + (i & 1) * half + padded<A>(i >> 1), v);
}

// One position p (local index i) of level k < L: a_k into the next window,
// and d_k where the tile owns p; past an edge, the mode's extension of a_k
// from on-chip a_k values (extension_value reads only terms of nonzero
// weight: the others may name samples not on chip).
template <int M, typename T, typename A, class Block>
CUWAVELET_BLOCK A level_position(const Block& b, const A* even, const A* odd, index_t start,
                                 int F, const FilterTaps<T>& taps, bool cascade, index_t p, int i,
                                 index_t Nk, index_t own0, index_t own1, T* detail, index_t sd) {
  if (cascade || (p >= 0 && p < Nk)) {
    if (p >= own0 && p < own1) {
      A a[1], d[1];
      filter_block<1, true, T, A>(b, even, odd, i, F, taps, a, d);
      b.store(detail + p * sd, T(d[0]));
      return a[0];
    }
    return filter_at<T, A>(b, even, odd, i, F, taps.lo);
  }
  return extension_value<M, A>(p, Nk, OnChipApprox<T, A, Block>{b, even, odd, start, F, taps.lo});
}

template <int M, typename T, class Block>
CUWAVELET_BLOCK void fused_wavedec_1d(const Block& b, const MultilevelGeometry& g,
                                      const MultilevelOperands& ops,
                                      const FilterTaps<T>& taps) {
  typedef T A;  // accumulate in the data type, as the separable kernels and pywt do
  constexpr int R = kRegisterBlock;
  // Window of level k: shared + (k & 1) * odd_window. (Pointer arithmetic,
  // not an array of two pointers: that would hide from the compiler that
  // these are shared-memory addresses and turn every tap into a generic load.)
  A* const shared = reinterpret_cast<A*>(b.shared());
  const int odd_window = 2 * MultilevelLayout<A>(g).half[0];
  const int F = (int)g.filter_len, L = (int)g.levels;
  const index_t off = analysis_offset<M>(F);
  const index_t T_tile = g.tile, tiles = g.tiles;
  const bool cascade = g.cascade != 0;
  const int per = g.block_outputs == R ? R : 1;  // consecutive positions per thread
  const index_t total_tiles = g.batch_total * tiles;
  const int t = b.thread(), nt = b.threads();

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    // (operand offsets are computed where used: an array of them, indexed by
    // level, would live in local memory)
    const index_t line = tile / tiles, part = tile - line * tiles;
    // Level-L window: this tile's T coefficients; the last tile's window ends
    // at N_L (it starts earlier, so that every window is T wide: what the
    // exactness rule needs at the right edge). One tile: the whole line.
    const index_t NL = g.len[L];
    const index_t top_width = NL < T_tile ? NL : T_tile;
    index_t top_start = part * T_tile;
    if (top_start > NL - top_width) top_start = NL - top_width;
    // Window of level k: start (2^(L-k) top_start + (off - F + 1)(2^(L-k) - 1)), width.
    const index_t step = off - F + 1;

    // --- level 0: the input window, extended by the mode from global memory
    {
      const int above = L;
      const index_t s0 = top_start * ((index_t)1 << above) + step * (((index_t)1 << above) - 1);
      const index_t w0 = window_width(top_width, F, above);
      // Only what level 1 reads: the domain [off - F + 1, 2 N_1 - 1 + off).
      index_t c0 = s0, c1 = s0 + w0;
      if (!cascade) {
        const index_t d0 = off - F + 1, d1 = 2 * g.len[1] - 1 + off;
        if (c0 < d0) c0 = d0;
        if (c1 > d1) c1 = d1;
      }
      const index_t N0 = g.len[0];
      const T* x = reinterpret_cast<const T*>(ops.address[kLevelInput]) +
                   batch_offset(g, line, kLevelInput);
      const index_t sx = g.stride[kLevelInput][kMaxDims];
      const int half = padded_size<A>((int)((w0 + 1) / 2));
      const int first = (int)(c0 - s0), count = (int)(c1 - c0);
      A* dst = shared;
      const auto store = [&](int e, A v) { store_split(b, dst, half, first + e, v); };
      if (c0 >= 0 && c1 <= N0) {  // interior: plain loads
        const T* xp = x + c0 * sx;
        gather<kGatherDepth>(b, count, [&](int e) { return A(b.load(xp + (index_t)e * sx)); },
                             store);
      } else {
        const BlockSamples<Block, T, A> samples{b, x, sx};
        gather<kGatherDepth>(
            b, count, [&](int e) { return extended_value<M, A>(c0 + e, N0, samples); }, store);
      }
    }
    b.sync();

    // --- levels 1 .. L
    for (int k = 1; k <= L; ++k) {
      const int above = L - k;
      const index_t scale = (index_t)1 << above;
      const index_t start = top_start * scale + step * (scale - 1);
      const index_t width = window_width(top_width, F, above);
      const index_t Nk = g.len[k];
      const A* src = shared + ((k - 1) & 1) * odd_window;
      const int src_half = padded_size<A>((int)((window_width(top_width, F, above + 1) + 1) / 2));
      const A* even = src;
      const A* odd = src + src_half;
      // Details this tile owns at level k (and the approximation at level L).
      index_t own0 = part * T_tile * scale, own1 = (part + 1) * T_tile * scale;
      if (part == tiles - 1) own1 = Nk;
      if (own0 > Nk) own0 = Nk;
      if (own1 > Nk) own1 = Nk;
      const int detail_operand = kLevelDetail + k - 1;
      T* detail = reinterpret_cast<T*>(ops.address[detail_operand]) +
                  batch_offset(g, line, detail_operand);
      const index_t sd = g.stride[detail_operand][kMaxDims];

      if (k == L) {  // only the owned positions: nothing is stored on chip
        T* approx = reinterpret_cast<T*>(ops.address[kLevelApprox]) +
                    batch_offset(g, line, kLevelApprox);
        const index_t sa = g.stride[kLevelApprox][kMaxDims];
        const int first = (int)(own0 - start), count = (int)(own1 - own0);
        T* const approx_own = approx + own0 * sa;
        T* const detail_own = detail + own0 * sd;
        for (int e0 = t * per; e0 < count; e0 += nt * per) {
          if (per == R && e0 + R <= count) {
            A a[R], d[R];
            filter_block<R, true, T, A>(b, even, odd, first + e0, F, taps, a, d);
            CUWAVELET_UNROLL
            for (int r = 0; r < R; ++r) {
              b.store(approx_own + (e0 + r) * sa, T(a[r]));
              b.store(detail_own + (e0 + r) * sd, T(d[r]));
            }
            continue;
          }
          for (int e = e0; e < e0 + per && e < count; ++e) {
            A a[1], d[1];
            filter_block<1, true, T, A>(b, even, odd, first + e, F, taps, a, d);
            b.store(approx_own + e * sa, T(a[0]));
            b.store(detail_own + e * sd, T(d[0]));
          }
        }
        // The next tile's load rewrites window 0: wait where level L reads it.
        if ((L & 1) && tile + b.blocks() < total_tiles) b.sync();
        break;
      }

      // Positions level k+1 reads: the window, within the domain [off-F+1, 2N_{k+1}-1+off).
      index_t c0 = start, c1 = start + width;
      if (!cascade) {
        const index_t d0 = off - F + 1, d1 = 2 * g.len[k + 1] - 1 + off;
        if (c0 < d0) c0 = d0;
        if (c1 > d1) c1 = d1;
      }
      A* dst = shared + (k & 1) * odd_window;
      const int dst_half = padded_size<A>((int)((width + 1) / 2));
      const int first = (int)(c0 - start), count = (int)(c1 - c0);
      // The blocked loop in window-relative ints (e = p - c0): the positions
      // in [0, N_k) and the owned ones, each clipped to [0, count].
      const auto relative = [&](index_t p) {
        return (int)(p <= c0 ? 0 : p - c0 >= count ? count : p - c0);
      };
      const int in0 = cascade ? 0 : relative(0), in1 = cascade ? count : relative(Nk);
      const int own_e0 = relative(own0), own_e1 = relative(own1);
      T* const detail_c0 = detail + c0 * sd;
      for (int e0 = t * per; e0 < count; e0 += nt * per) {
        if (per == R && e0 + R <= count && e0 >= in0 && e0 + R <= in1) {
          A a[R], d[R];
          if (e0 + R > own_e0 && e0 < own_e1) {  // some of the R positions are owned
            filter_block<R, true, T, A>(b, even, odd, first + e0, F, taps, a, d);
            CUWAVELET_UNROLL
            for (int r = 0; r < R; ++r)
              if (e0 + r >= own_e0 && e0 + r < own_e1) b.store(detail_c0 + (e0 + r) * sd, T(d[r]));
          } else {
            filter_block<R, false, T, A>(b, even, odd, first + e0, F, taps, a, d);
          }
          CUWAVELET_UNROLL
          for (int r = 0; r < R; ++r) store_split(b, dst, dst_half, first + e0 + r, a[r]);
          continue;
        }
        for (int e = e0; e < e0 + per && e < count; ++e)
          store_split(b, dst, dst_half, first + e,
                      level_position<M, T, A>(b, even, odd, start, F, taps, cascade, c0 + e,
                                              first + e, Nk, own0, own1, detail, sd));
      }
      b.sync();
    }
  }
}

template <typename A>
CUWAVELET_HD int multilevel_shared_elems(const MultilevelGeometry& g) {
  return MultilevelLayout<A>(g).total_elems();
}

}  // namespace cuwavelet
