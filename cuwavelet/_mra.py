"""pywt's multiresolution analysis: mra, mra2, mran (transform 'swt' or 'dwt')
and their inverses imra, imra2, imran (sums).

An MRA is the reconstruction of each subband of a decomposition on its own.
pywt runs one full inverse transform per subband, on coefficient lists that
are zero elsewhere. The inverse is a chain of linear level merges, so here the
reconstructions that are under way share each merge: they are rows of one
stack, merged together with zero details (one call), and each level's
subbands join the stack as new rows (one call each, the other subbands
absent). Levels of n-axis data cost 2**n merges per level instead of pywt's
(2**n - 1) * levels + 1 full inverses.

On Dask arrays the forward functions are lazy (`_lazily`): the analysed axes
whole in every block (rechunked where split), the parts of each block
computed together and every part a dask array; the inverses are sums, lazy
as they are.
"""
from __future__ import annotations

from functools import reduce

import numpy as np

from . import _multilevel as ml
from . import _stationary
from ._arrays import array_module, as_array, as_given, is_dask
from ._docs import Array
from ._eager import on_input_device
from ._separable import merge_sweep
from ._shapes import normalize_axes, normalize_axis
from .transforms import banks_and_modes, wavedec, wavedec2, wavedecn

__all__ = ["mra", "mra2", "mran", "imra", "imra2", "imran"]


def _swt_merger(wavelet, axes, nlevels):
    banks = _stationary._banks(wavelet, axes, True, inverse=True)
    modes = [_stationary.PERIODIZATION] * len(axes)

    def merge(j, a, details, shifted, level_shape):
        levels = [_stationary.dilated(b, nlevels - j) for b in banks]
        coeffs = dict(details)
        if a is not None:
            coeffs[_stationary.approx_key(len(axes))] = a
        ref = next(iter(coeffs.values()))
        return merge_sweep(coeffs, shifted, levels, modes, _stationary.iswt_merge,
                           [ref.shape[ax] for ax in shifted])
    return merge


def _dwt_merger(wavelet, mode, axes):
    banks, modes = banks_and_modes(wavelet, mode, axes)

    def merge(j, a, details, shifted, level_shape):
        coeffs = dict(details)
        if a is not None:  # waverec's rule: trimmed to the level's detail shape
            coeffs[ml.approx_key(len(axes))] = ml.trim_to(a, (a.shape[0],) + tuple(level_shape))
        return ml.idwtn(coeffs, shifted, banks, modes)
    return merge


def _components(a, details, merge, axes):
    """Rows: the approximation alone, then every detail subband alone (levels
    coarsest first, keys in each level's order), each fully reconstructed."""
    xp = array_module(a, *(v for d in details for v in d.values()))
    shifted = [ax + 1 for ax in axes]  # a leading axis numbers the rows
    stack = a[None]
    for j, d in enumerate(details):
        shape = next(iter(d.values())).shape
        parts = [merge(j, stack, {}, shifted, shape)]
        parts += [merge(j, None, {k: v[None]}, shifted, shape) for k, v in d.items()]
        stack = xp.concatenate(parts, axis=0)
    return stack


def _trimmed(rows, shape):
    index = (slice(None),) + tuple(slice(n) for n in shape)
    return rows[index]


def _lazily(fn, data, whole_axes, coeffs, **kwargs):
    """fn (mra, mra2 or mran) of a dask array, lazily: `coeffs`, the forward
    transform of `data` (lazy, never computed), gives the parts' structure
    and dtype. Each block holds `whole_axes` whole; its parts are stacked
    along a new first axis, so that one task computes them together."""
    count, dtype = len(_parts(coeffs)), _parts(coeffs)[0].dtype
    whole = data.rechunk({ax: -1 for ax in whole_axes})

    def block_parts(block):
        return array_module(block).stack(_parts(fn(block, **kwargs)))

    stacked = whole.map_blocks(block_parts, new_axis=0, chunks=((count,),) + whole.chunks,
                               dtype=dtype, meta=np.empty((0,) * (whole.ndim + 1), dtype))
    taken = iter(range(count))
    return _with_parts(coeffs, lambda _: stacked[next(taken)])


def _parts(out) -> list:
    """The arrays of an mra* result, in order (details: tuples or dicts)."""
    return [a for level in out for a in (level if isinstance(level, tuple) else
                                         level.values() if isinstance(level, dict) else (level,))]


def _with_parts(out, part):
    """out's structure with each array replaced by part(array), in _parts' order."""
    rebuilt = []
    for level in out:
        if isinstance(level, tuple):
            rebuilt.append(tuple(part(a) for a in level))
        elif isinstance(level, dict):
            rebuilt.append({k: part(a) for k, a in level.items()})
        else:
            rebuilt.append(part(level))
    return rebuilt


