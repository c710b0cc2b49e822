// GPU glue: one grid-stride kernel per (operation, mode, dtype), instantiated by
// NVRTC through name expressions (cuwavelet/_backends/cuda.py). Filters are
// runtime arrays, so one compiled kernel serves every wavelet, and per-item
// banks (stride_filter) every item of a batch in one launch.
#include "dwt_math.cuh"

template <int OP, int M, typename T>
__global__ void dwt_kernel(const cuwavelet::Geometry g, T* sig, T* lo, T* hi,
                           const T* f_lo, const T* f_hi, int F) {
  using cuwavelet::index_t;
  const index_t step = (index_t)blockDim.x * gridDim.x;
  for (index_t flat = (index_t)blockIdx.x * blockDim.x + threadIdx.x; flat < g.total;
       flat += step) {
    index_t os, ol, oh, of;
    const index_t pos = cuwavelet::operand_offsets(g, flat, false, os, ol, oh, of);
    cuwavelet::apply_at<OP, M, T, T>(g, pos, sig + os, lo ? lo + ol : nullptr,
                                     hi ? hi + oh : nullptr, f_lo + of, f_hi + of, F);
  }
}
