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
  the reversed filters: both subbands from one convolution.
* synthesis: both subbands upsampled and convolved with the filters (one
  transposed convolution), cut to [F - 2, 2M) (periodization: wrapped onto
  2M samples from F/2 - 1 on).
* a stationary level (taps `step` apart): the periodic extension, then a
  dilated correlation, shifted as kernels/swt_math.cuh shifts it.

Several axes keep the subbands stacked in front, one dimension of two per
axis, so a level costs one convolution per axis. The extension's samples
come from the core's own pad (cuwavelet/_padding.py) applied to unit
vectors once per (length, widths, mode): one source of truth for the nine
modes. Only the first and last few samples reach the extension, so only
they are probed.
"""
from __future__ import annotations

import contextlib
import functools

import numpy as np
import torch
import torch.nn.functional as nnf

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


def _gathered(x: torch.Tensor, part) -> torch.Tensor | None:
    """The samples of one side of the extension (x: the signal along its last dimension)."""
    samples, index, weight = part
    if samples == 0:
        return None
    if not index:  # zero mode
        return x.new_zeros(*x.shape[:-1], samples)
    out = None
    for cols, w in zip(index, weight):
        term = x.index_select(-1, torch.tensor(cols, device=x.device))
        if any(v != 1 for v in w):
            term = term * torch.tensor(w, dtype=_real(x.dtype), device=x.device)
        out = term if out is None else out + term
    return out


def extend(x: torch.Tensor, before: int, after: int, mode: int) -> torch.Tensor:
    """pywt.pad of x along its last dimension."""
    left, right = _extension(int(x.shape[-1]), before, after, mode)
    parts = [_gathered(x, left), x, _gathered(x, right)]
    return torch.cat([p for p in parts if p is not None], -1)


def _real(dtype):
    return ops.REAL_OF.get(dtype, dtype)


# --- one axis: both subbands at once ------------------------------------------------------

def _convolved(conv, y: torch.Tensor, w: torch.Tensor, **kw) -> torch.Tensor:
    """conv(y, w) with real filters, complex data a convolution per part."""
    if y.is_complex():
        return torch.complex(conv(y.real, w, **kw), conv(y.imag, w, **kw))
    return conv(y, w, **kw)


def _periodic(x: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    """x[..., start:stop] of x's periodic extension."""
    index = torch.arange(start, stop, device=x.device) % x.shape[-1]
    return x.index_select(-1, index)


