// Fused single-level 2D DWT kernels: one launch per level does both axes of a
// tile on chip, so the input is read once and each output written once.
//
//   analysis   image -> aa, ad, da, dd   (dwt2; also idwt2's adjoint, see _fused.py)
//   synthesis  aa, ad, da, dd -> image   (idwt2)
//   analysis adjoint  aa, ad, da, dd -> image   (dwt2's adjoint, every mode: the
//                                         cotangents of the extended positions,
//                                         folded back onto the image)
//
// The two transformed axes are called y (the tile's slow axis) and x (its fast
// axis: consecutive threads walk x, so x should be the array's fastest axis).
// Subbands are named by their y letter then their x letter. Every operand is
// strided (FusedGeometry), every other ("batch") dimension is walked as an
// nD index, boundary extension is index arithmetic (extended_sample of
// dwt_math.cuh, never a padded copy), filters are runtime values (by value
// or by address: fused_launch.cuh) taken in tap pairs (for_tap_pairs) and
// indices into global memory are 64-bit. Each block loops over tiles (grid-stride),
// with two barriers per tile:
//
//   analysis:  load the input tile + halo -> shared  | barrier |
//              filter rows: lo and hi along x from the same loads | barrier |
//              filter columns: the four subbands, written straight to global
//   synthesis: load the four coefficient windows -> shared | barrier |
//              merge along x: lo-y and hi-y rows | barrier |
//              merge along y, write the image tile
//   analysis adjoint: as synthesis, with up to three coefficient windows per
//              axis (the tile's own, and near the edges those of the halo
//              positions the boundary extension folds onto the tile)
//
// No barrier is needed between tiles: the last phase reads only the row
// buffers, which the next tile rewrites after its first barrier.
#pragma once

#include "block_runtime.cuh"
#include "dwt_math.cuh"
#include "fused_launch.cuh"

