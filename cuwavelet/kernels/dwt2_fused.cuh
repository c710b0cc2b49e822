// Fused single-level 2D DWT kernels: one launch per level does both axes of a
// tile on chip, so the input is read once and each output written once.
//
//   analysis   image -> aa, ad, da, dd   (dwt2; also idwt2's adjoint, see _fused.py)
//   synthesis  aa, ad, da, dd -> image   (idwt2; also dwt2's adjoint in the modes
//                                         where no boundary folding is needed)
//
// The two transformed axes are called y (the tile's slow axis) and x (its fast
// axis: consecutive threads walk x, so x should be the array's fastest axis).
// Subbands are named by their y letter then their x letter. Every operand is
// strided (FusedGeometry), every other ("batch") dimension is walked as an
// nD index, boundary extension is index arithmetic (extended_sample of
// dwt_math.cuh, never a padded copy), filters are runtime arrays and indices
// into global memory are 64-bit. Each block loops over tiles (grid-stride),
// with two barriers per tile:
//
//   analysis:  load the input tile + halo -> shared  | barrier |
//              filter rows: lo and hi along x from the same loads | barrier |
//              filter columns: the four subbands, written straight to global
//   synthesis: load the four coefficient windows -> shared | barrier |
//              merge along x: lo-y and hi-y rows | barrier |
//              merge along y, write the image tile
//
// No barrier is needed between tiles: the last phase reads only the row
// buffers, which the next tile rewrites after its first barrier.
#pragma once

#include "block_runtime.cuh"
#include "dwt_math.cuh"

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
  index_t tiles[2];        // tiles along y, x
  index_t batch_shape[kMaxDims];
  // Element strides per operand: batch dimensions first, then y, then x.
  index_t stride[kFusedOperands][kMaxDims + 2];
};
static_assert(sizeof(FusedGeometry) ==
                  (12 + kMaxDims + kFusedOperands * (kMaxDims + 2)) * sizeof(index_t),
              "FusedGeometry must stay a padding-free record of 64-bit fields");

// Element offsets of every operand at the start of batch item `batch`.
CUWAVELET_HD void batch_offsets(const FusedGeometry& g, index_t batch,
                                index_t offset[kFusedOperands]) {
  for (int o = 0; o < kFusedOperands; ++o) offset[o] = 0;
  for (index_t d = g.batch_ndim - 1; d >= 0; --d) {
    const index_t c = batch % g.batch_shape[d];
    batch /= g.batch_shape[d];
    for (int o = 0; o < kFusedOperands; ++o) offset[o] += c * g.stride[o][d];
  }
}

CUWAVELET_HD index_t axis_stride(const FusedGeometry& g, int operand, int axis) {
  return g.stride[operand][kMaxDims + axis];
}

// The image extended past its edges along both axes: the 2D extension is the
// product of the two 1D ones (each is linear in its own index).
template <int M, typename T, typename A>
CUWAVELET_HD A extended_sample_2d(const T* x, index_t sy, index_t sx, index_t Ny, index_t Nx,
                                  index_t py, index_t px) {
  if (py >= 0 && py < Ny) return extended_sample<M, T, A>(x + py * sy, sx, Nx, px);
  index_t idx[3]; A w[3];
  const int terms = extension_terms<M, A>(py, Ny, idx, w);
  A v = A(0);
  for (int t = 0; t < terms; ++t) v += w[t] * extended_sample<M, T, A>(x + idx[t] * sy, sx, Nx, px);
  return v;
}

// ---------------------------------------------------------------------------
// Shared memory of an analysis block, in elements of T. The input tile holds
// the 2*tile + F - 2 extended positions each output tile reads per axis; its
// rows are stored even columns first, then odd ones, so that the row filter's
// threads (output ox reads column 2*ox + const) hit consecutive banks.
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

