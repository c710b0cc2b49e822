"""The torch bridge's operations as plain torch operations, for export.

Graph capture records a transform as calls of ``torch.ops.cuwavelet.*``,
which only a process with cuwavelet can run. Inside ``portable()`` the
operations' ``dispatch`` (bridges/_torch_ops.py) calls ``form`` instead,
which computes the same outputs with ATen operations (index gathers for the
boundary extension, strided and dilated 1D convolutions for the filters),
so that the captured graph runs in any runtime that knows ATen or ONNX,
with the shapes it was captured at. The core's kernels stay the route
everywhere else: these functions are slower (a gathered copy per axis and
level).

Along one axis, with F taps (pywt's conventions; tests/test_bridge_torch_export.py
checks every mode against pywt):

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
axis, so each axis of a level is one pass over all of its subbands. The extension's samples
come from the core's own pad (cuwavelet/_padding.py) applied to unit
vectors once per (length, widths, mode): one source of truth for the nine
modes. Only the first and last few samples reach the extension, so only
they are probed.
"""
from __future__ import annotations

import contextlib
import functools
import operator

import numpy as np
import torch

from cuwavelet import _padding
from cuwavelet._wavelets import PERIODIZATION, dilation

from . import _torch_ops as ops


# --- the boundary extension, probed from the core -----------------------------------------

@torch.compiler.assume_constant_result  # (torch.compile, strict export: a constant of the trace)
def _extension(n: int, before: int, after: int, mode: int) -> tuple:
    return _probed_extension(n, before, after, mode)


@functools.lru_cache(maxsize=256)
def _probed_extension(n: int, before: int, after: int, mode: int) -> tuple:
    """How pad(x, (before, after), mode) extends a signal of n samples: for
    the samples before it and those after it (periodization: its repeated
    last sample included), (columns, weights), each a tuple of terms of one
    entry per sample: a sample is the sum over terms of weight times
    x[column]."""
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


def _along(shape_len: int, axis: int, values: torch.Tensor) -> torch.Tensor:
    """values (a vector) shaped to broadcast along `axis` of a tensor of shape_len dimensions."""
    shape = [1] * shape_len
    shape[axis] = -1
    return values.reshape(shape)


def _gathered(x: torch.Tensor, axis: int, part) -> torch.Tensor | None:
    """The samples of one side of the extension of x along `axis`."""
    samples, index, weight = part
    if samples == 0:
        return None
    if not index:  # zero mode
        shape = list(x.shape)
        shape[axis] = samples
        return x.new_zeros(shape)

    def term(cols, w):
        samples = x.index_select(axis, torch.tensor(cols, device=x.device))
        if all(v == 1 for v in w):
            return samples
        return samples * _along(x.ndim, axis, torch.tensor(w, dtype=_real(x.dtype),
                                                           device=x.device))
    return _summed(term(cols, w) for cols, w in zip(index, weight))


def _summed(terms) -> torch.Tensor:
    """The sum of tensors (without the 0 that sum() starts from)."""
    return functools.reduce(operator.add, terms)


def extend(x: torch.Tensor, axis: int, before: int, after: int, mode: int) -> torch.Tensor:
    """pywt.pad of x along `axis`."""
    left, right = _extension(int(x.shape[axis]), before, after, mode)
    parts = [_gathered(x, axis, left), x, _gathered(x, axis, right)]
    return torch.cat([p for p in parts if p is not None], axis)


def _real(dtype):
    return ops.REAL_OF.get(dtype, dtype)


# --- one axis: both subbands at once ------------------------------------------------------
# A filter is applied as a sum of shifted (and strided) slices times its
# taps: elementwise work along any axis, with no transposition. Along the
# last axis the analysis is one strided 1D convolution of the rows instead,
# which ONNX Runtime runs 4x faster there (benchmarks/bench_portable.py:
# W1 4.6 against 20.8 ms; a convolution along another axis needs a
# transposed copy, and was slower than the slices).

def _periodic(x: torch.Tensor, axis: int, start: int, stop: int) -> torch.Tensor:
    """x[start:stop] along `axis` of x's periodic extension."""
    index = torch.arange(start, stop, device=x.device) % x.shape[axis]
    return x.index_select(axis, index)


