// Two levels of a 2D waverec in ONE launch: the level-1 approximation never
// leaves the chip. With one launch per level (dwt2_fused.cuh's synthesis) it
// is written and read back: about a third more traffic over a whole waverec2
// than the minimum (every coefficient read once, the image written once).
//
// Unlike two levels of analysis (dwt2_two_levels.cuh), whose halo is the
// large level-1 one, the halo recomputed here is the level-1 approximation's
// (a few F / 2 positions around half the image tile), from the level-2
// coefficients: a quarter of the work, so the redundant share stays small.
//
// M = kZero: the zero-padded synthesis (pywt's idwt in every mode but
// periodization): coefficients outside [0, n) are zero, so the level-1
// approximation's positions outside [0, len1) are zero too, which is pywt's
// waverec trim (the reconstruction of level 2 may be one sample longer than
// level 1's details) and also makes this kernel, with transposed filters, the
// adjoint of two zero-mode analysis levels (cuwavelet/_fused.py).
// M = kPeriodization, for len1 = 2 len2 (no trim; the host checks): indices
// wrap around, and a window position P outside [0, len1) holds the level-2
// reconstruction at P, which is periodic with period 2 len2 = len1, so it is
// the approximation the level-1 synthesis reads there (index P mod len1).
// With transposed filters, the adjoint of two periodization analysis levels
// of even lengths.
//
// Each block owns a tile of image samples (both sides even). Per tile, with
// barriers between the phases:
//   1. the level-2 coefficient windows (four subbands) and the level-1
//      details' windows -> shared memory (zeros outside the arrays)
//   2. level 2 merged along x (merge_rows of dwt2_fused.cuh)
//   3. level 2 merged along y: the level-1 approximation window, zero outside
//      [0, len1), into the level-1 window's 'aa' slot
//   4. level 1 merged along x
//   5. level 1 merged along y: the image tile, to global memory
// Operands and geometry are the two-level analysis' (TwoLevelGeometry):
// signal_len is the image's length, len1 / len2 the level-1 / level-2
// coefficient lengths, tile the image samples per tile.
#pragma once

#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt2_two_levels.cuh"
#include "dwt_math.cuh"

