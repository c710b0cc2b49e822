"""The level operations with filters given as arrays (a learned bank's), as
planned functions: a call is planned once per layout of its arrays, the
filters' included, and replayed on each call's own arrays (filter values
change between calls; their layout does not), so that the bridges hand
their tensors to them as they are (cuwavelet/_program.py: run_foreign)
instead of viewing each as a NumPy/CuPy array.

`filters` is a (2, F) array (the low-pass and high-pass filters the
operation takes: analysis and its adjoint the analysis pair, synthesis and
its adjoint the synthesis pair), or (items, 2, F): one bank per index of the
data's first dimension (cuwavelet/_primitives.py). Taps must be contiguous.
The filters' gradients are planned the same way.
"""
from __future__ import annotations

from . import _filter_grad, _primitives
from ._program import planned
from ._wavelets import FilterPair


def _pair(filters) -> FilterPair:
    return FilterPair(filters[..., 0, :], filters[..., 1, :])


@planned("x", "filters")
def analysis(x, filters, mode, axis):
    return _primitives.analysis(x, _pair(filters), mode, axis)


@planned("glo", "ghi", "filters")
def analysis_adjoint(glo, ghi, filters, mode, axis, signal_len):
    return _primitives.analysis_adjoint(glo, ghi, _pair(filters), mode, axis, signal_len)


@planned("lo", "hi", "filters")
def synthesis(lo, hi, filters, mode, axis):
    return _primitives.synthesis(lo, hi, _pair(filters), mode, axis)


@planned("y", "filters")
def synthesis_adjoint(y, filters, mode, axis):
    return _primitives.synthesis_adjoint(y, _pair(filters), mode, axis)


# The filters' gradients (cuwavelet/_filter_grad.py): (2, F), or (items, 2, F)
# with items, one per index of the operands' first dimension.

@planned("x", "ga", "gd")
def analysis_filter_grad(x, ga, gd, filter_len, mode, axis, items):
    return _filter_grad.analysis_filter_grad(x, ga, gd, filter_len, mode, axis, items=items)


@planned("ca", "cd", "gy")
def synthesis_filter_grad(ca, cd, gy, filter_len, mode, axis, items):
    return _filter_grad.synthesis_filter_grad(ca, cd, gy, filter_len, mode, axis, items=items)