def _forward_detail_dicts(coeffs, keys):
    return [dict(zip(keys, level)) if keys else dict(level) for level in coeffs[1:]]


@on_input_device
def mra(data, wavelet, level=None, axis=-1, transform="swt", mode="periodization") -> list:
    """Forward 1D multiresolution analysis (pywt.mra).

    The projections of the data onto each wavelet subspace: adding them up
    (imra) gives the data back.

    Parameters
    ----------
    data : array_like
        Input data: NumPy, CuPy, or Dask (lazily: the analysed axis whole in
        every block, every part a dask array).
    wavelet : Wavelet object or name string
        Discrete wavelet.
    level : int, optional
        Levels (None: the deepest).
    axis : int, optional
        Axis to analyse (default -1).
    transform : {'swt', 'dwt'}
        The undecimated (norm=True) or the decimated transform.
    mode : str, optional
        Extension mode of the 'dwt' transform ('swt' needs 'periodization').

    Returns
    -------
    [cAn, cDn, ..., cD1] : list of arrays
        Each shaped like `data`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.sin(np.linspace(0, 8, 64))
    >>> parts = cw.mra(x, "db2", level=3)
    >>> len(parts), np.allclose(cw.imra(parts), x)
    (4, True)
    """
    x = data if is_dask(data) else as_array(data)
    if transform == "swt":
        if mode != "periodization":
            raise ValueError("transform swt only supports mode='periodization'")
        coeffs = _stationary.swt(x, wavelet, level=level, axis=axis, trim_approx=True, norm=True)
        merge = _swt_merger(wavelet, [normalize_axis(axis, x.ndim)], len(coeffs) - 1)
    elif transform == "dwt":
        coeffs = wavedec(x, wavelet, mode=mode, level=level, axis=axis)
        merge = _dwt_merger(wavelet, mode, [normalize_axis(axis, x.ndim)])
    else:
        raise ValueError(f"unrecognized transform: {transform}")
    if len(coeffs) == 1 and transform.startswith("dwt"):  # level 0: the data as given, as pywt
        return [data if is_dask(data) else as_given(data)]
    if is_dask(x):
        return _lazily(mra, x, [normalize_axis(axis, x.ndim)], coeffs, wavelet=wavelet,
                       level=level, axis=axis, transform=transform, mode=mode)
    details = [{"d": d} for d in coeffs[1:]]
    rows = _trimmed(_components(as_array(coeffs[0]), details, merge,
                                [normalize_axis(axis, x.ndim)]), x.shape)
    return [rows[i] for i in range(rows.shape[0])]


@on_input_device
def mra2(data, wavelet, level=None, axes=(-2, -1), transform="swt2", mode="periodization") -> list:
    """Forward 2D multiresolution analysis (pywt.mra2).

    Parameters
    ----------
    data : array_like
        Input data: NumPy, CuPy, or Dask (lazily, the analysed axes whole in
        every block).
    wavelet : Wavelet object or name string, or 2-tuple of them
        One wavelet, or one per axis.
    level : int, optional
        Levels (None: for 'swt2' the deepest that every dimension of `data`
        allows, as pywt; for 'dwt2' wavedec2's default).
    axes : 2-tuple of ints, optional
        Axes to analyse (default the last two).
    transform : {'swt2', 'dwt2'}
        The undecimated (norm=True) or the decimated transform.
    mode : str or 2-tuple of str, optional
        Extension mode of the 'dwt2' transform.

    Returns
    -------
    [cAn, (cHn, cVn, cDn), ..., (cH1, cV1, cD1)] : list
        Each array shaped like `data`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal((16, 16))
    >>> parts = cw.mra2(x, "haar", level=2)
    >>> np.allclose(cw.imra2(parts), x)
    True
    """
    x = data if is_dask(data) else as_array(data)
    axes = tuple(axes)
    if transform == "swt2":
        if mode != "periodization":
            raise ValueError("transform swt only supports mode='periodization'")
        if level is None:
            level = min(_stationary.swt_max_level(s) for s in x.shape)
        coeffs = _stationary.swt2(x, wavelet, level=level, axes=axes, trim_approx=True,
                                  norm=True)
        norm_axes = normalize_axes(axes, x.ndim, 2)
        merge = _swt_merger(wavelet, norm_axes, len(coeffs) - 1)
    elif transform == "dwt2":
        coeffs = wavedec2(x, wavelet, mode=mode, level=level, axes=axes)
        norm_axes = normalize_axes(axes, x.ndim, 2)
        merge = _dwt_merger(wavelet, mode, norm_axes)
    else:
        raise ValueError(f"unrecognized transform: {transform}")
    if len(coeffs) == 1 and transform.startswith("dwt"):  # level 0: the data as given, as pywt
        return [data if is_dask(data) else as_given(data)]
    if is_dask(x):
        return _lazily(mra2, x, norm_axes, coeffs, wavelet=wavelet, level=level, axes=axes,
                       transform=transform, mode=mode)
    keys = ("da", "ad", "dd")
    details = _forward_detail_dicts(coeffs, keys)
    rows = _trimmed(_components(as_array(coeffs[0]), details, merge, norm_axes), x.shape)
    out, i = [rows[0]], 1
    for _ in details:
        out.append((rows[i], rows[i + 1], rows[i + 2]))
        i += 3
    return out


