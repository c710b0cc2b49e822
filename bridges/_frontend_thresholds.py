"""pywt's thresholds (threshold: soft, hard, garrote, greater, less;
threshold_firm) for a bridge, as the framework's own elementwise operations,
so that autograd differentiates them: in the data and in the thresholds,
which may be the framework's scalars (a learned threshold).

The values are pywt's formulas (cuwavelet._thresholding's, which the core's
kernels compute), written so that no gradient is NaN: where the shrink makes
a value 0 (|x| at most the threshold, or |x| = 0), the zero is selected and
the shrink factor divides by 1 instead of |x| (a tiny |x| would overflow
value/|x|, and the zero's gradient would be 0 * inf), so pywt's 0/0 (a zero
threshold on a zero value) is 0 here, not NaN. As in the
core, threshold_firm keeps every value above value_high (pywt skips them
when all lie in the first row). The data is computed in its own floating or
complex dtype; the bridges' other dtypes are refused (integers: no gradient).
"""
from __future__ import annotations

import numbers

import numpy as np

from cuwavelet._thresholding import MODES, check_firm_bounds, check_real_threshold

from ._frontend_swt_packets import docstring as _docstring


class ThresholdFrontend:
    """threshold and threshold_firm for a framework: `ops` names its abs,
    where, relu, whether an array is complex or floating, and host_value (a
    threshold's values as NumPy where they can be read without tracing or
    synchronizing, else None) and asarray (NumPy values as an array in the
    real dtype and on the device of a given array)."""

    def __init__(self, ops):
        self.ops = ops

    def _shrink(self, data, low, factor):
        """data * factor(low / |x|) where |x| > low, else 0 (NaN data stays
        NaN); the divisor is 1 where the zero is taken, so its gradient is 0."""
        ops = self.ops
        mag = ops.abs(data)
        kept = (mag > low) & (mag > 0)
        shrunk = data * factor(low / ops.where(kept, mag, ops.ones_like(mag)))
        return ops.where(mag <= low, ops.full_like(data, 0), shrunk), mag

    def _check(self, data):
        if not (self.ops.is_floating(data) or self.ops.is_complex(data)):
            raise TypeError(f"the bridges threshold floating or complex data; got {data.dtype} "
                            f"(convert it first)")

    def _value(self, value, data):
        """A threshold as the arithmetic takes it: a number, or a framework
        array (NumPy arrays converted to the data's real dtype and device).
        A threshold is a magnitude: a complex one whose values are on the host
        and have no imaginary part counts as its real part (as in the core);
        any other complex one is refused."""
        if type(value) in (float, int):  # the common case, kept cheap
            return value
        if isinstance(value, (numbers.Number, np.generic, np.ndarray)):  # on the host
            if np.iscomplexobj(value):
                check_real_threshold(value)
                value = np.real(value)
            return float(value) if np.ndim(value) == 0 else self.ops.asarray(value, data)
        if hasattr(value, "dtype") and self.ops.is_complex(value):
            host = self.ops.host_value(value)
            if host is None:
                raise TypeError(f"the threshold value must be real (a magnitude); got a "
                                f"complex {type(value).__name__}")
            check_real_threshold(host)
            return self._value(np.real(host), data)
        return value

    def threshold(self, data, value, mode="soft", substitute=0):
        if mode not in MODES:
            keys = ", ".join(f"'{k}'" for k in sorted(MODES))
            raise ValueError(f"The mode parameter only takes values from: {keys}.")
        self._check(data)
        value = self._value(value, data)
        ops = self.ops
        if mode in ("greater", "less"):
            if ops.is_complex(data):
                raise ValueError(f"{mode} thresholding only supports real data")
            away = data < value if mode == "greater" else data > value
            return ops.where(away, ops.full_like(data, substitute), data)
        if mode == "hard":
            return ops.where(ops.abs(data) < value, ops.full_like(data, substitute), data)
        shrunk, mag = self._shrink(data, value, (lambda r: ops.relu(1 - r)) if mode == "soft"
                                   else (lambda r: ops.relu(1 - r * r)))
        away = mag < value
        if substitute == 0:  # (pywt's own test: the shrink is 0 there already)
            return shrunk
        return ops.where(away, ops.full_like(data, substitute), shrunk)

    def threshold_firm(self, data, value_low, value_high):
        value_low, value_high = self._value(value_low, data), self._value(value_high, data)
        # the bounds' checks where their values are on the host (not traced,
        # captured or on a device, where reading them would synchronize)
        low, high = self.ops.host_value(value_low), self.ops.host_value(value_high)
        check_firm_bounds(low, high)
        self._check(data)
        ops = self.ops
        shrunk, mag = self._shrink(
            data, value_low, lambda r: ops.relu(value_high * (1 - r) / (value_high - value_low)))
        return ops.where(mag > value_high, data, shrunk)


# --- the public functions' docstrings, shared by the bridges -------------------------

DOCS = {
    "threshold": ("Threshold data elementwise (``pywt.threshold``).", """data : {array}
        Floating or complex data (greater and less: real).
    value : float or {array}
        The threshold, or thresholds that broadcast against the data (one
        per channel, say); an {array} gets a gradient too (a learned
        threshold).
    mode : {{'soft', 'hard', 'garrote', 'greater', 'less'}}
        soft: ``x * max(1 - value/|x|, 0)``; hard: ``x`` where ``|x| >=
        value``; garrote: ``x * max(1 - value**2/|x|**2, 0)``; greater: ``x``
        where ``x >= value``; less: ``x`` where ``x <= value``. Elsewhere the
        substitute. ('garotte' is accepted too.)
    substitute : float
        Value of the thresholded-away elements (default 0).""", """{array}
        The thresholded data, its shape and dtype; differentiable in the
        data and the threshold (finite where the data is 0)."""),
    "threshold_firm": ("Firm (semi-soft) threshold (``pywt.threshold_firm``).",
                       """data : {array}
        Floating or complex data.
    value_low : float or {array}
        Lower threshold (non-negative): zero where ``|x| <= value_low``; an
        {array} may hold one per channel (it broadcasts against the data).
    value_high : float or {array}
        Upper threshold (at least value_low): ``x`` where ``|x| > value_high``;
        in between ``x * value_high * (1 - value_low/|x|) / (value_high -
        value_low)``. The bounds are checked where their values are known on
        the host (not traced or compiled, nor on a device).""", """{array}
        The thresholded data (the broadcast shape); differentiable in the data
        and the thresholds."""),
}


def docstring(name: str, array: str, examples: str) -> str:
    """The numpydoc docstring of a bridge's `name` for arrays called `array`."""
    return _docstring(name, array, examples, DOCS,
                      gradient="the framework's autograd, through elementwise operations")
