"""cuwavelet for ``torch.Tensor``: pywt's transforms (same names, arguments and
coefficient structures) and ``nn.Module`` s, differentiable through
cuwavelet's exact adjoints, with learnable filter banks.

Every function works under autograd (gradients of every order),
forward-mode AD (``torch.autograd.forward_ad``), ``torch.func`` (``grad``,
``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``vmap``), ``torch.compile(fullgraph=True)``
and ``torch.jit.trace``; on CUDA, inside CUDA-graph capture. Gradients are
cuwavelet's adjoints, not autograd through padding and convolutions: exact
transposes of pywt's linear maps in every mode.

Examples
--------
>>> import torch
>>> from bridges import torch as cwt
>>> x = torch.arange(8.0, dtype=torch.float64, requires_grad=True)
>>> cA, cD = cwt.dwt(x, "haar")
>>> cA
tensor([0.7071, 3.5355, 6.3640, 9.1924], dtype=torch.float64,
       grad_fn=<dwtn_functionBackward>)
>>> (cA.sum() + cD.sum()).backward()       # the adjoint of dwt
>>> x.grad
tensor([1.4142, 0.0000, 1.4142, 0.0000, 1.4142, 0.0000, 1.4142, 0.0000],
       dtype=torch.float64)

Design
------
The transforms are made of linear operations declared once each in
``bridges/_torch_ops.py``: with fixed filters, one analysis or synthesis
level over several axes, the whole multilevel wavedec (1D, 2D, nD) and 1D
waverec, and their transposes (``torch.ops.cuwavelet.dwtn``, ``dwtn_adjoint``,
``idwtn``, ``idwtn_adjoint``, ``wavedec``, ``wavedec_adjoint``, ``waverec``,
``waverec_adjoint``); with a learned filter bank, one axis at a time with the
filters as a tensor argument (``analysis``, ``synthesis``, their adjoints and
the two filter gradients, which the core computes by a reduction kernel;
the stationary transforms with a learned bank run through the same ones in
a stationary mode, one per level and axis:
bridges._frontend_swt_packets._LearnedStationary). An eager learned
transform with reverse-mode autograd (decomposition, inverse, stationary)
runs those operations' kernels as one autograd node, its forward and its
backward one planned call each (``_torch_ops._LearnedRun``), and under
torch.compile and torch.jit.trace one graph node each way (the
``learned_whole`` ops); torch.func, forward mode and higher-order gradients
take the per-operation route.
The backward of each operation is its transpose, built from the same
operations, so gradients of every order are exact; forward mode applies the
operation to the tangent (the operations are linear); vmap folds the mapped
dimension into the transform's batch (one call, not a loop).

Per call the bridge normalizes its arguments (cached per wavelet, mode and
axes), takes the cheapest route that is right (plain tensors without
autograd: the core directly; autograd or forward mode: the
``autograd.Function``'s C++ ``apply``; ``torch.func``: its full ``apply``; graph
capture: the dispatcher op) and hands the tensors to the core.

Inside ``portable()`` graph capture records plain torch operations in the
operations' place (bridges/_portable.py), for programs that run without
cuwavelet (``torch.export``, ``torch.onnx.export``).

Memory: tensors reach the core without copies, with their strides: CPU
tensors as NumPy arrays sharing memory (``Tensor.numpy()``), CUDA tensors as
CuPy arrays (``cupy.from_dlpack``). A tensor with the conjugate or negative
bit set is resolved first (that one copy is unavoidable). On CUDA every
array the core allocates is a ``torch.empty`` tensor (torch's caching
allocator) and results come back without copies: a whole result as the
tensor torch allocated, each subband as its own tensor over its (disjoint)
part of the buffer the core wrote a level's subbands into (a DLPack view, so
``Tensor.record_stream`` on a subband does not reach the caching allocator:
synchronize streams yourself when a subband outlives its use on another
stream). CUDA work runs on torch's current stream of the tensor's device. On
the CPU, NumPy allocates and torch wraps the arrays (``torch.from_numpy``).

dtypes: float32, float64, complex64 and complex128 are computed as given;
float16, bfloat16 and complex32 inputs are computed in float32 / complex64
and the results cast back to the input dtype; integers and bools are
computed in float64 (pywt's rule). Mixed dtypes are promoted as pywt does.
Learned filters are cast to the data's real dtype (and their gradients back).
"""
from __future__ import annotations

import contextlib
import functools
import operator
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Union

import numpy as np
import pywt
import torch
from torch import nn

from cuwavelet import _cwt, _lattice, _padding
from cuwavelet._docs import shared_docs
from cuwavelet._filter_bank_conditions import alternating_signs
from cuwavelet._filter_bank_conditions import conditions as filter_bank_conditions
from cuwavelet._packets import BaseNode, TreeArrays
from cuwavelet._wavelets import MODES, FilterBank, as_filter_bank, as_mode, per_axis
from cuwavelet.transforms import banks_and_modes as _core_banks_and_modes

from . import _torch_portable as _portable
from . import _torch_ops as _ops
from ._frontend import (Frontend, learned_merge, learned_pairs, learned_split, subband_keys,
                        whole_waverec_sizes)
from ._docstrings import (CONSTRUCTION_GRADIENT, DWT_DOCS, DWT_GRADIENT, FILTER_BANK_DOCS,
                          FILTER_BANK_GRADIENT, numpydoc)
from ._frontend_swt_packets import PacketFrontend, StationaryFrontend, docstring
from ._frontend_mra import MraFrontend, docstring as mra_docstring
from ._frontend_packet_trees import packet_trees, tree_wavelet
from ._frontend_thresholds import ThresholdFrontend, docstring as threshold_docstring
from ._frontend_layout import LayoutFrontend, docstring as layout_docstring
from ._frontend_partial import FswavedecnResult, PartialFrontend, docstring as partial_docstring
from ._frontend_cwt import (Learned as CwtLearned, arguments as cwt_arguments,
                            docstring as cwt_docstring,
                            learned_call as cwt_learned_call, route as cwt_route)

__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn",
           "swt", "iswt", "swt2", "iswt2", "swtn", "iswtn",
           "packet_decompose", "packet_reconstruct",
           "WaveletPacket", "WaveletPacket2D", "WaveletPacketND",
           "mra", "mra2", "mran", "imra", "imra2", "imran", "threshold", "threshold_firm", "pad",
           "coeffs_to_array", "array_to_coeffs", "ravel_coeffs", "unravel_coeffs",
           "downcoef", "upcoef", "fswavedecn", "fswaverecn", "filter_bank_errors",
           "lattice_filter_bank", "orthogonal_filter_bank", "qmf", "portable", "cwt",
           "DWT1D", "IDWT1D", "DWT2D", "IDWT2D", "DWTND", "IDWTND",
           "SWT1D", "ISWT1D", "SWT2D", "ISWT2D", "CWT"]


def __dir__() -> list:
    return list(__all__)


Wavelet = Union[str, pywt.Wavelet, FilterBank, Sequence]
Mode = Union[str, int, Sequence]
Coefficients = Any  # a pywt coefficient structure of tensors

_CAST_BACK = {torch.float16: torch.float32, torch.bfloat16: torch.float32,
              torch.complex32: torch.complex64}
_FILTER_NAMES = ("dec_lo", "dec_hi", "rec_lo", "rec_hi")


# --- arguments taken as constants by graph capture ---------------------------------------

# What torch.compile cannot guard: it would take such an argument's values at
# the first capture as constants and reuse them whatever later calls pass.
_UNGUARDED = (np.ndarray, np.number, np.bool_, torch.Tensor)


def _constant(fn):
    """torch.compiler.assume_constant_result(fn) (pywt's tables and checks are
    not traceable), refusing while a graph is captured any argument holding
    NumPy arrays or scalars or tensors, whose values no guard would check:
    plain Python numbers, strings and sequences of them are guarded."""
    constant = torch.compiler.assume_constant_result(fn)
    names = fn.__code__.co_varnames

    @functools.wraps(fn, updated=())  # (not fn's mark as a constant: this runs traced)
    def call(*args):
        if torch.compiler.is_compiling():
            args = tuple(_guardable(value, name) for name, value in zip(names, args))
        return constant(*args)
    return call


def _guardable(value, name: str):
    """`value` with its numbers specialized (capture with dynamic shapes makes
    a number from a default, a global or a size symbolic, and a symbol cannot
    be a constant: operator.index and the float's hex round trip guard their
    exact values), lists as tuples; a NumPy value or tensor in it refused.
    (A module's StaticScales pass as they are: capture cannot remake them.)"""
    if isinstance(value, _cwt.StaticScales):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_guardable(v, name) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return operator.index(value)
    if isinstance(value, float):
        return float.fromhex(value.hex())
    if isinstance(value, _UNGUARDED):
        raise TypeError(
            f"Under torch.compile, `{name}` must be given as Python numbers (a list or "
            f"tuple; e.g. `.tolist()`), not as NumPy values or tensors (got "
            f"{type(value).__name__}): graph capture cannot check their contents, so a "
            f"later call with other values would silently reuse the first ones.")
    return value


# --- learned filter banks --------------------------------------------------------------

def _tensor_filters(wavelet):
    """The four filter tensors of a learned bank (4 tensors, or an object whose
    ``filter_bank`` is), else None."""
    bank = wavelet
    if not isinstance(wavelet, (str, pywt.Wavelet, FilterBank, tuple, list, torch.Tensor)):
        bank = getattr(wavelet, "filter_bank", None)
    if isinstance(bank, (tuple, list)) and len(bank) == 4 and \
            all(isinstance(f, torch.Tensor) for f in bank):
        return tuple(bank)
    return None


def _has_tensor_filters(wavelet) -> bool:
    return _tensor_filters(wavelet) is not None or (
        isinstance(wavelet, (list, tuple)) and any(_tensor_filters(w) is not None
                                                   for w in wavelet))


def _traceable_wavelet(wavelet):
    """A pywt.Wavelet (or one per axis) as its four filters: a constant
    result's arguments must be guardable, and a Wavelet made while
    torch.compile traces (a packet tree's, from a name) has no source to
    guard; its filters are constants."""
    if isinstance(wavelet, pywt.Wavelet):
        return tuple(tuple(f) for f in wavelet.filter_bank)
    if isinstance(wavelet, (list, tuple)) and any(isinstance(w, pywt.Wavelet) for w in wavelet):
        return type(wavelet)(_traceable_wavelet(w) for w in wavelet)
    return wavelet


