"""pywt's discrete wavelet transforms, by name, signature and coefficient structure,
on NumPy arrays (CPU kernels) and CuPy arrays (CUDA kernels).

One difference in arguments: `level`, `axis` and `axes` must be integers, so
True or False raise a TypeError (pywt reads them as 1 and 0)."""
from __future__ import annotations

from typing import Sequence

from . import _multilevel as ml
from ._arrays import array_module, as_array, as_given, common_dtype
from ._docs import Array, ArrayLike, Axes, ModeSpec, WaveletSpec, shared_docs
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
        raise ValueError(f"Unexpected detail coefficient type: {type(d).__name__}; the {what} "
                         "must be a dict of arrays as returned by wavedecn.")
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
@shared_docs
def dwt(data: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
        axis: int = -1) -> tuple[Array, Array]:
    """Single-level discrete wavelet transform along one axis (``pywt.dwt``).

    Parameters
    ----------
    {data}
    {wavelet}
    {mode}
    {axis}

    Returns
    -------
    cA, cD : array
        Approximation and detail coefficients, ``dwt_coeff_len(n, filter
        length, mode)`` long along `axis` (n: the data's length there), in
        the data's dtype rule and on its device.

    See Also
    --------
    idwt : the inverse.
    cuwavelet.adjoint.dwt : the adjoint (transpose).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> cA, cD = cw.dwt(np.array([1.0, 2.0, 3.0, 4.0]), "haar")
    >>> cA
    array([2.12132034, 4.94974747])
    >>> cD
    array([-0.70710678, -0.70710678])

    Any number of leading dimensions is a batch:

    >>> x = np.random.default_rng(0).standard_normal((8, 3, 100))
    >>> cA, cD = cw.dwt(x, "db4", mode="periodization")
    >>> cA.shape
    (8, 3, 50)
    """
    x = signal(data)
    return analysis(x, as_filter_bank(wavelet), as_mode(mode), normalize_axis(axis, x.ndim))


@planned(structures=("cA", "cD"))
@shared_docs
def idwt(cA: ArrayLike | None, cD: ArrayLike | None, wavelet: WaveletSpec,
         mode: ModeSpec = "symmetric", axis: int = -1) -> Array:
    """Single-level inverse discrete wavelet transform (``pywt.idwt``).

    Parameters
    ----------
    cA, cD : array_like or None
        Approximation and detail coefficients of one shape, as `dwt` returns
        them; either may be None, meaning zeros.
    {wavelet}
    {mode}
    {axis}

    Returns
    -------
    array
        The reconstruction: ``2 * n - filter length + 2`` samples along `axis`
        for n coefficients (``2 * n`` in periodization mode). Where the data
        had an odd length, the reconstruction has one sample more.

    See Also
    --------
    dwt : the forward transform.
    cuwavelet.adjoint.idwt : the adjoint (transpose).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> cA, cD = cw.dwt(x, "db2")
    >>> np.allclose(cw.idwt(cA, cD, "db2"), x)
    True
    >>> cw.idwt(cA, None, "haar", "periodization").shape
    (8,)
    """
    c = coefficient_arrays({"cA": cA, "cD": cD})
    shape = equal_shapes(c, "approximation and detail coefficients")
    if len(shape) == 0:
        raise AxisError("Coefficient arrays must be at least 1-D.")
    return synthesis(c.get("cA"), c.get("cD"), as_filter_bank(wavelet), as_mode(mode),
                     normalize_axis(axis, len(shape)))


@planned("data")
@shared_docs
def dwtn(data: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
         axes: Axes = None) -> dict[str, Array]:
    """Single-level n-dimensional discrete wavelet transform (``pywt.dwtn``).

    Parameters
    ----------
    {data}
    {wavelets}
    {modes}
    {axesn}

    Returns
    -------
    dict of str to array
        One subband per key: a string of ``"a"`` (approximation, low-pass)
        and ``"d"`` (detail, high-pass), one letter per axis in `axes` order.
        ``"aa...a"`` is the approximation. An axis given twice in `axes` is
        transformed twice, as pywt does.

    See Also
    --------
    idwtn : the inverse.
    dwt2 : the same for two axes, in pywt's 2D structure.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> c = cw.dwtn(np.ones((4, 6, 8)), "haar")
    >>> sorted(c)
    ['aaa', 'aad', 'ada', 'add', 'daa', 'dad', 'dda', 'ddd']
    >>> c["aaa"].shape
    (2, 3, 4)
    >>> float(abs(c["ddd"]).max())
    0.0
    """
    x = signal(data)
    axes = normalize_axes(axes, x.ndim, unique=False)
    return ml.dwtn(x, axes, *banks_and_modes(wavelet, mode, axes))


