"""The Geometry record of kernels/dwt_math.cuh, built from strided arrays.

The same bytes go to the host extension and, as a NumPy structured scalar, to
the CUDA kernels as a by-value parameter, so both targets walk an array the
same way. Dimensions are sorted by the output's strides (fastest last, so that
consecutive GPU threads touch neighbouring memory), size-1 dimensions dropped
and contiguous ones merged; complex arrays are walked as real arrays with an
extra dimension of 2 (real, imaginary), since the filters are real.
"""
from __future__ import annotations

import functools

import numpy as np

MAX_DIMS = 8

GEOMETRY_DTYPE = np.dtype([
    ("ndim", np.int64), ("axis", np.int64), ("total", np.int64),
    ("signal_len", np.int64), ("coeff_len", np.int64),
    ("shape", np.int64, (MAX_DIMS,)),
    ("stride_signal", np.int64, (MAX_DIMS,)),
    ("stride_lo", np.int64, (MAX_DIMS,)),
    ("stride_hi", np.int64, (MAX_DIMS,)),
    ("stride_filter", np.int64, (MAX_DIMS,)),
], align=True)


def element_strides(a, itemsize: int):
    """Strides in elements of `itemsize` bytes; None for an absent operand."""
    if a is None:
        return None
    out = []
    for s in a.strides:
        if s % itemsize:
            raise ValueError("array strides are not a multiple of the element size")
        out.append(s // itemsize)
    return out


ROLES = ("signal", "lo", "hi", "filter")


def build_geometry(shape, axis, signal_len, coeff_len, out_role, strides):
    """Geometry for an iteration space `shape` (the output's shape) along `axis`.

    strides: dict role -> element strides (or None) for 'signal', 'lo', 'hi'
    and optionally 'filter' (per-item filter banks: a bank's stride along the
    items' dimension, 0 along the others; absent: one bank for every line);
    out_role names the operand whose layout orders the walk. Returns a
    size-one structured array (read-only: it is cached and shared between
    calls).
    """
    key = tuple(None if strides.get(r) is None else tuple(strides[r]) for r in ROLES)
    return _cached_geometry(tuple(shape), axis, signal_len, coeff_len, out_role, key)


@functools.lru_cache(maxsize=1024)
def _cached_geometry(shape, axis, signal_len, coeff_len, out_role, stride_key):
    strides = [s if s is not None else [0] * len(shape) for s in stride_key]
    order = ROLES.index(out_role)
    entries = [[shape[d], [s[d] for s in strides], d == axis]
               for d in range(len(shape)) if shape[d] != 1 or d == axis]
    merged = merge_dims(entries, order)
    if len(merged) > MAX_DIMS:
        raise TooManyDimensions(f"a kernel walks at most {MAX_DIMS} dimensions; this layout "
                                f"needs {len(merged)}")
    g = np.zeros((), dtype=GEOMETRY_DTYPE)
    g["ndim"] = len(merged)
    g["axis"] = next(i for i, e in enumerate(merged) if e[2])
    g["total"] = int(np.prod([e[0] for e in merged], dtype=np.int64))
    g["signal_len"] = signal_len
    g["coeff_len"] = coeff_len
    for i, (size, st, _) in enumerate(merged):
        g["shape"][i] = size
        g["stride_signal"][i], g["stride_lo"][i], g["stride_hi"][i], g["stride_filter"][i] = st
    g.flags.writeable = False
    return g


class TooManyDimensions(ValueError):
    """The iteration space has more non-mergeable dimensions than a Geometry
    holds: launch once per index of an outer dimension (outermost_dim)."""


def outermost_dim(shape, strides, axis) -> int:
    """The dimension other than `axis` (and of length > 1) with the largest
    stride: the one to take out of the walk when a launch is split."""
    return max((d for d in range(len(shape)) if d != axis and shape[d] > 1),
               key=lambda d: abs(strides[d]))


def split_launch(shape, strides, axis):
    """A launch split along outermost_dim d: (d, the axis within one index's
    arrays, [(i, the index of the arrays at i)])."""
    d = outermost_dim(shape, strides, axis)
    return d, axis - (d < axis), [(i, (slice(None),) * d + (i,)) for i in range(shape[d])]


def merge_dims(entries, order=0):
    """Dimensions [size, [stride per operand], apart] sorted by the strides of
    operand `order` (largest first: the last walks fastest), and neighbours
    that are contiguous in every operand merged into one. Entries marked apart
    (the transformed axis) are never merged."""
    entries = sorted(entries, key=lambda e: -abs(e[1][order]))
    merged = []
    for size, st, apart in entries:
        prev = merged[-1] if merged else None
        if prev and not apart and not prev[2] and all(
                m == s * size for m, s in zip(prev[1], st)):
            prev[0] *= size
            prev[1] = list(st)
        else:
            merged.append([size, list(st), apart])
    return merged


def add_complex_dimension(shape, strides):
    """Walk complex operands as real ones (strides already counted in real
    scalars): a fastest dimension of 2 (real, imaginary) is appended, along
    which the (real) filters stay the same."""
    shape = tuple(shape) + (2,)
    strides = {r: (None if s is None else list(s) + [0 if r == "filter" else 1])
               for r, s in strides.items()}
    return shape, strides