namespace cuwavelet {

enum { kY = 0, kX = 1 };
// Operands of a fused launch: the image, then the subbands, index 1 + 2*y_band + x_band.
enum { kImage = 0, kAA = 1, kAD = 2, kDA = 3, kDD = 4, kFusedOperands = 5 };

// How a fused launch walks its operands. Plain 64-bit fields, mirrored by the
// NumPy record FUSED_GEOMETRY_DTYPE in cuwavelet/_fused.py (passed by value).
struct FusedGeometry {
  index_t batch_ndim;      // the other dimensions (merged where contiguous), row-major
  index_t batch_total;     // product of batch_shape
  index_t signal_len[2];   // image length along y, x
  index_t coeff_len[2];    // subband length along y, x
  index_t filter_len[2];   // filter length along y, x
  index_t tile[2];         // outputs per tile along y, x (coefficients or image samples)
  index_t tiles[2];        // tiles along y, x (the image's whole grid)
  // The analysis adjoint's part of the grid this launch runs
  // (launch_tiles_per_image, part_tile_yx): with ring = {0, 0} the rectangle
  // of span[] tiles from tile tile0[]; else the ring of ring[] tiles along y,
  // x at the grid's edges (its interior run by another launch).
  index_t tile0[2];
  index_t span[2];
  index_t ring[2];
  // Analysis adjoint only: per axis, the image samples that the boundary
  // extension of the left halo [first, 0) reaches (lo, hi), then those of the
  // right halo [N, last] (lo, hi); lo > hi where none (fold_reach below).
  index_t fold_reach[2][4];
  index_t batch_shape[kMaxDims];
  // Element strides per operand: batch dimensions first, then y, then x.
  index_t stride[kFusedOperands][kMaxDims + 2];
};
static_assert(sizeof(FusedGeometry) ==
                  (26 + kMaxDims + kFusedOperands * (kMaxDims + 2)) * sizeof(index_t),
              "FusedGeometry must stay a padding-free record of 64-bit fields");

CUWAVELET_HD bool launch_is_ring(const FusedGeometry& g) { return g.ring[kY] | g.ring[kX]; }

// Tiles of one image that a launch runs: the whole grid, or with PARTS (the
// analysis adjoint only, whose levels may run as an interior and a ring) the
// part of it the geometry names.
template <bool PARTS>
CUWAVELET_HD index_t launch_tiles_per_image(const FusedGeometry& g) {
  if (!PARTS) return g.tiles[kY] * g.tiles[kX];
  if (!launch_is_ring(g)) return g.span[kY] * g.span[kX];
  return g.tiles[kY] * g.tiles[kX] -
         (g.tiles[kY] - 2 * g.ring[kY]) * (g.tiles[kX] - 2 * g.ring[kX]);
}

// Grid row and column of a PARTS launch's tile t of an image: rectangles row
// by row; rings the top rows, the bottom rows, then the left and right
// columns of the rows between, row by row. In 32 bits (the host refuses
// images of 2^31 tiles or more), which keeps the registers of the kernels
// whose bounds leave little room free of spills.
CUWAVELET_HD void part_tile_yx(const FusedGeometry& g, int t, int& ty, int& tx) {
  if (!launch_is_ring(g)) {
    const int span_x = (int)g.span[kX];
    ty = (int)g.tile0[kY] + t / span_x;
    tx = (int)g.tile0[kX] + t % span_x;
    return;
  }
  const int Ty = (int)g.tiles[kY], Tx = (int)g.tiles[kX];
  const int wy = (int)g.ring[kY], wx = (int)g.ring[kX];
  if (t < 2 * wy * Tx) {
    const int r = t / Tx;
    ty = r < wy ? r : Ty - 2 * wy + r;
    tx = t % Tx;
    return;
  }
  t -= 2 * wy * Tx;
  const int c = t % (2 * wx);
  ty = wy + t / (2 * wx);
  tx = c < wx ? c : Tx - 2 * wx + c;
}

// Where tile number `tile` of a launch lies: its operands' offsets (batch
// item), its first output along y and x, and its output counts (the last tiles
// of an image are partial) for outputs of len_y x len_x.
template <bool PARTS = false>
struct TilePlace {
  index_t offset[kFusedOperands];
  index_t y0, x0;
  int out_y, out_x;
  CUWAVELET_HD TilePlace(const FusedGeometry& g, index_t tile, index_t len_y, index_t len_x) {
    const index_t tiles_per_image = launch_tiles_per_image<PARTS>(g);
    const index_t in_image = tile % tiles_per_image;
    batch_offsets(g, tile / tiles_per_image, offset, kFusedOperands);
    if (PARTS) {
      int ty, tx;
      part_tile_yx(g, (int)in_image, ty, tx);
      y0 = ty * g.tile[kY];
      x0 = tx * g.tile[kX];
    } else {
      y0 = (in_image / g.tiles[kX]) * g.tile[kY];
      x0 = (in_image % g.tiles[kX]) * g.tile[kX];
    }
    out_y = (int)(len_y - y0 < g.tile[kY] ? len_y - y0 : g.tile[kY]);
    out_x = (int)(len_x - x0 < g.tile[kX] ? len_x - x0 : g.tile[kX]);
  }
};

CUWAVELET_HD index_t axis_stride(const FusedGeometry& g, int operand, int axis) {
  return g.stride[operand][kMaxDims + axis];
}

// Row py of an image, extended along x to position px: the accessor of the
// y extension in extended_sample_2d.
template <int M, typename T, typename A, class Block>
struct ExtendedRowSamples {
  const Block& b;
  const T* x;
  index_t sy, sx, Nx, px;
  CUWAVELET_BLOCK A operator()(index_t py) const {
    return extended_value<M, A>(px, Nx, BlockSamples<Block, T, A>{b, x + py * sy, sx});
  }
};

// The image extended past its edges along both axes: the 2D extension is the
// product of the two 1D ones (each is linear in its own index), the y
// extension taken of x-extended rows.
template <int M, typename T, typename A, class Block>
CUWAVELET_BLOCK A extended_sample_2d(const Block& b, const T* x, index_t sy, index_t sx,
                                     index_t Ny, index_t Nx, index_t py, index_t px) {
  return extended_value<M, A>(py, Ny, ExtendedRowSamples<M, T, A, Block>{b, x, sy, sx, Nx, px});
}

// ---------------------------------------------------------------------------
// Analysis building blocks, shared by the single-level and the two-level
// kernels (dwt2_two_levels.cuh). Input windows in shared memory are stored
// row by row, each row's even columns first, then its odd ones (`half` apart),
// so that the row filter's threads (output o reads column 2o + const) hit
// consecutive banks.

// Compiled with CUWAVELET_INTERIOR_GATHER=0, every window goes through the
// extension, as before the interior path: for an A/B on a GPU
// (ncu_workloads.py --define; benchmarks/gpu_session.sh's ncu step).
#ifndef CUWAVELET_INTERIOR_GATHER
#define CUWAVELET_INTERIOR_GATHER 1
#endif
// An input window inside the image -> `in` (rows split even | odd), 16
// bytes per load, where rows_16_corner allows; false where it does not.
template <typename T, typename A, class Block>
CUWAVELET_BLOCK bool load_input_rows_16(const Block& b, A* in, int half, const T* image,
                                        index_t sy, index_t sx, index_t Ny, index_t Nx,
                                        index_t py0, index_t px0, int rows, int cols) {
  int lead;
  const T* corner = rows_16_corner(image, sy, sx, Ny, Nx, py0, px0, rows, cols, lead);
  if (!corner) return false;
  // The lanes' columns c0 + l alternate between the row's even and odd
  // halves: lane l goes to (l even ? first : second) + l / 2.
  gather_rows_16<kVectorGatherDepth>(
      b, corner, (int)sy, lead, rows, cols, [&](int r, int c0, const Lanes16<T>& v) {
        A* const even = in + r * 2 * half + ((c0 + 1) >> 1);
        A* const odd = in + r * 2 * half + half + (c0 >> 1);
        A* const first = (c0 & 1) ? odd : even;
        A* const second = (c0 & 1) ? even : odd;
        store_lanes<T>(c0, cols, v, [&](int l, T value) {
          b.store((l & 1 ? second : first) + l / 2, A(value));
        });
      });
  return true;
}

// The extended image window [py0, py0 + rows) x [px0, px0 + cols) -> `in`.
// INTERIOR: windows inside the image take a path of their own (not in
// constant mode, whose analysis then spills at its bound of 5 blocks per SM
// and whose extension, a clamp, costs little; nor in the two-level kernel's
// periodic and periodization modes); VECTOR: 16 bytes per load there where
// the rows allow (rows_16_corner; not in the two-level kernels nor the
// reflect-mode analysis with filters by address, which spill with it).
template <int M, typename T, typename A, bool INTERIOR = M != kConstant, bool VECTOR = INTERIOR,
          class Block>
CUWAVELET_BLOCK void load_input_window(const Block& b, A* in, int half, const T* image,
                                       index_t sy, index_t sx, index_t Ny, index_t Nx,
                                       index_t py0, index_t px0, int rows, int cols) {
  const auto store = [&](int r, int c, A v) {
    b.store(in + r * 2 * half + (c & 1) * half + (c >> 1), v);
  };
  // A window inside the image (most tiles) whose offsets from its corner fit
  // in 32 bits: plain strided loads. The extension's tests per value, which
  // every mode but zero would otherwise run for every tile, are most of an
  // edge window's instructions (ptxas, sm_90), and 64-bit offsets three
  // multiply-adds each.
  const bool inside = py0 >= 0 && px0 >= 0 && py0 + rows <= Ny && px0 + cols <= Nx;
  const index_t reach = (sy < 0 ? -sy : sy) * rows + (sx < 0 ? -sx : sx) * cols;
  if (CUWAVELET_INTERIOR_GATHER && INTERIOR && inside && reach < (index_t(1) << 31)) {
    if constexpr (VECTOR)
      if (load_input_rows_16<T, A>(b, in, half, image, sy, sx, Ny, Nx, py0, px0, rows, cols))
        return;
    const T* corner = image + py0 * sy + px0 * sx;
    const int row_step = (int)sy, col_step = (int)sx;
    gather_2d<kGatherDepth>(
        b, rows, cols,
        [&](int r, int c) { return A(b.load_once(corner + (r * row_step + c * col_step))); },
        store);
  } else {
    gather_2d<kGatherDepth>(
        b, rows, cols,
        [&](int r, int c) {
          return extended_sample_2d<M, T, A>(b, image, sy, sx, Ny, Nx, py0 + r, px0 + c);
        },
        store);
  }
}

// Both filters along x at output column o of a row split even | odd: tap j
// reads local column 2o + F - 1 - j, so (F even) taps 2q and 2q + 1 read the
// odd and the even slot o + (F - 2) / 2 - q.
template <bool BY_VALUE, typename T, typename A, class Block>
CUWAVELET_BLOCK void row_pair_split(const Block& b, const A* line, int half, int o, int F,
                                    const T* lo, const T* hi, A& l, A& h) {
  const A* even = line + o + (F - 2) / 2;
  const A* odd = even + half;
  l = A(0); h = A(0);
  for_tap_pairs<BY_VALUE>(F / 2, [&](int q) {
    const A vo = b.load(odd - q), ve = b.load(even - q);
    l = b.mul_add(b.mul_add(l, lo[2 * q], vo), lo[2 * q + 1], ve);
    h = b.mul_add(b.mul_add(h, hi[2 * q], vo), hi[2 * q + 1], ve);
  });
}

// Both filters along x at output columns o and o + 1 of a row split even |
// odd, from one pass over the slots they read (o + 1's slots are o's shifted
// by one: F + 2 loads for the two, not 2F). Step t reads slot pair
// o + F / 2 - t: taps 2t, 2t + 1 of output o + 1 and 2t - 2, 2t - 1 of output
// o, so each output sums its taps in row_pair_split's order. Both outputs must
// lie in the row (o + 1 < out: the slots past the row's last are another
// row's, or the next buffer's).
template <bool BY_VALUE, typename T, typename A, class Block>
CUWAVELET_BLOCK void row_two_pairs_split(const Block& b, const A* line, int half, int o, int F,
                                         const T* lo, const T* hi, A l[2], A h[2]) {
  const A* even = line + o + F / 2;
  const A* odd = even + half;
  const int pairs = F / 2;
  l[0] = l[1] = h[0] = h[1] = A(0);
  const auto step = [&](int t) {
    const A vo = b.load(odd - t), ve = b.load(even - t);
    if (t < pairs) {
      l[1] = b.mul_add(b.mul_add(l[1], lo[2 * t], vo), lo[2 * t + 1], ve);
      h[1] = b.mul_add(b.mul_add(h[1], hi[2 * t], vo), hi[2 * t + 1], ve);
    }
    if (t > 0) {
      l[0] = b.mul_add(b.mul_add(l[0], lo[2 * t - 2], vo), lo[2 * t - 1], ve);
      h[0] = b.mul_add(b.mul_add(h[0], hi[2 * t - 2], vo), hi[2 * t - 1], ve);
    }
  };
  for_tap_steps<BY_VALUE, 1>(pairs, step);
}

// Both filters along x at output column o of a row split even | odd, and
// at o + 1 too where TWO and o + 1 < out (row_two_pairs_split), stored at
// lo_row[o], hi_row[o] (and o + 1).
template <bool BY_VALUE, bool TWO, typename T, typename A, class Block>
CUWAVELET_BLOCK void row_outputs_split(const Block& b, const A* line, int half, int o, int out,
                                       int F, const T* lo, const T* hi, A* lo_row, A* hi_row) {
  A l[2], h[2];
  if (TWO && o + 1 < out) {
    row_two_pairs_split<BY_VALUE, T, A>(b, line, half, o, F, lo, hi, l, h);
    b.store(lo_row + o + 1, l[1]);
    b.store(hi_row + o + 1, h[1]);
  } else {
    row_pair_split<BY_VALUE, T, A>(b, line, half, o, F, lo, hi, l[0], h[0]);
  }
  b.store(lo_row + o, l[0]);
  b.store(hi_row + o, h[0]);
}

// A pitch known at compile time: each tap's shared-memory offset is then an
// immediate of its load, where a runtime pitch costs address arithmetic per
// tap. The single-level kernels' y passes with filters by value
// (column_quad, merge_columns and pair_cotangent with FULL_TILE) take rows
// kFullTileX apart (a full tile's: the host's widest, ANALYSIS_TILE and
// SYNTHESIS_TILE of _fused.py, which W6's finest levels run) as FixedPitch,
// other pitches as ints: two copies of the pass, chosen per call. (Not in
// the two-level kernels nor with filters by address: they spill with both.)
template <int N>
struct FixedPitch {
  CUWAVELET_HD constexpr operator int() const { return N; }
};
enum { kFullTileX = 32 };

// Both filters at one output whose tap j reads at[-j * pitch] (pitch: an int
// or a FixedPitch).
template <bool BY_VALUE, typename T, typename A, class Block, typename Pitch>
CUWAVELET_BLOCK void strided_pair(const Block& b, const A* at, Pitch pitch, int F, const T* lo,
                                  const T* hi, A& l, A& h) {
  l = A(0); h = A(0);
  for_tap_pairs<BY_VALUE>(F / 2, [&](int q) {
    const A v0 = b.load(at - 2 * q * pitch), v1 = b.load(at - (2 * q + 1) * pitch);
    l = b.mul_add(b.mul_add(l, lo[2 * q], v0), lo[2 * q + 1], v1);
    h = b.mul_add(b.mul_add(h, hi[2 * q], v0), hi[2 * q + 1], v1);
  });
}

// The four subbands (aa, ad, da, dd) at output row o of column `col` of the
// lo and hi rows (`pitch` apart): tap j reads row 2o + F - 1 - j.
template <bool BY_VALUE, typename T, typename A, class Block, typename Pitch>
CUWAVELET_BLOCK void column_quad_at(const Block& b, const A* row_lo, const A* row_hi, Pitch pitch,
                                    int o, int col, int F, const T* lo, const T* hi, A acc[4]) {
  const int first = (2 * o + F - 1) * pitch + col;
  strided_pair<BY_VALUE, T, A>(b, row_lo + first, pitch, F, lo, hi, acc[0], acc[2]);
  strided_pair<BY_VALUE, T, A>(b, row_hi + first, pitch, F, lo, hi, acc[1], acc[3]);
}
template <bool BY_VALUE, typename T, typename A, bool FULL_TILE = false, class Block>
CUWAVELET_BLOCK void column_quad(const Block& b, const A* row_lo, const A* row_hi, int pitch,
                                 int o, int col, int F, const T* lo, const T* hi, A acc[4]) {
  if (FULL_TILE && BY_VALUE && pitch == kFullTileX)
    column_quad_at<BY_VALUE, T, A>(b, row_lo, row_hi, FixedPitch<kFullTileX>(), o, col, F, lo,
                                   hi, acc);
  else
    column_quad_at<BY_VALUE, T, A>(b, row_lo, row_hi, pitch, o, col, F, lo, hi, acc);
}

// ---------------------------------------------------------------------------
// Shared memory of an analysis block, in elements of T. The input tile holds
// the 2*tile + F - 2 extended positions each output tile reads per axis, its
// rows split even | odd (load_input_window).
struct AnalysisLayout {
  int in_rows, in_cols, half_cols, tile_y, tile_x;
  CUWAVELET_HD explicit AnalysisLayout(const FusedGeometry& g)
      : in_rows((int)(2 * g.tile[kY] + g.filter_len[kY] - 2)),
        in_cols((int)(2 * g.tile[kX] + g.filter_len[kX] - 2)),
        half_cols((in_cols + 1) / 2), tile_y((int)g.tile[kY]), tile_x((int)g.tile[kX]) {}
  CUWAVELET_HD int input_elems() const { return in_rows * 2 * half_cols; }
  CUWAVELET_HD int row_elems() const { return in_rows * tile_x; }  // each of lo and hi
  CUWAVELET_HD int total_elems() const { return input_elems() + 2 * row_elems(); }
};

template <int M, bool BY_VALUE, typename T, class Block>
CUWAVELET_BLOCK void fused_analysis_2d(const Block& b, const FusedGeometry& g, const T* x,
                                       T* aa, T* ad, T* da, T* dd,
                                       const T* lo_y, const T* hi_y,
                                       const T* lo_x, const T* hi_x) {
  typedef T A;  // accumulate in the data type, as the separable kernels and pywt do
  const AnalysisLayout L(g);
  A* in = reinterpret_cast<A*>(b.shared());
  A* row_lo = in + L.input_elems();
  A* row_hi = row_lo + L.row_elems();
  const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
  const index_t Ny = g.signal_len[kY], Nx = g.signal_len[kX];
  const index_t ny = g.coeff_len[kY], nx = g.coeff_len[kX];
  const index_t sy = axis_stride(g, kImage, kY), sx = axis_stride(g, kImage, kX);
  T* const band[4] = {aa, ad, da, dd};
  const index_t total_tiles = g.batch_total * launch_tiles_per_image<false>(g);

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const TilePlace<> at(g, tile, ny, nx);
    const index_t* offset = at.offset;
    const index_t oy0 = at.y0, ox0 = at.x0;
    const int out_y = at.out_y, out_x = at.out_x;
    // the inputs this tile's outputs read
    const int rows = 2 * out_y + Fy - 2, cols = 2 * out_x + Fx - 2;
    // Extended position of the tile's first input: output o reads 2o + off - j, j < F.
    const index_t py0 = 2 * oy0 + analysis_offset<M>(Fy) - (Fy - 1);
    const index_t px0 = 2 * ox0 + analysis_offset<M>(Fx) - (Fx - 1);
    const T* image = x + offset[kImage];

    load_input_window<M, T, A, M != kConstant, M != kConstant && (BY_VALUE || M != kReflect)>(
        b, in, L.half_cols, image, sy, sx, Ny, Nx, py0, px0, rows, cols);
    b.sync();

    // (two outputs per thread: a row's last, where out_x is odd, alone)
    for_each_cell(b, rows, (out_x + 1) / 2, [&](int r, int pair) {
      row_outputs_split<BY_VALUE, true, T, A>(b, in + r * 2 * L.half_cols, L.half_cols, 2 * pair,
                                              out_x, Fx, lo_x, hi_x, row_lo + r * L.tile_x,
                                              row_hi + r * L.tile_x);
    });
    b.sync();

    // (each subband's tile corner, once per tile)
    T* corner[4];
    CUWAVELET_UNROLL
    for (int k = 0; k < 4; ++k)
      corner[k] = band[k] + offset[kAA + k] + oy0 * axis_stride(g, kAA + k, kY) +
                  ox0 * axis_stride(g, kAA + k, kX);
    for_each_cell(b, out_y, out_x, [&](int oy, int ox) {
      A acc[4];  // aa, ad, da, dd
      column_quad<BY_VALUE, T, A, true>(b, row_lo, row_hi, L.tile_x, oy, ox, Fy, lo_y, hi_y, acc);
      CUWAVELET_UNROLL
      for (int k = 0; k < 4; ++k) {
        T* at = corner[k] + oy * axis_stride(g, kAA + k, kY) + ox * axis_stride(g, kAA + k, kX);
        if (k == 0) {
          b.store(at, T(acc[k]));  // the approximation: the next level's input
        } else {
          b.store_once(at, T(acc[k]));
        }
      }
    });
  }
}

