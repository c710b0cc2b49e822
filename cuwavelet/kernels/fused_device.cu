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

// Resident blocks per SM that ptxas must leave registers for (OP -1: the
// two-level kernel): the most at which no specialization spills on sm_90
// (tests/test_nvrtc.py checks every one). The bound steers ptxas: a looser
// one buys more registers than the kernel needs (the float synthesis takes
// 59 at a bound of 4 blocks, 34-40 at 6). In float:
//   6 (40 registers)  the syntheses (5 in periodization mode, whose wrap-around
//                     gather takes more);
//   5 (48)            the zero and constant mode analyses, the zero mode adjoint;
//   4 (64)            the other analyses, the near-edge adjoints with filters
//                     by value but in reflect mode, the two-level kernel by
//                     value but in smooth, antireflect and periodization mode,
//                     whose extensions take more;
//   2 (128)           the adjoint's periodization folds and its constant and
//                     antireflect-mode folds with filters by address (ptxas
//                     spills 8-80 bytes at 80 registers there), the two-level
//                     antireflect extension;
//   3 (80)            the rest (the other adjoints with filters by address,
//                     the backward of learned filters, included).
// Doubles take two registers each (2 blocks; the two-level kernel's smooth and
// antireflect extensions and the antireflect adjoints, all they may have: 1;
// the adjoint by value spilled 12 bytes at 2 once its tile loop could run part
// of the grid).
template <int OP, int M, int TAPS, typename T>
struct Dwt2MinBlocks {
  enum {
    light_modes = M == cuwavelet::kZero || M == cuwavelet::kConstant,
    heavy = (OP == 2 && (M == cuwavelet::kPeriodization ||
                         (TAPS == 0 && (M == cuwavelet::kConstant || M == cuwavelet::kAntireflect)))) ||
            (OP == -1 && M == cuwavelet::kAntireflect),
    edge_heavy = M == cuwavelet::kSmooth || M == cuwavelet::kAntireflect,
    wrapping_two_levels = OP == -1 && M == cuwavelet::kPeriodization,
    light_adjoint = OP == 2 && (M == cuwavelet::kZero ||
                                (TAPS == 1 && M != cuwavelet::kPeriodic && M != cuwavelet::kReflect)),
    value = OP == 1 && sizeof(T) == 4 ? (M == cuwavelet::kPeriodization ? 5 : 6)
            : OP == 0 && sizeof(T) == 4 && light_modes ? 5
            : OP == 2 && sizeof(T) == 4 && M == cuwavelet::kZero ? 5
            : sizeof(T) == 8 && ((OP == -1 && edge_heavy) ||
                                 (OP == 2 && M == cuwavelet::kAntireflect)) ? 1
            : sizeof(T) == 8 || heavy ? 2
            : (OP == 0 || light_adjoint || (OP == -1 && TAPS == 1)) && !edge_heavy &&
                  !wrapping_two_levels
                ? 4 : 3
  };
};

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
                                  (Dwt2MinBlocks<OP, M, TAPS, T>::value))
fused_dwt2_kernel(const __grid_constant__ cuwavelet::FusedGeometry g,
                  const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kFusedOperands> o,
                  const __grid_constant__ Dwt2Filters<TAPS, T> f) {
  cuwavelet::fused_level_2d<OP, M, T>(cuwavelet::block::DeviceBlock(), g, o, f);
}

// Two levels of wavedec2 per launch (dwt2_two_levels.cuh).
template <int M, int TAPS, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads,
                                  (Dwt2MinBlocks<-1, M, TAPS, T>::value))
fused_dwt2_two_levels_kernel(
    const __grid_constant__ cuwavelet::TwoLevelGeometry g,
    const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kTwoLevelOperands> o,
    const __grid_constant__ Dwt2Filters<TAPS, T> f) {
  cuwavelet::fused_two_levels_2d<M, T>(cuwavelet::block::DeviceBlock(), g, o, f);
}

// Two levels of waverec2 per launch (dwt2_two_levels_synthesis.cuh; M: kZero,
// the zero-padded synthesis of every mode but periodization, or
// kPeriodization). Float: 5 blocks per SM (48 registers) by value in zero
// mode, 4 (64) by address and in periodization, which spill at 48; doubles 2.
template <int M, int TAPS, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads,
                                  (sizeof(T) == 4 ? (TAPS == 1 && M == cuwavelet::kZero ? 5 : 4)
                                                  : 2))
fused_idwt2_two_levels_kernel(
    const __grid_constant__ cuwavelet::TwoLevelGeometry g,
    const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kTwoLevelOperands> o,
    const __grid_constant__ Dwt2Filters<TAPS, T> f) {
  cuwavelet::fused_synthesis_two_levels_2d<M, T>(cuwavelet::block::DeviceBlock(), g, o, f);
}
