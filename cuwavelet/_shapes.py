"""Lengths along a transformed axis, levels and axes: pure arithmetic, no arrays."""
from __future__ import annotations

import math
import numbers
import operator

from . import _program
from ._docs import ModeSpec, WaveletSpec
from ._wavelets import PERIODIZATION, as_filter_bank, as_mode

try:
    from numpy.exceptions import AxisError
except ImportError:  # numpy < 1.25
    from numpy import AxisError


def coeff_len(signal_len: int, filter_len: int, mode: int) -> int:
    """Length of cA and cD for a signal of signal_len samples (pywt's dwt_coeff_len;
    a stationary mode's, below zero: the signal's)."""
    if mode < 0:
        return signal_len
    if mode == PERIODIZATION:
        return (signal_len + 1) // 2
    return (signal_len + filter_len - 1) // 2


def rec_len(n: int, filter_len: int, mode: int) -> int:
    """Length of idwt's output from coefficients of length n."""
    if mode < 0:  # a stationary level
        return n
    return 2 * n if mode == PERIODIZATION else 2 * n - filter_len + 2


def coeff_len_of_rec(length: int, filter_len: int, mode: int) -> int:
    """Inverse of rec_len: the coefficient length whose idwt has `length` samples."""
    if mode < 0:  # a stationary level
        return length
    if length < 0 or length % 2:
        raise ValueError(f"{length} samples cannot be the output of an inverse DWT "
                         "(it is always even and non-negative)")
    return length // 2 if mode == PERIODIZATION else (length + filter_len - 2) // 2


def max_level(data_len: int, filter_len: int) -> int:
    if filter_len < 2:
        raise ValueError("invalid wavelet filter length")
    if data_len < filter_len - 1:
        return 0
    return (data_len // (filter_len - 1)).bit_length() - 1


def _filter_len(filter_len) -> int:
    if isinstance(filter_len, numbers.Integral) and not isinstance(filter_len, bool):
        return int(filter_len)
    if isinstance(filter_len, numbers.Number) and float(filter_len) % 1 == 0:
        return int(filter_len)
    if isinstance(filter_len, numbers.Number):
        raise ValueError("filter_len must be an integer, a discrete Wavelet or a discrete wavelet name.")
    return as_filter_bank(filter_len).length


def integer(value, name: str) -> int:
    """An integer argument: an int (a NumPy one, a 0-d integer array) or an
    integral float, as pywt takes them; other floats are refused rather than
    truncated."""
    try:
        return operator.index(value)
    except TypeError:
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool)
                and math.isfinite(value) and float(value) % 1 == 0):
            raise TypeError(f"{name} must be an integer; got {value!r}") from None
        return int(value)


def length(value, name: str) -> int:
    """A non-negative number of samples (read by `integer`)."""
    n = integer(value, name)
    if n < 0:
        raise ValueError(f"{name} must be non-negative; got {n}")
    return n


def dwt_max_level(data_len: int, filter_len: int | WaveletSpec) -> int:
    """Deepest level at which every coefficient still sees a whole filter
    (``pywt.dwt_max_level``).

    Parameters
    ----------
    data_len : int
        Number of samples.
    filter_len : int, str or pywt.Wavelet
        The filter length, or a discrete wavelet (name, ``pywt.Wavelet`` or
        filter bank) whose length to use.

    Returns
    -------
    int
        ``floor(log2(data_len / (filter_len - 1)))``, or 0 when the signal is
        shorter than ``filter_len - 1``: the level `wavedec` uses for
        ``level=None``.

    Examples
    --------
    >>> import cuwavelet as cw
    >>> cw.dwt_max_level(1000, "db4"), cw.dwt_max_level(1000, 8), cw.dwt_max_level(5, "db4")
    (7, 7, 0)
    """
    return max_level(length(data_len, "data_len"), _filter_len(filter_len))


def dwt_coeff_len(data_len: int, filter_len: int | WaveletSpec, mode: ModeSpec) -> int:
    """Number of coefficients per subband of a single-level DWT (``pywt.dwt_coeff_len``).

    Parameters
    ----------
    data_len : int
        Number of samples (at least 1).
    filter_len : int, str or pywt.Wavelet
        The filter length, or a discrete wavelet whose length to use.
    mode : str or int
        Signal extension mode (a name, an old alias or a ``pywt.Modes`` value).

    Returns
    -------
    int
        ``(data_len + filter_len - 1) // 2``; ``ceil(data_len / 2)`` in
        periodization mode.

    Examples
    --------
    >>> import cuwavelet as cw
    >>> cw.dwt_coeff_len(1000, "db4", "symmetric"), cw.dwt_coeff_len(1001, 8, "periodization")
    (503, 501)
    """
    if length(data_len, "data_len") < 1:
        raise ValueError("Value of data_len must be greater than zero.")
    data_len = int(data_len)
    f = _filter_len(filter_len)
    if f < 1:
        raise ValueError("Value of filter_len must be greater than zero.")
    return coeff_len(data_len, f, as_mode(mode))


def check_level(sizes, filter_lens, level, stacklevel: int = 4) -> int:
    """level=None -> the deepest useful level; too deep warns, negative raises (as pywt).
    stacklevel: as warnings.warn, counted from here (4 reaches the user through a
    public function and its device wrapper)."""
    deepest = min(max_level(s, f) for s, f in zip(sizes, filter_lens))
    if level is None:
        return deepest
    if not isinstance(level, numbers.Integral) or isinstance(level, bool):
        raise TypeError(f"level must be an integer or None; got {level!r}")
    level = int(level)
    if level < 0:
        raise ValueError(f"Level value of {level} is too low . Minimum level is 0.")
    if level > deepest:
        _program.warn(f"Level value of {level} is too high: all coefficients will experience "
                      "boundary effects.", stacklevel=stacklevel)
    return level


def normalize_axis(axis, ndim: int) -> int:
    if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
        raise TypeError(f"axis must be an integer; got {axis!r}")
    if not -ndim <= axis < ndim:
        raise AxisError(f"Axis {axis} is out of range for data with {ndim} dimension(s).")
    return int(axis) % ndim


def normalize_axes(axes, ndim: int, count: int | None = None, name: str = "axes",
                   unique: bool = True) -> list:
    """Axes as non-negative ints; None -> every axis. An int is one axis,
    except where exactly `count` axes are expected (a TypeError, as pywt).
    unique=False lets an axis repeat: dwtn and idwtn transform it again."""
    if axes is None:
        axes = range(ndim)
    elif isinstance(axes, numbers.Integral):
        if count is not None:
            raise TypeError(f"{name} must be a sequence of {count} axes; got {axes!r}")
        axes = (axes,)
    elif isinstance(axes, (str, bytes)) or not hasattr(axes, "__iter__"):
        raise TypeError(f"{name} must be an integer or a sequence of integers; got {axes!r}")
    axes = [normalize_axis(a, ndim) for a in axes]
    if count is not None and len(axes) != count:
        raise ValueError(f"Expected {count} {name}; got {len(axes)}.")
    if unique and len(set(axes)) != len(axes):
        raise ValueError(f"The {name} must be unique; got {axes}.")
    if not axes:
        raise ValueError(f"At least one axis is needed; got {name}=().")
    return axes


def with_len(shape, axis: int, length: int) -> tuple:
    shape = list(shape)
    shape[axis] = length
    return tuple(shape)
