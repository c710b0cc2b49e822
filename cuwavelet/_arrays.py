"""Array-module dispatch (NumPy or CuPy) and pywt's dtype rules."""
from __future__ import annotations

import contextlib
import threading

import numpy as np


def is_cupy(a) -> bool:
    # Checked by module name so that NumPy users never import CuPy. A plan's
    # stand-in for a CuPy array (cuwavelet/_program.py) counts as one.
    return type(a).__module__.startswith("cupy") or (is_planned(a) and a.on_gpu)


def is_dask(a) -> bool:
    # By module name too, so that NumPy and CuPy users never import Dask.
    return type(a).__module__.startswith("dask.array")


def is_planned(a) -> bool:
    """Whether `a` is a plan's stand-in for an array (cuwavelet/_program.py)."""
    return getattr(type(a), "planned_stand_in", False)


def array_module(*arrays):
    """numpy or cupy, whichever holds every given array (None entries ignored)."""
    present = [a for a in arrays if a is not None]
    kinds = {is_cupy(a) for a in present}
    if len(kinds) > 1:
        raise TypeError("Arrays on different devices were mixed (NumPy and CuPy); "
                        "move them to the same device first.")
    if kinds == {True}:
        import cupy
        devices = {a.device.id for a in present}
        if len(devices) > 1:
            raise TypeError(f"CuPy arrays on different GPUs were mixed: devices {sorted(devices)}.")
        return cupy
    return np


def transform_dtype(dtype) -> np.dtype:
    """pywt's rule: float32/64 and complex64/128 kept, float16 -> float32,
    integers and bools -> float64; anything else is refused."""
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.float64, np.complex64, np.complex128):
        return dtype
    if dtype == np.float16:
        return np.dtype(np.float32)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype.kind == "c":  # complex256 and the like
        return np.dtype(np.complex128)
    if dtype.kind == "f":
        return np.dtype(np.float64)
    raise TypeError(f"Input must be a numeric array; got dtype {dtype}.")


def as_array(data, name: str = "data"):
    """Input -> NumPy or CuPy array of a transformable dtype (no copy when it already is one)."""
    if data is None:
        raise TypeError(f"{name} is None; an array is required.")
    if is_cupy(data) or is_planned(data):
        a = data
    else:
        if isinstance(data, (list, tuple)) and any(_is_array_like(v) and np.ndim(v) > 0 for v in data) \
                and len({np.shape(v) for v in data}) > 1:
            raise TypeError(f"{name} is a sequence of arrays of different shapes; "
                            "an array was expected (coefficient lists go to the inverse transforms).")
        try:
            a = np.asarray(data)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{name} cannot be read as an array: {exc}") from None
    dtype = transform_dtype(a.dtype)
    return a if a.dtype == dtype else a.astype(dtype)


def _is_array_like(v) -> bool:
    return hasattr(v, "shape") or isinstance(v, (list, tuple))


def common_dtype(arrays) -> np.dtype:
    """One dtype for arrays that meet in a transform (pywt upcasts mixed inputs)."""
    dtypes = {np.dtype(a.dtype) for a in arrays if a is not None}
    if len(dtypes) == 1:
        return dtypes.pop()
    if any(d.kind == "c" for d in dtypes):
        return np.dtype(np.complex128)
    return np.dtype(np.float64)


def real_dtype(dtype) -> np.dtype:
    return np.dtype(np.float32) if np.dtype(dtype) in (np.float32, np.complex64) else np.dtype(np.float64)


def data_pointer(a) -> int:
    return a.data.ptr if is_cupy(a) else a.ctypes.data


# Every array the core allocates goes through empty(); a bridge can route it
# to its framework's allocator (torch's caching allocator, say) for the
# duration of a call, so two memory pools do not compete for one GPU.
_allocation = threading.local()


@contextlib.contextmanager
def allocator(make_empty):
    """Within the block (on this thread), every array the transforms allocate,
    outputs and intermediates, comes from make_empty(xp, shape, dtype), which
    must return an uninitialized C-contiguous xp array of that shape and dtype.

    The torch bridge uses it to allocate from torch's caching allocator. With
    CuPy it lets a caller hand out memory from a pool of its own, for example
    one reserved for a CUDA graph capture: once the kernels are compiled and
    the filters cached (one call with the same wavelet and dtype), a transform
    on the GPU allocates nothing else and never synchronizes. Input dtype
    conversions (an int array given to a float transform) are NumPy/CuPy
    operations and allocate outside it: pass float32/64 or complex arrays."""
    previous = getattr(_allocation, "make_empty", None)
    _allocation.make_empty = make_empty
    try:
        yield
    finally:
        _allocation.make_empty = previous


def empty(xp, shape, dtype):
    make_empty = getattr(_allocation, "make_empty", None)
    if make_empty is not None:
        return make_empty(xp, tuple(shape), np.dtype(dtype))
    return xp.empty(tuple(shape), dtype=dtype)


def output(xp, out, shape, dtype, what):
    """`out` checked against the shape and dtype an operation writes, or a new array."""
    if out is None:
        return empty(xp, shape, dtype)
    if tuple(out.shape) != tuple(shape) or out.dtype != dtype:
        raise ValueError(f"{what} must have shape {tuple(shape)} and dtype {np.dtype(dtype)}; "
                         f"got {tuple(out.shape)} {out.dtype}")
    return out


def zeros(xp, shape, dtype):
    out = empty(xp, shape, dtype)
    out[...] = 0
    return out
