"""cuwavelet for torch.Tensors: pywt's transforms (same names, arguments and
coefficient structures) and nn.Modules, differentiable through cuwavelet's
exact adjoints.

Design
------
Four linear level operations are torch custom ops (``torch.ops.cuwavelet.*``):

    dwtn(x)                      -> [subbands]  one analysis level over `axes`
    dwtn_adjoint([cots], which)  -> x           its transpose
    idwtn([coeffs], which)       -> y           one synthesis level
    idwtn_adjoint(y)             -> [subbands]  its transpose

Subband lists are in key order ('a' = low pass, 'd' = high pass, one letter
per axis, 'a...a' first); `which` numbers the subbands a list holds, the
others being zero (a missing coefficient, or an output whose gradient is
None, costs nothing). Each op's backward is its transposed op, itself a
differentiable custom op, so gradients of every order are exact adjoints and
autograd never traces padding or convolutions. Every op has a fake (meta)
implementation, so torch.compile(fullgraph=True) keeps them as graph nodes.

The multilevel transforms are plain Python over these ops (bridges/_frontend.py,
shared with bridges.jax: one op call per level; waverec's trimming is tensor
slicing, which autograd handles), except 1D wavedec and waverec of two or more
levels (and wavedec, wavedec2, wavedecn of 2+ levels), which are ops of their
own (wavedec, waverec and their adjoints, the same construction), so that on
CUDA they run as the core's fused multi-level kernels: a few launches, not one
or more per level.
Wavelets reach the ops as their filter values (float[]), so custom pywt
filter banks work; modes and axes as int lists.

Memory: tensors reach the core without copies, with their strides: CPU
tensors as NumPy arrays sharing memory (``Tensor.numpy()``), CUDA tensors as
CuPy arrays (``cupy.from_dlpack``). A tensor with the conjugate or negative
bit set is resolved first (that one copy is unavoidable). Every array the
core allocates is a ``torch.empty`` tensor (torch's caching allocator on
CUDA), and results come back without copies: a whole result as the tensor
torch allocated, each subband as its own tensor over its (disjoint) part of
the buffer the core wrote all subbands of a level into, kept alive by it
(on CUDA that tensor is a DLPack view, so Tensor.record_stream on a subband
does not reach the caching allocator: synchronize streams yourself when a
subband outlives its use on another stream). CUDA work runs on torch's
current stream of the tensor's device.

Not covered: forward-mode AD and torch.func.vmap (the ops register neither a
jvp nor a batching rule; batch by adding leading dimensions instead).

dtypes: float32, float64, complex64 and complex128 are computed as given;
float16 and bfloat16 inputs are computed in float32 and the results cast
back to the input dtype; integers and bools are computed in float64 (pywt's
rule). Mixed dtypes are promoted as pywt does.
"""
from __future__ import annotations

import contextlib
import functools

import numpy as np
import pywt
import torch
from torch import nn

from cuwavelet import _multilevel as ml
from cuwavelet._arrays import allocator, data_pointer
from cuwavelet._shapes import coeff_len, coeff_len_of_rec, rec_len, with_len
from cuwavelet._wavelets import MODES, FilterBank, as_filter_bank, as_mode

from ._frontend import Frontend, subband_keys

__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn",
           "DWT1D", "IDWT1D", "DWT2D", "IDWT2D", "DWTND", "IDWTND"]

_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64,
                 np.dtype(np.complex64): torch.complex64, np.dtype(np.complex128): torch.complex128}
_NUMPY_DTYPES = {t: n for n, t in _TORCH_DTYPES.items()}
_LOW_PRECISION = (torch.float16, torch.bfloat16)


# --- tensors <-> core arrays ---------------------------------------------------

def _to_core(t: torch.Tensor):
    """The tensor as a NumPy (CPU) or CuPy (CUDA) array sharing its memory and strides."""
    t = t.detach().resolve_conj().resolve_neg()  # DLPack refuses grad, conj and neg tensors
    if t.device.type == "cpu":
        return t.numpy()
    import cupy
    return cupy.from_dlpack(t)


