// Two levels of a 2D wavedec in ONE launch: the level-1 approximation never
// leaves the chip. With one launch per level (dwt2_fused.cuh) it is written
// and read back, which costs a multilevel wavedec2 about a third more traffic
// than the minimum (input once, every coefficient once); fusing levels 1 and
// 2 takes that to about a tenth.
//
// Each block owns a tile of T2y x T2x level-2 coefficients, and the level-1
// details "under" it (level-1 positions [2 T2 t, 2 T2 (t + 1)) per axis, the
// last tile up to n1). Per tile, with barriers between the phases:
//
//   1. the input window (2 R1 + F - 2 per axis, extended from global memory
//      by the mode) -> shared
//   2. level 1 along x: lo and hi rows
//   3. level 1 along y: the level-1 approximation window A1 (R1 = 2 T2 + F - 2
//      positions per axis, the ones level 2 reads), and the owned level-1
//      details, written straight to global memory
//   4. A1's positions past an edge of level 1: the mode's extension of the
//      level-1 approximation, from A1's own in-range values (extension_value
//      of dwt_math.cuh). EXACT where every target idx_t of its terms lies in
//      the window; the host checks that for every tile with the same code
//      (two_level_window_holds_extension) and otherwise runs one level per launch.
//      Near-edge modes hold it for tiles of a few F; periodic modes only when
//      one tile spans the image.
//   5. level 2 along x, from A1 (into the input window's space)
//   6. level 2 along y: the four level-2 subbands, to global memory
#pragma once

#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt_math.cuh"

