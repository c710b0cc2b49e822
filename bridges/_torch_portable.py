"""bridges.torch.portable(): the torch bridge's operations as plain torch
operations (bridges/_portable.py), which graph capture then records in the
operations' place (bridges/_torch_ops.py: LinearOp.dispatch,
_LearnedRun.run), so that torch.export and torch.onnx.export give programs
that run without cuwavelet."""
from __future__ import annotations

import contextlib

import numpy as np
import torch

from cuwavelet import _cwt

from . import _portable as P
from . import _torch_ops as ops


class TorchArrays(P.Arrays):
    @staticmethod
    def take(x, index, axis):
        return x.index_select(axis, torch.as_tensor(index, device=x.device))

    @staticmethod
    def periodic(x, axis, start, stop):
        return x.index_select(axis, torch.arange(start, stop, device=x.device) % x.shape[axis])

    @staticmethod
    def constant(values, like):
        return torch.as_tensor(values, dtype=ops.REAL_OF.get(like.dtype, like.dtype),
                               device=like.device)

    @staticmethod
    def real(filters, like):
        return filters.to(ops.REAL_OF.get(like.dtype, like.dtype))

    @staticmethod
    def zeros(shape, like):
        return like.new_zeros(shape)

    @staticmethod
    def cat(parts, axis):
        return torch.cat(parts, axis)

    @staticmethod
    def stack(parts, axis=0):
        return torch.stack(parts, axis)

    @staticmethod
    def expand(x, axis):
        return x.unsqueeze(axis)

    @staticmethod
    def moveaxis(x, source, destination):  # (non-negative: the TorchScript ONNX exporter
        return x.movedim(source % x.ndim, destination % x.ndim)  # writes -2 into a permutation)

    @staticmethod
    @torch.compiler.assume_constant_result  # (torch.compile, strict export: a constant)
    def extension(n, before, after, mode):
        return P.extension(n, before, after, mode)

    @staticmethod
    def dtype_name(x):
        return ops.CORE_DTYPES[x.dtype].name

    @staticmethod
    def fft(x, n, real):
        return torch.fft.rfft(x, n=n, dim=-1) if real else torch.fft.fft(x, n=n, dim=-1)

    @staticmethod
    def ifft(spectrum, n, real):
        return torch.fft.irfft(spectrum, n=n, dim=-1) if real else torch.fft.ifft(spectrum, dim=-1)

    @staticmethod
    @torch.compiler.assume_constant_result  # (torch.compile, strict export: a constant)
    def cwt_spectra(spec, scales, precision, dtype_name, n):
        period, full, spectra = _cwt.portable_spectra(spec, scales, precision, dtype_name, n)
        return period, full, torch.view_as_real(torch.from_numpy(spectra))

    @staticmethod
    def times_spectra(spectrum, spectra):
        # in real arithmetic on (re, im) pairs: the ONNX exporter takes complex
        # tensors only into and out of its FFTs
        x = torch.view_as_real(spectrum)
        g = spectra.to(x.device).reshape(spectra.shape[:1] + (1,) * (x.ndim - 2)
                                         + spectra.shape[1:])
        re = x[..., 0] * g[..., 0] - x[..., 1] * g[..., 1]
        im = x[..., 0] * g[..., 1] + x[..., 1] * g[..., 0]
        return torch.view_as_complex(torch.stack([re, im], dim=-1))

    @staticmethod
    def as_spectra(spectra):
        return torch.view_as_real(spectra)

    math = torch

    @staticmethod
    def widened(parameters):
        return [torch.as_tensor(p, dtype=torch.float64) for p in parameters]

    @staticmethod
    def cast(x, dtype):
        return x.to(getattr(torch, dtype))

    @staticmethod
    def constant_of(x):
        return x.detach()

    @staticmethod
    @torch.compiler.assume_constant_result  # (torch.compile, strict export: a constant)
    def learned_tables(bounds, scales, precision, real_name, n):
        return tuple(torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                     for v in _cwt.learned_tables(bounds, scales, precision, real_name, n))

    @staticmethod
    def scattered(shape, rows, columns, values):
        index = (rows.to(values.device), columns.to(values.device))
        return values.new_zeros(shape).index_put(index, values)

    @staticmethod
    def split_rows(rows, filters, stride, dilation):
        if rows.dtype not in (torch.float32, torch.float16, torch.bfloat16):
            return None  # (ONNX Runtime has no float64 Conv; complex has none anywhere)
        return torch.nn.functional.conv1d(rows.unsqueeze(1), filters.flip(-1).unsqueeze(1),
                                          stride=stride, dilation=dilation)