def split(x: torch.Tensor, filters: torch.Tensor, mode: int) -> torch.Tensor:
    """One analysis level along x's last dimension: (..., 2, M), the low-
    and high-pass subbands, filters (2, F)."""
    F, n = int(filters.shape[-1]), int(x.shape[-1])  # (ints: torch.jit.trace traces sizes)
    step = dilation(mode)
    if step:  # a stationary level
        shift = step * (F // 2)
        y = _periodic(x, shift - (F - 1) * step, n + shift)
    elif mode == PERIODIZATION:
        y = extend(x, F // 2 - 1, F // 2 - 1, mode)
    else:
        y = extend(x, F - 2, F - 1, mode)
    batch = y.shape[:-1]
    w = filters.flip(-1).unsqueeze(1).to(_real(x.dtype))  # (2, 1, F): correlation
    out = _convolved(nnf.conv1d, y.reshape(-1, 1, y.shape[-1]), w, stride=1 if step else 2,
                     dilation=max(step, 1))
    return out.reshape(*batch, 2, out.shape[-1])


def merge(z: torch.Tensor, filters: torch.Tensor, mode: int) -> torch.Tensor:
    """One synthesis level of z (..., 2, M), the subbands along the last
    dimension: (..., N)."""
    F, m = int(filters.shape[-1]), int(z.shape[-1])
    batch = z.shape[:-2]
    z = z.reshape(-1, 2, m)
    f = filters.to(_real(z.dtype))
    step = dilation(mode)
    if step:  # a stationary level: a dilated correlation summing both subbands
        shift = step * (F // 2 - 1)
        y = _periodic(z, shift - (F - 1) * step, m + shift)
        out = _convolved(nnf.conv1d, y, f.flip(-1).unsqueeze(0), dilation=step)
    else:
        full = _convolved(nnf.conv_transpose1d, z, f.unsqueeze(1), stride=2)  # (B, 1, 2m - 2 + F)
        if mode == PERIODIZATION:  # wrapped onto 2m samples, sample F/2 - 1 first
            period, offset = 2 * m, F // 2 - 1
            lead = -offset % period
            length = lead + full.shape[-1]
            full = nnf.pad(full, (lead, -length % period))
            out = full.reshape(full.shape[0], 1, -1, period).sum(-2)
        else:
            out = full[..., F - 2:2 * m]
    return out.reshape(*batch, out.shape[-1])


# --- several axes: the subbands stacked in front, one dimension per axis --------------

def _split_axes(x, axes, filters, modes) -> torch.Tensor:
    """(2,) * len(axes) + the subbands' shape: subband (i, j, ...) is key
    subband_keys(len(axes)) in row-major order (axes[0] first)."""
    s = x
    for k, (axis, f, mode) in enumerate(zip(axes, filters, modes)):
        at = k + axis  # the axis in s, past the k subband dimensions in front
        s = split(s.movedim(at, -1), f, mode)  # (..., 2, M)
        s = s.movedim(-2, k).movedim(-1, at + 1)
    return s


def _merge_axes(s, axes, filters, modes) -> torch.Tensor:
    """The inverse route of _split_axes: its stacked subbands to the data,
    the last axis merged first (as pywt's idwtn)."""
    for k in reversed(range(len(axes))):
        at = k + 1 + axes[k]  # the axis in s, past the k + 1 subband dimensions in front
        s = merge(s.movedim(k, -1).movedim(at - 1, -1), filters[k], modes[k])  # (..., 2, M)
        s = s.movedim(-1, at - 1)
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
            x = extend(x.movedim(axis, -1), w[0], w[1], mode).movedim(-1, axis)
    return (x,)


def _per_axis(fn):
    """A learned operation along its axis: fn on the data with that axis last."""
    def on_axis(static, ts):
        ref = ops.present(ts[:-1], "coefficients")
        if ts[-1].ndim != 2:
            raise NotImplementedError(
                "exporting a transform with one filter bank per item (vmap over banks) "
                "is not supported")
        axis = ops._axis_of(static, ref.ndim)
        moved = [None if t is None else t.movedim(axis, -1) for t in ts[:-1]]
        return tuple(t.movedim(-1, axis) for t in fn(moved, ts[-1], static[1], ref))
    return on_axis


def _analysis(x, f, mode, ref):
    return split(x[0], f, mode).unbind(-2)


def _synthesis(coeffs, f, mode, ref):
    shape = ops.present(coeffs, "coefficients").shape
    z = torch.stack([c if c is not None else ref.new_zeros(shape) for c in coeffs], -2)
    return (merge(z, f, mode),)


def _learned_whole(kind, ts):
    return kind.by_operations(ts, _BY_OPERATIONS)[0]


_ANALYSIS = _per_axis(_analysis)
_SYNTHESIS = _per_axis(_synthesis)
# the learned level loops' two operations (bridges/_learned_kinds.py), in plain torch
_BY_OPERATIONS = ops._learned.LevelOps(
    lambda t, f, mode, axis: _ANALYSIS((axis, mode), (t, f)),
    lambda lo, hi, f, mode, axis: _SYNTHESIS((axis, mode), (lo, hi, f))[0])

_FORMS = {"dwtn": _dwtn, "idwtn": _idwtn, "wavedec": _wavedec, "waverec": _waverec,
          "swtn": _swtn, "iswtn": _iswtn, "packet_decompose": _packet_decompose,
          "packet_reconstruct": _packet_reconstruct, "pad": _pad, "analysis": _ANALYSIS,
          "synthesis": _SYNTHESIS, "learned_whole": _learned_whole}


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
