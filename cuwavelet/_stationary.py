"""The stationary (undecimated, "a trous") wavelet transform: pywt's swt, iswt,
swt2, iswt2, swtn, iswtn and swt_max_level, and the four linear level
operations they are made of.

Along one axis of length N, level l of pywt's SWT is a periodic correlation
with filters dilated by s = 2**(l-1) and shifted by s*F/2; one level of its
inverse averages two shifted periodization idwts, which works out to a
periodic correlation with the halved reconstruction filters shifted by
s*(F/2-1) (kernels/swt_math.cuh has the index arithmetic). So, along an axis:

    swt_split           signal -> (cA, cD)   one swt level
    swt_split_adjoint   (cA, cD) -> signal   its exact transpose
    iswt_merge          (cA, cD) -> signal   one iswt level
    iswt_merge_adjoint  signal -> (cA, cD)   its exact transpose

are split and merge operations in the sense of cuwavelet/_separable.py, with a
`Dilated` record (wavelet, dilation) in the place of the filter bank; they are
registered in _primitives.TRANSPOSE, so the separable sweeps build every level
of swtn, iswtn and both adjoints, and a bridge can wrap them as it wraps the
DWT's operations. Each operation is one kernel launch (both subbands of a split
from the same loads). A level of an n-axis split is 2**n - 1 launches: every
subband is an array of its own (split_sweep's `separate`), which the bridges
hand on as it is; a level of a merge is n launches.
"""
from __future__ import annotations

import functools
import numbers
import operator
from dataclasses import dataclass

import numpy as np
import pywt

from . import _primitives, _program, _wavelets
from ._arrays import (array_module, as_array, as_given, common_dtype, empty, is_cupy, output,
                      real_dtype, zeros)
from ._docs import Array
from ._eager import on_input_device
from ._program import lazy_for_dask, planned
from ._backends import cuda
from ._geometry import (TooManyDimensions, add_complex_dimension, build_geometry,
                        element_strides, split_launch)
from ._separable import merge_sweep, split_sweep
from ._shapes import AxisError, integer, length, normalize_axes, normalize_axis
from ._wavelets import FilterBank, as_filter_bank, per_axis

__all__ = ["swt", "iswt", "swt2", "iswt2", "swtn", "iswtn", "swt_max_level",
           "swt_adjoint", "iswt_adjoint", "swt2_adjoint", "iswt2_adjoint", "swtn_adjoint",
           "iswtn_adjoint"]

SPLIT, MERGE = 0, 1  # StationaryOp in kernels/swt_math.cuh
PERIODIZATION = _wavelets.PERIODIZATION  # the mode slot of the sweeps (the SWT has no other)


@dataclass(frozen=True)
class Dilated:
    """One SWT level along one axis: the (possibly rescaled) filter bank and
    the spacing of its taps, 2**(level-1). The bank may be a FilterPair (a
    learned bank's arrays, cuwavelet/_learned.py): the pair the split or
    merge kernel reads, as it is (for iswt_merge, pywt's reconstruction
    filters halved), which the adjoints read reversed, in place."""
    bank: FilterBank | _wavelets.FilterPair
    step: int

    @property
    def length(self) -> int:
        return self.bank.length


def dilated(bank: FilterBank, level: int) -> Dilated:
    """The level-th (1-based) SWT level of a filter bank."""
    return Dilated(bank, 1 << (level - 1))


@functools.lru_cache(maxsize=256)
def rescaled(bank: FilterBank, factor: float) -> FilterBank:
    """Every filter times factor (pywt's norm=True: 1/sqrt(2) forward, sqrt(2) inverse)."""
    scale = lambda f: tuple(float(c) * factor for c in f)  # noqa: E731
    return FilterBank(scale(bank.dec_lo), scale(bank.dec_hi), scale(bank.rec_lo),
                      scale(bank.rec_hi), bank.name + "r")


# --- the kernels' filters per operation --------------------------------------
# Each is a FilterBank whose decomposition pair the kernel reads (see the top of
# kernels/swt_math.cuh): the adjoints use reversed filters, the inverse halved ones.

@functools.lru_cache(maxsize=512)
def _kernel_bank(bank: FilterBank, which: str) -> FilterBank:
    if which == "swt":
        lo, hi = bank.dec_lo, bank.dec_hi
    elif which == "swt_adjoint":
        lo, hi = bank.dec_lo[::-1], bank.dec_hi[::-1]
    elif which == "iswt":
        lo, hi = tuple(c / 2 for c in bank.rec_lo), tuple(c / 2 for c in bank.rec_hi)
    else:  # iswt_adjoint
        lo, hi = tuple(c / 2 for c in bank.rec_lo[::-1]), tuple(c / 2 for c in bank.rec_hi[::-1])
    return FilterBank(lo, hi, lo, hi, f"{bank.name}:{which}")


def kernel_name(op: int, dtype) -> str:
    return f"swt_kernel<{op}, {cuda.DTYPES[np.dtype(dtype)]}>"


def all_kernel_names():
    return [kernel_name(op, dt) for op in (SPLIT, MERGE) for dt in cuda.DTYPES]


KERNELS = cuda.KernelModule("swt_device.cu", all_kernel_names)