def _from_core(a) -> torch.Tensor:
    return torch.from_numpy(a) if isinstance(a, np.ndarray) else torch.from_dlpack(a)


class _Allocations:
    """The core's allocations, made as torch tensors on `device`, so that an
    op can return the tensor the core wrote its result into."""

    def __init__(self, device):
        self.device, self.made = device, []

    def __call__(self, xp, shape, dtype):
        t = torch.empty(shape, dtype=_TORCH_DTYPES[np.dtype(dtype)], device=self.device)
        self.made.append(t)
        return _to_core(t)

    def tensor_of(self, array):
        """The allocated tensor that is exactly `array` (start, shape, strides), or None."""
        for t in reversed(self.made):
            if tuple(t.shape) == tuple(array.shape) and data_pointer(array) == t.data_ptr() and \
                    tuple(array.strides) == tuple(s * t.element_size() for s in t.stride()):
                return t
        return None


@contextlib.contextmanager
def _core_scope(device: torch.device):
    """Where core calls run: torch allocates, CUDA work goes to torch's current
    stream under the tensor's device."""
    made = _Allocations(device)
    if device.type == "cpu":
        with allocator(made):
            yield made
        return
    if device.type != "cuda":
        raise TypeError(f"cuwavelet runs on CPU and CUDA tensors; got a {device.type} tensor.")
    import cupy
    index = device.index if device.index is not None else torch.cuda.current_device()
    with torch.cuda.device(index), cupy.cuda.Device(index):
        with _cupy_stream(torch.cuda.current_stream(index), index), allocator(made):
            yield made


def _cupy_stream(stream, index):
    import cupy
    from_external = getattr(cupy.cuda.Stream, "from_external", None)  # CuPy >= 14
    if from_external is not None:
        try:
            return from_external(stream)
        except (TypeError, ValueError, AttributeError):
            pass  # an older signature: take the pointer
    return cupy.cuda.ExternalStream(stream.cuda_stream, index)


def _check_dtype(t, what):
    if t.dtype not in _NUMPY_DTYPES:
        raise TypeError(f"cuwavelet ops compute in float32, float64, complex64 or complex128; "
                        f"{what} is {t.dtype} (the public functions convert other dtypes).")


def _result(made: _Allocations, y) -> torch.Tensor:
    """A whole result: the tensor torch allocated for it (else a zero-copy view)."""
    t = made.tensor_of(y)
    return t if t is not None else _from_core(y)


def _subbands(sub: dict, k: int) -> list:
    """The core's subbands as tensors (key order). They are disjoint parts of
    one buffer; each gets its own storage object, so torch sees no aliasing
    between an op's outputs (none exists: the regions do not overlap)."""
    return [_from_core(sub[key]) for key in subband_keys(k)]


# --- op arguments ----------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _decode_banks(lengths: tuple, filters: tuple) -> list:
    banks, i = [], 0
    for n in lengths:
        if n < 2 or n % 2 or i + 4 * n > len(filters):
            raise ValueError(f"filter lengths {list(lengths)} do not fit {len(filters)} filter values")
        banks.append(FilterBank(*(tuple(filters[i + j * n:i + (j + 1) * n]) for j in range(4)),
                                name="torch-op"))
        i += 4 * n
    if i != len(filters):
        raise ValueError(f"filter lengths {list(lengths)} do not fit {len(filters)} filter values")
    return banks


def _core_args(axes, modes, lengths, filters):
    if not (len(axes) == len(modes) == len(lengths)) or not axes:
        raise ValueError("axes, modes and filter lengths must be non-empty and of one length")
    return list(axes), _decode_banks(tuple(lengths), tuple(filters)), list(modes)


# --- the four level operations ---------------------------------------------------

_ARGS = "int[] axes, int[] modes, int[] lengths, float[] filters"


@torch.library.custom_op("cuwavelet::dwtn", mutates_args=(),
                         schema=f"(Tensor x, {_ARGS}) -> Tensor[]")
