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


# --- a whole decomposition with learned banks, and its backward, each one plan ----------
#
# A bridge's learned wavedec/wavedec2/wavedecn runs, per level, one analysis per
# subband and axis, and its backward an adjoint and a filter gradient for each:
# 27 operations for a 2D transform of three levels. Planned as two calls, the
# forward and the backward each cost one plan lookup, not one per operation
# (bridges/_torch_ops.py: the fused eager route of a learned transform).

def _split_level(a, filters, modes, axes):
    """One level: every subband so far split along each axis in turn.
    Returns (the 2**k subbands in key order, approximation first; the nodes
    split along each axis: [[a], 2 nodes, 4 nodes, ...])."""
    nodes, by_axis = [a], []
    for f, mode, axis in zip(filters, modes, axes):
        by_axis.append(nodes)
        nodes = [half for t in nodes for half in analysis(t, f, mode, axis)]
    return nodes, by_axis


@planned("x", structures=("filters",))
def wavedec_levels(x, filters, modes, axes, level, keep):
    """`level` levels of analysis along `axes` (non-negative, in order), axis
    j with filters[j] ((2, F) or (items, 2, F)) in modes[j]. Returns
    (coefficients, inputs): coefficients [cA_L, (details of level L in key
    order), ..., (details of level 1)]; with `keep`, inputs[l] holds the
    nodes level l + 1 splits along each axis (inputs[0][0] is [x] itself),
    what wavedec_levels_backward reads; else None."""
    coeffs, inputs, a = [], [], x
    for _ in range(level):
        subbands, nodes = _split_level(a, filters, modes, axes)
        inputs.append(nodes)
        a = subbands[0]
        coeffs.append(tuple(subbands[1:]))
    if not keep:
        return [a] + coeffs[::-1], None
    inputs[0] = [[]] + inputs[0][1:]  # (x: the caller has it)
    return [a] + coeffs[::-1], inputs


@planned("x", structures=("inputs", "cotangents", "filters"))
def wavedec_levels_backward(x, inputs, cotangents, filters, modes, axes, needs_data,
                            needs_filters):
    """The backward of wavedec_levels(x, filters, modes, axes, len(inputs),
    keep=True) whose inputs it kept: against `cotangents` (its coefficients'
    structure, None for a zero), the gradient with respect to x (None unless
    needs_data) and, for each axis j with needs_filters[j], with respect to
    filters[j] (the (2, F) sum over every level and subband that axis
    splits; else None). The levels run coarsest first: an analysis adjoint
    and a filter gradient per split, the last axis first."""
    level, k = len(inputs), len(axes)
    grads = [None] * k
    carry = cotangents[0]  # cA_L's cotangent
    for l in reversed(range(level)):
        g = [carry, *cotangents[level - l]]  # the level's 2**k subbands, key order
        for j in reversed(range(k)):
            nodes = inputs[l][j] if (l, j) != (0, 0) else [x]
            f, mode, axis = filters[j], modes[j], axes[j]
            parents = []
            for i, node in enumerate(nodes):
                ga, gd = g[2 * i], g[2 * i + 1]
                if ga is None and gd is None:
                    parents.append(None)
                    continue
                if needs_filters[j]:
                    d = analysis_filter_grad(node, ga, gd, f.shape[-1], mode, axis, f.ndim == 3)
                    if grads[j] is None:
                        grads[j] = d
                    else:
                        grads[j] += d
                needed = j > 0 or l > 0 or needs_data
                parents.append(analysis_adjoint(ga, gd, f, mode, axis, node.shape[axis])
                               if needed else None)
            g = parents
        carry = g[0]
    return (carry if needs_data else None), grads