def _launch(op, which, level: Dilated, signal, lo, hi, axis, n):
    out = lo if op == SPLIT else signal
    xp = array_module(signal, lo, hi)
    dtype = np.dtype(out.dtype)
    scalar = real_dtype(dtype)
    strides = {role: element_strides(a, scalar.itemsize)
               for role, a in (("signal", signal), ("lo", lo), ("hi", hi))}
    shape = out.shape
    f_lo, f_hi, tap_stride = _kernel_filters(level.bank, which, out, axis, strides, scalar, xp)
    if dtype.kind == "c":
        shape, strides = add_complex_dimension(shape, strides)
    role = "lo" if op == SPLIT else "signal"
    try:
        geometry = build_geometry(shape, axis, n, n, role, strides)
    except TooManyDimensions:  # one launch per index of the outermost dimension
        d, inner, parts = split_launch(out.shape, strides[role], axis)
        for i, at in parts:
            one = level
            if "filter" in strides and d == 0:  # (per-item banks: item i's)
                one = Dilated(_wavelets.FilterPair(level.bank.lo[i], level.bank.hi[i]),
                              level.step)
            _launch(op, which, one, signal[at], lo[at], hi[at], inner, n)
        return
    if geometry["total"] == 0:
        return
    F, step = np.int32(level.length), np.int64(level.step)
    if is_cupy(out):
        kernel = KERNELS.function(kernel_name(op, scalar))
        grid, block = (cuda._grid(int(geometry["total"])),), (cuda.BLOCK,)
        geometry = cuda.by_value(geometry)

        def run(signal, lo, hi, f_lo, f_hi):  # (filters too: a learned bank's change per call)
            kernel(grid, block, (geometry, step, signal, lo, hi, f_lo, f_hi,
                                 np.int64(tap_stride), F))
        _program.launch("stationary", run, signal, lo, hi, f_lo, f_hi)
    else:
        from . import _stationary_host
        _program.launch("stationary", _stationary_host.apply, op, scalar == np.float64,
                        geometry.tobytes(), int(step), signal, lo, hi, f_lo, f_hi, tap_stride,
                        int(F))


def _kernel_filters(bank, which, out, axis, strides, scalar, xp):
    """(lo, hi, tap stride) the kernel reads for operation `which`: a fixed
    bank's from _kernel_bank (cached on the device); a FilterPair's arrays in
    place, reversed for the adjoints by a tap stride of -1 from their last
    taps, with per-item banks' stride entered in `strides`."""
    if not isinstance(bank, _wavelets.FilterPair):
        return (*_wavelets.device_filters(_kernel_bank(bank, which), False, scalar, xp), 1)
    per_item = _primitives._per_item_banks(bank, out, axis)
    if per_item is not None:
        strides["filter"] = [per_item if d == 0 else 0 for d in range(out.ndim)]
    f_lo, f_hi = _wavelets.device_filters(bank, False, scalar, xp)
    if which.endswith("adjoint"):
        return f_lo[..., ::-1], f_hi[..., ::-1], -1
    return f_lo, f_hi, 1


def _pair(lo, hi, what):
    return _primitives._check_pair(lo, hi, what)


# --- split operations: signal -> (lo, hi) ------------------------------------

def swt_split(x, level: Dilated, mode, axis, lo=None, hi=None):
    """One SWT level along `axis`: (cA, cD), each shaped like x."""
    xp = array_module(x)
    lo = output(xp, lo, x.shape, x.dtype, "cA")
    hi = output(xp, hi, x.shape, x.dtype, "cD")
    _launch(SPLIT, "swt", level, x, lo, hi, axis, x.shape[axis])
    return lo, hi


def iswt_merge_adjoint(gy, level: Dilated, mode, axis, lo=None, hi=None):
    """Transpose of iswt_merge: cotangent of a level's output -> cotangents of (cA, cD)."""
    xp = array_module(gy)
    lo = output(xp, lo, gy.shape, gy.dtype, "cA cotangent")
    hi = output(xp, hi, gy.shape, gy.dtype, "cD cotangent")
    _launch(SPLIT, "iswt_adjoint", level, gy, lo, hi, axis, gy.shape[axis])
    return lo, hi


# --- merge operations: (lo, hi) -> signal ------------------------------------

def iswt_merge(lo, hi, level: Dilated, mode, axis, out=None):
    """One ISWT level along `axis`; lo or hi may be None (zeros)."""
    ref = _pair(lo, hi, "approximation and detail coefficients")
    out = output(array_module(lo, hi), out, ref.shape, ref.dtype, "output")
    _launch(MERGE, "iswt", level, out, lo, hi, axis, ref.shape[axis])
    return out


def swt_split_adjoint(glo, ghi, level: Dilated, mode, axis, out=None):
    """Transpose of swt_split; glo or ghi may be None (a zero cotangent)."""
    ref = _pair(glo, ghi, "cotangents of cA and cD")
    out = output(array_module(glo, ghi), out, ref.shape, ref.dtype, "output")
    _launch(MERGE, "swt_adjoint", level, out, glo, ghi, axis, ref.shape[axis])
    return out


_primitives.TRANSPOSE.update({swt_split: swt_split_adjoint, swt_split_adjoint: swt_split,
                              iswt_merge: iswt_merge_adjoint, iswt_merge_adjoint: iswt_merge})
_primitives.SAME_LENGTH_SPLITS.update({swt_split, iswt_merge_adjoint})


# --- multilevel cores on nD dicts (keys: one letter per axis) -----------------

def approx_key(naxes: int) -> str:
    return "a" * naxes


@planned("x")
def swtn_levels(x, axes, banks, start_level: int, level: int) -> list:
    """[{key: subband} of level start_level+1, ..., of start_level+level] (finest first)."""
    out, a = [], x
    modes = [PERIODIZATION] * len(axes)
    for lev in range(start_level + 1, start_level + level + 1):
        sub = split_sweep(a, axes, [dilated(b, lev) for b in banks], modes, swt_split,
                          separate=True)
        out.append(sub)
        a = sub[approx_key(len(axes))]
    return out