def _dwtn_op(x, axes, modes, lengths, filters):
    _check_dtype(x, "the data")
    axes_, banks, modes_ = _core_args(axes, modes, lengths, filters)
    with _core_scope(x.device):
        return _subbands(ml.dwtn(_to_core(x), axes_, banks, modes_), len(axes))


@torch.library.custom_op("cuwavelet::dwtn_adjoint", mutates_args=(),
                         schema=f"(Tensor[] cots, int[] which, {_ARGS}, SymInt[] sizes) -> Tensor")
def _dwtn_adjoint_op(cots, which, axes, modes, lengths, filters, sizes):
    axes_, banks, modes_ = _core_args(axes, modes, lengths, filters)
    ref = _reference(cots, which, len(axes))
    keys = subband_keys(len(axes))
    with _core_scope(ref.device) as made:
        c = {keys[i]: _to_core(v) for i, v in zip(which, cots)}
        data_shape = _with_lens(ref.shape, axes, sizes)
        return _result(made, ml.dwtn_adjoint(c, axes_, banks, modes_, data_shape))


@torch.library.custom_op("cuwavelet::idwtn", mutates_args=(),
                         schema=f"(Tensor[] coeffs, int[] which, {_ARGS}) -> Tensor")
def _idwtn_op(coeffs, which, axes, modes, lengths, filters):
    axes_, banks, modes_ = _core_args(axes, modes, lengths, filters)
    ref = _reference(coeffs, which, len(axes))
    keys = subband_keys(len(axes))
    with _core_scope(ref.device) as made:
        c = {keys[i]: _to_core(v) for i, v in zip(which, coeffs)}
        return _result(made, ml.idwtn(c, axes_, banks, modes_))


@torch.library.custom_op("cuwavelet::idwtn_adjoint", mutates_args=(),
                         schema=f"(Tensor y, {_ARGS}) -> Tensor[]")
def _idwtn_adjoint_op(y, axes, modes, lengths, filters):
    _check_dtype(y, "the cotangent")
    axes_, banks, modes_ = _core_args(axes, modes, lengths, filters)
    with _core_scope(y.device):
        return _subbands(ml.idwtn_adjoint(_to_core(y), axes_, banks, modes_), len(axes))


# --- whole multilevel transforms: the core's multi-level kernels, one op each ------
#
#   wavedec(x, level)                      -> [cA_L, details_L..., ..., details_1...]
#   wavedec_adjoint([cots], which, level)  -> x                its transpose
#   waverec([cA_L, cD_L, ..., cD_1])       -> y                1D; pywt's trimming included
#   waverec_adjoint(y, coeff_lens)         -> [cA_L, cD_L, ..., cD_1]
#
# wavedec's details are each level's subbands but 'a...a', in key order,
# coarsest level first. On CUDA these run as few launches (cuwavelet/_fused1d*.py;
# two 2D levels per launch, cuwavelet/_fused.py) instead of one op per level;
# the frontend takes them for 2+ levels (waverec: along one axis).

_ML_ARGS = "int level, int[] axes, int[] modes, int[] lengths, float[] filters"


def _one_axis(axes, modes, lengths, filters):
    args = _core_args(axes, modes, lengths, filters)
    if len(args[0]) != 1:
        raise ValueError("the multilevel waverec ops transform exactly one axis")
    return args


def _coeff_tensors(c, k: int = 1) -> list:
    """The core's [cA, {key: detail}, ...] as [cA, details...] tensors (key order
    without 'a...a', coarsest level first; disjoint buffers)."""
    keys = subband_keys(k)[1:]
    return [_from_core(c[0])] + [_from_core(d[key]) for d in c[1:] for key in keys]


@torch.library.custom_op("cuwavelet::wavedec", mutates_args=(),
                         schema=f"(Tensor x, {_ML_ARGS}) -> Tensor[]")
def _wavedec_op(x, level, axes, modes, lengths, filters):
    _check_dtype(x, "the data")
    axes_, banks, modes_ = _core_args(axes, modes, lengths, filters)
    with _core_scope(x.device):
        return _coeff_tensors(ml.wavedec(_to_core(x), axes_, banks, modes_, level), len(axes_))


