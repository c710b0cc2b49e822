"""pywt's discrete wavelet transforms, by name, signature and coefficient structure,
on NumPy arrays (CPU kernels) and CuPy arrays (CUDA kernels)."""
from __future__ import annotations

from . import _multilevel as ml
from ._arrays import array_module, as_array, common_dtype, is_cupy, is_planned
from ._program import planned
from ._primitives import analysis, synthesis
from ._shapes import AxisError, check_level, normalize_axes, normalize_axis
from ._wavelets import as_filter_bank, as_mode, per_axis

__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn"]


# --- argument handling shared with cuwavelet.adjoint ------------------------

def banks_and_modes(wavelet, mode, axes):
    banks = [as_filter_bank(w) for w in per_axis(wavelet, axes, "wavelet")]
    modes = [as_mode(m) for m in per_axis(mode, axes, "mode")]
    return banks, modes


def signal(data, min_ndim=1, name="data"):
    x = as_array(data, name)
    if x.ndim < min_ndim:
        if min_ndim == 1:
            raise AxisError(f"{name} must be at least 1-D; got a {x.ndim}-d array.")
        raise ValueError(f"Expected input data to have at least {min_ndim} dimensions; "
                         f"got {x.ndim}.")
    return x


def coefficient_arrays(values: dict, what="coefficients") -> dict:
    """Arrays (None dropped) converted to one dtype and checked to share a device."""
    arrays = {k: as_array(v, f"{what} {k!r}") for k, v in values.items() if v is not None}
    if not arrays:
        raise ValueError(f"At least one of the {what} must be given (all are None).")
    array_module(*arrays.values())
    dtype = common_dtype(arrays.values())
    return {k: (v if v.dtype == dtype else v.astype(dtype)) for k, v in arrays.items()}


def detail_dict(d, naxes: int, what="detail coefficients") -> dict:
    """Validate a wavedecn/dwtn-style dict of subbands (pywt's checks)."""
    if not isinstance(d, dict):
        raise ValueError(f"Unexpected {what} type: {type(d).__name__}; a dict of arrays as "
                         "returned by wavedecn was expected.")
    bad = [k for k in d if not isinstance(k, str) or not k or set(k) - set("ad")]
    if bad:
        raise ValueError(f"The following invalid keys were found in the {what}: {bad}.")
    if len({len(k) for k in d}) > 1:
        raise ValueError(f"All {what} names must have equal length.")
    if naxes is not None and d and len(next(iter(d))) != naxes:
        raise ValueError(f"The {what} keys have {len(next(iter(d)))} letters but {naxes} axes "
                         "are transformed.")
    return d


def equal_shapes(arrays: dict, what="coefficients"):
    shapes = {k: tuple(v.shape) for k, v in arrays.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"coefficient shape mismatch: the {what} must all have the same shape; "
                         f"got {shapes}.")
    return next(iter(shapes.values()))


# --- single level ------------------------------------------------------------

@planned("data")
def dwt(data, wavelet, mode="symmetric", axis=-1):
    """Single-level DWT along `axis`: (cA, cD)."""
    x = signal(data)
    return analysis(x, as_filter_bank(wavelet), as_mode(mode), normalize_axis(axis, x.ndim))


@planned(structures=("cA", "cD"))
def idwt(cA, cD, wavelet, mode="symmetric", axis=-1):
    """Single-level inverse DWT; cA or cD may be None (zeros)."""
    c = coefficient_arrays({"cA": cA, "cD": cD})
    shape = equal_shapes(c, "approximation and detail coefficients")
    if len(shape) == 0:
        raise AxisError("Coefficient arrays must be at least 1-D.")
    return synthesis(c.get("cA"), c.get("cD"), as_filter_bank(wavelet), as_mode(mode),
                     normalize_axis(axis, len(shape)))


@planned("data")
def dwtn(data, wavelet, mode="symmetric", axes=None):
    """Single-level nD DWT: {key: subband}, one letter ('a'/'d') per axis in axes order."""
    x = signal(data)
    axes = normalize_axes(axes, x.ndim)
    return ml.dwtn(x, axes, *banks_and_modes(wavelet, mode, axes))