// ---------------------------------------------------------------------------
// Shared memory of the kernels that write an image tile (synthesis, analysis
// adjoint), in elements of T: four coefficient windows of rows x cols (one per
// subband), then the lo-y and hi-y rows their x pass leaves (rows x tile_x each).
struct ImageTileLayout {
  int rows, cols, tile_x;
  CUWAVELET_HD int band_elems() const { return rows * cols; }  // each of 4
  CUWAVELET_HD int row_elems() const { return rows * tile_x; }  // each of 2
  CUWAVELET_HD int total_elems() const { return 4 * band_elems() + 2 * row_elems(); }
};

// Shared memory of a synthesis block. An image tile of
// tile_y x tile_x samples (both even, so every tile starts at an even index)
// reads, per axis, the coefficients first + [0, count) with
//   first = i0/2 + floor((s - F + 1) / 2),  count = floor((tile - 1 + s) / 2) - floor((s - F + 1) / 2) + 1
// of each of the four subbands; the x-merge leaves two rows buffers (y lo, y hi).
struct SynthesisLayout : ImageTileLayout {
  int first_y, first_x, tile_y;
  template <int M>
  CUWAVELET_HD static SynthesisLayout of(const FusedGeometry& g) {
    SynthesisLayout L;
    const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
    const index_t s_y = synthesis_shift<M>(Fy), s_x = synthesis_shift<M>(Fx);
    L.tile_y = (int)g.tile[kY];
    L.tile_x = (int)g.tile[kX];
    L.first_y = (int)floor_div(s_y - Fy + 1, 2);
    L.first_x = (int)floor_div(s_x - Fx + 1, 2);
    L.rows = (int)floor_div(L.tile_y - 1 + s_y, 2) - L.first_y + 1;
    L.cols = (int)floor_div(L.tile_x - 1 + s_x, 2) - L.first_x + 1;
    return L;
  }
};

