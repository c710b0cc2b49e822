"""Exact adjoints (transposes; conjugate transposes for complex data) of every
transform in cuwavelet, under the same names.

An adjoint takes a cotangent shaped like its forward's output and returns one
shaped like the forward's input. The forward input's shape is not always
recoverable from its output, so:

* adjoints of forward transforms (dwt, dwt2, dwtn, wavedec, wavedec2,
  wavedecn) take ``data_shape``, the shape of the data that was transformed;
* adjoints of multilevel inverses (waverec, waverec2, waverecn) take
  ``coeff_shapes``, the coefficient structure with each array replaced by its
  shape (``cuwavelet.adjoint.shapes_of(coeffs)`` makes it);
* adjoints of single-level inverses (idwt, idwt2, idwtn) need nothing more,
  nor does cwt's (its coefficients hold the data's shape after the scales).

None in a cotangent structure means a zero cotangent. The adjoint is not the
inverse: boundary extensions are folded back exactly and biorthogonal wavelets
use their analysis filters where the transpose needs them. Dot-product tests
<F x, y> = <x, F* y> hold to rounding for every mode and wavelet.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, Sequence

from . import _multilevel as ml
from ._docs import Array, ArrayLike, Axes, ModeSpec, WaveletSpec, shared_docs
from ._program import planned
from ._primitives import analysis_adjoint, synthesis_adjoint
from ._shapes import normalize_axes, normalize_axis
from ._cwt import cwt_adjoint as cwt
from ._fully_separable import fswavedecn_adjoint as fswavedecn
from ._fully_separable import fswaverecn_adjoint as fswaverecn
from ._packets import packet_decompose_adjoint as packet_decompose
from ._padding import pad_adjoint as pad
from ._packets import packet_reconstruct_adjoint as packet_reconstruct
from ._partial import downcoef_adjoint as downcoef
from ._partial import upcoef_adjoint as upcoef
from ._stationary import iswt2_adjoint as iswt2
from ._stationary import iswt_adjoint as iswt
from ._stationary import iswtn_adjoint as iswtn
from ._stationary import swt2_adjoint as swt2
from ._stationary import swt_adjoint as swt
from ._stationary import swtn_adjoint as swtn
from .transforms import (_coeff_list, _split2, _two_axes, banks_and_modes, coefficient_arrays,
                         detail_dict, equal_shapes, signal)

__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn", "shapes_of",
           "swt", "iswt", "swt2", "iswt2", "swtn", "iswtn", "downcoef", "upcoef", "fswavedecn",
           "fswaverecn", "packet_decompose", "packet_reconstruct", "pad", "cwt"]


def __dir__():
    # dir(cuwavelet.adjoint) shows the adjoints, not the helpers imported here.
    return sorted(__all__)


def shapes_of(coeffs: Any) -> Any:
    """The coefficient structure with every array replaced by its shape.

    The adjoints of `waverec`, `waverec2` and `waverecn` take it as
    `coeff_shapes`: the shapes of the coefficients the reconstruction came
    from, which the reconstruction alone does not determine.

    Parameters
    ----------
    coeffs : list, tuple, dict or array
        A coefficient structure (as `wavedec`, `wavedec2` or `wavedecn`
        return it); None entries stay None.

    Returns
    -------
    list, tuple, dict or tuple of int
        The same nesting, with ``tuple(a.shape)`` for every array ``a``.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> coeffs = cw.wavedec2(np.zeros((16, 16)), "haar", level=2)
    >>> cw.adjoint.shapes_of(coeffs)
    [(4, 4), ((4, 4), (4, 4), (4, 4)), ((8, 8), (8, 8), (8, 8))]
    """
    if coeffs is None:
        return None
    if isinstance(coeffs, dict):
        return {k: shapes_of(v) for k, v in coeffs.items()}
    if isinstance(coeffs, (list, tuple)):
        return type(coeffs)(shapes_of(v) for v in coeffs)
    return tuple(coeffs.shape)


def _data_shape(data_shape):
    if data_shape is None:
        raise TypeError("data_shape (the shape of the transformed data) is required")
    return _shape(data_shape, "data_shape")


def _shape(shape, name) -> tuple:
    """A shape given by the caller as a tuple of ints (an int is a 1-D shape, as
    NumPy reads it); a string, floats or negative lengths are refused."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Iterable):
        raise TypeError(f"{name} must be a tuple of integers; got {shape!r}")
    dims = tuple(shape)
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in dims):
        raise TypeError(f"{name} must be a tuple of integers; got {shape!r}")
    if any(n < 0 for n in dims):
        raise ValueError(f"{name} has a negative length: {shape!r}")
    return tuple(int(n) for n in dims)


