"""The bridges' numpydoc docstrings, written once for torch and JAX.

Each family's front end (_frontend_swt_packets.py, _frontend_mra.py, ...) keeps
a table {name: (summary, parameters, returns)} whose texts say ``{array}``
where a bridge's array type goes; a bridge adds its own examples. `numpydoc`
puts one together. The table of the twelve DWT functions (_frontend.py's) is
here.
"""
from __future__ import annotations

import textwrap

ADJOINT = "the backward pass is the transform's exact adjoint"


def numpydoc(docs: dict, name: str, array: str, examples: str, gradient: str = ADJOINT) -> str:
    """The docstring of a bridge's `name` from its entry in `docs`, for arrays
    called `array` (``{{``/``}}`` in a text are literal braces), with the
    bridge's `examples` and how the function is differentiated: `gradient`."""
    summary, params, returns = docs[name]
    differentiable = textwrap.fill(f"Differentiable: {gradient}.", 76, subsequent_indent="    ")
    body = (f"{summary}\n\n    {differentiable}\n\n"
            f"    Parameters\n    ----------\n    {params}\n\n    Returns\n"
            f"    -------\n    {returns}\n\n    Examples\n    --------\n{examples}")
    return body.replace("{array}", array).replace("{{", "{").replace("}}", "}")


# --- the DWT family (_frontend.Frontend's twelve functions) ---------------------------------

DWT_GRADIENT = (ADJOINT + "; with a learned filter bank the filters get their gradient "
                "too")

_WAVELET = """wavelet : str, pywt.Wavelet, filter bank or a sequence of them
        A name from ``pywt.wavelist(kind="discrete")``, a ``pywt.Wavelet``, a
        filter bank ``(dec_lo, dec_hi, rec_lo, rec_hi)`` of numbers, or of
        {array}s (a learned filter bank: gradients reach the filters), or one
        per axis."""
_MODE_1D = """mode : str
        Boundary extension (pywt's nine modes and their aliases)."""
_MODES = """mode : str or sequence of str
        Boundary extension (or one per axis)."""
_LEVEL = """level : int or None
        Decomposition level; None is pywt's maximum useful level."""
_AXIS = """axis : int
        The transformed axis."""
_AXES_2D = """axes : pair of int
        The transformed axes."""
_AXES_ND = """axes : sequence of int or None
        The transformed axes (None: all)."""
_DATA_1D = """data : {array}
        Any shape; every dimension but `axis` is a batch dimension."""
_DATA_2D = """data : {array}
        At least 2-D; dimensions outside `axes` are batch dimensions."""
_DATA_ND = """data : {array}
        Dimensions outside `axes` are batch dimensions."""
_RECONSTRUCTION = """{array}
        The reconstruction."""


def _params(*texts: str) -> str:
    return "\n    ".join(texts)


DWT_DOCS = {
    "dwt": ("Single-level discrete wavelet transform along one axis (``pywt.dwt``).",
            _params(_DATA_1D, _WAVELET, _MODE_1D, _AXIS), """(cA, cD) : tuple of {array}
        Approximation and detail coefficients."""),
    "idwt": ("Single-level inverse discrete wavelet transform (``pywt.idwt``).",
             _params("""cA, cD : {array} or None
        Approximation and detail coefficients of one shape; None is zeros.""", _WAVELET,
                     """mode : str
        Boundary extension the coefficients were made with.""", _AXIS), """{array}
        The reconstruction (``2 * n - F + 2`` samples along `axis`; ``2 * n``
        in periodization)."""),
    "wavedec": ("Multilevel 1D discrete wavelet transform (``pywt.wavedec``).",
                _params(_DATA_1D, _WAVELET, _MODE_1D, _LEVEL, _AXIS), """list of {array}
        ``[cA_n, cD_n, ..., cD_1]``."""),
    "waverec": ("Multilevel 1D inverse discrete wavelet transform (``pywt.waverec``).",
                _params("""coeffs : list of {array}
        ``[cA_n, cD_n, ..., cD_1]`` as `wavedec` returns it (details may be
        None: zeros). An approximation one sample longer than the next detail
        along `axis` is trimmed, as pywt does; any other mismatch is a
        ValueError.""", _WAVELET, _MODE_1D, _AXIS), _RECONSTRUCTION),
    "dwt2": ("Single-level 2D discrete wavelet transform (``pywt.dwt2``).",
             _params(_DATA_2D, _WAVELET, _MODES, _AXES_2D), """(cA, (cH, cV, cD)) : tuple
        ``cH`` is the detail along ``axes[0]``."""),
    "idwt2": ("Single-level 2D inverse discrete wavelet transform (``pywt.idwt2``).",
              _params("""coeffs : tuple
        ``(cA, (cH, cV, cD))``; None entries are zeros.""", _WAVELET, _MODES, _AXES_2D),
              _RECONSTRUCTION),
    "wavedec2": ("Multilevel 2D discrete wavelet transform (``pywt.wavedec2``).",
                 _params(_DATA_2D, _WAVELET, _MODES, _LEVEL, _AXES_2D), """list
        ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``."""),
    "waverec2": ("Multilevel 2D inverse discrete wavelet transform (``pywt.waverec2``).",
                 _params("""coeffs : list
        ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``; None details
        are zeros. An approximation one sample longer than the next level's
        details along a transformed axis is trimmed (pywt's rule); any other
        mismatch is a ValueError.""", _WAVELET, _MODES, _AXES_2D), _RECONSTRUCTION),
    "dwtn": ("Single-level nD discrete wavelet transform (``pywt.dwtn``).",
             _params(_DATA_ND, _WAVELET, _MODES, _AXES_ND), """dict
        ``{{key: subband}}``, one letter per axis in axes order (``'a'`` low
        pass, ``'d'`` high pass)."""),
    "idwtn": ("Single-level nD inverse discrete wavelet transform (``pywt.idwtn``).",
              _params("""coeffs : dict
        ``{{key: subband}}`` as `dwtn` returns it; missing or None subbands are
        zeros.""", _WAVELET, _MODES, """axes : sequence of int or None
        The transformed axes (None: the first ``len(key)`` axes)."""), _RECONSTRUCTION),
    "wavedecn": ("Multilevel nD discrete wavelet transform (``pywt.wavedecn``).",
                 _params(_DATA_ND, _WAVELET, _MODES, _LEVEL, _AXES_ND), """list
        ``[cA_n, {{key: detail}}_n, ..., {{key: detail}}_1]``."""),
    "waverecn": ("Multilevel nD inverse discrete wavelet transform (``pywt.waverecn``).",
                 _params("""coeffs : list
        ``[cA_n, {{key: detail}}_n, ..., {{key: detail}}_1]`` as `wavedecn`
        returns it.""", _WAVELET, _MODES, _AXES_ND), _RECONSTRUCTION),
}