// A window of a subband into rows `pitch` apart, 16 bytes per load, where
// rows_16_corner allows (most tiles); false where it does not.
template <typename T, typename A, class Block>
CUWAVELET_BLOCK bool load_window_16(const Block& b, A* dst, int pitch, const T* src, index_t sy,
                                    index_t sx, index_t ny, index_t nx, index_t ky0, index_t kx0,
                                    int rows, int cols) {
  int lead;
  const T* corner = rows_16_corner(src, sy, sx, ny, nx, ky0, kx0, rows, cols, lead);
  if (!corner) return false;
  gather_rows_16<kVectorGatherDepth>(
      b, corner, (int)sy, lead, rows, cols, [&](int r, int c0, const Lanes16<T>& v) {
        A* const row = dst + r * pitch + c0;
        store_lanes<T>(c0, cols, v, [&](int l, T value) { b.store(row + l, A(value)); });
      });
  return true;
}

// The synthesis kernels' gather (shared with dwt2_two_levels_synthesis.cuh):
// window [ky0, ky0 + rows) x [kx0, kx0 + cols) of a subband (null: zeros)
// -> dst (rows `pitch` apart); outside [0, ny) x [0, nx) zeros, or in
// periodization the indices wrapped around. VECTOR: load_window_16 where it
// can (not in the two-level synthesis, which spills with it).
template <int M, typename T, typename A, bool VECTOR = true, class Block>
CUWAVELET_BLOCK void load_coefficient_window(const Block& b, A* dst, int pitch, const T* src,
                                             index_t sy, index_t sx, index_t ny, index_t nx,
                                             index_t ky0, index_t kx0, int rows, int cols) {
  if constexpr (VECTOR)
    if (load_window_16<T, A>(b, dst, pitch, src, sy, sx, ny, nx, ky0, kx0, rows, cols)) return;
  gather_2d<kGatherDepth>(
      b, rows, cols,
      [&](int r, int c) {
        index_t ky = ky0 + r, kx = kx0 + c;
        if (M == kPeriodization) {  // (64-bit % is slow on the GPU: only at the edges)
          if (ky < 0 || ky >= ny) { ky %= ny; if (ky < 0) ky += ny; }
          if (kx < 0 || kx >= nx) { kx %= nx; if (kx < 0) kx += nx; }
        }
        const bool inside = src && ky >= 0 && ky < ny && kx >= 0 && kx < nx;
        return inside ? A(b.load(src + ky * sy + kx * sx)) : A(0);
      },
      [&](int r, int c, A v) { b.store(dst + r * pitch + c, v); });
}

// The two passes of a synthesis (shared with dwt2_two_levels_synthesis.cuh).
// Output position j (of a run that starts at an even position) takes
// coefficient (j + s - m) / 2 for the taps m of the parity of j + s, counted
// from the window's first coefficient, `first` = floor((s - F + 1) / 2) past
// half the run's start. So two positions j, j + 1 with j + s even take taps 2q
// and 2q + 1 of the same coefficient (j + s) / 2 - q: each thread merges such
// a pair (the first from j = -1 or 0) and keeps the positions inside the run
// (every coefficient a pair reads is in the window).
//
// Along x: the four coefficient windows (band k at coeffs + k * band_cells,
// rows of `pitch`; kernel band order aa, ad, da, dd) merged into the lo-y and
// hi-y rows (out_x columns each, `out_pitch` apart).
template <bool BY_VALUE, typename T, typename A, bool TWO_PAIRS = false, class Block>
CUWAVELET_BLOCK void merge_rows(const Block& b, const A* coeffs, int band_cells, int pitch,
                                int first, int rows, int out_x, int s, int F, const T* lo,
                                const T* hi, A* merged_lo, A* merged_hi, int out_pitch) {
  const int pair0 = -(s & 1), pairs = (out_x - pair0 + 1) / 2;
  constexpr int kPer = TWO_PAIRS ? 2 : 1;  // pairs per thread
  for_each_cell(b, rows, (pairs + kPer - 1) / kPer, [&](int r, int k) {
    const int pair = kPer * k, j = pair0 + 2 * pair;
    const int c = r * pitch + (j + s) / 2 - first;
    const A* ya_xa = coeffs + 0 * band_cells + c;
    const A* ya_xd = coeffs + 1 * band_cells + c;
    const A* yd_xa = coeffs + 2 * band_cells + c;
    const A* yd_xd = coeffs + 3 * band_cells + c;
    // l[2v + u], h[2v + u]: position j + 2v + u
    A l[2 * kPer], h[2 * kPer];
    CUWAVELET_UNROLL
    for (int u = 0; u < 2 * kPer; ++u) l[u] = h[u] = A(0);
    const auto tap_pair = [&](int v, int q, A aa, A ad, A da, A dd) {
      CUWAVELET_UNROLL
      for (int u = 0; u < 2; ++u) {
        const A fl = A(lo[2 * q + u]), fh = A(hi[2 * q + u]);
        l[2 * v + u] = b.mul_add(b.mul_add(l[2 * v + u], fl, aa), fh, ad);
        h[2 * v + u] = b.mul_add(b.mul_add(h[2 * v + u], fl, da), fh, dd);
      }
    };
    if (TWO_PAIRS && pair + 1 < pairs) {
      // The second pair's coefficients are the first's shifted by one: step
      // t reads coefficient c + 1 - t, tap pair t of the second pair and
      // t - 1 of the first (each sums its taps in the one-pair order).
      for_tap_steps<BY_VALUE, 1>(F / 2, [&](int t) {
        const A aa = b.load(ya_xa + 1 - t), ad = b.load(ya_xd + 1 - t);
        const A da = b.load(yd_xa + 1 - t), dd = b.load(yd_xd + 1 - t);
        if (t < F / 2) tap_pair(kPer - 1, t, aa, ad, da, dd);
        if (t > 0) tap_pair(0, t - 1, aa, ad, da, dd);
      });
    } else {
      for_tap_pairs<BY_VALUE>(F / 2, [&](int q) {
        tap_pair(0, q, b.load(ya_xa - q), b.load(ya_xd - q), b.load(yd_xa - q),
                 b.load(yd_xd - q));
      });
    }
    CUWAVELET_UNROLL
    for (int u = 0; u < 2 * kPer; ++u) {  // (a last pair alone: j + 2 >= out_x)
      if (j + u < 0 || j + u >= out_x) continue;
      b.store(merged_lo + r * out_pitch + j + u, l[u]);
      b.store(merged_hi + r * out_pitch + j + u, h[u]);
    }
  });
}

