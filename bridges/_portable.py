"""The transforms as plain array operations of a framework, for export.

Graph capture records a transform of the bridges as a call of cuwavelet's
operations, which only a process with cuwavelet can run. Inside a bridge's
``portable()`` (bridges/_torch_portable.py, bridges/_jax_portable.py) the
same outputs are computed by the functions here instead, from a framework's
own operations (an ``Arrays``: gathers, slices, concatenation, stacking), so
that the captured program runs wherever that framework's programs run
(ONNX Runtime, AOTInductor, a serialized JAX program: what the export tests
run) with the shapes it was captured at. The core's kernels stay the route
everywhere else, but for one: cwt with a learned wavelet (its parameters
framework arrays) always takes its form here (learned_cwt), the filters
computed from the parameters by the framework, so that its autodiff reaches
them.

Along one axis, with F taps (pywt's conventions; the bridges' export tests
check every mode against pywt):

* analysis: the signal extended by the mode, F - 2 samples before and
  F - 1 after (periodization: F/2 - 1 each side of the signal with its last
  sample repeated where its length is odd), then a stride-2 correlation with
  the reversed filters, both subbands at once.
* synthesis: both subbands upsampled and convolved with the filters, cut
  to [F - 2, 2M): the even and the odd outputs are each a correlation of
  the subbands with every other tap (periodization: of the subbands'
  periodic extension, 2M samples from F/2 - 1 on).
* a stationary level (taps `step` apart): the periodic extension, then a
  dilated correlation, shifted as kernels/swt_math.cuh shifts it.

Several axes keep the subbands stacked in front, one dimension of two per
axis, so each axis of a level is one pass over all of its subbands. The
extension's samples come from the core's own pad (cuwavelet/_padding.py)
applied to unit vectors once per (length, widths, mode): one source of
truth for the nine modes. Only the first and last few samples reach the
extension, so only they are probed.

Arrays here are the framework's; `A` is its ``Arrays``; axes are
non-negative; `filters` are (2, F) arrays, one per axis: the analysis pair
(dec_lo, dec_hi) or the synthesis pair (rec_lo, rec_hi).
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from cuwavelet import _cwt, _learned, _padding
from cuwavelet._multilevel import trim_to
from cuwavelet._packets import _trim as trim_rows
from cuwavelet._wavelets import PERIODIZATION, dilation


class Arrays:
    """What the forms need of a framework beyond slicing, reshape, sum and
    arithmetic, which they use as NumPy spells them."""

    @staticmethod
    def take(x, index, axis: int):
        """x's entries at `index` (ints) along `axis`."""
        raise NotImplementedError

    @staticmethod
    def periodic(x, axis: int, start: int, stop: int):
        """x[start:stop] along `axis` of x's periodic extension."""
        raise NotImplementedError

    @staticmethod
    def constant(values, like):
        """values (nested lists of floats) as an array of like's real dtype."""
        raise NotImplementedError

    @staticmethod
    def real(filters, like):
        """filters in like's real dtype."""
        raise NotImplementedError

    @staticmethod
    def zeros(shape, like):
        raise NotImplementedError

    @staticmethod
    def cat(parts, axis: int):
        raise NotImplementedError

    @staticmethod
    def stack(parts, axis: int = 0):
        raise NotImplementedError

    @staticmethod
    def expand(x, axis: int):
        raise NotImplementedError

    @staticmethod
    def moveaxis(x, source: int, destination: int):
        raise NotImplementedError

    @staticmethod
    def extension(n: int, before: int, after: int, mode: int) -> tuple:
        """extension() below (a framework's tracer may need it wrapped)."""
        return extension(n, before, after, mode)

    @staticmethod
    def dtype_name(x) -> str:
        """x's dtype as NumPy names it."""
        raise NotImplementedError

    @staticmethod
    def fft(x, n: int, real: bool):
        """x's spectrum along its last axis, zero-padded to n samples (real:
        the half spectrum of real x)."""
        raise NotImplementedError

    @staticmethod
    def ifft(spectrum, n: int, real: bool):
        """The inverse of fft along the last axis, n samples."""
        raise NotImplementedError

    @staticmethod
    def cwt_spectra(spec, scales, precision: int, dtype_name: str, n: int) -> tuple:
        """(period, full?, spectra): cuwavelet._cwt.portable_spectra, the
        spectra a framework array (a constant of the captured program)."""
        raise NotImplementedError

    @staticmethod
    def times_spectra(spectrum, spectra):
        """spectrum (..., F) times each row of spectra (S, F), in cwt_spectra's
        form: (S, ..., F)."""
        raise NotImplementedError

    @staticmethod
    def as_spectra(spectra):
        """Complex spectra (S, F) in cwt_spectra's form."""
        raise NotImplementedError

    math = None
    """The framework's module of elementwise functions (exp, cos, sin, sqrt,
    sinc, cumsum, conj), which torch and jax.numpy name alike."""

    @staticmethod
    def widened(parameters) -> list:
        """Parameters (arrays or numbers) as arrays of the widest float."""
        raise NotImplementedError

    @staticmethod
    def learned_tables(bounds, scales, precision: int, real_name: str, n: int) -> tuple:
        """cuwavelet._cwt.learned_tables, its arrays (float64 and int64)
        framework arrays (constants of a captured program)."""
        raise NotImplementedError

    @staticmethod
    def constant_of(x):
        """x without its derivatives (a constant of differentiation)."""
        raise NotImplementedError

    @staticmethod
    def cast(x, dtype: str):
        """x in the dtype NumPy names `dtype` (where the framework has it)."""
        raise NotImplementedError

    @staticmethod
    def scattered(shape, rows, columns, values):
        """zeros(shape) with values at (rows, columns) (index arrays)."""
        raise NotImplementedError

    @staticmethod
    def split_rows(rows, filters, stride: int, dilation: int):
        """(rows, 2, m): each row's stride-`stride` correlation with both
        reversed filters (taps `dilation` apart), or None where the slices
        below are the better way for this framework."""
        return None


