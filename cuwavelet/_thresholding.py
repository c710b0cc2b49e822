"""pywt's thresholds (threshold: soft, hard, garrote, greater, less;
threshold_firm) as one fused elementwise pass: CuPy's ElementwiseKernel on the
GPU and the host extension on the CPU, both running kernels/threshold_math.cuh.

Dtypes and values follow NumPy's evaluation of pywt's expressions: the output
dtype, the precision of the arithmetic and the rounding of the thresholds are
worked out by evaluating those expressions on empty arrays of the input's
dtype with the caller's own threshold and substitute objects (so Python
scalars stay weakly typed, NumPy scalars do not). Two deliberate differences:

* float16 data is thresholded in float32 and rounded back once (NumPy rounds
  to float16 after every operation); integer data is thresholded in float64
  (NumPy squares integer magnitudes for the garrote in their own type, which
  wraps around for small integer types);
* threshold_firm keeps every value above value_high, including the case where
  all of them lie in the first row (pywt's `np.any(np.where(...)[0])` test
  skips that case).

A threshold given as an array (one per channel, say) broadcasts against the
data as in pywt, and so do threshold_firm's bounds (pywt takes scalars
there): that case runs pywt's expressions as NumPy, CuPy or Dask operations
(_broadcast), not the fused pass.
"""
from __future__ import annotations

import functools
import numbers

import numpy as np

from ._arrays import empty, is_cupy, is_dask
from ._docs import Array
from ._eager import on_input_device
from ._backends import cuda

__all__ = ["threshold", "threshold_firm"]

MODES = {"soft": 0, "hard": 1, "garrote": 2, "garotte": 2, "greater": 3, "less": 4}
FIRM = 5
_NAMES = {0: "soft", 1: "hard", 2: "garrote", 3: "greater", 4: "less", 5: "firm"}
_TYPE_CODES = {np.dtype(np.float32): 0, np.dtype(np.float64): 1,
               np.dtype(np.complex64): 2, np.dtype(np.complex128): 3}
_KERNEL_DTYPES = tuple(_TYPE_CODES)


def _scalar(value, name):
    """A threshold or substitute: a number or a 0-d array (pywt's scalars)."""
    if isinstance(value, numbers.Number) or (isinstance(value, np.generic)):
        return value
    if hasattr(value, "ndim") and value.ndim == 0:
        return value.item() if is_cupy(value) else value[()]
    raise TypeError(f"{name} must be a scalar; got {type(value).__name__}"
                    + (f" of shape {value.shape}" if hasattr(value, "shape") else ""))


def _plan(mode, dtype, value, substitute=0, value_high=None):
    """(D, P, O): the real dtype of the arithmetic and comparisons, the dtype
    before the substitute is placed, the output dtype; pywt's expressions on
    empty arrays, once per kind of arguments (_kind)."""
    return _planned(mode, np.dtype(dtype), _kind(value), _kind(substitute), _kind(value_high),
                    value, substitute, value_high)


def _kind(v):
    """What NumPy's promotion reads of a scalar: a Python float or complex
    only its type (weakly typed), a Python int its value too (one out of the
    data's range raises), anything else its dtype."""
    if type(v) in (float, complex) or v is None:
        return type(v)
    if type(v) in (int, bool):
        return type(v), v
    return np.asarray(v).dtype


_PLANS: dict = {}


def _planned(mode, dtype, *kinds_and_values):
    key = (mode, dtype) + kinds_and_values[:3]
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) > 4096:  # (many distinct integer thresholds)
            _PLANS.clear()
        plan = _PLANS[key] = _promote(mode, dtype, *kinds_and_values[3:])
    return plan


def _promote(mode, dtype, value, substitute, value_high):
    e = np.empty(0, dtype)
    cond = np.empty(0, bool)
    with np.errstate(all="ignore"):
        if mode in (3, 4):  # greater, less: compare data with value
            work = np.result_type(e, value)
            out = e
        elif mode == 1:  # hard
            work = np.result_type(np.absolute(e), value)
            out = e
        else:
            mag = np.absolute(e)
            if mode == 0:
                t = 1 - value / mag
            elif mode == 2:
                t = 1 - value ** 2 / mag ** 2
            else:
                t = value_high * (1 - value / mag) / (value_high - value)
            out = e * t
            work = t.dtype
        final = out.dtype if mode == FIRM else np.where(cond, substitute, out).dtype
    return np.dtype(work), np.dtype(out.dtype), np.dtype(final)


