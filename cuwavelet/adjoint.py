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
* adjoints of single-level inverses (idwt, idwt2, idwtn) need nothing more.

None in a cotangent structure means a zero cotangent. The adjoint is not the
inverse: boundary extensions are folded back exactly and biorthogonal wavelets
use their analysis filters where the transpose needs them. Dot-product tests
<F x, y> = <x, F* y> hold to rounding for every mode and wavelet.
"""
from __future__ import annotations

from . import _multilevel as ml
from ._program import planned
from ._primitives import analysis_adjoint, synthesis_adjoint
from ._shapes import normalize_axes, normalize_axis
from .transforms import (_coeff_list, _split2, _two_axes, banks_and_modes, coefficient_arrays,
                         detail_dict, equal_shapes, signal)

__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn", "shapes_of"]


def shapes_of(coeffs):
    """The same structure with every array replaced by its shape (for coeff_shapes)."""
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
    return tuple(int(s) for s in data_shape)


def _check_batch(coeff_shape, data_shape, axes):
    if len(coeff_shape) != len(data_shape) or any(
            c != d for i, (c, d) in enumerate(zip(coeff_shape, data_shape)) if i not in axes):
        raise ValueError(f"coefficient shape mismatch: coefficients of shape {coeff_shape} cannot "
                         f"come from data of shape {data_shape}")


# --- single level ------------------------------------------------------------

@planned(structures=("cA", "cD"))
def dwt(cA, cD, wavelet, mode="symmetric", axis=-1, *, data_shape):
    """Adjoint of dwt: cotangents of (cA, cD) -> cotangent of the data."""
    data_shape = _data_shape(data_shape)
    c = coefficient_arrays({"cA": cA, "cD": cD}, "cotangents")
    shape = equal_shapes(c, "cotangents of cA and cD")
    axis = normalize_axis(axis, len(data_shape))
    _check_batch(shape, data_shape, [axis])
    banks, modes = banks_and_modes(wavelet, mode, [axis])
    return analysis_adjoint(c.get("cA"), c.get("cD"), banks[0], modes[0], axis,
                            data_shape[axis])


@planned("y")
def idwt(y, wavelet, mode="symmetric", axis=-1):
    """Adjoint of idwt: cotangent of the reconstruction -> (cA, cD) cotangents."""
    g = signal(y, name="y")
    axis = normalize_axis(axis, g.ndim)
    banks, modes = banks_and_modes(wavelet, mode, [axis])
    return synthesis_adjoint(g, banks[0], modes[0], axis)


@planned(structures=("coeffs",))
def dwtn(coeffs, wavelet, mode="symmetric", axes=None, *, data_shape):
    """Adjoint of dwtn: dict of subband cotangents -> cotangent of the data."""
    data_shape = _data_shape(data_shape)
    if not isinstance(coeffs, dict):
        raise TypeError(f"expected a dict of subband cotangents; got {type(coeffs).__name__}")
    c = coefficient_arrays(detail_dict(coeffs, None, "cotangents"), "cotangents")
    shape = equal_shapes(c, "subband cotangents")
    axes = normalize_axes(axes, len(data_shape))
    detail_dict(c, len(axes), "cotangents")
    _check_batch(shape, data_shape, axes)
    return ml.dwtn_adjoint(c, axes, *banks_and_modes(wavelet, mode, axes), data_shape)


@planned("y")
def idwtn(y, wavelet, mode="symmetric", axes=None):
    """Adjoint of idwtn: cotangent of the reconstruction -> dict of subband cotangents."""
    g = signal(y, name="y")
    axes = normalize_axes(axes, g.ndim)
    return ml.idwtn_adjoint(g, axes, *banks_and_modes(wavelet, mode, axes))


@planned(structures=("coeffs",))
def dwt2(coeffs, wavelet, mode="symmetric", axes=(-2, -1), *, data_shape):
    """Adjoint of dwt2: (cA, (cH, cV, cD)) cotangents -> cotangent of the data."""
    cA, (cH, cV, cD) = _split2(coeffs)
    return dwtn({"aa": cA, "da": cH, "ad": cV, "dd": cD}, wavelet, mode, _two_axes(axes),
                data_shape=data_shape)


@planned("y")
def idwt2(y, wavelet, mode="symmetric", axes=(-2, -1)):
    """Adjoint of idwt2: cotangent of the reconstruction -> (cA, (cH, cV, cD))."""
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
def wavedec(coeffs, wavelet, mode="symmetric", axis=-1, *, data_shape):
    """Adjoint of wavedec: [cA_n, cD_n, ..., cD_1] cotangents -> cotangent of the data."""
    a, ds = _coeff_list(coeffs, "wavedec")
    return _wavedec_adjoint([a] + [{"d": d} for d in ds], wavelet, mode, [axis], data_shape)


@planned(structures=("coeffs",))
def wavedec2(coeffs, wavelet, mode="symmetric", axes=(-2, -1), *, data_shape):
    """Adjoint of wavedec2."""
    a, ds = _coeff_list(coeffs, "wavedec2")
    dicts = [dict(zip(("da", "ad", "dd"), _split2((None, d))[1])) for d in ds]
    return _wavedec_adjoint([a] + dicts, wavelet, mode, _two_axes(axes), data_shape)


@planned(structures=("coeffs",))
def wavedecn(coeffs, wavelet, mode="symmetric", axes=None, *, data_shape):
    """Adjoint of wavedecn."""
    a, ds = _coeff_list(coeffs, "wavedecn")
    return _wavedec_adjoint([a] + [dict(d) for d in ds], wavelet, mode, axes, data_shape)


def _waverec_adjoint(y, a_shape, detail_shapes, wavelet, mode, axes, trim_first):
    g = signal(y, name="y")
    axes = normalize_axes(axes, g.ndim)
    banks, modes = banks_and_modes(wavelet, mode, axes)
    if not detail_shapes:
        if tuple(a_shape) != g.shape:
            raise ValueError(f"coefficient shape mismatch: {tuple(a_shape)} vs {g.shape}")
        return [g], axes
    return ml.waverec_adjoint(g, a_shape, detail_shapes, axes, banks, modes, trim_first), axes


def _level_shape(shapes, what):
    shapes = {tuple(s) for s in shapes if s is not None}
    if len(shapes) != 1:
        raise ValueError(f"coefficient shape mismatch: {what} of one level must share one shape; "
                         f"got {sorted(shapes)}")
    return shapes.pop()


@planned("y")
def waverec(y, wavelet, mode="symmetric", axis=-1, *, coeff_shapes):
    """Adjoint of waverec: cotangent of the reconstruction -> [cA_n, cD_n, ..., cD_1]
    shaped like coeff_shapes (e.g. shapes_of(coeffs))."""
    a_shape, d_shapes = _coeff_list(coeff_shapes, "wavedec")
    out, _ = _waverec_adjoint(y, a_shape, [tuple(s) for s in d_shapes], wavelet, mode, [axis],
                              trim_first=True)
    return [out[0]] + [d["d"] for d in out[1:]]


@planned("y")
def waverec2(y, wavelet, mode="symmetric", axes=(-2, -1), *, coeff_shapes):
    """Adjoint of waverec2: cotangent -> [cA_n, (cH_n, cV_n, cD_n), ...]."""
    a_shape, d_shapes = _coeff_list(coeff_shapes, "wavedec2")
    levels = [_level_shape(d, "detail shapes") for d in d_shapes]
    out, _ = _waverec_adjoint(y, a_shape, levels, wavelet, mode, _two_axes(axes), trim_first=True)
    return [out[0]] + [(d["da"], d["ad"], d["dd"]) for d in out[1:]]


@planned("y")
def waverecn(y, wavelet, mode="symmetric", axes=None, *, coeff_shapes):
    """Adjoint of waverecn: cotangent -> [cA_n, {key: detail}, ...]; every key of
    each level is returned (the transpose of a missing subband is still defined)."""
    a_shape, d_shapes = _coeff_list(coeff_shapes, "wavedecn")
    levels = [_level_shape(d.values(), "detail shapes") for d in d_shapes]
    out, _ = _waverec_adjoint(y, a_shape, levels, wavelet, mode, axes, trim_first=False)
    return out
