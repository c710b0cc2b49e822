"""pywt.cwt on NumPy and CuPy arrays, and its exact adjoint.

pywt convolves the data with each scale's sampled integral of the wavelet
(k_s, L_s taps), differentiates, scales and crops:

    coef_s[n] = -sqrt(s) (conv[n + a + 1] - conv[n + a]),   a = floor((L_s - 2) / 2)

which is one convolution with h_s[m] = -sqrt(s) (k_s[m] - k_s[m - 1]) (L_s + 1
taps) read from offset o_s = a + 1. Here each scale's h_s is laid out in a
period of M samples with its offset at index 0 (the taps before it wrap to
the period's end), so coef_s is the first N samples of the circular
convolution of the zero-padded data with it, exact once M >= N + reach
(reach = max(o_s, L_s - o_s) over the scales). One FFT of the data, then per
scale a product of spectra and one inverse FFT; every scale is read from
the same place, so a chunk of scales is one slice. The adjoint correlates:
one FFT per scale of the cotangent, the products with the conjugate spectra
summed over the scales, one inverse FFT. FFTs are scipy.fft's on the CPU
(numpy.fft's without SciPy) and cupy.fft's (cuFFT, on the current stream) on
the GPU; they run in the data's
precision, so float32 data gets float32 rounding (pywt's 'conv' and 'fft'
methods differ from each other by as much).

The kernels' taps are pywt's (``pywt.integrate_wavelet``, then pywt's own
index arithmetic in the data's precision), cached per wavelet, scales,
precision and dtype; their spectra are cached per period and device while
they stay small (``SPECTRA_CACHE_BYTES``).
"""
from __future__ import annotations

import collections
import functools
import math
import numbers
import threading

import numpy as np
import pywt

from ._arrays import (accepts_other_libraries, array_module, as_array, empty, is_dask, real_dtype,
                      transform_dtype)
from ._docs import Array, ArrayLike
from ._eager import on_input_device
from ._program import ARRAY_CACHES
from ._shapes import normalize_axis

__all__ = ["cwt", "cwt_adjoint", "cwt_core", "cwt_adjoint_core", "continuous_wavelet",
           "wavelet_spec", "checked_scales", "static_scales", "scales_of", "frequencies",
           "output_dtype", "portable_spectra"]

# Work arrays of one chunk of scales (their spectra and inverse transforms)
# stay near this size; more scales than fit are taken a chunk at a time. On
# the CPU small chunks stay in the allocator's heap (fresh large arrays cost
# page faults: 30% of a call); the GPU's are larger (each costs a few launches).
WORK_BYTES = 1 << 24
GPU_WORK_BYTES = 1 << 29
# Spectra of the scales' filters are kept for later calls while the cache
# holds at most this many bytes (per process, all devices).
SPECTRA_CACHE_BYTES = 1 << 28
_METHODS = ("conv", "fft")


# --- the wavelet and its filters ----------------------------------------------

def continuous_wavelet(wavelet) -> pywt.ContinuousWavelet:
    """A pywt.ContinuousWavelet from a name or one (discrete wavelets refused)."""
    if isinstance(wavelet, pywt.ContinuousWavelet):
        return wavelet
    if isinstance(wavelet, str):
        try:
            w = pywt.DiscreteContinuousWavelet(wavelet)
        except ValueError as exc:
            raise ValueError(f"Unknown wavelet {wavelet!r} for cwt: {exc}. The continuous "
                             f"wavelets are {pywt.wavelist(kind='continuous')} (cmor, shan and "
                             "fbsp with parameters, e.g. 'cmor1.5-1.0').") from None
        if isinstance(w, pywt.ContinuousWavelet):
            return w
    raise ValueError(f"cwt needs a continuous wavelet (a name from "
                     f"pywt.wavelist(kind='continuous') or a pywt.ContinuousWavelet); got "
                     f"{getattr(wavelet, 'name', wavelet)!r}, which is not one.")


def wavelet_spec(wavelet) -> tuple:
    """(name, lower bound, upper bound): hashable, and enough to rebuild the
    wavelet (the name carries cmor's, shan's and fbsp's parameters, the
    bounds where it is sampled), whatever attributes were set on it."""
    w = continuous_wavelet(wavelet)
    family = w.short_family_name
    if family in LEARNABLE:
        order = (w.fbsp_order,) if family == "fbsp" else ()
        name = parametric_name(family, (*order, w.bandwidth_frequency, w.center_frequency))
    else:
        name = w.name
    return (name, *checked_bounds(w.lower_bound, w.upper_bound))


