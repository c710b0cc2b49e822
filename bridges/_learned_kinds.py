"""Learned transforms as whole calls, shared by the bridges.

A learned wavedec2 of three levels is, per operation, 9 analyses forward and
9 adjoints and 9 filter gradients backward; run whole, its forward and its
backward are each one planned core call (cuwavelet/_learned.py), with the
same kernels. A "kind" (Wavedec, Waverec, Swt) holds such a transform's
static arguments (axes non-negative) and flattens its arrays for a
framework, which sees a transform as a function of a flat tuple of arrays
`ts` (the data, then the filters: one (2, F) array per axis) to a flat tuple
of outputs:

    forward(ts, keep, call) -> (outputs, kept)
        the core's forward; with `keep`, `kept` holds (flat, None entries
        where the level loop has nothing) what backward reads.
    backward(ts, kept, grads, needs, call) -> a gradient per array of ts
        (None unless needs[i]) against the outputs' cotangents `grads` (None:
        zeros).
    by_operations(ts, ops, keep=False) -> (outputs, kept)
        the same level loop through a framework's own per-operation route
        (ops: a cuwavelet._learned.LevelOps of its differentiable analysis and
        synthesis), for what the whole call does not cover; its `kept` are
        the same arrays in the same order as forward's.

`call(ref, fn, *args)` runs a core function on the framework's arrays (ref:
an array whose device the call runs on): the torch bridge's converts its
tensors, the JAX bridge's callbacks already hold core arrays. And for a
framework that hands over its output buffers (cuwavelet._program.results_into):

    result(outputs, kept) -> the forward's planned call's result structure
        (its arrays, or their cotangents, or where to write them; kept None:
        the result of a forward without keep)
    gradient_result(grads) -> the backward's, from an array per entry of ts
    kept_mask(present) -> which entries of kept are arrays (not None), given
        which entries of ts are (a framework whose ops return arrays only)
    count -> how many outputs the kind has
    kept_returned(outputs, kept) -> the kept arrays an op returns beside the
        outputs: those not None and not outputs themselves (an op's results
        may not alias one another)
    kept_joined(outputs, returned, present) -> kept again, from them
and encode(kind) / decode(text): a kind as a string (a dispatcher op's argument).
"""
from __future__ import annotations

import ast
import dataclasses
import functools
from dataclasses import dataclass

from cuwavelet import _learned


def present(grads):
    """The first array that is not None."""
    return next(g for g in grads if g is not None)


def flat(levels) -> list:
    return [t for level in levels for t in level]


def unmasked(arrays, mask) -> list:
    """arrays spread over the True entries of mask, None elsewhere."""
    given = iter(arrays)
    return [next(given) if m else None for m in mask]


class _Kept:
    """What the kinds share: kept arrays returned beside the outputs as the
    entries that are not None (a kind whose kept arrays include outputs
    overrides both)."""

    @staticmethod
    def kept_returned(outputs, kept) -> list:
        return [k for k in kept if k is not None]

    def kept_joined(self, outputs, returned, present) -> list:
        return unmasked(returned, self.kept_mask(present))


def split(items, n, count) -> list:
    """items as `count` tuples of n."""
    return [tuple(items[i * n:(i + 1) * n]) for i in range(count)]


@dataclass(frozen=True)
class Wavedec(_Kept):
    """wavedec_levels: ts (x, one (2, F) filter array per axis); outputs
    [cA_L, details of level L (key order), ..., details of level 1]."""
    modes: tuple
    axes: tuple
    level: int

    @property
    def count(self) -> int:
        return 1 + self.level * (2 ** len(self.axes) - 1)

    def _flattened(self, coeffs, inputs, keep):
        kept = [t for by_axis in inputs for nodes in by_axis for t in nodes] if keep else []
        return (coeffs[0], *flat(coeffs[1:])), kept

    def kept_mask(self, present) -> tuple:
        # (every node, but x: level 1's input along the first axis)
        return (True,) * (self.level * (2 ** len(self.axes) - 1) - 1)

    def result(self, outputs, kept):
        k = len(self.axes)
        coeffs = [outputs[0]] + split(outputs[1:], 2 ** k - 1, self.level)
        if kept is None:
            return coeffs, None
        # (level 1's input along the first axis is x itself: not kept)
        kept = iter(kept)
        return coeffs, [[[] if (lvl, j) == (0, 0) else [next(kept) for _ in range(2 ** j)]
                         for j in range(k)] for lvl in range(self.level)]

    @staticmethod
    def gradient_result(grads):
        return grads[0], list(grads[1:])

    def forward(self, ts, keep, call):
        x, filters = ts[0], list(ts[1:])
        coeffs, inputs = call(x, _learned.wavedec_levels, x, filters, self.modes, self.axes,
                              self.level, keep)
        return self._flattened(coeffs, inputs, keep)

    def by_operations(self, ts, ops, keep=False):
        coeffs, inputs = _learned.wavedec_steps(ts[0], list(ts[1:]), self.modes, self.axes,
                                                self.level, keep, ops)
        return self._flattened(coeffs, inputs, keep)

    def backward(self, ts, kept, grads, needs, call):
        cotangents, inputs = self.result(grads, kept)
        dx, dfs = call(present(grads), _learned.wavedec_levels_backward, ts[0], inputs,
                       cotangents, list(ts[1:]), self.modes, self.axes, needs[0],
                       tuple(needs[1:]))
        return (dx, *dfs)


