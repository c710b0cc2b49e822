"""pywt's fully separable transform (fswavedecn, fswaverecn, FswavedecnResult):
every level along one axis before the next axis, the coefficients of each axis
concatenated along it. Built from wavedec and waverec along single axes, so the
adjoints are theirs, axis by axis in reverse order."""
from __future__ import annotations

import numbers
import warnings
from itertools import product

import numpy as np
import pywt

from ._arrays import array_module, as_array, as_given, is_dask
from ._docs import Array
from ._eager import on_input_device
from ._shapes import AxisError, with_len
from ._wavelets import MODES, as_mode, as_pywt_wavelet, per_axis
from .transforms import wavedec, waverec

__all__ = ["FswavedecnResult", "fswavedecn", "fswaverecn", "fswavedecn_adjoint",
           "fswaverecn_adjoint", "fswavedecn_steps", "fswaverecn_steps"]


def _is_learned_bank(w) -> bool:
    """A filter bank of arrays (four, or an object whose filter_bank is):
    what a bridge's fswavedecn keeps for a learned bank."""
    bank = getattr(w, "filter_bank", w)
    return isinstance(bank, (tuple, list)) and len(bank) == 4 and \
        all(hasattr(f, "shape") for f in bank)


class FswavedecnResult:
    """Coefficients of a fully separable transform (as pywt.FswavedecnResult).

    Parameters
    ----------
    coeffs : array
        All coefficients in one array (NumPy or CuPy).
    coeff_slices : list
        For each transformed axis, the slice of each level's coefficients
        along it (approximation first).
    wavelets : list of pywt.Wavelet
        One per transformed axis (the bridges' results may hold a learned
        filter bank, four arrays or an object whose filter_bank is, as given).
    mode_enums : list
        The modes (pywt.Modes values or names), one per axis.
    axes : tuple of int
        The transformed axes.
    """

    def __init__(self, coeffs, coeff_slices, wavelets, mode_enums, axes):
        self._coeffs = coeffs
        self._coeff_slices = coeff_slices
        self._axes = tuple(axes)
        if not all(isinstance(w, pywt.Wavelet) or _is_learned_bank(w) for w in wavelets):
            raise ValueError("wavelets must contain pywt.Wavelet objects (or, in the "
                             "bridges, learned filter banks)")
        self._wavelets = list(wavelets)
        self._modes = [as_mode(m) for m in mode_enums]

    @property
    def coeffs(self):
        """All coefficients stacked into a single array."""
        return self._coeffs

    @coeffs.setter
    def coeffs(self, c):
        if c.shape != self._coeffs.shape:
            raise ValueError("new coefficient array must match the existing coefficient shape")
        self._coeffs = c

    @property
    def coeff_slices(self):
        """For each transformed axis, the slices of its levels."""
        return self._coeff_slices

    @property
    def ndim(self):
        """Number of data dimensions."""
        return self._coeffs.ndim

    @property
    def ndim_transform(self):
        """Number of transformed axes."""
        return len(self._axes)

    @property
    def axes(self):
        """The transformed axes."""
        return self._axes

    @property
    def levels(self):
        """Levels of decomposition along each transformed axis."""
        return [len(s) - 1 for s in self._coeff_slices]

    @property
    def wavelets(self):
        """The wavelet of each transformed axis."""
        return self._wavelets

    @property
    def wavelet_names(self):
        """The names of the wavelets ("learned" for a learned filter bank)."""
        return [getattr(w, "name", "learned") for w in self._wavelets]

    @property
    def modes(self):
        """The mode name of each transformed axis."""
        return [MODES[m] for m in self._modes]

    def _slices(self, levels):
        index = [slice(None)] * self.ndim
        for n, (ax, lev) in enumerate(zip(self._axes, levels)):
            index[ax] = self._coeff_slices[n][lev]
        return tuple(index)

    def _validate(self, levels):
        levels = tuple(levels)
        if len(levels) != len(self._axes):
            raise ValueError("levels must match the number of transformed axes")
        if (not all(isinstance(lev, numbers.Number) for lev in levels)
                or any(lev % 1 > 0 or lev < 0 for lev in levels)):
            raise ValueError("Index must be a tuple of non-negative integers")
        levels = tuple(int(lev) for lev in levels)
        if any(lev > top for lev, top in zip(levels, self.levels)):
            raise ValueError("Specified indices exceed the number of transform levels.")
        return levels

    @property
    def approx(self):
        """The approximation coefficients."""
        return self._coeffs[self._slices((0,) * self.ndim_transform)]

    @approx.setter
    def approx(self, a):
        index = self._slices((0,) * self.ndim_transform)
        if self._coeffs[index].shape != a.shape:
            raise ValueError("x does not match the shape of the requested coefficient")
        self._coeffs[index] = a

    def __getitem__(self, levels):
        """The subband with `levels[i]` decompositions along axes[i]."""
        return self._coeffs[self._slices(self._validate(levels))]

    def __setitem__(self, levels, x):
        index = self._slices(self._validate(levels))
        current = self._coeffs[index]
        if current.shape != x.shape:
            raise ValueError("x does not match the shape of the requested coefficient")
        if x.dtype != current.dtype:
            warnings.warn(f"dtype mismatch:  converting the provided array to dtype "
                          f"{current.dtype}", stacklevel=2)
        self._coeffs[index] = x

    def detail_keys(self):
        """Every detail subband's key (all but the all-zero approximation)."""
        keys = list(product(*(range(lev + 1) for lev in self.levels)))
        keys.remove((0,) * self.ndim_transform)
        return sorted(keys)


