// Two levels of a 2D waverec in ONE launch: the level-1 approximation never
// leaves the chip. With one launch per level (dwt2_fused.cuh's synthesis) it
// is written and read back: about a third more traffic over a whole waverec2
// than the minimum (every coefficient read once, the image written once).
//
// M = kZero: the zero-padded synthesis (pywt's idwt in every mode but
// periodization): coefficients outside [0, n) are zero, so the level-1
// approximation's positions outside [0, len1) are zero too, which is pywt's
// waverec trim (the reconstruction of level 2 may be one sample longer than
// level 1's details) and also makes this kernel, with transposed filters, the
// adjoint of two zero-mode analysis levels (cuwavelet/_fused.py).
// M = kPeriodization, for len1 = 2 len2 (no trim; the host checks): indices
// wrap around, and a position P outside [0, len1) holds the level-2
// reconstruction at P, which is periodic with period 2 len2 = len1, so it is
// the approximation the level-1 synthesis reads there (index P mod len1).
// With transposed filters, the adjoint of two periodization analysis levels
// of even lengths.
//
// Each block owns a strip of image columns [X0, X0 + Tx) (g.tile[kX], even)
// and a segment of its rows [Y0, Y0 + Sy) (g.tile[kY], whole passes), of the
// region [g.origin, g.signal_len) the launch writes (the whole image, or the
// interior of an adjoint whose edges fold: cuwavelet/_fused.py), and
// walks down the segment 4 C2 image rows (C2 = g.step level-2 rows) per pass.
// Along y a run of 2m outputs from an even position reads m + K coefficients
// (SynthesisRows), so consecutive passes share K; rings carry them, and along
// y nothing is merged twice but the rows before each segment's first (square
// tiles merged a level-2 halo of about F / 2 rows per tile again: 1.23x the
// minimum multiply-adds with db5). Along x a strip's halo is merged by both
// neighbours.
//
// Rows are ints relative to the segment: image rows to Y0, level-1 ones to
// Y0 / 2, level-2 ones to Y0 / 4 (Y0 is a multiple of 4). Pass t (t < 0: the
// warm passes, which only fill the rings):
//   image rows [4 C2 t, 4 C2 t + 4 C2) read level-1 rows from 2 C2 t + first:
//   ring1 (level 1 merged along x, lo and hi) holds K1 + 2 C2 rows from there,
//   its new ones from A = 2 C2 t + lead1 (even: K1 is K, or K + 1 to make it so);
//   level-1 rows [A, A + 2 C2) read level-2 rows from A / 2 + first: ring2
//   (level 2 merged along x) holds K + C2 rows from there, its new ones from
//   Q = A / 2 + first + K.
// Per pass, with barriers between the phases:
//   1. the rings' last rows to their fronts; level-2 rows [Q, Q + C2) of the
//      four subbands and level-1 detail rows [A, A + 2 C2) -> shared memory
//      (zeros outside the arrays; wrapped around in periodization)
//   2. level 2 along x -> ring2's new rows
//   3. level 2 along y: the level-1 approximation's rows [A, A + 2 C2), zero
//      outside [0, len1) (but in periodization), beside the detail rows
//   4. level 1 along x -> ring1's new rows
//   5. (t >= 0) level 1 along y: the image rows, to global memory
// Warm passes compute only the rows the segment reads (from `e1` at level 1,
// `q_first` at level 2). Moving a ring's last rows to its front must not
// overlap them: C2 >= K (the host's steps).
// Operands and geometry are the two-level analysis' (TwoLevelGeometry):
// signal_len is the end of the image region written (from origin: even, a
// multiple of 4 along y), len1 / len2 the level-1 / level-2 coefficient
// lengths.
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

// The rows of a strip walk (above), for a filter of length F along y.
template <int M>
struct SynthesisRows {
  int first;    // a run from P reads coefficients from P / 2 + first
  int keep;     // K: coefficients two consecutive runs of even length share
  int keep1;    // K1: ring1's rows carried over (first + K1 even)
  int e1;       // the first level-1 row a segment computes (even: its merges' runs start there)
  int q_first;  // the first level-2 row it reads
  CUWAVELET_HD explicit SynthesisRows(int F) {
    const int s = (int)synthesis_shift<M>(F);
    first = (int)floor_div(s - F + 1, 2);
    keep = (int)floor_div(s - 1, 2) - first + 1;
    keep1 = keep + ((first + keep) & 1);
    e1 = first - (first & 1);
    q_first = e1 / 2 + first;
  }
  CUWAVELET_HD int lead1() const { return first + keep1; }       // A of pass 0
  CUWAVELET_HD int lead2() const { return lead1() / 2 + first + keep; }  // Q of pass 0
};

// Passes before a segment's first image rows: enough to make its level-2
// rows from q_first, C2 per pass.
template <int M>
CUWAVELET_HD int two_level_synthesis_warm_passes(int step, int F) {
  const SynthesisRows<M> y(F);
  return (y.lead2() - y.q_first + step - 1) / step;
}

