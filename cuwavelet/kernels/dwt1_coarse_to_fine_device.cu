// GPU glue of the fused coarse-to-fine 1D kernels (dwt1_coarse_to_fine.cuh):
// one kernel per (operation, mode, dtype), instantiated by NVRTC through name
// expressions (cuwavelet/_fused1d_coarse_to_fine.py). The records are
// __grid_constant__: the body indexes them with runtime indices (levels,
// strides), which keeps them in the constant bank instead of local memory.
#include "block_runtime.cuh"
#include "fused_launch.cuh"
#include "dwt1_coarse_to_fine.cuh"

// Resident blocks per SM ptxas must leave registers for (0: no bound). The
// windows of a W5-sized tile (~34 KB) let 6 blocks share an SM; at 6 (40
// registers) every specialization spills, so the bound is 5 (48) where ptxas
// then spills nothing, and 4 (64) or none elsewhere (the synthesis and the
// zero-mode adjoint take 44-48 registers unbounded; doubles in reflect mode,
// which spilled 4 bytes at 48, take 4). tests/test_nvrtc.py checks
// every one for spills.
template <int OP, int M, typename T>
struct CoarseToFineMinBlocks {
  enum {
    adjoint = OP == cuwavelet::kCoarseToFineAnalysisAdjoint,
    single = sizeof(T) == 4,
    value = !adjoint ? 0
            : (M == cuwavelet::kConstant || M == cuwavelet::kSymmetric ||
               (single && M == cuwavelet::kReflect) || M == cuwavelet::kAntisymmetric ||
               (single && (M == cuwavelet::kPeriodic || M == cuwavelet::kSmooth))) ? 5
            : (single && (M == cuwavelet::kPeriodization || M == cuwavelet::kAntireflect)) ||
                  M == cuwavelet::kReflect ? 4
            : 0
  };
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