@torch.library.custom_op("cuwavelet::wavedec_adjoint", mutates_args=(),
                         schema=f"(Tensor[] cots, int[] which, {_ML_ARGS}, SymInt[] sizes) -> Tensor")
def _wavedec_adjoint_op(cots, which, level, axes, modes, lengths, filters, sizes):
    axes_, banks, modes_ = _core_args(axes, modes, lengths, filters)
    keys = subband_keys(len(axes_))[1:]
    ref = _reference_of(cots, which, 1 + level * len(keys))
    with _core_scope(ref.device) as made:
        given = dict(zip(which, (_to_core(c) for c in cots)))
        structure = [given.get(0)] + [
            {key: given.get(1 + j * len(keys) + i) for i, key in enumerate(keys)}
            for j in range(level)]
        data_shape = _with_lens(ref.shape, axes_, sizes)
        return _result(made, ml.wavedec_adjoint(structure, axes_, banks, modes_, data_shape))


@torch.library.custom_op("cuwavelet::waverec", mutates_args=(),
                         schema="(Tensor[] coeffs, int[] axes, int[] modes, int[] lengths, "
                                "float[] filters) -> Tensor")
def _waverec_op(coeffs, axes, modes, lengths, filters):
    axes_, banks, modes_ = _one_axis(axes, modes, lengths, filters)
    ref = _reference_of(coeffs, list(range(len(coeffs))), len(coeffs))
    with _core_scope(ref.device) as made:
        a, *details = (_to_core(c) for c in coeffs)
        return _result(made, ml.waverec(a, [{"d": d} for d in details], axes_, banks, modes_,
                                        trim_first=True))


@torch.library.custom_op("cuwavelet::waverec_adjoint", mutates_args=(),
                         schema="(Tensor y, int[] axes, int[] modes, int[] lengths, "
                                "float[] filters, int[] coeff_lens) -> Tensor[]")
def _waverec_adjoint_op(y, axes, modes, lengths, filters, coeff_lens):
    _check_dtype(y, "the cotangent")
    axes_, banks, modes_ = _one_axis(axes, modes, lengths, filters)
    shapes = [with_len(y.shape, axes_[0], n) for n in coeff_lens]
    with _core_scope(y.device):
        return _coeff_tensors(ml.waverec_adjoint(_to_core(y), shapes[0], shapes[1:], axes_, banks,
                                                 modes_, trim_first=True))


@_wavedec_op.register_fake
def _(x, level, axes, modes, lengths, filters):
    lens, shapes = [x.shape[a] for a in axes], []
    for _ in range(level):
        lens = [coeff_len(n, f, m) for n, f, m in zip(lens, lengths, modes)]
        shapes.append(_with_lens(x.shape, axes, lens))
    details = 2 ** len(axes) - 1
    return [x.new_empty(shapes[-1])] + [x.new_empty(s) for s in shapes[::-1]
                                        for _ in range(details)]


@_wavedec_adjoint_op.register_fake
def _(cots, which, level, axes, modes, lengths, filters, sizes):
    return cots[0].new_empty(_with_lens(cots[0].shape, axes, sizes))


@_waverec_op.register_fake
def _(coeffs, axes, modes, lengths, filters):
    finest = coeffs[-1]
    return finest.new_empty(with_len(finest.shape, axes[0],
                                     rec_len(finest.shape[axes[0]], lengths[0], modes[0])))


@_waverec_adjoint_op.register_fake
def _(y, axes, modes, lengths, filters, coeff_lens):
    return [y.new_empty(with_len(y.shape, axes[0], n)) for n in coeff_lens]


def _reference_of(tensors, which, count):
    """The first of the given coefficient tensors (numbers `which` of `count`),
    after checking them. (A list of present tensors plus `which`, not
    Tensor?[]: autograd does not see that a list holding None requires grad.)"""
    if not tensors or len(tensors) != len(which) or len(set(which)) != len(which) or \
            not all(0 <= i < count for i in which):
        raise ValueError(f"coefficient numbers {list(which)} do not fit {len(tensors)} arrays of "
                         f"{count}")
    for t in tensors:
        _check_dtype(t, "a coefficient")
    if len({t.dtype for t in tensors}) > 1 or len({t.device for t in tensors}) > 1:
        raise ValueError("the coefficients must share one dtype and device")
    return tensors[0]