@planned(structures=("coeffs",))
@shared_docs
def idwtn(coeffs: dict[str, ArrayLike | None], wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
          axes: Axes = None) -> Array:
    """Single-level n-dimensional inverse discrete wavelet transform (``pywt.idwtn``).

    Parameters
    ----------
    coeffs : dict of str to array_like
        Subbands as `dwtn` returns them, all of one shape; a missing or None
        subband means zeros.
    {wavelets}
    {modes}
    axes : sequence of int, optional
        The axes the keys' letters refer to, in order. Default None: the
        first ``len(key)`` axes.

    Returns
    -------
    array
        The reconstruction.

    See Also
    --------
    dwtn : the forward transform.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(48.0).reshape(6, 8)
    >>> np.allclose(cw.idwtn(cw.dwtn(x, "db1"), "db1"), x)
    True
    >>> c = cw.dwtn(x, "db1")
    >>> low_pass = cw.idwtn({"aa": c["aa"]}, "db1")   # the other subbands are zeros
    >>> low_pass.shape
    (6, 8)
    """
    if not isinstance(coeffs, dict):
        raise TypeError(f"idwtn expects a dict of subbands; got {type(coeffs).__name__}.")
    coeffs = detail_dict({k: v for k, v in coeffs.items() if v is not None}, None, "coefficients")
    c = coefficient_arrays(coeffs)
    shape = equal_shapes(c)
    naxes = len(next(iter(c)))
    axes = normalize_axes(range(naxes) if axes is None else axes, len(shape), unique=False)
    if len(axes) != naxes:
        raise ValueError(f"The coefficient keys have {naxes} letters but {len(axes)} axes were given.")
    return ml.idwtn(c, axes, *banks_and_modes(wavelet, mode, axes))


@planned("data")
@shared_docs
def dwt2(data: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
         axes: Sequence[int] = (-2, -1)) -> tuple[Array, tuple[Array, Array, Array]]:
    """Single-level 2D discrete wavelet transform (``pywt.dwt2``).

    Parameters
    ----------
    {data}
    {wavelets}
    {modes}
    {axes2}

    Returns
    -------
    (cA, (cH, cV, cD)) : tuple
        Approximation, then the horizontal, vertical and diagonal details
        (pywt's names: cH is low-pass along the second axis and high-pass
        along the first).

    See Also
    --------
    idwt2 : the inverse.
    wavedec2 : several levels.
    cuwavelet.adjoint.dwt2 : the adjoint (transpose).

    Examples
    --------
    >>> import numpy as np
    >>> import pywt
    >>> import cuwavelet as cw
    >>> images = np.random.default_rng(0).standard_normal((4, 32, 32))
    >>> cA, (cH, cV, cD) = cw.dwt2(images, "bior2.2", mode="periodization")
    >>> cA.shape, cD.shape
    ((4, 16, 16), (4, 16, 16))
    >>> np.allclose(cH, pywt.dwt2(images, "bior2.2", mode="periodization")[1][0])
    True
    """
    x = signal(data, 2)
    axes = normalize_axes(axes, x.ndim, 2, unique=False)
    c = ml.dwtn(x, axes, *banks_and_modes(wavelet, mode, axes))
    return c["aa"], (c["da"], c["ad"], c["dd"])


@planned(structures=("coeffs",))
@shared_docs
def idwt2(coeffs: tuple, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
          axes: Sequence[int] = (-2, -1)) -> Array:
    """Single-level 2D inverse discrete wavelet transform (``pywt.idwt2``).

    Parameters
    ----------
    coeffs : tuple
        ``(cA, (cH, cV, cD))`` as `dwt2` returns it; any of the four may be
        None, meaning zeros.
    {wavelets}
    {modes}
    {axes2}

    Returns
    -------
    array
        The reconstruction.

    See Also
    --------
    dwt2 : the forward transform.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> image = np.random.default_rng(0).standard_normal((30, 40))
    >>> np.allclose(cw.idwt2(cw.dwt2(image, "db3"), "db3"), image)
    True
    """
    cA, (cH, cV, cD) = _split2(coeffs)
    return idwtn({"aa": cA, "da": cH, "ad": cV, "dd": cD}, wavelet, mode,
                 _two_axes(axes))


