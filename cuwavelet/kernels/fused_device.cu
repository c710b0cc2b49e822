// GPU glue of the fused 2D kernels (dwt2_fused.cuh): one kernel per
// (operation, mode, dtype), instantiated by NVRTC through name expressions
// (cuwavelet/_fused.py). Filters and tile sizes are runtime values, so one
// compiled kernel serves every wavelet and image size.
#include "block_runtime.cuh"
#include "dwt2_fused.cuh"
#include "dwt2_two_levels.cuh"

template <int OP, int M, typename T>
__global__ void __launch_bounds__(256)
fused_dwt2_kernel(const cuwavelet::FusedGeometry g, T* image, T* aa, T* ad, T* da, T* dd,
                  const T* lo_y, const T* hi_y, const T* lo_x, const T* hi_x) {
  const cuwavelet::block::DeviceBlock b;
  if constexpr (OP == cuwavelet::kFusedAnalysis)
    cuwavelet::fused_analysis_2d<M, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x, hi_x);
  else if constexpr (OP == cuwavelet::kFusedSynthesis)
    cuwavelet::fused_synthesis_2d<M, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x, hi_x);
  else
    cuwavelet::fused_analysis_adjoint_2d<M, T>(b, g, image, aa, ad, da, dd, lo_y, hi_y, lo_x,
                                               hi_x);
}

// Two levels of wavedec2 per launch (dwt2_two_levels.cuh).
template <int M, typename T>
__global__ void __launch_bounds__(256)
fused_dwt2_two_levels_kernel(const cuwavelet::TwoLevelGeometry g, const T* image, T* ad1, T* da1,
                             T* dd1, T* aa2, T* ad2, T* da2, T* dd2, const T* lo_y,
                             const T* hi_y, const T* lo_x, const T* hi_x) {
  const cuwavelet::block::DeviceBlock b;
  cuwavelet::fused_analysis_2d_two_levels<M, T>(b, g, image, ad1, da1, dd1, aa2, ad2, da2, dd2,
                                                lo_y, hi_y, lo_x, hi_x);
}