namespace cuwavelet {

// One axis of a synthesis tile: a run of `out` outputs from `start` (even)
// reads the coefficients from start / 2 + first, `count` of them; the
// window of a level below is kept from an even position (`from`, `skip`
// positions before the first the run reads), so that its own run, one level
// further down, starts even as merge_rows wants.
template <int M>
struct SynthesisRun {
  index_t from;  // first coefficient of the window (even)
  int skip;      // window positions before the first one read: 0 or 1
  int count;     // window positions from `from`
  CUWAVELET_HD SynthesisRun(index_t start, int out, int F) {
    const int s = (int)synthesis_shift<M>(F), first = (int)floor_div(s - F + 1, 2);
    const index_t read = start / 2 + first;
    from = read - (read & 1);
    skip = (int)(read - from);
    count = (int)floor_div(out - 1 + s, 2) - first + 1 + skip;
  }
};

// Shared memory of a block, in elements of T, for full tiles (partial ones
// use less): the level-1 window (a1 and the three details: four bands of
// r1 x c1) after the larger of (the four level-2 windows of r2 x c2 and their
// x-merged rows, 2 x r2 x c1) and (level 1's x-merged rows, 2 x r1 x tile_x),
// which are never alive together.
template <int M>
struct TwoLevelSynthesisLayout {
  int r1, c1, r2, c2, tile_x;
  CUWAVELET_HD explicit TwoLevelSynthesisLayout(const TwoLevelGeometry& g)
      : tile_x((int)g.tile[kX]) {
    // the most positions a window spans (a run whose skip is 1)
    const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
    r1 = SynthesisRun<M>(2, (int)g.tile[kY], Fy).count + 1;
    c1 = SynthesisRun<M>(2, (int)g.tile[kX], Fx).count + 1;
    r2 = SynthesisRun<M>(2, r1, Fy).count + 1;
    c2 = SynthesisRun<M>(2, c1, Fx).count + 1;
  }
  CUWAVELET_HD int level1_elems() const { return 4 * r1 * c1; }
  CUWAVELET_HD int level2_elems() const { return 4 * r2 * c2 + 2 * r2 * c1; }
  CUWAVELET_HD int rows1_elems() const { return 2 * r1 * tile_x; }
  CUWAVELET_HD int scratch_elems() const {
    return level2_elems() > rows1_elems() ? level2_elems() : rows1_elems();
  }
  CUWAVELET_HD int total_elems() const { return scratch_elems() + level1_elems(); }
};

template <int M, bool BY_VALUE, typename T, class Block>
CUWAVELET_BLOCK void fused_synthesis_2d_two_levels(const Block& b, const TwoLevelGeometry& g,
                                                   T* image, const T* const (&level1)[3],
                                                   const T* const (&level2)[4], const T* lo_y,
                                                   const T* hi_y, const T* lo_x, const T* hi_x) {
  typedef T A;
  const TwoLevelSynthesisLayout<M> L(g);
  A* scratch = reinterpret_cast<A*>(b.shared());
  A* coeffs2 = scratch;                         // [band][r2][c2]
  A* rows2_lo = coeffs2 + 4 * L.r2 * L.c2;      // [r2][c1], level 2 merged along x
  A* rows2_hi = rows2_lo + L.r2 * L.c1;
  A* rows1_lo = scratch;                        // [r1][tile_x], once level 2 is done
  A* rows1_hi = rows1_lo + L.r1 * L.tile_x;
  A* coeffs1 = scratch + L.scratch_elems();     // [band][r1][c1]: a1, ad1, da1, dd1
  const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
  const int s_y = (int)synthesis_shift<M>(Fy), s_x = (int)synthesis_shift<M>(Fx);
  const int first_y = (int)floor_div(s_y - Fy + 1, 2), first_x = (int)floor_div(s_x - Fx + 1, 2);
  const index_t Ny = g.signal_len[kY], Nx = g.signal_len[kX];
  const index_t n1y = g.len1[kY], n1x = g.len1[kX], n2y = g.len2[kY], n2x = g.len2[kX];
  const index_t tiles_per_image = g.tiles[kY] * g.tiles[kX];
  const index_t total_tiles = g.batch_total * tiles_per_image;
  const int band1 = L.r1 * L.c1, band2 = L.r2 * L.c2;

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const index_t in_image = tile % tiles_per_image;
    index_t offset[kTwoLevelOperands];
    batch_offsets(g, tile / tiles_per_image, offset, kTwoLevelOperands);
    const index_t i0 = (in_image / g.tiles[kX]) * g.tile[kY];
    const index_t j0 = (in_image % g.tiles[kX]) * g.tile[kX];
    const int out_y = (int)(Ny - i0 < g.tile[kY] ? Ny - i0 : g.tile[kY]);
    const int out_x = (int)(Nx - j0 < g.tile[kX] ? Nx - j0 : g.tile[kX]);
    // the level-1 window (from an even position) and the level-2 one under it
    const SynthesisRun<M> y1(i0, out_y, Fy), x1(j0, out_x, Fx);
    const SynthesisRun<M> y2(y1.from, y1.count, Fy), x2(x1.from, x1.count, Fx);

    // 1. coefficient windows: level 2's four subbands, level 1's details
    CUWAVELET_UNROLL
    for (int k = 0; k < 4; ++k)
      load_coefficient_window<M, T, A, false>(
          b, coeffs2 + k * band2, L.c2, level2[k] ? level2[k] + offset[kTLAA2 + k] : nullptr,
          g.stride[kTLAA2 + k][kMaxDims], g.stride[kTLAA2 + k][kMaxDims + 1], n2y, n2x,
          y2.from + y2.skip, x2.from + x2.skip, y2.count - y2.skip, x2.count - x2.skip);
    CUWAVELET_UNROLL
    for (int k = 0; k < 3; ++k)
      load_coefficient_window<M, T, A, false>(
          b, coeffs1 + (1 + k) * band1, L.c1, level1[k] ? level1[k] + offset[kTLAD1 + k] : nullptr,
          g.stride[kTLAD1 + k][kMaxDims], g.stride[kTLAD1 + k][kMaxDims + 1], n1y, n1x,
          y1.from, x1.from, y1.count, x1.count);
    b.sync();

    // 2. level 2 along x: the rows of the a1 window's columns
    merge_rows<BY_VALUE, T>(b, coeffs2, band2, L.c2, first_x, y2.count - y2.skip, x1.count, s_x,
                            Fx, lo_x, hi_x, rows2_lo, rows2_hi, L.c1);
    b.sync();

    // 3. level 2 along y: the a1 window, zero outside [0, len1) (the trim)
    //    but in periodization (the wrapped-around approximation)
    merge_columns<BY_VALUE, T>(b, rows2_lo, rows2_hi, L.c1, first_y, y1.count, x1.count, s_y, Fy,
                               lo_y, hi_y, [&](int r, int c, A v) {
      const index_t P = y1.from + r, Q = x1.from + c;
      const bool kept = M == kPeriodization || (P >= 0 && P < n1y && Q >= 0 && Q < n1x);
      b.store(coeffs1 + r * L.c1 + c, kept ? v : A(0));
    });
    b.sync();

    // 4. level 1 along x, from the first window position the tile reads
    merge_rows<BY_VALUE, T>(b, coeffs1 + y1.skip * L.c1 + x1.skip, band1, L.c1, first_x,
                            y1.count - y1.skip, out_x, s_x, Fx, lo_x, hi_x, rows1_lo, rows1_hi,
                            L.tile_x);
    b.sync();

    // 5. level 1 along y: the image tile
    merge_columns<BY_VALUE, T>(b, rows1_lo, rows1_hi, L.tile_x, first_y, out_y, out_x, s_y, Fy,
                               lo_y, hi_y, [&](int i, int j, A v) {
      b.store(image + offset[kTLImage] + (i0 + i) * g.stride[kTLImage][kMaxDims] +
                  (j0 + j) * g.stride[kTLImage][kMaxDims + 1], T(v));
    });
    // The next tile's level-2 windows overwrite level 1's rows.
    if (tile + b.blocks() < total_tiles) b.sync();
  }
}

// Two synthesis levels from the launch records (fused_launch.cuh): what the
// GPU kernel and the emulator both run.
template <int M, typename T, class Filters, class Block>
CUWAVELET_BLOCK void fused_synthesis_two_levels_2d(const Block& b, const TwoLevelGeometry& g,
                                                   const OperandAddresses<kTwoLevelOperands>& o,
                                                   const Filters& f) {
  const T* const level1[3] = {o.get<T>(kTLAD1), o.get<T>(kTLDA1), o.get<T>(kTLDD1)};
  const T* const level2[4] = {o.get<T>(kTLAA2), o.get<T>(kTLAD2), o.get<T>(kTLDA2),
                              o.get<T>(kTLDD2)};
  fused_synthesis_2d_two_levels<M, Filters::kByValue, T>(
      b, g, o.get<T>(kTLImage), level1, level2, f.template get<T>(0), f.template get<T>(1),
      f.template get<T>(2), f.template get<T>(3));
}

}  // namespace cuwavelet