def _two_axes(axes):
    try:
        axes = tuple(axes)
    except TypeError:
        raise TypeError(f"axes must be a sequence of 2 axes; got {axes!r}") from None
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
@shared_docs
def wavedec(data: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
            level: int | None = None, axis: int = -1) -> list[Array]:
    """Multilevel 1D discrete wavelet transform along one axis (``pywt.wavedec``).

    Parameters
    ----------
    {data}
    {wavelet}
    {mode}
    {level}
    {axis}

    Returns
    -------
    list of array
        ``[cA_n, cD_n, ..., cD_2, cD_1]``: the approximation of the deepest
        level, then the details from the deepest level to the first. Level 0
        returns ``[data]``.

    See Also
    --------
    waverec : the inverse.
    cuwavelet.adjoint.wavedec : the adjoint (the backward pass of a loss on
        the coefficients).

    Examples
    --------
    >>> import numpy as np
    >>> import pywt
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal((16, 1000))   # 16 signals
    >>> coeffs = cw.wavedec(x, "db4", level=3)
    >>> [c.shape for c in coeffs]
    [(16, 131), (16, 131), (16, 255), (16, 503)]
    >>> all(np.allclose(a, b) for a, b in zip(coeffs, pywt.wavedec(x, "db4", level=3)))
    True
    """
    x = signal(data)
    axes = [normalize_axis(axis, x.ndim)]
    banks, modes = banks_and_modes(wavelet, mode, axes)
    level = check_level([x.shape[axes[0]]], [banks[0].length], level)
    if level == 0:
        return [as_given(data)]
    c = ml.wavedec(x, axes, banks, modes, level)
    return [c[0]] + [d["d"] for d in c[1:]]


@planned(structures=("coeffs",))
@shared_docs
def waverec(coeffs: Sequence[ArrayLike | None], wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
            axis: int = -1) -> Array:
    """Multilevel 1D inverse discrete wavelet transform (``pywt.waverec``).

    Parameters
    ----------
    coeffs : list of array_like
        ``[cA_n, cD_n, ..., cD_1]`` as `wavedec` returns it; None entries
        mean zeros.
    {wavelet}
    {mode}
    {axis}

    Returns
    -------
    array
        The reconstruction. Where a level's data had an odd length, it has
        one sample more, as pywt's (the extra sample is dropped between levels
        from the lengths of the next level's coefficients). Only that trim is
        made: any other shape mismatch raises ValueError.

    See Also
    --------
    wavedec : the forward transform.
    cuwavelet.adjoint.waverec : the adjoint (transpose).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal((4, 512)).astype(np.float32)
    >>> y = cw.waverec(cw.wavedec(x, "sym5", level=4), "sym5")
    >>> y.dtype, bool(np.abs(y - x).max() < 1e-5)
    (dtype('float32'), True)
    """
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
@shared_docs
def wavedec2(data: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
             level: int | None = None, axes: Sequence[int] = (-2, -1)) -> list:
    """Multilevel 2D discrete wavelet transform (``pywt.wavedec2``).

    Parameters
    ----------
    {data}
    {wavelets}
    {modes}
    {level}
    {axes2}

    Returns
    -------
    list
        ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``: the
        approximation of the deepest level, then one (horizontal, vertical,
        diagonal) detail triple per level from the deepest to the first.

    See Also
    --------
    waverec2 : the inverse.
    coeffs_to_array : the coefficients packed into one array.
    cuwavelet.adjoint.wavedec2 : the adjoint (transpose).

    Examples
    --------
    >>> import numpy as np
    >>> import pywt
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    >>> coeffs = cw.wavedec2(x, "db2", level=3)
    >>> coeffs[0].shape, [d[0].shape for d in coeffs[1:]]
    ((2, 3, 10, 10), [(2, 3, 10, 10), (2, 3, 18, 18), (2, 3, 33, 33)])
    >>> expected = pywt.wavedec2(x, "db2", level=3)
    >>> bool(np.allclose(coeffs[1][2], expected[1][2], atol=1e-5))
    True
    """
    x = signal(data, 2)
    axes = normalize_axes(axes, x.ndim, 2)
    banks, modes = banks_and_modes(wavelet, mode, axes)
    level = check_level([x.shape[a] for a in axes], [b.length for b in banks], level)
    if level == 0:
        return [as_given(data)]
    c = ml.wavedec(x, axes, banks, modes, level)
    return [c[0]] + [(d["da"], d["ad"], d["dd"]) for d in c[1:]]


