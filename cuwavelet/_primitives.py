"""The linear operations every transform is built from, each with its adjoint.

Along one axis of a batched, strided array:

    analysis            signal -> (lo, hi)   one level of dwt
    analysis_adjoint    (lo, hi) -> signal   its exact transpose
    synthesis           (lo, hi) -> signal   one level of idwt
    synthesis_adjoint   signal -> (lo, hi)   its exact transpose

Split operations (signal -> lo, hi) and merge operations (lo, hi -> signal)
are paired by TRANSPOSE; the separable sweeps in cuwavelet/_separable.py run
any of them over several axes, so forward transforms, inverses and both
adjoint namespaces share one code path. Every function writes into outputs it
is given (or allocates them) and launches one kernel.

The bank is a FilterBank, or a FilterPair of arrays: (F,) filters for every
line, or (items, F) filters, one bank per index of the arrays' first
dimension (per-example learned banks, batched in one launch).
"""
from __future__ import annotations

import numpy as np

from . import _wavelets
from ._arrays import array_module, is_cupy, output, real_dtype
from ._geometry import (TooManyDimensions, add_complex_dimension, build_geometry,
                        element_strides, split_launch)
from ._shapes import coeff_len, coeff_len_of_rec, rec_len, with_len

ANALYSIS, ANALYSIS_ADJOINT, SYNTHESIS, SYNTHESIS_ADJOINT = range(4)


def _launch(op, bank, mode, signal, lo, hi, axis, signal_len, n):
    output = lo if op in (ANALYSIS, SYNTHESIS_ADJOINT) else signal
    xp = array_module(signal, lo, hi)
    dtype = np.dtype(output.dtype)
    scalar = real_dtype(dtype)
    strides = {role: element_strides(a, scalar.itemsize)
               for role, a in (("signal", signal), ("lo", lo), ("hi", hi))}
    per_item = _per_item_banks(bank, output, axis)
    if per_item is not None:
        strides["filter"] = [per_item if d == 0 else 0 for d in range(output.ndim)]
    shape = output.shape
    if dtype.kind == "c":
        shape, strides = add_complex_dimension(shape, strides)
    out_role = "lo" if output is lo else "signal"
    try:
        geometry = build_geometry(shape, axis, signal_len, n, out_role, strides)
    except TooManyDimensions:  # one launch per index of the outermost dimension
        d, inner, parts = split_launch(output.shape, strides[out_role], axis)
        for i, at in parts:
            one = bank if per_item is None or d else _wavelets.FilterPair(bank.lo[i], bank.hi[i])
            _launch(op, one, mode, *(None if a is None else a[at] for a in (signal, lo, hi)),
                    inner, signal_len, n)
        return
    if geometry["total"] == 0:
        return
    filters = _wavelets.device_filters(bank, op >= SYNTHESIS, scalar, xp)
    if is_cupy(output):
        from ._backends import cuda as backend
    else:
        from ._backends import host as backend
    backend.launch(op, mode, geometry, signal, lo, hi, filters)


def _per_item_banks(bank, output, axis):
    """For a FilterPair of (items, F) arrays, the stride (in elements) from one
    item's filters to the next, after checking that they fit the arrays: one
    bank per index of their first dimension, which is not the axis; None for
    one bank for every line ((F,) arrays) and for a FilterBank. The kernels
    read a FilterPair's taps as contiguous: that is checked for both."""
    if not isinstance(bank, _wavelets.FilterPair):
        return None
    lo, hi = bank.lo, bank.hi
    if lo.strides[-1] != lo.itemsize or hi.strides[-1] != hi.itemsize:
        raise ValueError("filter arrays must be contiguous along their taps")
    if lo.ndim == 1:
        return None
    if lo.ndim != 2 or lo.shape != hi.shape or lo.strides != hi.strides:
        raise ValueError(f"per-item filters must be two (items, F) arrays of one layout; got "
                         f"shapes {lo.shape} and {hi.shape}")
    if lo.strides[0] % lo.itemsize:
        raise ValueError("per-item filters must lie a whole number of elements apart")
    if axis == 0 or output.ndim < 2 or output.shape[0] != lo.shape[0]:
        raise ValueError(f"{lo.shape[0]} per-item filter banks need data whose first dimension "
                         f"(not the transformed axis) has {lo.shape[0]} items; got shape "
                         f"{output.shape} transformed along axis {axis}")
    return lo.strides[0] // lo.itemsize


