"""Multilevel coefficients packed into one array and back, and subband shapes:
pywt's coeffs_to_array, ravel_coeffs and friends, for NumPy and CuPy arrays alike."""
from __future__ import annotations

import math
import numbers
import operator
import reprlib
import types
from itertools import product
from typing import Sequence

import numpy as np

from ._arrays import accepts_other_libraries, array_module, check_known_shapes, is_cupy, is_dask
from ._docs import Array, Axes, ModeSpec, WaveletSpec, shared_docs
from ._shapes import check_level, coeff_len, length, max_level, normalize_axes
from ._wavelets import as_filter_bank, as_mode, per_axis

__all__ = ["coeffs_to_array", "array_to_coeffs", "ravel_coeffs", "unravel_coeffs",
           "wavedecn_shapes", "wavedecn_size", "dwtn_max_level"]

# How each output format lays out the details of one level (None: wavedecn's dict).
_DETAIL_KEYS = {"wavedec": "d", "wavedec2": ("da", "ad", "dd"), "wavedecn": None,
                "swt": "d", "swt2": ("da", "ad", "dd"), "swtn": None}


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray) or (is_cupy(x) and hasattr(x, "shape")) or is_dask(x)


def _missing(n):
    return ValueError(f"Missing coefficients (None) at level {n} are not supported; "
                      "use arrays of zeros instead.")


def _level_dict(detail, kind: str, n: int, is_array, library: str) -> dict:
    """One level's details, in any of pywt's formats -> wavedecn's {key: array}."""
    if detail is None:
        raise _missing(n)
    if kind == "wavedecn":
        if not isinstance(detail, dict):
            raise ValueError(f"coeffs[{n}] is a {type(detail).__name__}, but coeffs[1] is a dict: "
                             "all levels must be in the same (wavedecn) format.")
        d = detail
    elif kind == "wavedec":
        if not is_array(detail):
            raise ValueError(f"coeffs[{n}] is a {type(detail).__name__}, but coeffs[1] is an array: "
                             "all levels must be in the same (wavedec) format.")
        if detail.ndim != 1:  # as pywt: the list-of-arrays format is for 1D transforms only
            raise ValueError(f"expected a 1D coefficient array at coeffs[{n}]; got {detail.ndim}D "
                             "(use the wavedecn format for nD data)")
        d = {"d": detail}
    else:
        if not isinstance(detail, (tuple, list)) or len(detail) != 3:
            raise ValueError(f"expected a 3-tuple of detail coefficients at coeffs[{n}] "
                             "(wavedec2 format)")
        da, ad, dd = detail
        d = {"ad": ad, "da": da, "dd": dd}  # pywt's order for this conversion
    if not d:
        raise ValueError(f"coeffs[{n}] holds no detail coefficients")
    for key, v in d.items():
        if v is None:
            raise _missing(n)
        if not is_array(v):
            raise ValueError(f"detail {key!r} at level {n} is a {type(v).__name__}, "
                             f"not {library}")
    return d


def coefficient_levels(coeffs, axes, is_array=_is_array,
                       library="a NumPy, CuPy or Dask array"):
    """coeffs in any pywt format -> (wavedecn-format list, normalized axes or None).
    As pywt, axes are not looked at when there are no details. `is_array` and
    `library` say which arrays are accepted (a bridge passes its framework's)."""
    if not isinstance(coeffs, list) or not coeffs:
        raise ValueError("input must be a non-empty list of coefficients from wavedec, "
                         "wavedec2 or wavedecn")
    approx = coeffs[0]
    if approx is None:
        raise _missing(0)
    if not is_array(approx):
        raise ValueError(f"first list element must be {library}; got {type(approx).__name__}")
    if len(coeffs) == 1:
        return [approx], None
    first = coeffs[1]
    if isinstance(first, dict):
        kind = "wavedecn"
    elif is_array(first):
        kind = "wavedec"
    elif isinstance(first, (tuple, list)):
        kind = "wavedec2"
    else:
        raise ValueError(f"invalid coefficient list: coeffs[1] is a {type(first).__name__} "
                         "(expected an array, a 3-tuple of arrays or a dict)")
    levels = [approx] + [_level_dict(d, kind, n, is_array, library)
                         for n, d in enumerate(coeffs[1:], 1)]

    # The key length says how many axes were transformed (pywt reads it from coeffs[1]).
    nt = len(next(iter(levels[1])))
    for n, d in enumerate(levels[1:], 1):
        for key in d:
            if not (isinstance(key, str) and len(key) == nt and set(key) <= {"a", "d"}) \
                    or key == "a" * nt:
                raise ValueError(f"invalid detail key {key!r} at level {n}: expected {nt} letters "
                                 "'a'/'d', not all 'a'")
    ndim = approx.ndim
    if axes is None:
        if nt < ndim:
            raise ValueError("coeffs corresponds to a DWT performed over only a subset of the "
                             "axes. In this case, axes must be specified.")
        axes = range(ndim)
    elif isinstance(axes, numbers.Integral):
        axes = (axes,)
    if len(axes) != nt:
        raise ValueError(f"The length of axes ({len(axes)}) doesn't match the number of "
                         f"dimensions transformed ({nt}).")
    return levels, normalize_axes(axes, ndim)


