// Two levels of a 2D wavedec in ONE launch: the level-1 approximation never
// leaves the chip. With one launch per level (dwt2_fused.cuh) it is written
// and read back, which costs a multilevel wavedec2 about a third more traffic
// than the minimum (input once, every coefficient once); fusing levels 1 and
// 2 takes that to about a tenth.
//
// Each block owns a strip of T2x level-2 columns and a segment of S2 level-2
// rows of it (g.tile = {S2, T2x}), and the level-1 details "under" them
// (level-1 positions [2 T2 t, 2 T2 (t + 1)) per axis, the last up to n1). It
// walks down the segment C2 level-2 rows (g.step) at a time, keeping in
// rings the last F - 2 rows each pass reads again, so that along y nothing
// is filtered twice (square tiles filter a level-1 halo of F - 2 rows and
// 3 F - 6 input rows per tile again: 1.54x the minimum multiply-adds for
// db5 on 16 x 16 tiles, against ~1.2x here). Along x a strip's halo is
// filtered by both neighbours, as in the square tiles.
//
// Pass s makes level-2 rows [L, L + C2), L = o2y + (s - W) C2; the first W
// passes only fill the rings (their level-2 rows lie before the segment),
// from the first A1 and input rows the segment reads (3 (F - 2) input rows
// and F - 2 A1 rows before its own, as a square tile's halo).
// With A = 2 L + off - 1 and X = 2 A + off - 1 (off: analysis_offset):
//   1. input rows [X, X + 4 C2) -> shared (extended by the mode); the rings'
//      last F - 2 rows move to their fronts
//   2. level 1 along x: lo and hi of those rows -> the row ring (rows from
//      X - (F - 2): 4 C2 + F - 2)
//   3. level 1 along y: A1 rows [A, A + 2 C2) -> the A1 ring (rows from
//      A - (F - 2)), and the owned level-1 details, to global memory
//   4. A1's positions past an edge of level 1: the mode's extension of the
//      level-1 approximation, from the ring's in-range values (extension_value
//      of dwt_math.cuh), along x, then along y. EXACT where every target
//      idx_t of its terms lies in the window a pass reads; the host checks
//      that for every pass and strip with the same code
//      (two_level_window_holds_extension) and otherwise runs one level per
//      launch. Near-edge modes hold it for passes of a few F; periodic modes
//      only when one pass spans the image.
//   5. level 2 along x, of the new A1 rows (of all the pass reads where step
//      4 refilled rows past an edge) -> the level-2 row ring
//   6. level 2 along y: the four level-2 subbands, to global memory
// A pass's rings must not overlap the rows it moves: 2 C2 >= F - 2.
#pragma once

#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt_math.cuh"