template <int M, typename T, class Block>
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
  const index_t tiles_per_image = g.tiles[kY] * g.tiles[kX];
  const index_t total_tiles = g.batch_total * tiles_per_image;
  const int t = b.thread(), nt = b.threads();

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const index_t in_image = tile % tiles_per_image;
    index_t offset[kFusedOperands];
    batch_offsets(g, tile / tiles_per_image, offset);
    const index_t oy0 = (in_image / g.tiles[kX]) * L.tile_y;
    const index_t ox0 = (in_image % g.tiles[kX]) * L.tile_x;
    // Outputs of this tile (the last tiles are partial) and the inputs they read.
    const int out_y = (int)(ny - oy0 < L.tile_y ? ny - oy0 : L.tile_y);
    const int out_x = (int)(nx - ox0 < L.tile_x ? nx - ox0 : L.tile_x);
    const int rows = 2 * out_y + Fy - 2, cols = 2 * out_x + Fx - 2;
    // Extended position of the tile's first input: output o reads 2o + off - j, j < F.
    const index_t py0 = 2 * oy0 + analysis_offset<M>(Fy) - (Fy - 1);
    const index_t px0 = 2 * ox0 + analysis_offset<M>(Fx) - (Fx - 1);
    const T* image = x + offset[kImage];

    for (int e = t; e < rows * cols; e += nt) {
      const int r = e / cols, c = e - r * cols;
      in[r * 2 * L.half_cols + (c & 1) * L.half_cols + (c >> 1)] =
          extended_sample_2d<M, T, A>(image, sy, sx, Ny, Nx, py0 + r, px0 + c);
    }
    b.sync();

    for (int e = t; e < rows * out_x; e += nt) {
      const int r = e / out_x, ox = e - r * out_x;
      const A* line = in + r * 2 * L.half_cols;
      A lo = A(0), hi = A(0);
      for (int j = 0; j < Fx; ++j) {
        const int c = 2 * ox + Fx - 1 - j;  // local column of extended position 2o + off - j
        const A v = line[(c & 1) * L.half_cols + (c >> 1)];
        lo += A(lo_x[j]) * v;
        hi += A(hi_x[j]) * v;
      }
      row_lo[r * L.tile_x + ox] = lo;
      row_hi[r * L.tile_x + ox] = hi;
    }
    b.sync();

    for (int e = t; e < out_y * out_x; e += nt) {
      const int oy = e / out_x, ox = e - oy * out_x;
      A acc[4] = {A(0), A(0), A(0), A(0)};  // aa, ad, da, dd
      for (int j = 0; j < Fy; ++j) {
        const int r = 2 * oy + Fy - 1 - j;
        const A l = row_lo[r * L.tile_x + ox], h = row_hi[r * L.tile_x + ox];
        const A fl = A(lo_y[j]), fh = A(hi_y[j]);
        acc[0] += fl * l; acc[1] += fl * h; acc[2] += fh * l; acc[3] += fh * h;
      }
      for (int k = 0; k < 4; ++k)
        band[k][offset[kAA + k] + (oy0 + oy) * axis_stride(g, kAA + k, kY) +
                (ox0 + ox) * axis_stride(g, kAA + k, kX)] = T(acc[k]);
    }
  }
}

// ---------------------------------------------------------------------------
// Shared memory of a synthesis block, in elements of T. An image tile of
// tile_y x tile_x samples (both even, so every tile starts at an even index)
// reads, per axis, the coefficients first + [0, count) with
//   first = i0/2 + floor((s - F + 1) / 2),  count = floor((tile - 1 + s) / 2) - floor((s - F + 1) / 2) + 1
// of each of the four subbands; the x-merge leaves two rows buffers (y lo, y hi).
struct SynthesisLayout {
  int coeff_rows, coeff_cols, first_y, first_x, tile_y, tile_x;
  template <int M>
  CUWAVELET_HD static SynthesisLayout of(const FusedGeometry& g) {
    SynthesisLayout L;
    const int Fy = (int)g.filter_len[kY], Fx = (int)g.filter_len[kX];
    const index_t s_y = synthesis_shift<M>(Fy), s_x = synthesis_shift<M>(Fx);
    L.tile_y = (int)g.tile[kY];
    L.tile_x = (int)g.tile[kX];
    L.first_y = (int)floor_div(s_y - Fy + 1, 2);
    L.first_x = (int)floor_div(s_x - Fx + 1, 2);
    L.coeff_rows = (int)floor_div(L.tile_y - 1 + s_y, 2) - L.first_y + 1;
    L.coeff_cols = (int)floor_div(L.tile_x - 1 + s_x, 2) - L.first_x + 1;
    return L;
  }
  CUWAVELET_HD int band_elems() const { return coeff_rows * coeff_cols; }  // each of 4
  CUWAVELET_HD int row_elems() const { return coeff_rows * tile_x; }       // each of 2
  CUWAVELET_HD int total_elems() const { return 4 * band_elems() + 2 * row_elems(); }
};