class _TensorBank:
    """A filter bank given as tensors (dec_lo, dec_hi, rec_lo, rec_hi): the
    transforms run one axis at a time with the filters as an argument, so
    gradients reach them."""

    def __init__(self, filters):
        lengths = {tuple(map(int, f.shape)) for f in filters}  # (int: traced sizes too)
        if any(f.ndim != 1 for f in filters) or len(lengths) != 1:
            raise ValueError(f"a filter bank given as tensors needs four 1-D filters of one "
                             f"length (dec_lo, dec_hi, rec_lo, rec_hi); got shapes "
                             f"{[tuple(f.shape) for f in filters]}")
        n = filters[0].shape[0]
        if n < 1:
            raise ValueError("a filter bank given as tensors needs filters of at least one tap")
        if any(f.is_complex() or not f.is_floating_point() for f in filters):
            raise TypeError(f"filters must be real floating-point tensors; got "
                            f"{[f.dtype for f in filters]}")
        if len({f.device for f in filters}) > 1:
            raise ValueError("the four filters must be on one device")
        # (an odd length gets a zero appended, pywt.Wavelet's rule)
        self.filters, self.length, self.name = tuple(filters), int(n + n % 2), "tensors"

    @classmethod
    def fixed(cls, bank: FilterBank, like: "_TensorBank") -> "_TensorBank":
        """A fixed bank on another axis of a learned transform, as constant tensors."""
        device = like.filters[0].device
        return cls([torch.tensor(f, dtype=torch.float64, device=device)
                    for f in (bank.dec_lo, bank.dec_hi, bank.rec_lo, bank.rec_hi)])

    def pair(self, synthesis: bool, data: torch.Tensor) -> torch.Tensor:
        """(lo, hi) as a (2, F) tensor in the data's real dtype (F even: a
        zero appended to filters of odd length, as pywt.Wavelet pads them)."""
        lo, hi = self.filters[2:] if synthesis else self.filters[:2]
        if lo.device != data.device:
            raise ValueError(f"the filters are on {lo.device} but the data on {data.device}")
        f = torch.stack((lo, hi))
        if f.shape[-1] % 2:
            f = torch.nn.functional.pad(f, (0, 1))
        return f.to(_ops.REAL_OF[data.dtype])


class _Learned:
    """The spec of a transform with at least one learned filter bank."""

    def __init__(self, axes, banks, modes):
        self.axes, self.banks, self.modes = tuple(axes), tuple(banks), tuple(modes)


def _learned_analysis(t, f, axis, mode):
    return _ops.ANALYSIS((axis, mode), t, f)


def _learned_synthesis(a, d, f, axis, mode):  # (None subbands cost nothing)
    return _ops.SYNTHESIS((axis, mode), a, d, f)[0]


def _fused_learned_wavedec(x, spec: _Learned, level: int):
    """[cA_L, {key: detail}_L, ..., {key: detail}_1] of a learned spec as one
    fused call (bridges/_torch_ops.py: learned_wavedec), or None where the
    per-operation route must run (torch.func, forward mode)."""
    if not _ops.fused_route((x, *(f for b in spec.banks for f in b.filters[:2]))):
        return None
    flat = _ops.learned_wavedec(x, learned_pairs(spec.banks, False, x), spec.modes, spec.axes,
                                level)
    keys, n = subband_keys(len(spec.axes))[1:], 2 ** len(spec.axes) - 1
    return [flat[0]] + [dict(zip(keys, flat[1 + i * n:1 + (i + 1) * n])) for i in range(level)]


def _fused_learned_waverec(a, details, spec: _Learned, trim_first: bool):
    """The inverse of _fused_learned_wavedec (details: dicts, coarsest first;
    a given), or None where the per-operation route must run."""
    if not _ops.fused_route((a, *(f for b in spec.banks for f in b.filters[2:]))):
        return None
    return _fused_inverse(a, details, learned_pairs(spec.banks, True, a), spec.modes, spec.axes,
                          trim_first)


def _fused_learned_swt(x, filters, axes, start_level, level):
    """Every level's subbands (finest first, key order) of a learned SWT
    (filters: one (2, F) tensor per axis) as one fused call, or None where
    the per-operation route must run."""
    if not _ops.fused_route((x, *filters)):
        return None
    flat = _ops.learned_swt(x, filters, axes, start_level, level)
    n = 2 ** len(axes)
    return [flat[i * n:(i + 1) * n] for i in range(level)]


def _fused_learned_iswt(a, details, filters, axes):
    """The inverse of _fused_learned_swt (details: dicts, coarsest first;
    filters: one (2, F) tensor per axis, as the merges take them), or None
    where the per-operation route must run."""
    return _fused_inverse(a, details, filters, (), axes, False, stationary=True)


def _fused_inverse(a, details, filters, modes, axes, trim_first, stationary=False):
    """_ops.learned_waverec of details given as dicts, or None where the
    per-operation route must run (as above, and for keys that it names as
    unknown)."""
    keys = subband_keys(len(axes))[1:]
    if any(set(d) - set(keys) for d in details) or not _ops.fused_route(
            (a, *(v for d in details for v in d.values()), *filters)):
        return None
    return _ops.learned_waverec(a, [tuple(d.get(key) for key in keys) for d in details],
                                filters, modes, axes, trim_first, stationary)


# --- the operations the frontend calls (module attributes, looked up per call) ---------

def _dwtn_op(x, axes, modes, lengths, filters):
    return _ops.DWTN((axes, modes, lengths, filters), x)


def _idwtn_op(coeffs, which, axes, modes, lengths, filters):
    ts = [None] * 2 ** len(axes)
    for i, t in zip(which, coeffs):
        ts[i] = t
    return _ops.IDWTN((axes, modes, lengths, filters), *ts)[0]


def _wavedec_op(x, level, axes, modes, lengths, filters):
    return _ops.WAVEDEC((level, axes, modes, lengths, filters), x)


def _waverec_op(a, details, sizes, trim_first, axes, modes, lengths, filters):
    keys = subband_keys(len(axes))[1:]
    return _ops.WAVEREC((len(details), axes, modes, lengths, filters, trim_first, sizes), a,
                        *[d.get(k) for d in details for k in keys])[0]


# --- the backend of bridges._frontend ---------------------------------------------------

def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    if dtype in _ops.CORE_DTYPES:
        return dtype
    if dtype in _CAST_BACK:
        return _CAST_BACK[dtype]
    if dtype.is_complex:
        return torch.complex128
    return torch.float64  # integers and bools, as pywt


