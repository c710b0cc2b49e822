"""pywt.pad on NumPy and CuPy arrays, and its exact adjoint.

The kernels are kernels/pad_math.cuh's: NVRTC builds pad_device.cu for the
GPU, the host compiler pad_host.cpp for the CPU. Each output element reads
the boundary extension the transforms use (dwt_math.cuh), so a padded array
holds what a transform of the same mode reads past the data's edges.

Launches: the modes that copy one sample (all but smooth and antireflect) pad
every dimension in one launch; smooth and antireflect pad two dimensions per
launch, in order, as pywt.pad does (their values along a later dimension
extend the earlier dimensions' padding: a corner is the later extension of
the earlier one's). The adjoint folds one dimension per launch, in the
reverse order.
"""
from __future__ import annotations

import functools

import numpy as np

from ._arrays import (_is_other_library_array, check_known_shapes, empty, from_other_library,
                      is_cupy, is_dask)
from ._backends import cuda
from ._docs import Array, ArrayLike, shared_docs
from ._eager import on_input_device
from ._geometry import MAX_DIMS
from ._program import launch
from ._wavelets import MODES, PERIODIZATION

__all__ = ["pad", "pad_adjoint", "pad_core", "pad_adjoint_core"]

OPS = ("pad", "adjoint")
# The kernels' sample types (kernels/pad_host.cpp's SampleType codes, in order):
# integers of either sign run as the unsigned type of their size.
SAMPLE_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double",
                np.dtype(np.uint8): "unsigned char", np.dtype(np.uint16): "unsigned short",
                np.dtype(np.uint32): "unsigned int", np.dtype(np.uint64): "unsigned long long"}
_SAMPLE_CODES = {dt: code for code, dt in enumerate(SAMPLE_TYPES)}
_AFFINE = {MODES.index("smooth"), MODES.index("antireflect")}
AFFINE_DIMS = 2  # kAffineDims of kernels/pad_math.cuh
_ZERO = MODES.index("zero")
# modes that compute new values (extrapolate, negate) rather than move samples
_ANTISYMMETRIC = MODES.index("antisymmetric")
_ARITHMETIC = _AFFINE | {_ANTISYMMETRIC}

PAD_GEOMETRY_DTYPE = np.dtype([
    ("ndim", np.int64), ("total", np.int64), ("axis", np.int64),
    ("shape", np.int64, (MAX_DIMS,)), ("length", np.int64, (MAX_DIMS,)),
    ("before", np.int64, (MAX_DIMS,)), ("padded", np.int64, (MAX_DIMS,)),
    ("stride_in", np.int64, (MAX_DIMS,)),
], align=True)


def kernel_name(op: int, mode: int, dtype) -> str:
    return f"pad_kernel<{op}, {mode}, {SAMPLE_TYPES[np.dtype(dtype)]}>"


def all_kernel_names():
    return [kernel_name(op, mode, dt) for op in range(len(OPS)) for mode in range(len(MODES))
            for dt in SAMPLE_TYPES]


KERNELS = cuda.KernelModule("pad_device.cu", all_kernel_names)
# The CPU runs the GPU kernel's per-element functions instead of its row loops
# (tests/test_pad.py checks both routes against pywt).
HOST_RUNS_GPU_FUNCTIONS = False


# --- arguments, as pywt.pad reads them ----------------------------------------------------

def pad_widths_of(pad_widths, ndim: int) -> list:
    """((before, after), ...) per dimension, read as pywt.pad (and np.pad) read
    them: rounded to integers and broadcast to (ndim, 2)."""
    widths = np.round(np.array(pad_widths)).astype(np.intp, copy=False)
    if widths.min() < 0:
        raise ValueError("pad_widths must be > 0")
    return np.broadcast_to(widths, (ndim, 2)).tolist()


def mode_of(mode) -> int:
    if not isinstance(mode, str) or mode not in MODES:  # pywt.pad takes the names only
        raise ValueError(f"unsupported mode: {mode}. The supported modes are {list(MODES)}")
    return MODES.index(mode)


def padded_length(n: int, before: int, after: int, mode: int) -> int:
    """An axis of n samples, padded (periodization first makes n even)."""
    return before + n + (n % 2 if mode == PERIODIZATION else 0) + after