def _reference(coeffs, which, k):
    """The first of a level's given subbands (of k axes), after checking them."""
    return _reference_of(coeffs, which, 2 ** k)


def _with_lens(shape, axes, lens) -> tuple:
    shape = tuple(shape)
    for ax, n in zip(axes, lens):
        shape = with_len(shape, ax, n)
    return shape


# fake implementations: output shapes only (torch.compile, meta tensors)

@_dwtn_op.register_fake
def _(x, axes, modes, lengths, filters):
    lens = [coeff_len(x.shape[a], n, m) for a, n, m in zip(axes, lengths, modes)]
    return [x.new_empty(_with_lens(x.shape, axes, lens)) for _ in range(2 ** len(axes))]


@_dwtn_adjoint_op.register_fake
def _(cots, which, axes, modes, lengths, filters, sizes):
    return cots[0].new_empty(_with_lens(cots[0].shape, axes, sizes))


@_idwtn_op.register_fake
def _(coeffs, which, axes, modes, lengths, filters):
    ref = coeffs[0]
    lens = [rec_len(ref.shape[a], n, m) for a, n, m in zip(axes, lengths, modes)]
    return ref.new_empty(_with_lens(ref.shape, axes, lens))


@_idwtn_adjoint_op.register_fake
def _(y, axes, modes, lengths, filters):
    lens = [coeff_len_of_rec(y.shape[a], n, m) for a, n, m in zip(axes, lengths, modes)]
    return [y.new_empty(_with_lens(y.shape, axes, lens)) for _ in range(2 ** len(axes))]


# autograd: each op's backward is its transposed op (so double backward works
# too). Gradients of unused subbands stay None and are left out via `which`.

def _given(grads):
    which = [i for i, g in enumerate(grads) if g is not None]
    return [grads[i] for i in which], which


def _setup_forward(ctx, inputs, output):  # dwtn, idwtn_adjoint: (tensor, *spec)
    ctx.set_materialize_grads(False)
    ctx.spec, ctx.sizes = tuple(inputs[1:5]), [inputs[0].shape[a] for a in inputs[1]]


def _setup_list_input(ctx, inputs, output):  # dwtn_adjoint, idwtn: (list, which, *spec)
    ctx.which, ctx.spec = list(inputs[1]), tuple(inputs[2:6])


def _dwtn_backward(ctx, grads):
    given, which = _given(grads)
    if not given:
        return None, None, None, None, None
    return _dwtn_adjoint_op(given, which, *ctx.spec, ctx.sizes), None, None, None, None


def _dwtn_adjoint_backward(ctx, g):
    sub = _dwtn_op(g, *ctx.spec)
    return [sub[i] for i in ctx.which], None, None, None, None, None, None


def _idwtn_backward(ctx, g):
    sub = _idwtn_adjoint_op(g, *ctx.spec)
    return [sub[i] for i in ctx.which], None, None, None, None, None


def _idwtn_adjoint_backward(ctx, grads):
    given, which = _given(grads)
    if not given:
        return None, None, None, None, None
    return _idwtn_op(given, which, *ctx.spec), None, None, None, None


def _setup_wavedec(ctx, inputs, output):  # (x, level, axes, modes, lengths, filters)
    ctx.set_materialize_grads(False)
    ctx.spec, ctx.sizes = tuple(inputs[1:6]), [inputs[0].shape[a] for a in inputs[2]]


def _wavedec_backward(ctx, grads):
    given, which = _given(grads)
    if not given:
        return (None,) * 6
    return (_wavedec_adjoint_op(given, which, *ctx.spec, ctx.sizes),) + (None,) * 5


def _setup_wavedec_adjoint(ctx, inputs, output):  # (cots, which, level, axes, ..., size)
    ctx.which, ctx.spec = list(inputs[1]), tuple(inputs[2:7])


