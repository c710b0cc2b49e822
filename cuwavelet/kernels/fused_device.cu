// GPU glue of the fused 2D kernels (dwt2_fused.cuh, dwt2_two_levels.cuh,
// dwt2_two_levels_synthesis.cuh): one
// kernel per (operation, mode, filter record, dtype), instantiated by NVRTC
// through name expressions (cuwavelet/_launch.py), each compiled on its first
// use. Records by value (fused_launch.cuh): filters and tile sizes are
// runtime values, so one compiled kernel serves every wavelet and image size.
#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt2_two_levels.cuh"
#include "dwt2_two_levels_synthesis.cuh"
#include "fused_launch.cuh"

// Launch bounds: Dwt2MinBlocks (fused_launch.cuh).

// Filters: by value (TAPS = 1: FilterTaps2D, even lengths up to
// kMaxFusedTaps) or by address (TAPS = 0: FilterAddresses, any length).
template <int TAPS, typename T>
struct Dwt2FiltersOf { typedef cuwavelet::FilterAddresses type; };
template <typename T>
struct Dwt2FiltersOf<1, T> { typedef cuwavelet::FilterTaps2D<T> type; };
template <int TAPS, typename T>
using Dwt2Filters = typename Dwt2FiltersOf<TAPS, T>::type;

template <int OP, int M, int TAPS, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads,
                                  (cuwavelet::Dwt2MinBlocks<OP, M, TAPS, T>::value))
fused_dwt2_kernel(const __grid_constant__ cuwavelet::FusedGeometry g,
                  const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kFusedOperands> o,
                  const __grid_constant__ Dwt2Filters<TAPS, T> f) {
  cuwavelet::fused_level_2d<OP, M, T>(cuwavelet::block::DeviceBlock(), g, o, f);
}

// Two levels of wavedec2 per launch (dwt2_two_levels.cuh).
template <int M, int TAPS, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads,
                                  (cuwavelet::Dwt2MinBlocks<-1, M, TAPS, T>::value))
fused_dwt2_two_levels_kernel(
    const __grid_constant__ cuwavelet::TwoLevelGeometry g,
    const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kTwoLevelOperands> o,
    const __grid_constant__ Dwt2Filters<TAPS, T> f) {
  cuwavelet::fused_two_levels_2d<M, T>(cuwavelet::block::DeviceBlock(), g, o, f);
}

// Two levels of waverec2 per launch (dwt2_two_levels_synthesis.cuh; M: kZero,
// the zero-padded synthesis of every mode but periodization, or
// kPeriodization).
template <int M, int TAPS, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads,
                                  (cuwavelet::Dwt2MinBlocks<-2, M, TAPS, T>::value))
fused_idwt2_two_levels_kernel(
    const __grid_constant__ cuwavelet::TwoLevelGeometry g,
    const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kTwoLevelOperands> o,
    const __grid_constant__ Dwt2Filters<TAPS, T> f) {
  cuwavelet::fused_synthesis_two_levels_2d<M, T>(cuwavelet::block::DeviceBlock(), g, o, f);
}
