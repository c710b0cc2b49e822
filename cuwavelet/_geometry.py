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


ROLES = ("signal", "lo", "hi")


def build_geometry(shape, axis, signal_len, coeff_len, out_role, strides):
    """Geometry for an iteration space `shape` (the output's shape) along `axis`.

    strides: dict role -> element strides (or None) for 'signal', 'lo', 'hi';
    out_role names the operand whose layout orders the walk. Returns a size-one
    structured array (read-only: it is cached and shared between calls).
    """
    key = tuple(None if strides[r] is None else tuple(strides[r]) for r in ROLES)
    return _cached_geometry(tuple(shape), axis, signal_len, coeff_len, out_role, key)


@functools.lru_cache(maxsize=1024)
def _cached_geometry(shape, axis, signal_len, coeff_len, out_role, stride_key):
    roles = ROLES
    strides = dict(zip(roles, stride_key))
    ndim = len(shape)
    dims = [d for d in range(ndim) if shape[d] != 1 or d == axis]
    order_strides = strides[out_role]
    dims.sort(key=lambda d: -abs(order_strides[d]))
    # merge neighbouring batch dimensions that are contiguous in every operand
    merged = []  # entries: [size, {role: stride}, is_axis]
    for d in dims:
        entry = [shape[d], {r: (strides[r][d] if strides[r] is not None else 0) for r in roles},
                 d == axis]
        if merged and not entry[2] and not merged[-1][2] and all(
                merged[-1][1][r] == entry[1][r] * entry[0] for r in roles):
            merged[-1][0] *= entry[0]
            merged[-1][1] = entry[1]
        else:
            merged.append(entry)
    if len(merged) > MAX_DIMS:
        raise ValueError(f"arrays with more than {MAX_DIMS} non-mergeable dimensions are not supported "
                         f"(this one needs {len(merged)}); make the array contiguous first")
    g = np.zeros((), dtype=GEOMETRY_DTYPE)
    g["ndim"] = len(merged)
    g["axis"] = next(i for i, e in enumerate(merged) if e[2])
    g["total"] = int(np.prod([e[0] for e in merged], dtype=np.int64))
    g["signal_len"] = signal_len
    g["coeff_len"] = coeff_len
    for i, (size, st, _) in enumerate(merged):
        g["shape"][i] = size
        g["stride_signal"][i] = st["signal"]
        g["stride_lo"][i] = st["lo"]
        g["stride_hi"][i] = st["hi"]
    g.flags.writeable = False
    return g


def add_complex_dimension(shape, strides):
    """Walk complex operands as real ones (strides already counted in real
    scalars): a fastest dimension of 2 (real, imaginary) is appended."""
    shape = tuple(shape) + (2,)
    strides = {r: (None if s is None else list(s) + [1]) for r, s in strides.items()}
    return shape, strides