@planned(structures=("coeffs",))
@shared_docs
def waverec2(coeffs: Sequence, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
             axes: Sequence[int] = (-2, -1)) -> Array:
    """Multilevel 2D inverse discrete wavelet transform (``pywt.waverec2``).

    Parameters
    ----------
    coeffs : list
        ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]`` as `wavedec2`
        returns it; None entries mean zeros.
    {wavelets}
    {modes}
    {axes2}

    Returns
    -------
    array
        The reconstruction.

    See Also
    --------
    wavedec2 : the forward transform.
    cuwavelet.adjoint.waverec2 : the adjoint (transpose).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> image = np.random.default_rng(0).standard_normal((64, 48))
    >>> coeffs = cw.wavedec2(image, "bior2.2", level=2)
    >>> np.allclose(cw.waverec2(coeffs, "bior2.2"), image)
    True

    Zeroing the finest details gives a smoothed image:

    >>> coeffs[-1] = (None, None, None)
    >>> cw.waverec2(coeffs, "bior2.2").shape
    (64, 48)
    """
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
@shared_docs
def wavedecn(data: ArrayLike, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
             level: int | None = None, axes: Axes = None) -> list:
    """Multilevel n-dimensional discrete wavelet transform (``pywt.wavedecn``).

    Parameters
    ----------
    {data}
    {wavelets}
    {modes}
    {level}
    {axesn}

    Returns
    -------
    list
        ``[cA_n, {key: detail}_n, ..., {key: detail}_1]``: the approximation
        of the deepest level, then per level a dict of detail subbands keyed
        as in `dwtn` (every key but the all-``"a"`` one).

    See Also
    --------
    waverecn : the inverse.
    wavedecn_shapes : the coefficients' shapes without computing them.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> volume = np.random.default_rng(0).standard_normal((16, 16, 16))
    >>> coeffs = cw.wavedecn(volume, "haar", level=2)
    >>> coeffs[0].shape, len(coeffs[1]), coeffs[1]["dad"].shape
    ((4, 4, 4), 7, (4, 4, 4))

    Over some axes only (a batch of 2D images here):

    >>> coeffs = cw.wavedecn(volume, "db2", level=1, axes=(1, 2))
    >>> sorted(coeffs[1])
    ['ad', 'da', 'dd']
    """
    x = signal(data)
    axes = normalize_axes(axes, x.ndim)
    banks, modes = banks_and_modes(wavelet, mode, axes)
    level = check_level([x.shape[a] for a in axes], [b.length for b in banks], level)
    if level == 0:
        return [as_given(data)]
    return ml.wavedec(x, axes, banks, modes, level)


@planned(structures=("coeffs",))
@shared_docs
def waverecn(coeffs: Sequence, wavelet: WaveletSpec, mode: ModeSpec = "symmetric",
             axes: Axes = None) -> Array:
    """Multilevel n-dimensional inverse discrete wavelet transform (``pywt.waverecn``).

    Parameters
    ----------
    coeffs : list
        ``[cA_n, {key: detail}_n, ..., {key: detail}_1]`` as `wavedecn`
        returns it. cA_n may be None (zeros); a missing key means a zero
        subband (a None value is refused, as pywt does).
    {wavelets}
    {modes}
    {axesn}

    Returns
    -------
    array
        The reconstruction.

    See Also
    --------
    wavedecn : the forward transform.
    cuwavelet.adjoint.waverecn : the adjoint (transpose).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> volume = np.random.default_rng(0).standard_normal((20, 24, 28))
    >>> coeffs = cw.wavedecn(volume, "sym2", level=2)
    >>> np.allclose(cw.waverecn(coeffs, "sym2"), volume)
    True
    """
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
    # lists and scalars are arrays too, as pywt reads them
    a = None if a is None else as_array(a, "approximation coefficients")
    details = [{k: as_array(v, f"detail coefficients {k!r}") for k, v in d.items()}
               for d in details]
    ndims = {v.ndim for d in details for v in d.values()} | ({a.ndim} if a is not None else set())
    if len(ndims) != 1:
        raise ValueError("All coefficients must have a matching number of dimensions")
    ndim = ndims.pop()
    if axes is None:
        axes = range(ndim)
    return _waverec_dicts(a, details, wavelet, mode, axes, trim_first=False)


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