def _check_batch(coeff_shape, data_shape, axes):
    if len(coeff_shape) != len(data_shape) or any(
            c != d for i, (c, d) in enumerate(zip(coeff_shape, data_shape)) if i not in axes):
        raise ValueError(f"coefficient shape mismatch: coefficients of shape {coeff_shape} cannot "
                         f"come from data of shape {data_shape}")


# --- single level ------------------------------------------------------------

@planned(structures=("cA", "cD"))
@shared_docs
def dwt(cA: ArrayLike | None, cD: ArrayLike | None, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
        axis: int = -1, *, data_shape: Sequence[int]) -> Array:
    """Adjoint (transpose) of `cuwavelet.dwt`.

    Parameters
    ----------
    cA, cD : array_like or None
        Cotangents of the approximation and detail coefficients (shaped like
        what `dwt` returns); None means zero.
    {wavelet}
    {mode}
    {axis}
    data_shape : sequence of int
        Shape of the data `dwt` was applied to (n and n + 1 samples can give
        the same number of coefficients).

    Returns
    -------
    array
        Cotangent of the data, of shape `data_shape`: ``dwt``'s transpose (its
        conjugate transpose for complex values) applied to ``(cA, cD)``.

    Examples
    --------
    The defining identity, ``<dwt(x), (a, d)> == <x, adjoint.dwt(a, d)>``:

    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(13)
    >>> cA, cD = cw.dwt(x, "db3", "smooth")
    >>> a, d = rng.standard_normal(cA.shape), rng.standard_normal(cD.shape)
    >>> g = cw.adjoint.dwt(a, d, "db3", "smooth", data_shape=x.shape)
    >>> g.shape, bool(np.isclose(np.vdot(cA, a) + np.vdot(cD, d), np.vdot(x, g)))
    ((13,), True)
    """
    data_shape = _data_shape(data_shape)
    c = coefficient_arrays({"cA": cA, "cD": cD}, "cotangents")
    shape = equal_shapes(c, "cotangents of cA and cD")
    axis = normalize_axis(axis, len(data_shape))
    _check_batch(shape, data_shape, [axis])
    banks, modes = banks_and_modes(wavelet, mode, [axis])
    return analysis_adjoint(c.get("cA"), c.get("cD"), banks[0], modes[0], axis,
                            data_shape[axis])


@planned("y")
@shared_docs
def idwt(y: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
         axis: int = -1) -> tuple[Array, Array]:
    """Adjoint (transpose) of `cuwavelet.idwt`.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction (shaped like what `idwt` returns).
    {wavelet}
    {mode}
    {axis}

    Returns
    -------
    cA, cD : array
        Cotangents of the approximation and detail coefficients.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> cA, cD = rng.standard_normal(8), rng.standard_normal(8)
    >>> x = cw.idwt(cA, cD, "bior2.2", "symmetric")
    >>> y = rng.standard_normal(x.shape)
    >>> a, d = cw.adjoint.idwt(y, "bior2.2", "symmetric")
    >>> bool(np.isclose(np.vdot(x, y), np.vdot(cA, a) + np.vdot(cD, d)))
    True
    """
    g = signal(y, name="y")
    axis = normalize_axis(axis, g.ndim)
    banks, modes = banks_and_modes(wavelet, mode, [axis])
    return synthesis_adjoint(g, banks[0], modes[0], axis)


