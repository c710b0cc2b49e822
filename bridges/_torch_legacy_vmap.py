"""Tensors batched by torch's older vmap, the one behind
``torch.autograd.functional.jacobian/hessian(vectorize=True)`` and
``torch.autograd.grad(is_grads_batched=True)``.

Its batched tensors look like plain CPU/CUDA tensors but have no storage, and
torch's generic loop over the batch refuses operations with ``Tensor[]``
arguments or results (all of the bridge's). So the bridge unwraps them here:
every level of that vmap the tensors are batched at becomes one physical
dimension in front, the levels are flattened into one batch dimension that the
operation's vmap rule folds into its batch, and the results are wrapped back
at the same levels.

A level is found by removing it: ``torch._remove_batch_dim`` of a tensor not
batched at that level inserts a new dimension of the size asked for, so
asking for size 0 tells the two apart. Levels count up from 1.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import torch

is_batched = torch._C._functorch.is_legacy_batchedtensor
_MAX_LEVELS = 64  # the older vmap's limit on nesting


def any_batched(ts) -> bool:
    return any(t is not None and is_batched(t) for t in ts)


def _levels(ts) -> list:
    """[(level, size)] of the levels any of ts is batched at, outermost (1) first."""
    found = {}
    for t in ts:
        level = 0
        while t is not None and is_batched(t):
            level += 1
            if level > _MAX_LEVELS:
                raise RuntimeError("cuwavelet: found no batch level of a tensor batched "
                                   "by torch's older vmap (an empty batch?)")
            out = torch._remove_batch_dim(t, level, 0, 0)
            if out.shape[0]:  # batched at this level (else a new empty dimension)
                found[level] = out.shape[0]
                t = out
    return sorted(found.items())


def _unbatched(ts):
    """(the physical tensors, their batch dimension: 0 or None, the batch
    size, the levels). The levels' dimensions are flattened into one, the
    outermost level slowest."""
    levels = _levels(ts)
    physical, dims = [], []
    for t in ts:
        if t is None or not is_batched(t):
            physical.append(t)
            dims.append(None)
            continue
        for level, size in reversed(levels):  # each moved to the front: outermost ends first
            t = torch._remove_batch_dim(t, level, size, 0)
        physical.append(t.flatten(0, len(levels) - 1))
        dims.append(0)
    return physical, dims, math.prod(size for _, size in levels), levels


def _rebatched(outs, out_dims, levels) -> tuple:
    """The outputs of a call on the physical tensors, batched at the levels again."""
    sizes = [size for _, size in levels]
    wrapped = []
    for o, d in zip(outs, out_dims):
        if o is not None:
            o = o.movedim(d, 0).unflatten(0, sizes)
            for level, _ in levels:  # (torch adds levels innermost last)
                o = torch._add_batch_dim(o, 0, level)
        wrapped.append(o)
    return tuple(wrapped)


def folded(batch, ts) -> tuple:
    """batch(info, in_dims, ts) -> (outputs, out_dims) (a vmap rule) on ts."""
    physical, dims, size, levels = _unbatched(ts)
    outs, out_dims = batch(SimpleNamespace(batch_size=size), dims, physical)
    return _rebatched(outs, out_dims, levels)
