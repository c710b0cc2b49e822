"""CUDA backend: the kernel source compiled by NVRTC through CuPy.

Each (operation, mode, dtype) specialization of the templated dwt_kernel is
compiled once per device on its first use (KernelModule; CuPy also keeps it
in its on-disk cache) and launched on CuPy's current stream, which
the bridges point at the framework's stream.
"""
from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

import numpy as np

from .. import _program
from .._wavelets import MODES

KERNEL_DIR = Path(__file__).resolve().parent.parent / "kernels"
OPS = ("analysis", "analysis_adjoint", "synthesis", "synthesis_adjoint")
DTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
COMPILE_OPTIONS = ("-std=c++17",)
# Preprocessor definitions added to COMPILE_OPTIONS (compile_defines): kernel
# variants a benchmark compares in one process. None are set by default.
_defines: dict = {}
_options = COMPILE_OPTIONS  # COMPILE_OPTIONS plus _defines, kept current (read every launch)
BLOCK = 256


def inline_source(entry: str, line_markers: bool = False) -> str:
    """A kernel file with its local headers inlined, once each, so that CuPy's
    cache key (the source text) changes whenever a header does. line_markers:
    #line directives, so that a compiler's line information names each
    header's own lines (benchmarks/register_peaks.py)."""
    seen = set()

    def inline(name: str) -> str:
        if name in seen:
            return ""
        seen.add(name)
        text = (KERNEL_DIR / name).read_text().replace("#pragma once", "")

        def header(m):
            body = inline(m.group(1))
            if not line_markers or not body:
                return body
            resume = text.count("\n", 0, m.end()) + 2  # the line after the #include
            return f'{body}\n#line {resume} "{name}"'

        first = f'#line 1 "{name}"\n' if line_markers else ""
        return first + re.sub(r'^#include "([^"]+)"$', header, text, flags=re.M)

    return inline(entry)


class KernelModule:
    """The specializations (name expressions) of one kernel source. Each is
    compiled by NVRTC on its first use on a device, alone (a call compiles
    the few kernels it launches, seconds, not every specialization of the
    source, which takes tens of seconds for the fused 2D kernels), once even
    when several threads ask at once; CuPy keeps each in its on-disk cache.
    names() lists every specialization (tests/test_nvrtc.py compiles them
    all)."""

    def __init__(self, entry: str, names):
        self.entry = entry
        self.names = names  # () -> every name expression
        self._functions: dict = {}  # (device, name) -> CuPy RawKernel
        self._lock = threading.Lock()

    def source(self) -> str:
        return inline_source(self.entry)

    def function(self, name: str):
        import cupy
        options = compile_options()
        key = (cupy.cuda.runtime.getDevice(), name, options)
        function = self._functions.get(key)
        if function is None:
            with self._lock:
                function = self._functions.get(key)
                if function is None:
                    if name not in self.names():
                        raise KeyError(f"{self.entry} has no specialization {name}")
                    module = cupy.RawModule(code=self.source(), options=options,
                                            name_expressions=[name])
                    function = self._functions[key] = module.get_function(name)
        return function


def compile_options() -> tuple:
    """NVRTC's options for the kernels compiled now."""
    return _options


def _set_defines(defines: dict) -> None:
    global _options
    _defines.clear()
    _defines.update(defines)
    _options = COMPILE_OPTIONS + tuple(f"-D{k}={v}" for k, v in sorted(_defines.items())) \
        if _defines else COMPILE_OPTIONS


@contextlib.contextmanager
def compile_defines(**defines):
    """Kernels launched inside are compiled (and cached) with these
    preprocessor definitions, e.g. CUWAVELET_STREAMING=1 (kernels/
    block_runtime.cuh): for benchmarks that time two variants in one process.
    Launches go through the fused pipeline's function lookup each time, but
    recorded plans keep the kernels they were recorded with: call these
    benchmarks' level functions, not the planned public transforms."""
    saved = dict(_defines)
    _set_defines({**saved, **defines})
    try:
        yield
    finally:
        _set_defines(saved)


def kernel_name(op: int, mode: int, dtype) -> str:
    return f"dwt_kernel<{op}, {mode}, {DTYPES[np.dtype(dtype)]}>"


def all_kernel_names():
    return [kernel_name(op, mode, dt) for op in range(len(OPS)) for mode in range(len(MODES))
            for dt in DTYPES]


DWT_KERNELS = KernelModule("dwt_device.cu", all_kernel_names)


def kernel_source() -> str:
    return DWT_KERNELS.source()


def _function(op: int, mode: int, dtype):
    return DWT_KERNELS.function(kernel_name(op, mode, dtype))


_sm_counts: dict = {}


def _grid(total: int) -> int:
    import cupy
    device = cupy.cuda.runtime.getDevice()
    sms = _sm_counts.get(device)
    if sms is None:
        sms = _sm_counts[device] = cupy.cuda.Device(device).attributes["MultiProcessorCount"]
    return max(1, min((total + BLOCK - 1) // BLOCK, sms * 16))


def by_value(record):
    """A record (a 0-d structured array) as a kernel argument passed by value:
    a one-element array of its bytes (a copy). CuPy reads every array
    argument's __array_interface__, which for a structured dtype builds its
    field list: several microseconds per record and launch; plain bytes cost
    a fraction of that."""
    return record.reshape(1).view(np.dtype((np.void, record.dtype.itemsize))).copy()


def launch(op, mode, geometry, signal, lo, hi, filters):
    real = np.float32 if signal.dtype in (np.float32, np.complex64) else np.float64
    f_lo, f_hi = filters
    kernel = _function(op, mode, real)
    grid, block, taps = (_grid(int(geometry["total"])),), (BLOCK,), np.int32(f_lo.shape[-1])

    # The record's bytes become the Geometry parameter; addresses arrive as
    # ints (0: an absent subband), the filters' too: a plan of learned filters
    # (arrays given with the call) takes each call's own.
    geometry = by_value(geometry)

    def run(signal, lo, hi, f_lo, f_hi):
        kernel(grid, block, (geometry, signal, lo, hi, f_lo, f_hi, taps))

    _program.launch("per-axis", run, signal, lo, hi, f_lo, f_hi)