// Along y: the lo-y and hi-y rows (`pitch` apart) merged into out_y x out_x
// outputs, each handed to store(i, j, value); TWO_PAIRS as merge_rows.
template <bool BY_VALUE, typename T, typename A, bool TWO_PAIRS, class Block, typename Pitch,
          class Store>
CUWAVELET_BLOCK void merge_columns_at(const Block& b, const A* merged_lo, const A* merged_hi,
                                      Pitch pitch, int first, int out_y, int out_x, int s, int F,
                                      const T* lo, const T* hi, Store&& store) {
  const int pair0 = -(s & 1), pairs = (out_y - pair0 + 1) / 2;
  constexpr int kPer = TWO_PAIRS ? 2 : 1;  // pairs per thread
  for_each_cell(b, (pairs + kPer - 1) / kPer, out_x, [&](int k, int j) {
    const int pair = kPer * k, i = pair0 + 2 * pair;
    const int r = (i + s) / 2 - first;
    const A* m_lo = merged_lo + r * pitch + j;
    const A* m_hi = merged_hi + r * pitch + j;
    A acc[2 * kPer];  // acc[2v + u]: output row i + 2v + u
    CUWAVELET_UNROLL
    for (int u = 0; u < 2 * kPer; ++u) acc[u] = A(0);
    const auto tap_pair = [&](int v, int q, A l, A h) {
      CUWAVELET_UNROLL
      for (int u = 0; u < 2; ++u)
        acc[2 * v + u] = b.mul_add(b.mul_add(acc[2 * v + u], lo[2 * q + u], l), hi[2 * q + u], h);
    };
    if (TWO_PAIRS && pair + 1 < pairs) {  // (as in merge_rows)
      for_tap_steps<BY_VALUE, 1>(F / 2, [&](int t) {
        const A l = b.load(m_lo + (1 - t) * pitch), h = b.load(m_hi + (1 - t) * pitch);
        if (t < F / 2) tap_pair(kPer - 1, t, l, h);
        if (t > 0) tap_pair(0, t - 1, l, h);
      });
    } else {
      for_tap_pairs<BY_VALUE>(F / 2, [&](int q) {
        tap_pair(0, q, b.load(m_lo - q * pitch), b.load(m_hi - q * pitch));
      });
    }
    CUWAVELET_UNROLL
    for (int u = 0; u < 2 * kPer; ++u)  // (a last pair alone: i + 2 >= out_y)
      if (i + u >= 0 && i + u < out_y) store(i + u, j, acc[u]);
  });
}
template <bool BY_VALUE, typename T, typename A, bool FULL_TILE = false, bool TWO_PAIRS = false,
          class Block, class Store>
CUWAVELET_BLOCK void merge_columns(const Block& b, const A* merged_lo, const A* merged_hi,
                                   int pitch, int first, int out_y, int out_x, int s, int F,
                                   const T* lo, const T* hi, Store&& store) {
  if (FULL_TILE && BY_VALUE && pitch == kFullTileX)
    merge_columns_at<BY_VALUE, T, A, TWO_PAIRS>(b, merged_lo, merged_hi,
                                                FixedPitch<kFullTileX>(), first, out_y, out_x, s,
                                                F, lo, hi, store);
  else
    merge_columns_at<BY_VALUE, T, A, TWO_PAIRS>(b, merged_lo, merged_hi, pitch, first, out_y,
                                                out_x, s, F, lo, hi, store);
}

template <int M, bool BY_VALUE, typename T, class Block>
CUWAVELET_BLOCK void fused_synthesis_2d(const Block& b, const FusedGeometry& g, T* y,
                                        const T* aa, const T* ad, const T* da, const T* dd,
                                        const T* lo_y, const T* hi_y,
                                        const T* lo_x, const T* hi_x) {
  typedef T A;
  const SynthesisLayout L = SynthesisLayout::of<M>(g);
  A* coeffs = reinterpret_cast<A*>(b.shared());  // [band][row][col]
  A* merged_lo = coeffs + 4 * L.band_elems();    // [row][image col], y-lo bands merged along x
  A* merged_hi = merged_lo + L.row_elems();      // ... y-hi bands
  const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
  const int s_y = (int)synthesis_shift<M>(Fy), s_x = (int)synthesis_shift<M>(Fx);
  const index_t Ly = g.signal_len[kY], Lx = g.signal_len[kX];
  const index_t ny = g.coeff_len[kY], nx = g.coeff_len[kX];
  const T* const band[4] = {aa, ad, da, dd};
  const index_t total_tiles = g.batch_total * launch_tiles_per_image<false>(g);
  // Two pairs of outputs per thread in both merges (float, filters by value:
  // the others spill with them at their launch bounds).
  constexpr bool kTwoPairs = CUWAVELET_TWO_PAIRS && BY_VALUE && sizeof(T) == 4;

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const TilePlace<> at(g, tile, Ly, Lx);
    const index_t* offset = at.offset;
    const index_t i0 = at.y0, j0 = at.x0;
    const int out_y = at.out_y, out_x = at.out_x;
    const index_t ky0 = i0 / 2 + L.first_y, kx0 = j0 / 2 + L.first_x;
    // Coefficient rows and columns this (possibly partial) tile reads.
    const int rows = (int)floor_div(out_y - 1 + s_y, 2) - L.first_y + 1;
    const int cols = (int)floor_div(out_x - 1 + s_x, 2) - L.first_x + 1;
    const int band_cells = L.band_elems();

    // Coefficients outside [0, n) are zero, except in periodization, where
    // they wrap around (pywt's idwt extends nothing else). The band loop is
    // unrolled so that pointers and strides stay in registers.
    CUWAVELET_UNROLL
    for (int k = 0; k < 4; ++k)
      load_coefficient_window<M, T, A>(b, coeffs + k * band_cells, L.cols,
                                       band[k] ? band[k] + offset[kAA + k] : nullptr,
                                       axis_stride(g, kAA + k, kY), axis_stride(g, kAA + k, kX),
                                       ny, nx, ky0, kx0, rows, cols);
    b.sync();

    merge_rows<BY_VALUE, T, A, kTwoPairs>(b, coeffs, band_cells, L.cols, L.first_x, rows, out_x,
                                          s_x, Fx, lo_x, hi_x, merged_lo, merged_hi, L.tile_x);
    b.sync();

    merge_columns<BY_VALUE, T, A, true, kTwoPairs>(
        b, merged_lo, merged_hi, L.tile_x, L.first_y, out_y, out_x, s_y, Fy, lo_y, hi_y,
        [&](int i, int j, A v) {
          b.store(y + offset[kImage] + (i0 + i) * axis_stride(g, kImage, kY) +
                      (j0 + j) * axis_stride(g, kImage, kX), T(v));
        });
  }
}

// ---------------------------------------------------------------------------
// Analysis adjoint (dwt2's transpose). Along one axis the analysis reads the
// extended positions [first, last] = [off - F + 1, 2(n - 1) + off]; its adjoint
// is the cotangent of each extended position (a zero-padded synthesis), with
// the positions outside [0, N) folded back onto the samples their extension
// terms use. A tile of image samples [t0, t0 + out) therefore needs the
// cotangents of its own positions and, where the extension reaches the tile
// (fold_reach), those of the left halo [first, 0) and / or the right halo
// [N, last]. Each of these three runs of positions reads its own window of
// coefficients (zeros outside [0, n)); the windows of a tile are packed one
// after the other in shared memory, the tile's own first.
enum { kOwn = 0, kLeftHalo = 1, kRightHalo = 2, kWindows = 3 };