def _taps(y: torch.Tensor, axis: int, start: int, count: int, stride: int = 1) -> torch.Tensor:
    """count samples of y along `axis`, stride apart from start."""
    return y[(slice(None),) * axis + (slice(start, start + stride * (count - 1) + 1, stride),)]


def split(x: torch.Tensor, axis: int, filters: torch.Tensor, mode: int,
          band_dim: int) -> torch.Tensor:
    """One analysis level of x along `axis`, filters (2, F) (low and high
    pass): both subbands, stacked along a new dimension at band_dim (<= axis)."""
    F, n = int(filters.shape[-1]), int(x.shape[axis])  # (ints: torch.jit.trace traces sizes)
    step = dilation(mode)
    if step:  # a stationary level: a periodic correlation with taps `step` apart
        shift = step * (F // 2)
        y, m, stride, gap = _periodic(x, axis, shift - (F - 1) * step, n + shift), n, 1, step
    elif mode == PERIODIZATION:
        y, m, stride, gap = extend(x, axis, F // 2 - 1, F // 2 - 1, mode), (n + 1) // 2, 2, 1
    else:
        y, m, stride, gap = extend(x, axis, F - 2, F - 1, mode), (n + F - 1) // 2, 2, 1
    h = filters.to(_real(x.dtype))
    if axis == x.ndim - 1 and not x.is_complex():  # contiguous rows: one strided convolution
        rows = torch.nn.functional.conv1d(y.reshape(-1, 1, y.shape[-1]), h.flip(-1).unsqueeze(1),
                                          stride=stride, dilation=gap)  # (rows, 2, m)
        return rows.reshape(*y.shape[:-1], 2, m).movedim(-2, band_dim)
    # output k reads y[stride * k + gap * j] times the reversed filter's tap j
    return _summed(_taps(y, axis, gap * j, m, stride).unsqueeze(band_dim)
                   * _along(x.ndim + 1, band_dim, h[:, F - 1 - j]) for j in range(F))


def merge(z: torch.Tensor, band_dim: int, axis: int, filters: torch.Tensor,
          mode: int) -> torch.Tensor:
    """One synthesis level: z holds both subbands along band_dim (< axis);
    the result has no band dimension and the reconstruction along `axis`
    (then one position lower)."""
    F, m = int(filters.shape[-1]), int(z.shape[axis])
    g = filters.to(_real(z.dtype))

    def taps(src, starts, filter_taps, count):  # both subbands' correlations, summed
        return _summed(_taps(src, axis, start, count) * _along(src.ndim, band_dim, g[:, tap])
                       for start, tap in zip(starts, filter_taps)).sum(band_dim)

    step = dilation(mode)
    if step:  # a stationary level: both subbands' periodic correlations, summed
        shift = step * (F // 2 - 1)
        y = _periodic(z, axis, shift - (F - 1) * step, m + shift)
        return taps(y, [step * j for j in range(F)], [F - 1 - j for j in range(F)], m)
    # Upsampled and convolved, output F - 2 + t reads even taps for even t,
    # odd taps for odd t: two correlations of the subbands, interleaved.
    # Periodization: the same of the subbands' periodic extension from k0,
    # from output r on.
    src, r = z, 0
    if mode == PERIODIZATION:
        k0 = (1 - F // 2) // 2
        r = 1 - F // 2 - 2 * k0
        src = _periodic(z, axis, k0, m + k0 + (F - 1 + r) // 2)
    count = int(src.shape[axis]) - F // 2 + 1
    starts = [F // 2 - 1 - i for i in range(F // 2)]
    even = taps(src, starts, [2 * i for i in range(F // 2)], count)
    odd = taps(src, starts, [2 * i + 1 for i in range(F // 2)], count)
    out_axis = axis - 1
    out = torch.stack((even, odd), out_axis + 1).flatten(out_axis, out_axis + 1)
    return _taps(out, out_axis, r, 2 * m) if mode == PERIODIZATION else out


# --- several axes: the subbands stacked in front, one dimension per axis --------------

def _split_axes(x, axes, filters, modes) -> torch.Tensor:
    """(2,) * len(axes) + the subbands' shape: subband (i, j, ...) is key
    subband_keys(len(axes)) in row-major order (axes[0] first)."""
    s = x
    for k, (axis, f, mode) in enumerate(zip(axes, filters, modes)):
        s = split(s, k + axis, f, mode, band_dim=k)  # (past the k band dimensions in front)
    return s


def _merge_axes(s, axes, filters, modes) -> torch.Tensor:
    """The inverse route of _split_axes: its stacked subbands to the data,
    the last axis merged first (as pywt's idwtn)."""
    for k in reversed(range(len(axes))):
        s = merge(s, k, k + 1 + axes[k], filters[k], modes[k])
    return s


def _stacked(ts, shape, ref) -> torch.Tensor:
    """The subbands ts (None: zeros) stacked, (2,) * k + shape."""
    k = len(ts).bit_length() - 1
    full = [t if t is not None else ref.new_zeros(shape) for t in ts]
    return torch.stack(full).reshape((2,) * k + tuple(shape))


def _unstacked(s, k) -> tuple:
    return tuple(s.reshape(-1, *s.shape[k:]).unbind(0))


def _bank_filters(banks, ref, synthesis=False):
    dtype = _real(ref.dtype)
    pick = (lambda b: (b.rec_lo, b.rec_hi)) if synthesis else (lambda b: (b.dec_lo, b.dec_hi))
    return [torch.tensor(pick(b), dtype=dtype, device=ref.device) for b in banks]


def _trimmed(a, shape, axes):
    """a cut to the details' lengths along the axes (pywt's waverec trim)."""
    for axis in axes:
        a = a.narrow(axis, 0, shape[axis])
    return a


# --- the operations -------------------------------------------------------------------------

def _dwtn(static, ts):
    (x,) = ts
    axes, banks, modes, _ = ops._level_core(static, x.ndim)
    return _unstacked(_split_axes(x, axes, _bank_filters(banks, x), modes), len(axes))


def _idwtn(static, ts):
    ref = ops.present(ts, "coefficients")
    axes, banks, modes, _ = ops._level_core(static, ref.ndim)
    return (_merge_axes(_stacked(ts, ref.shape, ref), axes, _bank_filters(banks, ref, True),
                        modes),)


def _wavedec(static, ts):
    (x,) = ts
    level = static[0]
    axes, banks, modes, _ = ops._level_core(static[1:], x.ndim)
    filters = _bank_filters(banks, x)
    details, a = [], x
    for _ in range(level):
        a, *d = _unstacked(_split_axes(a, axes, filters, modes), len(axes))
        details.append(d)
    return (a,) + tuple(t for d in details[::-1] for t in d)


def _waverec(static, ts):
    ref = ops.present(ts, "coefficients")
    trim_first = static[5]
    axes, banks, modes, keys = ops._level_core(static[1:], ref.ndim)
    filters = _bank_filters(banks, ref, True)
    shapes = ops._waverec_shapes(static, ref.shape)[1]
    a, n = ts[0], len(keys) - 1
    for j, shape in enumerate(shapes):
        details = ts[1 + j * n:1 + (j + 1) * n]
        if a is None and all(d is None for d in details):
            continue  # nothing merged yet: pywt skips the level
        if a is not None and (j > 0 or trim_first):
            a = _trimmed(a, shape, axes)
        a = _merge_axes(_stacked((a, *details), shape, ref), axes, filters, modes)
    if a is None:
        raise ValueError("at least one coefficient must be given")
    return (a,)


def _swtn(static, ts):
    (x,) = ts
    start_level, level = static[:2]
    axes, banks, _, keys = ops._level_core(static[2:], x.ndim)
    filters = _bank_filters(banks, x)
    levels, a = [], x
    for j in range(level):
        modes = [-(2 ** (start_level + j))] * len(axes)
        subbands = _unstacked(_split_axes(a, axes, filters, modes), len(axes))
        levels.append(subbands)
        a = subbands[0]
    return tuple(t for subbands in levels[::-1] for t in subbands)


def _iswtn(static, ts):
    a = ts[0]
    level = static[0]
    axes, banks, _, keys = ops._level_core(static[1:], a.ndim)
    filters = [f / 2 for f in _bank_filters(banks, a, True)]  # pywt averages two idwts
    n = len(keys) - 1
    for j in range(level):
        modes = [-(2 ** (level - 1 - j))] * len(axes)
        a = _merge_axes(_stacked((a, *ts[1 + j * n:1 + (j + 1) * n]), a.shape, a), axes,
                        filters, modes)
    return (a,)


def _packet_decompose(static, ts):
    (x,) = ts
    axes, banks, modes, _ = ops._level_core(static[1:], x.ndim)
    filters, k = _bank_filters(banks, x), len(axes)
    rows = x[None]
    for _ in range(static[0]):  # each node's subbands after it: pywt's natural order
        s = _split_axes(rows, [a + 1 for a in axes], filters, modes).movedim(k, 0)
        rows = s.reshape(-1, *s.shape[k + 1:])
    return (rows,)


def _packet_reconstruct(static, ts):
    (rows,) = ts
    level = static[0]
    axes, banks, modes, shapes = ops._reconstruct_shapes(static, tuple(rows.shape[1:]))
    filters, k = _bank_filters(banks, rows, True), len(axes)
    for j in range(level, 0, -1):
        s = rows.reshape(-1, *(2,) * k, *rows.shape[1:]).movedim(0, k)
        rows = _merge_axes(s, [a + 1 for a in axes], filters, modes)
        if shapes is not None:
            rows = _trimmed(rows, (rows.shape[0],) + tuple(shapes[j - 1]),
                            [a + 1 for a in axes])
    return (rows[0],)


def _pad(static, ts):
    (x,) = ts
    widths, mode = ops.pad_widths(static), static[1]
    for axis, w in enumerate(widths):
        if w is not None and (w[0] or w[1] or mode == PERIODIZATION):
            x = extend(x, axis, w[0], w[1], mode)
    return (x,)


def _learned_filters(f):
    if f.ndim != 2:
        raise NotImplementedError("exporting a transform with one filter bank per item (vmap "
                                  "over banks) is not supported")
    return f


def _analysis(static, ts):
    x, f = ts
    axis = ops._axis_of(static, x.ndim)
    return split(x, axis, _learned_filters(f), static[1], band_dim=0).unbind(0)


def _synthesis(static, ts):
    lo, hi, f = ts
    ref = ops.present((lo, hi), "coefficients")
    axis = ops._axis_of(static, ref.ndim)
    z = torch.stack([c if c is not None else torch.zeros_like(ref) for c in (lo, hi)])
    return (merge(z, 0, axis + 1, _learned_filters(f), static[1]),)


def _learned_whole(kind, ts):
    return kind.by_operations(ts, _BY_OPERATIONS)[0]


# the learned level loops' two operations (bridges/_learned_kinds.py), in plain torch
_BY_OPERATIONS = ops._learned.LevelOps(
    lambda t, f, mode, axis: _analysis((axis, mode), (t, f)),
    lambda lo, hi, f, mode, axis: _synthesis((axis, mode), (lo, hi, f))[0])

_FORMS = {"dwtn": _dwtn, "idwtn": _idwtn, "wavedec": _wavedec, "waverec": _waverec,
          "swtn": _swtn, "iswtn": _iswtn, "packet_decompose": _packet_decompose,
          "packet_reconstruct": _packet_reconstruct, "pad": _pad, "analysis": _analysis,
          "synthesis": _synthesis, "learned_whole": _learned_whole}


def form(name: str, static, ts):
    """The outputs of operation `name` computed by plain torch operations."""
    fn = _FORMS.get(name)
    if fn is None:
        raise NotImplementedError(
            f"cuwavelet's {name} operation has no portable form; portable() covers the "
            "forward transforms (dwt/wavedec/swt and their inverses in 1D, 2D and nD, "
            "learned filter banks included), packets and pad, not gradients")
    return fn(static, ts)


@contextlib.contextmanager
def portable():
    previous = ops.portable_form
    ops.portable_form = form
    try:
        yield
    finally:
        ops.portable_form = previous
