# The CPU path: the kernel source in cuwavelet/kernels built by the host C++
# compiler as Python extensions (pip install builds them; nothing else to run).
import os
from glob import glob

from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup

# (module, source in cuwavelet/kernels, optimization): tests/asan/run.sh reads
# this table to build the same extensions with the sanitizers.
HOST_EXTENSIONS = [
    # the per-axis kernels of every transform (NumPy arrays)
    ("cuwavelet._host_kernels", "dwt_host.cpp", "-O3"),
    # the fused 2D kernels through the thread-block emulator, so CI verifies the
    # GPU's shared-memory code (the NumPy path does not use them)
    ("cuwavelet._fused_host", "fused_host.cpp", "-O2"),
    # the fused multi-level 1D kernels, likewise through the emulator
    ("cuwavelet._fused1d_host", "dwt1_multilevel_host.cpp", "-O2"),
    # the stationary (undecimated) transform's kernels
    ("cuwavelet._stationary_host", "swt_host.cpp", "-O3"),
    # the thresholds' elementwise kernel
    ("cuwavelet._threshold_host", "threshold_host.cpp", "-O2"),
    # pywt.pad's extension of an array, and its adjoint
    ("cuwavelet._pad_host", "pad_host.cpp", "-O2"),
    # gradients with respect to the filters (learned filter banks), and the
    # GPU's block reduction through the emulator for the tests
    ("cuwavelet._filter_grad_host", "filter_grad_host.cpp", "-O3"),
]
KERNELS = "cuwavelet/kernels"
HEADERS = sorted(glob(f"{KERNELS}/*.cuh") + glob(f"{KERNELS}/*.h"))  # any change rebuilds

setup(ext_modules=[
    Pybind11Extension(module, [f"{KERNELS}/{source}"], include_dirs=[KERNELS], cxx_std=17,
                      extra_compile_args=[optimization], depends=HEADERS)
    for module, source, optimization in HOST_EXTENSIONS],
    # one compiler per core: each extension is a single translation unit, so
    # this (setuptools' build_ext -j) is what parallelizes `pip install`
    options={"build_ext": {"parallel": min(len(HOST_EXTENSIONS), os.cpu_count() or 1)}})