def _wavedec_adjoint_backward(ctx, g):
    sub = _wavedec_op(g, *ctx.spec)
    return ([sub[i] for i in ctx.which],) + (None,) * 7


def _setup_waverec(ctx, inputs, output):  # (coeffs, axes, modes, lengths, filters)
    ctx.spec = tuple(inputs[1:5])
    ctx.coeff_lens = [c.shape[inputs[1][0]] for c in inputs[0]]


def _waverec_backward(ctx, g):
    return (list(_waverec_adjoint_op(g, *ctx.spec, ctx.coeff_lens)),) + (None,) * 4


def _setup_waverec_adjoint(ctx, inputs, output):  # (y, axes, modes, lengths, filters, lens)
    ctx.set_materialize_grads(False)
    ctx.spec = tuple(inputs[1:5])
    ctx.outputs = [(o.shape, o.dtype, o.device) for o in output]


def _waverec_adjoint_backward(ctx, grads):
    if all(g is None for g in grads):
        return (None,) * 6
    # waverec needs every coefficient: unused ones are zeros (double backward only)
    full = [g if g is not None else torch.zeros(shape, dtype=dtype, device=device)
            for g, (shape, dtype, device) in zip(grads, ctx.outputs)]
    return (_waverec_op(full, *ctx.spec),) + (None,) * 5


_wavedec_op.register_autograd(_wavedec_backward, setup_context=_setup_wavedec)
_wavedec_adjoint_op.register_autograd(_wavedec_adjoint_backward,
                                      setup_context=_setup_wavedec_adjoint)
_waverec_op.register_autograd(_waverec_backward, setup_context=_setup_waverec)
_waverec_adjoint_op.register_autograd(_waverec_adjoint_backward,
                                      setup_context=_setup_waverec_adjoint)
_dwtn_op.register_autograd(_dwtn_backward, setup_context=_setup_forward)
_dwtn_adjoint_op.register_autograd(_dwtn_adjoint_backward, setup_context=_setup_list_input)
_idwtn_op.register_autograd(_idwtn_backward, setup_context=_setup_list_input)
_idwtn_adjoint_op.register_autograd(_idwtn_adjoint_backward, setup_context=_setup_forward)


# --- the public functions: pywt's API over the two forward ops --------------------

def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    if dtype in _NUMPY_DTYPES:
        return dtype
    if dtype in _LOW_PRECISION:
        return torch.float32
    if dtype.is_complex:
        return torch.complex64 if dtype == torch.complex32 else torch.complex128
    return torch.float64  # integers and bools, as pywt


class _TorchBackend:
    """What bridges._frontend needs: conversions and one level each way."""

    @staticmethod
    def prepare(values: dict):
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
        out = only if only in _LOW_PRECISION else compute
        return {k: (t if t is None or t.dtype == compute else t.to(compute))
                for k, t in tensors.items()}, out

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
    def spec(axes, banks, modes):
        """(axes, modes, filter lengths, filter values) as the ops take them."""
        filters = [c for b in banks for f in (b.dec_lo, b.dec_hi, b.rec_lo, b.rec_hi) for c in f]
        return list(axes), list(modes), [b.length for b in banks], filters

    @staticmethod
    def split(x, spec) -> dict:
        return dict(zip(subband_keys(len(spec[0])), _dwtn_op(x, *spec)))

    @staticmethod
    def wavedec_levels(x, spec, level) -> list:
        """A wavedec of 2+ levels as one op: [cA_L, {key: detail}_L, ..., {key: detail}_1]."""
        flat = _wavedec_op(x, level, *spec)
        keys = subband_keys(len(spec[0]))[1:]
        return [flat[0]] + [dict(zip(keys, flat[1 + j * len(keys):1 + (j + 1) * len(keys)]))
                            for j in range(level)]

    @staticmethod
    def waverec_1d(coeffs, spec):
        """A 1D waverec of [cA_L, cD_L, ..., cD_1] (all given) as one op."""
        return _waverec_op(list(coeffs), *spec)

    @staticmethod
    def merge(d: dict, spec):
        keys = subband_keys(len(spec[0]))
        unknown = set(d) - set(keys)
        if unknown:
            raise ValueError(f"Unexpected subband keys {sorted(unknown)} for {len(spec[0])} axes.")
        which = [i for i, k in enumerate(keys) if d.get(k) is not None]
        return _idwtn_op([d[keys[i]] for i in which], which, *spec)