// The halo runs of one axis, and how many coefficients a run of `positions`
// consecutive extended positions reads at most.
template <int M>
struct AdjointAxis {
  index_t N, n, off, first, last;
  int F;
  CUWAVELET_HD AdjointAxis(index_t N_, index_t n_, int F_)
      : N(N_), n(n_), off(analysis_offset<M>(F_)), first(analysis_first<M>(F_)),
        last(analysis_last<M>(n_, F_)), F(F_) {}
  // (positions are taken in pairs p, p + 1 with p - off even: pair_cotangent)
  CUWAVELET_HD static int window_capacity(int positions, int F) {
    return positions > 0 ? (positions + F) / 2 + 1 : 0;
  }
  // Largest halo runs over every N (zero mode folds nothing: no halo windows).
  CUWAVELET_HD static int max_left_halo(int F) {
    return M == kZero ? 0 : (int)(F - 1 - analysis_offset<M>(F));
  }
  CUWAVELET_HD static int max_right_halo(int F) { return M == kZero ? 0 : (M == kPeriodization ? F / 2 : F - 1); }
  // The most slots a tile of `tile` positions takes (its own window and the
  // halo windows it needs) on an axis with these fold_reach ranges: a tile
  // needs both halo windows only if it can overlap both ranges, which tiles
  // shorter than the gap between them cannot.
  CUWAVELET_HD static int max_windows(int tile, int F, const index_t reach[4]) {
    const bool left = reach[0] <= reach[1], right = reach[2] <= reach[3];
    const int l = left ? window_capacity(max_left_halo(F), F) : 0;
    const int r = right ? window_capacity(max_right_halo(F), F) : 0;
    const bool both = left && right && reach[2] - reach[1] <= tile - 1;
    return window_capacity(tile, F) + (both ? l + r : l > r ? l : r);
  }
};

// The windows one tile reads along one axis. Positions are taken in pairs
// (pair_cotangent): a window holds the coefficients of its run widened to
// whole pairs (one position more at either end at most).
struct TileWindows {
  index_t pos0[kWindows];     // first extended position of the run
  index_t coeff0[kWindows];   // coefficient held by the window's first slot
  int base[kWindows];         // first slot of the window in shared memory
  int count[kWindows];        // its slots (0: the tile does not need this run)
  int total;
  template <int M>
  CUWAVELET_HD TileWindows(const AdjointAxis<M>& ax, const index_t reach[4], index_t t0, int out) {
    const index_t t1 = t0 + out - 1;
    const index_t run0[kWindows] = {t0, ax.first, ax.N};
    const index_t run1[kWindows] = {t1, -1, ax.last};
    // (zero mode folds nothing: its halo windows are constant-empty, which
    // lets the compiler drop their bookkeeping)
    const bool needed[kWindows] = {true, M != kZero && reach[0] <= t1 && reach[1] >= t0,
                                   M != kZero && reach[2] <= t1 && reach[3] >= t0};
    total = 0;
    CUWAVELET_UNROLL
    for (int w = 0; w < kWindows; ++w) {
      pos0[w] = run0[w];
      // position p reads coefficients (p - off + j) / 2 for taps j < F of
      // p - off's parity; the run widened to pairs is [pair0, pair1]
      const index_t pair0 = run0[w] - ((run0[w] - ax.off) & 1);
      const index_t pair1 = run1[w] + 1 - ((run1[w] - ax.off) & 1);
      coeff0[w] = floor_div(pair0 - ax.off, 2);
      const index_t coeff1 = floor_div(pair1 - ax.off + ax.F - 1, 2);
      count[w] = (needed[w] && run1[w] >= run0[w]) ? (int)(coeff1 - coeff0[w] + 1) : 0;
      // A window the tile does not hold starts at slot 0: a pair's spare
      // sample (outside the tile, never stored) may fall in a fold range the
      // tile does not reach, and its reads must stay in shared memory.
      base[w] = count[w] > 0 ? total : 0;
      total += count[w];
    }
  }
  // The slot of window w that holds coefficient (p - off) / 2, the first a
  // pair of positions p, p + 1 reads (p - off even).
  CUWAVELET_HD int pair_slot(int w, index_t p, index_t off) const {
    return base[w] + (int)((p - off) / 2 - coeff0[w]);
  }
  // The coefficient held by slot r (any window). Constant indices only, so
  // that the GPU keeps the arrays in registers.
  CUWAVELET_HD index_t coeff_of(int r) const {  // (the windows held are packed in order)
    if (r < count[kOwn]) return coeff0[kOwn] + r;
    r -= count[kOwn];
    if (r < count[kLeftHalo]) return coeff0[kLeftHalo] + r;
    return coeff0[kRightHalo] + (r - count[kLeftHalo]);
  }
};

// Cotangents of the extended positions p and p + 1 (p - off even) from the
// coefficients in window w (slots `pitch` elements apart): position p takes
// taps 2q from slot s + q, p + 1 taps 2q + 1 from slot s + q + 1 (s: the slot
// of coefficient (p - off) / 2), each sum lo[j] a[slot] + hi[j] d[slot] over
// its taps in order.
template <bool BY_VALUE, int M, typename T, typename A, class Block, typename Pitch>
CUWAVELET_BLOCK void pair_cotangent_at(const Block& b, const AdjointAxis<M>& ax,
                                       const TileWindows& win, int w, index_t p, const A* a,
                                       const A* d, Pitch pitch, const T* lo, const T* hi,
                                       A out[2]) {
  const int slot = win.pair_slot(w, p, ax.off);
  const A* a_at = a + slot * pitch;
  const A* d_at = d + slot * pitch;
  A a0 = b.load(a_at), d0 = b.load(d_at);  // slot s + q, carried from pair to pair
  out[0] = out[1] = A(0);
  for_tap_pairs<BY_VALUE>(ax.F / 2, [&](int q) {
    const A a1 = b.load(a_at + (q + 1) * pitch), d1 = b.load(d_at + (q + 1) * pitch);
    out[0] = b.mul_add(b.mul_add(out[0], lo[2 * q], a0), hi[2 * q], d0);
    out[1] = b.mul_add(b.mul_add(out[1], lo[2 * q + 1], a1), hi[2 * q + 1], d1);
    a0 = a1; d0 = d1;
  });
}
template <bool BY_VALUE, int M, typename T, typename A, class Block>
CUWAVELET_BLOCK void pair_cotangent(const Block& b, const AdjointAxis<M>& ax,
                                    const TileWindows& win, int w, index_t p, const A* a,
                                    const A* d, int pitch, const T* lo, const T* hi, A out[2]) {
  if (BY_VALUE && pitch == kFullTileX)
    pair_cotangent_at<BY_VALUE, M, T, A>(b, ax, win, w, p, a, d, FixedPitch<kFullTileX>(), lo, hi,
                                         out);
  else
    pair_cotangent_at<BY_VALUE, M, T, A>(b, ax, win, w, p, a, d, pitch, lo, hi, out);
}