@on_input_device
def mran(data, wavelet, level=None, axes=None, transform="swtn", mode="periodization") -> list:
    """Forward nD multiresolution analysis (pywt.mran).

    Parameters
    ----------
    data : array_like
        Input data: NumPy, CuPy, or Dask (lazily, the analysed axes whole in
        every block).
    wavelet : Wavelet object or name string, or tuple of them
        One wavelet, or one per axis.
    level : int, optional
        Levels (None: for 'swtn' the deepest that every dimension of `data`
        allows, as pywt; for 'dwtn' wavedecn's default).
    axes : sequence of ints, optional
        Axes to analyse (default all).
    transform : {'swtn', 'dwtn'}
        The undecimated (norm=True) or the decimated transform.
    mode : str or tuple of str, optional
        Extension mode of the 'dwtn' transform.

    Returns
    -------
    [cAn, {details_n}, ..., {details_1}] : list
        Detail dicts keyed as wavedecn's; each array shaped like `data`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal((8, 8, 8))
    >>> parts = cw.mran(x, "haar", level=2)
    >>> sorted(parts[1])
    ['aad', 'ada', 'add', 'daa', 'dad', 'dda', 'ddd']
    >>> np.allclose(cw.imran(parts), x)
    True
    """
    x = data if is_dask(data) else as_array(data)
    norm_axes = normalize_axes(axes, x.ndim)
    if transform == "swtn":
        if mode != "periodization":
            raise ValueError("transform swt only supports mode='periodization'")
        if level is None:
            level = min(_stationary.swt_max_level(s) for s in x.shape)
        coeffs = _stationary.swtn(x, wavelet, level=level, axes=norm_axes, trim_approx=True,
                                  norm=True)
        merge = _swt_merger(wavelet, norm_axes, len(coeffs) - 1)
    elif transform == "dwtn":
        coeffs = wavedecn(x, wavelet, mode=mode, level=level, axes=norm_axes)
        merge = _dwt_merger(wavelet, mode, norm_axes)
    else:
        raise ValueError(f"unrecognized transform: {transform}")
    if len(coeffs) == 1 and transform.startswith("dwt"):  # level 0: the data as given, as pywt
        return [data if is_dask(data) else as_given(data)]
    if is_dask(x):
        return _lazily(mran, x, norm_axes, coeffs, wavelet=wavelet, level=level, axes=axes,
                       transform=transform, mode=mode)
    details = _forward_detail_dicts(coeffs, None)
    rows = _trimmed(_components(as_array(coeffs[0]), details, merge, norm_axes), x.shape)
    out, i = [rows[0]], 1
    for d in details:
        out.append({k: rows[i + n] for n, k in enumerate(d)})
        i += len(d)
    return out


def imra(mra_coeffs) -> Array:
    """Inverse 1D multiresolution analysis: the sum of the parts (pywt.imra).

    Parameters
    ----------
    mra_coeffs : list of arrays
        As mra returns them.

    Returns
    -------
    rec : array
        The reconstructed signal.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> cw.imra([np.ones(3), 2 * np.ones(3)])
    array([3., 3., 3.])
    """
    return reduce(lambda x, y: x + y, mra_coeffs)


def imra2(mra_coeffs) -> Array:
    """Inverse 2D multiresolution analysis: the sum of the parts (pywt.imra2;
    unlike pywt's, the first array is not modified in place).

    Parameters
    ----------
    mra_coeffs : list
        As mra2 returns them.

    Returns
    -------
    rec : array
        The reconstruction.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> z = np.zeros((2, 2))
    >>> cw.imra2([np.ones((2, 2)), (z, z + 1, z)])
    array([[2., 2.],
           [2., 2.]])
    """
    rec = mra_coeffs[0]
    for level in mra_coeffs[1:]:
        for part in level:
            rec = rec + part
    return rec


def imran(mra_coeffs) -> Array:
    """Inverse nD multiresolution analysis: the sum of the parts (pywt.imran;
    the first array is not modified in place).

    Parameters
    ----------
    mra_coeffs : list
        As mran returns them.

    Returns
    -------
    rec : array
        The reconstruction.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> cw.imran([np.ones(2), {"d": np.ones(2)}])
    array([2., 2.])
    """
    rec = mra_coeffs[0]
    for level in mra_coeffs[1:]:
        for part in level.values():
            rec = rec + part
    return rec