@planned(structures=("coeffs",))
def idwtn(coeffs, wavelet, mode="symmetric", axes=None):
    """Single-level nD inverse DWT of a dwtn-style dict (missing or None subbands are zeros)."""
    if not isinstance(coeffs, dict):
        raise TypeError(f"idwtn expects a dict of subbands; got {type(coeffs).__name__}.")
    coeffs = detail_dict({k: v for k, v in coeffs.items() if v is not None}, None, "coefficients")
    c = coefficient_arrays(coeffs)
    shape = equal_shapes(c)
    naxes = len(next(iter(c)))
    axes = normalize_axes(range(naxes) if axes is None else axes, len(shape))
    if len(axes) != naxes:
        raise ValueError(f"The coefficient keys have {naxes} letters but {len(axes)} axes were given.")
    return ml.idwtn(c, axes, *banks_and_modes(wavelet, mode, axes))


@planned("data")
def dwt2(data, wavelet, mode="symmetric", axes=(-2, -1)):
    """Single-level 2D DWT: (cA, (cH, cV, cD))."""
    x = signal(data, 2)
    axes = normalize_axes(axes, x.ndim, 2)
    c = ml.dwtn(x, axes, *banks_and_modes(wavelet, mode, axes))
    return c["aa"], (c["da"], c["ad"], c["dd"])


@planned(structures=("coeffs",))
def idwt2(coeffs, wavelet, mode="symmetric", axes=(-2, -1)):
    """Single-level 2D inverse DWT of (cA, (cH, cV, cD))."""
    cA, (cH, cV, cD) = _split2(coeffs)
    return idwtn({"aa": cA, "da": cH, "ad": cV, "dd": cD}, wavelet, mode,
                 _two_axes(axes))


def _two_axes(axes):
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"Expected 2 axes; got {len(axes)}.")
    return axes


def _split2(coeffs):
    try:
        cA, details = coeffs
        cH, cV, cD = details
    except (TypeError, ValueError):
        raise ValueError("2D coefficients must be (cA, (cH, cV, cD)).") from None
    return cA, (cH, cV, cD)


# --- multilevel --------------------------------------------------------------

@planned("data")
def wavedec(data, wavelet, mode="symmetric", level=None, axis=-1):
    """Multilevel 1D DWT: [cA_n, cD_n, ..., cD_1]."""
    x = signal(data)
    axes = [normalize_axis(axis, x.ndim)]
    banks, modes = banks_and_modes(wavelet, mode, axes)
    level = check_level([x.shape[axes[0]]], [banks[0].length], level)
    if level == 0:
        return [_as_given(data)]
    c = ml.wavedec(x, axes, banks, modes, level)
    return [c[0]] + [d["d"] for d in c[1:]]


@planned(structures=("coeffs",))
def waverec(coeffs, wavelet, mode="symmetric", axis=-1):
    """Multilevel 1D inverse DWT of [cA_n, cD_n, ..., cD_1]."""
    a, details = _coeff_list(coeffs, "wavedec")
    if not details:
        return a
    for d in details:
        if d is not None and not _is_array(d):
            raise ValueError(f"Unexpected detail coefficient type: {type(d).__name__}. Detail "
                             "coefficients must be arrays as returned by wavedec.")
    arrays = coefficient_arrays({i: v for i, v in enumerate([a] + list(details))})
    ndim = next(iter(arrays.values())).ndim
    axes = [normalize_axis(axis, ndim)]
    banks, modes = banks_and_modes(wavelet, mode, axes)
    d_dicts = [{"d": arrays[i + 1]} if (i + 1) in arrays else {} for i in range(len(details))]
    return ml.waverec(arrays.get(0), d_dicts, axes, banks, modes, trim_first=True)


@planned("data")
def wavedec2(data, wavelet, mode="symmetric", level=None, axes=(-2, -1)):
    """Multilevel 2D DWT: [cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]."""
    x = signal(data, 2)
    axes = normalize_axes(axes, x.ndim, 2)
    banks, modes = banks_and_modes(wavelet, mode, axes)
    level = check_level([x.shape[a] for a in axes], [b.length for b in banks], level)
    if level == 0:
        return [_as_given(data)]
    c = ml.wavedec(x, axes, banks, modes, level)
    return [c[0]] + [(d["da"], d["ad"], d["dd"]) for d in c[1:]]


