"""Array-module dispatch (NumPy or CuPy) and pywt's dtype rules."""
from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Callable, Iterator

import numpy as np


def is_cupy(a) -> bool:
    # Checked by module name so that NumPy users never import CuPy. A plan's
    # stand-in for a CuPy array (cuwavelet/_program.py) counts as one.
    return type(a).__module__.startswith("cupy") or (is_planned(a) and a.on_gpu)


def is_dask(a) -> bool:
    # By module name too, so that NumPy and CuPy users never import Dask.
    return type(a).__module__.startswith("dask.array")


def check_known_shapes(*arrays) -> None:
    """Dask arrays whose chunk sizes are unknown (NaN in the shape, after a
    boolean index, say) are refused: no result could be laid out or checked."""
    for a in arrays:
        if is_dask(a) and any(n != n for n in a.shape):
            raise ValueError("A dask array with unknown chunk sizes (NaN in its shape) cannot be "
                             "transformed; call its compute_chunk_sizes() first.")


def is_planned(a) -> bool:
    """Whether `a` is a plan's stand-in for an array (cuwavelet/_program.py)."""
    return type(a) in STAND_IN_TYPES  # (a set: a missed class attribute costs ~10x more)


STAND_IN_TYPES = set()  # the stand-in classes (cuwavelet/_program.py adds PlannedArray)


def as_given(data):
    """The data itself as an array, in its own dtype: what a transform of
    level 0 returns, as pywt does."""
    if is_cupy(data) or is_planned(data):
        return data
    return np.asarray(data)


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
    """Input -> NumPy or CuPy array of a transformable dtype (no copy when it already is one).
    Arrays of other libraries come in as views through DLPack or
    __cuda_array_interface__ (see from_other_library)."""
    if type(data) is np.ndarray or is_cupy(data) or is_planned(data):  # the common cases first
        a = data
    elif data is None:
        raise TypeError(f"{name} is None; an array is required.")
    elif _is_other_library_array(data):
        a = from_other_library(data)
    else:
        if isinstance(data, (list, tuple)) and any(_is_array_like(v) and np.ndim(v) > 0 for v in data) \
                and len({np.shape(v) for v in data}) > 1:
            raise TypeError(f"{name} is a sequence of arrays of different shapes; "
                            "an array was expected (coefficient lists go to the inverse transforms).")
        try:
            a = np.asarray(data)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{name} cannot be read as an array: {exc}") from None
    if a.dtype in _KEPT_DTYPES:  # a set lookup: transform_dtype costs about a microsecond
        return a if is_aligned(a) else aligned(a)
    return a.astype(transform_dtype(a.dtype))


def is_aligned(a) -> bool:
    """Whether the kernels may load `a`'s elements where they are: NumPy's
    flag; a CuPy array's first element at a multiple of its element size (a
    CUDA load of a misaligned element faults, and spoils the context). A
    plan's stand-in has no memory and counts as aligned."""
    if type(a) is np.ndarray:
        return a.flags.aligned
    data = getattr(a, "data", None)
    return data is None or data.ptr % a.itemsize == 0


def aligned(a):
    """A copy of a misaligned view (a field of a packed record, a view at an
    odd byte offset): the kernels load whole elements, from aligned
    addresses, with strides in elements. CuPy's own copy would load the
    misaligned elements too, so a CuPy array is copied as bytes."""
    if type(a) is np.ndarray:
        return a.copy()
    xp = array_module(a)
    as_bytes = xp.ndarray(a.shape + (a.itemsize,), xp.uint8, a.data, a.strides + (1,))
    with a.device:
        return xp.ascontiguousarray(as_bytes).view(a.dtype).reshape(a.shape)


_KEPT_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


# --- arrays of other libraries ----------------------------------------------
#
# Anything that speaks DLPack (__dlpack__) or __cuda_array_interface__ is
# transformed in place as a NumPy view (CPU memory) or a CuPy view (CUDA
# memory); results go back to the caller's library through its
# __array_namespace__().from_dlpack where it has one (JAX, array-API
# libraries), without copies, and stay NumPy/CuPy otherwise.

_DLPACK_CPU, _DLPACK_CUDA, _DLPACK_CUDA_HOST, _DLPACK_CUDA_MANAGED = 1, 2, 3, 13

TORCH_HINT = ("cuwavelet's functions take NumPy and CuPy arrays; for torch tensors use the torch "
              "bridge, `from bridges import torch as cwt`: the same functions on tensors, "
              "with autograd through the exact adjoints.")


def _is_other_library_array(a) -> bool:
    """An array that is neither NumPy's nor CuPy's but can be viewed as one."""
    return (not isinstance(a, np.ndarray) and not is_cupy(a)
            and (hasattr(a, "__dlpack__") or hasattr(a, "__cuda_array_interface__")))


def from_other_library(a):
    """A NumPy (CPU memory) or CuPy (CUDA memory) view of another library's
    array, without a copy; torch tensors are sent to the torch bridge."""
    if type(a).__module__.split(".")[0] == "torch":
        raise TypeError(f"Got a torch.Tensor. {TORCH_HINT}")
    if hasattr(a, "__dlpack__") and hasattr(a, "__dlpack_device__"):
        device_type = int(a.__dlpack_device__()[0])
        if device_type in (_DLPACK_CPU, _DLPACK_CUDA_HOST):
            return np.from_dlpack(a)
        if device_type in (_DLPACK_CUDA, _DLPACK_CUDA_MANAGED):
            return _cupy(type(a)).from_dlpack(a)
        if not hasattr(a, "__cuda_array_interface__"):
            raise TypeError(f"{type(a).__name__} lives on DLPack device type {device_type}; "
                            "cuwavelet transforms arrays in CPU and CUDA memory only.")
    return _cupy(type(a)).asarray(a)  # __cuda_array_interface__: a view of the same memory


