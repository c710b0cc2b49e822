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
    depends=["cuwavelet/kernels/dwt_math.cuh", "cuwavelet/kernels/host_parallel.h"],
)

setup(ext_modules=[host_kernels])