// Shared memory of a block, in elements of T: the level-2 rows of a pass
// (four subbands of C2 x c2), ring2 (lo, hi: K + C2 rows of c1), the level-1
// rows of a pass (the approximation and three details: 4 x 2 C2 x c1), ring1
// (lo, hi: K1 + 2 C2 rows of the strip's columns). c1 / c2: the most level-1
// / level-2 positions a strip's window spans (a run whose skip is 1).
template <int M>
struct TwoLevelSynthesisLayout {
  int step, keep, keep1, c1, c2, tile_x;
  CUWAVELET_HD explicit TwoLevelSynthesisLayout(const TwoLevelGeometry& g)
      : step((int)g.step), tile_x((int)g.tile[kX]) {
    const SynthesisRows<M> y((int)g.filter_len[kY]);
    const int Fx = (int)g.filter_len[kX];
    keep = y.keep;
    keep1 = y.keep1;
    c1 = SynthesisRun<M>(2, tile_x, Fx).count + 1;
    c2 = SynthesisRun<M>(2, c1, Fx).count + 1;
  }
  CUWAVELET_HD int stage2_elems() const { return 4 * step * c2; }
  CUWAVELET_HD int ring2_elems() const { return (keep + step) * c1; }  // each of lo, hi
  CUWAVELET_HD int stage1_elems() const { return 4 * 2 * step * c1; }
  CUWAVELET_HD int ring1_elems() const { return (keep1 + 2 * step) * tile_x; }  // each of lo, hi
  CUWAVELET_HD int total_elems() const {
    return stage2_elems() + 2 * ring2_elems() + stage1_elems() + 2 * ring1_elems();
  }
};