@planned(structures=("coeffs",))
def waverec2(coeffs, wavelet, mode="symmetric", axes=(-2, -1)):
    """Multilevel 2D inverse DWT of wavedec2's structure."""
    a, d_dicts, axes = waverec2_parts(coeffs, axes)
    if not d_dicts:
        return a
    d_dicts = [{k: v for k, v in d.items() if v is not None} for d in d_dicts]
    return _waverec_dicts(a, d_dicts, wavelet, mode, axes, trim_first=True)


def waverec2_parts(coeffs, axes):
    """waverec2's argument checks (shared with the bridges): (cA, one
    {'da', 'ad', 'dd'} dict per level, None entries kept, the two axes)."""
    a, details = _coeff_list(coeffs, "wavedec2")
    axes = _two_axes(axes)
    if len(set(axes)) != 2:
        raise ValueError("The axes passed to waverec2 must be unique.")
    for d in details:
        if not isinstance(d, (list, tuple)) or len(d) != 3:
            raise ValueError(f"Unexpected detail coefficient type: {type(d).__name__}. Detail "
                             "coefficients must be a 3-tuple of arrays as returned by wavedec2.")
    return a, [dict(zip(("da", "ad", "dd"), d)) for d in details], axes


@planned("data")
def wavedecn(data, wavelet, mode="symmetric", level=None, axes=None):
    """Multilevel nD DWT: [cA_n, {key: detail}_n, ..., {key: detail}_1]."""
    x = signal(data)
    axes = normalize_axes(axes, x.ndim)
    banks, modes = banks_and_modes(wavelet, mode, axes)
    level = check_level([x.shape[a] for a in axes], [b.length for b in banks], level)
    if level == 0:
        return [_as_given(data)]
    return ml.wavedec(x, axes, banks, modes, level)


@planned(structures=("coeffs",))
def waverecn(coeffs, wavelet, mode="symmetric", axes=None):
    """Multilevel nD inverse DWT of wavedecn's structure."""
    a, details = _coeff_list(coeffs, "wavedecn")
    if not details:
        return a
    for d in details:
        detail_dict(d, None)
        missing = [k for k, v in d.items() if v is None]
        if missing:
            raise ValueError(f"The following detail coefficients were set to None: {missing}. "
                             "Use zeros_like(coeffs[key]) instead of None in multilevel transforms.")
    if a is None and not any(details):
        raise ValueError("At least one coefficient must contain a valid value.")
    naxes = {len(k) for d in details for k in d}
    if len(naxes) > 1:
        raise ValueError("All detail coefficient names must have equal length.")
    ndims = {v.ndim for d in details for v in d.values()} | ({_ndim(a)} if a is not None else set())
    if len(ndims) != 1:
        raise ValueError("All coefficients must have a matching number of dimensions")
    ndim = ndims.pop()
    if axes is None:
        axes = range(ndim)
    return _waverec_dicts(a, list(details), wavelet, mode, axes, trim_first=False)


def _waverec_dicts(a, d_dicts, wavelet, mode, axes, trim_first):
    keyed = {("a",): a} if a is not None else {}
    for i, d in enumerate(d_dicts):
        keyed.update({(i, k): v for k, v in d.items()})
    arrays = coefficient_arrays(keyed)
    ndim = next(iter(arrays.values())).ndim
    axes = normalize_axes(axes, ndim)
    for i, d in enumerate(d_dicts):
        detail_dict(d, len(axes))
    banks, modes = banks_and_modes(wavelet, mode, axes)
    details = [{k: arrays[(i, k)] for k in d} for i, d in enumerate(d_dicts)]
    for d in details:
        if d:
            equal_shapes(d, "detail coefficients of one level")
    return ml.waverec(arrays.get(("a",)), details, axes, banks, modes, trim_first)


def _coeff_list(coeffs, producer):
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"Expected a sequence of coefficients as returned by {producer}; "
                         f"got {type(coeffs).__name__}.")
    if len(coeffs) < 1:
        raise ValueError("Coefficient list too short (minimum 1 array required).")
    return coeffs[0], list(coeffs[1:])


def _is_array(v) -> bool:
    return hasattr(v, "shape") and hasattr(v, "dtype")


def _ndim(v) -> int:
    return v.ndim if _is_array(v) else as_array(v).ndim


def _as_given(data):
    """Level 0 returns the data itself as an array, as pywt does."""
    if is_cupy(data) or is_planned(data):
        return data
    import numpy as np
    return np.asarray(data)
