"""pywt's partial transforms, downcoef and upcoef, and their adjoints.

downcoef: `level` analysis steps keeping the approximation, the last one
keeping the requested subband. upcoef: `level` full (not "valid")
upsampling convolutions, the first with the requested synthesis filter, the
rest with the low-pass one; a full convolution is the idwt of the
coefficients zero-padded by F/2 - 1 on each side (idwt keeps the F - 2 central
samples of it), so both are sequences of the DWT's own operations and their
adjoints the reversed sequences of the transposed operations.

pywt takes 1D data only; with `axis` given, these transform every line along
that axis of an N-d array.
"""
from __future__ import annotations

import numbers

from ._arrays import array_module, as_array, check_known_shapes, is_dask, zeros
from ._docs import Array
from ._eager import on_input_device
from ._primitives import analysis, analysis_adjoint, synthesis, synthesis_adjoint
from ._shapes import coeff_len, normalize_axis, with_len
from ._wavelets import as_filter_bank, as_mode
from .transforms import dwt, idwt

__all__ = ["downcoef", "upcoef", "downcoef_adjoint", "upcoef_adjoint", "downcoef_steps",
           "upcoef_steps", "line_axis"]

ZERO = 0  # the mode of idwt's full convolution (zero padding extends nothing)


def _part(part):
    if part not in ("a", "d"):
        raise ValueError(f"Argument 1 must be 'a' or 'd', not '{part}'.")
    return part == "a"


def _level(level):
    if isinstance(level, bool) or not isinstance(level, numbers.Integral):
        raise TypeError(f"level must be an integer; got {level!r}")
    if level < 1:
        raise ValueError("Value of level must be greater than 0.")
    return int(level)


def line_axis(ndim, axis, fn):
    """The axis `fn` transforms: pywt's 1D-only rule when axis is None."""
    if axis is None:
        if ndim > 1:
            raise ValueError(f"{fn} only supports 1d data; pass axis= to transform the lines "
                             "of an N-d array.")
        if ndim == 0:
            raise ValueError(f"{fn} needs 1d data; got a scalar.")
        return 0
    return normalize_axis(axis, ndim)


def _take(n_rec, take):
    """pywt's central crop: (left, right) samples to drop, or None."""
    if isinstance(take, bool) or not isinstance(take, numbers.Integral):
        raise TypeError(f"take must be an integer; got {take!r}")
    if take < 0:  # (pywt: an OverflowError converting it to a size)
        raise ValueError(f"take must be >= 0 (0: no crop); got {take}")
    if 0 < take < n_rec:
        left = right = (n_rec - take) // 2
        if (n_rec - take) % 2:
            right += 1
        return left, right
    return None


def _pad_to(a, axis, left, length):
    """`a` zero-padded along `axis` to `length`, `left` zeros first (lazily
    on a dask array)."""
    if is_dask(a):
        import dask.array as da
        right = length - left - a.shape[axis]
        return da.pad(a, [(left, right) if i == axis else (0, 0) for i in range(a.ndim)])
    out = zeros(array_module(a), with_len(a.shape, axis, length), a.dtype)
    index = [slice(None)] * a.ndim
    index[axis] = slice(left, left + a.shape[axis])
    out[tuple(index)] = a
    return out


def _pad(c, axis, width):
    return _pad_to(c, axis, width, c.shape[axis] + 2 * width)


def _crop(a, axis, left, length):
    index = [slice(None)] * a.ndim
    index[axis] = slice(left, left + length)
    return a[tuple(index)]


def _lengths_down(n, bank, mode, level):
    lens = [n]
    for _ in range(level):
        lens.append(coeff_len(lens[-1], bank.length, mode))
    return lens


@on_input_device
def downcoef(part, data, wavelet, mode="symmetric", level=1, *, axis=None) -> Array:
    """Approximation or detail coefficients of one level (pywt.downcoef).

    Parameters
    ----------
    part : {'a', 'd'}
        Which coefficients of the last level to return.
    data : array_like
        Input signal (1D, or any shape with `axis` given).
    wavelet : Wavelet object or name string
        Discrete wavelet.
    mode : str, optional
        Signal extension mode (default 'symmetric').
    level : int, optional
        Decomposition level (default 1); the levels before it keep the
        approximation.
    axis : int, optional
        Transform every line along this axis (pywt takes 1D data only).

    Returns
    -------
    coeffs : array
        ``wavedec(data, wavelet, mode, level)[0]`` for 'a', ``[1]`` for 'd'.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> cw.downcoef("a", np.arange(8.0), "haar")
    array([0.70710678, 3.53553391, 6.36396103, 9.19238816])
    """
    if is_dask(data):  # lazy: dwt's blocks (cuwavelet/_dask.py)
        ax = line_axis(data.ndim, axis, "downcoef")
        return downcoef_steps(part, data, level, lambda v: dwt(v, wavelet, mode, axis=ax))
    x = as_array(data)
    ax = line_axis(x.ndim, axis, "downcoef")
    bank, m = as_filter_bank(wavelet), as_mode(mode)
    return downcoef_steps(part, x, level, lambda v: analysis(v, bank, m, ax))