def _kernel_dtype(dtype) -> np.dtype:
    """The dtype the kernels run in for a NumPy dtype (float16 -> float32,
    integers and bools -> float64)."""
    dtype = np.dtype(dtype)
    if dtype in _KERNEL_DTYPES:
        return dtype
    if dtype.kind == "c":
        return np.dtype(np.complex128)
    if dtype == np.float16:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


_C_TYPES = {"float32": "float", "float64": "double",
            "complex64": "thrust::complex<float>", "complex128": "thrust::complex<double>"}


@functools.lru_cache(maxsize=None)
def _elementwise(mode: int, work: str, out: str):
    """The kernel for one mode, arithmetic dtype and output dtype. The scalar
    parameters get concrete types: CuPy binds a type placeholder from arrays
    only, so a placeholder that only scalars carry would stay unbound."""
    import cupy
    return cupy.ElementwiseKernel(
        f"X x, {work} value, {work} value2, {work} high, {work} vdiff, {out} sub, bool use_sub",
        f"{out} y",
        f"y = cuwavelet::threshold_at<{mode}, {_C_TYPES[work]}, {_C_TYPES[out]}, X>("
        "x, value, value2, high, vdiff, sub, use_sub);",
        name=f"cuwavelet_threshold_{_NAMES[mode]}_{work}_{out}", preamble=kernel_source())


def kernel_source() -> str:
    return cuda.inline_source("threshold_math.cuh")


def _apply(mode, x, value, value2=0.0, high=0.0, vdiff=0.0, substitute=0, value_high=None):
    xp_is_cupy = is_cupy(x)
    work, _, out_dtype = _plan(mode, x.dtype, value, substitute, value_high)
    if out_dtype.kind in "biu":
        # hard / greater / less of integer data with an integer substitute:
        # the data passes through unchanged, so no float kernel may round it
        return _integer_select(mode, x, value, substitute, out_dtype)
    kernel_in = _kernel_dtype(x.dtype)
    if work.kind in "biu":  # an integer comparison of integer data (exact in float64 here)
        work = np.dtype(np.float64)
    work = np.dtype(np.float32) if work == np.float16 else work
    kernel_out = _kernel_dtype(out_dtype)
    if kernel_out.kind != "c" and kernel_in.kind == "c":
        raise TypeError("complex data cannot be thresholded into a real output")
    if work.kind == "c":  # a complex threshold without an imaginary part: pywt's dtypes
        work = np.empty(0, work).real.dtype
        value, value2 = np.real(value), np.real(value2)
    rounded = [float(work.type(v)) for v in (value, value2, high, vdiff)]
    sub = np.asarray(substitute).astype(kernel_out)[()]
    use_sub = bool(mode not in (FIRM,) and substitute != 0)
    xk = x if x.dtype == kernel_in else x.astype(kernel_in)
    if xp_is_cupy:
        import cupy
        y = empty(cupy, xk.shape, kernel_out)
        scalars = [work.type(v) for v in rounded]
        _elementwise(mode, work.name, kernel_out.name)(xk, *scalars, kernel_out.type(sub), use_sub, y)
    else:
        from . import _threshold_host
        if not xk.flags.c_contiguous:  # (ascontiguousarray makes 0-d data 1-d)
            xk = np.require(xk, requirements="C")
        y = empty(np, xk.shape, kernel_out)
        _threshold_host.apply(mode, _TYPE_CODES[kernel_in], _TYPE_CODES[np.dtype(work)],
                              _TYPE_CODES[kernel_out], xk.size, xk.ctypes.data, y.ctypes.data,
                              *rounded, float(np.real(sub)), float(np.imag(sub)), use_sub)
    return y if y.dtype == out_dtype else y.astype(out_dtype)


def _is_array_valued(value) -> bool:
    return hasattr(value, "shape") and len(value.shape) > 0


def _listed(value):
    """Thresholds given as a list or tuple: an array of them (pywt's
    expressions broadcast them as NumPy does)."""
    return np.asarray(value) if isinstance(value, (list, tuple)) else value


