"""CUDA backend: the kernel source compiled by NVRTC through CuPy.

One RawModule holds every (operation, mode, dtype) specialization of the
templated dwt_kernel; it is compiled once per device on first use (CuPy also
keeps it in its on-disk cache) and launched on CuPy's current stream, which
the bridges point at the framework's stream.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from .._wavelets import MODES

KERNEL_DIR = Path(__file__).resolve().parent.parent / "kernels"
OPS = ("analysis", "analysis_adjoint", "synthesis", "synthesis_adjoint")
DTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
COMPILE_OPTIONS = ("-std=c++17",)
BLOCK = 256


def kernel_source() -> str:
    """The device source with the shared header inlined (so that CuPy's cache
    key, the source text, changes whenever the header does)."""
    header = (KERNEL_DIR / "dwt_math.cuh").read_text()
    device = (KERNEL_DIR / "dwt_device.cu").read_text()
    header = header.replace("#pragma once", "")
    return device.replace('#include "dwt_math.cuh"', header)


def kernel_name(op: int, mode: int, dtype) -> str:
    return f"dwt_kernel<{op}, {mode}, {DTYPES[np.dtype(dtype)]}>"


def all_kernel_names():
    return [kernel_name(op, mode, dt) for op in range(len(OPS)) for mode in range(len(MODES))
            for dt in DTYPES]


_modules: dict = {}
_lock = threading.Lock()


def _function(op: int, mode: int, dtype):
    import cupy
    device = cupy.cuda.runtime.getDevice()
    module = _modules.get(device)
    if module is None:
        with _lock:  # compile once even when several threads ask at once
            module = _modules.get(device)
            if module is None:
                module = cupy.RawModule(code=kernel_source(), options=COMPILE_OPTIONS,
                                        name_expressions=all_kernel_names())
                module.compile()
                _modules[device] = module
    return module.get_function(kernel_name(op, mode, dtype))


_sm_counts: dict = {}


def _grid(total: int) -> int:
    import cupy
    device = cupy.cuda.runtime.getDevice()
    sms = _sm_counts.get(device)
    if sms is None:
        sms = _sm_counts[device] = cupy.cuda.Device(device).attributes["MultiProcessorCount"]
    return max(1, min((total + BLOCK - 1) // BLOCK, sms * 16))


def launch(op, mode, geometry, signal, lo, hi, filters):
    real = np.float32 if signal.dtype in (np.float32, np.complex64) else np.float64
    f_lo, f_hi = filters
    kernel = _function(op, mode, real)
    # A size-one NumPy array is passed by value (its bytes become the Geometry
    # parameter); None becomes a null pointer (an absent subband).
    kernel((_grid(int(geometry["total"])),), (BLOCK,),
           (geometry, signal, lo, hi, f_lo, f_hi, np.int32(f_lo.shape[0])))