template <int M, typename T, class Block>
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
  const index_t tiles_per_image = g.tiles[kY] * g.tiles[kX];
  const index_t total_tiles = g.batch_total * tiles_per_image;
  const int t = b.thread(), nt = b.threads();

  for (index_t tile = b.block(); tile < total_tiles; tile += b.blocks()) {
    const index_t in_image = tile % tiles_per_image;
    index_t offset[kFusedOperands];
    batch_offsets(g, tile / tiles_per_image, offset);
    const index_t i0 = (in_image / g.tiles[kX]) * L.tile_y;
    const index_t j0 = (in_image % g.tiles[kX]) * L.tile_x;
    const int out_y = (int)(Ly - i0 < L.tile_y ? Ly - i0 : L.tile_y);
    const int out_x = (int)(Lx - j0 < L.tile_x ? Lx - j0 : L.tile_x);
    const index_t ky0 = i0 / 2 + L.first_y, kx0 = j0 / 2 + L.first_x;
    // Coefficient rows and columns this (possibly partial) tile reads.
    const int rows = (int)floor_div(out_y - 1 + s_y, 2) - L.first_y + 1;
    const int cols = (int)floor_div(out_x - 1 + s_x, 2) - L.first_x + 1;
    const int band_cells = L.coeff_rows * L.coeff_cols;

    // Coefficients outside [0, n) are zero, except in periodization, where
    // they wrap around (pywt's idwt extends nothing else). The band loop is
    // unrolled so that pointers and strides stay in registers.
    CUWAVELET_UNROLL
    for (int k = 0; k < 4; ++k) {
      const T* src = band[k] ? band[k] + offset[kAA + k] : nullptr;
      const index_t sky = axis_stride(g, kAA + k, kY), skx = axis_stride(g, kAA + k, kX);
      A* dst = coeffs + k * band_cells;
      for (int e = t; e < rows * cols; e += nt) {
        const int r = e / cols, c = e - r * cols;
        index_t ky = ky0 + r, kx = kx0 + c;
        if (M == kPeriodization) {  // (64-bit % is slow on the GPU: only at the edges)
          if (ky < 0 || ky >= ny) { ky %= ny; if (ky < 0) ky += ny; }
          if (kx < 0 || kx >= nx) { kx %= nx; if (kx < 0) kx += nx; }
        }
        const bool inside = src && ky >= 0 && ky < ny && kx >= 0 && kx < nx;
        dst[r * L.coeff_cols + c] = inside ? A(src[ky * sky + kx * skx]) : A(0);
      }
    }
    b.sync();

    // Along x: image column j0 + j takes coefficient (j0 + j + s - m) / 2 for
    // taps m of the parity of j + s (j0 is even).
    for (int e = t; e < rows * out_x; e += nt) {
      const int r = e / out_x, j = e - r * out_x;
      const A* ya_xa = coeffs + 0 * band_cells + r * L.coeff_cols;
      const A* ya_xd = coeffs + 1 * band_cells + r * L.coeff_cols;
      const A* yd_xa = coeffs + 2 * band_cells + r * L.coeff_cols;
      const A* yd_xd = coeffs + 3 * band_cells + r * L.coeff_cols;
      A lo = A(0), hi = A(0);
      for (int m = (j + s_x) & 1; m < Fx; m += 2) {
        const int c = (j + s_x - m) / 2 - L.first_x;
        const A fl = A(lo_x[m]), fh = A(hi_x[m]);
        lo += fl * ya_xa[c] + fh * ya_xd[c];
        hi += fl * yd_xa[c] + fh * yd_xd[c];
      }
      merged_lo[r * L.tile_x + j] = lo;
      merged_hi[r * L.tile_x + j] = hi;
    }
    b.sync();

    for (int e = t; e < out_y * out_x; e += nt) {
      const int i = e / out_x, j = e - i * out_x;
      A acc = A(0);
      for (int m = (i + s_y) & 1; m < Fy; m += 2) {
        const int r = (i + s_y - m) / 2 - L.first_y;
        acc += A(lo_y[m]) * merged_lo[r * L.tile_x + j] + A(hi_y[m]) * merged_hi[r * L.tile_x + j];
      }
      y[offset[kImage] + (i0 + i) * axis_stride(g, kImage, kY) +
        (j0 + j) * axis_stride(g, kImage, kX)] = T(acc);
    }
  }
}

// The operations a fused launch performs (kernel template argument).
enum FusedOp { kFusedAnalysis = 0, kFusedSynthesis = 1 };

template <int M>
CUWAVELET_HD int fused_shared_elems(int op, const FusedGeometry& g) {
  return op == kFusedAnalysis ? AnalysisLayout(g).total_elems()
                              : SynthesisLayout::of<M>(g).total_elems();
}

}  // namespace cuwavelet
