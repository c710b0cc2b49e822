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

In a stationary mode (cuwavelet._wavelets.stationary_mode(step), below
zero) the same operations are a level of the stationary transform with taps
`step` apart (cuwavelet/_stationary.py): analysis is pywt's swt level,
synthesis the merge of its iswt level with the filters as given (pywt's
reconstruction filters halved give its iswt level), every array as long as
the signal. So a bridge runs a learned SWT through the operations and the
gradients of its learned DWT.
"""
from __future__ import annotations

from . import _filter_grad, _primitives, _stationary, _wavelets
from ._program import planned
from ._wavelets import FilterPair

PERIODIZATION = _wavelets.PERIODIZATION


def _pair(filters) -> FilterPair:
    return FilterPair(filters[..., 0, :], filters[..., 1, :])


def _dilated(filters, mode) -> _stationary.Dilated:
    return _stationary.Dilated(_pair(filters), _wavelets.dilation(mode))


@planned("x", "filters")
def analysis(x, filters, mode, axis):
    if mode < 0:
        return _stationary.swt_split(x, _dilated(filters, mode), PERIODIZATION, axis)
    return _primitives.analysis(x, _pair(filters), mode, axis)


@planned("glo", "ghi", "filters")
def analysis_adjoint(glo, ghi, filters, mode, axis, signal_len):
    if mode < 0:
        return _stationary.swt_split_adjoint(glo, ghi, _dilated(filters, mode), PERIODIZATION,
                                             axis)
    return _primitives.analysis_adjoint(glo, ghi, _pair(filters), mode, axis, signal_len)


@planned("lo", "hi", "filters")
def synthesis(lo, hi, filters, mode, axis):
    if mode < 0:
        return _stationary.iswt_merge(lo, hi, _dilated(filters, mode), PERIODIZATION, axis)
    return _primitives.synthesis(lo, hi, _pair(filters), mode, axis)


@planned("y", "filters")
def synthesis_adjoint(y, filters, mode, axis):
    if mode < 0:
        return _stationary.iswt_merge_adjoint(y, _dilated(filters, mode), PERIODIZATION, axis)
    return _primitives.synthesis_adjoint(y, _pair(filters), mode, axis)


# The filters' gradients (cuwavelet/_filter_grad.py, stationary modes too):
# (2, F), or (items, 2, F) with items, one per index of the operands' first
# dimension.

@planned("x", "ga", "gd")
def analysis_filter_grad(x, ga, gd, filter_len, mode, axis, items):
    return _filter_grad.analysis_filter_grad(x, ga, gd, filter_len, mode, axis, items=items)


@planned("ca", "cd", "gy")
def synthesis_filter_grad(ca, cd, gy, filter_len, mode, axis, items):
    return _filter_grad.synthesis_filter_grad(ca, cd, gy, filter_len, mode, axis, items=items)