@planned("a", structures=("details",))
def iswtn_levels(a, details: list, axes, banks):
    """Inverse: a = the coarsest approximation, details coarsest first (dicts
    without the approximation key); level j (0 = coarsest) of n has dilation
    2**(n-1-j), as pywt's iswtn assumes."""
    n = len(details)
    modes = [PERIODIZATION] * len(axes)
    key = approx_key(len(axes))
    for j, d in enumerate(details):
        levels = [dilated(b, n - j) for b in banks]
        a = merge_sweep({**d, key: a}, axes, levels, modes, iswt_merge,
                        [a.shape[ax] for ax in axes])
    return a


@planned(structures=("cots",))
def swtn_levels_adjoint(cots: list, axes, banks, start_level: int, data_shape, xp, dtype):
    """Transpose of swtn_levels: cots = [{key: cotangent or missing}, ...] finest first."""
    modes = [PERIODIZATION] * len(axes)
    key = approx_key(len(axes))
    g = None  # cotangent of the approximation entering the current level
    for lev in range(start_level + len(cots), start_level, -1):
        d = {k: v for k, v in cots[lev - start_level - 1].items() if v is not None}
        if g is not None:
            if key in d:  # (g is this function's own array: summed in place)
                g += d[key]
            d[key] = g
        if not d:
            g = None
            continue
        levels = [dilated(b, lev) for b in banks]
        g = merge_sweep(d, axes, levels, modes, swt_split_adjoint, [data_shape[ax] for ax in axes])
    if g is None:
        g = zeros(xp, data_shape, dtype)
    return g


@planned("y")
def iswtn_levels_adjoint(y, n: int, axes, banks) -> list:
    """Transpose of iswtn_levels: cotangent of the output -> [approximation
    cotangent, {detail cotangents} coarsest first]."""
    modes = [PERIODIZATION] * len(axes)
    key = approx_key(len(axes))
    details = []
    g = y
    for j in range(n - 1, -1, -1):
        levels = [dilated(b, n - j) for b in banks]
        sub = split_sweep(g, axes, levels, modes, iswt_merge_adjoint, separate=True)
        g = sub.pop(key)
        details.append(sub)
    return [g] + details[::-1]


# --- argument handling ---------------------------------------------------------

def swt_max_level(input_len) -> int:
    """Deepest SWT level for a signal of `input_len` samples.

    The stationary transform of n levels needs a length that is a multiple of
    ``2**n``; this is how many times `input_len` is divisible by two.

    Parameters
    ----------
    input_len : int
        Signal length along the transformed axis.

    Returns
    -------
    max_level : int
        The deepest possible level (a warning says when it is 0).

    Examples
    --------
    >>> import cuwavelet as cw
    >>> cw.swt_max_level(96)
    5
    """
    input_len = length(input_len, "input_len")
    if input_len < 1:
        raise ValueError("Cannot apply swt to a size 0 signal.")
    deepest = (input_len & -input_len).bit_length() - 1
    if deepest == 0:
        _program.warn("No levels of stationary wavelet decomposition are possible. The signal "
                      "to be transformed must have a size that is a multiple of 2**n for an "
                      "n-level decomposition.", stacklevel=2)
    return deepest


def _trailing_twos(n: int) -> int:
    return (n & -n).bit_length() - 1 if n > 0 else 0


def _check_levels(n: int, start_level: int, level: int) -> None:
    """pywt's checks of an SWT along an axis of n samples."""
    if n % 2:
        raise ValueError("Length of data must be even along the transform axis.")
    if n < 1:
        raise ValueError("Data must have non-zero size along the transform axis.")
    if level < 1:
        raise ValueError("Level value must be greater than zero.")
    deepest = _trailing_twos(n)
    if start_level >= deepest:
        raise ValueError(f"start_level must be less than {deepest}.")
    if start_level + level > deepest:
        raise ValueError(f"Level value too high (max level for current data size and "
                         f"start_level is {deepest - start_level}).")