@accepts_other_libraries
def coeffs_to_array(coeffs: list, padding: float | None = 0,
                    axes: Axes = None) -> tuple[Array, list]:
    """Pack a multilevel coefficient list into one array (``pywt.coeffs_to_array``).

    The approximation sits in the corner, each level's details beside
    everything coarser: the classic wavelet mosaic of an image.

    Parameters
    ----------
    coeffs : list
        Coefficients as `wavedec`, `wavedec2` or `wavedecn` return them.
    padding : float or None, optional
        Value of the gaps where subbands do not tile the array exactly
        (default 0); None raises instead when there are gaps.
    axes : sequence of int, optional
        The axes that were transformed. Default None: every axis (it must be
        given when only some axes were transformed).

    Returns
    -------
    coeff_arr : array
        All coefficients, in the approximation's dtype and on its device.
    coeff_slices : list
        Where each subband lies in `coeff_arr`: a tuple of slices for the
        approximation, then one dict of tuples of slices per level (keys as
        `wavedecn`'s).

    See Also
    --------
    array_to_coeffs : the inverse.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> coeffs = cw.wavedec2(np.arange(64.0).reshape(8, 8), "haar", level=2)
    >>> arr, slices = cw.coeffs_to_array(coeffs)
    >>> arr.shape
    (8, 8)
    >>> slices[1]["dd"]
    (slice(2, 4, None), slice(2, 4, None))
    """
    levels, axes = coefficient_levels(coeffs, axes)
    approx = levels[0]
    if len(levels) == 1:
        return approx, [(slice(None),) * approx.ndim]  # pywt returns the array itself
    if _any_dask(levels):
        return packed(levels, axes, padding, _dask_ops())
    xp = array_module(approx, *(v for d in levels[1:] for v in d.values()))
    shape, slices = packed_layout(levels, axes, tight=padding is None)
    dtype = approx.dtype  # as pywt: every subband is cast to the approximation's dtype
    if padding is None:
        out = xp.empty(shape, dtype=dtype)
    else:
        # NumPy's casting of the fill value (and its errors) on every device.
        out = xp.full(shape, np.full((), padding, dtype=dtype)[()], dtype=dtype)
    out[slices[0]] = approx
    for level, level_slices in zip(levels[1:], slices[1:]):
        for key, d in level.items():
            out[level_slices[key]] = d
    return out, slices


def packed_layout(levels: list, axes: tuple, tight: bool) -> tuple[tuple, list]:
    """Where coeffs_to_array puts each subband of `levels` (coefficient_levels'
    list, with details): (the packed array's shape, pywt's coeff_slices).
    Refuses subbands that would not fit, and gaps where `tight` (padding None)."""
    approx = levels[0]
    ndim = approx.ndim
    # Each level's details go beyond the corner of everything coarser, along the axes
    # where their key says 'd'; the all-'d' subband sets how far the corner moves.
    # A subband must fit its block (its extent is the corner's along an 'a', the
    # all-'d' subband's along a 'd'): pywt would write it over its neighbours.
    corner = [int(n) for n in approx.shape]
    slices = [tuple(slice(s) for s in corner)]
    for n, level in enumerate(levels[1:], 1):
        ref = level.get("d" * len(axes))
        if ref is None:
            raise ValueError(f"level {n} lacks the {'d' * len(axes)!r} coefficients")
        slices.append({})
        for key, d in level.items():
            if d.ndim != ndim:
                raise ValueError(f"detail {key!r} at level {n} is {d.ndim}D; the approximation "
                                 f"is {ndim}D")
            block = list(corner)
            sl = [slice(None)] * ndim
            for letter, ax in zip(key, axes):
                length = int(d.shape[ax])
                if letter == "a":
                    sl[ax] = slice(length)
                else:
                    sl[ax] = slice(corner[ax], corner[ax] + length)
                    block[ax] = int(ref.shape[ax])
            if any(int(m) != b if ax not in axes else int(m) > b
                   for ax, (m, b) in enumerate(zip(d.shape, block))):
                raise ValueError(f"detail {key!r} at level {n} has shape "
                                 f"{tuple(int(m) for m in d.shape)}, which does not fit its "
                                 f"block {tuple(block)} of the packed array")
            slices[-1][key] = tuple(sl)
        for ax in axes:
            corner[ax] += int(ref.shape[ax])
    shape = tuple(corner)
    if tight:
        count = math.prod(approx.shape) + sum(math.prod(d.shape) for level in levels[1:]
                                              for d in level.values())
        if count != math.prod(shape):
            raise ValueError("array coefficients cannot be tightly packed (padding=None); "
                             "give a padding value")
    return shape, slices


