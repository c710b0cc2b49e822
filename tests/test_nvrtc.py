"""Every CUDA kernel specialization compiles with NVRTC for sm_80 and sm_90.

NVRTC needs no GPU, so this runs in CI and catches device-only compile errors
in the kernel sources. Where NVRTC is missing it skips, unless
CUWAVELET_REQUIRE_NVRTC=1 (set by .ci/run) makes that a failure.
"""
import os

import pytest

from cuwavelet import _filter_grad, _launch, _stationary
from cuwavelet._backends import cuda

# each kernel source with its number of specializations
KERNEL_MODULES = {
    "per-axis": (cuda.DWT_KERNELS, 4 * 9 * 2),  # operations x modes x dtypes
    # analysis/synthesis/analysis adjoint x modes x dtypes, then two levels x modes x dtypes
    "fused-2d": (_launch.kernel_module("fused_device.cu"), 3 * 9 * 2 + 9 * 2),
    "fused-1d": (_launch.kernel_module("dwt1_multilevel_device.cu"), 9 * 2),  # modes x dtypes
    # synthesis (zero-padded or periodization) + analysis adjoint (every mode), x dtypes
    "fused-1d-coarse-to-fine": (_launch.kernel_module("dwt1_coarse_to_fine_device.cu"),
                                (2 + 9) * 2),
    # stationary transform: split and merge x dtypes
    "stationary": (_stationary.KERNELS, 2 * 2),
    # analysis / synthesis filter gradients x modes x dtypes, then the partial sums x dtypes
    "filter-grad": (_filter_grad.KERNELS, 2 * 9 * 2 + 2),
}


def _nvrtc():
    try:
        from cupy_backends.cuda.libs import nvrtc
        nvrtc.getVersion()
        return nvrtc
    except Exception as exc:
        if os.environ.get("CUWAVELET_REQUIRE_NVRTC") == "1":
            pytest.fail(f"NVRTC is required but unavailable: {exc}")
        pytest.skip(f"NVRTC unavailable: {exc}")


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize("which", sorted(KERNEL_MODULES))
def test_every_specialization_compiles(which, arch):
    nvrtc = _nvrtc()
    module, count = KERNEL_MODULES[which]
    names = module.names()
    assert len(names) == count
    prog = nvrtc.createProgram(module.source(), module.entry, [], [])
    try:
        for name in names:
            nvrtc.addNameExpression(prog, name)
        try:
            nvrtc.compileProgram(prog, [f"-arch={arch}", *cuda.COMPILE_OPTIONS])
        except Exception:
            pytest.fail("NVRTC failed:\n" + nvrtc.getProgramLog(prog))
        lowered = {nvrtc.getLoweredName(prog, n) for n in names}
        assert len(lowered) == len(names)  # each name is its own kernel
        assert nvrtc.getCUBIN(prog)
    finally:
        nvrtc.destroyProgram(prog)


def test_geometry_layout_matches_host_build():
    """The NumPy record the kernels receive has the C++ struct's size."""
    from cuwavelet import _host_kernels
    from cuwavelet._geometry import GEOMETRY_DTYPE, MAX_DIMS
    assert GEOMETRY_DTYPE.itemsize == _host_kernels.geometry_size
    assert MAX_DIMS == _host_kernels.max_dims


def _cupy_include_options():
    """The include directories CuPy's own ElementwiseKernel compiles with
    (cupy/complex.cuh and the CCCL headers it pulls in)."""
    import glob

    import cupy
    include = os.path.join(os.path.dirname(cupy.__file__), "_core", "include")
    return [f"-I{include}"] + [f"-I{d}" for d in sorted(glob.glob(
        os.path.join(include, "cupy", "_cccl", "*")))]


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
def test_threshold_elementwise_body_compiles(arch):
    """The thresholds run as CuPy ElementwiseKernels whose preamble is
    threshold_math.cuh: every (mode, input, work, output) type combination the
    Python layer can ask for compiles with CuPy's complex type."""
    import itertools

    from cuwavelet import _thresholding
    nvrtc = _nvrtc()
    source = ("#include <cupy/complex.cuh>\n" + _thresholding.kernel_source() + """
template <int M, typename X, typename D, typename O>
__global__ void check(const X* x, O* y, D v, O s) {
  y[0] = cuwavelet::threshold_at<M, D, O, X>(x[0], v, v, v, v, s, true);
}
""")
    types = ["float", "double", "complex<float>", "complex<double>"]
    names = [f"check<{m}, {x}, {d}, {o}>" for m, x, d, o in itertools.product(
        range(6), types, ["float", "double"], types)
        if not (x.startswith("complex") and not o.startswith("complex"))]
    prog = nvrtc.createProgram(source, "threshold_check.cu", [], [])
    try:
        for name in names:
            nvrtc.addNameExpression(prog, name)
        try:
            nvrtc.compileProgram(prog, [f"-arch={arch}", *cuda.COMPILE_OPTIONS,
                                        *_cupy_include_options()])
        except Exception:
            pytest.fail("NVRTC failed:\n" + nvrtc.getProgramLog(prog))
        assert len({nvrtc.getLoweredName(prog, n) for n in names}) == len(names)
    finally:
        nvrtc.destroyProgram(prog)