def _broadcast(mode, x, values: tuple, substitute=0):
    """threshold with an array of thresholds, or threshold_firm with arrays of
    bounds (values: (value,) or (value_low, value_high); data checked by the
    caller): pywt's expressions, evaluated by the data's array library
    (NumPy's functions dispatch to CuPy and Dask)."""
    if is_dask(x):  # blockwise on the broadcast arrays (so that errstate holds)
        import dask.array as da
        arrays = [i for i, v in enumerate(values) if _is_array_valued(v)]
        x, *broadcast = da.broadcast_arrays(x, *(da.asarray(values[i]) for i in arrays))

        def block(xb, *vb):
            given = dict(zip(arrays, vb))
            return _broadcast(mode, xb, tuple(given.get(i, v) for i, v in enumerate(values)),
                              substitute)
        dtype = block(np.zeros(1, x.dtype), *(np.zeros(1, b.dtype) for b in broadcast)).dtype
        return da.map_blocks(block, x, *broadcast, dtype=dtype)
    if is_cupy(x):
        import cupy
        values = tuple(cupy.asarray(v) if _is_array_valued(v) else v for v in values)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.absolute(x)
        if mode == FIRM:  # every value above value_high kept (the module's note)
            low, high = values
            shrunk = x * np.clip(high * (1 - low / magnitude) / (high - low), 0, None)
            return np.where(np.greater(magnitude, high), x, shrunk)
        (value,) = values
        if mode == 3:
            return np.where(np.less(x, value), substitute, x)
        if mode == 4:
            return np.where(np.greater(x, value), substitute, x)
        if mode == 1:
            return np.where(np.less(magnitude, value), substitute, x)
        ratio = value / magnitude if mode == 0 else value ** 2 / magnitude ** 2
        shrunk = x * np.clip(1 - ratio, 0, None)
        if substitute == 0:
            return shrunk
        return np.where(np.less(magnitude, value), substitute, shrunk)


def _integer_select(mode, x, value, substitute, out_dtype):
    if is_cupy(x):
        import cupy as xp
    else:
        xp = np
    if mode == 1:
        replace = xp.less(xp.absolute(x), value)
    elif mode == 3:
        replace = xp.less(x, value)
    else:
        replace = xp.greater(x, value)
    try:
        sub = xp.asarray(np.asarray(substitute, dtype=out_dtype))
    except OverflowError:  # (pywt wraps it around, silently)
        raise ValueError(f"the substitute {substitute!r} does not fit the result's dtype "
                         f"{out_dtype} (the data's)") from None
    return xp.where(replace, sub, x).astype(out_dtype, copy=False)


def _as_data(data):
    if is_cupy(data):
        return data
    return np.asarray(data)


def _lazily(fn, data, *args):
    """fn(block, *args) over the blocks of a dask array, lazily (elementwise:
    no halos); the result's dtype is fn's on one element of data's dtype."""
    dtype = fn(np.zeros(1, data.dtype), *args).dtype
    return data.map_blocks(fn, *args, dtype=dtype)


@on_input_device
def threshold(data, value, mode="soft", substitute=0) -> Array:
    """Threshold data elementwise (pywt.threshold).

    Parameters
    ----------
    data : array_like
        NumPy or CuPy array (real or complex; greater and less need real data).
    value : scalar or array
        The threshold, or thresholds that broadcast against the data (one
        per channel, say; the result has the broadcast shape, as in pywt).
    mode : {'soft', 'hard', 'garrote', 'greater', 'less'}
        soft: ``x * max(1 - value/|x|, 0)``; hard: ``x`` where ``|x| >=
        value``; garrote: ``x * max(1 - value**2/|x|**2, 0)``; greater: ``x``
        where ``x >= value``; less: ``x`` where ``x <= value``. Elsewhere the
        substitute. ('garotte' is accepted too.)
    substitute : scalar, optional
        Value of the thresholded-away elements (default 0).

    Returns
    -------
    output : array
        Same shape; dtype as pywt's (NumPy's promotion of data, value and
        substitute), on the input's device.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> data = np.linspace(1, 4, 7)
    >>> cw.threshold(data, 2, "soft")
    array([0. , 0. , 0. , 0.5, 1. , 1.5, 2. ])
    >>> cw.threshold(data, 2, "hard")
    array([0. , 0. , 2. , 2.5, 3. , 3.5, 4. ])
    >>> cw.threshold(data, 2, "less")
    array([1. , 1.5, 2. , 0. , 0. , 0. , 0. ])
    >>> cw.threshold(np.array([[1.0, 3.0], [1.0, 3.0]]), np.array([[2.0], [0.5]]), "hard")
    array([[0., 3.],
           [1., 3.]])
    """
    if mode not in MODES:
        keys = ", ".join(f"'{k}'" for k in sorted(MODES))
        raise ValueError(f"The mode parameter only takes values from: {keys}.")
    x = data if is_dask(data) else _as_data(data)
    code = MODES[mode]
    if code in (3, 4) and np.dtype(x.dtype).kind == "c":
        raise ValueError(f"{mode} thresholding only supports real data")
    if np.dtype(x.dtype).kind not in "biufc":
        raise TypeError(f"data must be numeric; got dtype {x.dtype}")
    value = _listed(value)
    check_real_threshold(value)
    if _is_array_valued(value):
        return _broadcast(code, x, (value,), _scalar(substitute, "substitute"))
    if is_dask(x):
        return _lazily(threshold, x, value, mode, substitute)
    value = _scalar(value, "value")
    substitute = _scalar(substitute, "substitute")
    value2 = value ** 2 if code == 2 else 0.0
    return _apply(code, x, value, value2=value2, substitute=substitute)