def _check_pair(lo, hi, what):
    if lo is None and hi is None:
        raise ValueError(f"At least one of the {what} must be given (both are None).")
    if lo is not None and hi is not None:
        if lo.shape != hi.shape:
            raise ValueError(f"The {what} must have the same shape; got {lo.shape} and {hi.shape}.")
        if lo.dtype != hi.dtype:
            raise ValueError(f"The {what} must have the same dtype; got {lo.dtype} and {hi.dtype}.")
    return lo if lo is not None else hi


# --- split operations: signal -> (lo, hi) ----------------------------------

def analysis(x, bank, mode, axis, lo=None, hi=None):
    """One DWT level along `axis`: (cA, cD)."""
    N = x.shape[axis]
    _wavelets.check_signal_length(mode, N)
    n = coeff_len(N, bank.length, mode)
    xp = array_module(x)
    shape = with_len(x.shape, axis, n)
    lo = output(xp, lo, shape, x.dtype, "cA")
    hi = output(xp, hi, shape, x.dtype, "cD")
    _launch(ANALYSIS, bank, mode, x, lo, hi, axis, N, n)
    return lo, hi


def synthesis_adjoint(gy, bank, mode, axis, lo=None, hi=None):
    """Transpose of `synthesis`: the cotangent of a reconstruction -> cotangents of (cA, cD)."""
    L = gy.shape[axis]
    n = coeff_len_of_rec(L, bank.length, mode)
    if n < 1:
        raise ValueError(f"{L} samples cannot be the output of an inverse DWT with filter "
                         f"length {bank.length}.")
    xp = array_module(gy)
    shape = with_len(gy.shape, axis, n)
    lo = output(xp, lo, shape, gy.dtype, "cA cotangent")
    hi = output(xp, hi, shape, gy.dtype, "cD cotangent")
    _launch(SYNTHESIS_ADJOINT, bank, mode, gy, lo, hi, axis, L, n)
    return lo, hi


# --- merge operations: (lo, hi) -> signal ----------------------------------

def synthesis(lo, hi, bank, mode, axis, out=None):
    """One inverse DWT level along `axis`; lo or hi may be None (zeros)."""
    ref = _check_pair(lo, hi, "approximation and detail coefficients")
    n = ref.shape[axis]
    L = rec_len(n, bank.length, mode)
    # pywt returns an empty result for L == 0 along an axis of an N-d array, but
    # refuses it for 1-D input
    if n < 1 or L < 0 or (L == 0 and ref.ndim == 1):
        raise ValueError(f"Invalid coefficient arrays length {n} for a wavelet with filter length "
                         f"{bank.length} in {_wavelets.MODES[mode]} mode: the reconstruction would "
                         f"have {L} samples.")
    xp = array_module(lo, hi)
    out = output(xp, out, with_len(ref.shape, axis, L), ref.dtype, "output")
    _launch(SYNTHESIS, bank, mode, out, lo, hi, axis, L, n)
    return out


def analysis_adjoint(glo, ghi, bank, mode, axis, signal_len=None, out=None):
    """Transpose of `analysis` for a signal of signal_len samples (taken from
    `out` when given); glo or ghi may be None (a zero cotangent)."""
    ref = _check_pair(glo, ghi, "cotangents of cA and cD")
    if signal_len is None:
        if out is None:
            raise ValueError("analysis_adjoint needs signal_len or out")
        signal_len = out.shape[axis]
    _wavelets.check_signal_length(mode, signal_len)
    n = ref.shape[axis]
    if n != coeff_len(signal_len, bank.length, mode):
        raise ValueError(f"coefficient shape mismatch: {signal_len} samples give "
                         f"{coeff_len(signal_len, bank.length, mode)} coefficients along axis "
                         f"{axis}, not {n}")
    xp = array_module(glo, ghi)
    out = output(xp, out, with_len(ref.shape, axis, signal_len), ref.dtype, "output")
    _launch(ANALYSIS_ADJOINT, bank, mode, out, glo, ghi, axis, signal_len, n)
    return out


# Each operation's exact adjoint, the single table the adjoint namespace and
# the bridges rely on.
TRANSPOSE = {analysis: analysis_adjoint, analysis_adjoint: analysis,
             synthesis: synthesis_adjoint, synthesis_adjoint: synthesis}


# Split operations of other transforms whose subbands keep the input's length
# (the stationary transform's, cuwavelet/_stationary.py) register here.
SAME_LENGTH_SPLITS: set = set()


def split_output_len(split, length: int, bank, mode: int) -> int:
    """Length of lo and hi that `split` makes from `length` samples."""
    if split in SAME_LENGTH_SPLITS:
        return length
    if split is analysis:
        return coeff_len(length, bank.length, mode)
    return coeff_len_of_rec(length, bank.length, mode)