// Cotangents of the extended positions p .. p + 3 (p - off even) from window
// w: pair_cotangent_at's sums for the pairs at p and p + 2 from one pass over
// the slots they read (the second pair's are the first's shifted by one:
// F + 4 loads for the four, not 2F + 4). Step t reads slot s + t, which gives
// position p + u its tap 2t - u, so each position sums its taps in
// pair_cotangent_at's order. Both pairs' slots must lie in the window.
template <bool BY_VALUE, int M, typename T, typename A, class Block, typename Pitch>
CUWAVELET_BLOCK void two_pair_cotangents_at(const Block& b, const AdjointAxis<M>& ax,
                                            const TileWindows& win, int w, index_t p, const A* a,
                                            const A* d, Pitch pitch, const T* lo, const T* hi,
                                            A out[4]) {
  const int slot = win.pair_slot(w, p, ax.off);
  const A* a_at = a + slot * pitch;
  const A* d_at = d + slot * pitch;
  const int taps = ax.F;
  out[0] = out[1] = out[2] = out[3] = A(0);
  const auto step = [&](int t) {
    const A a_t = b.load(a_at + t * pitch), d_t = b.load(d_at + t * pitch);
    // tap 2t - u < F: u = 0 while t < F / 2, u = 1 and 2 while t <= F / 2
    const bool taps_even = 2 * t < taps, taps_odd = 2 * t <= taps;
    CUWAVELET_UNROLL
    for (int u = 0; u < 4; ++u) {
      const int j = 2 * t - u;
      if (j >= 0 && (u == 0 ? taps_even : u < 3 ? taps_odd : true))
        out[u] = b.mul_add(b.mul_add(out[u], lo[j], a_t), hi[j], d_t);
    }
  };
  for_tap_steps<BY_VALUE, 2>(taps / 2, step);
}

// The own window's cotangents of `n` positions from p (p - off even; n = 2
// or 4, the pairs at p and p + 2), into out[0 .. n).
template <bool BY_VALUE, int M, typename T, typename A, class Block>
CUWAVELET_BLOCK void own_cotangents(const Block& b, const AdjointAxis<M>& ax,
                                    const TileWindows& win, index_t p, int n, const A* a,
                                    const A* d, int pitch, const T* lo, const T* hi, A out[4]) {
  if (n == 2) {
    pair_cotangent<BY_VALUE, M, T, A>(b, ax, win, kOwn, p, a, d, pitch, lo, hi, out);
  } else if (BY_VALUE && pitch == kFullTileX) {
    two_pair_cotangents_at<BY_VALUE, M, T, A>(b, ax, win, kOwn, p, a, d,
                                              FixedPitch<kFullTileX>(), lo, hi, out);
  } else {
    two_pair_cotangents_at<BY_VALUE, M, T, A>(b, ax, win, kOwn, p, a, d, pitch, lo, hi, out);
  }
}

// Adjoint along one axis at image samples i and i + 1 (i - off even): their
// own cotangents plus, where the extension reaches them, the cotangents of
// the halo positions folded onto them (taken in pairs too).
template <bool BY_VALUE, int M, typename T, typename A, class Block>
CUWAVELET_BLOCK void folded_pair(const Block& b, const AdjointAxis<M>& ax, const TileWindows& win,
                                 const index_t reach[4], index_t i, const A* a, const A* d,
                                 int pitch, const T* lo, const T* hi, A out[2]) {
  pair_cotangent<BY_VALUE, M, T, A>(b, ax, win, kOwn, i, a, d, pitch, lo, hi, out);
  if (M == kZero) return;
  CUWAVELET_UNROLL
  for (int side = 0; side < 2; ++side) {
    bool reached[2];
    CUWAVELET_UNROLL
    for (int u = 0; u < 2; ++u)
      reached[u] = i + u >= reach[2 * side] && i + u <= reach[2 * side + 1];
    if (!reached[0] && !reached[1]) continue;
    const int w = side == 0 ? kLeftHalo : kRightHalo;
    const index_t p0 = win.pos0[w], p1 = side == 0 ? -1 : ax.last;
    for (index_t p = p0 - ((p0 - ax.off) & 1); p <= p1; p += 2) {
      A weight[2][2];  // [position p + v][sample i + u]
      bool any = false;
      CUWAVELET_UNROLL
      for (int v = 0; v < 2; ++v) {
        const bool run = p + v >= p0 && p + v <= p1;
        const bool take[2] = {run && reached[0], run && reached[1]};
        fold_weights<M, A, 2>(p + v, ax.N, i, take, weight[v]);
        any = any || weight[v][0] != A(0) || weight[v][1] != A(0);
      }
      if (!any) continue;
      A c[2];
      pair_cotangent_at<BY_VALUE, M, T, A>(b, ax, win, w, p, a, d, pitch, lo, hi, c);  // (rare: one copy)
      CUWAVELET_UNROLL
      for (int v = 0; v < 2; ++v) {
        CUWAVELET_UNROLL
        for (int u = 0; u < 2; ++u)
          if (weight[v][u] != A(0)) out[u] = b.mul_add(out[u], weight[v][u], c[v]);
      }
    }
  }
}

// Shared memory of an analysis-adjoint block: the four bands' windows (rows x
// cols slots, at their most, halo windows included: sized from the
// geometry's fold_reach), then the lo-y and hi-y rows.
struct AdjointLayout : ImageTileLayout {
  template <int M>
  CUWAVELET_HD static AdjointLayout of(const FusedGeometry& g) {
    AdjointLayout L;
    L.rows = AdjointAxis<M>::max_windows((int)g.tile[kY], (int)g.filter_len[kY], g.fold_reach[kY]);
    L.cols = AdjointAxis<M>::max_windows((int)g.tile[kX], (int)g.filter_len[kX], g.fold_reach[kX]);
    L.tile_x = (int)g.tile[kX];
    return L;
  }
};