def swtn_axes(axes, ndim: int) -> list:
    """swtn's axes (all when None) normalized, with pywt's errors for an axis
    out of range, repeated axes and none."""
    axes = list(range(ndim)) if axes is None else list(axes)
    for a in axes:
        if isinstance(a, numbers.Integral) and not -ndim <= a < ndim:
            raise AxisError("Axis greater than data dimensions")
    axes = [normalize_axis(a, ndim) for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError("The axes passed to swtn must be unique.")
    if not axes:
        raise ValueError("At least one axis is needed; got axes=().")
    return axes


def _orthogonal(wavelet) -> bool:
    if isinstance(wavelet, str):
        return pywt.Wavelet(wavelet).orthogonal
    return bool(getattr(wavelet, "orthogonal", False))


def _banks(wavelet, axes, norm, inverse, what="wavelets", warn=True):
    wavelets = per_axis(wavelet, axes, "wavelet")
    banks = [as_filter_bank(w) for w in wavelets]
    if norm:
        if warn and not inverse and not all(_orthogonal(w) for w in wavelets):
            one = len(axes) == 1 and what == "wavelet"
            _program.warn("norm=True, but the wavelet is not orthogonal: \n\tThe conditions for "
                          "energy preservation are not satisfied." if one else
                          "norm=True, but the wavelets used are not orthogonal: \n\tThe conditions "
                          "for energy preservation are not satisfied.", stacklevel=4)
        factor = np.sqrt(2) if inverse else 1 / np.sqrt(2)
        banks = [rescaled(b, float(factor)) for b in banks]
    return banks


def _forward(x, axes, banks, level, start_level, trim_approx, run_levels=swtn_levels, *,
             swt=False, given=None):
    """swtn's list structure, coarsest first (trim_approx: [cA, details...]);
    run_levels is swtn_levels or a bridge's version of it. Level 0, as pywt:
    swt (`swt`) refuses it, swt2 and swtn return nothing, or with trim_approx
    the data as given (`given`, default x)."""
    start_level = integer(start_level, "start_level")
    level = integer(level, "level")
    if level < 1:
        if swt or level < 0:
            raise ValueError("Level value must be greater than zero.")
        return [x if given is None else given] if trim_approx else []
    for ax in axes:
        _check_levels(operator.index(x.shape[ax]), start_level, level)
    levels = run_levels(x, axes, banks, start_level, level)
    key = approx_key(len(axes))
    if trim_approx:
        a = levels[-1][key]
        return [a] + [{k: v for k, v in d.items() if k != key} for d in levels[::-1]]
    return levels[::-1]


# --- public functions ----------------------------------------------------------

@planned("data")
def swt(data, wavelet, level=None, start_level=0, axis=-1, trim_approx=False, norm=False) -> list:
    """Multilevel 1D stationary wavelet transform (pywt.swt).

    Parameters
    ----------
    data : array_like
        Input signal (NumPy or CuPy array; any leading or trailing batch dimensions).
    wavelet : Wavelet object or name string
        Discrete wavelet.
    level : int, optional
        Number of levels; None is ``swt_max_level(data.shape[axis])``.
    start_level : int, optional
        Levels to skip before the first one returned (default 0).
    axis : int, optional
        Axis to transform (default -1). Its length must be a multiple of
        ``2**(start_level + level)``.
    trim_approx : bool, optional
        If True, return ``[cAn, cDn, ..., cD1]`` (wavedec's structure)
        instead of ``[(cAn, cDn), ..., (cA1, cD1)]``.
    norm : bool, optional
        If True, filters are scaled by ``1/sqrt(2)`` so that an orthogonal
        wavelet with ``trim_approx=True`` preserves energy.

    Returns
    -------
    coeffs : list
        Coarsest level first; every array has the shape of `data`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> (cA2, cD2), (cA1, cD1) = cw.swt(np.arange(8.0), "haar", level=2)
    >>> cA1.shape
    (8,)
    >>> np.allclose(cw.iswt([(cA2, cD2), (cA1, cD1)], "haar"), np.arange(8.0))
    True
    """
    x = as_array(data)
    if x.ndim < 1:
        raise AxisError("data must be at least 1-D.")
    axis = normalize_axis(axis, x.ndim)
    banks = _banks(wavelet, [axis], norm, inverse=False, what="wavelet")
    if level is None:
        level = swt_max_level(x.shape[axis])
    coeffs = _forward(x, [axis], banks, level, start_level, trim_approx, swt=True)
    if trim_approx:
        return [coeffs[0]] + [d["d"] for d in coeffs[1:]]
    return [(c["a"], c["d"]) for c in coeffs]


@planned("data")
def swt2(data, wavelet, level, start_level=0, axes=(-2, -1), trim_approx=False, norm=False) -> list:
    """Multilevel 2D stationary wavelet transform (pywt.swt2).

    Parameters
    ----------
    data : array_like
        Input with at least two dimensions (leading ones are a batch).
    wavelet : Wavelet object or name string, or 2-tuple of them
        One wavelet, or one per axis.
    level : int
        Number of levels.
    start_level : int, optional
        Levels to skip (default 0).
    axes : 2-tuple of ints, optional
        Axes to transform (default the last two).
    trim_approx : bool, optional
        If True, ``[cAn, (cHn, cVn, cDn), ..., (cH1, cV1, cD1)]`` (wavedec2's
        structure); otherwise ``[(cAn, (cHn, cVn, cDn)), ..., (cA1, (...))]``.
    norm : bool, optional
        Scale the filters by ``1/sqrt(2)`` (energy preserving for orthogonal
        wavelets with ``trim_approx=True``).

    Returns
    -------
    coeffs : list
        Coarsest level first; every array has the shape of `data`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(64.0).reshape(8, 8)
    >>> coeffs = cw.swt2(x, "db1", level=2)
    >>> cA2, (cH2, cV2, cD2) = coeffs[0]
    >>> np.allclose(cw.iswt2(coeffs, "db1"), x)
    True
    """
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("Expected 2 axes")
    if len(set(axes)) != 2:
        raise ValueError("The axes passed to swt2 must be unique.")
    x = as_array(data)
    if x.ndim < 2:
        raise ValueError("Input array has fewer dimensions than the specified axes")
    axes = normalize_axes(axes, x.ndim, 2)
    if len(set(axes)) != 2:
        raise ValueError("The axes passed to swt2 must be unique.")
    banks = _banks(wavelet, axes, norm, inverse=False)
    coeffs = _forward(x, axes, banks, level, start_level, trim_approx, given=as_given(data))
    if trim_approx:
        return [coeffs[0]] + [(d["da"], d["ad"], d["dd"]) for d in coeffs[1:]]
    return [(c["aa"], (c["da"], c["ad"], c["dd"])) for c in coeffs]


@planned("data")
def swtn(data, wavelet, level, start_level=0, axes=None, trim_approx=False, norm=False) -> list:
    """n-dimensional stationary wavelet transform (pywt.swtn).

    Parameters
    ----------
    data : array_like
        Input data.
    wavelet : Wavelet object or name string, or tuple of them
        One wavelet, or one per axis.
    level : int
        Number of levels.
    start_level : int, optional
        Levels to skip (default 0).
    axes : sequence of ints, optional
        Axes to transform (default all).
    trim_approx : bool, optional
        If True, ``[cAn, {details_n}, ..., {details_1}]`` (wavedecn's
        structure); otherwise a list of dicts, each with the approximation.
    norm : bool, optional
        Scale the filters by ``1/sqrt(2)``.

    Returns
    -------
    coeffs : list
        Coarsest level first: dicts keyed by one letter per axis ('a' or
        'd'), in `axes` order; every array has the shape of `data`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.ones((4, 8, 8))
    >>> sorted(cw.swtn(x, "haar", level=1, axes=(1, 2))[0])
    ['aa', 'ad', 'da', 'dd']
    """
    if isinstance(data, np.ndarray) and data.dtype == object:
        raise TypeError("Input must be a numeric array-like")
    x = as_array(data)
    if x.ndim < 1:
        raise ValueError("Input data must be at least 1D")
    axes = swtn_axes(axes, x.ndim)
    banks = _banks(wavelet, axes, norm, inverse=False)
    return _forward(x, axes, banks, level, start_level, trim_approx, given=as_given(data))


def _inverse_parts(coeffs, naxes_expected=None):
    """(cA, [detail dicts coarsest first], trimmed?) from swtn's structure."""
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) < 1:
        raise ValueError("Expected a non-empty list of coefficients as returned by swtn.")
    trimmed = not isinstance(coeffs[0], dict)
    if trimmed:
        a, details = coeffs[0], [dict(d) for d in coeffs[1:]]
    else:
        if not all(isinstance(c, dict) for c in coeffs):
            raise ValueError("Every level of swtn's coefficients is a dict.")
        keys = {len(k) for c in coeffs for k in c}
        if len(keys) != 1:
            raise ValueError("All coefficient keys must have the same length.")
        key = approx_key(keys.pop())
        if key not in coeffs[0]:
            raise ValueError(f"The coarsest level has no approximation {key!r}.")
        a = coeffs[0][key]
        details = [{k: v for k, v in c.items() if k != key} for c in coeffs]
    return a, details, trimmed