class _TorchBackend:
    """What bridges._frontend needs: conversions, one level each way, and the
    multilevel transforms the core runs as fused kernels."""

    constant = staticmethod(_constant)
    capturing = staticmethod(torch.compiler.is_compiling)

    @staticmethod
    def prepare(values: dict):
        if len(values) == 1:  # the common case, kept cheap
            ((key, t),) = values.items()
            if isinstance(t, torch.Tensor) and t.dtype in _ops.CORE_DTYPES:
                return values, None
        tensors = {k: (v if v is None or isinstance(v, torch.Tensor)
                       else torch.as_tensor(np.asarray(v))) for k, v in values.items()}
        present = [t for t in tensors.values() if t is not None]
        if not present:
            raise ValueError("At least one coefficient must be given (all are None).")
        if len({t.device for t in present}) > 1:
            raise ValueError(f"tensors on different devices were mixed: "
                             f"{sorted({str(t.device) for t in present})}")
        dtypes = {t.dtype for t in present}
        computed = {_compute_dtype(d) for d in dtypes}
        if len(computed) == 1:
            compute = computed.pop()
        else:  # pywt upcasts mixed inputs
            compute = torch.complex128 if any(d.is_complex for d in computed) else torch.float64
        only = next(iter(dtypes)) if len(dtypes) == 1 else None
        out = only if only in _CAST_BACK else None
        return {k: (t if t is None or t.dtype == compute else t.to(compute))
                for k, t in tensors.items()}, out

    @staticmethod
    def asarray(data):
        return data if isinstance(data, torch.Tensor) else torch.as_tensor(np.asarray(data))

    @staticmethod
    def cast(coeffs, dtype):
        if coeffs is None:
            return None
        if isinstance(coeffs, dict):
            return {k: _TorchBackend.cast(v, dtype) for k, v in coeffs.items()}
        if isinstance(coeffs, (list, tuple)):
            return type(coeffs)(_TorchBackend.cast(v, dtype) for v in coeffs)
        return coeffs if coeffs.dtype == dtype else coeffs.to(dtype)

    @staticmethod
    def constant_specs(lookup):
        """torch.compile takes a fixed wavelet's spec as a constant (it cannot
        trace pywt's tables); a learned bank's spec holds tensors and is traced."""
        constant = _constant(lambda wavelet, mode, axes: lookup(wavelet, mode, list(axes)))

        def spec(wavelet, mode, axes):
            if _has_tensor_filters(wavelet):
                return lookup(wavelet, mode, axes)
            if torch.compiler.is_compiling():
                wavelet = _traceable_wavelet(wavelet)
            return constant(wavelet, mode, tuple(axes))
        return spec

    @staticmethod
    def banks_and_modes(wavelet, mode, axes):
        """Core banks, or with any filter bank given as tensors, _TensorBanks for every axis."""
        learned = _tensor_filters(wavelet)
        if learned is not None:  # (one bank for every axis: checked once)
            return ([_TensorBank(learned)] * len(axes),
                    [as_mode(m) for m in per_axis(mode, axes, "mode")])
        if _has_tensor_filters(wavelet):
            wavelets = per_axis(list(wavelet), axes, "wavelet")
        else:
            return _core_banks_and_modes(wavelet, mode, axes)
        banks = [_TensorBank(_tensor_filters(w)) if _tensor_filters(w) is not None
                 else as_filter_bank(w) for w in wavelets]
        first = next(b for b in banks if isinstance(b, _TensorBank))
        banks = [b if isinstance(b, _TensorBank) else _TensorBank.fixed(b, first) for b in banks]
        return banks, [as_mode(m) for m in per_axis(mode, axes, "mode")]

    @staticmethod
    def spec(axes, banks, modes):
        """The ops' static arguments (axes, modes, lengths, filter values), or a
        _Learned spec when the filters are tensors."""
        if any(isinstance(b, _TensorBank) for b in banks):
            return _Learned(axes, banks, modes)
        return (tuple(axes), tuple(modes)) + _ops.encode_banks(banks)

    @staticmethod
    def split(x, spec) -> dict:
        if isinstance(spec, _Learned):
            fused = _fused_learned_wavedec(x, spec, 1)
            if fused is not None:
                return {subband_keys(len(spec.axes))[0]: fused[0], **fused[1]}
            return learned_split(x, spec, _learned_analysis)
        return dict(zip(subband_keys(len(spec[0])), _dwtn_op(x, *spec)))

    @staticmethod
    def wavedec_levels(x, spec, level):
        """A wavedec of 2+ levels as one op: [cA_L, {key: detail}_L, ..., {key: detail}_1]."""
        if isinstance(spec, _Learned):
            return _fused_learned_wavedec(x, spec, level)
        flat = _wavedec_op(x, level, *spec)
        keys = subband_keys(len(spec[0]))[1:]
        return [flat[0]] + [dict(zip(keys, flat[1 + j * len(keys):1 + (j + 1) * len(keys)]))
                            for j in range(level)]

    @staticmethod
    def waverec_levels(a, details, spec, trim_first):
        """A waverec (details: dicts, coarsest first; 2+ levels with a fixed
        bank) as one op, or None (the per-level route)."""
        if isinstance(spec, _Learned):
            return _fused_learned_waverec(a, details, spec, trim_first)
        axes, modes, lengths = spec[:3]
        sizes = whole_waverec_sizes(a, details, axes, lengths, modes, trim_first)
        if sizes is None:
            return None
        return _waverec_op(a, details, sizes, bool(trim_first), *spec)

    @staticmethod
    def merge(d: dict, spec):
        k = len(spec.axes) if isinstance(spec, _Learned) else len(spec[0])
        keys = subband_keys(k)
        unknown = set(d) - set(keys)
        if unknown:
            raise ValueError(f"Unexpected subband keys {sorted(unknown)} for {k} axes.")
        if isinstance(spec, _Learned):
            d = {key: v for key, v in d.items() if v is not None}
            if d.get(keys[0]) is not None:  # (one level: no trimming)
                fused = _fused_learned_waverec(d[keys[0]], [{key: v for key, v in d.items()
                                                             if key != keys[0]}], spec, False)
                if fused is not None:
                    return fused
            return learned_merge(d, spec, _learned_synthesis)
        which = [i for i, key in enumerate(keys) if d.get(key) is not None]
        return _idwtn_op([d[keys[i]] for i in which], which, *spec)


    # --- the stationary and packet transforms (bridges._frontend_swt_packets) ----------
    @staticmethod
    def learned_banks(wavelet, axes):
        """A _TensorBank per axis where any filter bank is given as tensors, else None."""
        if not _has_tensor_filters(wavelet):
            return None
        return _TorchBackend.banks_and_modes(wavelet, "periodization", axes)[0]

    learned_ops = SimpleNamespace(analysis=_learned_analysis, synthesis=_learned_synthesis,
                                  stationary_levels=_fused_learned_swt,
                                  stationary_inverse=_fused_learned_iswt,
                                  stack=torch.stack, zeros_like=torch.zeros_like,
                                  unstack=torch.unbind, concatenate=torch.cat,
                                  split=lambda t, n: torch.chunk(t, n, 0))

    encode_banks = staticmethod(_ops.encode_banks)

    @staticmethod
    def swt_levels(x, axes, banks, start_level, level):
        static = (start_level, level, tuple(axes), (_PERIODIZATION,) * len(axes)) + banks
        flat, keys = _ops.SWTN(static, x), subband_keys(len(axes))
        k = len(keys)
        return [dict(zip(keys, flat[j * k:(j + 1) * k])) for j in range(level)][::-1]

    @staticmethod
    def iswt_levels(a, details, axes, banks):
        static = (len(details), tuple(axes), (_PERIODIZATION,) * len(axes)) + banks
        keys = subband_keys(len(axes))[1:]
        return _ops.ISWTN(static, a, *[d.get(k) for d in details for k in keys])[0]

    @staticmethod
    def packet_decompose(x, axes, banks, modes, level):
        static = (level, tuple(axes), tuple(modes)) + banks
        return list(_ops.PACKET_DECOMPOSE(static, x)[0].unbind(0))

    @staticmethod
    def packet_reconstruct(nodes, axes, banks, modes, level, sizes):
        ref = next(n for n in nodes if n is not None)
        rows = torch.stack([n if n is not None else torch.zeros_like(ref) for n in nodes])
        static = (level, tuple(axes), tuple(modes)) + banks + (tuple(sizes or ()),)
        return _ops.PACKET_RECONSTRUCT(static, rows)[0]


_backend = _TorchBackend()
_api = Frontend(_backend)
_swt_api, _packet_api = StationaryFrontend(_backend), PacketFrontend(_backend)
_PERIODIZATION = MODES.index("periodization")


# --- the DWT family (docstrings: bridges._docstrings) --------------------------------------

def dwt(data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
        axis: int = -1) -> tuple:
    return _api.dwt(data, wavelet, mode, axis)


def idwt(cA: torch.Tensor | None, cD: torch.Tensor | None, wavelet: Wavelet,
         mode: Mode = "symmetric", axis: int = -1) -> torch.Tensor:
    return _api.idwt(cA, cD, wavelet, mode, axis)


def wavedec(data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
            level: int | None = None, axis: int = -1) -> list:
    return _api.wavedec(data, wavelet, mode, level, axis)


def waverec(coeffs: Sequence, wavelet: Wavelet, mode: Mode = "symmetric",
            axis: int = -1) -> torch.Tensor:
    return _api.waverec(coeffs, wavelet, mode, axis)


def dwt2(data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
         axes: Sequence[int] = (-2, -1)) -> tuple:
    return _api.dwt2(data, wavelet, mode, axes)


def idwt2(coeffs: tuple, wavelet: Wavelet, mode: Mode = "symmetric",
          axes: Sequence[int] = (-2, -1)) -> torch.Tensor:
    return _api.idwt2(coeffs, wavelet, mode, axes)


def wavedec2(data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
             level: int | None = None, axes: Sequence[int] = (-2, -1)) -> list:
    return _api.wavedec2(data, wavelet, mode, level, axes)


def waverec2(coeffs: Sequence, wavelet: Wavelet, mode: Mode = "symmetric",
             axes: Sequence[int] = (-2, -1)) -> torch.Tensor:
    return _api.waverec2(coeffs, wavelet, mode, axes)


def dwtn(data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
         axes: Sequence[int] | None = None) -> dict:
    return _api.dwtn(data, wavelet, mode, axes)


def idwtn(coeffs: dict, wavelet: Wavelet, mode: Mode = "symmetric",
          axes: Sequence[int] | None = None) -> torch.Tensor:
    return _api.idwtn(coeffs, wavelet, mode, axes)


def wavedecn(data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
             level: int | None = None, axes: Sequence[int] | None = None) -> list:
    return _api.wavedecn(data, wavelet, mode, level, axes)


def waverecn(coeffs: Sequence, wavelet: Wavelet, mode: Mode = "symmetric",
             axes: Sequence[int] | None = None) -> torch.Tensor:
    return _api.waverecn(coeffs, wavelet, mode, axes)


_DWT_EXAMPLES = {
    "dwt": """    >>> cA, cD = dwt(torch.ones(2, 8, dtype=torch.float64), "db2", "periodization")
    >>> cA.shape, float(cD.abs().max()) < 1e-12
    (torch.Size([2, 4]), True)
""",
    "idwt": """    >>> x = torch.arange(6, dtype=torch.float64)
    >>> torch.allclose(idwt(*dwt(x, "db2"), "db2"), x)
    True
""",
    "wavedec": """    >>> c = wavedec(torch.randn(4, 64), "db2", level=3)
    >>> [tuple(t.shape) for t in c]
    [(4, 10), (4, 10), (4, 18), (4, 33)]
""",
    "waverec": """    >>> x = torch.randn(3, 50, dtype=torch.float64)
    >>> torch.allclose(waverec(wavedec(x, "sym4", level=2), "sym4"), x)
    True
""",
    "dwt2": """    >>> cA, (cH, cV, cD) = dwt2(torch.ones(3, 8, 8), "haar")
    >>> tuple(cA.shape), float(cH.abs().max())
    ((3, 4, 4), 0.0)
""",
    "idwt2": """    >>> x = torch.randn(2, 6, 6, dtype=torch.float64)
    >>> torch.allclose(idwt2(dwt2(x, "db1"), "db1"), x)
    True
""",
    "wavedec2": """    >>> c = wavedec2(torch.randn(2, 32, 32), "db2", level=2)
    >>> tuple(c[0].shape), len(c)
    ((2, 10, 10), 3)
""",
    "waverec2": """    >>> x = torch.randn(2, 20, 18, dtype=torch.float64)
    >>> torch.allclose(waverec2(wavedec2(x, "db2", level=2), "db2"), x)
    True
""",
    "dwtn": """    >>> sorted(dwtn(torch.randn(4, 4, 4), "haar"))
    ['aaa', 'aad', 'ada', 'add', 'daa', 'dad', 'dda', 'ddd']
""",
    "idwtn": """    >>> x = torch.randn(4, 6, dtype=torch.float64)
    >>> torch.allclose(idwtn(dwtn(x, "db2", "periodization"), "db2", "periodization"), x)
    True
""",
    "wavedecn": """    >>> c = wavedecn(torch.randn(8, 8, 8), "haar", level=2)
    >>> tuple(c[0].shape), sorted(c[1])[:2]
    ((2, 2, 2), ['aad', 'ada'])
""",
    "waverecn": """    >>> x = torch.randn(6, 10, dtype=torch.float64)
    >>> torch.allclose(waverecn(wavedecn(x, "db1", level=1), "db1"), x)
    True
""",
}
for _name, _example in _DWT_EXAMPLES.items():
    globals()[_name].__doc__ = numpydoc(DWT_DOCS, _name, "torch.Tensor", _example, DWT_GRADIENT)


# --- stationary and packet transforms (docstrings: bridges._frontend_swt_packets) ---------

def swt(data: torch.Tensor, wavelet: Wavelet, level: int | None = None, start_level: int = 0,
        axis: int = -1, trim_approx: bool = False, norm: bool = False) -> list:
    return _swt_api.swt(data, wavelet, level, start_level, axis, trim_approx, norm)


def iswt(coeffs: Sequence, wavelet: Wavelet, norm: bool = False,
         axis: int = -1) -> torch.Tensor:
    return _swt_api.iswt(coeffs, wavelet, norm, axis)