template <int M, bool BY_VALUE, typename T, class Block>
CUWAVELET_BLOCK void fused_analysis_adjoint_2d(const Block& b, const FusedGeometry& g, T* y,
                                               const T* aa, const T* ad, const T* da, const T* dd,
                                               const T* lo_y, const T* hi_y,
                                               const T* lo_x, const T* hi_x) {
  typedef T A;
  const AdjointLayout L = AdjointLayout::of<M>(g);
  A* coeffs = reinterpret_cast<A*>(b.shared());  // [band][row slot][col slot]
  A* merged_lo = coeffs + 4 * L.band_elems();    // [row slot][image col]: y-lo bands, x adjoint done
  A* merged_hi = merged_lo + L.row_elems();      // ... y-hi bands
  const AdjointAxis<M> ax_y(g.signal_len[kY], g.coeff_len[kY], (int)g.filter_len[kY]);
  const AdjointAxis<M> ax_x(g.signal_len[kX], g.coeff_len[kX], (int)g.filter_len[kX]);
  const index_t ny = g.coeff_len[kY], nx = g.coeff_len[kX];
  const T* const band[4] = {aa, ad, da, dd};
  // A level may run as its interior (zero mode) and its edge ring (the
  // mode's own), except in periodization, whose interior is not zero mode's.
  constexpr bool PARTS = M != kPeriodization;
  // Zero mode folds nothing, which leaves the registers for two pairs of
  // positions per thread in both passes (float, filters by value: the other
  // specializations spill with them at their launch bounds).
  constexpr bool kTwoPairs = CUWAVELET_TWO_PAIRS && M == kZero && BY_VALUE && sizeof(T) == 4;
  const index_t total_tiles = g.batch_total * launch_tiles_per_image<PARTS>(g);
  const int band_cells = L.band_elems();

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const TilePlace<PARTS> at(g, tile, ax_y.N, ax_x.N);
    const index_t* offset = at.offset;
    const index_t i0 = at.y0, j0 = at.x0;
    const int out_y = at.out_y, out_x = at.out_x;
    const TileWindows win_y(ax_y, g.fold_reach[kY], i0, out_y);
    const TileWindows win_x(ax_x, g.fold_reach[kX], j0, out_x);

    CUWAVELET_UNROLL
    for (int k = 0; k < 4; ++k) {
      const T* src = band[k] ? band[k] + offset[kAA + k] : nullptr;
      const index_t sky = axis_stride(g, kAA + k, kY), skx = axis_stride(g, kAA + k, kX);
      A* dst = coeffs + k * band_cells;
      // A tile that folds nothing in holds one window per axis, contiguous
      // (in zero mode: the other modes' adjoints spill with this path).
      if (M == kZero && win_y.total == win_y.count[kOwn] && win_x.total == win_x.count[kOwn] &&
          load_window_16<T, A>(b, dst, L.cols, src, sky, skx, ny, nx, win_y.coeff0[kOwn],
                               win_x.coeff0[kOwn], win_y.total, win_x.total))
        continue;
      gather_2d<kGatherDepth>(
          b, win_y.total, win_x.total,
          [&](int r, int c) {
            const index_t ky = win_y.coeff_of(r), kx = win_x.coeff_of(c);
            const bool inside = src && ky >= 0 && ky < ny && kx >= 0 && kx < nx;
            return inside ? A(b.load(src + ky * sky + kx * skx)) : A(0);
          },
          [&](int r, int c, A v) { b.store(dst + r * L.cols + c, v); });
    }
    b.sync();

    // Along x, for every coefficient row slot: lo-y = adjoint of (aa, ad),
    // hi-y of (da, dd); image columns in pairs j, j + 1 with j0 + j - off
    // even (the first from j = -1 or 0), those inside the tile stored.
    // kTwoPairs: two pairs per thread from one pass over their slots (a
    // row's last pair, where the pairs are odd, alone).
    const int pair_x0 = -(int)((j0 - ax_x.off) & 1), pairs_x = (out_x - pair_x0 + 1) / 2;
    if constexpr (kTwoPairs) {
      for_each_cell(b, win_y.total, (pairs_x + 1) / 2, [&](int r, int two) {
        const int j = pair_x0 + 4 * two, n = 2 * two + 1 < pairs_x ? 4 : 2;
        const A* row = coeffs + r * L.cols;
        A lo[4], hi[4];
        own_cotangents<BY_VALUE, M, T, A>(b, ax_x, win_x, j0 + j, n, row, row + band_cells, 1,
                                          lo_x, hi_x, lo);
        own_cotangents<BY_VALUE, M, T, A>(b, ax_x, win_x, j0 + j, n, row + 2 * band_cells,
                                          row + 3 * band_cells, 1, lo_x, hi_x, hi);
        CUWAVELET_UNROLL
        for (int u = 0; u < 4; ++u) {
          if (u >= n || j + u < 0 || j + u >= out_x) continue;
          b.store(merged_lo + r * L.tile_x + j + u, lo[u]);
          b.store(merged_hi + r * L.tile_x + j + u, hi[u]);
        }
      });
    } else {
      for_each_cell(b, win_y.total, pairs_x, [&](int r, int pair) {
        const int j = pair_x0 + 2 * pair;
        const A* row = coeffs + r * L.cols;
        A lo[2], hi[2];
        folded_pair<BY_VALUE, M, T, A>(b, ax_x, win_x, g.fold_reach[kX], j0 + j, row,
                                       row + band_cells, 1, lo_x, hi_x, lo);
        folded_pair<BY_VALUE, M, T, A>(b, ax_x, win_x, g.fold_reach[kX], j0 + j,
                                       row + 2 * band_cells, row + 3 * band_cells, 1, lo_x, hi_x,
                                       hi);
        CUWAVELET_UNROLL
        for (int u = 0; u < 2; ++u) {
          if (j + u < 0 || j + u >= out_x) continue;
          b.store(merged_lo + r * L.tile_x + j + u, lo[u]);
          b.store(merged_hi + r * L.tile_x + j + u, hi[u]);
        }
      });
    }
    b.sync();

    // Along y, image rows in pairs as along x (kTwoPairs: two pairs per
    // thread, each written from the tile's corner).
    const int pair_y0 = -(int)((i0 - ax_y.off) & 1), pairs_y = (out_y - pair_y0 + 1) / 2;
    if constexpr (kTwoPairs) {
      T* const corner = y + offset[kImage] + i0 * axis_stride(g, kImage, kY) +
                        j0 * axis_stride(g, kImage, kX);
      for_each_cell(b, (pairs_y + 1) / 2, out_x, [&](int two, int j) {
        const int i = pair_y0 + 4 * two, n = 2 * two + 1 < pairs_y ? 4 : 2;
        A v[4];
        own_cotangents<BY_VALUE, M, T, A>(b, ax_y, win_y, i0 + i, n, merged_lo + j,
                                          merged_hi + j, L.tile_x, lo_y, hi_y, v);
        T* const column = corner + j * axis_stride(g, kImage, kX);
        CUWAVELET_UNROLL
        for (int u = 0; u < 4; ++u) {
          if (u >= n || i + u < 0 || i + u >= out_y) continue;
          b.store(column + (i + u) * axis_stride(g, kImage, kY), T(v[u]));
        }
      });
    } else {
      for_each_cell(b, pairs_y, out_x, [&](int pair, int j) {
        const int i = pair_y0 + 2 * pair;
        A v[2];
        folded_pair<BY_VALUE, M, T, A>(b, ax_y, win_y, g.fold_reach[kY], i0 + i, merged_lo + j,
                                       merged_hi + j, L.tile_x, lo_y, hi_y, v);
        CUWAVELET_UNROLL
        for (int u = 0; u < 2; ++u) {
          if (i + u < 0 || i + u >= out_y) continue;
          b.store(y + offset[kImage] + (i0 + i + u) * axis_stride(g, kImage, kY) +
                      (j0 + j) * axis_stride(g, kImage, kX), T(v[u]));
        }
      });
    }
  }
}

// The operations a fused launch performs (kernel template argument).
enum FusedOp { kFusedAnalysis = 0, kFusedSynthesis = 1, kFusedAnalysisAdjoint = 2 };

template <int M>
CUWAVELET_HD int fused_shared_elems(int op, const FusedGeometry& g) {
  if (op == kFusedAnalysis) return AnalysisLayout(g).total_elems();
  if (op == kFusedSynthesis) return SynthesisLayout::of<M>(g).total_elems();
  return AdjointLayout::of<M>(g).total_elems();
}

// Inputs an interior tile of `tile` outputs loads along one axis (its window,
// as the layouts above size it; an interior adjoint tile folds nothing in):
// the host weighs them against the outputs when it chooses tiles.
template <int M>
CUWAVELET_HD int fused_tile_window(int op, int tile, int F) {
  if (op == kFusedAnalysis) return 2 * tile + F - 2;
  if (op == kFusedAnalysisAdjoint) return AdjointAxis<M>::window_capacity(tile, F);
  const index_t s = synthesis_shift<M>(F);
  return (int)(floor_div(tile - 1 + s, 2) - floor_div(s - F + 1, 2) + 1);
}

// A level from the launch records (fused_launch.cuh): what the GPU kernel
// and the emulator both run. Filters: FilterTaps2D<T> or FilterAddresses.
template <int OP, int M, typename T, class Filters, class Block>
CUWAVELET_BLOCK void fused_level_2d(const Block& b, const FusedGeometry& g,
                                    const OperandAddresses<kFusedOperands>& o, const Filters& f) {
  constexpr bool BV = Filters::kByValue;
  T* image = o.get<T>(kImage);
  T *aa = o.get<T>(kAA), *ad = o.get<T>(kAD), *da = o.get<T>(kDA), *dd = o.get<T>(kDD);
  const T *lo_y = f.template get<T>(0), *hi_y = f.template get<T>(1);
  const T *lo_x = f.template get<T>(2), *hi_x = f.template get<T>(3);
  if constexpr (OP == kFusedAnalysis)
    fused_analysis_2d<M, BV, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x, hi_x);
  else if constexpr (OP == kFusedSynthesis)
    fused_synthesis_2d<M, BV, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x, hi_x);
  else
    fused_analysis_adjoint_2d<M, BV, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x, hi_x);
}

}  // namespace cuwavelet