@on_input_device
def threshold_firm(data, value_low, value_high) -> Array:
    """Firm (semi-soft) threshold (pywt.threshold_firm).

    Zero where ``|x| <= value_low``, ``x`` where ``|x| > value_high``, and in
    between ``x * value_high * (1 - value_low/|x|) / (value_high - value_low)``.

    Parameters
    ----------
    data : array_like
        Real or complex NumPy or CuPy array.
    value_low : scalar or array
        Lower threshold (non-negative), or thresholds that broadcast against
        the data (one per channel, say; pywt takes scalars only).
    value_high : scalar or array
        Upper threshold (at least value_low), or thresholds that broadcast.

    Returns
    -------
    val_new : array
        The thresholded data (the broadcast shape with array bounds).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> cw.threshold_firm(np.array([0.1, 0.5, 1.0, 3.0]), 0.2, 2.0)
    array([0.        , 0.33333333, 0.88888889, 3.        ])
    >>> cw.threshold_firm(np.array([[0.5, 3.0], [0.5, 3.0]]), np.array([[0.2], [1.0]]), 2.0)
    array([[0.33333333, 3.        ],
           [0.        , 3.        ]])
    """
    value_low, value_high = _listed(value_low), _listed(value_high)
    arrays = _is_array_valued(value_low) or _is_array_valued(value_high)
    if arrays:
        check_firm_bounds(_host(value_low), _host(value_high))
    else:
        value_low = _scalar(value_low, "value_low")
        value_high = _scalar(value_high, "value_high")
        check_firm_bounds(value_low, value_high)
    x = data if is_dask(data) else _as_data(data)
    if np.dtype(x.dtype).kind not in "biufc":
        raise TypeError(f"data must be numeric; got dtype {x.dtype}")
    if arrays:
        return _broadcast(FIRM, x, (value_low, value_high))
    if is_dask(x):
        return _lazily(threshold_firm, x, value_low, value_high)
    return _apply(FIRM, x, value_low, high=value_high, vdiff=value_high - value_low,
                  value_high=value_high)


def _host(value):
    """A threshold's values as NumPy (CuPy and Dask ones computed: they are small)."""
    if is_cupy(value):
        return value.get()
    if is_dask(value):
        return np.asarray(value.compute())
    return np.asarray(value)


def check_real_threshold(value) -> None:
    """A threshold is a magnitude: a complex one is taken only without an
    imaginary part (pywt's values are then its real part's, in pywt's complex
    dtype); with one, pywt returns meaningless values, so it is refused."""
    if isinstance(value, (float, int)):  # the common case (NumPy's float64 too), kept cheap
        return
    if np.iscomplexobj(value) and _anywhere(np.imag(value) != 0):
        raise ValueError(f"the threshold value must be real (a magnitude); got a complex value "
                         f"with an imaginary part: {value!r}")


def check_firm_bounds(low, high) -> None:
    """pywt's checks of threshold_firm's bounds (NumPy arrays or numbers; None:
    not known, unchecked), every element of array-valued ones."""
    if low is not None and _anywhere(low < 0):
        raise ValueError("value_low must be non-negative.")
    if low is not None and high is not None and _anywhere(high < low):
        raise ValueError("value_high must be greater than or equal to value_low.")


def _anywhere(condition) -> bool:
    """A comparison's result, true anywhere (a Python bool as it is: the
    scalar case is the common one, kept cheap)."""
    return condition if type(condition) is bool else bool(np.any(condition))