# --- the boundary extension, probed from the core -----------------------------------------

@functools.lru_cache(maxsize=256)
def extension(n: int, before: int, after: int, mode: int) -> tuple:
    """How pad(x, (before, after), mode) extends a signal of n samples: for
    the samples before it and those after it (periodization: its repeated
    last sample included), (samples, columns, weights): columns and weights
    a tuple of terms of one entry per sample; a sample is the sum over terms
    of weight times x[column]."""
    reach = before + after + 2  # farther than any extension reads from either end
    if n <= 2 * reach + 1:
        cols = np.arange(n)
    else:  # the ends, the window's length of n's parity (periodization repeats a sample of odd n)
        cols = np.concatenate([np.arange(reach + n % 2), np.arange(n - reach, n)])
    k = len(cols)
    left, right = [], []
    for start in range(0, k, 256):  # (unit vectors a few at a time: wide pads stay small)
        units = np.eye(min(256, k - start), k, start)
        padded = _padding.pad_core(units, [None, [before, after]], mode)
        left.append(padded[:, :before])
        right.append(padded[:, before + k:])
    # (padded samples, probed columns)
    return _sparse(np.concatenate(left).T, cols), _sparse(np.concatenate(right).T, cols)


def _sparse(rows: np.ndarray, cols: np.ndarray) -> tuple:
    terms = max([int(np.count_nonzero(r)) for r in rows], default=0)
    index = np.zeros((terms, len(rows)), dtype=np.int64)
    weight = np.zeros((terms, len(rows)))
    for i, r in enumerate(rows):
        nz = np.flatnonzero(r)
        index[:len(nz), i], weight[:len(nz), i] = cols[nz], r[nz]
    return len(rows), tuple(map(tuple, index.tolist())), tuple(map(tuple, weight.tolist()))


def along(ndim: int, axis: int, values):
    """values (a vector) shaped to broadcast along `axis` of an ndim-dimensional array."""
    shape = [1] * ndim
    shape[axis] = -1
    return values.reshape(shape)


