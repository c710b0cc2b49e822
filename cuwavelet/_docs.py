"""Parameter descriptions shared by the public functions' docstrings, and the
type aliases of their signatures.

A docstring line holding only ``{name}`` (indented as the Parameters section)
is replaced by the paragraph of that name, so the wording of `wavelet`, `mode`,
`axes`... lives here once and help() shows it in full."""
from __future__ import annotations

import re
import textwrap
from typing import Any, Sequence, Union

import pywt

# Type aliases of the public signatures (documentation only: not checked at run time).
Array = Any
"""A NumPy or CuPy array (or an array of another library: see the data parameter)."""
ArrayLike = Any
"""Anything the transforms accept as data: arrays, nested sequences, arrays of
other libraries through DLPack or __cuda_array_interface__."""
WaveletSpec = Union[str, pywt.Wavelet, Sequence[Any]]
"""A wavelet name, a pywt.Wavelet, a filter bank, or one of these per axis."""
ModeSpec = Union[str, int, Sequence[Union[str, int]]]
"""A mode name or pywt.Modes value, or one per axis."""
Axes = Union[Sequence[int], None]
"""Axes to transform; None means all."""

SHARED = {
    "data": """
data : array_like
    The signal: a NumPy or CuPy array, anything ``numpy.asarray`` takes, or an
    array of another library that speaks DLPack (``__dlpack__``) or
    ``__cuda_array_interface__`` (transformed as a view of the same memory;
    results come back in that library where it can import them, else as
    NumPy/CuPy arrays). float32/64 and complex64/128 are kept, float16 becomes
    float32, integers and bools become float64. Any number of leading
    dimensions, any strides.""",
    "wavelet": """
wavelet : str, pywt.Wavelet or filter bank
    A name from ``pywt.wavelist(kind="discrete")`` (``"db2"``, ``"sym4"``,
    ``"bior2.2"``, ...), a ``pywt.Wavelet`` (custom ones too) or a filter bank
    ``(dec_lo, dec_hi, rec_lo, rec_hi)``.""",
    "wavelets": """
wavelet : str, pywt.Wavelet, filter bank, or a sequence of them
    A name from ``pywt.wavelist(kind="discrete")``, a ``pywt.Wavelet`` or a
    filter bank ``(dec_lo, dec_hi, rec_lo, rec_hi)``; or one per axis in
    `axes`.""",
    "mode": """
mode : str or int, optional
    Signal extension mode: one of ``cuwavelet.Modes.modes`` (``"zero"``,
    ``"constant"``, ``"symmetric"``, ``"periodic"``, ``"smooth"``,
    ``"periodization"``, ``"reflect"``, ``"antisymmetric"``,
    ``"antireflect"``), an old alias (``"per"``, ``"sym"``, ...) or a
    ``pywt.Modes`` value. Default ``"symmetric"``.""",
    "modes": """
mode : str, int, or a sequence of them, optional
    Signal extension mode (one of ``cuwavelet.Modes.modes``, an old alias or a
    ``pywt.Modes`` value), or one per axis in `axes`. Default
    ``"symmetric"``.""",
    "axis": """
axis : int, optional
    The axis to transform (negative counts from the end). Default -1.""",
    "axes2": """
axes : pair of int, optional
    The two axes to transform. Default ``(-2, -1)``.""",
    "axesn": """
axes : sequence of int, optional
    The axes to transform, in the order the subband keys name them. Default
    None: every axis.""",
    "pad_widths": """
pad_widths : int or sequence
    Number of values padded to the edges of each axis, read as pywt.pad and
    numpy.pad read them: ``((before_1, after_1), ... (before_N, after_N))``
    per axis, ``((before, after),)`` for every axis, ``(pad,)`` or an int for
    ``before = after = pad`` on every axis (floats are rounded).""",
    "pad_mode": """
mode : str
    One of pywt's mode names (pywt.pad takes no aliases or numbers):
    'zero', 'constant' (the edge value repeated), 'symmetric', 'reflect',
    'periodic', 'periodization' (an odd axis is first extended by its last
    value, so it grows by one more), 'smooth', 'antisymmetric' or
    'antireflect'.""",
    "level": """
level : int, optional
    Number of levels. Default None: the deepest level at which every
    coefficient still sees a whole filter (``dwt_max_level``); a deeper one
    warns, as pywt does.""",
}


def shared_docs(fn):
    """Fill the ``{name}`` lines of fn's docstring with SHARED[name]."""
    def paragraph(match):
        return textwrap.indent(SHARED[match.group(2)].strip("\n"), match.group(1))
    fn.__doc__ = re.sub(r"^([ \t]*)\{(\w+)\}$", paragraph, fn.__doc__, flags=re.M)
    return fn