def _inverse(a, details, wavelet, axes, norm):
    """Common part of iswt, iswt2 and iswtn: arrays checked, axes normalized."""
    if a is None:
        raise ValueError("The approximation coefficients are required.")
    if not details:  # no level to undo: a copy of the approximation, as pywt
        return _copy(as_array(a))
    naxes = {len(k) for d in details for k in d}
    if len(naxes) > 1:
        raise ValueError("All detail coefficient keys must have the same length.")
    keyed = {("a",): a}
    for j, d in enumerate(details):
        bad = [k for k in d if not isinstance(k, str) or set(k) - set("ad") or k == "a" * len(k)]
        if bad:
            raise ValueError(f"Invalid detail keys {bad}.")
        keyed.update({(j, k): v for k, v in d.items()})
    arrays = {k: as_array(v, f"coefficients {k!r}") for k, v in keyed.items() if v is not None}
    array_module(*arrays.values())
    dtype = common_dtype(arrays.values())
    arrays = {k: (v if v.dtype == dtype else v.astype(dtype)) for k, v in arrays.items()}
    a = arrays[("a",)]
    ndim = a.ndim
    naxes = naxes.pop() if naxes else None
    if axes is None:
        axes = list(range(ndim))
    axes = list(axes)
    norm_axes = [normalize_axis(ax, ndim) for ax in axes]
    if len(set(norm_axes)) != len(norm_axes):
        raise ValueError("The axes passed to swtn must be unique.")
    if naxes is not None and naxes != len(norm_axes):
        raise ValueError("The number of axes used in iswtn must match the number of dimensions "
                         "transformed in swtn.")
    level_dicts = [{k: arrays[(j, k)] for k in d if (j, k) in arrays} for j, d in enumerate(details)]
    for d in level_dicts:
        if len({v.shape for v in d.values()}) > 1:
            raise RuntimeError("Mismatch in shape of intermediate coefficient arrays")
        for v in d.values():
            if v.shape != a.shape:
                raise ValueError(f"coefficient shape mismatch: details of shape {v.shape} do not "
                                 f"match the approximation's {a.shape}")
    for ax in norm_axes:
        n = a.shape[ax]
        if n % (1 << len(details)):
            raise ValueError(f"{len(details)} levels of the inverse SWT need a length that is a "
                             f"multiple of {1 << len(details)} along axis {ax}; got {n}.")
    banks = _banks(wavelet, norm_axes, norm, inverse=True)
    return iswtn_levels(a, level_dicts, norm_axes, banks)


