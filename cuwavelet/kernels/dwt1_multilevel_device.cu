// GPU glue of the fused multi-level 1D kernel (dwt1_multilevel.cuh): one kernel
// per (mode, dtype), instantiated by NVRTC through name expressions
// (cuwavelet/_fused1d.py). Filters, lengths, levels and tile sizes are runtime
// values, so one compiled kernel serves every wavelet, signal and depth.
// __grid_constant__: the body indexes the records with runtime indices (level
// lengths, strides, taps); this keeps them in the constant bank instead of
// copying them to local memory.
#include "block_runtime.cuh"
#include "fused_launch.cuh"
#include "dwt1_multilevel.cuh"

// Resident blocks per SM that ptxas must leave registers for: the most at
// which no specialization spills on sm_90 (register blocking keeps 4 outputs
// of both filters and two 4-wide windows live). In float, 64 registers
// (4 blocks, what the shared memory of a W5-sized tile allows too) in the
// modes where ptxas fits them (zero mode since its input load goes through
// gather: 60), 80 (3) in periodization mode, where it spills a few bytes at
// 64; doubles take two registers each,
// and antireflect's on-chip extension more. tests/test_nvrtc.py checks it.
template <int M, typename T>
struct WavedecMinBlocks {
  enum {
    tight = M == cuwavelet::kPeriodization,
    value = M == cuwavelet::kAntireflect ? (sizeof(T) == 4 ? 2 : 1)
            : sizeof(T) == 8 ? 2
            : tight ? 3 : 4
  };
};

template <int M, typename T>
__global__ void __launch_bounds__(cuwavelet::kFusedBlockThreads, (WavedecMinBlocks<M, T>::value))
fused_wavedec1d_kernel(const __grid_constant__ cuwavelet::MultilevelGeometry g,
                       const __grid_constant__ cuwavelet::MultilevelOperands ops,
                       const __grid_constant__ cuwavelet::FilterTaps<T> taps) {
  const cuwavelet::block::DeviceBlock b;
  cuwavelet::fused_wavedec_1d<M, T>(b, g, ops, taps);
}