template <int M, bool BY_VALUE, typename T, class Block>
CUWAVELET_BLOCK void fused_synthesis_2d_two_levels(const Block& b, const TwoLevelGeometry& g,
                                                   T* image, const T* const (&level1)[3],
                                                   const T* const (&level2)[4], const T* lo_y,
                                                   const T* hi_y, const T* lo_x, const T* hi_x) {
  typedef T A;
  const TwoLevelSynthesisLayout<M> L(g);
  const SynthesisRows<M> y((int)g.filter_len[kY]);
  A* stage2 = reinterpret_cast<A*>(b.shared());  // [band][C2][c2]
  A* ring2_lo = stage2 + L.stage2_elems();         // [K + C2][c1]
  A* ring2_hi = ring2_lo + L.ring2_elems();
  A* stage1 = ring2_hi + L.ring2_elems();          // [band][2 C2][c1]: a1, ad1, da1, dd1
  A* ring1_lo = stage1 + L.stage1_elems();         // [K1 + 2 C2][tile_x]
  A* ring1_hi = ring1_lo + L.ring1_elems();
  const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
  const int s_y = (int)synthesis_shift<M>(Fy), s_x = (int)synthesis_shift<M>(Fx);
  const int first_x = (int)floor_div(s_x - Fx + 1, 2);
  const int C2 = L.step, K = L.keep, K1 = L.keep1;
  const index_t Ny = g.signal_len[kY], Nx = g.signal_len[kX];
  const index_t n1y = g.len1[kY], n1x = g.len1[kX], n2y = g.len2[kY], n2x = g.len2[kX];
  const int band1 = 2 * C2 * L.c1, band2 = C2 * L.c2;
  const int warm = two_level_synthesis_warm_passes<M>(C2, Fy);
  const index_t tiles_per_image = g.tiles[kY] * g.tiles[kX];
  const index_t total_tiles = g.batch_total * tiles_per_image;
  // Two pairs of outputs per thread in the merges (float, filters by value,
  // zero mode: periodization's wrap-around gather leaves no registers for them).
  constexpr bool kTwoPairs = CUWAVELET_TWO_PAIRS && M == kZero && BY_VALUE && sizeof(T) == 4;

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const index_t in_image = tile % tiles_per_image;
    index_t offset[kTwoLevelOperands];
    batch_offsets(g, tile / tiles_per_image, offset, kTwoLevelOperands);
    const index_t Y0 = g.origin[kY] + (in_image / g.tiles[kX]) * g.tile[kY];
    const index_t X0 = g.origin[kX] + (in_image % g.tiles[kX]) * g.tile[kX];
    const int rows = (int)(Ny - Y0 < g.tile[kY] ? Ny - Y0 : g.tile[kY]);
    const int out_x = (int)(Nx - X0 < g.tile[kX] ? Nx - X0 : g.tile[kX]);
    // the strip's level-1 window (from an even column) and the level-2 one under it
    const SynthesisRun<M> x1(X0, out_x, Fx), x2(x1.from, x1.count, Fx);
    const index_t y1 = Y0 / 2, y2 = Y0 / 4;  // the segment's first level-1 / level-2 row
    const int passes = warm + (rows + 4 * C2 - 1) / (4 * C2);

    for (int s = 0; s < passes; ++s) {
      const int t = s - warm;
      const int A1 = 2 * C2 * t + y.lead1(), Q2 = C2 * t + y.lead2();  // the pass's new rows
      const int skip1 = y.e1 - A1 <= 0 ? 0 : y.e1 - A1 < 2 * C2 ? y.e1 - A1 : 2 * C2;
      const int skip2 = y.q_first - Q2 <= 0 ? 0 : y.q_first - Q2 < C2 ? y.q_first - Q2 : C2;

      // 1. the rings' last rows to their fronts; the pass's coefficient rows
      if (s > 0) {
        move_ring_rows(b, ring2_lo, L.c1, C2, K, x1.count);
        move_ring_rows(b, ring2_hi, L.c1, C2, K, x1.count);
        move_ring_rows(b, ring1_lo, L.tile_x, 2 * C2, K1, out_x);
        move_ring_rows(b, ring1_hi, L.tile_x, 2 * C2, K1, out_x);
      }
      CUWAVELET_UNROLL
      for (int k = 0; k < 4; ++k)
        load_coefficient_window<M, T, A, false>(
            b, stage2 + k * band2 + skip2 * L.c2, L.c2,
            level2[k] ? level2[k] + offset[kTLAA2 + k] : nullptr,
            g.stride[kTLAA2 + k][kMaxDims], g.stride[kTLAA2 + k][kMaxDims + 1], n2y, n2x,
            y2 + Q2 + skip2, x2.from + x2.skip, C2 - skip2, x2.count - x2.skip);
      CUWAVELET_UNROLL
      for (int k = 0; k < 3; ++k)
        load_coefficient_window<M, T, A, false>(
            b, stage1 + (1 + k) * band1 + skip1 * L.c1, L.c1,
            level1[k] ? level1[k] + offset[kTLAD1 + k] : nullptr,
            g.stride[kTLAD1 + k][kMaxDims], g.stride[kTLAD1 + k][kMaxDims + 1], n1y, n1x,
            y1 + A1 + skip1, x1.from, 2 * C2 - skip1, x1.count);
      b.sync();

      // 2. level 2 along x: ring2's new rows, over the level-1 window's columns
      merge_rows<BY_VALUE, T, A, kTwoPairs>(b, stage2 + skip2 * L.c2, band2, L.c2, first_x, C2 - skip2,
                              x1.count, s_x, Fx, lo_x, hi_x, ring2_lo + (K + skip2) * L.c1,
                              ring2_hi + (K + skip2) * L.c1, L.c1);
      b.sync();

      // 3. level 2 along y: the level-1 approximation's new rows, zero outside
      //    [0, len1) (the trim) but in periodization (the wrapped-around one)
      merge_columns<BY_VALUE, T, A, false, kTwoPairs>(b, ring2_lo + skip1 / 2 * L.c1, ring2_hi + skip1 / 2 * L.c1,
                                 L.c1, y.first, 2 * C2 - skip1, x1.count, s_y, Fy, lo_y, hi_y,
                                 [&](int r, int c, A v) {
        const index_t P = y1 + A1 + skip1 + r, Q = x1.from + c;
        const bool kept = M == kPeriodization || (P >= 0 && P < n1y && Q >= 0 && Q < n1x);
        b.store(stage1 + (skip1 + r) * L.c1 + c, kept ? v : A(0));
      });
      b.sync();

      // 4. level 1 along x, from the first window column the strip reads: ring1's new rows
      merge_rows<BY_VALUE, T, A, kTwoPairs>(b, stage1 + skip1 * L.c1 + x1.skip, band1, L.c1, first_x,
                              2 * C2 - skip1, out_x, s_x, Fx, lo_x, hi_x,
                              ring1_lo + (K1 + skip1) * L.tile_x,
                              ring1_hi + (K1 + skip1) * L.tile_x, L.tile_x);
      b.sync();

      // 5. level 1 along y: the image rows
      if (t >= 0) {
        const int i0 = 4 * C2 * t, out_y = rows - i0 < 4 * C2 ? rows - i0 : 4 * C2;
        merge_columns<BY_VALUE, T, A, false, kTwoPairs>(b, ring1_lo, ring1_hi, L.tile_x, y.first, out_y, out_x, s_y,
                                   Fy, lo_y, hi_y, [&](int i, int j, A v) {
          b.store(image + offset[kTLImage] + (Y0 + i0 + i) * g.stride[kTLImage][kMaxDims] +
                      (X0 + j) * g.stride[kTLImage][kMaxDims + 1], T(v));
        });
        // The next pass moves ring1 (a block's next segment first writes it
        // three barriers on).
        if (s + 1 < passes) b.sync();
      }
    }
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