def swt2(data: torch.Tensor, wavelet: Wavelet, level: int, start_level: int = 0,
         axes: Sequence[int] = (-2, -1), trim_approx: bool = False, norm: bool = False) -> list:
    return _swt_api.swt2(data, wavelet, level, start_level, axes, trim_approx, norm)


def iswt2(coeffs: Sequence, wavelet: Wavelet, norm: bool = False,
          axes: Sequence[int] = (-2, -1)) -> torch.Tensor:
    return _swt_api.iswt2(coeffs, wavelet, norm, axes)


def swtn(data: torch.Tensor, wavelet: Wavelet, level: int, start_level: int = 0,
         axes: Sequence[int] | None = None, trim_approx: bool = False,
         norm: bool = False) -> list:
    return _swt_api.swtn(data, wavelet, level, start_level, axes, trim_approx, norm)


def iswtn(coeffs: Sequence, wavelet: Wavelet, axes: Sequence[int] | None = None,
          norm: bool = False) -> torch.Tensor:
    return _swt_api.iswtn(coeffs, wavelet, axes, norm)


def packet_decompose(data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
                     level: int | None = None, axes: Any = -1) -> dict:
    return _packet_api.packet_decompose(data, wavelet, mode, level, axes)


def packet_reconstruct(nodes: dict, wavelet: Wavelet, mode: Mode = "symmetric", axes: Any = -1,
                       data_shape: Sequence[int] | None = None) -> torch.Tensor:
    return _packet_api.packet_reconstruct(nodes, wavelet, mode, axes, data_shape)


@shared_docs
def pad(x: torch.Tensor, pad_widths: Any, mode: str) -> torch.Tensor:
    """Extend a tensor past its edges by a signal extension mode (``pywt.pad``).

    The values are ``cuwavelet.pad``'s (the boundary extension the transforms
    use); the gradient is its exact adjoint (``cuwavelet.adjoint.pad``), also
    for smooth, antisymmetric and antireflect extensions, which torch's own
    padding does not have.

    Parameters
    ----------
    x : torch.Tensor
        The tensor to pad (CPU or CUDA). float16 and bfloat16 are padded in
        float32 and cast back; integer tensors are padded as they are (no
        gradient), and bool ones (masks) in the modes that copy samples.
    {pad_widths}
    {pad_mode}

    Returns
    -------
    torch.Tensor
        The padded tensor, of x's dtype and device.

    Examples
    --------
    >>> x = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64, requires_grad=True)
    >>> y = pad(x, (1, 2), "smooth")
    >>> y.detach()
    tensor([0., 1., 2., 4., 6., 8.], dtype=torch.float64)
    >>> y.sum().backward()          # the adjoint of the extension
    >>> x.grad
    tensor([ 3., -3.,  6.], dtype=torch.float64)
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor; got {type(x).__name__}")
    static = _pad_static(pad_widths, x.ndim, mode)
    if not (x.is_floating_point() or x.is_complex()):
        core = _padding.pad_mask_core if x.dtype == torch.bool else _padding.pad_core
        with _ops.scope(x) as s:  # integers and bools (masks): no gradient to carry
            return s.call_on_views(core, x, _ops.pad_widths(static), static[1])
    compute = _compute_dtype(x.dtype)
    y = _ops.PAD(static, x.to(compute))[0]
    return y if y.dtype == x.dtype else y.to(x.dtype)


def cwt(data: torch.Tensor, scales, wavelet, sampling_period: float = 1.0,
        method: str = "conv", axis: int = -1, *, precision: int = 12) -> tuple:
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"data must be a torch.Tensor; got {type(data).__name__}")
    compute = _compute_dtype(data.dtype)
    fixed, learned = cwt_route(wavelet, lambda p: isinstance(p, torch.Tensor))
    if learned is not None:
        family, parameters, bounds, static_scales, ax, prec = cwt_learned_call(
            learned, scales, method, axis, data.ndim, precision, check=_learned_cwt_static)
        _cwt.check_samples(data.shape[ax], axis)
        if data.numel() == 0:  # (torch's FFTs refuse empty batches)
            complex_ = torch.complex64 if compute in (torch.float32, torch.complex64) \
                else torch.complex128
            return data.new_zeros((len(static_scales[0]),) + data.shape, dtype=complex_), None
        return _portable.learned_cwt(data.to(compute), family, parameters, bounds,
                                     static_scales, prec, ax), None
    if torch.compiler.is_compiling() and isinstance(fixed, pywt.ContinuousWavelet):
        fixed = _wavelet_attributes(fixed)
    static, freqs = _cwt_static(scales, fixed, sampling_period, method, axis, data.ndim,
                                precision)
    _cwt.check_samples(data.shape[static[-1]], axis)
    y = _ops.CWT(static, data.to(compute))[0]
    if data.dtype in _CAST_BACK and not y.is_complex():
        y = y.to(data.dtype)
    return y, np.asarray(freqs)


cwt.__doc__ = cwt_docstring("torch.Tensor", """    >>> import torch
    >>> from bridges import torch as cwt
    >>> x = torch.randn(4, 256, dtype=torch.float64, requires_grad=True)
    >>> coefs, freqs = cwt.cwt(x, [1, 2, 4, 8], "cmor1.5-1.0")
    >>> coefs.shape, coefs.dtype
    (torch.Size([4, 4, 256]), torch.complex128)
    >>> coefs.abs().square().sum().backward()   # a scalogram's energy
    >>> x.grad.shape, x.grad.dtype
    (torch.Size([4, 256]), torch.float64)
