// GPU glue of the fused 2D kernels (dwt2_fused.cuh, dwt2_two_levels.cuh): one
// kernel per (operation, mode, dtype), instantiated by NVRTC through name
// expressions (cuwavelet/_launch.py). Records by value (fused_launch.cuh):
// filters and tile sizes are runtime values, so one compiled kernel serves
// every wavelet and image size.
#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt2_two_levels.cuh"
#include "fused_launch.cuh"

// Resident blocks per SM ptxas must leave registers for (0: no bound). With
// the plain bound ptxas holds these specializations (the analysis in smooth
// mode in float, the adjoint in double but for periodic and reflect mode) to
// 64 registers and spills; 3 blocks (80 registers) lets them fit.
// tests/test_nvrtc.py checks every one.
template <int OP, int M, typename T>
struct Dwt2MinBlocks {
  enum { value = (OP == 0 && M == cuwavelet::kSmooth && sizeof(T) == 4) ||
                         (OP == 2 && sizeof(T) == 8 && M != cuwavelet::kPeriodic &&
                          M != cuwavelet::kReflect)
                     ? 3 : 0 };
};

template <int OP, int M, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads, (Dwt2MinBlocks<OP, M, T>::value))
fused_dwt2_kernel(const __grid_constant__ cuwavelet::FusedGeometry g,
                  const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kFusedOperands> o,
                  const __grid_constant__ cuwavelet::FilterAddresses f) {
  cuwavelet::fused_level_2d<OP, M, T>(cuwavelet::block::DeviceBlock(), g, o, f);
}

// Two levels of wavedec2 per launch (dwt2_two_levels.cuh).
template <int M, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads)
fused_dwt2_two_levels_kernel(
    const __grid_constant__ cuwavelet::TwoLevelGeometry g,
    const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kTwoLevelOperands> o,
    const __grid_constant__ cuwavelet::FilterAddresses f) {
  cuwavelet::fused_two_levels_2d<M, T>(cuwavelet::block::DeviceBlock(), g, o, f);
}
