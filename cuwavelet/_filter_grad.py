"""Gradients of the level operations with respect to their filters.

The four operations of cuwavelet/_primitives.py are linear in their filters as
well as in their data, so a learned filter bank needs, besides the data
adjoints, the gradient of <cotangent, output> with respect to each filter tap.
Two reductions (kernels/filter_grad.cuh) give it for all four:

    analysis_filter_grad(x, ga, gd, ...)     d/d(lo, hi) of <ga, cA> + <gd, cD>,
                                             (cA, cD) = analysis(x; lo, hi)
    synthesis_filter_grad(ca, cd, gy, ...)   d/d(lo, hi) of <gy, synthesis(ca, cd; lo, hi)>

and, exchanging the roles of data and cotangent, the adjoints':
analysis_adjoint(ga, gd; lo, hi) against a cotangent u has the filter
gradient analysis_filter_grad(u, ga, gd), and synthesis_adjoint(gy; lo, hi)
against (ua, ud) has synthesis_filter_grad(ua, ud, gy). A stationary mode
(below zero: cuwavelet._wavelets.stationary_mode) makes them the gradients of
the stationary levels the learned operations run in that mode
(cuwavelet/_learned.py): the SWT's split and the merge with the filters as
the kernel reads them. Each returns an array
of shape (2, F): the low-pass taps, then the high-pass taps, in the data's real
dtype (complex data: the real part of the sum of conj(cotangent) * sample,
the gradient with respect to a real filter), on the data's device.

``items=True`` keeps the leading dimension of every operand apart (torch.vmap
maps over it): the result has shape (B, 2, F), one reduction per index.
``into``, an array of the result's shape and dtype (C-contiguous), gets the
gradient added to what it holds and is returned: a filter that serves
several operations sums their gradients without an addition of its own.

NumPy arrays run on the host build (lines shared out to the thread pool),
CuPy arrays on the GPU (one block reduction per chunk of the batch for all
taps, then the chunks' partial sums added in order: deterministic). Passing
an ``Emulation`` runs the GPU kernels' bodies on NumPy arrays through the
thread-block emulator (for the tests).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from . import _program, _wavelets
from ._arrays import array_module, empty, is_cupy, real_dtype, zeros
from ._backends import cuda
from ._geometry import add_complex_dimension, build_geometry, element_strides
from ._shapes import coeff_len, rec_len

__all__ = ["analysis_filter_grad", "synthesis_filter_grad", "Emulation"]

# FilterGradOp in kernels/filter_grad.cuh
ANALYSIS, SYNTHESIS, STATIONARY_SPLIT, STATIONARY_MERGE = 0, 1, 2, 3
BLOCK = 256
TAPS_PER_PASS = 8  # kFilterGradTaps in kernels/filter_grad.cuh: a block's accumulators per thread
# FilterGradItems of kernels/filter_grad.cuh, passed to the CUDA kernel by value
ITEMS_DTYPE = np.dtype([("items", np.int64), ("stride_signal", np.int64),
                        ("stride_lo", np.int64), ("stride_hi", np.int64),
                        ("step", np.int64)], align=True)


@dataclasses.dataclass(frozen=True)
class Emulation:
    """Run the GPU kernels' bodies on NumPy arrays through the emulator:
    `chunks` per item and `threads` per block (a power of two) as a launch
    would use them; schedule 'reversed' or 'shuffled' (thread order between
    barriers, block_runtime.cuh)."""
    chunks: int = 3
    threads: int = 32
    schedule: str = "shuffled"


_SCHEDULES = {"reversed": 0, "shuffled": 1, "forward": 2}


def analysis_filter_grad(x, ga, gd, filter_len: int, mode, axis: int, *, items: bool = False,
                         into=None, emulation: Emulation | None = None):
    """Gradient with respect to (lo, hi) of <ga, cA> + <gd, cD> where (cA, cD)
    = analysis(x) along `axis` with filters of `filter_len` taps in `mode` (a
    name or cuwavelet's mode number):
    shape (2, F), or (B, 2, F) with items. ga or gd may be None (zero)."""
    mode, filter_len = _mode_number(mode), _check_filter_len(filter_len)
    ref = _present(ga, gd)
    N = x.shape[axis]
    _wavelets.check_signal_length(mode, N)
    n = coeff_len(N, filter_len, mode)
    _check_operands(x, ref, axis, n, "analysis", f"{N} samples give {n} coefficients")
    op = STATIONARY_SPLIT if mode < 0 else ANALYSIS
    return _reduce(op, mode, x, ga, gd, axis, N, filter_len, items, into, emulation)


def synthesis_filter_grad(ca, cd, gy, filter_len: int, mode, axis: int, *, items: bool = False,
                          into=None, emulation: Emulation | None = None):
    """Gradient with respect to (rec_lo, rec_hi) of <gy, synthesis(ca, cd)>
    along `axis` with filters of `filter_len` taps in `mode`: shape (2, F), or
    (B, 2, F) with items. ca or cd may be None (zero)."""
    mode, filter_len = _mode_number(mode), _check_filter_len(filter_len)
    ref = _present(ca, cd)
    n = ref.shape[axis]
    L = rec_len(n, filter_len, mode)
    _check_operands(gy, ref, axis, n, "synthesis", f"{n} coefficients reconstruct {L} samples")
    if gy.shape[axis] != L:
        raise ValueError(f"coefficient shape mismatch: {n} coefficients reconstruct {L} samples "
                         f"along axis {axis}, but the cotangent has {gy.shape[axis]}")
    op = STATIONARY_MERGE if mode < 0 else SYNTHESIS
    return _reduce(op, mode, gy, ca, cd, axis, L, filter_len, items, into, emulation)


def _check_filter_len(F) -> int:
    if int(F) != F or F < 2 or F % 2:
        raise ValueError(f"filter length {F} must be even and >= 2")
    return int(F)


def _mode_number(mode) -> int:
    """A mode name, or already cuwavelet's number (a position in MODES, as the
    primitives take it, not a pywt.Modes value; or a stationary mode)."""
    if isinstance(mode, str):
        return _wavelets.as_mode(mode)
    if not int(mode) < len(_wavelets.MODES):
        raise ValueError(f"mode number {mode} is not one of cuwavelet's {len(_wavelets.MODES)}")
    return int(mode)


def _present(a, b):
    if a is None and b is None:
        raise ValueError("at least one of the coefficient operands must be given (both are None)")
    if a is not None and b is not None and (a.shape != b.shape or a.dtype != b.dtype):
        raise ValueError(f"the coefficient operands must share shape and dtype; got "
                         f"{a.shape} {a.dtype} and {b.shape} {b.dtype}")
    return a if a is not None else b


def _check_operands(long, coeffs, axis, n, what, rule):
    if long.dtype != coeffs.dtype:
        raise ValueError(f"the operands of the {what} filter gradient must share a dtype; got "
                         f"{long.dtype} and {coeffs.dtype}")
    if long.ndim != coeffs.ndim or not -long.ndim <= axis < long.ndim:
        raise ValueError(f"the operands of the {what} filter gradient must have the same number "
                         f"of dimensions and contain axis {axis}; got {long.shape} and "
                         f"{coeffs.shape}")
    axis %= long.ndim
    if coeffs.shape[axis] != n or any(a != b for i, (a, b) in enumerate(zip(long.shape,
                                                                           coeffs.shape))
                                      if i != axis):
        raise ValueError(f"coefficient shape mismatch: {long.shape} and {coeffs.shape} along "
                         f"axis {axis} ({rule})")


def _reduce(op, mode, sig, lo, hi, axis, signal_len, F, items, into, emulation):
    step = _wavelets.dilation(mode)
    if step:  # a stationary level: the kernels' periodic reduction at its dilation
        mode = _wavelets.PERIODIZATION
    xp = array_module(sig, lo, hi)
    scalar = real_dtype(sig.dtype)
    ndim = sig.ndim
    axis %= ndim
    if items:
        if ndim < 2 or axis == 0:
            raise ValueError("items=True needs a leading dimension besides the transformed axis")
        count = sig.shape[0]
        item_strides = [0 if a is None else element_strides(a, scalar.itemsize)[0]
                        for a in (sig, lo, hi)]
        axis -= 1
    else:
        count, item_strides = 1, [0, 0, 0]
    out_shape = ((count,) if items else ()) + (2, F)
    if into is not None:
        _check_into(into, out_shape, scalar, xp)
    coeffs = lo if lo is not None else hi
    if count == 0 or coeffs.size == 0:
        return into if into is not None else zeros(xp, out_shape, scalar)
    if items:  # (item 0's layout; the others lie item_strides on)
        sig, lo, hi = (None if a is None else a[0] for a in (sig, lo, hi))
        coeffs = lo if lo is not None else hi
    strides = {role: element_strides(a, scalar.itemsize)
               for role, a in (("signal", sig), ("lo", lo), ("hi", hi))}
    shape = coeffs.shape
    if np.dtype(sig.dtype).kind == "c":
        shape, strides = add_complex_dimension(shape, strides)
    geometry = build_geometry(shape, axis, signal_len, coeffs.shape[axis], "lo"
                              if lo is not None else "hi", strides)
    out = into if into is not None else empty(xp, out_shape, scalar)
    args = (op, mode, scalar == np.float64, geometry, count, item_strides, step, sig, lo, hi, F,
            out, into is not None)
    if is_cupy(out):
        _launch_cuda(*args)
    elif emulation is not None:
        _launch_emulated(*args, emulation)
    else:  # (through _program.launch: a plan replays it on each call's arrays)
        _program.launch("filter-grad", _host().reduce, op, mode, scalar == np.float64,
                        geometry.tobytes(), count, *item_strides, step, sig, lo, hi, F, out,
                        into is not None)
    return out


def _check_into(into, shape, dtype, xp):
    if tuple(into.shape) != shape or np.dtype(into.dtype) != dtype or array_module(into) is not xp:
        raise ValueError(f"a filter gradient accumulates into a {shape} {dtype} array of the "
                         f"data's library; got {tuple(into.shape)} {into.dtype}")
    c_order = [dtype.itemsize * int(np.prod(shape[i + 1:])) for i in range(len(shape))]
    if any(n > 1 and s != c for n, s, c in zip(shape, into.strides, c_order)):
        raise ValueError("a filter gradient accumulates into a C-contiguous array only")


def _host():
    from . import _filter_grad_host
    return _filter_grad_host


def _ptr(a) -> int:
    return 0 if a is None else a.__array_interface__["data"][0]


def _launch_emulated(op, mode, is_double, geometry, count, item_strides, step, sig, lo, hi, F,
                     out, accumulate, emulation):
    partial = np.empty((count, emulation.chunks, 2, F), dtype=out.dtype)
    _host().reduce_emulated(op, mode, is_double, geometry.tobytes(), count, *item_strides, step,
                            _ptr(sig), _ptr(lo), _ptr(hi), F, _ptr(out), accumulate,
                            emulation.chunks,
                            emulation.threads, _ptr(partial), _SCHEDULES[emulation.schedule])


# --- CUDA ------------------------------------------------------------------------

def kernel_name(op: int, mode: int, dtype) -> str:
    return f"filter_grad_kernel<{op}, {mode}, {cuda.DTYPES[np.dtype(dtype)]}>"


def sum_kernel_name(dtype) -> str:
    return f"filter_grad_sum_kernel<{cuda.DTYPES[np.dtype(dtype)]}>"


def all_kernel_names():
    return ([kernel_name(op, mode, dt) for op in (ANALYSIS, SYNTHESIS)
             for mode in range(len(_wavelets.MODES)) for dt in cuda.DTYPES]
            + [kernel_name(op, _wavelets.PERIODIZATION, dt)
               for op in (STATIONARY_SPLIT, STATIONARY_MERGE) for dt in cuda.DTYPES]
            + [sum_kernel_name(dt) for dt in cuda.DTYPES])


KERNELS = cuda.KernelModule("filter_grad_device.cu", all_kernel_names)


def _chunks(total: int, count: int) -> int:
    """Chunks of the iteration space per item (a block each, every tap): 16
    positions per thread, and no more blocks than a large GPU keeps busy
    several times over."""
    per_chunk = BLOCK * 16
    wanted = max(1, -(-total // per_chunk))
    return max(1, min(wanted, 4096 // max(1, count)))


def _launch_cuda(op, mode, is_double, geometry, count, item_strides, step, sig, lo, hi, F, out,
                 accumulate):
    import cupy
    dtype = out.dtype
    chunks = _chunks(int(geometry["total"]), count)
    partial = empty(cupy, (count, chunks, 2, F), dtype)
    record = np.zeros((), dtype=ITEMS_DTYPE)
    record["items"] = count
    record["stride_signal"], record["stride_lo"], record["stride_hi"] = item_strides
    record["step"] = step
    blocks = count * chunks
    reduce_kernel = KERNELS.function(kernel_name(op, mode, dtype))
    geometry, record = cuda.by_value(geometry), cuda.by_value(record)

    def reduce(sig, lo, hi, partial):  # (addresses: a plan replays it on each call's arrays)
        reduce_kernel((blocks,), (BLOCK,), (geometry, record, np.int64(chunks), np.int32(F),
                                            sig, lo, hi, partial),
                      shared_mem=2 * TAPS_PER_PASS * BLOCK * dtype.itemsize)
    _program.launch("filter-grad", reduce, sig, lo, hi, partial)
    total = out.size
    sum_kernel = KERNELS.function(sum_kernel_name(dtype))

    def sum_partials(partial, out):
        sum_kernel((max(1, min(-(-total // BLOCK), 1024)),), (BLOCK,),
                   (partial, np.int64(chunks), np.int32(F), np.int64(total), out,
                    np.int32(accumulate)))
    _program.launch("filter-grad-sum", sum_partials, partial, out)