@planned(structures=("coeffs",))
def iswt(coeffs, wavelet, norm=False, axis=-1) -> Array:
    """Multilevel 1D inverse stationary wavelet transform (pywt.iswt).

    Parameters
    ----------
    coeffs : list
        ``[(cAn, cDn), ..., (cA1, cD1)]`` or, from ``trim_approx=True``,
        ``[cAn, cDn, ..., cD1]``.
    wavelet : Wavelet object or name string
        Discrete wavelet.
    norm : bool, optional
        Must match the forward transform's `norm`.
    axis : int, optional
        Axis that was transformed (default -1).

    Returns
    -------
    rec : array
        The reconstruction (shape of the coefficients).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> coeffs = cw.swt([1, 2, 3, 4, 5, 6, 7, 8], "db2", level=2)
    >>> np.round(cw.iswt(coeffs, "db2"), 10)
    array([1., 2., 3., 4., 5., 6., 7., 8.])
    """
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) < 1:
        raise ValueError("Expected a non-empty list of coefficients as returned by swt.")
    trimmed = not isinstance(coeffs[0], (tuple, list))
    if trimmed:
        a, details = coeffs[0], [{"d": d} for d in coeffs[1:]]
    else:
        for c in coeffs:
            if not isinstance(c, (tuple, list)) or len(c) != 2:
                raise ValueError("Each level of swt's coefficients is a pair (cA, cD).")
        a, details = coeffs[0][0], [{"d": d} for _, d in coeffs]
    return _inverse(a, details, wavelet, [axis], norm)


@planned(structures=("coeffs",))
def iswt2(coeffs, wavelet, norm=False, axes=(-2, -1)) -> Array:
    """Multilevel 2D inverse stationary wavelet transform (pywt.iswt2).

    Parameters
    ----------
    coeffs : list
        swt2's structure, with or without trimmed approximations.
    wavelet : Wavelet object or name string, or 2-tuple of them
        One wavelet, or one per axis.
    norm : bool, optional
        Must match the forward transform's `norm`.
    axes : 2-tuple of ints, optional
        Axes that were transformed (default the last two).

    Returns
    -------
    rec : array
        The reconstruction.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> np.allclose(cw.iswt2(cw.swt2(x, "db1", level=2), "db1"), x)
    True
    """
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) < 1:
        raise ValueError("Expected a non-empty list of coefficients as returned by swt2.")
    trimmed = not isinstance(coeffs[0], (tuple, list))

    def details_of(d):
        if not isinstance(d, (tuple, list)) or len(d) != 3:
            raise ValueError("Detail coefficients must be a 3-tuple (cH, cV, cD).")
        return dict(zip(("da", "ad", "dd"), d))
    if trimmed:
        a, details = coeffs[0], [details_of(d) for d in coeffs[1:]]
    else:
        for c in coeffs:
            if not isinstance(c, (tuple, list)) or len(c) != 2:
                raise ValueError("Each level of swt2's coefficients is (cA, (cH, cV, cD)).")
        a, details = coeffs[0][0], [details_of(d) for _, d in coeffs]
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("Expected 2 axes")
    return _inverse(a, details, wavelet, axes, norm)


@planned(structures=("coeffs",))
def iswtn(coeffs, wavelet, axes=None, norm=False) -> Array:
    """Multilevel nD inverse stationary wavelet transform (pywt.iswtn).

    Parameters
    ----------
    coeffs : list
        swtn's structure: a list of dicts (coarsest first), or, from
        ``trim_approx=True``, ``[cAn, {details_n}, ..., {details_1}]``.
    wavelet : Wavelet object or name string, or tuple of them
        One wavelet, or one per axis.
    axes : sequence of ints, optional
        Axes that were transformed (default all).
    norm : bool, optional
        Must match the forward transform's `norm`.

    Returns
    -------
    rec : array
        The reconstruction.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> np.allclose(cw.iswtn(cw.swtn(x, "db1", level=2), "db1"), x)
    True
    """
    a, details, _ = _inverse_parts(coeffs)
    return _inverse(a, details, wavelet, axes, norm)


# --- adjoints (cuwavelet.adjoint.swt, ... re-export these) ---------------------
# Every coefficient of a stationary transform has the data's shape, so an
# adjoint needs no shape arguments: the forward's level count comes from the
# cotangent list, the inverse's from `level`.

