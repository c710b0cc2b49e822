"""Separable sweeps: one split or merge operation per axis, over several axes.

A split sweep turns one array into 2**k subbands, one axis at a time, keeping
all subbands of a step in one stacked buffer so that each axis costs a single
kernel launch. A merge sweep undoes that, last axis first. Which operation
runs is a parameter: dwtn is a split sweep of `analysis`, idwtn a merge sweep
of `synthesis`, and their adjoints are the sweeps of the transposed operations
in the opposite direction.
"""
from __future__ import annotations

from itertools import product

from ._arrays import array_module, empty
from ._primitives import split_output_len
from ._shapes import with_len

SUBBAND_LETTERS = "ad"


def subband_key(index) -> str:
    return "".join(SUBBAND_LETTERS[i] for i in index)


def split_sweep(x, axes, banks, modes, split, separate: bool = False) -> dict:
    """{key: array} with one letter per axis, in axes order ('a' = lo, 'd' = hi).
    separate: every subband an array of its own (the last axis split with one
    launch per subband pair, 2**(k-1) launches instead of one), not a view
    into the last step's buffers: for results that a bridge hands on as they
    are (a view costs a torch tensor of its own; XLA takes only whole arrays)."""
    xp = array_module(x)
    stacked = x  # shape (2,)*k + x's shape (with axes done so far shortened)
    last = len(axes) - 1
    for k, (axis, bank, mode) in enumerate(zip(axes, banks, modes)):
        lead = (slice(None),) * k
        shape = stacked.shape
        n_out = split_output_len(split, shape[k + axis], bank, mode)
        sub_shape = shape[:k] + with_len(shape[k:], axis, n_out)
        if k == last and separate:
            out = {}
            for prefix in product(range(2), repeat=k):
                halves = (empty(xp, sub_shape[k:], x.dtype), empty(xp, sub_shape[k:], x.dtype))
                split(stacked[prefix], bank, mode, axis, *halves)
                out[subband_key(prefix) + "a"], out[subband_key(prefix) + "d"] = halves
            return out
        if k == last:
            # separate lo and hi arrays: a caller that keeps only some subbands
            # (wavedec keeps the details) does not keep the others alive
            halves = (empty(xp, sub_shape, x.dtype), empty(xp, sub_shape, x.dtype))
            split(stacked, bank, mode, k + axis, *halves)
            return {subband_key(i): halves[i[-1]][i[:-1]]
                    for i in product(range(2), repeat=len(axes))}
        out = empty(xp, shape[:k] + (2,) + sub_shape[k:], x.dtype)
        split(stacked, bank, mode, k + axis, out[lead + (0,)], out[lead + (1,)])
        stacked = out


def check_one_shape(coeffs: dict) -> None:
    """The subbands of one level (a dict, None entries absent) share a shape."""
    shapes = {k: tuple(v.shape) for k, v in coeffs.items() if v is not None}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"coefficient shape mismatch: subbands of one level must share a shape; "
                         f"got {shapes}")


def merge_sweep(coeffs: dict, axes, banks, modes, merge, out_lens):
    """Inverse direction of split_sweep. coeffs holds arrays of one shape and
    dtype for some of the 2**k keys (missing ones are zeros); out_lens gives
    the merged length along each axis."""
    ref = next(iter(coeffs.values()))
    check_one_shape(coeffs)
    xp = array_module(*coeffs.values())
    k = len(axes) - 1
    # last axis: straight from the caller's separate arrays, one launch per pair
    out = empty(xp, (2,) * k + with_len(ref.shape, axes[k], out_lens[k]), ref.dtype)
    for prefix in product(range(2), repeat=k):
        key = subband_key(prefix)
        lo, hi = coeffs.get(key + "a"), coeffs.get(key + "d")
        if lo is None and hi is None:
            out[prefix] = 0
        else:
            merge(lo, hi, banks[k], modes[k], axes[k], out=out[prefix])
    # remaining axes: the stacked buffer, one launch per axis
    for k in reversed(range(len(axes) - 1)):
        lead = (slice(None),) * k
        lo, hi = out[lead + (0,)], out[lead + (1,)]
        merged = empty(xp, lo.shape[:k] + with_len(lo.shape[k:], axes[k], out_lens[k]), ref.dtype)
        merge(lo, hi, banks[k], modes[k], k + axes[k], out=merged)
        out = merged
    return out


# --- every subband in one array (the wavelet packets' level buffers) ---------

def split_sweep_stacked(x, axes, banks, modes, split, at: int = 0):
    """split_sweep with every subband in one array: x's shape with len(axes)
    dimensions of 2 inserted at position `at` (before every transformed axis,
    so at <= min(axes)); index 0/1 along the k-th of them is 'a'/'d' of
    axes[k]. One launch per axis, each writing its halves in place."""
    if axes and at > min(axes):
        raise ValueError("the stacked dimensions must come before every transformed axis")
    xp = array_module(x)
    stacked = x
    for k, (axis, bank, mode) in enumerate(zip(axes, banks, modes)):
        shape = stacked.shape
        n_out = split_output_len(split, shape[axis + k], bank, mode)
        sub = with_len(shape, axis + k, n_out)
        out = empty(xp, sub[:at + k] + (2,) + sub[at + k:], x.dtype)
        lead = (slice(None),) * (at + k)
        split(stacked, bank, mode, axis + k, out[lead + (0,)], out[lead + (1,)])
        stacked = out
    return stacked


def merge_sweep_stacked(stacked, axes, banks, modes, merge, out_lens, at: int = 0):
    """Inverse direction of split_sweep_stacked: `stacked` has len(axes)
    dimensions of 2 at position `at`; they are merged away, last axis first,
    one launch per axis. out_lens gives the merged length along each axis."""
    xp = array_module(stacked)
    for k in reversed(range(len(axes))):
        lead = (slice(None),) * (at + k)
        lo, hi = stacked[lead + (0,)], stacked[lead + (1,)]
        out = empty(xp, with_len(lo.shape, axes[k] + k, out_lens[k]), stacked.dtype)
        merge(lo, hi, banks[k], modes[k], axes[k] + k, out=out)
        stacked = out
    return stacked
