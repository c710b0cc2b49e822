"""pywt's partial transforms (downcoef, upcoef) and its fully separable
transform (fswavedecn, fswaverecn) for a bridge, made of the bridge's own
transforms by the core's own loops (cuwavelet._partial: downcoef_steps,
upcoef_steps; cuwavelet._fully_separable: fswavedecn_steps,
fswaverecn_steps). Every step is a bridge op whose gradient is its exact
adjoint, or the framework's concatenation and slicing, so the gradients are
exact too.
"""
from __future__ import annotations

from cuwavelet._fully_separable import (FswavedecnResult, _axes_of, fswavedecn_steps,
                                       fswaverecn_steps)
from cuwavelet._partial import downcoef_steps, line_axis, upcoef_steps
from cuwavelet._shapes import with_len
from cuwavelet._wavelets import as_pywt_wavelet

from ._frontend_swt_packets import docstring as _docstring


class PartialFrontend:
    """downcoef, upcoef, fswavedecn and fswaverecn for a bridge: its DWT
    frontend (bridges._frontend.Frontend), its arrays' zeros(shape, like) and
    concatenate(arrays, axis), optionally `constant(fn) -> fn`, which makes
    graph capture take a pure-Python function's result as a constant (pywt's
    tables are not traceable), and `learned(wavelet) -> bool`, whether a
    wavelet is one learned filter bank (the bridge's arrays: the DWT
    frontend takes it, and an FswavedecnResult holds it as given)."""

    def __init__(self, dwt_api, zeros, concatenate, constant=lambda fn: fn,
                 learned=lambda wavelet: False):
        self.dwt, self.zeros, self.concatenate = dwt_api, zeros, concatenate
        self._as_wavelet, self.learned = constant(as_pywt_wavelet), learned

    def downcoef(self, part, data, wavelet, mode="symmetric", level=1, axis=None):
        ax = line_axis(data.ndim, axis, "downcoef")
        return downcoef_steps(part, data, level, lambda x: self.dwt.dwt(x, wavelet, mode, ax))

    def upcoef(self, part, coeffs, wavelet, level=1, take=0, axis=None):
        ax = line_axis(coeffs.ndim, axis, "upcoef")
        return upcoef_steps(part, coeffs, ax, self.dwt.filter_length(wavelet, ax), level, take,
                            self._zero_padded,
                            lambda a, d: self.dwt.idwt(a, d, wavelet, "zero", ax))

    def _zero_padded(self, c, ax, width):
        z = self.zeros(with_len(tuple(int(n) for n in c.shape), ax, width), c)
        return self.concatenate([z, c, z], ax)

    def fswavedecn(self, data, wavelet, mode="symmetric", levels=None, axes=None):
        if self.learned(wavelet):  # one learned bank (four arrays) for every axis
            wavelet = [wavelet] * len(_axes_of(data.ndim, axes))
        return fswavedecn_steps(data, wavelet, mode, levels, axes, self.dwt.wavedec,
                                self.concatenate, self._result_wavelet)

    def _result_wavelet(self, wavelet):
        """What the result holds: a learned bank as given, else a pywt.Wavelet."""
        return wavelet if self.learned(wavelet) else self._as_wavelet(wavelet)

    def fswaverecn(self, fswavedecn_result):
        # the result's pywt.Wavelets enter waverec as their filter banks: graph
        # capture reads an attribute of a constant, but cannot pass one along
        return fswaverecn_steps(fswavedecn_result, lambda levels, w, mode, axis: self.dwt.waverec(
            levels, w if self.learned(w) else w.filter_bank, mode, axis))


# --- the public functions' docstrings, shared by the bridges -------------------------

DOCS = {
    "downcoef": ("Approximation or detail coefficients of one level (``pywt.downcoef``).",
                 """part : {{'a', 'd'}}
        Which coefficients of the last level to return.
    data : {array}
        The signal (1D, or any shape with `axis` given).
    wavelet : str, pywt.Wavelet or filter bank
        A discrete wavelet.
    mode : str
        Signal extension mode.
    level : int
        Decomposition level; the levels before it keep the approximation.
    axis : int or None
        Transform every line along this axis (None: 1D data, as pywt).""", """{array}
        ``wavedec(data, wavelet, mode, level)[0]`` for 'a', ``[1]`` for 'd'."""),
    "upcoef": ("Direct reconstruction from one subband (``pywt.upcoef``).",
               """part : {{'a', 'd'}}
        Whether `coeffs` are approximation or detail coefficients.
    coeffs : {array}
        The coefficients (1D, or any shape with `axis` given).
    wavelet : str, pywt.Wavelet or filter bank
        A discrete wavelet.
    level : int
        Levels of reconstruction; after the first, the low-pass synthesis
        filter.
    take : int
        If ``0 < take`` and shorter than the result, keep the central `take`
        samples.
    axis : int or None
        Transform every line along this axis (None: 1D data, as pywt).""", """{array}
        The full upsampling convolutions, ``2 n + F - 2`` samples per level
        (then cropped to `take`)."""),
    "fswavedecn": ("Fully separable wavelet decomposition (``pywt.fswavedecn``).",
                   """data : {array}
        The data.
    wavelet : str or pywt.Wavelet, or one per axis
        A discrete wavelet, or a learned filter bank (four {array}s, kept in
        the result as given: the gradients reach the filters).
    mode : str, or one per axis
        Signal extension mode.
    levels : int, sequence of int or None
        Levels along each axis (None: the deepest, per axis).
    axes : sequence of int or None
        The axes to transform, in order (None: all).""", """cuwavelet.FswavedecnResult
        The coefficients in one {array} (`.coeffs`) and where each subband
        lies in it (index it by levels per axis, as pywt's)."""),
    "fswaverecn": ("Inverse of `fswavedecn` (``pywt.fswaverecn``).",
                   """fswavedecn_result : cuwavelet.FswavedecnResult
        As `fswavedecn` returns it; its `coeffs` may be replaced by any
        {array} of the same shape.""", """{array}
        The reconstruction."""),
}


def docstring(name: str, array: str, examples: str) -> str:
    """The numpydoc docstring of a bridge's `name` for arrays called `array`."""
    return _docstring(name, array, examples, DOCS)


__all__ = ["PartialFrontend", "FswavedecnResult", "docstring"]
