// GPU glue of the stationary transform (swt_math.cuh): one grid-stride kernel
// per (operation, dtype), instantiated by NVRTC through name expressions
// (cuwavelet/_stationary.py). Filters and the dilation are runtime values, so
// one compiled kernel serves every wavelet and level, and per-item banks
// (stride_filter) every item of a batch in one launch.
#include "swt_math.cuh"

template <int OP, typename T>
__global__ void swt_kernel(const cuwavelet::Geometry g, long long step, T* sig, T* lo, T* hi,
                           const T* f_lo, const T* f_hi, long long fs, int F) {
  using cuwavelet::index_t;
  const index_t stride = (index_t)blockDim.x * gridDim.x;
  for (index_t flat = (index_t)blockIdx.x * blockDim.x + threadIdx.x; flat < g.total;
       flat += stride) {
    index_t os, ol, oh, of;
    const index_t pos = cuwavelet::operand_offsets(g, flat, false, os, ol, oh, of);
    cuwavelet::stationary_apply_at<OP, T, T>(g, pos, step, sig + os, lo ? lo + ol : nullptr,
                                             hi ? hi + oh : nullptr, f_lo + of, f_hi + of, fs,
                                             F);
  }
}