# The bridges' cores take widths of None for a batch dimension (vmap's, in
# front): it is neither padded nor, in periodization, made even, where
# (0, 0) would extend an odd axis as pywt does every data axis.

def padded_shape(shape, widths, mode: int) -> tuple:
    """The shape pad gives data of `shape` (None widths: a batch dimension, kept)."""
    return tuple(n if w is None else padded_length(n, *w, mode) for n, w in zip(shape, widths))


def _check_extendable(shape, widths, mode: int) -> None:
    for axis, (n, w) in enumerate(zip(shape, widths)):
        if w is not None and n == 0 and sum(w) > 0 and mode != _ZERO:
            raise ValueError(f"cannot pad the empty axis {axis} in {MODES[mode]} mode: it has "
                             "no sample to extend (only 'zero' pads an empty axis)")


def _data(x, name):
    """x as a NumPy or CuPy array of a dtype the kernels pad: floating point,
    complex or integer, kept (pywt.pad keeps it)."""
    if not (isinstance(x, np.ndarray) or is_cupy(x)):
        x = from_other_library(x) if _is_other_library_array(x) else np.asarray(x)
    if x.dtype.kind not in "fciu" or x.dtype.newbyteorder("=").char in "gG":
        raise TypeError(f"{name} has dtype {x.dtype}; cuwavelet pads floating-point (up to "
                        "64 bits), complex (up to 128 bits) and integer arrays")
    if not x.dtype.isnative:
        x = x.astype(x.dtype.newbyteorder("="))
    return x


# --- launches ------------------------------------------------------------------------------