def checked_bounds(lower, upper) -> tuple:
    """(lower, upper), the interval a wavelet is sampled on, as floats,
    checked (pywt fails obscurely on empty or reversed ones)."""
    try:
        bounds = float(lower), float(upper)
    except (TypeError, ValueError):
        bounds = None
    # (plain Python: graph capture traces this where a bridge learns a wavelet)
    if bounds is None or not all(map(math.isfinite, bounds)) or bounds[0] >= bounds[1]:
        raise ValueError(f"A continuous wavelet's lower_bound and upper_bound must be finite "
                         f"numbers with lower_bound < upper_bound; got {lower!r} and {upper!r}.")
    return bounds


def parametric_name(family: str, values) -> str:
    """The name pywt reads a parametric wavelet's values from (cmorB-C,
    shanB-C, fbspM-B-C), each value written to be read back exactly: in
    positional notation (pywt splits the name at every '-', so neither an
    exponent nor a sign could be read back), positive (pywt's
    parameters are)."""
    names, integers, _ = learnable_family(family)
    values = tuple(values)
    check_parameter_count(family, len(values))
    written = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) \
                or not np.isfinite(v) or v <= 0 or (i < integers and v != int(v)):
            kind = "integer" if i < integers else "finite number"
            raise ValueError(f"The {family} wavelet's {names[i]} must be a positive {kind}; "
                             f"got {v!r}.")
        written.append(str(int(v)) if i < integers
                       else np.format_float_positional(float(v), trim="-"))
    return family + "-".join(written)


def _rebuilt(spec) -> pywt.ContinuousWavelet:
    name, lower, upper = spec
    w = pywt.ContinuousWavelet(name)
    w.lower_bound, w.upper_bound = lower, upper
    return w


@functools.lru_cache(maxsize=256)
def _complex_wavelet(spec: tuple) -> bool:
    return bool(_rebuilt(spec).complex_cwt)


def output_dtype(spec: tuple, dtype) -> np.dtype:
    """The coefficients' dtype (and the adjoint's) for arrays of `dtype`:
    complex for complex wavelets, else `dtype`."""
    dtype = np.dtype(dtype)
    return np.result_type(dtype, np.complex64) if _complex_wavelet(spec) else dtype


def checked_scales(scales) -> np.ndarray:
    """pywt's scales as an array of their own dtype (pywt's index arithmetic
    depends on it), checked."""
    if isinstance(scales, StaticScales):
        return scales_of(scales)
    s = np.atleast_1d(np.asarray(scales))
    if s.ndim != 1:
        raise ValueError(f"scales must be a number or a 1-D sequence; got shape {s.shape}.")
    if s.size == 0:
        raise ValueError("scales is empty; give at least one scale.")
    if s.dtype.kind not in "iuf":
        raise TypeError(f"scales must be real numbers; got dtype {s.dtype}.")
    if not np.all(np.isfinite(s)):
        raise ValueError("`scales` must only include finite values")
    if np.any(s <= 0):
        raise ValueError("`scales` must only include positive values")
    return s


def static_scales(scales: np.ndarray) -> tuple:
    """(values, dtype name): checked scales as plain numbers (a cache key,
    the bridges' static arguments); scales_of gives the array back. The
    dtype stays: pywt's arithmetic promotes a float32 grid with small
    integers and float16/32 scales to float32, with the others to float64."""
    return tuple(float(v) for v in scales), scales.dtype.str


class StaticScales(tuple):
    """static_scales' pair marked as such, which the functions taking scales
    also take: scales kept where graph capture can guard their values (a
    module's)."""


def scales_of(static: tuple) -> np.ndarray:
    return np.asarray(static[0], dtype=np.dtype(static[1]))