namespace cuwavelet {

// Operands of a two-level launch.
enum { kTLImage = 0, kTLAD1 = 1, kTLDA1 = 2, kTLDD1 = 3, kTLAA2 = 4, kTLAD2 = 5, kTLDA2 = 6,
       kTLDD2 = 7, kTwoLevelOperands = 8 };

// Plain 64-bit fields, mirrored by TWO_LEVEL_GEOMETRY_DTYPE of cuwavelet/_fused.py.
struct TwoLevelGeometry {
  index_t batch_ndim, batch_total;
  index_t signal_len[2];  // input length along y, x
  index_t len1[2];        // level-1 coefficients along y, x
  index_t len2[2];        // level-2 coefficients along y, x
  index_t filter_len[2];
  index_t tile[2];        // level-2 coefficients per tile along y, x
  index_t tiles[2];
  index_t batch_shape[kMaxDims];
  index_t stride[kTwoLevelOperands][kMaxDims + 2];  // batch dimensions, then y, then x
};
static_assert(sizeof(TwoLevelGeometry) ==
                  (14 + kMaxDims + kTwoLevelOperands * (kMaxDims + 2)) * sizeof(index_t),
              "TwoLevelGeometry must stay a padding-free record of 64-bit fields");

// Windows of a full tile along one axis: R1 level-1 positions, R0 input positions.
CUWAVELET_HD int two_level_r1(index_t tile, index_t F) { return (int)(2 * tile + F - 2); }
CUWAVELET_HD int two_level_r0(index_t tile, index_t F) {
  return (int)(2 * two_level_r1(tile, F) + F - 2);
}

// Shared memory of a block, in elements of T: the input window (even | odd
// columns, as AnalysisLayout), the level-1 lo and hi rows, and A1. Level 2's
// rows reuse the input window's space.
struct TwoLevelLayout {
  int r0, c0, half0, r1, c1, tile_x;
  CUWAVELET_HD explicit TwoLevelLayout(const TwoLevelGeometry& g)
      : r0(two_level_r0(g.tile[kY], g.filter_len[kY])),
        c0(two_level_r0(g.tile[kX], g.filter_len[kX])), half0((c0 + 1) / 2),
        r1(two_level_r1(g.tile[kY], g.filter_len[kY])),
        c1(two_level_r1(g.tile[kX], g.filter_len[kX])), tile_x((int)g.tile[kX]) {}
  CUWAVELET_HD int input_elems() const { return r0 * 2 * half0; }
  CUWAVELET_HD int row1_elems() const { return r0 * c1; }  // each of lo, hi
  CUWAVELET_HD int a1_elems() const { return r1 * c1; }
  CUWAVELET_HD int total_elems() const { return input_elems() + 2 * row1_elems() + a1_elems(); }
};

// Whether the extension of every level-1 position past an edge, in every
// tile's window along one axis, reads only positions inside that window
// (step 4 above). Host side, once per plan.
template <int M>
CUWAVELET_HD bool two_level_window_holds_extension(index_t n1, index_t n2, index_t tile, int F) {
  if (M == kZero) return true;
  const index_t off = analysis_offset<M>(F);
  const index_t tiles = (n2 + tile - 1) / tile;
  for (index_t t = 0; t < tiles; ++t) {
    const index_t o0 = t * tile, out = n2 - o0 < tile ? n2 - o0 : tile;
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

// Positions [first, ...) of a line held in shared memory, as an accessor.
template <typename A, class Block>
struct WindowSamples {
  const Block& b;
  const A* window;
  index_t first;
  CUWAVELET_BLOCK A operator()(index_t i) const { return b.load(window + (int)(i - first)); }
};

// Row P of the level-1 approximation window (A1: rows from p1y, columns from
// p1x, `pitch` apart), extended along x to column Q from its in-range values:
// the accessor of step 4's y extension. Reads only in-range positions, which
// step 3 wrote and step 4 never overwrites.
template <int M, typename A, class Block>
struct WindowRowSamples {
  const Block& b;
  const A* a1;
  int pitch;
  index_t p1y, p1x, n1x, Q;
  CUWAVELET_BLOCK A operator()(index_t P) const {
    return extended_value<M, A>(Q, n1x, WindowSamples<A, Block>{b, a1 + (int)(P - p1y) * pitch, p1x});
  }
};

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
  A* row2_lo = in;  // level 2's rows, once the input window is dead
  A* row2_hi = in + L.r1 * L.tile_x;
  const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
  const index_t offy = analysis_offset<M>(Fy), offx = analysis_offset<M>(Fx);
  const index_t Ny = g.signal_len[kY], Nx = g.signal_len[kX];
  const index_t n1y = g.len1[kY], n1x = g.len1[kX], n2y = g.len2[kY], n2x = g.len2[kX];
  const index_t sy = g.stride[kTLImage][kMaxDims], sx = g.stride[kTLImage][kMaxDims + 1];
  T* const level1[3] = {ad1, da1, dd1};
  T* const level2[4] = {aa2, ad2, da2, dd2};
  const index_t tiles_per_image = g.tiles[kY] * g.tiles[kX];
  const index_t total_tiles = g.batch_total * tiles_per_image;

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const index_t in_image = tile % tiles_per_image;
    index_t offset[kTwoLevelOperands];
    batch_offsets(g, tile / tiles_per_image, offset, kTwoLevelOperands);
    const index_t ty = in_image / g.tiles[kX], tx = in_image % g.tiles[kX];
    const index_t o2y = ty * g.tile[kY], o2x = tx * g.tile[kX];
    const int out2_y = (int)(n2y - o2y < g.tile[kY] ? n2y - o2y : g.tile[kY]);
    const int out2_x = (int)(n2x - o2x < g.tile[kX] ? n2x - o2x : g.tile[kX]);
    const int rows1 = 2 * out2_y + Fy - 2, cols1 = 2 * out2_x + Fx - 2;
    const int rows0 = 2 * rows1 + Fy - 2, cols0 = 2 * cols1 + Fx - 2;
    const index_t p1y = 2 * o2y + offy - (Fy - 1), p1x = 2 * o2x + offx - (Fx - 1);
    const index_t p0y = 2 * p1y + offy - (Fy - 1), p0x = 2 * p1x + offx - (Fx - 1);
    // level-1 details this tile owns: [2 T2 t, 2 T2 (t + 1)), the last tile up to n1
    const index_t own_y0 = 2 * g.tile[kY] * ty, own_x0 = 2 * g.tile[kX] * tx;
    const index_t own_y1 = ty == g.tiles[kY] - 1 ? n1y : own_y0 + 2 * g.tile[kY];
    const index_t own_x1 = tx == g.tiles[kX] - 1 ? n1x : own_x0 + 2 * g.tile[kX];
    const T* image = x + offset[kTLImage];

    // 1. input window
    // (the wrapping modes leave no registers for the interior path at this bound)
    load_input_window<M, T, A, M != kConstant && M != kPeriodic && M != kPeriodization, false>(
        b, in, L.half0, image, sy, sx, Ny, Nx, p0y, p0x, rows0, cols0);
    b.sync();

    // 2. level 1 along x
    for_each_cell(b, rows0, cols1, [&](int r, int c1) {
      A l, h;
      row_pair_split<BY_VALUE, T, A>(b, in + r * 2 * L.half0, L.half0, c1, Fx, lo_x, hi_x, l, h);
      b.store(row_lo + r * L.c1 + c1, l);
      b.store(row_hi + r * L.c1 + c1, h);
    });
    b.sync();

    // 3. level 1 along y: A1 in range, and the owned details
    for_each_cell(b, rows1, cols1, [&](int r1, int c1) {
      const index_t P = p1y + r1, Q = p1x + c1;
      if (P < 0 || P >= n1y || Q < 0 || Q >= n1x) return;  // step 4
      const bool owned = P >= own_y0 && P < own_y1 && Q >= own_x0 && Q < own_x1;
      A acc[4];  // aa, ad, da, dd
      column_quad<BY_VALUE, T, A>(b, row_lo, row_hi, L.c1, r1, c1, Fy, lo_y, hi_y, acc);
      b.store(a1 + r1 * L.c1 + c1, acc[0]);
      if (owned) {
        CUWAVELET_UNROLL
        for (int k = 0; k < 3; ++k)
          b.store(level1[k] + offset[kTLAD1 + k] + P * g.stride[kTLAD1 + k][kMaxDims] +
                      Q * g.stride[kTLAD1 + k][kMaxDims + 1], T(acc[1 + k]));
      }
    });
    b.sync();

    // 4. A1 past the level-1 edges: the extension of in-range A1 values
    //    (along y of the rows extended along x, as extended_sample_2d)
    for_each_cell(b, rows1, cols1, [&](int r1, int c1) {
      const index_t P = p1y + r1, Q = p1x + c1;
      if (P >= 0 && P < n1y && Q >= 0 && Q < n1x) return;
      b.store(a1 + r1 * L.c1 + c1, extended_value<M, A>(
          P, n1y, WindowRowSamples<M, A, Block>{b, a1, L.c1, p1y, p1x, n1x, Q}));
    });
    b.sync();

    // 5. level 2 along x
    for_each_cell(b, rows1, out2_x, [&](int r1, int c2) {
      A lo, hi;  // tap j reads A1 column 2 c2 + Fx - 1 - j
      strided_pair<BY_VALUE, T, A>(b, a1 + r1 * L.c1 + 2 * c2 + Fx - 1, 1, Fx, lo_x, hi_x, lo, hi);
      b.store(row2_lo + r1 * L.tile_x + c2, lo);
      b.store(row2_hi + r1 * L.tile_x + c2, hi);
    });
    b.sync();

    // 6. level 2 along y: the four subbands
    for_each_cell(b, out2_y, out2_x, [&](int i2, int j2) {
      A acc[4];
      column_quad<BY_VALUE, T, A>(b, row2_lo, row2_hi, L.tile_x, i2, j2, Fy, lo_y, hi_y, acc);
      CUWAVELET_UNROLL
      for (int k = 0; k < 4; ++k)
        b.store(level2[k] + offset[kTLAA2 + k] + (o2y + i2) * g.stride[kTLAA2 + k][kMaxDims] +
                    (o2x + j2) * g.stride[kTLAA2 + k][kMaxDims + 1], T(acc[k]));
    });
    // The next tile's input window overwrites level 2's rows.
    if (tile + b.blocks() < total_tiles) b.sync();
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