""")


_learned_cwt_static = _constant(_cwt.learned_arguments)


# What defines a pywt.ContinuousWavelet beside its name (which does not follow
# its attributes when they are set)
_WAVELET_ATTRIBUTES = ("bandwidth_frequency", "center_frequency", "fbsp_order", "lower_bound",
                       "upper_bound")


def _wavelet_attributes(w: pywt.ContinuousWavelet) -> tuple:
    """w as ("ContinuousWavelet", name, *attributes), read while a graph is
    captured, so that the capture guards them (a constant's arguments are
    not looked into: setting an attribute later would go unseen)."""
    return ("ContinuousWavelet", w.name, *(getattr(w, a) for a in _WAVELET_ATTRIBUTES))


def _wavelet_of(attributes: tuple) -> pywt.ContinuousWavelet:
    w = pywt.ContinuousWavelet(attributes[1])
    for name, value in zip(_WAVELET_ATTRIBUTES, attributes[2:]):
        if value is not None:
            setattr(w, name, value)
    return w


@_constant
def _cwt_static(scales, wavelet, sampling_period, method, axis, ndim: int, precision) -> tuple:
    """(the ops' static arguments, the frequencies as a tuple): pywt's tables
    read once, a constant for graph capture."""
    if isinstance(wavelet, tuple) and wavelet[:1] == ("ContinuousWavelet",):
        wavelet = _wavelet_of(wavelet)
    spec, (values, dtype), prec, axis, freqs = cwt_arguments(
        scales, wavelet, sampling_period, method, axis, ndim, precision)
    return (*spec, values, dtype, prec, axis), tuple(float(f) for f in freqs)


def portable(enabled: bool = True) -> contextlib.AbstractContextManager:
    """A context in which captured graphs record the transforms as plain torch
    operations, for models that must run without cuwavelet (ONNX,
    AOTInductor, ExecuTorch, TensorRT).

    ``torch.export``, ``torch.onnx.export``, ``torch.compile`` and
    ``torch.jit.trace`` record each transform as a ``torch.ops.cuwavelet``
    operation, which only a process with cuwavelet can run. Inside this
    context they record plain operations instead (index gathers for the
    boundary extension, read from the core's own ``pad``; the filters as
    strided slices times taps, along the last axis a strided 1D
    convolution), with pywt's values in every mode, dtype and wavelet,
    learned filter banks included (their parameters stay inputs of the
    graph). Covered: the DWT family (``dwt`` ... ``waverecn``, the modules),
    ``swt`` ... ``iswtn``, ``packet_decompose``/``packet_reconstruct``,
    ``mra``, ``downcoef``/``upcoef``, ``fswavedecn``, ``pad`` and ``cwt`` (by
    torch's FFTs, the filters' spectra constants; in ONNX, complex results
    only inside the graph: export a scalogram's magnitude, say); the graph has
    the shapes it was captured at (the transforms' lengths are static). The
    recorded graph is differentiable by autograd, but slower than the core's
    kernels (``benchmarks/bench_portable.py``), so capture graphs that will
    run under cuwavelet outside this context. Eager calls are not affected.
    The context is process-wide; capture in one thread at a time.

    Parameters
    ----------
    enabled : bool
        False makes the context do nothing (as ``torch.autocast``'s
        ``enabled``), for code that chooses at run time.

    Returns
    -------
    contextlib.AbstractContextManager
        Enter it with ``with``; leaving it restores the dispatcher operations.

    Examples
    --------
    >>> import torch
    >>> from bridges import torch as cwt
    >>> class Denoise(torch.nn.Module):
    ...     def forward(self, x):
    ...         a, *details = cwt.wavedec2(x, "db2", mode="symmetric", level=2)
    ...         details = [tuple(cwt.threshold(d, 0.5) for d in lvl) for lvl in details]
    ...         return cwt.waverec2([a, *details], "db2", mode="symmetric")
    >>> x = torch.randn(1, 32, 32, dtype=torch.float64)
    >>> with cwt.portable():
    ...     program = torch.export.export(Denoise(), (x,))
    >>> any("cuwavelet" in str(node.target) for node in program.graph.nodes)
    False
    >>> torch.allclose(program.module()(x), Denoise()(x))
    True

    ONNX (with the ``onnx`` and ``onnxscript`` packages): inside the context,
    ``torch.onnx.export(model, (x,), "model.onnx", dynamo=True)``.
    """
    return _portable.portable() if enabled else contextlib.nullcontext()


@_constant
def _pad_static(pad_widths, ndim: int, mode) -> tuple:
    """(pad widths flattened, mode number), read as pywt.pad reads them (NumPy:
    a constant for graph capture)."""
    widths = _padding.pad_widths_of(pad_widths, ndim)
    return tuple(int(v) for w in widths for v in w), _padding.mode_of(mode)


_EXAMPLES = {
    "swt": """    >>> x = torch.arange(8.0, dtype=torch.float64, requires_grad=True)
    >>> (cA2, cD2), (cA1, cD1) = swt(x, "haar", level=2)
    >>> tuple(cA1.shape)
    (8,)
    >>> torch.allclose(iswt([(cA2, cD2), (cA1, cD1)], "haar"), x)
    True
    >>> cD1.sum().backward()      # the adjoint of swt
    >>> x.grad.abs().max().item() < 1e-12
    True
""",
    "iswt": """    >>> x = torch.randn(3, 16, dtype=torch.float64)
    >>> torch.allclose(iswt(swt(x, "db2", level=3), "db2"), x)
    True
""",
    "swt2": """    >>> cA, (cH, cV, cD) = swt2(torch.ones(2, 8, 8), "haar", level=1)[0]
    >>> tuple(cA.shape), float(cH.abs().max())
    ((2, 8, 8), 0.0)
""",
    "iswt2": """    >>> x = torch.randn(2, 8, 8, dtype=torch.float64)
    >>> torch.allclose(iswt2(swt2(x, "db1", level=2), "db1"), x)
    True
""",
    "swtn": """    >>> c = swtn(torch.ones(4, 8, 8), "haar", level=1, axes=(1, 2))
    >>> sorted(c[0])
    ['aa', 'ad', 'da', 'dd']
""",
    "iswtn": """    >>> x = torch.randn(4, 8, dtype=torch.float64)
    >>> torch.allclose(iswtn(swtn(x, "db1", level=2), "db1"), x)
    True
""",
    "packet_decompose": """    >>> nodes = packet_decompose(torch.arange(8.0), "db1", level=2)
    >>> list(nodes)
    ['aa', 'ad', 'da', 'dd']
    >>> nodes["ad"]
    tensor([-2., -2.])
""",
    "packet_reconstruct": """    >>> x = torch.randn(2, 30, dtype=torch.float64)
    >>> nodes = packet_decompose(x, "db2", level=2)
    >>> torch.allclose(packet_reconstruct(nodes, "db2", data_shape=x.shape), x)
    True
""",
}
for _name, _example in _EXAMPLES.items():
    globals()[_name].__doc__ = docstring(_name, "torch.Tensor", _example)
del _name, _example


# --- wavelet packet trees (bridges._frontend_packet_trees) -------------------------------

def _as_tree_tensor(data) -> torch.Tensor:
    if isinstance(data, torch.Tensor):
        return data
    if hasattr(data, "__cuda_array_interface__"):  # a CuPy array: shared, not copied
        return torch.as_tensor(data)
    return torch.as_tensor(np.asarray(data))  # pywt's np.asarray: lists are float64


def _tree_node_dtype(data) -> torch.dtype:
    """The dtype a node set to `data` keeps: its own where floating or complex
    (this bridge's transforms keep it), float64 otherwise."""
    tensor = _as_tree_tensor(data.data if isinstance(data, BaseNode) else data)
    return tensor.dtype if tensor.is_floating_point() or tensor.is_complex() else torch.float64


WaveletPacket, WaveletPacket2D, WaveletPacketND = packet_trees(
    TreeArrays(_as_tree_tensor, _tree_node_dtype, lambda t, dtype: t.to(dtype), dwt, dwt2, dwtn,
               idwtn, tree_wavelet(lambda f: isinstance(f, torch.Tensor))),
    __name__, "torch.Tensor", {
        "WaveletPacket": """    >>> x = torch.arange(1.0, 9.0, dtype=torch.float64, requires_grad=True)
    >>> wp = WaveletPacket(x, "db1", mode="symmetric")
    >>> wp["ad"].data.round(decimals=6).tolist(), wp["ad"].data.requires_grad
    ([-2.0, -2.0], True)
    >>> [node.path for node in wp.get_level(2, "freq")]
    ['aa', 'ad', 'dd', 'da']
    >>> wp["aa"].data.sum().backward()  # through the adjoints
    >>> x.grad.round(decimals=6).tolist()
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
""",
        "WaveletPacket2D": """    >>> x = torch.outer(torch.arange(8.0, dtype=torch.float64), torch.ones(8, dtype=torch.float64))
    >>> wp = WaveletPacket2D(x, "db1", mode="symmetric")
    >>> len(wp.get_level(2))
    16
    >>> torch.allclose(wp.reconstruct(), x)
    True
""",
        "WaveletPacketND": """    >>> x = torch.arange(64.0, dtype=torch.float64).reshape(4, 4, 4)
    >>> wp = WaveletPacketND(x, "db1", mode="symmetric")
    >>> len(wp.get_level(1)), tuple(wp["ddd"].data.shape)
    (8, (2, 2, 2))
    >>> torch.allclose(wp.reconstruct(), x)
    True
""",
    })


# --- multiresolution analysis (docstrings: bridges._frontend_mra) -------------------------

_mra_api = MraFrontend(_api, _swt_api, torch.zeros_like)


def mra(data: torch.Tensor, wavelet: Wavelet, level: int | None = None, axis: int = -1,
        transform: str = "swt", mode: str = "periodization") -> list:
    return _mra_api.mra(data, wavelet, level, axis, transform, mode)


def mra2(data: torch.Tensor, wavelet: Wavelet, level: int | None = None,
         axes: Sequence[int] = (-2, -1), transform: str = "swt2",
         mode: str = "periodization") -> list:
    return _mra_api.mra2(data, wavelet, level, axes, transform, mode)


def mran(data: torch.Tensor, wavelet: Wavelet, level: int | None = None,
         axes: Sequence[int] | None = None, transform: str = "swtn",
         mode: str = "periodization") -> list:
    return _mra_api.mran(data, wavelet, level, axes, transform, mode)


def imra(mra_coeffs: Sequence) -> torch.Tensor:
    return _mra_api.imra(mra_coeffs)


def imra2(mra_coeffs: Sequence) -> torch.Tensor:
    return _mra_api.imra2(mra_coeffs)


def imran(mra_coeffs: Sequence) -> torch.Tensor:
    return _mra_api.imran(mra_coeffs)


_MRA_EXAMPLES = {
    "mra": """    >>> x = torch.randn(3, 64, dtype=torch.float64, requires_grad=True)
    >>> parts = mra(x, "db2", level=3)
    >>> len(parts), torch.allclose(imra(parts), x)
    (4, True)
    >>> parts[1].square().sum().backward()  # the exact adjoint as the gradient
    >>> tuple(x.grad.shape)
    (3, 64)
""",
    "mra2": """    >>> x = torch.randn(2, 16, 16, dtype=torch.float64)
    >>> parts = mra2(x, "db1", level=2)
    >>> len(parts), len(parts[1]), torch.allclose(imra2(parts), x)
    (3, 3, True)
""",
    "mran": """    >>> x = torch.randn(8, 8, 8, dtype=torch.float64)
    >>> parts = mran(x, "db1", level=1)
    >>> sorted(parts[1])[:3], torch.allclose(imran(parts), x)
    (['aad', 'ada', 'add'], True)
""",
    "imra": """    >>> x = torch.randn(40, dtype=torch.float64)
    >>> torch.allclose(imra(mra(x, "sym3", transform="dwt", mode="symmetric")), x)
    True
""",
    "imra2": """    >>> x = torch.randn(20, 24, dtype=torch.float64)
    >>> torch.allclose(imra2(mra2(x, "db2", level=2, transform="dwt2", mode="zero")), x)
    True
""",
    "imran": """    >>> x = torch.randn(16, 16, dtype=torch.float64)
    >>> torch.allclose(imran(mran(x, "db1", level=2)), x)
    True
""",
}
for _name, _example in _MRA_EXAMPLES.items():
    globals()[_name].__doc__ = mra_docstring(_name, "torch.Tensor", _example)
del _name, _example


# --- thresholds (docstrings: bridges._frontend_thresholds) --------------------------------

def _host_value(v):
    """A threshold's values as NumPy where they are on the host: numbers, NumPy,
    CPU tensors outside graph capture and torch.func (whose wrappers have no
    storage); None for the rest (CUDA ones: reading them would synchronize)."""
    if type(v) in (int, float):  # the common case: Python's comparisons are cheapest
        return v
    if not isinstance(v, torch.Tensor):
        return np.asarray(v)
    if torch.compiler.is_compiling() or v.device.type != "cpu" or v.is_complex():
        return None
    try:
        return v.detach().double().numpy()
    except RuntimeError:  # a torch.func wrapper (vmap, grad): no values to read
        return None


_threshold_api = ThresholdFrontend(SimpleNamespace(
    abs=torch.abs, where=torch.where, relu=torch.relu, ones_like=torch.ones_like,
    full_like=torch.full_like, is_complex=torch.is_complex, is_floating=torch.is_floating_point,
    host_value=_host_value, asarray=lambda v, like: torch.as_tensor(
        v, dtype=torch.empty(0, dtype=like.dtype).real.dtype, device=like.device)))


def threshold(data: torch.Tensor, value, mode: str = "soft", substitute=0) -> torch.Tensor:
    return _threshold_api.threshold(data, value, mode, substitute)


def threshold_firm(data: torch.Tensor, value_low, value_high) -> torch.Tensor:
    return _threshold_api.threshold_firm(data, value_low, value_high)


threshold.__doc__ = threshold_docstring("threshold", "torch.Tensor", """\
    >>> data = torch.linspace(1, 4, 7, dtype=torch.float64)
    >>> [round(v, 12) for v in threshold(data, 2, "soft").tolist()]
    [0.0, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0]
    >>> value = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)  # learned
    >>> threshold(data, value, "soft").sum().backward()
    >>> value.grad
    tensor(-4., dtype=torch.float64)
""")
threshold_firm.__doc__ = threshold_docstring("threshold_firm", "torch.Tensor", """\
    >>> threshold_firm(torch.tensor([0.1, 0.5, 1.0, 3.0], dtype=torch.float64), 0.2, 2.0)
    tensor([0.0000, 0.3333, 0.8889, 3.0000], dtype=torch.float64)
""")


# --- filter-bank conditions (cuwavelet._filter_bank_conditions) --------------------------

def _convolve(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The full convolution of two 1-D tensors (conv1d correlates: b flipped)."""
    return torch.nn.functional.conv1d(a.reshape(1, 1, -1), b.flip(0).reshape(1, 1, -1),
                                      padding=b.shape[0] - 1).reshape(-1)


def filter_bank_errors(wavelet) -> tuple:
    filters = _tensor_filters(wavelet)
    if filters is None:
        bank = as_filter_bank(wavelet)
        filters = tuple(torch.tensor(f, dtype=torch.float64)
                        for f in (bank.dec_lo, bank.dec_hi, bank.rec_lo, bank.rec_hi))
    shapes = {tuple(f.shape) for f in filters}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1 or filters[0].shape[0] % 2:
        raise ValueError(f"a filter bank needs four 1-D filters of one even length (dec_lo, "
                         f"dec_hi, rec_lo, rec_hi); got shapes {[tuple(f.shape) for f in filters]}")
    ref = filters[0]
    signs = torch.as_tensor(alternating_signs(ref.shape[0]), dtype=ref.dtype, device=ref.device)
    return filter_bank_conditions(*filters, _convolve, signs)


filter_bank_errors.__doc__ = numpydoc(FILTER_BANK_DOCS, "filter_bank_errors", "torch.Tensor", """\
    >>> r, a = filter_bank_errors("db4")
    >>> float(r) < 1e-20 and float(a) < 1e-20
    True
    >>> dwt = DWT1D("db4", level=3, learnable=True, dtype=torch.float64)
    >>> with torch.no_grad():
    ...     _ = dwt.dec_lo.mul_(1.01)  # a training step moved the bank
    >>> r, a = filter_bank_errors(dwt)  # add both to the loss
    >>> r.backward()
    >>> dwt.dec_lo.grad.shape
    torch.Size([8])
""", gradient=FILTER_BANK_GRADIENT)


# --- filter-bank constructions (cuwavelet._lattice) ------------------------------------

def _vector(f, what: str) -> torch.Tensor:
    """A 1-D real floating-point tensor (numbers: float64)."""
    t = f if isinstance(f, torch.Tensor) else torch.as_tensor(np.asarray(f, dtype=np.float64))
    _lattice.check_vector(tuple(t.shape), t.is_floating_point(), what)
    return t


def lattice_filter_bank(angles) -> tuple:
    return _lattice.lattice(_vector(angles, "lattice angles (K - 1 for 2K taps)"), torch)


def orthogonal_filter_bank(scaling_filter) -> tuple:
    return _lattice.orthogonal_filter_bank_of(_vector(scaling_filter, "scaling_filter"), torch)


def qmf(filt) -> torch.Tensor:
    return _lattice.quadrature_mirror(_vector(filt, "filt"), torch)


lattice_filter_bank.__doc__ = numpydoc(FILTER_BANK_DOCS, "lattice_filter_bank", "torch.Tensor", """\
    >>> angles = torch.tensor([0.3, -1.2, 0.5], dtype=torch.float64, requires_grad=True)
    >>> bank = lattice_filter_bank(angles)  # orthogonal for any angles: 8 taps
    >>> x = torch.randn(4, 64, dtype=torch.float64)
    >>> c = wavedec(x, bank, "periodization", level=3)
    >>> torch.allclose(waverec(c, bank, "periodization"), x)
    True
    >>> sum(t.abs().sum() for t in c[1:]).backward()  # a sparsity loss on the details
    >>> angles.grad.shape
    torch.Size([3])
""", gradient=CONSTRUCTION_GRADIENT)
orthogonal_filter_bank.__doc__ = numpydoc(FILTER_BANK_DOCS, "orthogonal_filter_bank",
                                          "torch.Tensor", """\
    >>> scaling = torch.tensor([1.0, 3.0, 3.0, 1.0], dtype=torch.float64, requires_grad=True)
    >>> dec_lo, dec_hi, rec_lo, rec_hi = orthogonal_filter_bank(scaling)
    >>> rec_lo.detach()
    tensor([0.1768, 0.5303, 0.5303, 0.1768], dtype=torch.float64)
""", gradient=CONSTRUCTION_GRADIENT)
qmf.__doc__ = numpydoc(FILTER_BANK_DOCS, "qmf", "torch.Tensor", """\
    >>> qmf(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor([ 4., -3.,  2., -1.])
""", gradient=CONSTRUCTION_GRADIENT)


# --- coefficient layouts (docstrings: bridges._frontend_layout) ------------------------

_layout_api = LayoutFrontend(SimpleNamespace(
    is_array=lambda v: isinstance(v, torch.Tensor), library="a torch.Tensor",
    full=lambda shape, value, like: torch.full(shape, value, dtype=like.dtype, device=like.device),
    padded=lambda x, widths, value: torch.nn.functional.pad(
        x, [p for w in reversed(widths) for p in (0, w)], value=value),
    concatenate=lambda arrays, axis: torch.cat(arrays, dim=axis),
    cast=lambda x, like: x.to(like.dtype)))


def coeffs_to_array(coeffs: Sequence, padding: float | None = 0,
                    axes: Sequence[int] | None = None) -> tuple:
    return _layout_api.coeffs_to_array(coeffs, padding, axes)


def array_to_coeffs(arr: torch.Tensor, coeff_slices: list,
                    output_format: str = "wavedecn") -> list:
    return _layout_api.array_to_coeffs(arr, coeff_slices, output_format)


def ravel_coeffs(coeffs: Sequence, axes: Sequence[int] | None = None) -> tuple:
    return _layout_api.ravel_coeffs(coeffs, axes)


def unravel_coeffs(arr: torch.Tensor, coeff_slices: list, coeff_shapes: list,
                   output_format: str = "wavedecn") -> list:
    return _layout_api.unravel_coeffs(arr, coeff_slices, coeff_shapes, output_format)


_LAYOUT_EXAMPLES = {
    "coeffs_to_array": """    >>> x = torch.randn(16, 16, dtype=torch.float64, requires_grad=True)
    >>> arr, slices = coeffs_to_array(wavedec2(x, "haar", level=2))
    >>> tuple(arr.shape), slices[1]["dd"]
    ((16, 16), (slice(4, 8, None), slice(4, 8, None)))
    >>> arr.abs().sum().backward()  # an l1 penalty on every coefficient
    >>> tuple(x.grad.shape)
    (16, 16)
""",
    "array_to_coeffs": """    >>> x = torch.randn(16, 16, dtype=torch.float64)
    >>> arr, slices = coeffs_to_array(wavedec2(x, "db1", level=3))
    >>> coeffs = array_to_coeffs(arr, slices, output_format="wavedec2")
    >>> torch.allclose(waverec2(coeffs, "db1"), x)
    True
""",
    "ravel_coeffs": """    >>> x = torch.randn(2, 100, dtype=torch.float64)
    >>> arr, slices, shapes = ravel_coeffs(wavedecn(x, "db2", level=2, axes=(-1,)), axes=(-1,))
    >>> tuple(arr.shape), shapes[0]
    ((210,), (2, 27))
""",
    "unravel_coeffs": """    >>> x = torch.randn(100, dtype=torch.float64)
    >>> arr, slices, shapes = ravel_coeffs(wavedec(x, "db2", level=2))
    >>> coeffs = unravel_coeffs(arr, slices, shapes, output_format="wavedec")
    >>> torch.allclose(waverec(coeffs, "db2"), x)
    True
""",
}
for _name, _example in _LAYOUT_EXAMPLES.items():
    globals()[_name].__doc__ = layout_docstring(_name, "torch.Tensor", _example)
del _name, _example


# --- partial and fully separable transforms (docstrings: bridges._frontend_partial) -------

_partial_api = PartialFrontend(
    _api, lambda shape, like: torch.zeros(shape, dtype=like.dtype, device=like.device),
    lambda arrays, axis: torch.cat(arrays, dim=axis), _constant,
    learned=lambda wavelet: _tensor_filters(wavelet) is not None)


def downcoef(part: str, data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
             level: int = 1, axis: int | None = None) -> torch.Tensor:
    return _partial_api.downcoef(part, data, wavelet, mode, level, axis)


def upcoef(part: str, coeffs: torch.Tensor, wavelet: Wavelet, level: int = 1, take: int = 0,
           axis: int | None = None) -> torch.Tensor:
    return _partial_api.upcoef(part, coeffs, wavelet, level, take, axis)


def fswavedecn(data: torch.Tensor, wavelet: Wavelet, mode: Mode = "symmetric",
               levels: Any = None, axes: Sequence[int] | None = None) -> FswavedecnResult:
    return _partial_api.fswavedecn(data, wavelet, mode, levels, axes)


def fswaverecn(fswavedecn_result: FswavedecnResult) -> torch.Tensor:
    return _partial_api.fswaverecn(fswavedecn_result)


def _register_fswavedecn_result() -> None:
    """fswavedecn's result through torch.func (vmap, jacrev) and other pytree
    users: its coefficients are the leaf, its layout the context."""
    from torch.utils import _pytree as pytree
    if FswavedecnResult in pytree.SUPPORTED_NODES:  # (a reloaded module)
        return
    pytree.register_pytree_node(
        FswavedecnResult,
        lambda r: ([r.coeffs], (r.coeff_slices, r.wavelets, r.modes, r.axes)),
        lambda children, layout: FswavedecnResult(list(children)[0], *layout),
        serialized_type_name="cuwavelet.FswavedecnResult")


_register_fswavedecn_result()


_PARTIAL_EXAMPLES = {
    "downcoef": """    >>> x = torch.arange(8.0, dtype=torch.float64)
    >>> downcoef("a", x, "haar", mode="zero")
    tensor([0.7071, 3.5355, 6.3640, 9.1924], dtype=torch.float64)
""",
    "upcoef": """    >>> c = torch.ones(3, dtype=torch.float64, requires_grad=True)
    >>> y = upcoef("a", c, "db2", level=2)
    >>> tuple(y.shape)
    (18,)
    >>> y.sum().backward()
    >>> tuple(c.grad.shape)
    (3,)
""",
    "fswavedecn": """    >>> x = torch.randn(32, 32, dtype=torch.float64)
    >>> result = fswavedecn(x, "sym2", levels=(1, 3))
    >>> result.detail_keys()[:3], tuple(result[1, 3].shape)
    ([(0, 1), (0, 2), (0, 3)], (17, 17))
""",
    "fswaverecn": """    >>> x = torch.randn(6, 8, dtype=torch.float64)
    >>> torch.allclose(fswaverecn(fswavedecn(x, "db2")), x)
    True
""",
}
for _name, _example in _PARTIAL_EXAMPLES.items():
    globals()[_name].__doc__ = partial_docstring(_name, "torch.Tensor", _example)
del _name, _example


# --- nn.Modules ---------------------------------------------------------------------

def _fixed_wavelet(wavelet):
    """Validated once at construction (FilterBanks pass through the functions
    as is; tensors are kept as given). Names stay names: torch.compile passes
    them to the cached spec lookup as constants, which some torch releases
    cannot do with a dataclass such as FilterBank."""
    if _tensor_filters(wavelet) is not None:
        return _tensor_filters(wavelet)
    if isinstance(wavelet, str):
        as_filter_bank(wavelet)
        return wavelet
    if isinstance(wavelet, (list, tuple)) and wavelet and all(isinstance(w, str) for w in wavelet):
        for w in wavelet:
            as_filter_bank(w)
        return tuple(wavelet)
    if isinstance(wavelet, (list, tuple)) and wavelet and \
            all(isinstance(w, (str, pywt.Wavelet, FilterBank)) for w in wavelet):
        return tuple(as_filter_bank(w) for w in wavelet)  # one per axis
    return as_filter_bank(wavelet)


def _fixed_mode(mode):
    """Validated once; kept as the name (integers are read as pywt.Modes values)."""
    if isinstance(mode, (list, tuple)):
        return tuple(MODES[as_mode(m)] for m in mode)
    return MODES[as_mode(mode)]


class _Transform(nn.Module):
    """A transform with its wavelet, mode and axes fixed at construction.

    With ``learnable=True`` the four filters of `wavelet` become parameters
    (``dec_lo``, ``dec_hi``, ``rec_lo``, ``rec_hi``, in `dtype`, by default
    torch's default dtype) that receive gradients; analysis modules use the first two, synthesis
    modules the last two. With ``learnable="lattice"`` the one parameter is
    ``angles``, the lattice angles of the orthogonal `wavelet`
    (``cuwavelet.lattice_angles``), and the bank is
    ``lattice_filter_bank(angles)``: orthogonal after every training step.
    Otherwise there are no parameters (a filter bank given as tensors is
    used as given, and gradients reach it)."""

    def __init__(self, wavelet, mode, learnable: bool | str = False, dtype=None, **fixed):
        super().__init__()
        if learnable not in (True, False, "lattice"):
            raise ValueError(f"learnable must be True, False or 'lattice'; got {learnable!r}")
        self.learnable = learnable if learnable == "lattice" else bool(learnable)
        if self.learnable == "lattice":
            tensors = _tensor_filters(wavelet)
            bank = as_filter_bank(wavelet if tensors is None else
                                  [f.detach().cpu().double().numpy() for f in tensors])
            self.source = bank.name
            self.angles = nn.Parameter(torch.as_tensor(_lattice.lattice_angles(bank),
                                                       dtype=dtype or torch.get_default_dtype()))
            self.wavelet = None
        elif self.learnable:
            learned = _tensor_filters(wavelet)
            if learned is None:
                if isinstance(wavelet, (list, tuple)) and not isinstance(wavelet, FilterBank) \
                        and len(wavelet) != 4:
                    raise ValueError("learnable=True takes one wavelet (shared by every axis); "
                                     "for one learned bank per axis pass tensor banks as the "
                                     "wavelet")
                bank = as_filter_bank(wavelet)
                learned = (bank.dec_lo, bank.dec_hi, bank.rec_lo, bank.rec_hi)
                self.source = bank.name
            else:
                learned = tuple(f.detach().clone() for f in learned)
                self.source = "tensors"
            for name, f in zip(_FILTER_NAMES, learned):
                self.register_parameter(name, nn.Parameter(
                    torch.as_tensor(f, dtype=dtype or torch.get_default_dtype()).clone()))
            self.wavelet = None
        else:
            self.wavelet = _fixed_wavelet(wavelet)
        self.mode = _fixed_mode(mode)
        for name, value in fixed.items():
            setattr(self, name, value)
        self._fixed = tuple(fixed)

    @property
    def filter_bank(self):
        """The wavelet the module applies: its four parameters when learnable
        (the bank of its lattice angles with ``learnable="lattice"``)."""
        if self.learnable == "lattice":
            return lattice_filter_bank(self.angles)
        if self.learnable:
            return tuple(getattr(self, name) for name in _FILTER_NAMES)
        return self.wavelet

    def extra_repr(self):
        if self.learnable == "lattice":
            names = f"learnable lattice angles, from {self.source}"
        elif self.learnable:
            names = f"learnable, from {self.source}"
        elif isinstance(self.wavelet, tuple) and isinstance(self.wavelet[0], torch.Tensor):
            names = "tensors"
        elif isinstance(self.wavelet, tuple):
            names = [getattr(b, "name", b) for b in self.wavelet]
        else:
            names = getattr(self.wavelet, "name", self.wavelet)
        return ", ".join([f"wavelet={names!r}", f"mode={self.mode!r}"] +
                         [f"{k}={getattr(self, k)!r}" for k in self._fixed])


class DWT1D(_Transform):
    """`wavedec` along `axis` as a module: x -> [cA_n, cD_n, ..., cD_1].

    Parameters
    ----------
    wavelet, mode, level, axis
        As `wavedec`.
    learnable : bool or "lattice"
        Make the four filters of `wavelet` parameters ``dec_lo``, ``dec_hi``,
        ``rec_lo``, ``rec_hi`` (this module uses the first two); otherwise
        the module has none (a bank given as tensors is used as given).
        ``"lattice"``: one parameter ``angles`` instead, the lattice angles of
        the orthogonal `wavelet` (``lattice_filter_bank``: orthogonal after
        every step).
    dtype : torch.dtype or None
        The parameters' dtype (torch's default dtype if None).

    Examples
    --------
    >>> m = DWT1D("db2", level=2, learnable=True)
    >>> c = m(torch.randn(4, 32))
    >>> sum(t.square().sum() for t in c).backward()
    >>> m.dec_lo.grad.shape, m.rec_lo.grad is None
    (torch.Size([4]), True)
    """

    def __init__(self, wavelet: Wavelet = "haar", level: int | None = None,
                 mode: Mode = "symmetric", axis: int = -1, learnable: bool = False,
                 dtype: torch.dtype | None = None):
        super().__init__(wavelet, mode, learnable, dtype, level=level, axis=axis)

    def forward(self, x: torch.Tensor) -> list:
        return wavedec(x, self.filter_bank, self.mode, self.level, self.axis)


class IDWT1D(_Transform):
    """`waverec` along `axis` as a module: [cA_n, cD_n, ..., cD_1] -> x.

    Parameters
    ----------
    wavelet, mode, axis
        As `waverec`.
    learnable : bool or "lattice"
        Make the filters parameters (``rec_lo`` and ``rec_hi`` are used).
        ``"lattice"``: one parameter ``angles`` instead, the lattice angles of
        the orthogonal `wavelet` (``lattice_filter_bank``: orthogonal after
        every step).
    dtype : torch.dtype or None
        The parameters' dtype (torch's default dtype if None).

    Examples
    --------
    >>> x = torch.randn(2, 16, dtype=torch.float64)
    >>> torch.allclose(IDWT1D("db1")(DWT1D("db1", level=2)(x)), x)
    True
    """

    def __init__(self, wavelet: Wavelet = "haar", mode: Mode = "symmetric", axis: int = -1,
                 learnable: bool = False, dtype: torch.dtype | None = None):
        super().__init__(wavelet, mode, learnable, dtype, axis=axis)

    def forward(self, coeffs: list) -> torch.Tensor:
        return waverec(coeffs, self.filter_bank, self.mode, self.axis)


class DWT2D(_Transform):
    """`wavedec2` as a module: x -> [cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)].

    Parameters
    ----------
    wavelet, mode, level, axes
        As `wavedec2`.
    learnable : bool or "lattice"
        Make the filters parameters (``dec_lo`` and ``dec_hi``, shared by both axes).
        ``"lattice"``: one parameter ``angles`` instead, the lattice angles of
        the orthogonal `wavelet` (``lattice_filter_bank``: orthogonal after
        every step).
    dtype : torch.dtype or None
        The parameters' dtype (torch's default dtype if None).

    Examples
    --------
    >>> c = DWT2D("db2", level=2)(torch.randn(1, 3, 16, 16))
    >>> tuple(c[0].shape)
    (1, 3, 6, 6)
    """

    def __init__(self, wavelet: Wavelet = "haar", level: int | None = None,
                 mode: Mode = "symmetric", axes: Sequence[int] = (-2, -1),
                 learnable: bool = False, dtype: torch.dtype | None = None):
        super().__init__(wavelet, mode, learnable, dtype, level=level, axes=tuple(axes))

    def forward(self, x: torch.Tensor) -> list:
        return wavedec2(x, self.filter_bank, self.mode, self.level, self.axes)


class IDWT2D(_Transform):
    """`waverec2` as a module.

    Parameters
    ----------
    wavelet, mode, axes
        As `waverec2`.
    learnable : bool or "lattice"
        Make the filters parameters (``rec_lo`` and ``rec_hi``).
        ``"lattice"``: one parameter ``angles`` instead, the lattice angles of
        the orthogonal `wavelet` (``lattice_filter_bank``: orthogonal after
        every step).
    dtype : torch.dtype or None
        The parameters' dtype (torch's default dtype if None).

    Examples
    --------
    >>> x = torch.randn(1, 8, 8, dtype=torch.float64)
    >>> torch.allclose(IDWT2D("db2")(DWT2D("db2", level=1)(x)), x)
    True
    """

    def __init__(self, wavelet: Wavelet = "haar", mode: Mode = "symmetric",
                 axes: Sequence[int] = (-2, -1), learnable: bool = False,
                 dtype: torch.dtype | None = None):
        super().__init__(wavelet, mode, learnable, dtype, axes=tuple(axes))

    def forward(self, coeffs: list) -> torch.Tensor:
        return waverec2(coeffs, self.filter_bank, self.mode, self.axes)


class DWTND(_Transform):
    """`wavedecn` as a module: x -> [cA_n, {key: detail}_n, ..., {key: detail}_1].

    Parameters
    ----------
    wavelet, mode, level, axes
        As `wavedecn`.
    learnable : bool or "lattice"
        Make the filters parameters (``dec_lo`` and ``dec_hi``, shared by every axis).
        ``"lattice"``: one parameter ``angles`` instead, the lattice angles of
        the orthogonal `wavelet` (``lattice_filter_bank``: orthogonal after
        every step).
    dtype : torch.dtype or None
        The parameters' dtype (torch's default dtype if None).

    Examples
    --------
    >>> c = DWTND("haar", level=1, axes=(0, 1))(torch.randn(4, 4, 3))
    >>> tuple(c[0].shape)
    (2, 2, 3)
    """

    def __init__(self, wavelet: Wavelet = "haar", level: int | None = None,
                 mode: Mode = "symmetric", axes: Sequence[int] | None = None,
                 learnable: bool = False, dtype: torch.dtype | None = None):
        super().__init__(wavelet, mode, learnable, dtype, level=level,
                         axes=None if axes is None else tuple(axes))

    def forward(self, x: torch.Tensor) -> list:
        return wavedecn(x, self.filter_bank, self.mode, self.level, self.axes)


class IDWTND(_Transform):
    """`waverecn` as a module.

    Parameters
    ----------
    wavelet, mode, axes
        As `waverecn`.
    learnable : bool or "lattice"
        Make the filters parameters (``rec_lo`` and ``rec_hi``).
        ``"lattice"``: one parameter ``angles`` instead, the lattice angles of
        the orthogonal `wavelet` (``lattice_filter_bank``: orthogonal after
        every step).
    dtype : torch.dtype or None
        The parameters' dtype (torch's default dtype if None).

    Examples
    --------
    >>> x = torch.randn(4, 4, 3, dtype=torch.float64)
    >>> c = DWTND("haar", level=1, axes=(0, 1))(x)
    >>> torch.allclose(IDWTND("haar", axes=(0, 1))(c), x)
    True
    """

    def __init__(self, wavelet: Wavelet = "haar", mode: Mode = "symmetric",
                 axes: Sequence[int] | None = None, learnable: bool = False,
                 dtype: torch.dtype | None = None):
        super().__init__(wavelet, mode, learnable, dtype,
                         axes=None if axes is None else tuple(axes))

    def forward(self, coeffs: list) -> torch.Tensor:
        return waverecn(coeffs, self.filter_bank, self.mode, self.axes)


# --- stationary transforms as modules ---------------------------------------------------------

class _StationaryTransform(_Transform):
    """A stationary transform with its wavelet and arguments fixed at
    construction; with ``learnable=True`` its four filters are parameters,
    as in _Transform (the stationary transforms have no mode)."""

    def __init__(self, wavelet, learnable: bool = False, dtype=None, **fixed):
        super().__init__(wavelet, "periodization", learnable, dtype, **fixed)

    def extra_repr(self):
        return ", ".join(part for part in super().extra_repr().split(", ")
                         if part != "mode='periodization'")


class SWT1D(_StationaryTransform):
    """`swt` along `axis` as a module: x -> ``[(cAn, cDn), ..., (cA1, cD1)]``
    (``[cAn, cDn, ..., cD1]`` with `trim_approx`).

    Parameters
    ----------
    wavelet, level, start_level, axis, trim_approx, norm
        As `swt`.
    learnable : bool or "lattice"
        If True, the four filters of `wavelet` are parameters (``dec_lo``,
        ``dec_hi``, ``rec_lo``, ``rec_hi``, in `dtype`) that receive gradients.
        ``"lattice"``: one parameter ``angles`` instead, the lattice angles of
        the orthogonal `wavelet` (``lattice_filter_bank``: orthogonal after
        every step).
    dtype : torch.dtype, optional
        The learnable filters' dtype (default: torch's default dtype).

    Examples
    --------
    >>> c = SWT1D("db2", level=2, trim_approx=True)(torch.randn(4, 32))
    >>> [tuple(t.shape) for t in c]
    [(4, 32), (4, 32), (4, 32)]
    """

    def __init__(self, wavelet: Wavelet = "haar", level: int | None = None,
                 start_level: int = 0, axis: int = -1, trim_approx: bool = False,
                 norm: bool = False, learnable: bool = False, dtype: torch.dtype | None = None):
        super().__init__(wavelet, learnable, dtype, level=level, start_level=start_level,
                         axis=axis, trim_approx=trim_approx, norm=norm)

    def forward(self, x: torch.Tensor) -> list:
        return swt(x, self.filter_bank, self.level, self.start_level, self.axis,
                   self.trim_approx, self.norm)


class ISWT1D(_StationaryTransform):
    """`iswt` along `axis` as a module: `swt`'s coefficients -> x.

    Parameters
    ----------
    wavelet, norm, axis
        As `iswt`.
    learnable, dtype
        As `SWT1D`.

    Examples
    --------
    >>> x = torch.randn(2, 16, dtype=torch.float64)
    >>> torch.allclose(ISWT1D("db2", norm=True)(SWT1D("db2", level=3, norm=True)(x)), x)
    True
    """

    def __init__(self, wavelet: Wavelet = "haar", norm: bool = False, axis: int = -1,
                 learnable: bool = False, dtype: torch.dtype | None = None):
        super().__init__(wavelet, learnable, dtype, norm=norm, axis=axis)

    def forward(self, coeffs: list) -> torch.Tensor:
        return iswt(coeffs, self.filter_bank, self.norm, self.axis)


class SWT2D(_StationaryTransform):
    """`swt2` as a module: x -> ``[(cAn, (cHn, cVn, cDn)), ..., (cA1, (cH1, cV1, cD1))]``.

    Parameters
    ----------
    wavelet, level, start_level, axes, trim_approx, norm
        As `swt2`.
    learnable, dtype
        As `SWT1D`.

    Examples
    --------
    >>> cA, (cH, cV, cD) = SWT2D("db1", level=1)(torch.randn(1, 3, 8, 8))[0]
    >>> tuple(cA.shape)
    (1, 3, 8, 8)
    """

    def __init__(self, wavelet: Wavelet = "haar", level: int = 1, start_level: int = 0,
                 axes: Sequence[int] = (-2, -1), trim_approx: bool = False, norm: bool = False,
                 learnable: bool = False, dtype: torch.dtype | None = None):
        super().__init__(wavelet, learnable, dtype, level=level, start_level=start_level,
                         axes=tuple(axes), trim_approx=trim_approx, norm=norm)

    def forward(self, x: torch.Tensor) -> list:
        return swt2(x, self.filter_bank, self.level, self.start_level, self.axes,
                    self.trim_approx, self.norm)


class ISWT2D(_StationaryTransform):
    """`iswt2` as a module: `swt2`'s coefficients -> x.

    Parameters
    ----------
    wavelet, norm, axes
        As `iswt2`.
    learnable, dtype
        As `SWT1D`.

    Examples
    --------
    >>> x = torch.randn(2, 8, 8, dtype=torch.float64)
    >>> torch.allclose(ISWT2D("db2")(SWT2D("db2", level=2)(x)), x)
    True
    """

    def __init__(self, wavelet: Wavelet = "haar", norm: bool = False,
                 axes: Sequence[int] = (-2, -1), learnable: bool = False,
                 dtype: torch.dtype | None = None):
        super().__init__(wavelet, learnable, dtype, norm=norm, axes=tuple(axes))

    def forward(self, coeffs: list) -> torch.Tensor:
        return iswt2(coeffs, self.filter_bank, self.norm, self.axes)


class CWT(nn.Module):
    """`cwt` as a module: x -> coefficients, shape ``(len(scales),) + x.shape``.

    With ``learnable=True`` the bandwidth and center frequency of a ``cmor``,
    ``shan`` or ``fbsp`` wavelet are parameters (``bandwidth``, ``center``,
    started from the wavelet's values as pywt stores them), which receive
    gradients; the filters are computed from them each call, as pywt
    computes its own (``cwt`` with ``(family, *parameters)``).

    Parameters
    ----------
    scales, wavelet, sampling_period, axis, precision
        As `cwt` (a name or pywt.ContinuousWavelet).
    learnable : bool
        Make the wavelet's bandwidth and center frequency parameters.
    dtype : torch.dtype or None
        The parameters' dtype (torch's default dtype if None).

    Examples
    --------
    >>> m = CWT(np.arange(1, 9), "cmor1.5-1.0", learnable=True)
    >>> m(torch.randn(2, 64)).abs().square().sum().backward()
    >>> m.bandwidth.grad is not None and m.center.grad is not None
    True
    >>> m.frequencies.shape   # pywt's, for the current parameters
    (8,)
    """

    def __init__(self, scales, wavelet: Any = "morl", sampling_period: float = 1.0,
                 axis: int = -1, precision: int = 12, learnable: bool = False,
                 dtype: torch.dtype | None = None):
        super().__init__()
        self.scales = _cwt.checked_scales(scales)  # (an array: its dtype counts, as in pywt)
        # (the scales as torch.compile guards them)
        self._scales = _cwt.StaticScales(_cwt.static_scales(self.scales))
        self.sampling_period, self.axis, self.precision = sampling_period, axis, precision
        self.learnable = bool(learnable)
        w = _cwt.continuous_wavelet(wavelet)
        if self.learnable:
            self.family = w.short_family_name
            names, integers, _ = _cwt.learnable_family(self.family)
            self.order = (int(w.fbsp_order),) if integers else ()
            self.bounds = _cwt.learned_bounds(self.family, w)
            for name, value in (("bandwidth", w.bandwidth_frequency),
                                ("center", w.center_frequency)):
                self.register_parameter(name, nn.Parameter(torch.tensor(
                    float(value), dtype=dtype or torch.get_default_dtype())))
            self.wavelet = None
        else:
            self.wavelet = w

    @property
    def wavelet_as_called(self):
        """What the module passes to `cwt`: the wavelet, or when learnable
        its family, parameters and bounds (bridges._frontend_cwt.Learned)."""
        if self.learnable:
            return CwtLearned(self.family, (*self.order, self.bandwidth, self.center),
                              self.bounds)
        return self.wavelet

    @property
    def frequencies(self) -> np.ndarray:
        """pywt's frequencies of the scales for the wavelet as it stands."""
        w = self.wavelet
        if self.learnable:
            values = (*self.order, float(self.bandwidth.detach()), float(self.center.detach()))
            w = pywt.ContinuousWavelet(_cwt.parametric_name(self.family, values))
            w.lower_bound, w.upper_bound = self.bounds
        return _cwt.arguments(self._scales, w, self.sampling_period, "conv", -1, 1,
                              self.precision)[4]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cwt(x, self._scales, self.wavelet_as_called, self.sampling_period,
                   axis=self.axis, precision=self.precision)[0]

    def extra_repr(self):
        name = self.family if self.learnable else self.wavelet.name
        return (f"wavelet={name!r}, scales={len(self.scales)}, axis={self.axis}"
                + (", learnable" if self.learnable else ""))
