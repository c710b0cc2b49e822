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

Whole transforms are planned too (wavedec_levels, waverec_levels,
swt_levels, and their backwards): the same operations, level by level, as
one call each way, for a bridge that runs a learned transform as one
autograd node. Their level loops (wavedec_steps, waverec_steps, swt_steps)
take the two operations as a parameter, so that a bridge runs the very same
loops on its own per-operation route (its framework's differentiable
analysis and synthesis), which it differentiates where the fused backward
does not apply, and whose intermediate arrays are then the same, in the same
order, as those the fused forward keeps.
"""
from __future__ import annotations

from . import _filter_grad, _primitives, _stationary, _wavelets
from ._arrays import array_module
from ._multilevel import trim_to, untrim
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


class LevelOps:
    """The two operations a transform's level loop runs: analysis(t, filters,
    mode, axis) -> (lo, hi) and synthesis(lo, hi, filters, mode, axis) -> y
    (lo or hi None: zeros), with the signatures of the planned ones above."""

    def __init__(self, analysis, synthesis):
        self.analysis, self.synthesis = analysis, synthesis


CORE = LevelOps(analysis, synthesis)


# The filters' gradients (cuwavelet/_filter_grad.py, stationary modes too):
# (2, F), or (items, 2, F) with items, one per index of the operands' first
# dimension.

@planned("x", "ga", "gd", "into")
def analysis_filter_grad(x, ga, gd, filter_len, mode, axis, items, into=None):
    return _filter_grad.analysis_filter_grad(x, ga, gd, filter_len, mode, axis, items=items,
                                             into=into)


@planned("ca", "cd", "gy", "into")
def synthesis_filter_grad(ca, cd, gy, filter_len, mode, axis, items, into=None):
    return _filter_grad.synthesis_filter_grad(ca, cd, gy, filter_len, mode, axis, items=items,
                                              into=into)


# --- whole transforms with learned banks, and their backward, each one plan --------------
#
# A bridge's learned wavedec/wavedec2/wavedecn runs, per level, one analysis per
# subband and axis, and its backward an adjoint and a filter gradient for each:
# 27 operations for a 2D transform of three levels; the inverses likewise with
# syntheses. Planned as two calls, the forward and the backward each cost one
# plan lookup, not one per operation (bridges/_torch_ops.py: the fused eager
# route of a learned transform). Subbands are in key order: the letters 'a'
# and 'd' per axis, the first axis's first, so node i of the nodes an axis
# splits has children 2i ('a') and 2i + 1 ('d').

def _split_level(a, filters, modes, axes, ops):
    """One level: every subband so far split along each axis in turn.
    Returns (the 2**k subbands in key order, approximation first; the nodes
    split along each axis: [[a], 2 nodes, 4 nodes, ...])."""
    nodes, by_axis = [a], []
    for f, mode, axis in zip(filters, modes, axes):
        by_axis.append(nodes)
        nodes = [half for t in nodes for half in ops.analysis(t, f, mode, axis)]
    return nodes, by_axis


@planned("x", structures=("filters",))
def wavedec_levels(x, filters, modes, axes, level, keep):
    """wavedec_steps on the planned operations."""
    return wavedec_steps(x, filters, modes, axes, level, keep, CORE)


def wavedec_steps(x, filters, modes, axes, level, keep, ops):
    """`level` levels of analysis along `axes` (non-negative, in order), axis
    j with filters[j] ((2, F) or (items, 2, F)) in modes[j]. Returns
    (coefficients, inputs): coefficients [cA_L, (details of level L in key
    order), ..., (details of level 1)]; with `keep`, inputs[l] holds the
    nodes level l + 1 splits along each axis (inputs[0][0] is empty: x is
    the caller's), what wavedec_levels_backward reads; else None."""
    coeffs, inputs, a = [], [], x
    for _ in range(level):
        subbands, nodes = _split_level(a, filters, modes, axes, ops)
        inputs.append(nodes)
        a = subbands[0]
        coeffs.append(tuple(subbands[1:]))
    if not keep:
        return [a] + coeffs[::-1], None
    inputs[0] = [[]] + inputs[0][1:]  # (x: the caller has it)
    return [a] + coeffs[::-1], inputs


def _split_level_backward(by_axis, g, filters, modes, axes, grads, needs_filters, needs_input):
    """The backward of one _split_level (by_axis: the nodes it split along
    each axis) against its 2**k subbands' cotangents g (key order, None: a
    zero): adds each axis's filter gradient into grads[j] (needs_filters[j])
    and returns the level input's cotangent (None where nothing reaches it, or
    not needs_input). The last axis first: an analysis adjoint and a filter
    gradient per split."""
    for j in reversed(range(len(axes))):
        f, mode, axis = filters[j], modes[j], axes[j]
        parents = []
        for node, ga, gd in zip(by_axis[j], g[::2], g[1::2]):
            if ga is None and gd is None:
                parents.append(None)
                continue
            if needs_filters[j]:  # (summed in the reduction's last step)
                grads[j] = analysis_filter_grad(node, ga, gd, f.shape[-1], mode, axis,
                                                f.ndim == 3, grads[j])
            parents.append(analysis_adjoint(ga, gd, f, mode, axis, node.shape[axis])
                           if j > 0 or needs_input else None)
        g = parents
    return g[0]


@planned("x", structures=("inputs", "cotangents", "filters"))
def wavedec_levels_backward(x, inputs, cotangents, filters, modes, axes, needs_data,
                            needs_filters):
    """The backward of wavedec_levels(x, filters, modes, axes, len(inputs),
    keep=True) whose inputs it kept: against `cotangents` (its coefficients'
    structure, None for a zero), the gradient with respect to x (None unless
    needs_data) and, for each axis j with needs_filters[j], with respect to
    filters[j] (the (2, F) sum over every level and subband that axis
    splits; else None). The levels run coarsest first."""
    level = len(inputs)
    grads = [None] * len(axes)
    carry = cotangents[0]  # cA_L's cotangent
    for l in reversed(range(level)):
        by_axis = [[x], *inputs[0][1:]] if l == 0 else inputs[l]
        carry = _split_level_backward(by_axis, [carry, *cotangents[level - l]], filters, modes,
                                      axes, grads, needs_filters, l > 0 or needs_data)
    return (carry if needs_data else None), grads


# The stationary transform with learned banks: each level the same split in
# the stationary mode of its dilation (every axis), its approximation both a
# result and the next level's input.

def _stationary_modes(start_level, j, k):
    return [_wavelets.stationary_mode(2 ** (start_level + j))] * k


@planned("x", structures=("filters",))
def swt_levels(x, filters, axes, start_level, level, keep):
    """swt_steps on the planned operations."""
    return swt_steps(x, filters, axes, start_level, level, keep, CORE)


def swt_steps(x, filters, axes, start_level, level, keep, ops):
    """`level` levels of pywt's swt from start_level along `axes` (non-negative,
    in order), axis j with filters[j] as the learned analysis takes them.
    Returns (per level, finest first, its 2**k subbands in key order,
    approximation first; with `keep`, per level the nodes split along each
    axis after the first (a level's input is the previous level's
    approximation, or x): what swt_levels_backward reads; else None)."""
    out, inputs, a = [], [], x
    for j in range(level):
        subbands, by_axis = _split_level(a, filters, _stationary_modes(start_level, j, len(axes)),
                                         axes, ops)
        out.append(tuple(subbands))
        inputs.append(by_axis[1:])
        a = subbands[0]
    return out, (inputs if keep else None)


@planned("x", structures=("approximations", "inputs", "cotangents", "filters"))
def swt_levels_backward(x, approximations, inputs, cotangents, filters, axes, start_level,
                        needs_data, needs_filters):
    """The backward of swt_levels(x, filters, axes, start_level, len(inputs),
    keep=True), which kept `inputs` and whose levels but the last had the
    `approximations`, against `cotangents` (its results' structure, None for
    a zero): (the gradient with respect to x, None unless needs_data; per
    axis the filters', as wavedec_levels_backward). A level's approximation
    gets the cotangent of the result and that of the next level's input,
    summed."""
    grads = [None] * len(axes)
    carry = None
    for j in reversed(range(len(inputs))):
        g = list(cotangents[j])
        if carry is not None:
            if g[0] is None:
                g[0] = carry
            else:  # (carry is this call's own array: summed in place)
                carry += g[0]
                g[0] = carry
        entering = x if j == 0 else approximations[j - 1]
        carry = _split_level_backward([[entering], *inputs[j]], g, filters,
                                      _stationary_modes(start_level, j, len(axes)), axes,
                                      grads, needs_filters, j > 0 or needs_data)
    return (carry if needs_data else None), grads


def _merge_level(leaves, filters, modes, axes, ops):
    """One inverse level: the 2**k subbands (key order, None where absent)
    merged along the last axis first. Returns (the level's reconstruction;
    the children each axis merges: [2 nodes, 4 nodes, ..., the leaves])."""
    present = [v for v in leaves if v is not None]
    shapes = [tuple(v.shape) for v in present]  # (compared, not hashed: symbolic sizes)
    if any(s != shapes[0] for s in shapes[1:]):
        raise ValueError(f"coefficient shape mismatch: subbands of one level must share a shape; "
                         f"got {[tuple(v.shape) for v in present]}")
    nodes, by_axis = list(leaves), [None] * len(axes)
    for j in reversed(range(len(axes))):
        by_axis[j] = nodes
        nodes = [None if lo is None and hi is None else
                 ops.synthesis(lo, hi, filters[j], modes[j], axes[j])
                 for lo, hi in zip(nodes[::2], nodes[1::2])]
    return nodes[0], by_axis


def _inverse_modes(modes, stationary, level, levels, axes):
    """The modes of inverse level `level` of `levels` (coarsest first):
    `modes`, or an inverse SWT's: every axis in the stationary mode of
    dilation 2**(levels - 1 - level), the merge of pywt's iswt level with the
    filters as given (its reconstruction filters halved)."""
    return _stationary_modes(0, levels - 1 - level, len(axes)) if stationary else modes


def _trimmed(a, details, axes, trimming):
    """pywt's trim of the approximation entering a level (one sample longer
    along a transformed axis than the level's details: cut)."""
    present = [v for v in details if v is not None]
    return trim_to(a, present[0].shape, axes) if trimming and present else a


@planned("a", structures=("details", "filters"))
def waverec_levels(a, details, filters, modes, axes, trim_first, keep, stationary=False):
    """waverec_steps on the planned operations."""
    return waverec_steps(a, details, filters, modes, axes, trim_first, keep, stationary, CORE)


def waverec_steps(a, details, filters, modes, axes, trim_first, keep, stationary, ops):
    """The inverse of wavedec_levels: details coarsest first, each a tuple of
    the level's 2**k - 1 detail subbands in key order (None: zero); the
    approximation entering a level is trimmed to its details' shape where it
    is one sample longer (every level's, or all but the first's without
    trim_first: pywt's waverecn). With `stationary`, the levels are an
    inverse SWT's merges instead (see _inverse_modes; modes unused). Returns
    (the reconstruction, and with `keep` what waverec_levels_backward reads:
    per level its reconstruction but the last's, and the intermediate nodes
    merged along each axis but the last; else None)."""
    kept = []
    for level, d in enumerate(details):
        leaves = [_trimmed(a, d, axes, level > 0 or trim_first), *d]
        a, by_axis = _merge_level(leaves, filters,
                                  _inverse_modes(modes, stationary, level, len(details), axes),
                                  axes, ops)
        kept.append((a, by_axis[:-1]))
    if not keep:
        return a, None
    return a, [(root if i + 1 < len(kept) else None, nodes) for i, (root, nodes) in enumerate(kept)]


@planned("a", "gy", structures=("details", "inputs", "filters"))
def waverec_levels_backward(a, details, inputs, gy, filters, modes, axes, trim_first,
                            needs_filters, stationary=False):
    """The backward of waverec_levels(a, details, filters, modes, axes,
    trim_first, keep=True, stationary) whose inputs it kept, against the cotangent gy of
    the reconstruction: (the gradient with respect to a; the details', their
    structure; for each axis j with needs_filters[j] the (2, F) gradient
    with respect to filters[j], else None). Finest level first, per level
    the first axis first: a synthesis adjoint and a filter gradient per merge."""
    grads, detail_grads = [None] * len(axes), [None] * len(details)
    g = gy
    for level in reversed(range(len(details))):
        entering = a if level == 0 else inputs[level - 1][0]
        leaves = [_trimmed(entering, details[level], axes, level > 0 or trim_first),
                  *details[level]]
        children_by_axis = [*inputs[level][1], leaves]
        level_modes = _inverse_modes(modes, stationary, level, len(details), axes)
        gs = [g]
        for j, children in enumerate(children_by_axis):
            f, mode, axis = filters[j], level_modes[j], axes[j]
            below = []
            for gp, lo, hi in zip(gs, children[::2], children[1::2]):
                if gp is None or (lo is None and hi is None):
                    below += [None, None]
                    continue
                if needs_filters[j]:
                    grads[j] = synthesis_filter_grad(lo, hi, gp, f.shape[-1], mode, axis,
                                                     f.ndim == 3, grads[j])
                glo, ghi = synthesis_adjoint(gp, f, mode, axis)
                below += [glo if lo is not None else None, ghi if hi is not None else None]
            gs = below
        detail_grads[level] = tuple(gs[1:])
        g = gs[0]
        if g.shape != tuple(entering.shape):  # the trim's transpose: zeros appended
            g = untrim(array_module(g), g, entering.shape, axes)
    return g, detail_grads, grads