_api = Frontend(_TorchBackend())
dwt, idwt, dwtn, idwtn, dwt2, idwt2 = _api.dwt, _api.idwt, _api.dwtn, _api.idwtn, _api.dwt2, _api.idwt2
wavedec, waverec, wavedec2, waverec2 = _api.wavedec, _api.waverec, _api.wavedec2, _api.waverec2
wavedecn, waverecn = _api.wavedecn, _api.waverecn


# --- nn.Modules ---------------------------------------------------------------------

def _fixed_wavelet(wavelet):
    """Validated once at construction (FilterBanks pass through the functions as is)."""
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
    """A transform with its wavelet, mode and axes fixed at construction; no
    parameters. float16/bfloat16 inputs are computed in float32 and the
    results cast back."""

    def __init__(self, wavelet, mode, **fixed):
        super().__init__()
        self.wavelet, self.mode = _fixed_wavelet(wavelet), _fixed_mode(mode)
        for name, value in fixed.items():
            setattr(self, name, value)
        self._fixed = tuple(fixed)

    def extra_repr(self):
        names = [b.name for b in self.wavelet] if isinstance(self.wavelet, tuple) else self.wavelet.name
        return ", ".join([f"wavelet={names!r}", f"mode={self.mode!r}"] +
                         [f"{k}={getattr(self, k)!r}" for k in self._fixed])


class DWT1D(_Transform):
    """wavedec along `axis` as a module (no parameters): x -> [cA_n, cD_n, ..., cD_1]."""

    def __init__(self, wavelet="haar", level=None, mode="symmetric", axis=-1):
        super().__init__(wavelet, mode, level=level, axis=axis)

    def forward(self, x):
        return wavedec(x, self.wavelet, self.mode, self.level, self.axis)


class IDWT1D(_Transform):
    """waverec along `axis` as a module: [cA_n, cD_n, ..., cD_1] -> x."""

    def __init__(self, wavelet="haar", mode="symmetric", axis=-1):
        super().__init__(wavelet, mode, axis=axis)

    def forward(self, coeffs):
        return waverec(coeffs, self.wavelet, self.mode, self.axis)


class DWT2D(_Transform):
    """wavedec2 as a module: x -> [cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]."""

    def __init__(self, wavelet="haar", level=None, mode="symmetric", axes=(-2, -1)):
        super().__init__(wavelet, mode, level=level, axes=tuple(axes))

    def forward(self, x):
        return wavedec2(x, self.wavelet, self.mode, self.level, self.axes)


class IDWT2D(_Transform):
    """waverec2 as a module."""

    def __init__(self, wavelet="haar", mode="symmetric", axes=(-2, -1)):
        super().__init__(wavelet, mode, axes=tuple(axes))

    def forward(self, coeffs):
        return waverec2(coeffs, self.wavelet, self.mode, self.axes)


class DWTND(_Transform):
    """wavedecn as a module: x -> [cA_n, {key: detail}_n, ..., {key: detail}_1]."""

    def __init__(self, wavelet="haar", level=None, mode="symmetric", axes=None):
        super().__init__(wavelet, mode, level=level, axes=None if axes is None else tuple(axes))

    def forward(self, x):
        return wavedecn(x, self.wavelet, self.mode, self.level, self.axes)


class IDWTND(_Transform):
    """waverecn as a module."""

    def __init__(self, wavelet="haar", mode="symmetric", axes=None):
        super().__init__(wavelet, mode, axes=None if axes is None else tuple(axes))

    def forward(self, coeffs):
        return waverecn(coeffs, self.wavelet, self.mode, self.axes)
