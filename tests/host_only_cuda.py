"""The torch bridge's CUDA route on a machine without a GPU.

``host_only_cuda(emulate)`` makes the bridge treat CPU tensors as if they
lived on CUDA device 0: a call runs in a scope that behaves like
``_CudaScope`` (outputs from ``torch.empty``, CuPy views where the core asks
for them, results found among the tensors it allocated), the core records
and runs its GPU plans (the fused kernels' routes) on them, and CuPy's device
context and attribute queries answer as on one 132-SM GPU. Kernel launches
never reach a driver:

* ``emulate=False``: each launch is counted and does nothing, and so does
  each sum of cotangents a plan makes (torch's own kernel on a GPU) (host-cost
  measurements, benchmarks/bench_torch_host.py);
* ``emulate=True``: each launch of a fused kernel runs on the thread-block
  emulator with the GPU launch's own records (geometry, operand addresses,
  filters), so the values come out and can be checked against pywt
  (tests/test_bridge_torch_cuda_route.py). A launch of any other kernel
  raises.

What it cannot show is what only a GPU does: CuPy's argument packing and
cuLaunchKernel, torch's CUDA allocator and streams.
"""
from __future__ import annotations

import contextlib
import functools

import numpy as np
import torch

from bridges import _torch_ops as ops
from bridges._torch_ops import _cupy_view
from cuwavelet import _launch, _program, _wavelets
from cuwavelet._backends import cuda as cuda_backend

COUNTS = {"launches": 0, "empty": 0, "views": 0}
SM_COUNT = 132


def _fake_view(t: torch.Tensor):
    """A CuPy array over a CPU tensor's memory, as _cupy_view makes one for a CUDA tensor."""
    COUNTS["views"] += 1
    return _cupy_view(t, 0)


class _Memory:
    """What numpy.asarray reads a CuPy array over host memory through."""

    def __init__(self, a):
        self.owner = a  # keeps the memory's tensor alive
        self.__array_interface__ = {"data": (a.data.ptr, False), "shape": a.shape,
                                    "strides": a.strides, "typestr": a.dtype.str, "version": 3}


class HostOnlyCudaScope(ops._CudaScope):
    """_CudaScope on CPU tensors: device 0, CPU torch.empty outputs, CuPy
    views over host memory; no stream or device to enter."""

    def __init__(self):
        self.torch_device, self.device, self.made = torch.device("cpu"), 0, []
        self._stack = contextlib.ExitStack()

    def empty(self, xp, shape, dtype):
        COUNTS["empty"] += 1
        return super().empty(xp, shape, dtype)

    def __enter__(self):
        self._stack.enter_context(ops.allocator(self))
        return self

    @staticmethod
    def new_tensor(a):  # (DLPack would ask the CUDA driver)
        return torch.from_numpy(np.asarray(_Memory(a)))


class _FakeDevice:
    def __init__(self, id=0):
        self.id = id
        self.attributes = {"MultiProcessorCount": SM_COUNT}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@functools.lru_cache(maxsize=None)
def _fused_kernels() -> dict:
    """kernel name expression -> (family, op, mode, is_double), every fused specialization."""
    found = {}
    for family in _launch.FAMILIES.values():
        for op, mode in family.specializations():
            for by_value in (True, False):
                for dtype in _launch.DTYPES:
                    name = family.kernel_name(op, mode, dtype, by_value)
                    found[name] = (family, op, mode, np.dtype(dtype) == np.float64)
    return found


class _Kernel:
    def __init__(self, name: str, emulate: bool):
        self.name, self.emulate = name, emulate

    def __call__(self, grid, block, args, shared_mem=0, stream=None):
        COUNTS["launches"] += 1
        if not self.emulate:
            return
        if self.name not in _fused_kernels():
            raise NotImplementedError(f"host_only_cuda emulates the fused kernels only, not {self.name}")
        family, op, mode, is_double = _fused_kernels()[self.name]
        if block[0] != family.host.block_threads:
            raise AssertionError(f"{self.name}: {block[0]} threads per block, the kernel has "
                                 f"{family.host.block_threads}")
        geometry, operands, filters = (np.asarray(a).tobytes() for a in args)
        emulation = _launch.DEFAULT_EMULATION
        family.host.emulate(family.name, op, mode, is_double, geometry, operands, filters,
                            min(grid[0], emulation.grid), emulation.threads,
                            family.host.schedules[emulation.schedule], emulation.seed, -1)


def _host_device_filters(bank, synthesis, dtype, xp):
    """_wavelets.device_filters for `device 0`: the filters as CuPy arrays
    over host memory (the stationary and packet kernels take their addresses)."""
    if isinstance(bank, _wavelets.FilterPair):
        return bank.lo, bank.hi
    lo, hi = (bank.rec_lo, bank.rec_hi) if synthesis else (bank.dec_lo, bank.dec_hi)
    return tuple(_cupy_view(torch.from_numpy(np.asarray(f, dtype)), 0) for f in (lo, hi))


def _counted_add(target, source):
    """_program.add_into as a launch that is counted and does nothing."""
    COUNTS["launches"] += 1


@contextlib.contextmanager
def host_only_cuda(emulate: bool):
    """The bridge's CUDA route on CPU tensors (see the module docstring)."""
    import cupy
    saved = (ops.scope, ops.to_core, cupy.cuda.Device, cupy.cuda.runtime.getDevice,
             cuda_backend.KernelModule.function, _wavelets.device_filters, _program.add_into,
             dict(cuda_backend._sm_counts))
    ops.scope = lambda t: HostOnlyCudaScope()
    _wavelets.device_filters = _host_device_filters
    if not emulate:  # a plan's sums of cotangents: torch's kernels on a GPU, stubs here
        _program.add_into = _counted_add
    ops.to_core = lambda t: _fake_view(t.detach() if t.requires_grad else t)
    cupy.cuda.Device = _FakeDevice
    cupy.cuda.runtime.getDevice = lambda: 0
    cuda_backend.KernelModule.function = lambda self, name: _Kernel(name, emulate)
    # Plans recorded in here hold these kernels: none may outlive the block
    # (a real GPU's calls would find them in the cache).
    _program.clear_cache()
    try:
        yield COUNTS
    finally:
        _program.clear_cache()
        (ops.scope, ops.to_core, cupy.cuda.Device, cupy.cuda.runtime.getDevice,
         cuda_backend.KernelModule.function, _wavelets.device_filters, _program.add_into,
         sm_counts) = saved
        cuda_backend._sm_counts.clear()
        cuda_backend._sm_counts.update(sm_counts)
