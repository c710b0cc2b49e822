"""Every CUDA kernel specialization compiles with NVRTC for sm_80 and sm_90.

NVRTC needs no GPU, so this runs in CI and catches device-only compile errors
in the kernel sources. Where NVRTC is missing it skips, unless
CUWAVELET_REQUIRE_NVRTC=1 (set by .ci/run) makes that a failure.
"""
import os

import pytest

from cuwavelet import _launch
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