@accepts_other_libraries
def ravel_coeffs(coeffs: list, axes: Axes = None) -> tuple[Array, list, list]:
    """Concatenate all coefficients into one 1D array (``pywt.ravel_coeffs``).

    Parameters
    ----------
    coeffs : list
        Coefficients as `wavedec`, `wavedec2` or `wavedecn` return them.
    axes : sequence of int, optional
        The axes that were transformed. Default None: every axis.

    Returns
    -------
    coeff_arr : array
        1D, in the approximation's dtype and on its device; the details of
        each level in the order of their keys.
    coeff_slices : list
        A slice for the approximation, then one dict of slices per level.
    coeff_shapes : list
        The shape of each subband, in the same structure.

    See Also
    --------
    unravel_coeffs : the inverse.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> coeffs = cw.wavedec2(np.ones((8, 8)), "haar", level=2)
    >>> arr, slices, shapes = cw.ravel_coeffs(coeffs)
    >>> arr.shape, slices[0], shapes[2]["da"]
    ((64,), slice(None, 4, None), (4, 4))
    """
    levels, _ = coefficient_levels(coeffs, axes)
    approx = levels[0]
    if _any_dask(levels):
        return raveled(levels, _dask_ops())
    if len(levels) == 1:
        return approx.ravel(), [slice(approx.size)], [approx.shape]
    xp = array_module(approx, *(v for d in levels[1:] for v in d.values()))
    size, slices, shapes = raveled_layout(levels)
    out = xp.empty(size, dtype=approx.dtype)
    out[slices[0]] = approx.ravel()
    for level, level_slices in zip(levels[1:], slices[1:]):
        for key, d in level.items():
            out[level_slices[key]] = d.ravel()
    return out, slices, shapes


def raveled_layout(levels: list) -> tuple[int, list, list]:
    """Where ravel_coeffs puts each subband of `levels` (coefficient_levels'
    list, with details): (the total size, pywt's coeff_slices, coeff_shapes).
    The approximation first, then each level's details in the order of their keys."""
    shape = tuple(int(n) for n in levels[0].shape)
    offset = math.prod(shape)
    slices, shapes = [slice(offset)], [shape]
    for level in levels[1:]:
        slices.append({})
        shapes.append({})
        for key in sorted(level):
            shape = tuple(int(n) for n in level[key].shape)
            size = math.prod(shape)
            slices[-1][key] = slice(offset, offset + size)
            shapes[-1][key] = shape
            offset += size
    return offset, slices, shapes