@planned(structures=("coeffs",))
@shared_docs
def dwtn(coeffs: dict[str, ArrayLike | None], wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
         axes: Axes = None, *, data_shape: Sequence[int]) -> Array:
    """Adjoint (transpose) of `cuwavelet.dwtn`.

    Parameters
    ----------
    coeffs : dict of str to array_like
        Cotangents of the subbands, keyed as `dwtn` returns them; a missing
        or None subband means zero.
    {wavelets}
    {modes}
    {axesn}
    data_shape : sequence of int
        Shape of the data `dwtn` was applied to.

    Returns
    -------
    array
        Cotangent of the data, of shape `data_shape`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((5, 6, 7))
    >>> c = cw.dwtn(x, "db2", "reflect")
    >>> y = {k: rng.standard_normal(v.shape) for k, v in c.items()}
    >>> g = cw.adjoint.dwtn(y, "db2", "reflect", data_shape=x.shape)
    >>> bool(np.isclose(sum(np.vdot(c[k], y[k]) for k in c), np.vdot(x, g)))
    True
    """
    data_shape = _data_shape(data_shape)
    if not isinstance(coeffs, dict):
        raise TypeError(f"expected a dict of subband cotangents; got {type(coeffs).__name__}")
    c = coefficient_arrays(detail_dict(coeffs, None, "cotangents"), "cotangents")
    shape = equal_shapes(c, "subband cotangents")
    axes = normalize_axes(axes, len(data_shape), unique=False)
    detail_dict(c, len(axes), "cotangents")
    _check_batch(shape, data_shape, axes)
    return ml.dwtn_adjoint(c, axes, *banks_and_modes(wavelet, mode, axes), data_shape)


@planned("y")
@shared_docs
def idwtn(y: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
          axes: Axes = None) -> dict[str, Array]:
    """Adjoint (transpose) of `cuwavelet.idwtn`.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    {wavelets}
    {modes}
    {axesn}

    Returns
    -------
    dict of str to array
        Cotangents of every subband, keyed as `dwtn` keys them.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> c = {k: rng.standard_normal((4, 5)) for k in ("aa", "ad", "da", "dd")}
    >>> x = cw.idwtn(c, "sym3", "periodic")
    >>> y = rng.standard_normal(x.shape)
    >>> g = cw.adjoint.idwtn(y, "sym3", "periodic")
    >>> bool(np.isclose(np.vdot(x, y), sum(np.vdot(c[k], g[k]) for k in c)))
    True
    """
    g = signal(y, name="y")
    axes = normalize_axes(axes, g.ndim, unique=False)
    return ml.idwtn_adjoint(g, axes, *banks_and_modes(wavelet, mode, axes))


@planned(structures=("coeffs",))
@shared_docs
def dwt2(coeffs: tuple, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
         axes: Sequence[int] = (-2, -1), *, data_shape: Sequence[int]) -> Array:
    """Adjoint (transpose) of `cuwavelet.dwt2`.

    Parameters
    ----------
    coeffs : tuple
        Cotangents ``(cA, (cH, cV, cD))``, shaped as `dwt2` returns them;
        None entries mean zero.
    {wavelets}
    {modes}
    {axes2}
    data_shape : sequence of int
        Shape of the data `dwt2` was applied to.

    Returns
    -------
    array
        Cotangent of the data, of shape `data_shape`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((9, 10))
    >>> cA, (cH, cV, cD) = cw.dwt2(x, "db2", "antisymmetric")
    >>> y = [rng.standard_normal(cA.shape) for _ in range(4)]
    >>> g = cw.adjoint.dwt2((y[0], tuple(y[1:])), "db2", "antisymmetric", data_shape=x.shape)
    >>> lhs = sum(np.vdot(c, v) for c, v in zip((cA, cH, cV, cD), y))
    >>> bool(np.isclose(lhs, np.vdot(x, g)))
    True
    """
    cA, (cH, cV, cD) = _split2(coeffs)
    return dwtn({"aa": cA, "da": cH, "ad": cV, "dd": cD}, wavelet, mode, _two_axes(axes),
                data_shape=data_shape)