# --- filter-bank conditions (cuwavelet._filter_bank_conditions) --------------------------

FILTER_BANK_GRADIENT = "the framework's autograd, through its convolutions of the filters"

FILTER_BANK_DOCS = {
    "filter_bank_errors": (
        "How far a filter bank is from perfect reconstruction, as loss terms.", """wavelet : filter bank of {array}s, or a fixed wavelet
        A learned bank ``(dec_lo, dec_hi, rec_lo, rec_hi)`` of 1-D {array}s of
        one even length F (or an object whose ``filter_bank`` is, such as a
        module built with ``learnable=True``), or anything the transforms
        take as a wavelet (its filters in float64).""", """reconstruction : {array}
        ``sum((P - 2 delta[n - (F - 1)])**2)`` for ``P = rec_lo * dec_lo +
        rec_hi * dec_hi`` (full convolutions): the distortion of
        ``idwt(dwt(x))``.
    aliasing : {array}
        ``sum(A**2)`` for ``A = rec_lo * alt(dec_lo) + rec_hi *
        alt(dec_hi)``, ``alt(h)[n] = (-1)**n h[n]``: the aliasing left by
        decimation. Both are 0-d, in the filters' dtype, and 0 (to rounding)
        exactly when ``idwt(dwt(x)) == x`` for every signal in every mode
        (``cuwavelet.filter_bank_errors`` computes them for fixed banks):
        added to a loss, they keep a learned bank invertible."""),
    "lattice_filter_bank": (
        "The orthogonal wavelet filter bank with the given lattice angles "
        "(``cuwavelet.lattice_filter_bank``).", """angles : {array}
        K - 1 angles in radians (1-D, real floating point; empty for Haar).
        The bank of length 2K is K plane rotations with delays between them,
        the last by pi/4 minus the sum of these, so that the low pass sums
        to sqrt(2) and the high pass to 0: every orthogonal wavelet bank of
        that length is reached, and any angles give one that reconstructs
        perfectly (a learned bank parametrized by its angles stays
        invertible: no penalty such as `filter_bank_errors` is needed).""",
        """filter_bank : tuple of 4 {array}s
        ``(dec_lo, dec_hi, rec_lo, rec_hi)`` of length 2K in pywt's order and
        conventions, in the angles' dtype and on their device: a learned
        filter bank for the transforms."""),
    "orthogonal_filter_bank": (
        "The orthogonal filter bank of a scaling filter "
        "(``pywt.orthogonal_filter_bank``).", """scaling_filter : {array}
        The scaling filter (1-D, even length, real floating point); it is
        normalized to sum to sqrt(2) and becomes rec_lo.""", """filter_bank : tuple of 4 {array}s
        ``(dec_lo, dec_hi, rec_lo, rec_hi)``: rec_hi is the quadrature mirror
        of rec_lo, the decomposition filters both reversed (pywt's
        values)."""),
    "qmf": (
        "The quadrature mirror filter (``pywt.qmf``).", """filt : {array}
        A 1-D filter.""", """qm_filter : {array}
        `filt` reversed, its odd taps negated (pywt's values)."""),
}

# how the filter-bank constructions are differentiated
CONSTRUCTION_GRADIENT = "the framework's autograd, through its elementwise operations"