def _cotangent_levels(levels, axes, what):
    """[{key: array or None}] coarsest first -> (same with arrays converted to
    one dtype and module, the common shape, xp, dtype, normalized axes)."""
    keyed = {(j, k): v for j, d in enumerate(levels) for k, v in d.items() if v is not None}
    if not keyed:
        raise ValueError(f"At least one {what} must be given (all are None).")
    arrays = {k: as_array(v, f"cotangent {k[1]!r}") for k, v in keyed.items()}
    xp = array_module(*arrays.values())
    dtype = common_dtype(arrays.values())
    arrays = {k: (v if v.dtype == dtype else v.astype(dtype)) for k, v in arrays.items()}
    shapes = {v.shape for v in arrays.values()}
    if len(shapes) != 1:
        raise ValueError(f"coefficient shape mismatch: every {what} of a stationary transform "
                         f"has the data's shape; got {sorted(shapes)}")
    shape = shapes.pop()
    ndim = len(shape)
    axes = list(range(ndim)) if axes is None else list(axes)
    axes = [normalize_axis(a, ndim) for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError("The axes passed to swtn must be unique.")
    for d in levels:
        bad = [k for k in d if not isinstance(k, str) or len(k) != len(axes) or set(k) - set("ad")]
        if bad:
            raise ValueError(f"Invalid keys {bad} for a transform over {len(axes)} axes.")
    out = [{k: arrays[(j, k)] for k in d if (j, k) in arrays} for j, d in enumerate(levels)]
    return out, shape, xp, dtype, axes


def _adjoint_of_forward(levels, wavelet, start_level, axes, norm):
    levels, shape, xp, dtype, axes = _cotangent_levels(levels, axes, "cotangent")
    start_level = integer(start_level, "start_level")
    for ax in axes:
        _check_levels(shape[ax], start_level, len(levels))
    banks = _banks(wavelet, axes, norm, inverse=False, warn=False)
    return swtn_levels_adjoint(levels[::-1], axes, banks, start_level, shape, xp, dtype)


def _adjoint_of_inverse(y, wavelet, level, axes, norm):
    """[approximation cotangent, {detail cotangents} coarsest first]."""
    g = as_array(y, "y")
    axes = list(range(g.ndim)) if axes is None else list(axes)
    axes = [normalize_axis(a, g.ndim) for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError("The axes passed to swtn must be unique.")
    level = integer(level, "level")
    if level < 0:
        raise ValueError("Level value must be non-negative.")
    for ax in axes:
        if g.shape[ax] % (1 << level) or g.shape[ax] < 1:
            raise ValueError(f"{level} levels of the inverse SWT need a length that is a "
                             f"multiple of {1 << level} along axis {ax}; got {g.shape[ax]}.")
    if level == 0:
        return [_copy(g)]
    banks = _banks(wavelet, axes, norm, inverse=True)
    return iswtn_levels_adjoint(g, level, axes, banks)


def _untrimmed(parts, key):
    """The inverse's adjoint in swtn's untrimmed structure: the approximations
    the inverse ignores (all but the coarsest) get zero cotangents."""
    a, details = parts[0], parts[1:]
    xp = array_module(a)
    return [{key: a if j == 0 else zeros(xp, a.shape, a.dtype), **d}
            for j, d in enumerate(details)]


@lazy_for_dask
@on_input_device
def swt_adjoint(coeffs, wavelet, start_level=0, axis=-1, norm=False) -> Array:
    """Adjoint (transpose) of `cuwavelet.swt`.

    Parameters
    ----------
    coeffs : list
        Cotangents shaped like swt's output: ``[(cAn, cDn), ..., (cA1, cD1)]``
        or, for ``trim_approx=True``, ``[cAn, cDn, ..., cD1]`` (the structure
        and the number of levels are read from it); None means zero.
    wavelet : str, pywt.Wavelet or filter bank
        The forward transform's wavelet.
    start_level : int, optional
        The forward transform's `start_level` (default 0).
    axis : int, optional
        The transformed axis (default -1).
    norm : bool, optional
        The forward transform's `norm`.

    Returns
    -------
    array
        Cotangent of the data (every coefficient has the data's shape).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(16)
    >>> c = cw.swt(x, "db2", level=2, trim_approx=True)
    >>> y = [rng.standard_normal(16) for _ in c]
    >>> g = cw.adjoint.swt(y, "db2")
    >>> bool(np.isclose(sum(np.vdot(a, b) for a, b in zip(c, y)), np.vdot(x, g)))
    True
    """
    if not isinstance(coeffs, (list, tuple)) or not coeffs:
        raise ValueError("Expected a non-empty list of cotangents shaped like swt's output.")
    if isinstance(coeffs[0], (tuple, list)):
        levels = [dict(zip("ad", _pair_of(c, 2, "(cA, cD)"))) for c in coeffs]
    else:
        levels = [{"d": d} for d in coeffs[1:]]
        if not levels:
            raise ValueError("A trimmed swt structure needs at least one level of details.")
        levels[0]["a"] = coeffs[0]
    return _adjoint_of_forward(levels, wavelet, start_level, [axis], norm)


@lazy_for_dask
@on_input_device
def swt2_adjoint(coeffs, wavelet, start_level=0, axes=(-2, -1), norm=False) -> Array:
    """Adjoint (transpose) of `cuwavelet.swt2`.

    Parameters
    ----------
    coeffs : list
        Cotangents shaped like swt2's output (with or without the
        approximations of every level); None means zero.
    wavelet : str, pywt.Wavelet, filter bank, or a pair of them
        The forward transform's wavelet(s).
    start_level : int, optional
        The forward transform's `start_level` (default 0).
    axes : pair of int, optional
        The transformed axes (default ``(-2, -1)``).
    norm : bool, optional
        The forward transform's `norm`.

    Returns
    -------
    array
        Cotangent of the data.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.ones((8, 8))
    >>> c = cw.swt2(x, "haar", level=1)
    >>> cw.adjoint.swt2(c, "haar").shape
    (8, 8)
    """
    if not isinstance(coeffs, (list, tuple)) or not coeffs:
        raise ValueError("Expected a non-empty list of cotangents shaped like swt2's output.")
    if len(tuple(axes)) != 2:
        raise ValueError("Expected 2 axes")

    def details(d):
        return dict(zip(("da", "ad", "dd"), _pair_of(d, 3, "(cH, cV, cD)")))
    if isinstance(coeffs[0], (tuple, list)):
        levels = []
        for c in coeffs:
            a, d = _pair_of(c, 2, "(cA, (cH, cV, cD))")
            levels.append({"aa": a, **details(d)})
    else:
        levels = [details(d) for d in coeffs[1:]]
        if not levels:
            raise ValueError("A trimmed swt2 structure needs at least one level of details.")
        levels[0]["aa"] = coeffs[0]
    return _adjoint_of_forward(levels, wavelet, start_level, axes, norm)


@lazy_for_dask
@on_input_device
def swtn_adjoint(coeffs, wavelet, start_level=0, axes=None, norm=False) -> Array:
    """Adjoint (transpose) of `cuwavelet.swtn`.

    Parameters
    ----------
    coeffs : list
        Cotangents shaped like swtn's output: a list of dicts (coarsest
        first) or ``[cAn, {details_n}, ..., {details_1}]``; None means zero.
    wavelet : str, pywt.Wavelet, filter bank, or a sequence of them
        The forward transform's wavelet(s).
    start_level : int, optional
        The forward transform's `start_level` (default 0).
    axes : sequence of int, optional
        The transformed axes (default all).
    norm : bool, optional
        The forward transform's `norm`.

    Returns
    -------
    array
        Cotangent of the data.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> c = cw.swtn(x, "haar", level=1)
    >>> cw.adjoint.swtn(c, "haar").shape
    (4, 4)
    """
    if not isinstance(coeffs, (list, tuple)) or not coeffs:
        raise ValueError("Expected a non-empty list of cotangents shaped like swtn's output.")
    if isinstance(coeffs[0], dict):
        levels = [dict(c) for c in coeffs]
    else:
        levels = [dict(c) for c in coeffs[1:]]
        if not levels:
            raise ValueError("A trimmed swtn structure needs at least one level of details.")
        naxes = {len(k) for d in levels for k in d}
        if len(naxes) != 1:
            raise ValueError("All detail keys must have the same length.")
        levels[0][approx_key(naxes.pop())] = coeffs[0]
    return _adjoint_of_forward(levels, wavelet, start_level, axes, norm)


@planned("y")
def iswt_adjoint(y, wavelet, level, norm=False, axis=-1, trim_approx=False) -> list:
    """Adjoint (transpose) of `cuwavelet.iswt` for `level` levels.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    wavelet : str, pywt.Wavelet or filter bank
        The inverse transform's wavelet.
    level : int
        Number of levels the inverse undid.
    norm : bool, optional
        The inverse transform's `norm`.
    axis : int, optional
        The transformed axis (default -1).
    trim_approx : bool, optional
        Return ``[cAn, cDn, ..., cD1]`` (True) or ``[(cAn, cDn), ...]``; in
        the latter the approximations iswt ignores get zero cotangents.

    Returns
    -------
    list
        Cotangents of the coefficients, in swt's structure.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> g = cw.adjoint.iswt(np.ones(8), "db2", 2, trim_approx=True)
    >>> [a.shape for a in g]
    [(8,), (8,), (8,)]
    """
    parts = _adjoint_of_inverse(y, wavelet, level, [axis], norm)
    if trim_approx:
        return [parts[0]] + [d["d"] for d in parts[1:]]
    if len(parts) < 2:
        raise ValueError("Level value must be greater than zero.")
    return [(c["a"], c["d"]) for c in _untrimmed(parts, "a")]


@planned("y")
def iswt2_adjoint(y, wavelet, level, norm=False, axes=(-2, -1), trim_approx=False) -> list:
    """Adjoint (transpose) of `cuwavelet.iswt2` for `level` levels.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    wavelet : str, pywt.Wavelet, filter bank, or a pair of them
        The inverse transform's wavelet(s).
    level : int
        Number of levels the inverse undid.
    norm : bool, optional
        The inverse transform's `norm`.
    axes : pair of int, optional
        The transformed axes (default ``(-2, -1)``).
    trim_approx : bool, optional
        swt2's structure with (False) or without (True) every level's
        approximation.

    Returns
    -------
    list
        Cotangents of the coefficients, in swt2's structure.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> g = cw.adjoint.iswt2(np.ones((4, 4)), "haar", 1)
    >>> g[0][0].shape, len(g[0][1])
    ((4, 4), 3)
    """
    if len(tuple(axes)) != 2:
        raise ValueError("Expected 2 axes")
    parts = _adjoint_of_inverse(y, wavelet, level, axes, norm)
    if trim_approx:
        return [parts[0]] + [(d["da"], d["ad"], d["dd"]) for d in parts[1:]]
    if len(parts) < 2:
        raise ValueError("Level value must be greater than zero.")
    return [(c["aa"], (c["da"], c["ad"], c["dd"])) for c in _untrimmed(parts, "aa")]


@planned("y")
def iswtn_adjoint(y, wavelet, level, axes=None, norm=False, trim_approx=False) -> list:
    """Adjoint (transpose) of `cuwavelet.iswtn` for `level` levels.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    wavelet : str, pywt.Wavelet, filter bank, or a sequence of them
        The inverse transform's wavelet(s).
    level : int
        Number of levels the inverse undid.
    axes : sequence of int, optional
        The transformed axes (default all).
    norm : bool, optional
        The inverse transform's `norm`.
    trim_approx : bool, optional
        swtn's structure with (False) or without (True) every level's
        approximation.

    Returns
    -------
    list
        Cotangents of the coefficients, in swtn's structure.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> g = cw.adjoint.iswtn(np.ones((4, 4)), "haar", 1, trim_approx=True)
    >>> sorted(g[1])
    ['ad', 'da', 'dd']
    """
    parts = _adjoint_of_inverse(y, wavelet, level, axes, norm)
    if trim_approx:
        return parts
    if len(parts) < 2:
        raise ValueError("Level value must be greater than zero.")
    ndim = as_array(y, "y").ndim
    naxes = ndim if axes is None else len(list(axes))
    return _untrimmed(parts, approx_key(naxes))


def _copy(a):
    out = empty(array_module(a), a.shape, a.dtype)
    out[...] = a
    return out


def _pair_of(c, n, what):
    if not isinstance(c, (tuple, list)) or len(c) != n:
        raise ValueError(f"Expected {what}; got {type(c).__name__}.")
    return c