@planned("y")
@shared_docs
def idwt2(y: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
          axes: Sequence[int] = (-2, -1)) -> tuple[Array, tuple[Array, Array, Array]]:
    """Adjoint (transpose) of `cuwavelet.idwt2`.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    {wavelets}
    {modes}
    {axes2}

    Returns
    -------
    (cA, (cH, cV, cD)) : tuple
        Cotangents of the four subbands.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> c = [rng.standard_normal((6, 6)) for _ in range(4)]
    >>> x = cw.idwt2((c[0], tuple(c[1:])), "coif1", "zero")
    >>> y = rng.standard_normal(x.shape)
    >>> gA, (gH, gV, gD) = cw.adjoint.idwt2(y, "coif1", "zero")
    >>> rhs = sum(np.vdot(a, b) for a, b in zip(c, (gA, gH, gV, gD)))
    >>> bool(np.isclose(np.vdot(x, y), rhs))
    True
    """
    c = idwtn(y, wavelet, mode, _two_axes(axes))
    return c["aa"], (c["da"], c["ad"], c["dd"])


# --- multilevel --------------------------------------------------------------

def _wavedec_adjoint(cots, wavelet, mode, axes, data_shape):
    data_shape = _data_shape(data_shape)
    axes = normalize_axes(axes, len(data_shape))
    banks, modes = banks_and_modes(wavelet, mode, axes)
    flat = {("a",): cots[0]}
    for i, d in enumerate(cots[1:]):
        flat.update({(i, k): v for k, v in d.items()})
    arrays = coefficient_arrays(flat, "cotangents")
    a = arrays.get(("a",))
    details = [{k: arrays.get((i, k)) for k in d} for i, d in enumerate(cots[1:])]
    for d in details:
        detail_dict(d, len(axes), "cotangents")
    if len(cots) == 1:  # level 0: the identity
        _check_batch(a.shape, data_shape, [])
        return a
    return ml.wavedec_adjoint([a] + details, axes, banks, modes, data_shape)


@planned(structures=("coeffs",))
@shared_docs
def wavedec(coeffs: Sequence[ArrayLike | None], wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
            axis: int = -1, *, data_shape: Sequence[int]) -> Array:
    """Adjoint (transpose) of `cuwavelet.wavedec`: the backward pass of a loss
    on wavelet coefficients.

    Parameters
    ----------
    coeffs : list of array_like
        Cotangents ``[cA_n, cD_n, ..., cD_1]``, shaped as `wavedec` returns
        them (the number of entries gives the level); None means zero.
    {wavelet}
    {mode}
    {axis}
    data_shape : sequence of int
        Shape of the data `wavedec` was applied to.

    Returns
    -------
    array
        Cotangent of the data, of shape `data_shape`.

    Examples
    --------
    The gradient of ``L(x) = sum(|details of x|^2) / 2`` is the adjoint
    applied to the details themselves (the approximation's cotangent is zero):

    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal((4, 100))
    >>> coeffs = cw.wavedec(x, "db2", level=3)
    >>> grad = cw.adjoint.wavedec([None] + coeffs[1:], "db2", data_shape=x.shape)
    >>> grad.shape
    (4, 100)

    It satisfies ``<wavedec(x), c> == <x, adjoint.wavedec(c)>``:

    >>> c = [np.ones_like(a) for a in coeffs]
    >>> lhs = sum(np.vdot(a, b) for a, b in zip(coeffs, c))
    >>> bool(np.isclose(lhs, np.vdot(x, cw.adjoint.wavedec(c, "db2", data_shape=x.shape))))
    True
    """
    a, ds = _coeff_list(coeffs, "wavedec")
    return _wavedec_adjoint([a] + [{"d": d} for d in ds], wavelet, mode, [axis], data_shape)


