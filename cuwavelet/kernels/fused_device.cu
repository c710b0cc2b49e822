// GPU glue of the fused 2D kernels (dwt2_fused.cuh, dwt2_two_levels.cuh): one
// kernel per (operation, mode, dtype), instantiated by NVRTC through name
// expressions (cuwavelet/_launch.py). Records by value (fused_launch.cuh):
// filters and tile sizes are runtime values, so one compiled kernel serves
// every wavelet and image size.
#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt2_two_levels.cuh"
#include "fused_launch.cuh"

template <int OP, int M, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads)
fused_dwt2_kernel(const __grid_constant__ cuwavelet::FusedGeometry g,
                  const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kFusedOperands> o,
                  const __grid_constant__ cuwavelet::FilterAddresses f) {
  using namespace cuwavelet;
  const block::DeviceBlock b;
  T* image = o.get<T>(kImage);
  T *aa = o.get<T>(kAA), *ad = o.get<T>(kAD), *da = o.get<T>(kDA), *dd = o.get<T>(kDD);
  const T *lo_y = f.get<T>(0), *hi_y = f.get<T>(1), *lo_x = f.get<T>(2), *hi_x = f.get<T>(3);
  if constexpr (OP == kFusedAnalysis)
    fused_analysis_2d<M, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x, hi_x);
  else if constexpr (OP == kFusedSynthesis)
    fused_synthesis_2d<M, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x, hi_x);
  else
    fused_analysis_adjoint_2d<M, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x, hi_x);
}

// Two levels of wavedec2 per launch (dwt2_two_levels.cuh).
template <int M, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads)
fused_dwt2_two_levels_kernel(
    const __grid_constant__ cuwavelet::TwoLevelGeometry g,
    const __grid_constant__ cuwavelet::OperandAddresses<cuwavelet::kTwoLevelOperands> o,
    const __grid_constant__ cuwavelet::FilterAddresses f) {
  using namespace cuwavelet;
  const block::DeviceBlock b;
  fused_analysis_2d_two_levels<M, T>(
      b, g, o.get<T>(kTLImage), o.get<T>(kTLAD1), o.get<T>(kTLDA1), o.get<T>(kTLDD1),
      o.get<T>(kTLAA2), o.get<T>(kTLAD2), o.get<T>(kTLDA2), o.get<T>(kTLDD2), f.get<T>(0),
      f.get<T>(1), f.get<T>(2), f.get<T>(3));
}