A = TorchArrays


# --- the operations, from their static arguments (bridges/_torch_ops.py) ----------------

def _dwtn(static, ts):
    (x,) = ts
    axes, banks, modes, _ = ops._level_core(static, x.ndim)
    return P.dwtn(A, x, axes, banks, modes)


def _idwtn(static, ts):
    axes, banks, modes, _ = ops._level_core(static, ops.present(ts, "coefficients").ndim)
    return (P.idwtn(A, ts, axes, banks, modes),)


def _wavedec(static, ts):
    (x,) = ts
    axes, banks, modes, _ = ops._level_core(static[1:], x.ndim)
    return P.wavedec(A, x, axes, banks, modes, static[0])


def _waverec(static, ts):
    ref = ops.present(ts, "coefficients")
    axes, banks, modes, _ = ops._level_core(static[1:], ref.ndim)
    return (P.waverec(A, ts, axes, banks, modes, ops._waverec_shapes(static, ref.shape)[1],
                      static[5]),)


def _swtn(static, ts):
    (x,) = ts
    axes, banks, _, _ = ops._level_core(static[2:], x.ndim)
    return P.swtn(A, x, axes, banks, static[0], static[1])


def _iswtn(static, ts):
    axes, banks, _, _ = ops._level_core(static[1:], ts[0].ndim)
    return (P.iswtn(A, ts, axes, banks, static[0]),)


def _packet_decompose(static, ts):
    (x,) = ts
    axes, banks, modes, _ = ops._level_core(static[1:], x.ndim)
    return (P.packet_decompose(A, x, axes, banks, modes, static[0]),)


def _packet_reconstruct(static, ts):
    (rows,) = ts
    axes, banks, modes, shapes = ops._reconstruct_shapes(static, tuple(rows.shape[1:]))
    return (P.packet_reconstruct(A, rows, axes, banks, modes, static[0], shapes),)


def _pad(static, ts):
    return (P.pad(A, ts[0], ops.pad_widths(static), static[1]),)


def _analysis(static, ts):
    x, f = ts
    return P.analysis(A, x, ops._axis_of(static, x.ndim), f, static[1])


def _synthesis(static, ts):
    lo, hi, f = ts
    axis = ops._axis_of(static, ops.present((lo, hi), "coefficients").ndim)
    return (P.synthesis(A, lo, hi, axis, f, static[1]),)


def _cwt_form(static, ts):
    (x,) = ts
    name, lower, upper, scales, scales_dtype, precision, axis = static  # (ops._cwt_parts')
    return (P.cwt(A, x, (name, lower, upper), (scales, scales_dtype), precision, axis % x.ndim),)


def learned_cwt(x, family, parameters, bounds, scales, precision, axis):
    """bridges.torch.cwt of a wavelet with tensor parameters (learned)."""
    return P.learned_cwt(A, x, family, parameters, bounds, scales, precision, axis)


_LEVEL_OPS = P.level_ops(A)


def _learned_whole(kind, ts):
    return kind.by_operations(ts, _LEVEL_OPS)[0]


_FORMS = {"dwtn": _dwtn, "idwtn": _idwtn, "wavedec": _wavedec, "waverec": _waverec,
          "swtn": _swtn, "iswtn": _iswtn, "packet_decompose": _packet_decompose,
          "packet_reconstruct": _packet_reconstruct, "pad": _pad, "analysis": _analysis,
          "synthesis": _synthesis, "learned_whole": _learned_whole, "cwt": _cwt_form}


def form(name: str, static, ts):
    """The outputs of operation `name` computed by plain torch operations."""
    fn = _FORMS.get(name)
    if fn is None:
        raise NotImplementedError(
            f"cuwavelet's {name} operation has no portable form; portable() covers the "
            "forward transforms (dwt/wavedec/swt and their inverses in 1D, 2D and nD, "
            "learned filter banks included), packets, pad and cwt, not gradients")
    return fn(static, ts)


@contextlib.contextmanager
def portable():
    previous = ops.portable_form
    ops.portable_form = form
    try:
        yield
    finally:
        ops.portable_form = previous