@planned(structures=("coeffs",))
@shared_docs
def wavedec2(coeffs: Sequence, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
             axes: Sequence[int] = (-2, -1), *, data_shape: Sequence[int]) -> Array:
    """Adjoint (transpose) of `cuwavelet.wavedec2`.

    Parameters
    ----------
    coeffs : list
        Cotangents ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``,
        shaped as `wavedec2` returns them; None entries mean zero.
    {wavelets}
    {modes}
    {axes2}
    data_shape : sequence of int
        Shape of the data `wavedec2` was applied to.

    Returns
    -------
    array
        Cotangent of the data, of shape `data_shape`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2, 33, 40))
    >>> coeffs = cw.wavedec2(x, "db2", "periodization", level=2)
    >>> c = [rng.standard_normal(coeffs[0].shape)] + [
    ...     tuple(rng.standard_normal(d.shape) for d in level) for level in coeffs[1:]]
    >>> g = cw.adjoint.wavedec2(c, "db2", "periodization", data_shape=x.shape)
    >>> flat = lambda cs: np.concatenate([a.ravel() for a in [cs[0]] + [d for lv in cs[1:] for d in lv]])
    >>> g.shape, bool(np.isclose(np.vdot(flat(coeffs), flat(c)), np.vdot(x, g)))
    ((2, 33, 40), True)
    """
    a, ds = _coeff_list(coeffs, "wavedec2")
    dicts = [dict(zip(("da", "ad", "dd"), _split2((None, d))[1])) for d in ds]
    return _wavedec_adjoint([a] + dicts, wavelet, mode, _two_axes(axes), data_shape)


@planned(structures=("coeffs",))
@shared_docs
def wavedecn(coeffs: Sequence, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
             axes: Axes = None, *, data_shape: Sequence[int]) -> Array:
    """Adjoint (transpose) of `cuwavelet.wavedecn`.

    Parameters
    ----------
    coeffs : list
        Cotangents ``[cA_n, {key: detail}_n, ..., {key: detail}_1]``, shaped
        as `wavedecn` returns them; None (or a missing key) means zero.
    {wavelets}
    {modes}
    {axesn}
    data_shape : sequence of int
        Shape of the data `wavedecn` was applied to.

    Returns
    -------
    array
        Cotangent of the data, of shape `data_shape`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal((12, 12, 12))
    >>> coeffs = cw.wavedecn(x, "haar", level=2)
    >>> g = cw.adjoint.wavedecn(coeffs, "haar", data_shape=x.shape)
    >>> np.allclose(g, x)   # haar is orthogonal: on even lengths its adjoint is its inverse
    True
    """
    a, ds = _coeff_list(coeffs, "wavedecn")
    return _wavedec_adjoint([a] + [dict(d) for d in ds], wavelet, mode, axes, data_shape)


def _waverec_adjoint(y, a_shape, detail_shapes, wavelet, mode, axes, trim_first):
    a_shape = _shape(a_shape, "coeff_shapes")
    g = signal(y, name="y")
    axes = normalize_axes(axes, g.ndim)
    banks, modes = banks_and_modes(wavelet, mode, axes)
    if not detail_shapes:
        if tuple(a_shape) != g.shape:
            raise ValueError(f"coefficient shape mismatch: {tuple(a_shape)} vs {g.shape}")
        return [g], axes
    return ml.waverec_adjoint(g, a_shape, detail_shapes, axes, banks, modes, trim_first), axes


def _level_shape(shapes, what):
    shapes = {_shape(s, "coeff_shapes") for s in shapes if s is not None}
    if len(shapes) != 1:
        raise ValueError(f"coefficient shape mismatch: {what} of one level must share one shape; "
                         f"got {sorted(shapes)}")
    return shapes.pop()