def summed(terms):
    """The sum of arrays (without the 0 that sum() starts from)."""
    return functools.reduce(operator.add, terms)


def _gathered(A, x, axis: int, part):
    """The samples of one side of the extension of x along `axis`."""
    samples, index, weight = part
    if samples == 0:
        return None
    if not index:  # zero mode
        shape = list(x.shape)
        shape[axis] = samples
        return A.zeros(shape, x)

    def term(cols, w):
        taken = A.take(x, cols, axis)
        return taken if all(v == 1 for v in w) else taken * along(x.ndim, axis, A.constant(w, x))
    return summed(term(cols, w) for cols, w in zip(index, weight))


def extend(A, x, axis: int, before: int, after: int, mode: int):
    """pywt.pad of x along `axis`."""
    left, right = A.extension(int(x.shape[axis]), before, after, mode)
    parts = [_gathered(A, x, axis, left), x, _gathered(A, x, axis, right)]
    return A.cat([p for p in parts if p is not None], axis)


# --- one axis: both subbands at once ------------------------------------------------------
# A filter is applied as a sum of shifted (and strided) slices times its
# taps: elementwise work along any axis, with no transposition. A framework
# may run the last axis' analysis as one strided convolution of the rows
# instead (Arrays.split_rows): torch does, which ONNX Runtime runs 4x faster
# there (benchmarks/bench_portable.py: W1 4.6 against 20.8 ms; a convolution
# along another axis needs a transposed copy, and was slower than the slices).

def taps(y, axis: int, start: int, count: int, stride: int = 1):
    """count samples of y along `axis`, stride apart from start."""
    return y[(slice(None),) * axis + (slice(start, start + stride * (count - 1) + 1, stride),)]