class Sampling:
    """Which samples of the integrated wavelet (int_psi, pywt's grid of
    2**precision points between the bounds) each scale's filter takes, as
    tables over every scale's taps: tap m of scale s is
    weight[s] * (int_psi[first[m]] * has_first[m] - int_psi[second[m]] * has_second[m]),
    pywt's -sqrt(s) (k[m] - k[m - 1]) with k = int_psi[j][::-1]; a filter's
    offset is its tap at index 0 of the period."""

    def __init__(self, js: list, weights: list):
        self.count = len(js)
        self.lengths = [len(j) + 1 for j in js]
        self.offsets = [(len(j) - 2) // 2 + 1 for j in js]
        # reach: how far a filter extends before and after its offset
        self.reach = max(max(o, n - o) for o, n in zip(self.offsets, self.lengths))
        self.weights = weights
        self.row = np.concatenate([np.full(n, i) for i, n in enumerate(self.lengths)])
        k = [j[::-1] for j in js]
        self.first = np.concatenate([np.append(r, 0) for r in k])
        self.has_first = np.concatenate([np.append(np.ones(len(r)), 0.0) for r in k])
        self.second = np.concatenate([np.insert(r, 0, 0) for r in k])
        self.has_second = np.concatenate([np.insert(np.ones(len(r)), 0, 0.0) for r in k])
        self.weight = np.concatenate([np.full(n, w) for w, n in zip(weights, self.lengths)])
        self._position = np.concatenate([np.arange(n) - o
                                         for n, o in zip(self.lengths, self.offsets)])

    def columns(self, period: int) -> np.ndarray:
        """Each tap's index in a period of `period` samples (offsets at 0)."""
        return self._position % period

    def taps(self, int_psi: np.ndarray) -> np.ndarray:
        """Every scale's taps, concatenated (in int_psi's dtype's width)."""
        return self.weight * (int_psi[self.first] * self.has_first
                              - int_psi[self.second] * self.has_second)


@functools.lru_cache(maxsize=64)
def sampling(bounds: tuple, scales_key: tuple, precision: int, real_str: str) -> Sampling:
    """pywt.cwt's choice of samples for data of real dtype `real_str` (its
    grid and index arithmetic run in the data's precision, in pywt's own
    types); scales_key: static_scales'."""
    grid = np.linspace(bounds[0], bounds[1], 2 ** precision).astype(real_str)
    size = grid.size
    js, weights = [], []
    for scale in scales_of(scales_key):
        step = grid[1] - grid[0]
        j = np.arange(scale * (grid[-1] - grid[0]) + 1) / (scale * step)
        j = j.astype(int)
        if j[-1] >= size:
            j = np.extract(j < size, j)
        if j.size < 2:
            raise ValueError(f"Selected scale of {scale} too small.")
        js.append(j)
        weights.append(-float(np.sqrt(scale)))
    return Sampling(js, weights)


class _Filters:
    """Every scale's filter: the taps (float64 or complex128, concatenated)
    and where they go in a period (Sampling)."""

    def __init__(self, key: tuple, where: Sampling, taps: np.ndarray, complex_: bool):
        self.key, self.where, self.taps, self.complex = key, where, taps, complex_
        self.count, self.reach = where.count, where.reach

    def laid_out(self, period: int, first: int, stop: int) -> tuple:
        """(rows, columns, values) of scales first..stop-1 in a (stop - first,
        period) array of filters."""
        chosen = (self.where.row >= first) & (self.where.row < stop)
        return (self.where.row[chosen] - first, self.where.columns(period)[chosen],
                self.taps[chosen])


def filters_of(spec: tuple, scales: np.ndarray, precision: int, dtype) -> _Filters:
    """pywt.cwt's filters for data of `dtype` (its precision decides pywt's
    rounding of the taps and of the index grid)."""
    return _filters(spec, static_scales(scales), int(precision), real_dtype(dtype).str)


@functools.lru_cache(maxsize=64)
def _filters(spec: tuple, scales_key: tuple, precision: int, real_str: str) -> _Filters:
    w = _rebuilt(spec)
    dtype = np.dtype(real_str)
    where = sampling(spec[1:], scales_key, precision, real_str)
    int_psi, _ = pywt.integrate_wavelet(w, precision=precision)
    int_psi = np.conj(int_psi) if w.complex_cwt else int_psi
    # rounded to the data's precision, as pywt does, then widened
    psi_dtype = np.result_type(dtype, np.complex64) if int_psi.dtype.kind == "c" else dtype
    wide = np.complex128 if int_psi.dtype.kind == "c" else np.float64
    int_psi = np.asarray(int_psi, dtype=psi_dtype).astype(wide)
    return _Filters((spec, scales_key, precision, real_str), where, where.taps(int_psi),
                    w.complex_cwt)


def frequencies(spec: tuple, scales: np.ndarray, sampling_period, precision: int) -> np.ndarray:
    """pywt.cwt's second result (pywt.scale2frequency's over the sampling
    period), with the wavelet's central frequency computed once."""
    f = _central_frequency(spec, precision) / scales
    f = np.array([f]) if np.isscalar(f) else np.asarray(f)
    f /= sampling_period  # (in place, as pywt: float32 scales keep float32 frequencies)
    return f


@functools.lru_cache(maxsize=256)
def _central_frequency(spec: tuple, precision: int):
    return pywt.central_frequency(_rebuilt(spec), precision)


# --- spectra ---------------------------------------------------------------------

@functools.lru_cache(maxsize=1024)
def fft_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c 7^d >= n: the lengths both FFT libraries do fastest."""
    best = 1 << max(0, (n - 1).bit_length())
    p7 = 1
    while p7 < best:
        p5 = p7
        while p5 < best:
            p3 = p5
            while p3 < best:
                m = p3
                while m < n:
                    m *= 2
                best = min(best, m)
                p3 *= 3
            p5 *= 5
        p7 *= 7
    return best


class _SpectraCache:
    """Spectra of filters by (filters' key, period, kind, dtype, device), the
    least recently used dropped past SPECTRA_CACHE_BYTES."""

    def __init__(self):
        self._entries = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key, value):
        if value.nbytes > SPECTRA_CACHE_BYTES:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = value
            self._bytes += value.nbytes
            while self._bytes > SPECTRA_CACHE_BYTES:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.nbytes

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_spectra_cache = _SpectraCache()
ARRAY_CACHES.append(_spectra_cache.clear)  # (cw.clear_plan_cache frees them too)


def _spectra(xp, filters: _Filters, period: int, full: bool, cdtype, first: int, stop: int):
    """The spectra of the filters of scales first..stop-1 over `period`
    samples: full FFTs (complex filters or data), else real ones (rfft).
    Every scale's are computed and cached at once where they fit the cache."""
    key = (filters.key, period, full, np.dtype(cdtype).str,
           None if xp is np else xp.cuda.Device().id)
    found = _spectra_cache.get(key)
    if found is None and filters.count * period * np.dtype(cdtype).itemsize \
            <= SPECTRA_CACHE_BYTES:
        found = _computed_spectra(xp, filters, period, full, cdtype, 0, filters.count)
        _spectra_cache.put(key, found)
    if found is not None:
        return found[first:stop]
    return _computed_spectra(xp, filters, period, full, cdtype, first, stop)


def _computed_spectra(xp, filters: _Filters, period: int, full: bool, cdtype, first: int,
                      stop: int):
    rows, cols, values = filters.laid_out(period, first, stop)
    laid = xp.zeros((stop - first, period), dtype=cdtype if full else real_dtype(cdtype))
    laid[xp.asarray(rows), xp.asarray(cols)] = xp.asarray(values if full else values.real,
                                                          dtype=laid.dtype)
    return _forward(xp, laid, period, full)


# --- the transform and its adjoint --------------------------------------------------

def _plan(n: int, filters: _Filters, complex_data: bool, dtype):
    """(period, full FFTs?, the complex dtype of the spectra) for n samples."""
    period = fft_length(n + filters.reach)
    full = filters.complex or complex_data
    return period, full, np.result_type(real_dtype(dtype), np.complex64)


def _per_chunk(xp, count: int, batch: int, period: int, cdtype) -> int:
    per_scale = batch * period * np.dtype(cdtype).itemsize * 2  # its spectra, its inverse
    budget = WORK_BYTES if xp is np else GPU_WORK_BYTES
    return max(1, min(count, budget // max(per_scale, 1)))


def _fft_library(xp) -> tuple:
    """(FFT module, its keyword arguments) for arrays of xp: cupy.fft (cuFFT)
    on the GPU; on the CPU scipy.fft on every core where SciPy is installed
    (numpy.fft's float32 transforms are about 3x slower), else numpy.fft."""
    if xp is not np:
        return xp.fft, {}
    if CPU_FFT == "scipy":
        try:
            import scipy.fft
            return scipy.fft, {"workers": -1}
        except ImportError:
            pass
    return np.fft, {}


CPU_FFT = "scipy"  # or "numpy": the CPU's FFTs (the tests run both)


def _forward(xp, a, period, full):
    fft, kw = _fft_library(xp)
    return fft.fft(a, n=period, axis=-1, **kw) if full else fft.rfft(a, n=period, axis=-1, **kw)


def _inverse(xp, a, period, full):
    fft, kw = _fft_library(xp)
    return fft.ifft(a, axis=-1, **kw) if full else fft.irfft(a, n=period, axis=-1, **kw)


def cwt_core(x, spec: tuple, scales: np.ndarray, precision: int, axis: int, out=None):
    """pywt.cwt's coefficients of x (a NumPy or CuPy array of a transform
    dtype) along `axis` (non-negative): shape (len(scales),) + x.shape."""
    xp = array_module(x)
    n = x.shape[axis]
    filters = filters_of(spec, scales, precision, x.dtype)
    result = empty(xp, (filters.count,) + x.shape, output_dtype(spec, x.dtype)) \
        if out is None else out
    if x.size == 0:
        return result
    period, full, cdtype = _plan(n, filters, x.dtype.kind == "c", x.dtype)
    moved = x.swapaxes(axis, -1)
    lead = moved.shape[:-1]
    data = _forward(xp, moved.reshape(-1, n), period, full)
    target = result.swapaxes(axis + 1, -1)
    step = _per_chunk(xp, filters.count, data.shape[0], period, cdtype)
    for first in range(0, filters.count, step):
        stop = min(first + step, filters.count)
        product = _spectra(xp, filters, period, full, cdtype, first, stop)[:, None, :] * data
        back = _inverse(xp, product, period, full)[..., :n]
        target[first:stop] = back.reshape((stop - first,) + lead + (n,))
    return result


def _check_scales_axis(c, count: int) -> None:
    if c.ndim < 2 or c.shape[0] != count:
        raise ValueError(f"The cotangent must have the {count} scales along its first axis, "
                         f"then the data's dimensions; got shape {tuple(c.shape)}.")


def cwt_adjoint_core(c, spec: tuple, scales: np.ndarray, precision: int, axis: int, out=None):
    """The adjoint (conjugate transpose) of cwt_core at a cotangent c of shape
    (len(scales),) + the data's shape; `axis` is the data's (non-negative)."""
    xp = array_module(c)
    filters = filters_of(spec, scales, precision, c.dtype)
    _check_scales_axis(c, filters.count)
    shape, n = c.shape[1:], c.shape[axis + 1]
    result = empty(xp, shape, output_dtype(spec, c.dtype)) if out is None else out
    if c.size == 0:
        result[...] = 0
        return result
    period, full, cdtype = _plan(n, filters, c.dtype.kind == "c", c.dtype)
    moved = c.swapaxes(axis + 1, -1)
    rows = moved.reshape(filters.count, -1, n)
    step = _per_chunk(xp, filters.count, rows.shape[1], period, cdtype)
    total = None
    for first in range(0, filters.count, step):
        stop = min(first + step, filters.count)
        spectra = _forward(xp, rows[first:stop], period, full)
        spectra *= xp.conj(_spectra(xp, filters, period, full, cdtype, first, stop))[:, None, :]
        part = spectra.sum(axis=0)
        total = part if total is None else total + part
    back = _inverse(xp, total, period, full)[:, :n]
    result.swapaxes(axis, -1)[...] = back.reshape(moved.shape[1:])
    return result


def portable_spectra(spec: tuple, scales: tuple, precision: int, dtype_str: str,
                     n: int) -> tuple:
    """What a framework's own FFTs need to compute cwt_core of data of
    `dtype_str` and n samples along its axis (bridges/_portable.py):
    (period, full FFTs?, every scale's filter spectrum as a NumPy array)."""
    dtype = np.dtype(dtype_str)
    filters = filters_of(spec, scales_of(scales), precision, dtype)
    period, full, cdtype = _plan(n, filters, dtype.kind == "c", dtype)
    # (a copy: the cached array stays the cache's)
    return period, full, _spectra(np, filters, period, full, cdtype, 0, filters.count).copy()


# --- wavelets with learned parameters ---------------------------------------------------

# The families whose parameters the bridges can learn: their parameter names, of
# which the first `integers` are fixed integers, and pywt's default bounds of
# their sampling (ContinuousWavelet.lower_bound, upper_bound; a test checks them
# against pywt's). Their wavelets are computed by the bridges from the
# parameters (bridges/_portable.py: learned_psi), as pywt's wavefun computes them.
LEARNABLE = {"cmor": (("bandwidth", "center"), 0, (-8.0, 8.0)),
             "shan": (("bandwidth", "center"), 0, (-20.0, 20.0)),
             "fbsp": (("order", "bandwidth", "center"), 1, (-20.0, 20.0))}


def learnable_family(family: str) -> tuple:
    """(parameter names, how many lead integers, (lower, upper) bounds) of a
    family with learnable parameters."""
    if family not in LEARNABLE:
        raise ValueError(f"A wavelet with learned parameters is one of {sorted(LEARNABLE)} "
                         f"given as (family, *parameters); got family {family!r}.")
    return LEARNABLE[family]


def learned_bounds(family: str, wavelet=None) -> tuple:
    """The interval a learned wavelet of `family` is sampled on: `wavelet`'s
    bounds as set where it has them (a pywt.ContinuousWavelet, ptwt's
    learnable wavelets), else pywt's defaults for the family; checked."""
    default = learnable_family(family)[2]
    return checked_bounds(getattr(wavelet, "lower_bound", default[0]),
                          getattr(wavelet, "upper_bound", default[1]))


def learned_tables(bounds: tuple, scales: tuple, precision: int, real_str: str, n: int) -> tuple:
    """What a bridge needs besides the parameters to compute cwt of n samples
    with a learned wavelet sampled on `bounds` (learned_bounds';
    bridges/_portable.py: learned_cwt): (period, scales, pywt's grid, its
    step, and Sampling's tables: rows and columns of the taps in a (scales,
    period) array, first, has_first, second, has_second, weight)."""
    where = sampling(bounds, scales, precision, real_str)
    grid = np.linspace(bounds[0], bounds[1], 2 ** precision)
    period = fft_length(n + where.reach)
    return (period, where.count, grid, float(grid[1] - grid[0]), where.row,
            where.columns(period), where.first, where.has_first, where.second,
            where.has_second, where.weight)


def check_parameter_count(family: str, count: int) -> None:
    names = learnable_family(family)[0]
    if count != len(names):
        raise ValueError(f"A {family} wavelet takes its parameters ({', '.join(names)}); got "
                         f"{count} values.")


def learned_arguments(family: str, count: int, lead: tuple, scales, method, axis, ndim: int,
                      precision) -> tuple:
    """A call with a learned wavelet (family, *parameters), checked: `count`
    parameters given, `lead` the first ones (the fixed integers). Returns
    (the lead integers, static_scales', axis >= 0, precision)."""
    names, integers, _ = learnable_family(family)
    check_parameter_count(family, count)
    if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1 for v in lead):
        raise ValueError(f"The {family} wavelet's {names[0]} must be a positive integer (it is "
                         f"not learned); got {lead[0]!r}.")
    s, ax, prec = _checked_call(scales, method, axis, ndim, precision)
    return tuple(int(v) for v in lead), static_scales(s), ax, prec


# --- the public functions ------------------------------------------------------------

def arguments(scales, wavelet, sampling_period, method, axis, ndim: int, precision) -> tuple:
    """pywt.cwt's arguments for data of `ndim` dimensions, checked:
    (wavelet spec, scales array, axis >= 0, precision, frequencies)."""
    w = continuous_wavelet(wavelet)
    s, ax, prec = _checked_call(scales, method, axis, ndim, precision)
    spec = wavelet_spec(w)
    return spec, s, ax, prec, frequencies(spec, s, sampling_period, prec)


def _checked_call(scales, method, axis, ndim: int, precision) -> tuple:
    """(scales array, axis >= 0, precision), checked."""
    s = checked_scales(scales)
    if ndim == 0:
        raise ValueError("data must be at least 1-D; got a 0-d array.")
    if method not in _METHODS:
        raise ValueError("method must be 'conv' or 'fft'")
    if isinstance(precision, bool) or not isinstance(precision, (int, np.integer)) \
            or not 1 <= precision <= 24:
        raise ValueError(f"precision must be an integer from 1 to 24 (the wavelet sampled at "
                         f"2**precision points); got {precision!r}.")
    # pywt transforms a 1-D signal whatever integer `axis` says (its own tests
    # pass axis=1 with one)
    one_signal = ndim == 1 and isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
    return s, 0 if one_signal else normalize_axis(axis, ndim), int(precision)


def check_samples(n: int, axis) -> None:
    """pywt refuses data without samples along the transformed axis."""
    if n == 0:
        raise ValueError(f"data has no samples along axis {axis}.")


def _lazily(data, spec: tuple, scales, axis: int, precision: int, dtype):
    """cwt of a Dask array: `axis` whole in every block, the scales a new
    first axis of one chunk."""
    whole = data.rechunk({axis: -1})

    def block(b):
        return cwt_core(as_array(b), spec, scales, precision, axis)

    return whole.map_blocks(block, new_axis=0, chunks=((len(scales),),) + whole.chunks,
                            dtype=dtype, meta=np.empty((0,) * (whole.ndim + 1), dtype))


def _adjoint_lazily(c, spec: tuple, scales, axis: int, precision: int, dtype):
    """cwt_adjoint of a Dask cotangent: the scales' axis and the data's
    `axis` whole in every block; the scales' axis is summed away."""
    whole = c.rechunk({0: -1, axis + 1: -1})

    def block(b):
        return cwt_adjoint_core(as_array(b), spec, scales, precision, axis)

    return whole.map_blocks(block, drop_axis=0, chunks=whole.chunks[1:], dtype=dtype,
                            meta=np.empty((0,) * (whole.ndim - 1), dtype))


@accepts_other_libraries
@on_input_device
def cwt(data: ArrayLike, scales, wavelet, sampling_period: float = 1.0, method: str = "conv",
        axis: int = -1, *, precision: int = 12) -> tuple[Array, np.ndarray]:
    """Continuous wavelet transform along one axis (``pywt.cwt``).

    The data is convolved with the wavelet at every scale, by FFTs in the
    data's precision (cuFFT on the GPU, on the current CuPy stream), with
    pywt's sampled wavelet and pywt's values; every scale of every batch
    row comes from one FFT of the data.

    Parameters
    ----------
    data : array_like
        The signal: NumPy, CuPy or Dask (lazily, `axis` whole in every
        block), or an array of another library that speaks DLPack. Any
        number of other dimensions (a batch). dtypes as pywt's: float32/64
        and complex64/128 kept, float16 becomes float32, integers and bools
        float64.
    scales : float or sequence of float
        The positive scales, in samples. ``cuwavelet.scale2frequency``
        converts them to frequencies (cycles per sample).
    wavelet : str or pywt.ContinuousWavelet
        A name from ``pywt.wavelist(kind="continuous")`` (``"morl"``,
        ``"mexh"``, ``"gaus1"`` ... ``"gaus8"``, ``"cgau1"`` ... ``"cgau8"``),
        with parameters for ``"cmorB-C"``, ``"shanB-C"`` and ``"fbspM-B-C"``
        (say ``"cmor1.5-1.0"``), or a ``pywt.ContinuousWavelet`` (its
        parameters and bounds as set).
    sampling_period : float, optional
        The sampling period, for the frequencies returned (the coefficients
        do not depend on it).
    method : {'conv', 'fft'}, optional
        pywt's choice of algorithm; both give the same values here (by FFTs).
    axis : int, optional
        The axis to transform (default the last; a 1-D signal is transformed
        whatever integer it is, as in pywt).
    precision : int, optional
        The wavelet is sampled at ``2**precision`` points, as in pywt
        (default 12).

    Returns
    -------
    coefs : array
        Shape ``(len(scales),) + data.shape``: the first axis holds the
        scales. Complex for the complex wavelets (cmor, shan, fbsp, cgau)
        and for complex data, else of the data's dtype; on the data's
        device.
    frequencies : numpy.ndarray
        The scales' frequencies, over ``sampling_period`` (a host array).

    See Also
    --------
    cuwavelet.adjoint.cwt : the adjoint (conjugate transpose).

    Notes
    -----
    The values are pywt's for the data's dtype, including its rounding of
    float32: pywt samples the wavelet on a grid computed in the data's
    precision, so at some scales float32 data meets other samples of the
    wavelet than float64 data does (a difference of up to a few percent of
    those scales' coefficients, which cuwavelet keeps, as pywt has it).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> t = np.linspace(0, 1, 400, endpoint=False)
    >>> x = np.cos(2 * np.pi * 40 * t)           # 40 Hz, sampled at 400 Hz
    >>> scales = np.arange(1, 33)
    >>> coefs, freqs = cw.cwt(x, scales, "morl", sampling_period=1 / 400)
    >>> coefs.shape
    (32, 400)
    >>> float(freqs[np.abs(coefs[:, 200]).argmax()])   # the strongest scale's frequency
    40.625

    Batches and complex wavelets:

    >>> x = np.random.default_rng(0).standard_normal((8, 2, 256)).astype(np.float32)
    >>> coefs, _ = cw.cwt(x, [2, 4, 8], "cmor1.5-1.0")
    >>> coefs.shape, coefs.dtype
    ((3, 8, 2, 256), dtype('complex64'))
    """
    x = data if is_dask(data) else as_array(data)
    spec, s, ax, prec, freqs = arguments(scales, wavelet, sampling_period, method, axis, x.ndim,
                                         precision)
    check_samples(x.shape[ax], axis)
    if is_dask(x):
        dtype = transform_dtype(x.dtype)
        filters_of(spec, s, prec, dtype)  # its errors now, not at compute time
        return _lazily(x, spec, s, ax, prec, output_dtype(spec, dtype)), freqs
    return cwt_core(x, spec, s, prec, ax), freqs


@accepts_other_libraries
@on_input_device
def cwt_adjoint(coefs: ArrayLike, scales, wavelet, method: str = "conv", axis: int = -1, *,
                precision: int = 12) -> Array:
    """The adjoint (conjugate transpose) of :func:`cuwavelet.cwt`.

    ``cw.cwt`` is linear in the data: ``coefs = A @ data``. This computes
    ``A^H @ coefs`` (every scale's correlation with the wavelet, summed over
    the scales), exactly: ``<coefs, cw.cwt(x)> == <cw.adjoint.cwt(coefs), x>``.
    For real data and a complex wavelet the transform is real-linear and its
    adjoint is the real part of this.

    Parameters
    ----------
    coefs : array_like
        A cotangent shaped like cwt's coefficients: ``(len(scales),) +
        data.shape``; NumPy or CuPy.
    scales : float or sequence of float
        The scales given to ``cw.cwt``.
    wavelet : str or pywt.ContinuousWavelet
        The wavelet given to ``cw.cwt``.
    method : {'conv', 'fft'}, optional
        As given to ``cw.cwt`` (both compute the same values).
    axis : int, optional
        The data's transformed axis, as given to ``cw.cwt`` (counted in the
        data's dimensions, without the scales').
    precision : int, optional
        As given to ``cw.cwt`` (default 12).

    Returns
    -------
    array
        Shaped like the data (``coefs.shape[1:]``): complex for complex
        wavelets or cotangents, on their device.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> rng = np.random.default_rng(0)
    >>> x, c = rng.standard_normal(64), rng.standard_normal((4, 64))
    >>> y, _ = cw.cwt(x, [1, 2, 4, 8], "mexh")
    >>> bool(np.isclose(np.vdot(c, y), np.vdot(cw.adjoint.cwt(c, [1, 2, 4, 8], "mexh"), x)))
    True
    """
    c = coefs if is_dask(coefs) else as_array(coefs, "coefs")
    if c.ndim < 2:
        raise ValueError(f"coefs must have the scales' axis and the data's (at least 2-D); "
                         f"got shape {tuple(c.shape)}.")
    spec, s, ax, prec, _ = arguments(scales, wavelet, 1.0, method, axis, c.ndim - 1, precision)
    if is_dask(c):
        dtype = transform_dtype(c.dtype)
        _check_scales_axis(c, filters_of(spec, s, prec, dtype).count)  # (now, not when computed)
        return _adjoint_lazily(c, spec, s, ax, prec, output_dtype(spec, dtype))
    return cwt_adjoint_core(c, spec, s, prec, ax)
