// GPU glue of the pad (pad_math.cuh): one grid-stride kernel per (operation,
// mode, sample type), instantiated by NVRTC through name expressions
// (cuwavelet/_padding.py). OP 0 pads, OP 1 is the adjoint along g.axis.
#include "pad_math.cuh"

template <int OP, int M, typename T>
__global__ void pad_kernel(const cuwavelet::PadGeometry g, const T* in, T* out) {
  using cuwavelet::index_t;
  typedef typename cuwavelet::PadArithmetic<T>::type A;
  const index_t step = (index_t)blockDim.x * gridDim.x;
  for (index_t flat = (index_t)blockIdx.x * blockDim.x + threadIdx.x; flat < g.total;
       flat += step)
    out[flat] = OP == 0 ? cuwavelet::pad_value_at<M, T, A>(g, in, flat)
                        : cuwavelet::pad_adjoint_at<M, T, A>(g, in, flat);
}