def split(A, x, axis: int, filters, mode: int, band_dim: int):
    """One analysis level of x along `axis`, filters (2, F) (low and high
    pass): both subbands, stacked along a new dimension at band_dim (<= axis)."""
    F, n = int(filters.shape[-1]), int(x.shape[axis])  # (ints: tracers may trace sizes)
    step = dilation(mode)
    if step:  # a stationary level: a periodic correlation with taps `step` apart
        shift = step * (F // 2)
        y, m, stride, gap = A.periodic(x, axis, shift - (F - 1) * step, n + shift), n, 1, step
    elif mode == PERIODIZATION:
        y = extend(A, x, axis, F // 2 - 1, F // 2 - 1, mode)
        m, stride, gap = (n + 1) // 2, 2, 1
    else:
        y = extend(A, x, axis, F - 2, F - 1, mode)
        m, stride, gap = (n + F - 1) // 2, 2, 1
    h = A.real(filters, x)
    if axis == x.ndim - 1:
        rows = A.split_rows(y.reshape(-1, y.shape[-1]), h, stride, gap)
        if rows is not None:
            return A.moveaxis(rows.reshape(tuple(y.shape[:-1]) + (2, m)), -2, band_dim)
    # output k reads y[stride * k + gap * j] times the reversed filter's tap j
    return summed(A.expand(taps(y, axis, gap * j, m, stride), band_dim)
                  * along(x.ndim + 1, band_dim, h[:, F - 1 - j]) for j in range(F))


def merge(A, z, band_dim: int, axis: int, filters, mode: int):
    """One synthesis level: z holds both subbands along band_dim (< axis);
    the result has no band dimension and the reconstruction along `axis`
    (then one position lower)."""
    F, m = int(filters.shape[-1]), int(z.shape[axis])
    g = A.real(filters, z)
    out_axis = axis - 1  # (the axis once a subband is taken)
    bands = [z[(slice(None),) * band_dim + (b,)] for b in range(2)]

    def correlations(sources, starts, filter_taps, count):  # both subbands', summed
        # (per subband and tap, times a number: a reduction over a stacked
        # subband dimension instead was 30x slower under XLA)
        return summed(taps(source, out_axis, start, count) * g[b, tap]
                      for b, source in enumerate(sources)
                      for start, tap in zip(starts, filter_taps))

    step = dilation(mode)
    if step:  # a stationary level
        shift = step * (F // 2 - 1)
        sources = [A.periodic(band, out_axis, shift - (F - 1) * step, m + shift)
                   for band in bands]
        return correlations(sources, [step * j for j in range(F)],
                            [F - 1 - j for j in range(F)], m)
    # Upsampled and convolved, output F - 2 + t reads even taps for even t,
    # odd taps for odd t: two correlations of the subbands, interleaved.
    # Periodization: the same of the subbands' periodic extension from k0,
    # from output r on.
    sources, r = bands, 0
    if mode == PERIODIZATION:
        k0 = (1 - F // 2) // 2
        r = 1 - F // 2 - 2 * k0
        sources = [A.periodic(band, out_axis, k0, m + k0 + (F - 1 + r) // 2) for band in bands]
    count = int(sources[0].shape[out_axis]) - F // 2 + 1
    starts = [F // 2 - 1 - i for i in range(F // 2)]
    even = correlations(sources, starts, [2 * i for i in range(F // 2)], count)
    odd = correlations(sources, starts, [2 * i + 1 for i in range(F // 2)], count)
    out = A.stack((even, odd), out_axis + 1)
    out = out.reshape(tuple(out.shape[:out_axis]) + (-1,) + tuple(out.shape[out_axis + 2:]))
    return taps(out, out_axis, r, 2 * m) if mode == PERIODIZATION else out


# --- several axes: the subbands stacked in front, one dimension per axis --------------

def split_axes(A, x, axes, filters, modes):
    """(2,) * len(axes) + the subbands' shape: subband (i, j, ...) is key
    subband_keys(len(axes)) in row-major order (axes[0] first)."""
    s = x
    for k, (axis, f, mode) in enumerate(zip(axes, filters, modes)):
        s = split(A, s, k + axis, f, mode, k)  # (past the k band dimensions in front)
    return s


def merge_axes(A, s, axes, filters, modes):
    """The inverse route of split_axes: its stacked subbands to the data,
    the last axis merged first (as pywt's idwtn)."""
    for k in reversed(range(len(axes))):
        s = merge(A, s, k, k + 1 + axes[k], filters[k], modes[k])
    return s


def stacked(A, ts, shape, ref):
    """The subbands ts (None: zeros) stacked, (2,) * k + shape."""
    k = len(ts).bit_length() - 1
    full = [t if t is not None else A.zeros(tuple(shape), ref) for t in ts]
    return A.stack(full).reshape((2,) * k + tuple(shape))


def unstacked(s, k) -> tuple:
    flat = s.reshape((-1,) + tuple(s.shape[k:]))
    return tuple(flat[i] for i in range(flat.shape[0]))


def bank_filters(A, banks, like, synthesis=False) -> list:
    """Each FilterBank's analysis (or synthesis) pair as a (2, F) array."""
    pick = (lambda b: (b.rec_lo, b.rec_hi)) if synthesis else (lambda b: (b.dec_lo, b.dec_hi))
    return [A.constant([list(f) for f in pick(b)], like) for b in banks]


# --- the transforms ---------------------------------------------------------------------
# (the bridges' operations, from their static arguments read as the core reads them)

def dwtn(A, x, axes, banks, modes) -> tuple:
    """Every subband, in key order."""
    return unstacked(split_axes(A, x, axes, bank_filters(A, banks, x), modes),
                     len(axes))


def idwtn(A, ts, axes, banks, modes):
    """ts: every subband in key order, None where absent."""
    ref = next(t for t in ts if t is not None)
    return merge_axes(A, stacked(A, ts, ref.shape, ref), axes, bank_filters(A, banks, ref, True),
                      modes)


def wavedec(A, x, axes, banks, modes, level: int) -> tuple:
    """(cA_L, details of level L in key order, ..., of level 1)."""
    filters = bank_filters(A, banks, x)
    details, a = [], x
    for _ in range(level):
        a, *d = unstacked(split_axes(A, a, axes, filters, modes), len(axes))
        details.append(d)
    return (a,) + tuple(t for d in details[::-1] for t in d)


def waverec(A, ts, axes, banks, modes, detail_shapes, trim_first: bool):
    """ts: (cA_L, details of level L in key order, ..., of level 1), None
    where absent; detail_shapes: each level's, coarsest first."""
    ref = next(t for t in ts if t is not None)
    filters = bank_filters(A, banks, ref, True)
    a, n = ts[0], 2 ** len(axes) - 1
    for j, shape in enumerate(detail_shapes):
        details = ts[1 + j * n:1 + (j + 1) * n]
        if a is None and all(d is None for d in details):
            continue  # nothing merged yet: pywt skips the level
        if a is not None and (j > 0 or trim_first):
            a = trim_to(a, tuple(shape), axes)
        a = merge_axes(A, stacked(A, (a, *details), shape, ref), axes, filters, modes)
    if a is None:
        raise ValueError("at least one coefficient must be given")
    return a


def swtn(A, x, axes, banks, start_level: int, level: int) -> tuple:
    """Every subband (the approximation too) of every level, coarsest level first."""
    filters = bank_filters(A, banks, x)
    levels, a = [], x
    for j in range(level):
        modes = [-(2 ** (start_level + j))] * len(axes)
        subbands = unstacked(split_axes(A, a, axes, filters, modes), len(axes))
        levels.append(subbands)
        a = subbands[0]
    return tuple(t for subbands in levels[::-1] for t in subbands)


def iswtn(A, ts, axes, banks, level: int):
    """ts: (cA, details of the coarsest level in key order, ..., of level 1)."""
    a = ts[0]
    filters = [f / 2 for f in bank_filters(A, banks, a, True)]  # pywt averages two idwts
    n = 2 ** len(axes) - 1
    for j in range(level):
        modes = [-(2 ** (level - 1 - j))] * len(axes)
        a = merge_axes(A, stacked(A, (a, *ts[1 + j * n:1 + (j + 1) * n]), a.shape, a), axes,
                       filters, modes)
    return a


def packet_decompose(A, x, axes, banks, modes, level: int):
    """Every node of `level` stacked, in pywt's natural order."""
    filters, k = bank_filters(A, banks, x), len(axes)
    rows = A.expand(x, 0)
    for _ in range(level):  # each node's subbands after it
        s = A.moveaxis(split_axes(A, rows, [a + 1 for a in axes], filters, modes), k, 0)
        rows = s.reshape((-1,) + tuple(s.shape[k + 1:]))
    return rows


def packet_reconstruct(A, rows, axes, banks, modes, level: int, shapes=None):
    """The data from the stacked nodes of `level`, each level trimmed to
    `shapes` (the data's first; None: untrimmed)."""
    filters, k = bank_filters(A, banks, rows, True), len(axes)
    shifted = [a + 1 for a in axes]
    for j in range(level, 0, -1):
        s = A.moveaxis(rows.reshape((-1,) + (2,) * k + tuple(rows.shape[1:])), 0, k)
        rows = merge_axes(A, s, shifted, filters, modes)
        if shapes is not None:
            rows = trim_rows(rows, shapes[j - 1])
    return rows[0]


def pad(A, x, widths, mode: int):
    """widths: (before, after) per dimension, None where not padded."""
    for axis, w in enumerate(widths):
        if w is not None and (w[0] or w[1] or mode == PERIODIZATION):
            x = extend(A, x, axis, w[0], w[1], mode)
    return x


def _one_bank(filters):
    if filters.ndim != 2:
        raise NotImplementedError("exporting a transform with one filter bank per item (vmap "
                                  "over banks) is not supported")
    return filters


def analysis(A, x, axis: int, filters, mode: int) -> tuple:
    """A learned bank's level along one axis: (lo, hi); filters (2, F)."""
    return unstacked(split(A, x, axis, _one_bank(filters), mode, 0), 1)


def synthesis(A, lo, hi, axis: int, filters, mode: int):
    """Its inverse: y from (lo, hi), either None (zeros)."""
    ref = lo if lo is not None else hi
    return merge(A, stacked(A, (lo, hi), ref.shape, ref), 0, axis + 1, _one_bank(filters), mode)


def level_ops(A) -> _learned.LevelOps:
    """The learned level loops' two operations (bridges/_learned_kinds.py)."""
    return _learned.LevelOps(
        lambda t, f, mode, axis: analysis(A, t, axis, f, mode),
        lambda lo, hi, f, mode, axis: synthesis(A, lo, hi, axis, f, mode))


def cwt(A, x, spec, scales, precision: int, axis: int):
    """cuwavelet._cwt.cwt_core by the framework's FFTs, with the core's
    filter spectra (constants)."""
    period, full, spectra = A.cwt_spectra(spec, scales, precision, A.dtype_name(x),
                                          x.shape[axis])
    return _with_spectra(A, x, spectra, period, not full, axis)


def _with_spectra(A, x, spectra, period: int, real: bool, axis: int):
    """The data's spectrum (real: half spectra) times each scale's filter
    spectrum, transformed back, the first n samples of each; scales in front."""
    n = x.shape[axis]
    y = A.ifft(A.times_spectra(A.fft(A.moveaxis(x, axis, x.ndim - 1), period, real), spectra),
               period, real)[..., :n]
    return A.moveaxis(y, y.ndim - 1, axis + 1)


def learned_cwt(A, x, family: str, parameters: tuple, bounds: tuple, scales, precision: int,
                axis: int):
    """cwt with a wavelet of `family` whose parameters are framework arrays
    (learned): pywt's computation of the filters (its wavelet on its grid
    between `bounds`, integrated, sampled per scale: cuwavelet/_cwt.py's
    Sampling), made of the framework's operations, so gradients reach the
    parameters; then the FFTs of cwt(). scales: static_scales'."""
    integers = _cwt.learnable_family(family)[1]
    # (dtypes by name: graph capture traces this function)
    single = A.dtype_name(x) in ("float32", "complex64")
    real_name, complex_name = ("float32", "complex64") if single else ("float64", "complex128")
    (period, count, grid, step, rows, columns, first, has_first, second, has_second,
     weight) = A.learned_tables(bounds, scales, precision, real_name, x.shape[axis])
    # pywt keeps the parameters in float32: rounded so, the gradients passing
    # the rounding at full precision
    reals = [p + A.constant_of(A.cast(A.cast(p, "float32"), "float64") - p)
             for p in A.widened(parameters[integers:])]
    psi = learned_psi(A, family, parameters[:integers], reals, A.constant(grid, reals[0]))
    # pywt: integrated by a cumulative sum, conjugated (complex wavelets), rounded to the
    # data's precision
    int_psi = A.math.conj(A.math.cumsum(psi, 0) * step)
    int_psi = A.cast(A.cast(int_psi, complex_name), "complex128")
    taps = A.constant(weight, int_psi) * (
        A.take(int_psi, first, 0) * A.constant(has_first, int_psi)
        - A.take(int_psi, second, 0) * A.constant(has_second, int_psi))
    laid = A.scattered((count, period), rows, columns, taps)
    spectra = A.cast(A.fft(laid, period, False), complex_name)
    return _with_spectra(A, x, A.as_spectra(spectra), period, False, axis)


def learned_psi(A, family: str, integers: tuple, reals: list, t):
    """The wavelet of `family` on the grid t (a float64 array), from its
    parameters (the definitions pywt's wavefun evaluates)."""
    m = A.math
    bandwidth, center = reals
    if family == "cmor":
        envelope = m.exp(-(t * t) / bandwidth) / m.sqrt(np.pi * bandwidth)
    elif family == "shan":
        envelope = m.sqrt(bandwidth) * m.sinc(bandwidth * t)
    else:  # fbsp, of order integers[0]
        envelope = m.sqrt(bandwidth) * m.sinc(bandwidth * t / integers[0]) ** integers[0]
    phase = 2 * np.pi * center * t
    return envelope * m.cos(phase) + 1j * (envelope * m.sin(phase))