def downcoef_steps(part, x, level, analyze):
    """downcoef's loop, for the core and the bridges: `level` analysis steps
    (analyze(x) -> (lo, hi), along the line's axis) keeping the approximation,
    the last one keeping `part`."""
    approx = _part(part)
    level = _level(level)
    for i in range(level):
        lo, hi = analyze(x)
        x = lo if approx or i < level - 1 else hi
    return x


@on_input_device
def upcoef(part, coeffs, wavelet, level=1, take=0, *, axis=None) -> Array:
    """Direct reconstruction from one subband (pywt.upcoef).

    Parameters
    ----------
    part : {'a', 'd'}
        Whether `coeffs` are approximation or detail coefficients.
    coeffs : array_like
        Coefficients (1D, or any shape with `axis` given).
    wavelet : Wavelet object or name string
        Discrete wavelet.
    level : int, optional
        Levels of reconstruction (default 1); after the first, the low-pass
        synthesis filter.
    take : int, optional
        If ``0 < take`` and shorter than the result, keep the central `take`
        samples (0: the whole result; negative: a ValueError).
    axis : int, optional
        Transform every line along this axis (pywt takes 1D data only).

    Returns
    -------
    rec : array
        The full (untrimmed) upsampling convolutions, of length
        ``2 n + F - 2`` per level.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> data = np.array([1.0, 2, 3, 4, 5, 6])
    >>> cA, cD = cw.dwt(data, "db2", "smooth")
    >>> n = len(data)
    >>> cw.upcoef("a", cA, "db2", take=n) + cw.upcoef("d", cD, "db2", take=n)
    array([1., 2., 3., 4., 5., 6.])
    """
    bank = as_filter_bank(wavelet)
    if is_dask(coeffs):  # lazy: idwt's blocks (cuwavelet/_dask.py)
        ax = line_axis(coeffs.ndim, axis, "upcoef")
        return upcoef_steps(part, coeffs, ax, bank.length, level, take, _pad,
                            lambda a, d: idwt(a, d, bank, "zero", axis=ax))
    c = as_array(coeffs, "coeffs")
    ax = line_axis(c.ndim, axis, "upcoef")
    return upcoef_steps(part, c, ax, bank.length, level, take, _pad,
                        lambda a, d: synthesis(a, d, bank, ZERO, ax))


def upcoef_steps(part, c, ax, filter_len, level, take, pad, synthesize):
    """upcoef's loop, for the core and the bridges: per level a full upsampling
    convolution, that is the coefficients zero-padded by F/2 - 1 on each side
    of axis `ax` (pad(c, ax, width)) and then synthesize(a, d) in the zero
    mode (one of a, d None), the low-pass filter from the second level on;
    then pywt's central crop to `take`."""
    approx = _part(part)
    level = _level(level)
    if c.shape[ax] < 1:
        raise ValueError("Invalid coefficient array: it is empty along the transformed axis.")
    width = filter_len // 2 - 1
    for i in range(level):
        padded = pad(c, ax, width) if width else c
        use_lo = approx or i > 0
        c = synthesize(padded if use_lo else None, None if use_lo else padded)
    crop = _take(int(c.shape[ax]), take)
    if crop is not None:
        c = _crop(c, ax, crop[0], take)
    return c


# --- adjoints --------------------------------------------------------------------