@planned("y")
@shared_docs
def waverec(y: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric", axis: int = -1, *,
            coeff_shapes: Sequence) -> list[Array]:
    """Adjoint (transpose) of `cuwavelet.waverec`.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    {wavelet}
    {mode}
    {axis}
    coeff_shapes : list
        Shapes of the coefficients `waverec` was applied to, in its structure
        (``shapes_of(coeffs)``).

    Returns
    -------
    list of array
        Cotangents ``[cA_n, cD_n, ..., cD_1]`` of those shapes.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> coeffs = cw.wavedec(rng.standard_normal(50), "sym4", level=2)
    >>> x = cw.waverec(coeffs, "sym4")
    >>> y = rng.standard_normal(x.shape)
    >>> g = cw.adjoint.waverec(y, "sym4", coeff_shapes=cw.adjoint.shapes_of(coeffs))
    >>> [a.shape for a in g] == [a.shape for a in coeffs]
    True
    >>> bool(np.isclose(np.vdot(x, y), sum(np.vdot(a, b) for a, b in zip(coeffs, g))))
    True
    """
    a_shape, d_shapes = _coeff_list(coeff_shapes, "wavedec")
    out, _ = _waverec_adjoint(y, a_shape, [_shape(s, "coeff_shapes") for s in d_shapes], wavelet,
                              mode, [axis], trim_first=True)
    return [out[0]] + [d["d"] for d in out[1:]]


@planned("y")
@shared_docs
def waverec2(y: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
             axes: Sequence[int] = (-2, -1), *, coeff_shapes: Sequence) -> list:
    """Adjoint (transpose) of `cuwavelet.waverec2`.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    {wavelets}
    {modes}
    {axes2}
    coeff_shapes : list
        Shapes of the coefficients `waverec2` was applied to, in its
        structure (``shapes_of(coeffs)``).

    Returns
    -------
    list
        Cotangents ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> coeffs = cw.wavedec2(np.zeros((20, 30)), "db2", level=2)
    >>> g = cw.adjoint.waverec2(np.ones((20, 30)), "db2", coeff_shapes=cw.adjoint.shapes_of(coeffs))
    >>> cw.adjoint.shapes_of(g) == cw.adjoint.shapes_of(coeffs)
    True
    """
    a_shape, d_shapes = _coeff_list(coeff_shapes, "wavedec2")
    levels = [_level_shape(d, "detail shapes") for d in d_shapes]
    out, _ = _waverec_adjoint(y, a_shape, levels, wavelet, mode, _two_axes(axes), trim_first=True)
    return [out[0]] + [(d["da"], d["ad"], d["dd"]) for d in out[1:]]


@planned("y")
@shared_docs
def waverecn(y: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric", axes: Axes = None, *,
             coeff_shapes: Sequence) -> list:
    """Adjoint (transpose) of `cuwavelet.waverecn`.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    {wavelets}
    {modes}
    {axesn}
    coeff_shapes : list
        Shapes of the coefficients `waverecn` was applied to, in its
        structure (``shapes_of(coeffs)``).

    Returns
    -------
    list
        Cotangents ``[cA_n, {key: detail}_n, ..., {key: detail}_1]`` with
        every detail key of each level (the transpose of a missing subband is
        still defined).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> coeffs = cw.wavedecn(np.zeros((8, 8, 8)), "haar", level=2)
    >>> g = cw.adjoint.waverecn(np.ones((8, 8, 8)), "haar", coeff_shapes=cw.adjoint.shapes_of(coeffs))
    >>> g[0].shape, sorted(g[1])
    ((2, 2, 2), ['aad', 'ada', 'add', 'daa', 'dad', 'dda', 'ddd'])
    """
    a_shape, d_shapes = _coeff_list(coeff_shapes, "wavedecn")
    levels = [_level_shape(d.values(), "detail shapes") for d in d_shapes]
    out, _ = _waverec_adjoint(y, a_shape, levels, wavelet, mode, axes, trim_first=False)
    return out
