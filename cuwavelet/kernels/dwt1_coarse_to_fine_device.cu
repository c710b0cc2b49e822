// GPU glue of the fused coarse-to-fine 1D kernels (dwt1_coarse_to_fine.cuh):
// one kernel per (operation, mode, dtype), instantiated by NVRTC through name
// expressions (cuwavelet/_fused1d_coarse_to_fine.py). The records are
// __grid_constant__: the body indexes them with runtime indices (levels,
// strides), which keeps them in the constant bank instead of local memory.
#include "block_runtime.cuh"
#include "fused_launch.cuh"
#include "dwt1_coarse_to_fine.cuh"

// Resident blocks per SM ptxas must leave registers for (0: no bound). With
// the plain bound ptxas holds these specializations (the adjoint in constant,
// smooth and, in double, periodization mode) to 64 registers and spills; 3
// blocks (80 registers) lets them fit. tests/test_nvrtc.py checks every one.
template <int OP, int M, typename T>
struct CoarseToFineMinBlocks {
  enum { value = OP == 1 && (M == cuwavelet::kConstant || M == cuwavelet::kSmooth ||
                             (M == cuwavelet::kPeriodization && sizeof(T) == 8)) ? 3 : 0 };
};

template <int OP, int M, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads,
                                  (CoarseToFineMinBlocks<OP, M, T>::value))
fused_coarse_to_fine1d_kernel(const __grid_constant__ cuwavelet::CoarseToFineGeometry g,
                              const __grid_constant__ cuwavelet::MultilevelOperands ops,
                              const __grid_constant__ cuwavelet::FilterTaps<T> taps) {
  const cuwavelet::block::DeviceBlock b;
  cuwavelet::fused_coarse_to_fine_1d<OP, M, T>(b, g, ops, taps);
}