def _cupy(array_type):
    try:
        import cupy
    except ImportError:
        raise TypeError(f"{array_type.__name__} holds CUDA memory, which cuwavelet transforms through "
                        "CuPy: install it with the cuda12 or cuda13 extra "
                        "(pip install 'cuwavelet[cuda12]').") from None
    return cupy


def first_other_library_array(values):
    """The first array of another library among values (looking into lists,
    tuples and dicts), or None."""
    for a in values:
        if type(a) is np.ndarray or type(a) is str:
            continue
        if isinstance(a, (list, tuple)):
            found = first_other_library_array(a)
        elif isinstance(a, dict):
            found = first_other_library_array(a.values())
        else:
            found = a if _is_other_library_array(a) else None
        if found is not None:
            return found
    return None


def _to_caller(obj, from_dlpack):
    """The NumPy/CuPy arrays of a result structure, in the caller's library."""
    if type(obj) is np.ndarray or is_cupy(obj):
        try:
            return from_dlpack(obj)
        except BufferError:  # a read-only view of the caller's array (level 0, array_to_coeffs): a copy
            return from_dlpack(obj.copy())
    if isinstance(obj, list):
        return [_to_caller(v, from_dlpack) for v in obj]
    if type(obj) is tuple:
        return tuple(_to_caller(v, from_dlpack) for v in obj)
    if isinstance(obj, dict):
        return {k: _to_caller(v, from_dlpack) for k, v in obj.items()}
    return obj


def in_callers_library(result, args, kwargs):
    """result with its arrays in the library of the call's first array of another
    library, where that library can import them (its __array_namespace__ has
    from_dlpack: JAX, array-API libraries); unchanged otherwise. Only calls whose
    arguments are not all NumPy/CuPy come here (they are not planned)."""
    ref = first_other_library_array(args)
    if ref is None:
        ref = first_other_library_array(kwargs.values())
    if ref is None:
        return result
    namespace = getattr(ref, "__array_namespace__", None)
    try:
        from_dlpack = namespace().from_dlpack if namespace is not None else None
    except Exception:  # a namespace without from_dlpack, or one that fails to import
        from_dlpack = None
    return result if from_dlpack is None else _to_caller(result, from_dlpack)


def to_core(obj):
    """Arguments with every array of another library replaced by its NumPy/CuPy view."""
    if _is_other_library_array(obj):
        return from_other_library(obj)
    if isinstance(obj, list):
        return [to_core(v) for v in obj]
    if type(obj) is tuple:
        return tuple(to_core(v) for v in obj)
    if isinstance(obj, dict):
        return {k: to_core(v) for k, v in obj.items()}
    return obj


def accepts_other_libraries(fn):
    """For the coefficient-packing functions (not planned): arrays of other
    libraries in, as NumPy/CuPy views; results back in the caller's library."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if first_other_library_array(args) is None and first_other_library_array(kwargs.values()) is None:
            return fn(*args, **kwargs)
        return in_callers_library(fn(*to_core(args), **to_core(kwargs)), args, kwargs)
    return wrapper


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
def allocator(make_empty: Callable[[Any, tuple, np.dtype], Any]) -> Iterator[None]:
    """Route every array the transforms allocate, on this thread and within
    the ``with`` block, through ``make_empty``.

    Outputs and intermediates alike come from ``make_empty(xp, shape,
    dtype)``. The torch bridge uses it to allocate from torch's caching
    allocator. With CuPy it lets a caller hand out memory from a pool of its
    own, for example one reserved for a CUDA graph capture: once the kernels
    are compiled and the filters cached (one call with the same wavelet and
    dtype), a transform on the GPU allocates nothing else and never
    synchronizes (``cwt`` aside: its FFTs' work arrays come from CuPy's
    memory pool). Input dtype conversions (an int array given to a float
    transform) are NumPy/CuPy operations and allocate outside it: pass
    float32/64 or complex arrays.

    Parameters
    ----------
    make_empty : callable
        ``make_empty(xp, shape, dtype)`` with ``xp`` the array module
        (``numpy`` or ``cupy``), ``shape`` a tuple of int and ``dtype`` a
        ``numpy.dtype``; it must return an uninitialized C-contiguous ``xp``
        array of that shape and dtype.

    Returns
    -------
    context manager
        Restores the previous allocator (or none) on exit.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> shapes = []
    >>> def counting_empty(xp, shape, dtype):
    ...     shapes.append(shape)
    ...     return xp.empty(shape, dtype)
    >>> with cw.allocator(counting_empty):
    ...     cA, cD = cw.dwt(np.zeros((4, 64)), "haar")
    >>> (4, 32) in shapes
    True
    """
    previous = getattr(_allocation, "make_empty", None)
    _allocation.make_empty = make_empty
    try:
        yield
    finally:
        _allocation.make_empty = previous


def current_allocator():
    """The make_empty of the innermost allocator() block on this thread, or None."""
    return getattr(_allocation, "make_empty", None)


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
