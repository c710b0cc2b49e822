# The CPU path: the kernel source in cuwavelet/kernels built by the host C++
# compiler as a Python extension (pip install builds it; nothing else to run).
from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup

host_kernels = Pybind11Extension(
    "cuwavelet._host_kernels",
    ["cuwavelet/kernels/dwt_host.cpp"],
    include_dirs=["cuwavelet/kernels"],
    cxx_std=17,
    extra_compile_args=["-O3"],
    depends=["cuwavelet/kernels/dwt_math.cuh", "cuwavelet/kernels/host_parallel.h",
             "cuwavelet/kernels/host_dispatch.h"],
)

# The fused 2D kernels run on the CPU through the thread-block emulator, so CI
# verifies the GPU's shared-memory code (cuwavelet/_fused.py uses it for NumPy).
fused_host = Pybind11Extension(
    "cuwavelet._fused_host",
    ["cuwavelet/kernels/fused_host.cpp"],
    include_dirs=["cuwavelet/kernels"],
    cxx_std=17,
    extra_compile_args=["-O2"],
    depends=["cuwavelet/kernels/dwt_math.cuh", "cuwavelet/kernels/block_runtime.cuh",
             "cuwavelet/kernels/dwt2_fused.cuh", "cuwavelet/kernels/dwt2_two_levels.cuh",
             "cuwavelet/kernels/fused_launch.cuh", "cuwavelet/kernels/emulator_host.h",
             "cuwavelet/kernels/host_dispatch.h"],
)

# The fused multi-level 1D kernels, likewise through the emulator (cuwavelet/_fused1d.py).
fused1d_host = Pybind11Extension(
    "cuwavelet._fused1d_host",
    ["cuwavelet/kernels/dwt1_multilevel_host.cpp"],
    include_dirs=["cuwavelet/kernels"],
    cxx_std=17,
    extra_compile_args=["-O2"],
    depends=["cuwavelet/kernels/dwt_math.cuh", "cuwavelet/kernels/block_runtime.cuh",
             "cuwavelet/kernels/dwt1_multilevel.cuh", "cuwavelet/kernels/dwt1_coarse_to_fine.cuh",
             "cuwavelet/kernels/fused_launch.cuh", "cuwavelet/kernels/emulator_host.h",
             "cuwavelet/kernels/host_dispatch.h"],
)

setup(ext_modules=[host_kernels, fused_host, fused1d_host])
