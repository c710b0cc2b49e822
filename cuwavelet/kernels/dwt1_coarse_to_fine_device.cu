// GPU glue of the fused coarse-to-fine 1D kernels (dwt1_coarse_to_fine.cuh):
// one kernel per (operation, mode, dtype), instantiated by NVRTC through name
// expressions (cuwavelet/_fused1d_coarse_to_fine.py). The records are
// __grid_constant__: the body indexes them with runtime indices (levels,
// strides), which keeps them in the constant bank instead of local memory.
#include "block_runtime.cuh"
#include "fused_launch.cuh"
#include "dwt1_coarse_to_fine.cuh"

template <int OP, int M, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads)
fused_coarse_to_fine1d_kernel(const __grid_constant__ cuwavelet::CoarseToFineGeometry g,
                              const __grid_constant__ cuwavelet::MultilevelOperands ops,
                              const __grid_constant__ cuwavelet::FilterTaps<T> taps) {
  const cuwavelet::block::DeviceBlock b;
  cuwavelet::fused_coarse_to_fine_1d<OP, M, T>(b, g, ops, taps);
}