@on_input_device
def downcoef_adjoint(part, cotangent, wavelet, mode="symmetric", level=1, *, data_shape,
                     axis=None) -> Array:
    """Adjoint (transpose) of `cuwavelet.downcoef`.

    Parameters
    ----------
    part : {'a', 'd'}
        The forward call's `part`.
    cotangent : array_like
        Cotangent of downcoef's output.
    wavelet : str, pywt.Wavelet or filter bank
        The forward call's wavelet.
    mode : str, optional
        The forward call's mode.
    level : int, optional
        The forward call's level.
    data_shape : sequence of int
        Shape of the data downcoef was applied to.
    axis : int, optional
        The forward call's `axis` (None: 1D data).

    Returns
    -------
    array
        Cotangent of the data, of shape `data_shape`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(9.0)
    >>> c = cw.downcoef("d", x, "db2", "smooth", 2)
    >>> y = np.ones_like(c)
    >>> g = cw.adjoint.downcoef("d", y, "db2", "smooth", 2, data_shape=x.shape)
    >>> bool(np.isclose(np.vdot(c, y), np.vdot(x, g)))
    True
    """
    approx = _part(part)
    g = cotangent if is_dask(cotangent) else as_array(cotangent, "cotangent")
    check_known_shapes(g)
    shape = tuple(int(s) for s in data_shape)
    ax = line_axis(len(shape), axis, "downcoef")
    bank, m = as_filter_bank(wavelet), as_mode(mode)
    level = _level(level)
    lens = _lengths_down(shape[ax], bank, m, level)
    expected = with_len(shape, ax, lens[-1])
    if tuple(g.shape) != expected:
        raise ValueError(f"coefficient shape mismatch: data of shape {shape} gives coefficients "
                         f"of shape {expected}; the cotangent has {tuple(g.shape)}")
    if is_dask(g):  # lazy: the blocks of dwt's adjoint (cuwavelet/_dask.py)
        from .adjoint import dwt as dwt_adjoint

        def step(lo, hi, n):
            return dwt_adjoint(lo, hi, bank, mode, axis=ax, data_shape=with_len(shape, ax, n))
    else:
        def step(lo, hi, n):
            return analysis_adjoint(lo, hi, bank, m, ax, n)
    for i in range(level - 1, -1, -1):
        keep_lo = approx or i < level - 1
        g = step(g if keep_lo else None, None if keep_lo else g, lens[i])
    return g


@on_input_device
def upcoef_adjoint(part, cotangent, wavelet, level=1, take=0, *, coeffs_shape, axis=None) -> Array:
    """Adjoint (transpose) of `cuwavelet.upcoef`.

    Parameters
    ----------
    part : {'a', 'd'}
        The forward call's `part`.
    cotangent : array_like
        Cotangent of upcoef's output.
    wavelet : str, pywt.Wavelet or filter bank
        The forward call's wavelet.
    level : int, optional
        The forward call's level.
    take : int, optional
        The forward call's `take`.
    coeffs_shape : sequence of int
        Shape of the coefficients upcoef was applied to.
    axis : int, optional
        The forward call's `axis` (None: 1D coefficients).

    Returns
    -------
    array
        Cotangent of the coefficients, of shape `coeffs_shape`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> c = np.arange(5.0)
    >>> r = cw.upcoef("a", c, "db2", 2, take=12)
    >>> g = cw.adjoint.upcoef("a", np.ones(12), "db2", 2, take=12, coeffs_shape=c.shape)
    >>> bool(np.isclose(r.sum(), np.vdot(c, g)))
    True
    """
    approx = _part(part)
    g = cotangent if is_dask(cotangent) else as_array(cotangent, "cotangent")
    check_known_shapes(g)
    shape = tuple(int(s) for s in coeffs_shape)
    ax = line_axis(len(shape), axis, "upcoef")
    bank = as_filter_bank(wavelet)
    level = _level(level)
    width = bank.length // 2 - 1
    lens = [shape[ax]]
    for _ in range(level):
        lens.append(2 * lens[-1] + bank.length - 2)
    crop = _take(lens[-1], take)
    out_len = take if crop is not None else lens[-1]
    expected = with_len(shape, ax, out_len)
    if tuple(g.shape) != expected:
        raise ValueError(f"coefficient shape mismatch: coefficients of shape {shape} give an "
                         f"output of shape {expected}; the cotangent has {tuple(g.shape)}")
    if crop is not None:  # the crop's transpose: zeros where samples were dropped
        g = _pad_to(g, ax, crop[0], lens[-1])
    if is_dask(g):  # lazy: the blocks of idwt's adjoint (cuwavelet/_dask.py)
        from .adjoint import idwt as idwt_adjoint

        def step(y):
            return idwt_adjoint(y, bank, "zero", axis=ax)
    else:
        def step(y):
            return synthesis_adjoint(y, bank, ZERO, ax)
    for i in range(level - 1, -1, -1):
        lo, hi = step(g)
        g = _crop(lo if (approx or i > 0) else hi, ax, width, lens[i])
    return g