@dataclass(frozen=True)
class Waverec(_Kept):
    """waverec_levels: ts (a, every level's details flat (coarsest first, key
    order, None where absent), one (2, F) filter array per axis); output y.
    stationary: an inverse SWT's levels (modes unused)."""
    modes: tuple
    axes: tuple
    trim_first: bool
    levels: int
    stationary: bool = False
    count = 1

    def _parts(self, ts):
        n = 2 ** len(self.axes) - 1
        details = ts[1:1 + self.levels * n]
        return ts[0], split(details, n, self.levels), list(ts[1 + self.levels * n:])

    @staticmethod
    def _flattened(y, inputs, keep):
        # (per level: its reconstruction (None for the last), then 2, 4, ... nodes
        # per axis but the last)
        kept = [t for root, by_axis in inputs for t in (root, *flat(by_axis))] if keep else []
        return (y,), kept

    def kept_mask(self, present) -> tuple:
        # per level: its reconstruction (the last's None), then the nodes merged
        # along each axis but the last: None where both halves are absent
        # (as cuwavelet._learned._merge_level makes them)
        k, mask = len(self.axes), []
        for level, d in enumerate(self._parts(present)[1]):
            nodes, by_axis = [True, *d], [None] * k
            for j in reversed(range(k)):
                by_axis[j] = nodes
                nodes = [lo or hi for lo, hi in zip(nodes[::2], nodes[1::2])]
            mask += [level + 1 < self.levels, *flat(by_axis[:-1])]
        return tuple(mask)

    def result(self, outputs, kept):
        if kept is None:
            return outputs[0], None
        kept, inputs = iter(kept), []
        for _ in range(self.levels):
            root = next(kept)
            inputs.append((root, [[next(kept) for _ in range(2 ** (j + 1))]
                                  for j in range(len(self.axes) - 1)]))
        return outputs[0], inputs

    def gradient_result(self, grads):
        return self._parts(grads)

    def forward(self, ts, keep, call):
        a, details, filters = self._parts(ts)
        y, inputs = call(a, _learned.waverec_levels, a, details, filters, self.modes, self.axes,
                         self.trim_first, keep, self.stationary)
        return self._flattened(y, inputs, keep)

    def by_operations(self, ts, ops, keep=False):
        a, details, filters = self._parts(ts)
        y, inputs = _learned.waverec_steps(a, details, filters, self.modes, self.axes,
                                           self.trim_first, keep, self.stationary, ops)
        return self._flattened(y, inputs, keep)

    def backward(self, ts, kept, grads, needs, call):
        a, details, filters = self._parts(ts)
        gy, inputs = self.result(grads, kept)
        ga, detail_grads, dfs = call(gy, _learned.waverec_levels_backward, a, details,
                                     inputs, gy, filters, self.modes, self.axes,
                                     self.trim_first, tuple(needs[len(ts) - len(filters):]),
                                     self.stationary)
        return (ga, *flat(detail_grads), *dfs)


@dataclass(frozen=True)
class Swt:
    """swt_levels: ts (x, one (2, F) filter array per axis); outputs every
    level's 2**k subbands (finest level first, key order, approximation first)."""
    axes: tuple
    start_level: int
    level: int

    @property
    def count(self) -> int:
        return self.level * 2 ** len(self.axes)

    def kept_returned(self, outputs, kept) -> list:
        return list(kept[self.level - 1:])  # (the approximations first: outputs)

    def kept_joined(self, outputs, returned, present) -> list:
        n = 2 ** len(self.axes)
        return [outputs[i * n] for i in range(self.level - 1)] + list(returned)

    def _flattened(self, out, inputs, keep):
        # (kept: the approximations entering levels 2, 3, ... (outputs too), then
        # per level the nodes split along each axis after the first)
        kept = [sub[0] for sub in out[:-1]] + [t for by_axis in inputs for t in flat(by_axis)] \
            if keep else []
        return tuple(flat(out)), kept

    def kept_mask(self, present) -> tuple:
        # (the approximations entering levels 2, 3, ..., then the nodes)
        return (True,) * (self.level - 1 + self.level * (2 ** len(self.axes) - 2))

    def result(self, outputs, kept):
        k = len(self.axes)
        out = split(outputs, 2 ** k, self.level)
        if kept is None:
            return out, None
        kept = iter(kept[self.level - 1:])  # (the approximations: outputs too)
        return out, [[[next(kept) for _ in range(2 ** j)] for j in range(1, k)]
                     for _ in range(self.level)]

    @staticmethod
    def gradient_result(grads):
        return grads[0], list(grads[1:])

    def forward(self, ts, keep, call):
        x, filters = ts[0], list(ts[1:])
        out, inputs = call(x, _learned.swt_levels, x, filters, self.axes, self.start_level,
                           self.level, keep)
        return self._flattened(out, inputs, keep)

    def by_operations(self, ts, ops, keep=False):
        out, inputs = _learned.swt_steps(ts[0], list(ts[1:]), self.axes, self.start_level,
                                         self.level, keep, ops)
        return self._flattened(out, inputs, keep)

    def backward(self, ts, kept, grads, needs, call):
        cotangents, inputs = self.result(grads, kept)
        dx, dfs = call(present(grads), _learned.swt_levels_backward, ts[0],
                       list(kept[:self.level - 1]), inputs, cotangents,
                       list(ts[1:]), self.axes, self.start_level, needs[0], tuple(needs[1:]))
        return (dx, *dfs)


_KINDS = {cls.__name__: cls for cls in (Wavedec, Waverec, Swt)}


def encode(kind) -> str:
    """kind as a string: its class's name and its fields (built so that
    torch.compile traces it)."""
    return ";".join([type(kind).__name__] + [str(getattr(kind, f.name))
                                             for f in dataclasses.fields(kind)])


@functools.lru_cache(maxsize=256)
def decode(text: str):
    """The kind encode made `text` of."""
    name, *fields = text.split(";")
    return _KINDS[name](*(ast.literal_eval(f) for f in fields))