def _axes_of(ndim, axes):
    if axes is None:
        axes = tuple(range(ndim))
    axes = tuple(axes)
    if len(axes) != len(set(axes)):
        raise AxisError("The axes passed to fswavedecn must be unique.")
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise AxisError("Axis greater than data dimensions")
    return axes


def _levels_of(levels, naxes):
    if not isinstance(levels, (list, tuple, np.ndarray)):  # one level (or None) for every axis
        return [levels] * naxes
    levels = list(levels)
    if len(levels) != naxes:
        raise ValueError("levels must match the length of the axes list")
    return levels


@on_input_device
def fswavedecn(data, wavelet, mode="symmetric", levels=None, axes=None) -> FswavedecnResult:
    """Fully separable wavelet decomposition (pywt.fswavedecn).

    Parameters
    ----------
    data : array_like
        Input data (NumPy or CuPy).
    wavelet : Wavelet object or name string, or tuple of them
        One wavelet, or one per axis.
    mode : str or tuple of str, optional
        Signal extension mode, or one per axis.
    levels : int or sequence of ints, optional
        Levels along each axis (None: the deepest, per axis).
    axes : sequence of ints, optional
        Axes to transform (default all), in order.

    Returns
    -------
    fswavedecn_result : FswavedecnResult
        The coefficients and how to find each subband in them.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> result = cw.fswavedecn(np.ones((32, 32)), "sym2", levels=(1, 3))
    >>> result.detail_keys()
    [(0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3)]
    >>> np.allclose(cw.fswaverecn(result), 1.0)
    True
    """
    if is_dask(data):  # lazy: wavedec's blocks (cuwavelet/_dask.py)
        import dask.array as da
        return fswavedecn_steps(data, wavelet, mode, levels, axes, wavedec,
                                lambda parts, ax: da.concatenate(parts, axis=ax))
    x = as_given(data)  # (an axis of level 0 keeps the data's dtype, as in pywt)
    xp = array_module(x)
    return fswavedecn_steps(x, wavelet, mode, levels, axes, wavedec,
                            lambda parts, ax: xp.concatenate(parts, axis=ax))


def fswavedecn_steps(x, wavelet, mode, levels, axes, wavedec, concatenate,
                     as_wavelet=as_pywt_wavelet) -> FswavedecnResult:
    """fswavedecn's loop, for the core and the bridges: along each axis in
    turn, wavedec(x, wavelet, mode=, level=, axis=) and the levels joined by
    concatenate(parts, axis); as_wavelet: each axis' wavelet as the
    pywt.Wavelet the result holds (a bridge may make graph capture take it
    as a constant: pywt's tables are not traceable)."""
    axes = _axes_of(x.ndim, axes)
    levels = _levels_of(levels, len(axes))
    modes = per_axis(mode, axes, "mode")
    wavelets = per_axis(wavelet, axes, "wavelet")
    slices = []
    arr = x
    for ax, lev, w, m in zip(axes, levels, wavelets, modes):
        coeffs = wavedec(arr, w, mode=m, level=lev, axis=ax)
        level_slices, start = [], 0  # (Python ints: graph capture would trace np.cumsum)
        for c in coeffs:
            level_slices.append(slice(start, start + int(c.shape[ax])))
            start += int(c.shape[ax])
        slices.append(level_slices)
        arr = concatenate(coeffs, ax)
    return FswavedecnResult(arr, slices, [as_wavelet(w) for w in wavelets], modes, axes)


def _level_arrays(arr, ax, slices):
    index = [slice(None)] * arr.ndim
    out = []
    for sl in slices:
        index[ax] = sl
        out.append(arr[tuple(index)])
    return out


def _check_result(result, what) -> FswavedecnResult:
    """result, checked (pywt's own FswavedecnResult taken as this one)."""
    if isinstance(result, pywt.FswavedecnResult):
        result = FswavedecnResult(result.coeffs, result.coeff_slices, result.wavelets,
                                  result.modes, result.axes)
    if not isinstance(result, FswavedecnResult):
        raise TypeError(f"{what} expects an FswavedecnResult (as fswavedecn returns); got "
                        f"{type(result).__name__}.")
    _axes_of(result.coeffs.ndim, result.axes)
    if len(result.axes) != len(result.coeff_slices):
        raise ValueError("dimension mismatch")
    return result