def _real_layout(a):
    """(sample dtype, shape, element strides) of `a` walked as the kernels
    see it: a complex array as a real one with a trailing dimension of 2
    (real, imaginary), an integer one as unsigned."""
    real = np.dtype(a.dtype.char.lower()) if a.dtype.kind == "c" else a.dtype
    real = np.dtype(f"u{real.itemsize}") if real.kind == "i" else real
    strides = [s // real.itemsize for s in a.strides]
    if a.dtype.kind == "c":
        return real, tuple(a.shape) + (2,), strides + [1]
    return real, tuple(a.shape), strides


@functools.lru_cache(maxsize=1024)
def _geometry(out_shape, lengths, befores, paddeds, strides, axis):
    g = np.zeros((), PAD_GEOMETRY_DTYPE)
    ndim = len(out_shape)
    g["ndim"], g["total"], g["axis"] = ndim, int(np.prod(out_shape, dtype=np.int64)), axis
    for field, values in (("shape", out_shape), ("length", lengths), ("before", befores),
                          ("padded", paddeds), ("stride_in", strides)):
        g[field][:ndim] = values
    g.flags.writeable = False
    return g


def _launch(op, mode, src, out_shape, lengths, befores, paddeds, axis=-1, into=None):
    """One launch writing a new C-contiguous array of out_shape (complex:
    its real layout) from src, or `into` where that can take it (_takes)."""
    if any(s % (src.dtype.itemsize // (2 if src.dtype.kind == "c" else 1)) for s in src.strides):
        src = _xp(src).ascontiguousarray(src)  # strides between elements (a record's field)
    real, real_shape, strides = _real_layout(src)
    extra = len(real_shape) - len(out_shape)  # the complex dimension, never padded
    g = _geometry(tuple(out_shape) + real_shape[len(out_shape):], tuple(lengths) + (2,) * extra,
                  tuple(befores) + (0,) * extra, tuple(paddeds) + (2,) * extra, tuple(strides),
                  axis)
    xp = _xp(src)
    out = into if _takes(into, src, out_shape) else empty(xp, out_shape, src.dtype)
    if g["total"] == 0:
        return out
    if xp is np:
        from . import _pad_host
        launch(f"pad-{OPS[op]}", _pad_host.apply, op, mode, _SAMPLE_CODES[real], g.tobytes(),
               src, out, HOST_RUNS_GPU_FUNCTIONS)
    else:
        kernel = KERNELS.function(kernel_name(op, mode, real))
        record = cuda.by_value(g)
        grid = (cuda._grid(int(g["total"])),)

        def run(src, out):
            kernel(grid, (cuda.BLOCK,), (record, src, out))

        launch(f"pad-{OPS[op]}", run, src, out)
    return out


def _takes(into, like, shape) -> bool:
    """Whether `into` can hold a result of `shape` computed from `like`: its
    array kind, dtype and shape, and C-contiguous (the kernels' layout)."""
    return (into is not None and type(into) is type(like) and into.dtype == like.dtype
            and tuple(into.shape) == tuple(shape) and into.flags.c_contiguous)


def _finished(y, dtype, into):
    """A result computed in an array of its own, in `dtype`, in `into` where
    that can take it."""
    y = y if y.dtype == dtype else y.astype(dtype)
    if _takes(into, y, y.shape):
        into[...] = y
        return into
    return y


def _copied(x, into):
    if _takes(into, x, x.shape):
        into[...] = x
        return into
    return x.copy()


def _xp(a):
    if is_cupy(a):
        import cupy
        return cupy
    return np


def _in_kernel_dtype(x):
    """float16 is padded in float32 (rounded back once at the end)."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


def _padded_axes(shape, widths, mode):
    return [ax for ax, (n, m) in enumerate(zip(shape, padded_shape(shape, widths, mode)))
            if m != n]


def pad_core(x, widths, mode: int, into=None):
    """pad of a NumPy or CuPy array with checked widths ((before, after) per
    dimension) and a mode number: what the bridges call. into: an array the
    result is written to where it can be (its shape and dtype, C-contiguous,
    not float16, computed in float32); the result is `into` where it was
    (a bridge's output buffer, XLA's), else an array of its own."""
    shape = tuple(x.shape)
    _check_extendable(shape, widths, mode)
    axes = _padded_axes(shape, widths, mode)
    if not axes:
        return _copied(x, into)
    check_unsigned_mode(x.dtype, mode)
    y = _in_kernel_dtype(x)
    if y.ndim > MAX_DIMS - 1:  # one axis at a time, in numpy.pad's order (same values)
        for ax in axes:
            flat = _around(y, ax)
            padded = padded_length(flat.shape[1], *widths[ax], mode)
            out = _launch(0, mode, flat, (flat.shape[0], padded, flat.shape[2]), flat.shape,
                          (0, widths[ax][0], 0), (flat.shape[0], padded, flat.shape[2]))
            y = out.reshape(y.shape[:ax] + (padded,) + y.shape[ax + 1:])
        return _finished(y, x.dtype, into)
    # smooth and antireflect: AFFINE_DIMS padded axes a launch (kernels/pad_math.cuh)
    groups = [axes[i:i + AFFINE_DIMS] for i in range(0, len(axes), AFFINE_DIMS)] \
        if mode in _AFFINE else [axes]
    for i, group in enumerate(groups):
        lengths = list(y.shape)
        befores = [widths[ax][0] if ax in group else 0 for ax in range(len(shape))]
        paddeds = [padded_length(n, *widths[ax], mode) if ax in group else n
                   for ax, n in enumerate(lengths)]
        y = _launch(0, mode, y, paddeds, lengths, befores, paddeds,
                    into=into if i == len(groups) - 1 else None)
    return y if y.dtype == x.dtype else y.astype(x.dtype)


def pad_adjoint_core(g, widths, mode: int, data_shape, into=None):
    """The adjoint of pad_core, to data of data_shape (into: as pad_core's)."""
    _check_extendable(data_shape, widths, mode)
    axes = _padded_axes(data_shape, widths, mode)
    if not axes:
        return _copied(g, into)
    y = _in_kernel_dtype(g)
    if y.ndim > MAX_DIMS - 1:  # as pad_core: one axis at a time, the last padded first
        for ax in reversed(axes):
            flat = _around(y, ax)
            out_shape = (flat.shape[0], data_shape[ax], flat.shape[2])
            out = _launch(1, mode, flat, out_shape, out_shape, (0, widths[ax][0], 0),
                          flat.shape, axis=1)
            y = out.reshape(y.shape[:ax] + (data_shape[ax],) + y.shape[ax + 1:])
        return _finished(y, g.dtype, into)
    for ax in reversed(axes):
        out_shape = list(y.shape)
        out_shape[ax] = data_shape[ax]
        lengths = list(out_shape)
        befores = [widths[ax][0] if d == ax else 0 for d in range(len(out_shape))]
        paddeds = list(y.shape)
        y = _launch(1, mode, y, out_shape, lengths, befores, paddeds, axis=ax,
                    into=into if ax == axes[0] else None)
    return y if y.dtype == g.dtype else y.astype(g.dtype)


def _around(y, ax: int):
    """y as (the axes before ax, ax, the axes after): a launch walks a limited
    number of dimensions, so an array of more pads one axis at a time."""
    before, after = int(np.prod(y.shape[:ax], dtype=np.int64)), \
        int(np.prod(y.shape[ax + 1:], dtype=np.int64))
    return _xp(y).ascontiguousarray(y).reshape(before, y.shape[ax], after)


def _whole_along(a, lengths: dict, fn):
    """fn over the blocks of a dask array whose axes in `lengths` are whole in
    every block (an extension, and its adjoint's folds, reach across the
    axis); those axes are `lengths` long in the result."""
    whole = a.rechunk({ax: -1 for ax in lengths})
    chunks = tuple((lengths[ax],) if ax in lengths else c for ax, c in enumerate(whole.chunks))
    return whole.map_blocks(fn, chunks=chunks, dtype=a.dtype)


def _pad_adjoint_lazily(g, widths, mode: int, data_shape):
    """pad_adjoint of a dask cotangent, the padded axes whole in every block."""
    lengths = {ax: data_shape[ax] for ax in _padded_axes(data_shape, widths, mode)}

    def block(b):
        shape = tuple(lengths.get(ax, n) for ax, n in enumerate(b.shape))
        return pad_adjoint_core(_data(b, "cotangent"), widths, mode, shape)

    return _whole_along(g, lengths, block)


# --- public ------------------------------------------------------------------------------

@on_input_device
@shared_docs
def pad(x: ArrayLike, pad_widths, mode: str) -> Array:
    """Extend an array past its edges by a signal extension mode (pywt.pad).

    Every dimension is extended by the boundary mode the wavelet transforms
    use, so the padded values are the ones a transform in that mode reads
    past the data's edges.

    Parameters
    ----------
    x : array_like
        NumPy, CuPy or Dask array: floating point, complex, integer or
        bool, kept as it is (float16 is padded in float32 and rounded back;
        integers wrap around as NumPy's do in the smooth and antireflect
        extrapolations; bool arrays, masks, pad in the modes that copy
        samples: every mode but smooth, antisymmetric and antireflect).
    {pad_widths}
    {pad_mode}

    Returns
    -------
    padded : array
        The padded array, of x's dtype, on x's device (lazily for Dask).

    Notes
    -----
    Values match pywt.pad wherever it returns one. Where pywt.pad raises or
    reads numpy.pad's zero fill (smooth or antisymmetric with nothing padded
    after some axis; smooth on an axis of one sample), cuwavelet returns the
    mode's extension as the transforms define it: smooth extends a single
    sample as a constant.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.array([1.0, 2.0, 4.0])
    >>> cw.pad(x, 2, "symmetric")
    array([2., 1., 1., 2., 4., 4., 2.])
    >>> cw.pad(x, (1, 3), "smooth")
    array([ 0.,  1.,  2.,  4.,  6.,  8., 10.])
    >>> cw.pad(x, 1, "periodization")
    array([4., 1., 2., 4., 4., 1.])
    >>> cw.pad(np.ones((2, 2)), ((0, 1), (2, 0)), "zero")
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [0., 0., 0., 0.]])
    """
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    mask = getattr(x, "dtype", None) == np.bool_
    if is_dask(x):
        check_known_shapes(x)
        m = mode_of(mode)
        widths = pad_widths_of(pad_widths, x.ndim)
        _check_extendable(x.shape, widths, m)
        if mask:
            check_mask_mode(m)
        if any(before or after for before, after in widths):
            check_unsigned_mode(x.dtype, m)
        lengths = {ax: padded_length(x.shape[ax], *widths[ax], m)
                   for ax in _padded_axes(x.shape, widths, m)}
        return _whole_along(x, lengths, functools.partial(pad, pad_widths=widths, mode=mode))
    if mask:
        return pad_mask_core(x, pad_widths_of(pad_widths, x.ndim), mode_of(mode))
    x = _data(x, "x")
    return pad_core(x, pad_widths_of(pad_widths, x.ndim), mode_of(mode))


def check_unsigned_mode(dtype, mode: int) -> None:
    """antisymmetric extension negates samples, which unsigned integers cannot
    hold (pywt.pad raises there too; the other arithmetic modes wrap around
    in pywt and here alike)."""
    if np.dtype(dtype).kind == "u" and mode == _ANTISYMMETRIC:
        raise ValueError(f"x has dtype {np.dtype(dtype)}; antisymmetric mode negates samples, "
                         f"which an unsigned integer cannot hold: convert x to a signed or "
                         f"floating dtype first")


def check_mask_mode(mode: int) -> None:
    """bool arrays (masks) pad in the modes that move samples; the ones that
    compute new values have no boolean meaning (pywt.pad raises in two of
    them and mixes logical operations in the third)."""
    if mode in _ARITHMETIC:
        raise TypeError(f"x has dtype bool; {MODES[mode]} mode computes new values, so it "
                        f"pads numeric arrays only (the modes that copy samples, "
                        f"{[n for i, n in enumerate(MODES) if i not in _ARITHMETIC]}, pad "
                        f"bool arrays)")


def pad_mask_core(x, widths, mode: int):
    """pad_core of a bool NumPy or CuPy array: its bytes, in a mode that copies."""
    check_mask_mode(mode)
    return pad_core(x.view(np.uint8), widths, mode).view(np.bool_)


@on_input_device
def pad_adjoint(cotangent: ArrayLike, pad_widths, mode: str, *, data_shape) -> Array:
    """Adjoint (transpose) of `cuwavelet.pad`.

    Sums the cotangent of every padded position onto the samples its
    extension read, with the same weights (smooth and antireflect extend
    with several samples): ``<pad(x), y> == <x, adjoint.pad(y)>``.

    Parameters
    ----------
    cotangent : array_like
        Cotangent of pad's output (NumPy or CuPy, real or complex).
    pad_widths : int or sequence
        The forward call's pad widths.
    mode : str
        The forward call's mode.
    data_shape : sequence of int
        Shape of the array that was padded (an odd and the next even length
        pad to the same size in periodization mode).

    Returns
    -------
    array
        Cotangent of the data, of shape `data_shape`.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.array([1.0, 2.0, 4.0])
    >>> y = np.arange(7.0)
    >>> cw.adjoint.pad(y, 2, "symmetric", data_shape=x.shape)
    array([3., 9., 9.])
    >>> bool(np.isclose(np.dot(cw.pad(x, 2, "symmetric"), y),
    ...                 np.dot(x, cw.adjoint.pad(y, 2, "symmetric", data_shape=x.shape))))
    True
    """
    from .adjoint import _data_shape
    lazy = is_dask(cotangent)
    g = cotangent if lazy else _data(cotangent, "cotangent")
    if lazy:  # (the dtype checks, on a stand-in)
        check_known_shapes(g)
        g = g.astype(_data(np.empty(0, g.dtype), "cotangent").dtype)
    shape = _data_shape(data_shape)
    m = mode_of(mode)
    if len(shape) != g.ndim:
        raise ValueError(f"data_shape {shape} has {len(shape)} dimensions; the cotangent has "
                         f"{g.ndim}")
    widths = pad_widths_of(pad_widths, g.ndim)
    expected = tuple(padded_length(n, *w, m) for n, w in zip(shape, widths))
    if tuple(g.shape) != expected:
        raise ValueError(f"cotangent shape mismatch: data of shape {shape} pads to {expected}; "
                         f"the cotangent has {tuple(g.shape)}")
    if lazy:
        return _pad_adjoint_lazily(g, widths, m, shape)
    return pad_adjoint_core(g, widths, m, shape)