def packed(levels: list, axes: tuple, padding, ops) -> tuple:
    """coeffs_to_array of `levels` (coefficient_levels' list, with details) by
    padding and concatenation, for arrays written without in-place updates
    (Dask's, a bridge's: torch's vmap, JAX). `ops`: full(shape, value, like)
    in like's dtype, padded(x, widths, value) with widths[i] values after x
    along dimension i, concatenate(arrays, axis), cast(x, like) to like's
    dtype. Returns (the array, pywt's coeff_slices)."""
    approx = levels[0]
    _, slices = packed_layout(levels, axes, tight=padding is None)
    fill = 0 if padding is None else padding
    keys = ["".join(k) for k in product("ad", repeat=len(axes))]
    mosaic = approx
    for level in levels[1:]:
        # a level's mosaic: 2**k blocks, one per key, 'a' along an axis the extent
        # of the coarser mosaic and 'd' that of the all-'d' subband; each subband
        # at the start of its block (pywt's places) and the rest padding
        extents = {"a": [int(n) for n in mosaic.shape],
                   "d": [int(n) for n in level["d" * len(axes)].shape]}
        blocks = {}
        for key in keys:
            shape = [int(n) for n in mosaic.shape]
            for letter, ax in zip(key, axes):
                shape[ax] = extents[letter][ax]
            blocks[key] = mosaic if key == keys[0] else \
                _in_block(level.get(key), shape, fill, approx, ops)
        for i in range(len(axes) - 1, -1, -1):  # joined along the last key letter's axis
            blocks = {k[:i]: ops.concatenate([blocks[k[:i] + "a"], blocks[k[:i] + "d"]], axes[i])
                      for k in blocks if k[i] == "a"}
        mosaic = blocks[""]
    return mosaic, slices


def _in_block(d, shape, fill, approx, ops):
    """Subband d (None: absent) in approx's dtype, padded with `fill` after its
    end to its block's `shape` (it fits: packed_layout's check)."""
    if d is None:
        return ops.full(tuple(shape), fill, approx)
    widths = [n - int(m) for n, m in zip(shape, d.shape)]
    d = ops.cast(d, approx)
    return ops.padded(d, widths, fill) if max(widths) > 0 else d


def raveled(levels: list, ops) -> tuple:
    """ravel_coeffs of `levels` by concatenation (ops as packed's): (the 1D
    array, pywt's coeff_slices, coeff_shapes)."""
    approx = levels[0]
    _, slices, shapes = raveled_layout(levels)
    parts = [approx.reshape(-1)] + [ops.cast(level[key].reshape(-1), approx)
                                    for level in levels[1:] for key in sorted(level)]
    return (parts[0] if len(parts) == 1 else ops.concatenate(parts, 0)), slices, shapes


def _any_dask(levels) -> bool:
    """Whether a subband is a dask array (all of known shape: else refused)."""
    subbands = [levels[0], *(v for level in levels[1:] for v in level.values())]
    check_known_shapes(*subbands)
    return any(is_dask(v) for v in subbands)


def _dask_ops():
    """packed's operations on Dask arrays (lazy: nothing is computed)."""
    import dask.array as da

    def fill_value(value, like):  # NumPy's casting of the fill value (and its errors)
        return np.full((), value, dtype=like.dtype)[()]
    return types.SimpleNamespace(
        full=lambda shape, value, like: da.full(shape, fill_value(value, like), dtype=like.dtype),
        padded=lambda x, widths, value: da.pad(x, [(0, w) for w in widths],
                                               constant_values=fill_value(value, x)),
        concatenate=lambda arrays, axis: da.concatenate(arrays, axis=axis),
        cast=lambda x, like: da.asarray(x).astype(like.dtype))


def _as_input(arr):
    return arr if is_cupy(arr) or is_dask(arr) else np.asarray(arr)


def _check_format(output_format, allowed):
    # Checked up front: pywt only notices a bad format once there is a detail level.
    if output_format not in allowed:
        raise ValueError(f"Unrecognized output format: {output_format!r} "
                         f"(expected one of {', '.join(allowed)})")


def _unpack(coeff_slices, output_format, take) -> list:
    """Rebuild the coefficient list; take(n, key) gives one subband (key None: approx)."""
    keys = _DETAIL_KEYS[output_format]
    coeffs = [take(0, None)]
    for n in range(1, len(coeff_slices)):
        level = coeff_slices[n]
        if not isinstance(level, dict):
            raise ValueError(f"coeff_slices[{n}] must be a dict of slices; "
                             f"got {type(level).__name__}")
        wanted = level.keys() if keys is None else [keys] if isinstance(keys, str) else keys
        absent = [k for k in wanted if k not in level]
        if absent:
            raise ValueError(f"output_format={output_format!r} needs the keys {list(wanted)}, "
                             f"but coeff_slices[{n}] has {list(level)}")
        if keys is None:
            coeffs.append({k: take(n, k) for k in level})
        elif isinstance(keys, str):
            coeffs.append(take(n, keys))
        else:
            coeffs.append(tuple(take(n, k) for k in keys))
    return coeffs