@on_input_device
def fswaverecn(fswavedecn_result) -> Array:
    """Inverse of fswavedecn (pywt.fswaverecn).

    Parameters
    ----------
    fswavedecn_result : FswavedecnResult
        As fswavedecn returns it.

    Returns
    -------
    reconstructed : array
        The reconstruction.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(48.0).reshape(6, 8)
    >>> np.allclose(cw.fswaverecn(cw.fswavedecn(x, "db2")), x)
    True
    """
    return fswaverecn_steps(fswavedecn_result, waverec)


def fswaverecn_steps(result, waverec):
    """fswaverecn's loop, for the core and the bridges: waverec(levels,
    wavelet, mode=, axis=) along each axis in turn."""
    result = _check_result(result, "fswaverecn")
    arr = result.coeffs
    for n, (ax, w, m) in enumerate(zip(result.axes, result.wavelets, result.modes)):
        arr = waverec(_level_arrays(arr, ax, result.coeff_slices[n]), w, mode=m, axis=ax)
    return arr


# --- adjoints ----------------------------------------------------------------------

@on_input_device
def fswavedecn_adjoint(cotangent, *, data_shape) -> Array:
    """Adjoint (transpose) of `cuwavelet.fswavedecn`.

    Parameters
    ----------
    cotangent : FswavedecnResult
        The forward's result with the cotangent in its `coeffs` (its slices,
        wavelets, modes and axes say how the forward was made).
    data_shape : sequence of int
        Shape of the data fswavedecn was applied to.

    Returns
    -------
    array
        Cotangent of the data.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(30.0).reshape(5, 6)
    >>> r = cw.fswavedecn(x, "db2", levels=1)
    >>> y = np.ones_like(r.coeffs)
    >>> g = cw.adjoint.fswavedecn(cw.FswavedecnResult(y, r.coeff_slices, r.wavelets,
    ...                                               r.modes, r.axes), data_shape=x.shape)
    >>> bool(np.isclose(r.coeffs.sum(), np.vdot(x, g)))
    True
    """
    from .adjoint import wavedec as wavedec_adjoint  # (adjoint.py re-exports this module's adjoints)
    cotangent = _check_result(cotangent, "the adjoint of fswavedecn")
    shape = tuple(int(s) for s in data_shape)
    # the shape entering each axis' wavedec
    shapes = [shape]
    for n, ax in enumerate(cotangent.axes):
        shapes.append(with_len(shapes[-1], ax, cotangent.coeff_slices[n][-1].stop))
    if tuple(cotangent.coeffs.shape) != shapes[-1]:
        raise ValueError(f"coefficient shape mismatch: data of shape {shape} gives coefficients "
                         f"of shape {shapes[-1]}; the cotangent has {cotangent.coeffs.shape}")
    g = cotangent.coeffs
    for n in range(len(cotangent.axes) - 1, -1, -1):
        ax = cotangent.axes[n]
        g = wavedec_adjoint(_level_arrays(g, ax, cotangent.coeff_slices[n]),
                             cotangent.wavelets[n], cotangent.modes[n], axis=ax,
                             data_shape=shapes[n])
    return g


@on_input_device
def fswaverecn_adjoint(y, like) -> FswavedecnResult:
    """Adjoint (transpose) of `cuwavelet.fswaverecn`.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    like : FswavedecnResult
        The coefficients the reconstruction was made from (their layout).

    Returns
    -------
    FswavedecnResult
        `like`'s layout holding the coefficients' cotangent.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> r = cw.fswavedecn(np.ones((4, 6)), "haar")
    >>> cw.adjoint.fswaverecn(np.ones((4, 6)), r).coeffs.shape == r.coeffs.shape
    True
    """
    from .adjoint import waverec as waverec_adjoint
    like = _check_result(like, "the adjoint of fswaverecn")
    g = y if is_dask(y) else as_array(y, "y")  # (dask: lazy, waverec's adjoint's blocks)
    if is_dask(g):
        import dask.array as da
        concatenate = da.concatenate
    else:
        concatenate = array_module(g).concatenate
    for n in range(len(like.axes) - 1, -1, -1):
        ax = like.axes[n]
        # the array entering this axis' waverec: reconstructed along the axes
        # before it, coefficients along this one and those after it
        entering = with_len(g.shape, ax, like.coeffs.shape[ax])
        level_shapes = [with_len(entering, ax, sl.stop - sl.start) for sl in like.coeff_slices[n]]
        parts = waverec_adjoint(g, like.wavelets[n], like.modes[n], axis=ax,
                                coeff_shapes=level_shapes)
        g = concatenate(parts, axis=ax)
    return FswavedecnResult(g, like.coeff_slices, like.wavelets, like.modes, like.axes)