namespace cuwavelet {

// Operands of a two-level launch.
enum { kTLImage = 0, kTLAD1 = 1, kTLDA1 = 2, kTLDD1 = 3, kTLAA2 = 4, kTLAD2 = 5, kTLDA2 = 6,
       kTLDD2 = 7, kTwoLevelOperands = 8 };

// Plain 64-bit fields, described to Python by fused_host.cpp's records().
struct TwoLevelGeometry {
  index_t batch_ndim, batch_total;
  index_t signal_len[2];  // input length along y, x (the synthesis: the end of what it writes)
  index_t len1[2];        // level-1 coefficients along y, x
  index_t len2[2];        // level-2 coefficients along y, x
  index_t filter_len[2];
  index_t tile[2];        // level-2 coefficients per block along y, x (the synthesis: samples)
  index_t tiles[2];
  index_t step;           // level-2 rows per pass
  index_t origin[2];      // the synthesis: the first image row and column it writes
  index_t batch_shape[kMaxDims];
  index_t stride[kTwoLevelOperands][kMaxDims + 2];  // batch dimensions, then y, then x
};
static_assert(sizeof(TwoLevelGeometry) ==
                  (17 + kMaxDims + kTwoLevelOperands * (kMaxDims + 2)) * sizeof(index_t),
              "TwoLevelGeometry must stay a padding-free record of 64-bit fields");

// Windows of a run of `out` level-2 coefficients along one axis: R1 level-1
// positions, R0 input positions.
CUWAVELET_HD int two_level_r1(index_t out, index_t F) { return (int)(2 * out + F - 2); }
CUWAVELET_HD int two_level_r0(index_t out, index_t F) {
  return (int)(2 * two_level_r1(out, F) + F - 2);
}

// Passes before a segment's first level-2 row (steps 1-6 above): enough to
// make the 3 (F - 2) input rows and F - 2 A1 rows before the segment's own
// that its first level-2 rows read, 4 C2 and 2 C2 per pass.
CUWAVELET_HD index_t two_level_warm_passes(index_t step, index_t F) {
  return (3 * (F - 2) + 4 * step - 1) / (4 * step);
}

// Shared memory of a block, in elements of T: the input rows of a pass
// (even | odd columns, as AnalysisLayout), the level-1 lo and hi row rings,
// the A1 ring and the level-2 lo and hi row rings.
struct TwoLevelLayout {
  int step, half0, c1, tile_x, ring0, ring1;
  CUWAVELET_HD explicit TwoLevelLayout(const TwoLevelGeometry& g)
      : step((int)g.step), half0((two_level_r0(g.tile[kX], g.filter_len[kX]) + 1) / 2),
        c1(two_level_r1(g.tile[kX], g.filter_len[kX])), tile_x((int)g.tile[kX]),
        ring0((int)(4 * g.step + g.filter_len[kY] - 2)),
        ring1((int)(2 * g.step + g.filter_len[kY] - 2)) {}
  CUWAVELET_HD int input_elems() const { return 4 * step * 2 * half0; }
  CUWAVELET_HD int row1_elems() const { return ring0 * c1; }  // each of lo, hi
  CUWAVELET_HD int a1_elems() const { return ring1 * c1; }
  CUWAVELET_HD int row2_elems() const { return ring1 * tile_x; }  // each of lo, hi
  CUWAVELET_HD int total_elems() const {
    return input_elems() + 2 * row1_elems() + a1_elems() + 2 * row2_elems();
  }
};

// Whether the extension of every level-1 position past an edge, in the
// window of every run of `run` level-2 coefficients along one axis (runs
// from 0, the last up to n2: a pass along y, a strip along x), reads only
// positions inside that window (step 4 above). Host side, once per plan.
template <int M>
CUWAVELET_HD bool two_level_window_holds_extension(index_t n1, index_t n2, index_t run, int F) {
  if (M == kZero) return true;
  const index_t off = analysis_offset<M>(F);
  const index_t runs = (n2 + run - 1) / run;
  for (index_t t = 0; t < runs; ++t) {
    const index_t o0 = t * run, out = n2 - o0 < run ? n2 - o0 : run;
    const index_t w0 = 2 * o0 + off - (F - 1), w1 = w0 + 2 * out + F - 2;  // [w0, w1)
    for (index_t p = w0; p < w1; ++p) {
      if (p >= 0 && p < n1) continue;
      index_t idx[3]; double w[3];
      const int terms = extension_terms<M, double>(p, n1, idx, w);
      for (int k = 0; k < terms; ++k)
        if (w[k] != 0.0 && (idx[k] < w0 || idx[k] >= w1)) return false;
    }
  }
  return true;
}

// Positions [first, ...) of a line held in shared memory, `pitch` apart, as
// an accessor.
template <typename A, class Block>
struct WindowSamples {
  const Block& b;
  const A* window;
  index_t first;
  int pitch;
  CUWAVELET_BLOCK A operator()(index_t i) const {
    return b.load(window + (int)(i - first) * pitch);
  }
};

// Rows [from, from + rows) x [0, cols) of a ring `pitch` wide -> its rows [0, rows).
template <typename A, class Block>
CUWAVELET_BLOCK void move_ring_rows(const Block& b, A* ring, int pitch, int from, int rows,
                                    int cols) {
  for_each_cell(b, rows, cols, [&](int r, int c) {
    b.store(ring + r * pitch + c, b.load(ring + (from + r) * pitch + c));
  });
}

template <int M, bool BY_VALUE, typename T, class Block>
CUWAVELET_BLOCK void fused_analysis_2d_two_levels(const Block& b, const TwoLevelGeometry& g,
                                                  const T* x, T* ad1, T* da1, T* dd1, T* aa2,
                                                  T* ad2, T* da2, T* dd2, const T* lo_y,
                                                  const T* hi_y, const T* lo_x, const T* hi_x) {
  typedef T A;  // accumulate in the data type, as the other kernels and pywt do
  const TwoLevelLayout L(g);
  A* in = reinterpret_cast<A*>(b.shared());
  A* row_lo = in + L.input_elems();
  A* row_hi = row_lo + L.row1_elems();
  A* a1 = row_hi + L.row1_elems();
  A* row2_lo = a1 + L.a1_elems();
  A* row2_hi = row2_lo + L.row2_elems();
  const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
  const int C2 = L.step, keep = Fy - 2;  // level-2 rows per pass; rows a ring carries over
  const index_t offy = analysis_offset<M>(Fy), offx = analysis_offset<M>(Fx);
  const index_t Ny = g.signal_len[kY], Nx = g.signal_len[kX];
  const index_t n1y = g.len1[kY], n1x = g.len1[kX], n2y = g.len2[kY], n2x = g.len2[kX];
  const index_t sy = g.stride[kTLImage][kMaxDims], sx = g.stride[kTLImage][kMaxDims + 1];
  T* const level1[3] = {ad1, da1, dd1};
  T* const level2[4] = {aa2, ad2, da2, dd2};
  const int warm = (int)two_level_warm_passes(C2, Fy);
  // Two row outputs per thread (F + 2 loads for both, not 2 F) where the
  // launch bound leaves the registers: float by value at 3 blocks per SM.
  constexpr bool kTwoPairs = BY_VALUE && sizeof(T) == 4 && Dwt2MinBlocks<-1, M, 1, T>::value <= 3;
  constexpr int kPer = kTwoPairs ? 2 : 1;
  const index_t tiles_per_image = g.tiles[kY] * g.tiles[kX];
  const index_t total_tiles = g.batch_total * tiles_per_image;

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const index_t in_image = tile % tiles_per_image;
    const index_t item = tile / tiles_per_image;
    index_t offset[kTwoLevelOperands];
    batch_offsets(g, item, offset, kTwoLevelOperands);
    const T* image = x + offset[kTLImage];
    const index_t ty = in_image / g.tiles[kX], tx = in_image % g.tiles[kX];
    const index_t o2y = ty * g.tile[kY], o2x = tx * g.tile[kX];
    const index_t p1x = 2 * o2x + offx - (Fx - 1), p0x = 2 * p1x + offx - (Fx - 1);
    // Rows and columns below are ints relative to the block's first level-2
    // row and column (o2y, o2x), at level 1 to its first owned ones (2 o2y,
    // 2 o2x; the host keeps every axis under 2^30): 64-bit positions take
    // the registers that these kernels' passes need.
    const int rows2 = (int)(n2y - o2y < g.tile[kY] ? n2y - o2y : g.tile[kY]);
    const int out2_x = (int)(n2x - o2x < g.tile[kX] ? n2x - o2x : g.tile[kX]);
    const int cols1 = 2 * out2_x + Fx - 2, cols0 = 2 * cols1 + Fx - 2;
    const int lead_x = (int)offx - (Fx - 1);  // the A1 window's first column
    // A1 rows in range: [top1, end1); the window's columns in range: [left1, right1)
    const int top1 = (int)(-2 * o2y), end1 = (int)(n1y - 2 * o2y);
    const int left1 = p1x < 0 ? (int)-p1x : 0;
    const int right1 = n1x - p1x < cols1 ? (int)(n1x - p1x) : cols1;
    const bool edge_x = left1 > 0 || right1 < cols1;
    // level-1 details this block owns: [2 T2 t, 2 T2 (t + 1)), the last up to n1
    const int own_rows = ty == g.tiles[kY] - 1 ? end1 : (int)(2 * g.tile[kY]);
    const int own_cols = tx == g.tiles[kX] - 1 ? (int)(n1x - 2 * o2x) : (int)(2 * g.tile[kX]);
    const int passes = warm + (rows2 + C2 - 1) / C2;

    for (int s = 0; s < passes; ++s) {
      const int l2 = (s - warm) * C2;         // the pass's first level-2 row
      const int new1 = 2 * l2 + (int)offy - 1;  // its first new A1 row
      const int first1 = new1 - keep;          // the A1 ring's first row
      const bool writes = s >= warm;
      // The first passes skip the A1 and input rows before the first the
      // segment reads (first1 of the first pass that writes, and its input
      // rows): the rings' rows before the first pass's are garbage, unread.
      const int ahead1 = -keep - 2 * l2, ahead0 = 2 * ahead1 - keep;
      const int skip1 = ahead1 <= 0 ? 0 : ahead1 < 2 * C2 ? ahead1 : 2 * C2;
      const int skip0 = ahead0 <= 0 ? 0 : ahead0 < 4 * C2 ? ahead0 : 4 * C2;

      // 1. input rows; the rings' last rows to their fronts
      if (s > 0) {
        move_ring_rows(b, row_lo, L.c1, 4 * C2, keep, cols1);
        move_ring_rows(b, row_hi, L.c1, 4 * C2, keep, cols1);
        move_ring_rows(b, a1, L.c1, 2 * C2, keep, cols1);
        move_ring_rows(b, row2_lo, L.tile_x, 2 * C2, keep, out2_x);
        move_ring_rows(b, row2_hi, L.tile_x, 2 * C2, keep, out2_x);
      }
      // (the wrapping modes leave no registers for the interior path at this bound)
      load_input_window<M, T, A, M != kConstant && M != kPeriodic && M != kPeriodization, false>(
          b, in + skip0 * 2 * L.half0, L.half0, image, sy, sx, Ny, Nx,
          2 * (2 * o2y + new1) + offy - 1 + skip0, p0x, 4 * C2 - skip0, cols0);
      b.sync();

      // 2. level 1 along x (kTwoPairs: two outputs per thread, a row's last,
      //    where cols1 is odd, alone)
      for_each_cell(b, 4 * C2 - skip0, (cols1 + kPer - 1) / kPer, [&](int r, int pair) {
        const int row = skip0 + r;
        row_outputs_split<BY_VALUE, kTwoPairs, T, A>(
            b, in + row * 2 * L.half0, L.half0, kPer * pair, cols1, Fx, lo_x, hi_x,
            row_lo + (keep + row) * L.c1, row_hi + (keep + row) * L.c1);
      });
      b.sync();

      // 3. level 1 along y: new A1 rows in range, and the owned details
      for_each_cell(b, 2 * C2 - skip1, cols1, [&](int i, int c1) {
        i += skip1;
        const int P = new1 + i, Q = lead_x + c1;
        if (P < top1 || P >= end1 || c1 < left1 || c1 >= right1) return;  // step 4
        A acc[4];  // aa, ad, da, dd
        column_quad<BY_VALUE, T, A>(b, row_lo, row_hi, L.c1, i, c1, Fy, lo_y, hi_y, acc);
        b.store(a1 + (keep + i) * L.c1 + c1, acc[0]);
        if (P >= 0 && P < own_rows && Q >= 0 && Q < own_cols) {
          CUWAVELET_UNROLL
          for (int k = 0; k < 3; ++k)
            b.store_once(level1[k] + offset[kTLAD1 + k] +
                        (2 * o2y + P) * g.stride[kTLAD1 + k][kMaxDims] +
                        (2 * o2x + Q) * g.stride[kTLAD1 + k][kMaxDims + 1], T(acc[1 + k]));
        }
      });
      b.sync();

      // 4. A1 past the level-1 edges: the mode's extension of in-range A1
      //    values, along x in the new rows in range, then along y of rows
      //    extended along x (the 2D extension is the product of the 1D ones,
      //    as extended_sample_2d), in the rows the pass reads. Along y only in
      //    passes that write: the targets may come later.
      const int out2_y = rows2 - l2 < C2 ? rows2 - l2 : C2;
      const int read1 = writes ? 2 * out2_y + keep : L.ring1;  // A1 ring rows the pass reads
      const bool edge_y = writes && (first1 < top1 || first1 + read1 > end1);
      if (edge_x) {
        for_each_cell(b, read1 - keep - skip1, cols1, [&](int r, int c1) {
          r += keep + skip1;
          const int P = first1 + r;
          if (P < top1 || P >= end1 || (c1 >= left1 && c1 < right1)) return;
          const A* row = a1 + r * L.c1;
          b.store(a1 + r * L.c1 + c1, extension_value<M, A>(
              p1x + c1, n1x, WindowSamples<A, Block>{b, row, p1x, 1}));
        });
        b.sync();
      }
      if (edge_y) {
        for_each_cell(b, read1, cols1, [&](int r, int c1) {
          const int P = first1 + r;
          if (P >= top1 && P < end1) return;
          const index_t base = 2 * o2y + first1;
          b.store(a1 + r * L.c1 + c1, extension_value<M, A>(
              base + r, n1y, WindowSamples<A, Block>{b, a1 + c1, base, L.c1}));
        });
        b.sync();
      }

      // 5. level 2 along x: the new A1 rows (all the pass reads after its rows
      //    past an edge were refilled)
      const int from2 = edge_y ? 0 : keep + skip1;
      for_each_cell(b, read1 - from2, out2_x, [&](int r, int c2) {
        A lo, hi;  // tap j reads A1 column 2 c2 + Fx - 1 - j
        strided_pair<BY_VALUE, T, A>(b, a1 + (from2 + r) * L.c1 + 2 * c2 + Fx - 1, 1, Fx, lo_x,
                                     hi_x, lo, hi);
        b.store(row2_lo + (from2 + r) * L.tile_x + c2, lo);
        b.store(row2_hi + (from2 + r) * L.tile_x + c2, hi);
      });
      b.sync();

      // 6. level 2 along y: the four subbands
      if (writes) {
        for_each_cell(b, out2_y, out2_x, [&](int i2, int j2) {
          A acc[4];
          column_quad<BY_VALUE, T, A>(b, row2_lo, row2_hi, L.tile_x, i2, j2, Fy, lo_y, hi_y, acc);
          CUWAVELET_UNROLL
          for (int k = 0; k < 4; ++k) {
            T* at = level2[k] + offset[kTLAA2 + k] +
                    (o2y + l2 + i2) * g.stride[kTLAA2 + k][kMaxDims] +
                    (o2x + j2) * g.stride[kTLAA2 + k][kMaxDims + 1];
            if (k == 0) {
              b.store(at, T(acc[k]));  // the approximation: the next level's input
            } else {
              b.store_once(at, T(acc[k]));
            }
          }
        });
        // The next pass moves the level-2 rows' ring (a block's next tile
        // first writes only the input rows, which no one reads here).
        if (s + 1 < passes) b.sync();
      }
    }
  }
}

// Two levels from the launch records (fused_launch.cuh): what the GPU kernel
// and the emulator both run. Filters: FilterTaps2D<T> or FilterAddresses.
template <int M, typename T, class Filters, class Block>
CUWAVELET_BLOCK void fused_two_levels_2d(const Block& b, const TwoLevelGeometry& g,
                                         const OperandAddresses<kTwoLevelOperands>& o,
                                         const Filters& f) {
  fused_analysis_2d_two_levels<M, Filters::kByValue, T>(
      b, g, o.get<T>(kTLImage), o.get<T>(kTLAD1), o.get<T>(kTLDA1), o.get<T>(kTLDD1),
      o.get<T>(kTLAA2), o.get<T>(kTLAD2), o.get<T>(kTLDA2), o.get<T>(kTLDD2),
      f.template get<T>(0), f.template get<T>(1), f.template get<T>(2), f.template get<T>(3));
}

}  // namespace cuwavelet