@accepts_other_libraries
def array_to_coeffs(arr: Array, coeff_slices: list, output_format: str = "wavedecn") -> list:
    """Unpack `coeffs_to_array`'s array into a coefficient list (``pywt.array_to_coeffs``).

    Parameters
    ----------
    arr : array
        The packed coefficients.
    coeff_slices : list
        The slices `coeffs_to_array` returned with it.
    output_format : {"wavedecn", "wavedec2", "wavedec"}, optional
        The structure to return. Default ``"wavedecn"``.

    Returns
    -------
    list
        The coefficients in that structure, as views of `arr`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> image = np.random.default_rng(0).standard_normal((16, 16))
    >>> arr, slices = cw.coeffs_to_array(cw.wavedec2(image, "db1", level=3))
    >>> coeffs = cw.array_to_coeffs(arr, slices, output_format="wavedec2")
    >>> np.allclose(cw.waverec2(coeffs, "db1"), image)
    True
    """
    return unpacked(_as_input(arr), coeff_slices, output_format)


def unpacked(arr, coeff_slices: list, output_format: str) -> list:
    """array_to_coeffs for any array that NumPy's basic indexing applies to."""
    _check_format(output_format, ("wavedec", "wavedec2", "wavedecn"))
    if len(coeff_slices) == 0:
        raise ValueError("empty list of coefficient slices")
    return _unpack(coeff_slices, output_format,
                   lambda n, k: arr[coeff_slices[0] if k is None else coeff_slices[n][k]])


@accepts_other_libraries
def unravel_coeffs(arr: Array, coeff_slices: list, coeff_shapes: list,
                   output_format: str = "wavedecn") -> list:
    """Unpack `ravel_coeffs`'s 1D array into a coefficient list (``pywt.unravel_coeffs``).

    Parameters
    ----------
    arr : array
        The raveled coefficients.
    coeff_slices, coeff_shapes : list
        What `ravel_coeffs` returned with it.
    output_format : {"wavedecn", "wavedec2", "wavedec", "swt", "swt2", "swtn"}, optional
        The structure to return. Default ``"wavedecn"``.

    Returns
    -------
    list
        The coefficients in that structure, as views of `arr`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal(100)
    >>> arr, slices, shapes = cw.ravel_coeffs(cw.wavedec(x, "db2", level=2))
    >>> coeffs = cw.unravel_coeffs(arr, slices, shapes, output_format="wavedec")
    >>> np.allclose(cw.waverec(coeffs, "db2"), x)
    True
    """
    return unraveled(_as_input(arr), coeff_slices, coeff_shapes, output_format)


def unraveled(arr, coeff_slices: list, coeff_shapes: list, output_format: str) -> list:
    """unravel_coeffs for any array with NumPy's basic indexing and reshape."""
    _check_format(output_format, tuple(_DETAIL_KEYS))
    if len(coeff_slices) == 0:
        raise ValueError("empty list of coefficient slices")
    if len(coeff_shapes) == 0:
        raise ValueError("empty list of coefficient shapes")
    if len(coeff_shapes) != len(coeff_slices):
        raise ValueError(f"coeff_shapes and coeff_slices have unequal length "
                         f"({len(coeff_shapes)} and {len(coeff_slices)})")

    def take(n, key):
        if key is None:
            return arr[coeff_slices[0]].reshape(coeff_shapes[0])
        if key not in coeff_shapes[n]:
            raise ValueError(f"coeff_shapes[{n}] has no entry {key!r}")
        return arr[coeff_slices[n][key]].reshape(coeff_shapes[n][key])
    return _unpack(coeff_slices, output_format, take)


def _as_shape(shape) -> list:
    if isinstance(shape, numbers.Number) or not hasattr(shape, "__len__"):
        raise TypeError(f"shape must be a sequence of ints; got {shape!r}")
    if getattr(shape, "ndim", 1) != 1:  # (data given for its shape)
        raise TypeError(f"shape must be a sequence of ints; got a {shape.ndim}-d array "
                        f"(the data's .shape is {tuple(shape.shape)})")
    if len(shape) < 1:
        raise ValueError("Expected at least 1D input data.")
    try:  # (integral floats pass, as in pywt; pywt truncates other floats, we refuse them)
        return [length(s, "a shape's entry") for s in shape]
    except TypeError:
        raise TypeError(f"shape must be a sequence of ints; got {reprlib.repr(tuple(shape))}") from None
    except ValueError:
        raise ValueError(f"shape must not have negative entries; got {tuple(shape)}") from None


