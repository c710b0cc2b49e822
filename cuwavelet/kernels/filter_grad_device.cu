// GPU glue of the filter gradients (filter_grad.cuh): one block reduction
// kernel per (operation, mode, dtype) and the kernel that adds the blocks'
// partial sums, instantiated by NVRTC through name expressions
// (cuwavelet/_filter_grad.py).
#include "block_runtime.cuh"
#include "filter_grad.cuh"

template <int OP, int M, typename T>
__global__ void __launch_bounds__(256, 1)  // (256) alone: ptxas caps at 64 registers and spills
filter_grad_kernel(const cuwavelet::Geometry g, const cuwavelet::FilterGradItems items,
                   long long chunks, int F, const T* sig, const T* lo, const T* hi,
                   T* partial) {
  const cuwavelet::block::DeviceBlock b;
  cuwavelet::filter_grad_block<OP, M, T>(b, g, items, chunks, F, sig, lo, hi, partial);
}

template <typename T>
__global__ void filter_grad_sum_kernel(const T* partial, long long chunks, int F,
                                       long long count, T* out, int accumulate) {
  const long long step = (long long)blockDim.x * gridDim.x;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += step)
    cuwavelet::filter_grad_sum_at<T>(partial, chunks, F, e, out, accumulate != 0);
}