def _per_axis(value, axes, what):
    # pywt lets a one-element sequence of wavelets or modes stand for every axis.
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return per_axis(value, axes, what)


def _filter_lens(wavelet, axes) -> list:
    return [as_filter_bank(w).length for w in _per_axis(wavelet, axes, "wavelet")]


@shared_docs
def wavedecn_shapes(shape: Sequence[int], wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
                    level: int | None = None, axes: Axes = None) -> list:
    """Shapes of the subbands `wavedecn` would return (``pywt.wavedecn_shapes``),
    without computing them.

    Parameters
    ----------
    shape : sequence of int
        Shape of the data.
    {wavelets}
    {modes}
    {level}
    {axesn}

    Returns
    -------
    list
        ``[cA_n shape, {key: shape}_n, ..., {key: shape}_1]``.

    Examples
    --------
    >>> import cuwavelet as cw
    >>> shapes = cw.wavedecn_shapes((64, 30), "db2", level=2)
    >>> shapes[0], shapes[1]["dd"], shapes[2]["ad"]
    ((18, 9), (18, 9), (33, 16))
    """
    shape = _as_shape(shape)
    axes = normalize_axes(axes, len(shape))
    lens = _filter_lens(wavelet, axes)
    modes = [as_mode(m) for m in _per_axis(mode, axes, "mode")]
    # pywt's quirk, kept: the level limit pairs the shortest axis with the longest filter,
    # even when they belong to different axes.
    level = check_level([min(shape[ax] for ax in axes)], [max(lens)], level, stacklevel=3)
    keys = ["".join(k) for k in product("ad", repeat=len(axes))][1:]
    shapes = []
    for _ in range(level):
        for ax, f, m in zip(axes, lens, modes):
            if shape[ax] < 1:
                raise ValueError("Value of data_len must be greater than zero.")
            shape[ax] = coeff_len(shape[ax], f, m)
        shapes.append({k: tuple(shape) for k in keys})
    shapes.append(tuple(shape))
    return shapes[::-1]


def _count(x, n) -> int:
    if x is None:
        raise ValueError(f"Setting coefficient arrays to None is not supported (level {n}).")
    if hasattr(x, "shape") and not isinstance(x, tuple):  # an array of any library
        return math.prod(int(n) for n in x.shape)
    try:
        return math.prod(operator.index(s) for s in x)
    except TypeError:
        raise TypeError(f"expected an array or a shape tuple at level {n}; got {x!r}") from None


def wavedecn_size(shapes: list) -> int:
    """Total number of coefficients (``pywt.wavedecn_size``).

    Parameters
    ----------
    shapes : list
        `wavedecn_shapes`' output, or a coefficient list (as `wavedec`,
        `wavedec2` or `wavedecn` return it).

    Returns
    -------
    int
        The number of coefficients over all subbands.

    Examples
    --------
    >>> import cuwavelet as cw
    >>> cw.wavedecn_size(cw.wavedecn_shapes((64, 30), "db2", level=2))
    2232
    """
    if len(shapes) == 0:
        raise ValueError("empty list of shapes")
    total = _count(shapes[0], 0)
    for n, detail in enumerate(shapes[1:], 1):
        if isinstance(detail, dict):
            entries = detail.values()
        elif isinstance(detail, (tuple, list)) and not all(
                isinstance(s, numbers.Integral) for s in detail):
            entries = detail  # a wavedec2 triple
        else:
            entries = [detail]  # one array (wavedec) or one shape
        total += sum(_count(v, n) for v in entries)
    return total


def dwtn_max_level(shape: Sequence[int], wavelet: WaveletSpec, axes: Axes = None) -> int:
    """Deepest useful level of an n-dimensional decomposition (``pywt.dwtn_max_level``):
    the smallest `dwt_max_level` over the transformed axes.

    Parameters
    ----------
    shape : sequence of int
        Shape of the data.
    wavelet : str, pywt.Wavelet, filter bank, or a sequence of them
        The wavelet, or one per axis in `axes`.
    axes : sequence of int, optional
        The axes to transform. Default None: every axis.

    Returns
    -------
    int
        The level `wavedecn` uses for ``level=None``.

    Examples
    --------
    >>> import cuwavelet as cw
    >>> cw.dwtn_max_level((64, 30), "db2")
    3
    """
    shape = _as_shape(shape)
    axes = normalize_axes(axes, len(shape))
    return min(max_level(shape[ax], f) for ax, f in zip(axes, _filter_lens(wavelet, axes)))
