"""The linear operations of bridges.torch, each declared once, and every way
torch reaches them.

An operation (``LinearOp``) is a core computation on real CPU/CUDA tensors
(``run``), the shapes of its outputs (``fake``), its transpose (``transpose``,
the backward pass: itself made of these operations, so gradients of every
order are exact) and how its arguments batch. Everything else is derived:

* JVP (forward mode): every operation is linear in each group of its inputs
  (the data; for learned filter banks also the filters, separately), so its
  tangent is the operation applied to the tangents, one group at a time.
* vmap: the mapped dimension is folded into the operation's batch (any
  dimension besides the transformed axes is a batch dimension; axes are
  counted from the end so they keep pointing at the same data). Only a batch
  of filters cannot be folded; it is looped over.
  torch's older vmap (``jacobian``/``hessian(vectorize=True)``,
  ``is_grads_batched``) reaches the same rule through ``dispatch``
  (``_torch_legacy_vmap`` unwraps its tensors).
* An ``autograd.Function`` with ``setup_context``, ``backward``, ``jvp`` and
  ``vmap``, so that autograd, forward-mode AD and every ``torch.func``
  transform work.
* A dispatcher op ``torch.ops.cuwavelet.<name>`` (a plain ``Library`` kernel,
  a fake implementation, an Autograd kernel that applies the Function, a
  vmap rule) for ``torch.compile(fullgraph=True)`` and ``torch.jit.trace``,
  which record it as one graph node.

A call (``LinearOp.__call__``) takes the cheapest route that is still right:
under graph capture the dispatcher op; under torch.func the Function's full
``apply``; when autograd or forward-mode AD is involved the Function's C++
``apply`` (without the Python wrapper's argument binding); otherwise, for
plain CPU/CUDA tensors, the core directly.

Arguments: ``static`` is a hashable tuple (axes, modes, filter values, ...),
``ts`` the tensors, None where a coefficient is absent (zero).
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.autograd.forward_ad as _fwad
from torch import nn

from cuwavelet import _cwt, _padding
from cuwavelet import _multilevel as ml
from cuwavelet import _learned
from cuwavelet._arrays import allocator, data_pointer, is_cupy
from cuwavelet._program import ForeignArray, address, follow
from cuwavelet._packets import (_level_shapes, decompose_level, decompose_level_adjoint,
                                reconstruct_level, reconstruct_level_adjoint,
                                untrimmed_level_shapes)
from cuwavelet._shapes import coeff_len, coeff_len_of_rec, rec_len, with_len
from cuwavelet._stationary import (iswtn_levels, iswtn_levels_adjoint, swtn_levels,
                                   swtn_levels_adjoint)
from cuwavelet._wavelets import FilterBank

from . import _learned_kinds as _kinds
from . import _torch_legacy_vmap as _legacy
from ._frontend import subband_keys

TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64,
                np.dtype(np.complex64): torch.complex64, np.dtype(np.complex128): torch.complex128}
CORE_DTYPES = {t: n for n, t in TORCH_DTYPES.items()}
REAL_OF = {torch.float32: torch.float32, torch.float64: torch.float64,
           torch.complex64: torch.float32, torch.complex128: torch.float64}
PLAIN_TYPES = (torch.Tensor, nn.Parameter)

LIB = torch.library.Library("cuwavelet", "DEF")


# --- tensors <-> core arrays ------------------------------------------------------

def to_core(t: torch.Tensor):
    """The tensor as a NumPy (CPU) or CuPy (CUDA) array sharing its memory and strides."""
    if t.requires_grad:
        t = t.detach()  # DLPack and .numpy() refuse tensors that require grad
    if t.is_conj():
        t = t.resolve_conj()  # ... or have the conjugate / negative bit set
    if t.is_neg():
        t = t.resolve_neg()
    if t.is_cuda:
        return _cupy_view(t)
    return t.numpy()


def _cupy_view(t: torch.Tensor, device=None):
    """A CuPy array over a CUDA tensor's memory (holding the tensor), on
    `device` (None: the tensor's). Built
    directly rather than through DLPack, whose stream handshake costs ~17 us
    per tensor in Python: the core runs on torch's current stream (_CudaScope),
    the stream the handshake would have synchronized with."""
    import cupy
    dtype = CORE_DTYPES.get(t.dtype)
    if dtype is None:  # a dtype the core does not take: DLPack says what is wrong
        return cupy.from_dlpack(t)
    itemsize = dtype.itemsize
    extent = sum((n - 1) * s for n, s in zip(t.shape, t.stride())) + 1 if t.numel() else 0
    memory = cupy.cuda.UnownedMemory(t.data_ptr(), extent * itemsize, t,
                                     t.device.index if device is None else device)
    return cupy.ndarray(tuple(t.shape), dtype, cupy.cuda.MemoryPointer(memory, 0),
                        strides=tuple(s * itemsize for s in t.stride()))



def _traced_sizes_as_ints(value):
    """A static argument with the 0-d tensors torch.jit.trace gives for sizes
    as ints (the traced graph then has the sizes it was traced at)."""
    if isinstance(value, torch.Tensor) and value.ndim == 0 and not value.is_floating_point():
        return int(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_traced_sizes_as_ints(v) for v in value)
    return value

class _Scope:
    """Where a core call on tensors runs. `call` hands the core the tensors
    themselves where the core function is planned (cuwavelet/_program.py:
    Planned.run_foreign): the plan is looked up from their layouts and run
    on their memory, its buffers allocated by torch.empty (the CPU scope:
    NumPy), so that a CUDA call makes no CuPy view of anything. Unplanned
    calls (filter banks of arrays, say) get NumPy/CuPy views and their
    results are wrapped back."""

    device = None  # the layout's device: None (CPU) or the CUDA device's index

    def call(self, fn, *args):
        """fn(*args) on the tensors found in args (also inside lists, tuples
        and dict values), the result's arrays as tensors."""
        plans = getattr(fn, "planned", None)
        if plans is not None:  # (only the array parameters can hold tensors: the others stay)
            arrays = plans.positions
            foreign = tuple([_map_leaves(a, _is_tensor, self.foreign) if i in arrays else a
                             for i, a in enumerate(args)])
            result = plans.run_foreign(foreign, {}, self)
            if result is not NotImplemented:
                return result
        return self.call_on_views(fn, *args)

    def call_on_views(self, fn, *args):
        """call's route for calls the core cannot plan: fn on NumPy/CuPy views
        of the tensors, its results wrapped back as tensors."""
        return _map_leaves(fn(*_map_leaves(args, _is_tensor, to_core)), _is_core_array, self.tensor)

    def foreign(self, t: torch.Tensor) -> ForeignArray:
        if t.requires_grad:
            t = t.detach()
        if t.is_conj():
            t = t.resolve_conj()
        if t.is_neg():
            t = t.resolve_neg()
        dtype = CORE_DTYPES[t.dtype]
        if t.data_ptr() % dtype.itemsize:  # (a view at an odd byte offset: the core's aligned())
            t = t.clone()
        return ForeignArray(t, t.shape, [s * dtype.itemsize for s in t.stride()], dtype,
                            self.device)

    # the adapter's part (Program.run)
    @staticmethod
    def address(t) -> int:
        return t.data_ptr()

    def view(self, arrays, ref):
        """What a plan's fill or copy step works on: a view of a buffer."""
        buffer, path = ref
        t = arrays[buffer]
        if not isinstance(t, torch.Tensor):  # a NumPy/CuPy array the plan holds
            t = self.tensor(t)
        for kind, arg in path:
            t = t[arg] if kind == "index" else t.permute(arg) if kind == "transpose" \
                else t.view(arg)  # (plans reshape as views only: view() fails where torch would copy)
        return t

    def result(self, a, path, whole):
        """A returned array: a buffer the call allocated, returned whole, as
        it is; anything else (a view into one, an input, an array the plan
        holds) a tensor with a storage of its own, since an op's outputs may
        not alias one another or its inputs (the dispatcher's rule, checked by
        torch.library.opcheck)."""
        if whole:
            return a
        return self.tensor(follow(to_core(a) if isinstance(a, torch.Tensor) else a, path))


class _CpuScope(_Scope):
    """CPU calls: the plan's buffers are NumPy arrays (np.empty costs a
    fraction of torch.empty) and torch wraps the results without copies."""

    xp = np

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @staticmethod
    def tensor(a) -> torch.Tensor:
        return torch.from_numpy(a)

    # the adapter's part, for buffers that are NumPy arrays and inputs that are tensors
    @staticmethod
    def empty(xp, shape, dtype):
        return np.empty(shape, dtype)

    @staticmethod
    def address(a) -> int:
        return a.data_ptr() if isinstance(a, torch.Tensor) else address(a)

    @staticmethod
    def view(arrays, ref):
        return follow(_as_numpy(arrays[ref[0]]), ref[1])

    @staticmethod
    def result(a, path, whole):
        return torch.from_numpy(follow(_as_numpy(a), path))


def _as_numpy(a) -> np.ndarray:
    return a.numpy() if isinstance(a, torch.Tensor) else a


_CPU = _CpuScope()


class _CudaScope(_Scope):
    """CUDA calls: every array the core allocates is a torch.empty tensor
    (torch's caching allocator) and the kernels run on torch's current stream
    of the tensor's device, so that an op can return the tensor the core
    wrote its result into."""

    def __init__(self, device: torch.device):
        self.torch_device, self.made = device, []
        self.device = device.index if device.index is not None else torch.cuda.current_device()
        self._stack = contextlib.ExitStack()

    def empty(self, xp, shape, dtype):
        return torch.empty(shape, dtype=TORCH_DTYPES[dtype], device=self.torch_device)

    def __call__(self, xp, shape, dtype):  # the core's allocator hook (unplanned calls)
        t = self.empty(xp, shape, dtype)
        self.made.append(t)
        return to_core(t)

    @property
    def xp(self):
        import cupy
        return cupy

    def __enter__(self):
        import cupy
        index = self.device
        self._stack.enter_context(torch.cuda.device(index))
        self._stack.enter_context(cupy.cuda.Device(index))
        self._stack.enter_context(_cupy_stream(torch.cuda.current_stream(index), index))
        self._stack.enter_context(allocator(self))
        return self

    def __exit__(self, *exc):
        return self._stack.__exit__(*exc)

    def tensor(self, a) -> torch.Tensor:
        """The allocated tensor that is exactly `a` (start, shape, strides), else a view."""
        for t in reversed(self.made):
            if tuple(t.shape) == tuple(a.shape) and data_pointer(a) == t.data_ptr() and \
                    tuple(a.strides) == tuple(s * t.element_size() for s in t.stride()):
                return t
        return self.new_tensor(a)

    @staticmethod
    def new_tensor(a) -> torch.Tensor:
        """A tensor of its own over CuPy array `a`'s memory."""
        return torch.from_dlpack(a)


def _map_leaves(obj, leaf, f):
    """obj with each x for which leaf(x) holds (also inside lists, tuples and
    dict values) replaced by f(x)."""
    t = type(obj)
    if t is list or t is tuple:
        return t(_map_leaves(v, leaf, f) for v in obj)
    if t is dict:
        return {k: _map_leaves(v, leaf, f) for k, v in obj.items()}
    return f(obj) if leaf(obj) else obj


def _is_tensor(x) -> bool:
    return type(x) is torch.Tensor or type(x) is nn.Parameter


def _is_core_array(x) -> bool:
    return type(x) is np.ndarray or is_cupy(x)


def _cupy_stream(stream, index):
    import cupy
    from_external = getattr(cupy.cuda.Stream, "from_external", None)  # CuPy >= 14
    if from_external is not None:
        try:
            return from_external(stream)
        except (TypeError, ValueError, AttributeError):
            pass  # an older signature: take the pointer
    return cupy.cuda.ExternalStream(stream.cuda_stream, index)


def scope(t: torch.Tensor):
    """Where a core call on `t` runs (see _CpuScope, _CudaScope)."""
    if t.is_cuda:
        return _CudaScope(t.device)
    if t.is_cpu:
        return _CPU
    raise TypeError(f"cuwavelet runs on CPU and CUDA tensors; got a {t.device.type} tensor.")


def check_dtype(t: torch.Tensor, what: str) -> None:
    if t.dtype not in CORE_DTYPES:
        raise TypeError(f"cuwavelet ops compute in float32, float64, complex64 or complex128; "
                        f"{what} is {t.dtype} (the public functions convert other dtypes).")


def present(ts, what="coefficients") -> torch.Tensor:
    """The first given tensor, after checking that the given ones agree."""
    ref = None
    for t in ts:
        if t is None:
            continue
        check_dtype(t, f"a {what[:-1]}")
        if ref is None:
            ref = t
        elif t.dtype != ref.dtype or t.is_cuda != ref.is_cuda or \
                (t.is_cuda and t.get_device() != ref.get_device()):
            raise ValueError(f"the {what} must share one dtype and device")
    if ref is None:
        raise ValueError(f"At least one of the {what} must be given (all are None).")
    return ref


def with_lens(shape, axes, lens) -> tuple:
    shape = tuple(shape)
    for ax, n in zip(axes, lens):
        shape = with_len(shape, ax, n)
    return shape


def norm_axes(axes, ndim: int) -> list:
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a {ndim}-d tensor")
        out.append(a % ndim)
    return out


@functools.lru_cache(maxsize=256)
def banks_of(lengths: tuple, filters: tuple) -> tuple:
    """The filter banks encoded as an op's (lengths, filters) arguments."""
    banks, i = [], 0
    for n in lengths:
        if n < 2 or n % 2 or i + 4 * n > len(filters):
            raise ValueError(f"filter lengths {list(lengths)} do not fit {len(filters)} filter values")
        banks.append(FilterBank(*(tuple(filters[i + j * n:i + (j + 1) * n]) for j in range(4)),
                                name="torch-op"))
        i += 4 * n
    if i != len(filters):
        raise ValueError(f"filter lengths {list(lengths)} do not fit {len(filters)} filter values")
    return tuple(banks)


def encode_banks(banks) -> tuple:
    """(lengths, filters) of fixed filter banks, as the ops take them."""
    return (tuple(b.length for b in banks),
            tuple(c for b in banks for f in (b.dec_lo, b.dec_hi, b.rec_lo, b.rec_hi) for c in f))


# --- routes --------------------------------------------------------------------------

_is_compiling = torch.compiler.is_compiling
_tracing_state = torch._C._get_tracing_state
_functorch_active = torch._C._are_functorch_transforms_active
_grad_enabled = torch.is_grad_enabled
_dispatch_modes = torch._C._len_torch_dispatch_stack
_legacy_batched = _legacy.is_batched  # (no storage: the core cannot run on them)


def graph_mode() -> bool:
    """torch.compile or torch.jit.trace is recording: the ops must appear as graph nodes."""
    return _is_compiling() or _tracing_state() is not None


def plain(ts) -> bool:
    """Real CPU/CUDA tensors (not batched by torch's older vmap) and no
    dispatch mode: the core can run on them."""
    if _dispatch_modes():
        return False
    for t in ts:
        if t is not None and (type(t) not in PLAIN_TYPES or not (t.is_cpu or t.is_cuda)
                              or _legacy_batched(t)):
            return False
    return True


def needs_autograd(ts) -> bool:
    if _fwad._current_level >= 0:  # inside forward_ad.dual_level: tangents may ride along
        return True
    if not _grad_enabled():
        return False
    for t in ts:
        if t is not None and t.requires_grad:
            return True
    return False


# Inside bridges.torch.portable(): (op name, static, ts) -> the operation's
# outputs computed by plain torch operations (bridges/_torch_portable.py),
# which graph capture then records in the op's place.
portable_form: Callable | None = None


# --- the declaration -----------------------------------------------------------------

@dataclass(eq=False)
class LinearOp:
    """One operation: see the module docstring. Slots are positions in ts."""
    name: str
    schema: str                          # dispatcher schema (without the name)
    run: Callable                        # (static, ts) -> tuple of tensors (the core)
    fake: Callable                       # (static, ts) -> tuple of tensors (shapes)
    transpose: Callable                  # (ctx, grads) -> gradients of ts
    to_args: Callable                    # (static, ts) -> dispatcher arguments
    from_args: Callable                  # dispatcher arguments -> (static, ts)
    remember: Callable                   # (static, ts) -> what transpose needs besides tensors
    groups: tuple | None = None          # slot groups it is linear in (None: all slots, jointly)
    required: tuple | None = ()          # slots that may not be None (None: every slot)
    leads: tuple = ()                    # per slot: dimensions before the batch ones
    out_leads: Callable = None           # static -> per output: dimensions before the batch
    filter_slots: tuple = ()             # slots holding (2, F) filters (a batch of them: one
                                         # bank per item, as the core's (items, F) FilterPair)
    rebatch: Callable = None             # (static, logical ndims) -> static for a batch in front
    saves_tensors: bool = False          # transpose needs the inputs (bilinear ops)
    returns_list: bool = True            # dispatcher result: Tensor[] (else one Tensor)
    fn: type = field(init=False)

    def __post_init__(self):
        self.fn = _function_of(self)
        self.capply = super(torch.autograd.Function, self.fn).apply  # C++ apply
        _register(self)

    def __call__(self, static, *ts) -> tuple:
        if _is_compiling() or _tracing_state() is not None:  # graph_mode(), inlined
            return self.dispatch(static, ts)
        if _functorch_active():
            return self.fn.apply(static, *ts)
        if needs_autograd(ts):
            return self.capply(static, *ts)
        if plain(ts):
            return self.run(static, ts)
        return self.off_core(static, ts)

    def off_core(self, static, ts) -> tuple:
        """Tensors the core cannot read: batched by torch's older vmap (folded
        into the batch here), else subclasses or under a dispatch mode (the op)."""
        if _legacy.any_batched(ts):
            return _legacy.folded(lambda info, dims, ts: self.batch(info, dims, static, ts), ts)
        return self.dispatch(static, ts)

    def dispatch(self, static, ts) -> tuple:
        if portable_form is not None:  # inside bridges.torch.portable()
            return portable_form(self.name, static, ts)
        if torch.jit.is_tracing():  # (sizes read from traced shapes are tensors there)
            static = _traced_sizes_as_ints(static)
        out = getattr(torch.ops.cuwavelet, self.name).default(*self.to_args(static, ts))
        return tuple(out) if self.returns_list else (out,)

    def pack(self, outputs):
        return list(outputs) if self.returns_list else outputs[0]

    # --- forward mode: linear in each group ----------------------------------------
    def tangent(self, ctx, tangents) -> tuple:
        """The output tangents: the op applied to the tangents of one group at a
        time (the other groups at their primal values), summed."""
        ts = saved(ctx) if self.saves_tensors else (None,) * len(tangents)
        total = None
        for group in self.groups or (tuple(range(len(tangents))),):
            if all(tangents[i] is None for i in group):
                continue
            args = list(ts)
            for i in group:
                t = tangents[i]
                if t is None and (self.required is None or i in self.required):
                    t = torch.zeros_like(ts[i]) if ts[i] is not None else \
                        torch.zeros(ctx.info[i][0], dtype=ctx.info[i][1], device=ctx.info[i][2])
                args[i] = t
            out = self(ctx.static, *args)
            total = out if total is None else tuple(a + b for a, b in zip(total, out))
        return total

    # --- vmap: fold the mapped dimension into the batch ------------------------------
    def batch(self, info, in_dims, static, ts):
        size = info.batch_size
        ndims = [None if t is None else t.ndim - (d is not None) for t, d in zip(ts, in_dims)]
        banks = [i for i in self.filter_slots if in_dims[i] is not None]
        folded = None if self.rebatch is None or any(ndims[i] != 2 for i in banks) \
            else self.rebatch(static, ndims)  # (batched banks of banks loop)
        if folded is None:
            return self._loop(size, in_dims, static, ts)
        moved = []
        for i, (t, d) in enumerate(zip(ts, in_dims)):
            lead = self.leads[i] if i < len(self.leads) else 0
            if t is None or (i in self.filter_slots and d is None):
                moved.append(t)
            elif i in self.filter_slots:  # one bank per item of the batch in front
                moved.append(t.movedim(d, 0))
            elif d is None:
                moved.append(t.unsqueeze(lead).expand(*t.shape[:lead], size, *t.shape[lead:]))
            else:
                moved.append(t.movedim(d, lead))
        out = self(folded, *moved)
        return out, tuple(self.out_leads(folded))

    def _loop(self, size, in_dims, static, ts):
        """A batch the operation cannot absorb (a batch of filters): one call per index."""
        outs = [self(static, *[t if d is None or t is None else t.select(d, b)
                               for t, d in zip(ts, in_dims)]) for b in range(size)]
        return tuple(torch.stack(o) for o in zip(*outs)), (0,) * len(outs[0])


def _function_of(op: LinearOp) -> type:
    def forward(static, *ts):
        if plain(ts) and torch._C._get_tracing_state() is None:
            return op.run(static, ts)
        with torch._C._AutoDispatchBelowAutograd():
            return op.off_core(static, ts)

    def setup_context(ctx, inputs, output):
        static, ts = inputs[0], inputs[1:]
        ctx.set_materialize_grads(False)
        ctx.static, ctx.info = static, op.remember(static, ts)
        if op.saves_tensors:
            ctx.save_for_backward(*ts)
            ctx.save_for_forward(*ts)

    def backward(ctx, *grads):
        return (None,) + tuple(op.transpose(ctx, grads))

    def jvp(ctx, _static_tangent, *tangents):
        return op.tangent(ctx, tangents)

    def vmap(info, in_dims, static, *ts):
        return op.batch(info, in_dims[1:], static, ts)

    return type(f"{op.name}_function", (torch.autograd.Function,), {
        "forward": staticmethod(forward), "setup_context": staticmethod(setup_context),
        "backward": staticmethod(backward), "jvp": staticmethod(jvp),
        "vmap": staticmethod(vmap), "__module__": __name__})


def _register(op: LinearOp) -> None:
    LIB.define(op.name + op.schema)

    def kernel(*args):
        static, ts = op.from_args(args)
        return op.pack(op.run(static, ts))

    def autograd_kernel(*args):
        static, ts = op.from_args(args)
        if torch._C._are_functorch_transforms_active():
            return op.pack(op.fn.apply(static, *ts))
        return op.pack(op.capply(static, *ts))

    def fake(*args):
        static, ts = op.from_args(args)
        return op.pack(op.fake(static, ts))

    def vmap_rule(info, in_dims, *args):
        static, ts = op.from_args(args)
        # the tensors' batch dimensions, found where from_args finds the tensors
        dims = op.from_args([d if _holds_tensors(a) else a for a, d in zip(args, in_dims)])[1]
        out, out_dims = op.batch(info, dims, static, ts)
        return op.pack(out), (list(out_dims) if op.returns_list else out_dims[0])

    LIB.impl(op.name, kernel, "CompositeExplicitAutograd")
    LIB.impl(op.name, autograd_kernel, "Autograd")
    torch.library.register_fake(f"cuwavelet::{op.name}", fake, lib=LIB)
    torch.library.register_vmap(f"cuwavelet::{op.name}", vmap_rule, lib=LIB)


def saved(ctx) -> list:
    """The tensors a bilinear operation saved, each unwrapped where it wraps
    a torch.func level that has ended (a vjp's pullback called after the vjp
    returned, the vjp of a gradient among them)."""
    return [*map(_live, ctx.saved_tensors)]


def _holds_tensors(arg) -> bool:
    return isinstance(arg, torch.Tensor) or (isinstance(arg, (list, tuple)) and len(arg) > 0
                                             and isinstance(arg[0], torch.Tensor))


# --- shared pieces of the declarations ------------------------------------------------

def _from_end(axes, ndim: int) -> tuple:
    """Axes counted from the end (a batch dimension in front leaves them in place)."""
    return tuple(a - ndim if a >= 0 else a for a in axes)


def _first_ndim(ndims) -> int:
    return next(n for n in ndims if n is not None)


def _listed(ts):
    """Tensor[] and which-numbers of the given tensors (dispatcher form)."""
    which = [i for i, t in enumerate(ts) if t is not None]
    return [ts[i] for i in which], which


def _unlisted(tensors, which, count: int) -> tuple:
    """The inverse of _listed: count slots, None where not given."""
    if not isinstance(tensors, (list, tuple)):  # vmap's in_dims for a list may be one entry
        tensors = [tensors] * len(which)
    if len(tensors) != len(which) or len(set(which)) != len(which) or \
            not all(0 <= i < count for i in which):
        raise ValueError(f"coefficient numbers {list(which)} do not fit {len(tensors)} arrays "
                         f"of {count}")
    ts = [None] * count
    for i, t in zip(which, tensors):
        ts[i] = t
    return tuple(ts)


def _nones(n: int) -> tuple:
    return (None,) * n


def _select(grads, presence):
    return tuple(g if p else None for g, p in zip(grads, presence))


# --- fixed filter banks: one level over several axes ---------------------------------
# static: (axes, modes, lengths, filters) [+ sizes: the data's lengths along axes]

_SPEC_ARGS = "int[] axes, int[] modes, int[] lengths, float[] filters"


def _level_args(static):
    axes, modes, lengths, filters = static[:4]
    return list(axes), list(modes), list(lengths), list(filters)


def _level_static(axes, modes, lengths, filters):
    if not (len(axes) == len(modes) == len(lengths)) or not axes:
        raise ValueError("axes, modes and filter lengths must be non-empty and of one length")
    return (tuple(axes), tuple(modes), tuple(lengths), tuple(filters))


_LEVEL_PLANS: dict = {}


def _level_core(static, ndim):
    """(axes >= 0, banks, modes, subband keys) of a level op's static arguments,
    cached per (axes, modes, lengths, filters, ndim)."""
    key = (static[:4], ndim)
    plan = _LEVEL_PLANS.get(key)
    if plan is None:
        axes, modes, lengths, filters = static[:4]
        plan = (norm_axes(axes, ndim), list(banks_of(lengths, filters)), list(modes),
                subband_keys(len(axes)))
        if len(_LEVEL_PLANS) > 1024:
            _LEVEL_PLANS.clear()
        _LEVEL_PLANS[key] = plan
    return plan


def _level_rebatch(static, ndims):
    return (_from_end(static[0], _first_ndim(ndims)),) + tuple(static[1:])


def _dwtn_run(static, ts):
    (x,) = ts
    check_dtype(x, "the data")
    axes, banks, modes, keys = _level_core(static, x.ndim)
    with scope(x) as s:
        sub = s.call(ml.dwtn, x, axes, banks, modes)
        return tuple([sub[k] for k in keys])


def _dwtn_fake(static, ts):
    (x,) = ts
    axes, modes, lengths = norm_axes(static[0], x.ndim), static[1], static[2]
    lens = [coeff_len(x.shape[a], n, m) for a, n, m in zip(axes, lengths, modes)]
    return tuple(x.new_empty(with_lens(x.shape, axes, lens)) for _ in range(2 ** len(axes)))


def _sizes(static, x) -> tuple:
    return tuple(x.shape[a] for a in _level_core(static, x.ndim)[0])


def _dwtn_transpose(ctx, grads):
    if all(g is None for g in grads):
        return (None,)
    return DWTN_ADJOINT(ctx.static + (ctx.info,), *grads)


DWTN = LinearOp(
    "dwtn", f"(Tensor x, {_SPEC_ARGS}) -> Tensor[]",
    run=_dwtn_run, fake=_dwtn_fake, transpose=_dwtn_transpose,
    to_args=lambda s, ts: (ts[0], *_level_args(s)),
    from_args=lambda a: (_level_static(*a[1:5]), (a[0],)),
    remember=lambda s, ts: _sizes(s, ts[0]), groups=((0,),), required=(0,), leads=(0,),
    out_leads=lambda s: (0,) * 2 ** len(s[0]), rebatch=_level_rebatch)


def _merge_input(static, ts, what):
    ref = present(ts, what)
    axes, banks, modes, keys = _level_core(static, ref.ndim)
    if len(ts) != len(keys):
        raise ValueError(f"{len(ts)} subbands given for {len(axes)} axes")
    return ref, axes, banks, modes, keys


def _dwtn_adjoint_run(static, ts):
    ref, axes, banks, modes, keys = _merge_input(static, ts, "cotangents")
    with scope(ref) as s:
        c = {k: t for k, t in zip(keys, ts) if t is not None}
        return (s.call(ml.dwtn_adjoint, c, axes, banks, modes,
                       with_lens(ref.shape, axes, static[4])),)


def _dwtn_adjoint_fake(static, ts):
    ref = present(ts, "cotangents")
    return (ref.new_empty(with_lens(ref.shape, norm_axes(static[0], ref.ndim), static[4])),)


def _presence(static, ts):
    return tuple(t is not None for t in ts)


def _dwtn_adjoint_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return _nones(len(ctx.info))
    return _select(DWTN(ctx.static[:4], g), ctx.info)


DWTN_ADJOINT = LinearOp(
    "dwtn_adjoint", f"(Tensor[] cots, int[] which, {_SPEC_ARGS}, SymInt[] sizes) -> Tensor",
    run=_dwtn_adjoint_run, fake=_dwtn_adjoint_fake, transpose=_dwtn_adjoint_transpose,
    to_args=lambda s, ts: (*_listed(ts), *_level_args(s), list(s[4])),
    from_args=lambda a: (_level_static(*a[2:6]) + (tuple(a[6]),),
                         _unlisted(a[0], a[1], 2 ** len(a[2]))),
    remember=_presence, returns_list=False, out_leads=lambda s: (0,), rebatch=_level_rebatch)


def _idwtn_run(static, ts):
    ref, axes, banks, modes, keys = _merge_input(static, ts, "coefficients")
    with scope(ref) as s:
        c = {k: t for k, t in zip(keys, ts) if t is not None}
        return (s.call(ml.idwtn, c, axes, banks, modes),)


def _idwtn_fake(static, ts):
    ref = present(ts, "coefficients")
    axes, modes, lengths = norm_axes(static[0], ref.ndim), static[1], static[2]
    lens = [rec_len(ref.shape[a], n, m) for a, n, m in zip(axes, lengths, modes)]
    return (ref.new_empty(with_lens(ref.shape, axes, lens)),)


def _idwtn_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return _nones(len(ctx.info))
    return _select(IDWTN_ADJOINT(ctx.static, g), ctx.info)


IDWTN = LinearOp(
    "idwtn", f"(Tensor[] coeffs, int[] which, {_SPEC_ARGS}) -> Tensor",
    run=_idwtn_run, fake=_idwtn_fake, transpose=_idwtn_transpose,
    to_args=lambda s, ts: (*_listed(ts), *_level_args(s)),
    from_args=lambda a: (_level_static(*a[2:6]), _unlisted(a[0], a[1], 2 ** len(a[2]))),
    remember=_presence, returns_list=False, out_leads=lambda s: (0,), rebatch=_level_rebatch)


def _idwtn_adjoint_run(static, ts):
    (y,) = ts
    check_dtype(y, "the cotangent")
    axes, banks, modes, _ = _level_core(static, y.ndim)
    with scope(y) as s:
        sub = s.call(ml.idwtn_adjoint, y, axes, banks, modes)
        return tuple(sub[k] for k in subband_keys(len(axes)))


def _idwtn_adjoint_fake(static, ts):
    (y,) = ts
    axes, modes, lengths = norm_axes(static[0], y.ndim), static[1], static[2]
    lens = [coeff_len_of_rec(y.shape[a], n, m) for a, n, m in zip(axes, lengths, modes)]
    return tuple(y.new_empty(with_lens(y.shape, axes, lens)) for _ in range(2 ** len(axes)))


def _idwtn_adjoint_transpose(ctx, grads):
    if all(g is None for g in grads):
        return (None,)
    return IDWTN(ctx.static, *grads)


IDWTN_ADJOINT = LinearOp(
    "idwtn_adjoint", f"(Tensor y, {_SPEC_ARGS}) -> Tensor[]",
    run=_idwtn_adjoint_run, fake=_idwtn_adjoint_fake, transpose=_idwtn_adjoint_transpose,
    to_args=lambda s, ts: (ts[0], *_level_args(s)),
    from_args=lambda a: (_level_static(*a[1:5]), (a[0],)),
    remember=lambda s, ts: None, groups=((0,),), required=(0,), leads=(0,),
    out_leads=lambda s: (0,) * 2 ** len(s[0]), rebatch=_level_rebatch)


# --- fixed filter banks: whole multilevel transforms ----------------------------------
#   wavedec(x)                    -> [cA_L, details_L..., ..., details_1...]
#   wavedec_adjoint(cots)         -> x
#   waverec([cA_L, details_L..., ..., details_1...]) -> y  (None: zeros; pywt's trims)
#   waverec_adjoint(y)            -> [cA_L, details_L..., ..., details_1...]
# A level's details are its subbands but 'a...a', in key order, coarsest level
# first. On CUDA these run as the core's fused multi-level kernels (a few
# launches instead of one or more per level).
# static: (level, axes, modes, lengths, filters) [+ sizes]; waverec's below.

_ML_ARGS = f"int level, {_SPEC_ARGS}"


def _ml_static(level, axes, modes, lengths, filters):
    return (int(level),) + _level_static(axes, modes, lengths, filters)


def _ml_rebatch(static, ndims):
    return (static[0], _from_end(static[1], _first_ndim(ndims))) + tuple(static[2:])


def _ml_count(static) -> int:
    return 1 + static[0] * (2 ** len(static[1]) - 1)


def _wavedec_run(static, ts):
    (x,) = ts
    check_dtype(x, "the data")
    level = static[0]
    axes, banks, modes, _ = _level_core(static[1:], x.ndim)
    keys = subband_keys(len(axes))[1:]
    with scope(x) as s:
        c = s.call(ml.wavedec, x, axes, banks, modes, level)
        return (c[0],) + tuple(d[k] for d in c[1:] for k in keys)


def _wavedec_fake(static, ts):
    (x,) = ts
    level, axes, modes, lengths = static[0], norm_axes(static[1], x.ndim), static[2], static[3]
    lens, shapes = [x.shape[a] for a in axes], []
    for _ in range(level):
        lens = [coeff_len(n, f, m) for n, f, m in zip(lens, lengths, modes)]
        shapes.append(with_lens(x.shape, axes, lens))
    details = 2 ** len(axes) - 1
    return (x.new_empty(shapes[-1]),) + tuple(x.new_empty(s) for s in shapes[::-1]
                                              for _ in range(details))


def _wavedec_transpose(ctx, grads):
    if all(g is None for g in grads):
        return (None,)
    return WAVEDEC_ADJOINT(ctx.static + (ctx.info,), *grads)


WAVEDEC = LinearOp(
    "wavedec", f"(Tensor x, {_ML_ARGS}) -> Tensor[]",
    run=_wavedec_run, fake=_wavedec_fake, transpose=_wavedec_transpose,
    to_args=lambda s, ts: (ts[0], s[0], *_level_args(s[1:])),
    from_args=lambda a: (_ml_static(*a[1:6]), (a[0],)),
    remember=lambda s, ts: _sizes(s[1:], ts[0]), groups=((0,),), required=(0,), leads=(0,),
    out_leads=lambda s: (0,) * _ml_count(s), rebatch=_ml_rebatch)


def _wavedec_adjoint_run(static, ts):
    level = static[0]
    ref = present(ts, "cotangents")
    axes, banks, modes, _ = _level_core(static[1:], ref.ndim)
    keys = subband_keys(len(axes))[1:]
    if len(ts) != _ml_count(static):
        raise ValueError(f"{len(ts)} cotangents given for {_ml_count(static)} coefficients")
    with scope(ref) as s:
        structure = [ts[0]] + [{k: ts[1 + j * len(keys) + i] for i, k in enumerate(keys)}
                               for j in range(level)]
        return (s.call(ml.wavedec_adjoint, structure, axes, banks, modes,
                       with_lens(ref.shape, axes, static[5])),)


def _wavedec_adjoint_fake(static, ts):
    ref = present(ts, "cotangents")
    return (ref.new_empty(with_lens(ref.shape, norm_axes(static[1], ref.ndim), static[5])),)


def _wavedec_adjoint_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return _nones(len(ctx.info))
    return _select(WAVEDEC(ctx.static[:5], g), ctx.info)


WAVEDEC_ADJOINT = LinearOp(
    "wavedec_adjoint", f"(Tensor[] cots, int[] which, {_ML_ARGS}, SymInt[] sizes) -> Tensor",
    run=_wavedec_adjoint_run, fake=_wavedec_adjoint_fake, transpose=_wavedec_adjoint_transpose,
    to_args=lambda s, ts: (*_listed(ts), s[0], *_level_args(s[1:5]), list(s[5])),
    from_args=lambda a: (_ml_static(*a[2:7]) + (tuple(a[7]),),
                         _unlisted(a[0], a[1], 1 + a[2] * (2 ** len(a[3]) - 1))),
    remember=_presence, returns_list=False, out_leads=lambda s: (0,), rebatch=_ml_rebatch)


# waverec's static: (level, axes, modes, lengths, filters, trim_first, sizes),
# sizes the approximation's lengths along the axes, then each level's
# details' (coarsest first), so that every shape is known with coefficients
# absent (pywt's trims included).

def _waverec_static(level, axes, modes, lengths, filters, trim_first, sizes):
    k = len(axes)
    if len(sizes) != (int(level) + 1) * k:
        raise ValueError(f"{len(sizes)} lengths given for {level} levels along {k} axes")
    return _ml_static(level, axes, modes, lengths, filters) + (
        bool(trim_first), tuple(tuple(sizes[i:i + k]) for i in range(0, len(sizes), k)))


def _waverec_args(static):
    return (static[0], *_level_args(static[1:5]), static[5], [n for s in static[6] for n in s])


def _waverec_shapes(static, ref_shape):
    """(the approximation's shape, each level's details' shape), the other
    dimensions taken from ref_shape."""
    axes = norm_axes(static[1], len(ref_shape))
    a, *levels = [with_lens(ref_shape, axes, lens) for lens in static[6]]
    return a, levels


def _waverec_run(static, ts):
    ref = present(ts, "coefficients")
    axes, banks, modes, keys = _level_core(static[1:], ref.ndim)
    if len(ts) != _ml_count(static):
        raise ValueError(f"{len(ts)} coefficients given for {_ml_count(static)}")
    n = len(keys) - 1
    details = [{k: t for k, t in zip(keys[1:], ts[1 + j * n:1 + (j + 1) * n]) if t is not None}
               for j in range(static[0])]
    with scope(ref) as s:  # (a level without details still trims to its shape)
        return (s.call(ml.waverec, ts[0], details, axes, banks, modes, static[5],
                       _waverec_shapes(static, ref.shape)[1]),)


def _waverec_fake(static, ts):
    ref = present(ts, "coefficients")
    finest = _waverec_shapes(static, ref.shape)[1][-1]
    axes, modes, lengths = norm_axes(static[1], ref.ndim), static[2], static[3]
    return (ref.new_empty(with_lens(finest, axes, [rec_len(finest[a], n, m)
                                                   for a, n, m in zip(axes, lengths, modes)])),)


def _waverec_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return _nones(len(ctx.info))
    return _select(WAVEREC_ADJOINT(ctx.static, g), ctx.info)


WAVEREC = LinearOp(
    "waverec", f"(Tensor[] coeffs, int[] which, {_ML_ARGS}, bool trim_first, SymInt[] sizes) "
               "-> Tensor",
    run=_waverec_run, fake=_waverec_fake, transpose=_waverec_transpose,
    to_args=lambda s, ts: (*_listed(ts), *_waverec_args(s)),
    from_args=lambda a: (_waverec_static(*a[2:9]),
                         _unlisted(a[0], a[1], 1 + a[2] * (2 ** len(a[3]) - 1))),
    remember=_presence, returns_list=False, out_leads=lambda s: (0,), rebatch=_ml_rebatch)


def _waverec_adjoint_run(static, ts):
    (y,) = ts
    check_dtype(y, "the cotangent")
    axes, banks, modes, keys = _level_core(static[1:], y.ndim)
    a_shape, detail_shapes = _waverec_shapes(static, y.shape)
    with scope(y) as s:
        c = s.call(ml.waverec_adjoint, y, a_shape, detail_shapes, axes, banks, modes, static[5])
        return (c[0],) + tuple(d[k] for d in c[1:] for k in keys[1:])


def _waverec_adjoint_fake(static, ts):
    (y,) = ts
    a_shape, detail_shapes = _waverec_shapes(static, y.shape)
    n = 2 ** len(static[1]) - 1
    return (y.new_empty(a_shape),) + tuple(y.new_empty(s) for s in detail_shapes for _ in range(n))


def _waverec_adjoint_transpose(ctx, grads):
    if all(g is None for g in grads):
        return (None,)
    return WAVEREC(ctx.static, *grads)


WAVEREC_ADJOINT = LinearOp(
    "waverec_adjoint", f"(Tensor y, {_ML_ARGS}, bool trim_first, SymInt[] sizes) -> Tensor[]",
    run=_waverec_adjoint_run, fake=_waverec_adjoint_fake, transpose=_waverec_adjoint_transpose,
    to_args=lambda s, ts: (ts[0], *_waverec_args(s)),
    from_args=lambda a: (_waverec_static(*a[1:8]), (a[0],)),
    remember=lambda s, ts: None, groups=((0,),), required=(0,), leads=(0,),
    out_leads=lambda s: (0,) * _ml_count(s), rebatch=_ml_rebatch)


# --- fixed filter banks: the stationary transforms ----------------------------------
#   swtn(x)                       -> every subband of every level, coarsest level first
#   swtn_adjoint(cots)            -> x
#   iswtn([cA, details_L..., ..., details_1...]) -> y   (None details are zeros)
#   iswtn_adjoint(y)              -> [cA, details_L..., ..., details_1...]
# A level of swtn gives all its subbands in key order (its approximation too: pywt
# returns it); iswtn's details are a level's subbands but 'a...a'. Every array
# has the data's shape. The filters are already scaled for `norm`.
# static: (start_level, level, axes, modes, lengths, filters) for swtn and its
# adjoint; (level, axes, modes, lengths, filters) for iswtn and its adjoint.

_SWT_ARGS = f"int start_level, {_ML_ARGS}"


def _swt_static(start_level, level, axes, modes, lengths, filters):
    return (int(start_level),) + _ml_static(level, axes, modes, lengths, filters)


def _swt_rebatch(static, ndims):
    return static[:2] + (_from_end(static[2], _first_ndim(ndims)),) + tuple(static[3:])


def _swt_count(static) -> int:
    return static[1] * 2 ** len(static[2])


def _swtn_run(static, ts):
    (x,) = ts
    check_dtype(x, "the data")
    start_level, level = static[:2]
    axes, banks, _, keys = _level_core(static[2:], x.ndim)
    with scope(x) as s:
        levels = s.call(swtn_levels, x, axes, banks, start_level, level)
        return tuple(d[k] for d in levels[::-1] for k in keys)


def _swtn_fake(static, ts):
    (x,) = ts
    return tuple(x.new_empty(x.shape) for _ in range(_swt_count(static)))


def _swtn_transpose(ctx, grads):
    if all(g is None for g in grads):
        return (None,)
    return SWTN_ADJOINT(ctx.static, *grads)


SWTN = LinearOp(
    "swtn", f"(Tensor x, {_SWT_ARGS}) -> Tensor[]",
    run=_swtn_run, fake=_swtn_fake, transpose=_swtn_transpose,
    to_args=lambda s, ts: (ts[0], s[0], s[1], *_level_args(s[2:])),
    from_args=lambda a: (_swt_static(*a[1:7]), (a[0],)),
    remember=lambda s, ts: None, groups=((0,),), required=(0,), leads=(0,),
    out_leads=lambda s: (0,) * _swt_count(s), rebatch=_swt_rebatch)


def _swtn_adjoint_run(static, ts):
    ref = present(ts, "cotangents")
    start_level, level = static[:2]
    axes, banks, _, keys = _level_core(static[2:], ref.ndim)
    if len(ts) != _swt_count(static):
        raise ValueError(f"{len(ts)} cotangents given for {_swt_count(static)} coefficients")
    with scope(ref) as s:
        k = len(keys)
        coarsest_first = [dict(zip(keys, ts[j * k:(j + 1) * k])) for j in range(level)]
        return (s.call(swtn_levels_adjoint, coarsest_first[::-1], axes, banks, start_level,
                       tuple(ref.shape), s.xp, CORE_DTYPES[ref.dtype]),)


def _swtn_adjoint_fake(static, ts):
    ref = present(ts, "cotangents")
    return (ref.new_empty(ref.shape),)


def _swtn_adjoint_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return _nones(len(ctx.info))
    return _select(SWTN(ctx.static, g), ctx.info)


SWTN_ADJOINT = LinearOp(
    "swtn_adjoint", f"(Tensor[] cots, int[] which, {_SWT_ARGS}) -> Tensor",
    run=_swtn_adjoint_run, fake=_swtn_adjoint_fake, transpose=_swtn_adjoint_transpose,
    to_args=lambda s, ts: (*_listed(ts), s[0], s[1], *_level_args(s[2:])),
    from_args=lambda a: (_swt_static(*a[2:8]),
                         _unlisted(a[0], a[1], a[3] * 2 ** len(a[4]))),
    remember=_presence, returns_list=False, out_leads=lambda s: (0,), rebatch=_swt_rebatch)


def _iswtn_run(static, ts):
    if ts[0] is None:
        raise ValueError("The approximation coefficients are required.")
    ref = present(ts, "coefficients")
    level = static[0]
    axes, banks, _, keys = _level_core(static[1:], ref.ndim)
    if len(ts) != _ml_count(static):
        raise ValueError(f"{len(ts)} coefficients given for {_ml_count(static)}")
    if len({tuple(t.shape) for t in ts if t is not None}) > 1:
        raise ValueError("coefficient shape mismatch: every coefficient of a stationary "
                         "transform has the data's shape")
    with scope(ref) as s:
        k = len(keys) - 1
        details = [{key: c for key, c in zip(keys[1:], ts[1 + j * k:1 + (j + 1) * k])
                    if c is not None} for j in range(level)]
        return (s.call(iswtn_levels, ts[0], details, axes, banks),)


def _iswtn_fake(static, ts):
    return (ts[0].new_empty(ts[0].shape),)


def _shape_info(static, ts):
    """(shape, dtype, device) per given slot, None where absent (presence, and
    what zeros of a slot look like)."""
    return tuple(None if t is None else (tuple(t.shape), t.dtype, t.device) for t in ts)


def _iswtn_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return _nones(len(ctx.info))
    return _select(ISWTN_ADJOINT(ctx.static, g), [i is not None for i in ctx.info])


ISWTN = LinearOp(
    "iswtn", f"(Tensor[] coeffs, int[] which, {_ML_ARGS}) -> Tensor",
    run=_iswtn_run, fake=_iswtn_fake, transpose=_iswtn_transpose,
    to_args=lambda s, ts: (*_listed(ts), s[0], *_level_args(s[1:])),
    from_args=lambda a: (_ml_static(*a[2:7]),
                         _unlisted(a[0], a[1], 1 + a[2] * (2 ** len(a[3]) - 1))),
    remember=_shape_info, required=(0,), returns_list=False, out_leads=lambda s: (0,),
    rebatch=_ml_rebatch)


def _iswtn_adjoint_run(static, ts):
    (y,) = ts
    check_dtype(y, "the cotangent")
    level = static[0]
    axes, banks, _, keys = _level_core(static[1:], y.ndim)
    with scope(y) as s:
        parts = s.call(iswtn_levels_adjoint, y, level, axes, banks)
        return (parts[0],) + tuple(d[k] for d in parts[1:] for k in keys[1:])


def _iswtn_adjoint_fake(static, ts):
    (y,) = ts
    return tuple(y.new_empty(y.shape) for _ in range(_ml_count(static)))


def _iswtn_adjoint_transpose(ctx, grads):
    if all(g is None for g in grads):
        return (None,)
    shape, dtype, device = ctx.info
    a = grads[0] if grads[0] is not None else torch.zeros(shape, dtype=dtype, device=device)
    return ISWTN(ctx.static, a, *grads[1:])


ISWTN_ADJOINT = LinearOp(
    "iswtn_adjoint", f"(Tensor y, {_ML_ARGS}) -> Tensor[]",
    run=_iswtn_adjoint_run, fake=_iswtn_adjoint_fake, transpose=_iswtn_adjoint_transpose,
    to_args=lambda s, ts: (ts[0], s[0], *_level_args(s[1:])),
    from_args=lambda a: (_ml_static(*a[1:6]), (a[0],)),
    remember=lambda s, ts: (tuple(ts[0].shape), ts[0].dtype, ts[0].device),
    groups=((0,),), required=(0,), leads=(0,), out_leads=lambda s: (0,) * _ml_count(s),
    rebatch=_ml_rebatch)


# --- fixed filter banks: the packet level transforms ----------------------------------
#   packet_decompose(x)              -> rows   every node of `level`, natural order
#   packet_decompose_adjoint(rows)   -> x
#   packet_reconstruct(rows)         -> y      (each level trimmed to `sizes`, or untrimmed)
#   packet_reconstruct_adjoint(y)    -> rows
# rows: (nodes, *node shape), the nodes along a leading dimension (a batch from
# vmap goes after it). Axes count the data's dimensions, not the rows'.
# static: (level, axes, modes, lengths, filters) + sizes: the data's lengths along
# the axes (packet_decompose has none; packet_reconstruct's may be empty: untrimmed).


def _rows_rebatch(static, ndims):
    """_ml_rebatch for an op on rows: the data has one dimension fewer."""
    return (static[0], _from_end(static[1], _first_ndim(ndims) - 1)) + tuple(static[2:])


def _packet_shapes(static, data_shape):
    level = static[0]
    axes, banks, modes, _ = _level_core(static[1:], len(data_shape))
    return axes, banks, modes, _level_shapes(tuple(data_shape), axes, banks, modes, level)


def _packet_decompose_run(static, ts):
    (x,) = ts
    check_dtype(x, "the data")
    axes, banks, modes, _ = _level_core(static[1:], x.ndim)
    with scope(x) as s:
        return (s.call(decompose_level, x, axes, banks, modes, static[0]),)


def _packet_decompose_fake(static, ts):
    (x,) = ts
    shapes = _packet_shapes(static, x.shape)[3]
    return (x.new_empty((2 ** (len(static[1]) * static[0]),) + shapes[-1]),)


def _packet_decompose_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return (None,)
    return PACKET_DECOMPOSE_ADJOINT(ctx.static + (ctx.info,), g)


PACKET_DECOMPOSE = LinearOp(
    "packet_decompose", f"(Tensor x, {_ML_ARGS}) -> Tensor",
    run=_packet_decompose_run, fake=_packet_decompose_fake,
    transpose=_packet_decompose_transpose,
    to_args=lambda s, ts: (ts[0], s[0], *_level_args(s[1:])),
    from_args=lambda a: (_ml_static(*a[1:6]), (a[0],)),
    remember=lambda s, ts: _sizes(s[1:], ts[0]), groups=((0,),), required=(0,), leads=(0,),
    returns_list=False, out_leads=lambda s: (1,), rebatch=_ml_rebatch)


def _packet_decompose_adjoint_run(static, ts):
    (rows,) = ts
    check_dtype(rows, "the cotangent")
    data_shape = with_lens(rows.shape[1:], norm_axes(static[1], rows.ndim - 1), static[5])
    axes, banks, modes, shapes = _packet_shapes(static, data_shape)
    if shapes[-1] != tuple(rows.shape[1:]) or rows.shape[0] != 2 ** (len(axes) * static[0]):
        raise ValueError(f"coefficient shape mismatch: data of shape {data_shape} gives "
                         f"{2 ** (len(axes) * static[0])} nodes of shape {shapes[-1]}; the "
                         f"cotangent has shape {tuple(rows.shape)}")
    with scope(rows) as s:
        return (s.call(decompose_level_adjoint, rows, axes, banks, modes, shapes),)


def _packet_decompose_adjoint_fake(static, ts):
    (rows,) = ts
    return (rows.new_empty(with_lens(rows.shape[1:], norm_axes(static[1], rows.ndim - 1),
                                     static[5])),)


def _packet_decompose_adjoint_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return (None,)
    return PACKET_DECOMPOSE(ctx.static[:5], g)


_PACKET_ADJOINT_SCHEMA = f"(Tensor rows, {_ML_ARGS}, SymInt[] sizes) -> Tensor"

PACKET_DECOMPOSE_ADJOINT = LinearOp(
    "packet_decompose_adjoint", _PACKET_ADJOINT_SCHEMA,
    run=_packet_decompose_adjoint_run, fake=_packet_decompose_adjoint_fake,
    transpose=_packet_decompose_adjoint_transpose,
    to_args=lambda s, ts: (ts[0], s[0], *_level_args(s[1:5]), list(s[5])),
    from_args=lambda a: (_ml_static(*a[1:6]) + (tuple(a[6]),), (a[0],)),
    remember=lambda s, ts: None, groups=((0,),), required=(0,), leads=(1,),
    returns_list=False, out_leads=lambda s: (0,), rebatch=_rows_rebatch)


def _reconstruct_shapes(static, node_shape):
    """(axes, banks, modes, level shapes or None) of packet_reconstruct."""
    level, sizes = static[0], static[5]
    axes, banks, modes, _ = _level_core(static[1:5], len(node_shape))
    if not sizes:
        return axes, banks, modes, None
    shapes = _level_shapes(with_lens(node_shape, axes, sizes), axes, banks, modes, level)
    if shapes[-1] != tuple(node_shape):
        raise ValueError(f"coefficient shape mismatch: data of lengths {list(sizes)} along axes "
                         f"{axes} gives nodes of shape {shapes[-1]}, not {tuple(node_shape)}")
    return axes, banks, modes, shapes


def _packet_reconstruct_run(static, ts):
    (rows,) = ts
    check_dtype(rows, "the nodes")
    axes, banks, modes, shapes = _reconstruct_shapes(static, tuple(rows.shape[1:]))
    if rows.shape[0] != 2 ** (len(axes) * static[0]):
        raise ValueError(f"{rows.shape[0]} nodes given for level {static[0]} over "
                         f"{len(axes)} axes")
    with scope(rows) as s:
        return (s.call(reconstruct_level, rows, axes, banks, modes, static[0], shapes),)


def _packet_reconstruct_fake(static, ts):
    (rows,) = ts
    axes, banks, modes, shapes = _reconstruct_shapes(static, tuple(rows.shape[1:]))
    if static[0] == 0:
        return (rows.new_empty(rows.shape[1:]),)
    # the last level's full reconstruction, of which a trimmed result is a view
    below = shapes[1] if shapes is not None else tuple(rows.shape[1:])
    for _ in range(1 if shapes is not None else static[0]):
        below = with_lens(below, axes, [rec_len(below[a], b.length, m)
                                        for a, b, m in zip(axes, banks, modes)])
    full = rows.new_empty(below)
    return (full if shapes is None else full[tuple(slice(n) for n in shapes[0])],)


def _packet_reconstruct_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return (None,)
    return PACKET_RECONSTRUCT_ADJOINT(ctx.static, g)


PACKET_RECONSTRUCT = LinearOp(
    "packet_reconstruct", _PACKET_ADJOINT_SCHEMA,
    run=_packet_reconstruct_run, fake=_packet_reconstruct_fake,
    transpose=_packet_reconstruct_transpose,
    to_args=lambda s, ts: (ts[0], s[0], *_level_args(s[1:5]), list(s[5])),
    from_args=lambda a: (_ml_static(*a[1:6]) + (tuple(a[6]),), (a[0],)),
    remember=lambda s, ts: None, groups=((0,),), required=(0,), leads=(1,),
    returns_list=False, out_leads=lambda s: (0,), rebatch=_rows_rebatch)


def _packet_reconstruct_adjoint_run(static, ts):
    (y,) = ts
    check_dtype(y, "the cotangent")
    level, sizes = static[0], static[5]
    axes, banks, modes, _ = _level_core(static[1:5], y.ndim)
    if sizes:
        if [y.shape[a] for a in axes] != list(sizes):
            raise ValueError(f"coefficient shape mismatch: the cotangent has shape "
                             f"{tuple(y.shape)}, the reconstruction lengths {list(sizes)} "
                             f"along axes {axes}")
        shapes = _level_shapes(tuple(y.shape), axes, banks, modes, level)
    else:
        shapes = untrimmed_level_shapes(tuple(y.shape), axes, banks, modes, level)
    with scope(y) as s:
        return (s.call(reconstruct_level_adjoint, y, axes, banks, modes, shapes),)


def _packet_reconstruct_adjoint_fake(static, ts):
    (y,) = ts
    level, sizes = static[0], static[5]
    axes, banks, modes, _ = _level_core(static[1:5], y.ndim)
    shapes = (_level_shapes if sizes else untrimmed_level_shapes)(
        tuple(y.shape), axes, banks, modes, level)
    return (y.new_empty((2 ** (len(axes) * level),) + shapes[-1]),)


def _packet_reconstruct_adjoint_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return (None,)
    return PACKET_RECONSTRUCT(ctx.static, g)


PACKET_RECONSTRUCT_ADJOINT = LinearOp(
    "packet_reconstruct_adjoint", f"(Tensor y, {_ML_ARGS}, SymInt[] sizes) -> Tensor",
    run=_packet_reconstruct_adjoint_run, fake=_packet_reconstruct_adjoint_fake,
    transpose=_packet_reconstruct_adjoint_transpose,
    to_args=lambda s, ts: (ts[0], s[0], *_level_args(s[1:5]), list(s[5])),
    from_args=lambda a: (_ml_static(*a[1:6]) + (tuple(a[6]),), (a[0],)),
    remember=lambda s, ts: None, groups=((0,),), required=(0,), leads=(0,),
    returns_list=False, out_leads=lambda s: (1,), rebatch=_ml_rebatch)


# --- pywt.pad --------------------------------------------------------------------------
# static: (pad widths, (before, after) per dimension flattened; mode number)
# [+ the data's lengths, -1 where a dimension is not padded (a batch in front)]

BATCH_WIDTHS = [-1, -1]  # a dimension vmap put in front: neither padded nor extended


def pad_widths(static) -> list:
    flat = static[0]
    pairs = [list(flat[i:i + 2]) for i in range(0, len(flat), 2)]
    return [None if p == BATCH_WIDTHS else p for p in pairs]  # (None: as _padding takes it)


def _pad_run(static, ts):
    (x,) = ts
    check_dtype(x, "the data")
    with scope(x) as s:
        return (s.call_on_views(_padding.pad_core, x, pad_widths(static), static[1]),)


def _pad_fake(static, ts):
    (x,) = ts
    return (x.new_empty(_padding.padded_shape(x.shape, pad_widths(static), static[1])),)


def _pad_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return (None,)
    return PAD_ADJOINT(ctx.static + (ctx.info,), g)


def _pad_rebatch(static, ndims):
    return (tuple(BATCH_WIDTHS) + tuple(static[0]),) + tuple(static[1:2]) + \
        ((((-1,) + tuple(static[2])),) if len(static) > 2 else ())


PAD = LinearOp(
    "pad", "(Tensor x, int[] widths, int mode) -> Tensor",
    run=_pad_run, fake=_pad_fake, transpose=_pad_transpose,
    to_args=lambda s, ts: (ts[0], list(s[0]), s[1]),
    from_args=lambda a: ((tuple(a[1]), int(a[2])), (a[0],)),
    remember=lambda s, ts: tuple(int(n) for n in ts[0].shape), groups=((0,),), required=(0,),
    leads=(0,), returns_list=False, out_leads=lambda s: (0,), rebatch=_pad_rebatch)


def _pad_data_shape(static, g) -> list:
    return [n if d < 0 else d for n, d in zip(g.shape, static[2])]


def _pad_adjoint_run(static, ts):
    (g,) = ts
    check_dtype(g, "the cotangent")
    with scope(g) as s:
        return (s.call_on_views(_padding.pad_adjoint_core, g, pad_widths(static), static[1],
                                _pad_data_shape(static, g)),)


def _pad_adjoint_fake(static, ts):
    (g,) = ts
    return (g.new_empty(_pad_data_shape(static, g)),)


def _pad_adjoint_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return (None,)
    return PAD(ctx.static[:2], g)


PAD_ADJOINT = LinearOp(
    "pad_adjoint", "(Tensor y, int[] widths, int mode, SymInt[] sizes) -> Tensor",
    run=_pad_adjoint_run, fake=_pad_adjoint_fake, transpose=_pad_adjoint_transpose,
    to_args=lambda s, ts: (ts[0], list(s[0]), s[1], list(s[2])),
    from_args=lambda a: ((tuple(a[1]), int(a[2]), tuple(a[3])), (a[0],)),
    remember=lambda s, ts: None, groups=((0,),), required=(0,), leads=(0,),
    returns_list=False, out_leads=lambda s: (0,), rebatch=_pad_rebatch)


# --- pywt.cwt ----------------------------------------------------------------------------
# static: (wavelet name, lower bound, upper bound, scales, their dtype's name, precision,
# the data's axis counted from the end); the coefficients have the scales in front of
# the data's dimensions. The backward of the transform is the adjoint (conjugate
# transpose), its real part for real data (torch's convention for real inputs).

_CWT_ARGS = "str wavelet, float[] bounds, float[] scales, str scales_dtype, int precision, int axis"


def _cwt_parts(static) -> tuple:
    """(wavelet spec, scales array, precision, axis from the end) of a static."""
    name, lower, upper, scales, scales_dtype, precision, axis = static
    return (name, lower, upper), _cwt.scales_of((scales, scales_dtype)), precision, axis


def _cwt_to_args(static, ts):
    return (ts[0], static[0], [static[1], static[2]], list(static[3]), *static[4:])


def _cwt_from_args(a):
    return ((a[1], float(a[2][0]), float(a[2][1]), tuple(float(v) for v in a[3]), a[4],
             int(a[5]), int(a[6])), (a[0],))


def _cwt_run(static, ts):
    (x,) = ts
    check_dtype(x, "the data")
    spec, scales, precision, axis = _cwt_parts(static)
    with scope(x) as s:
        return (s.call_on_views(_cwt.cwt_core, x, spec, scales, precision, axis % x.ndim),)


def _cwt_fake(static, ts):
    (x,) = ts
    dtype = _cwt.output_dtype(_cwt_parts(static)[0], CORE_DTYPES[x.dtype])
    return (x.new_empty((len(static[3]),) + tuple(x.shape), dtype=TORCH_DTYPES[dtype]),)


def _real_part_for_real_input(g, was_real: bool):
    return g.real if was_real and g.is_complex() else g


def _cwt_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return (None,)
    return (_real_part_for_real_input(CWT_ADJOINT(ctx.static, g)[0], ctx.info),)


CWT = LinearOp(
    "cwt", f"(Tensor x, {_CWT_ARGS}) -> Tensor",
    run=_cwt_run, fake=_cwt_fake, transpose=_cwt_transpose,
    to_args=_cwt_to_args, from_args=_cwt_from_args,
    remember=lambda s, ts: not ts[0].is_complex(), groups=((0,),), required=(0,), leads=(0,),
    returns_list=False, out_leads=lambda s: (1,), rebatch=lambda static, ndims: static)


def _cwt_adjoint_run(static, ts):
    (c,) = ts
    check_dtype(c, "the cotangent")
    spec, scales, precision, axis = _cwt_parts(static)
    with scope(c) as s:
        return (s.call_on_views(_cwt.cwt_adjoint_core, c, spec, scales, precision,
                                axis % (c.ndim - 1)),)


def _cwt_adjoint_fake(static, ts):
    (c,) = ts
    dtype = _cwt.output_dtype(_cwt_parts(static)[0], CORE_DTYPES[c.dtype])
    return (c.new_empty(tuple(c.shape[1:]), dtype=TORCH_DTYPES[dtype]),)


def _cwt_adjoint_transpose(ctx, grads):
    (g,) = grads
    if g is None:
        return (None,)
    return (_real_part_for_real_input(CWT(ctx.static, g)[0], ctx.info),)


CWT_ADJOINT = LinearOp(
    "cwt_adjoint", f"(Tensor c, {_CWT_ARGS}) -> Tensor",
    run=_cwt_adjoint_run, fake=_cwt_adjoint_fake, transpose=_cwt_adjoint_transpose,
    to_args=_cwt_to_args, from_args=_cwt_from_args,
    remember=lambda s, ts: not ts[0].is_complex(), groups=((0,),), required=(0,), leads=(1,),
    returns_list=False, out_leads=lambda s: (0,), rebatch=lambda static, ndims: static)


# --- learned filter banks: one axis, the filters as a tensor --------------------------
#   analysis(x, f)                    -> (lo, hi)   one level along `axis`
#   analysis_adjoint(glo, ghi, f)     -> x          its transpose
#   synthesis(lo, hi, f)              -> y          one inverse level
#   synthesis_adjoint(y, f)           -> (lo, hi)   its transpose
#   analysis_filter_grad(x, glo, ghi) -> (2, F)     d/d(lo, hi) of <(glo, ghi), analysis(x, f)>
#   synthesis_filter_grad(lo, hi, y)  -> (2, F)     d/d(lo, hi) of <y, synthesis(lo, hi, f)>
# f is (2, F): (lo, hi) filters in the data's real dtype; coefficient operands
# other than the data may be None (zero). Each transform is linear in its data
# and in f (separately); the filter gradients are linear in each of their two
# operands; the transposes of all six are made of the six, so gradients of
# every order, with respect to data and filters, are exact.
# static: (axis, mode) [+ signal length]; the filter gradients' (axis, mode,
# filter length, items), items keeping the leading dimension apart (one
# gradient per index: how vmap folds into a filter gradient).

def _filters(f: torch.Tensor, data: torch.Tensor) -> torch.Tensor:
    """(2, F) filters, or (items, 2, F): one bank per index of the data's
    first dimension (vmap over banks), checked and contiguous, as the core's
    learned operations (cuwavelet/_learned.py) take them."""
    if f.ndim not in (2, 3) or f.shape[-2] != 2 or f.shape[-1] < 2 or f.shape[-1] % 2:
        raise ValueError(f"filters must be a (2, F) tensor (low pass, high pass) with an even "
                         f"F >= 2; got shape {tuple(f.shape)}")
    if f.dtype != REAL_OF[data.dtype] or f.device != data.device:
        raise TypeError(f"filters must be {REAL_OF[data.dtype]} on {data.device} for "
                        f"{data.dtype} data; got {f.dtype} on {f.device}")
    return f.contiguous()


def _per_item(f: torch.Tensor) -> bool:
    """Whether f holds one bank per item (a batch of banks folded in front):
    its filter gradients are then kept per item."""
    return f.ndim == 3


def _axis_of(static, ndim) -> int:
    return norm_axes((static[0],), ndim)[0]


def _analysis_run(static, ts):
    x, f = ts
    check_dtype(x, "the data")
    axis, mode = _axis_of(static, x.ndim), static[1]
    f = _filters(f, x)
    with scope(x) as s:
        return tuple(s.call(_learned.analysis, x, f, mode, axis))


def _analysis_fake(static, ts):
    x, f = ts
    axis = _axis_of(static, x.ndim)
    shape = with_len(x.shape, axis, coeff_len(x.shape[axis], f.shape[-1], static[1]))
    return x.new_empty(shape), x.new_empty(shape)


def _analysis_transpose(ctx, grads):
    glo, ghi = grads
    x, f = saved(ctx)
    if glo is None and ghi is None:
        return None, None
    axis, mode = ctx.static
    needs = ctx.needs_input_grad
    dx = ANALYSIS_ADJOINT((axis, mode, x.shape[axis]), glo, ghi, f)[0] if needs[1] else None
    df = ANALYSIS_FILTER_GRAD((axis, mode, f.shape[-1], _per_item(f)), x, glo, ghi)[0] \
        if needs[2] else None
    return dx, df


def _analysis_adjoint_run(static, ts):
    glo, ghi, f = ts
    ref = present((glo, ghi), "cotangents")
    axis, mode, signal_len = _axis_of(static, ref.ndim), static[1], static[2]
    f = _filters(f, ref)
    with scope(ref) as s:
        return (s.call(_learned.analysis_adjoint, glo, ghi, f, mode, axis, signal_len),)


def _analysis_adjoint_fake(static, ts):
    ref = present(ts[:2], "cotangents")
    return (ref.new_empty(with_len(ref.shape, _axis_of(static, ref.ndim), static[2])),)


def _analysis_adjoint_transpose(ctx, grads):
    (u,) = grads
    glo, ghi, f = saved(ctx)
    if u is None:
        return None, None, None
    axis, mode = ctx.static[:2]
    needs = ctx.needs_input_grad
    dlo = dhi = df = None
    if needs[1] or needs[2]:
        dlo, dhi = ANALYSIS((axis, mode), u, f)
    if needs[3]:
        df = ANALYSIS_FILTER_GRAD((axis, mode, f.shape[-1], _per_item(f)), u, glo, ghi)[0]
    return (dlo if glo is not None else None), (dhi if ghi is not None else None), df


def _synthesis_run(static, ts):
    lo, hi, f = ts
    ref = present((lo, hi), "coefficients")
    axis, mode = _axis_of(static, ref.ndim), static[1]
    f = _filters(f, ref)
    with scope(ref) as s:
        return (s.call(_learned.synthesis, lo, hi, f, mode, axis),)


def _synthesis_fake(static, ts):
    ref, f = present(ts[:2], "coefficients"), ts[2]
    axis = _axis_of(static, ref.ndim)
    return (ref.new_empty(with_len(ref.shape, axis, rec_len(ref.shape[axis], f.shape[-1],
                                                            static[1]))),)


def _synthesis_transpose(ctx, grads):
    (u,) = grads
    lo, hi, f = saved(ctx)
    if u is None:
        return None, None, None
    axis, mode = ctx.static
    needs = ctx.needs_input_grad
    dlo = dhi = df = None
    if needs[1] or needs[2]:
        dlo, dhi = SYNTHESIS_ADJOINT((axis, mode), u, f)
    if needs[3]:
        df = SYNTHESIS_FILTER_GRAD((axis, mode, f.shape[-1], _per_item(f)), lo, hi, u)[0]
    return (dlo if lo is not None else None), (dhi if hi is not None else None), df


def _synthesis_adjoint_run(static, ts):
    y, f = ts
    check_dtype(y, "the cotangent")
    axis, mode = _axis_of(static, y.ndim), static[1]
    f = _filters(f, y)
    with scope(y) as s:
        return tuple(s.call(_learned.synthesis_adjoint, y, f, mode, axis))


def _synthesis_adjoint_fake(static, ts):
    y, f = ts
    axis = _axis_of(static, y.ndim)
    shape = with_len(y.shape, axis, coeff_len_of_rec(y.shape[axis], f.shape[-1], static[1]))
    return y.new_empty(shape), y.new_empty(shape)


def _synthesis_adjoint_transpose(ctx, grads):
    ulo, uhi = grads
    y, f = saved(ctx)
    if ulo is None and uhi is None:
        return None, None
    axis, mode = ctx.static
    needs = ctx.needs_input_grad
    dy = SYNTHESIS((axis, mode), ulo, uhi, f)[0] if needs[1] else None
    df = SYNTHESIS_FILTER_GRAD((axis, mode, f.shape[-1], _per_item(f)), ulo, uhi, y)[0] \
        if needs[2] else None
    return dy, df


def _filter_grad_run(core, long_slot, static, ts):
    """analysis_filter_grad(x, glo, ghi) / synthesis_filter_grad(lo, hi, y): the core reduction."""
    axis, mode, F, items = static
    long = ts[long_slot]
    pair = ts[1:] if long_slot == 0 else ts[:2]
    check_dtype(long, "the data")
    ref = present(pair, "coefficients")
    if long.dtype != ref.dtype or long.device != ref.device:
        raise ValueError("the operands of a filter gradient must share dtype and device")
    axis = _axis_of(static, long.ndim)
    with scope(long) as s:
        operands = (long, *pair) if long_slot == 0 else (*pair, long)
        return (s.call(core, *operands, F, mode, axis, items),)


def _filter_grad_fake(long_slot, static, ts):
    long = ts[long_slot]
    F, items = static[2], static[3]
    return (long.new_empty(((long.shape[0],) if items else ()) + (2, F),
                           dtype=REAL_OF.get(long.dtype, long.dtype)),)


def _filter_grad_transpose(analysis_side, ctx, grads):
    """The transpose of a filter gradient against a filter cotangent v (2, F),
    or (items, 2, F) for per-item gradients (after vmap): the operation with
    filters v applied to the other operand(s)."""
    (v,) = grads
    ts = saved(ctx)
    if v is None:
        return None, None, None
    axis, mode = ctx.static[:2]
    needs = ctx.needs_input_grad
    if analysis_side:  # <(glo, ghi), A(v) x>
        x, glo, ghi = ts
        v = v.to(REAL_OF[x.dtype])
        dx = ANALYSIS_ADJOINT((axis, mode, x.shape[axis]), glo, ghi, v)[0] if needs[1] else None
        dlo = dhi = None
        if needs[2] or needs[3]:
            dlo, dhi = ANALYSIS((axis, mode), x, v)
        return dx, (dlo if glo is not None else None), (dhi if ghi is not None else None)
    lo, hi, y = ts  # <y, S(v) (lo, hi)>
    v = v.to(REAL_OF[y.dtype])
    dlo = dhi = None
    if needs[1] or needs[2]:
        dlo, dhi = SYNTHESIS_ADJOINT((axis, mode), y, v)
    dy = SYNTHESIS((axis, mode), lo, hi, v)[0] if needs[3] else None
    return (dlo if lo is not None else None), (dhi if hi is not None else None), dy


def _axis_rebatch(static, ndims):
    """A batch dimension in front: the axis counted from the end."""
    ndim = _first_ndim(ndims)
    return (static[0] - ndim if static[0] >= 0 else static[0],) + tuple(static[1:])


def _filter_grad_rebatch(static, ndims):
    axis, mode, F, items = static
    if items:
        return None  # one kept dimension is supported: another batch loops
    ndim = _first_ndim(ndims)
    return (axis - ndim if axis >= 0 else axis, mode, F, True)


_ONE_AXIS = "int axis, int mode"
_FG_ARGS = f"{_ONE_AXIS}, int filter_len, bool items"


def _bilinear(name, schema, run, fake, transpose, groups, required, outputs, filter_slots,
              rebatch=_axis_rebatch, static_len=2):
    n = len(groups[0]) + len(groups[1])
    return LinearOp(name, schema, run=run, fake=fake, transpose=transpose,
                    to_args=lambda s, ts: (*ts, *s),
                    from_args=lambda a: (tuple(a[n:n + static_len]), tuple(a[:n])),
                    remember=lambda s, ts: None, groups=groups, required=required,
                    leads=(0,) * n, out_leads=lambda s: (0,) * outputs,
                    filter_slots=filter_slots, rebatch=rebatch, saves_tensors=True,
                    returns_list=outputs > 1)


ANALYSIS = _bilinear(
    "analysis", f"(Tensor x, Tensor filters, {_ONE_AXIS}) -> Tensor[]",
    _analysis_run, _analysis_fake, _analysis_transpose, groups=((0,), (1,)), required=(0, 1),
    outputs=2, filter_slots=(1,))
ANALYSIS_ADJOINT = _bilinear(
    "analysis_adjoint",
    f"(Tensor? glo, Tensor? ghi, Tensor filters, {_ONE_AXIS}, SymInt signal_len) -> Tensor",
    _analysis_adjoint_run, _analysis_adjoint_fake, _analysis_adjoint_transpose,
    groups=((0, 1), (2,)), required=(2,), outputs=1, filter_slots=(2,), static_len=3)
SYNTHESIS = _bilinear(
    "synthesis", f"(Tensor? lo, Tensor? hi, Tensor filters, {_ONE_AXIS}) -> Tensor",
    _synthesis_run, _synthesis_fake, _synthesis_transpose, groups=((0, 1), (2,)),
    required=(2,), outputs=1, filter_slots=(2,))
SYNTHESIS_ADJOINT = _bilinear(
    "synthesis_adjoint", f"(Tensor y, Tensor filters, {_ONE_AXIS}) -> Tensor[]",
    _synthesis_adjoint_run, _synthesis_adjoint_fake, _synthesis_adjoint_transpose,
    groups=((0,), (1,)), required=(0, 1), outputs=2, filter_slots=(1,))
ANALYSIS_FILTER_GRAD = _bilinear(
    "analysis_filter_grad", f"(Tensor x, Tensor? glo, Tensor? ghi, {_FG_ARGS}) -> Tensor",
    functools.partial(_filter_grad_run, _learned.analysis_filter_grad, 0),
    functools.partial(_filter_grad_fake, 0), functools.partial(_filter_grad_transpose, True),
    groups=((0,), (1, 2)), required=(0,), outputs=1, filter_slots=(),
    rebatch=_filter_grad_rebatch, static_len=4)
SYNTHESIS_FILTER_GRAD = _bilinear(
    "synthesis_filter_grad", f"(Tensor? lo, Tensor? hi, Tensor y, {_FG_ARGS}) -> Tensor",
    functools.partial(_filter_grad_run, _learned.synthesis_filter_grad, 2),
    functools.partial(_filter_grad_fake, 2), functools.partial(_filter_grad_transpose, False),
    groups=((0, 1), (2,)), required=(2,), outputs=1, filter_slots=(),
    rebatch=_filter_grad_rebatch, static_len=4)

ALL_OPS: Sequence[LinearOp] = (DWTN, DWTN_ADJOINT, IDWTN, IDWTN_ADJOINT, WAVEDEC,
                                WAVEDEC_ADJOINT, WAVEREC, WAVEREC_ADJOINT, SWTN, SWTN_ADJOINT,
                                ISWTN, ISWTN_ADJOINT, PACKET_DECOMPOSE, PACKET_DECOMPOSE_ADJOINT,
                                PACKET_RECONSTRUCT, PACKET_RECONSTRUCT_ADJOINT, ANALYSIS,
                                ANALYSIS_ADJOINT, SYNTHESIS, SYNTHESIS_ADJOINT,
                                ANALYSIS_FILTER_GRAD, SYNTHESIS_FILTER_GRAD, PAD, PAD_ADJOINT)


# --- learned transforms as one call -------------------------------------------------------
# Per operation, a learned wavedec2 of three levels is 9 analyses forward and 9
# adjoints and 9 filter gradients backward, each an autograd node and a plan
# lookup (and under torch.compile a graph node; under torch.func a node per
# transform level). Such a transform runs whole instead: _LearnedRun is its
# forward, one planned core call (cuwavelet/_learned.py) with the same
# kernels, and _LearnedBackward its backward, another; under graph capture
# they run as one op each way (learned_whole, learned_whole_backward).
# Both are Functions with setup_context and vmap rules, so torch.func's grad
# (first order: torch.func always builds a graph, which nothing can
# differentiate there) and vmap (per-example banks: the core's per-item
# banks) keep them whole. A backward that builds a graph for eager autograd
# (create_graph: higher orders) differentiates the per-operation route
# instead, exact to every order; torch.func with two grad levels (Hessians)
# or over tensors that eager autograd tracks, forward-mode AD (jvp, jacfwd)
# and functionalize take the per-operation route, whose ops they know.
# A transform is a "kind" (bridges/_learned_kinds.py: Wavedec, Waverec, Swt): its
# static arguments and how its tensors go to the core and to the per-operation
# route.

_functorch = torch._C._functorch
_GRAD, _VMAP = _functorch.TransformType.Grad, _functorch.TransformType.Vmap


def _grad_levels() -> int:
    """How many torch.func grad transforms are active (-1: another kind is)."""
    keys = [i.key() for i in _functorch.get_interpreter_stack() or ()]
    return -1 if any(k not in (_GRAD, _VMAP) for k in keys) else keys.count(_GRAD)


def _tracked_below(t) -> bool:
    """Whether eager autograd tracks the tensor under t's torch.func wrappers."""
    while _functorch.is_functorch_wrapped_tensor(t):
        t = _functorch.get_unwrapped(t)
    return t.requires_grad


def fused_route(ts) -> bool:
    """Whether a learned transform of these tensors may run as one fused call
    (under torch.compile and torch.jit.trace: as the learned_whole op)."""
    if _fwad._current_level >= 0:
        return False
    if _functorch_active():
        grads = _grad_levels()
        return not graph_mode() and (grads == 0 or grads == 1 and not any(
            _tracked_below(t) for t in ts if t is not None))
    return graph_mode() or plain(ts)


def _in_front(t, dim, size):
    """t with the mapped dimension in front (broadcast where unmapped)."""
    if dim is None:
        return t.unsqueeze(0).expand(size, *t.shape)
    return t.movedim(dim, 0)


def _batched(kind, info, in_dims, operands, filters, per_item):
    """A vmap level of a whole learned call: (the kind one level down, the
    operands with the mapped dimension in front, the size to unflatten the
    outputs' first dimension by, or None). Filters (the operands at
    `filters`) shared by the batch and no per-item gradient asked for
    (per_item): one more batch dimension of the transform; else one bank per
    item (the core's per-item banks), merged with the items of an outer
    vmap where there are some already (the filters hold a dimension of
    items, the data's first)."""
    size = info.batch_size
    items = any(operands[i].ndim - (in_dims[i] is not None) == 3 for i in filters)
    shared = not (items or per_item or any(in_dims[i] is not None for i in filters))
    moved = [o if o is None or (shared and i in filters) else _in_front(o, d, size)
             for i, (o, d) in enumerate(zip(operands, in_dims))]
    if items:
        return kind, [None if m is None else m.flatten(0, 1) for m in moved], size
    return dataclasses.replace(kind, axes=tuple(a + 1 for a in kind.axes)), moved, None


def _unbatched(outputs, size) -> tuple:
    """_batched's outputs with the mapped dimension in front, and their out_dims."""
    if size is not None:
        outputs = tuple(o.unflatten(0, (size, -1)) for o in outputs)
    return tuple(outputs), (0,) * len(outputs)


def _filter_slots(kind, n_ts) -> range:
    return range(n_ts - len(kind.axes), n_ts)  # (the last entries of ts)


class _LearnedRun(torch.autograd.Function):
    """A learned transform `kind` of ts (data, then filters) as one node: its
    outputs, and with `keep` the kept arrays its backward reads. Eager calls
    hand those over in `handover` (a list forward fills and setup_context
    reads: the two run back to back); under torch.func, whose levels run
    forward apart from setup_context, they are returned after the outputs
    (not differentiable)."""

    @staticmethod
    def forward(kind, keep, handover, *ts):
        outputs, kept = _whole_forward(kind, ts, keep)
        if handover is not None:
            handover[:] = kept
        elif keep:
            return (*outputs, *kind.kept_returned(outputs, kept))
        return tuple(outputs)

    @staticmethod
    def setup_context(ctx, inputs, output):
        kind, keep, handover, *ts = inputs
        ctx.set_materialize_grads(False)
        ctx.kind, ctx.inputs, ctx.keep = kind, len(ts), keep
        ctx.under_func = handover is None  # (its tensors may outlive a torch.func level)
        if keep and handover is not None:
            ctx.save_for_backward(*ts, *handover)
        elif keep:
            returned = output[kind.count:]
            ctx.mark_non_differentiable(*returned)
            ctx.save_for_backward(*ts, *kind.kept_joined(output[:kind.count], returned,
                                                         [t is not None for t in ts]))

    @staticmethod
    def backward(ctx, *grads):
        kind, n = ctx.kind, ctx.inputs
        grads = grads[:kind.count]
        if all(g is None for g in grads):
            return (None,) * (3 + n)
        if not ctx.keep:
            raise RuntimeError("a learned transform run without its kept arrays was differentiated")
        stored = ctx.saved_tensors
        if ctx.under_func:
            stored, grads = [*map(_live, stored)], [*map(_live, grads)]
        ts, kept, needs = stored[:n], stored[n:], tuple(ctx.needs_input_grad[3:])
        if _functorch_active():  # torch.func: a node of its own (for vmap's rule)
            got = iter(_LearnedBackward.apply(kind, needs, n, len(kept), *ts, *kept, *grads))
            return (None,) * 3 + tuple(next(got) if need else None for need in needs)
        if torch.is_grad_enabled() and any(t is not None and t.requires_grad
                                           for t in (*ts, *grads)):
            # create_graph, with something to differentiate: the per-operation route
            return (None,) * 3 + tuple(_differentiated_gradients(kind, ts, grads, needs))
        return (None,) * 3 + tuple(_whole_backward(kind, ts, kept, grads, needs))

    @staticmethod
    def vmap(info, in_dims, kind, keep, handover, *ts):
        below, moved, size = _batched(kind, info, in_dims[3:], ts,
                                      _filter_slots(kind, len(ts)), False)
        keep = keep or needs_autograd(moved)  # (autograd below torch.func)
        return _unbatched(_LearnedRun.apply(below, keep, None, *moved), size)

    @staticmethod
    def run(kind, ts):
        """The outputs, through the node where autograd needs one."""
        if graph_mode():  # (the op's autograd kernel applies this Function)
            if portable_form is not None:  # inside bridges.torch.portable()
                return portable_form("learned_whole", kind, ts)
            return torch.ops.cuwavelet.learned_whole.default(_kinds.encode(kind), *_masked(ts),
                                                             False)
        if _functorch_active():
            keep = _grad_levels() > 0 or needs_autograd(ts)
            return _LearnedRun.apply(kind, keep, None, *ts)[:kind.count]
        if needs_autograd(ts):
            return _run_directly(kind, True, [], *ts)
        return kind.forward(ts, False, _core)[0]


# eager calls skip Function.apply's Python wrapper (its binding of the
# arguments to forward's signature), as LinearOp.capply does
_run_directly = super(torch.autograd.Function, _LearnedRun).apply


def _operand_groups(operands, n_ts, n_kept):
    return operands[:n_ts], operands[n_ts:n_ts + n_kept], operands[n_ts + n_kept:]


class _LearnedBackward(torch.autograd.Function):
    """_LearnedRun's backward as one node: the gradients of the entries of ts
    that need one (needs), from ts, the kept arrays and the outputs'
    cotangents (operands, in that order), under torch.func. Linear in the
    cotangents, it is differentiated only with respect to them (fused_route
    keeps higher orders off this route; what is left is a vjp's pullback
    differentiated after the vjp, its primals constants by then): the
    outputs' tangent along the cotangents' cotangents, by the per-operation
    route's forward mode."""

    @staticmethod
    def forward(kind, needs, n_ts, n_kept, *operands):
        ts, kept, grads = _operand_groups(operands, n_ts, n_kept)
        got = _whole_backward(kind, ts, kept, grads, needs)
        return tuple(torch.zeros_like(t) if g is None else g
                     for g, t, need in zip(got, ts, needs) if need)

    @staticmethod
    def setup_context(ctx, inputs, output):
        kind, needs, n_ts, n_kept, *operands = inputs
        ctx.set_materialize_grads(False)
        ctx.static = (kind, needs, n_ts, n_kept)
        ctx.save_for_backward(*operands)

    @staticmethod
    def backward(ctx, *cotangents):
        kind, needs, n_ts, n_kept = ctx.static
        wants = ctx.needs_input_grad[4:]
        if any(wants[:n_ts + n_kept]):
            raise RuntimeError("a whole learned transform's gradient was differentiated with "
                               "respect to its inputs under torch.func, which takes the "
                               "per-operation route for that (bridges/_torch_ops.py: fused_route)")
        ts, _, grads = _operand_groups(ctx.saved_tensors, n_ts, n_kept)
        wrt = [i for i, need in enumerate(needs) if need]
        along = [torch.zeros_like(ts[i]) if c is None else c for c, i in zip(cotangents, wrt)]

        def outputs(*moved):
            args = list(ts)
            for i, m in zip(wrt, moved):
                args[i] = m
            return tuple(kind.by_operations(args, _BY_OPERATIONS)[0])
        tangents = torch.func.jvp(outputs, tuple(ts[i] for i in wrt), tuple(along))[1]
        return (None,) * (4 + n_ts + n_kept) + tuple(
            None if g is None or not want else t
            for g, t, want in zip(grads, tangents, wants[n_ts + n_kept:]))

    @staticmethod
    def vmap(info, in_dims, kind, needs, n_ts, n_kept, *operands):
        filters = _filter_slots(kind, n_ts)
        below, moved, size = _batched(kind, info, in_dims[4:], operands, filters,
                                      any(needs[i] for i in filters))
        return _unbatched(_LearnedBackward.apply(below, needs, n_ts, n_kept, *moved), size)


def _differentiated_gradients(kind, ts, grads, needs) -> list:
    """The gradients of the entries of ts that need one against the outputs'
    cotangents `grads`, as a graph of the per-operation route's ops (so
    differentiable to every order); None elsewhere."""
    with torch.enable_grad():
        # Each slot differentiated gets a tensor of its own: one tensor in two
        # slots (a 2D bank's filters along both axes) has one gradient per
        # slot, each the part from that slot's use. (Tensors that nothing
        # tracks, e.g. from a torch.func level that has ended: leaves.)
        ts = [t if t is None or not need else
              t.view_as(t) if t.requires_grad else t.detach().requires_grad_()
              for t, need in zip(ts, needs)]
        outs = kind.by_operations(ts, _BY_OPERATIONS)[0]
        wrt = [t for t, need in zip(ts, needs) if need and t is not None]
        given = [j for j, g in enumerate(grads) if g is not None]
        got = iter(torch.autograd.grad([outs[j] for j in given], wrt, [grads[j] for j in given],
                                       create_graph=True, allow_unused=True))
    return [next(got) if need and t is not None else None for t, need in zip(ts, needs)]


def _live(t):
    """t, or where it wraps a torch.func level that has ended (a vjp's
    pullback called after the vjp), the tensor inside."""
    return t if t is None else _functorch.unwrap_if_dead(t)


# --- learned transforms as dispatcher ops (torch.compile, torch.jit.trace) --------------
# learned_whole(kind, ts, keep) -> outputs, then with keep the kind's returned
# kept arrays (kept_returned); learned_whole_backward(kind, ts, kept, grads,
# needs) -> the gradient of every entry of ts that needs one. Captured graphs
# hold one node each way; their fake kernels run the per-operation route on
# fake tensors (the kept arrays' shapes are that route's: the same level
# loops). Lists with None entries go as the tensors and a mask (the
# dispatcher finds no autograd key in a Tensor?[] of fake tensors); masks are
# int[] (torch.jit.trace takes no bool[]).

LIB.define("learned_whole(str kind, Tensor[] ts, int[] present, bool keep) -> Tensor[]")
LIB.define("learned_whole_backward(str kind, Tensor[] ts, int[] present, Tensor[] kept, "
           "Tensor[] grads, int[] grads_present, int[] needs) -> Tensor[]")


def _masked(ts) -> tuple:
    """(the tensors of ts, which entries they are: 1 or 0)."""
    return [t for t in ts if t is not None], [int(t is not None) for t in ts]


def _on_plain(ts) -> bool:
    return plain(ts) and _tracing_state() is None


def _whole_forward(kind, ts, keep):
    """(outputs, kept) of kind.forward, on plain tensors by the core, else
    (graph capture) through the learned_whole op."""
    if _on_plain(ts):
        return kind.forward(ts, keep, _core)
    with torch._C._AutoDispatchBelowAutograd():
        flat = torch.ops.cuwavelet.learned_whole.default(_kinds.encode(kind), *_masked(ts), keep)
    outputs = flat[:kind.count]
    if not keep:
        return outputs, []
    return outputs, kind.kept_joined(outputs, flat[kind.count:], [t is not None for t in ts])


def _whole_backward(kind, ts, kept, grads, needs):
    """kind.backward, on plain tensors by the core, else through the
    learned_whole_backward op."""
    if _on_plain([*ts, *grads]):
        return kind.backward(ts, kept, grads, needs, _core)
    if not graph_mode() and _legacy.any_batched([*ts, *kept, *grads]):
        # (torch's older vmap: a batch of cotangents, folded as torch.func's vmap folds it)
        got = iter(_legacy.folded(lambda info, dims, operands: _LearnedBackward.vmap(
            info, (None,) * 4 + tuple(dims), kind, needs, len(ts), len(kept), *operands),
            [*ts, *kept, *grads]))
        return [next(got) if need else None for need in needs]
    got = iter(torch.ops.cuwavelet.learned_whole_backward.default(
        _kinds.encode(kind), *_masked(ts), [k for k in kept if k is not None], *_masked(grads),
        [int(bool(n)) for n in needs]))
    return [next(got) if need else None for need in needs]


def _whole_kernel(code, ts, present, keep):
    kind = _kinds.decode(code)
    outputs, kept = kind.forward(_kinds.unmasked(ts, present), keep, _core)
    return [*outputs, *kind.kept_returned(outputs, kept)]


def _whole_fake(code, ts, present, keep):
    kind = _kinds.decode(code)
    outputs, kept = kind.by_operations(_kinds.unmasked(ts, present), _BY_OPERATIONS, keep)
    return [*outputs, *kind.kept_returned(outputs, kept)]


def _whole_autograd(code, ts, present, keep):
    if needs_autograd(ts):
        kind = _kinds.decode(code)
        ts = _kinds.unmasked(ts, present)
        if _functorch_active():
            return list(_LearnedRun.apply(kind, True, None, *ts)[:kind.count])
        return list(_run_directly(kind, True, [], *ts))
    with torch._C._AutoDispatchBelowAutograd():
        return torch.ops.cuwavelet.learned_whole.default(code, ts, present, keep)


def _whole_backward_kernel(code, ts, present, kept, grads, grads_present, needs):
    kind, ts = _kinds.decode(code), _kinds.unmasked(ts, present)
    kept = _kinds.unmasked(kept, kind.kept_mask(present))
    got = kind.backward(ts, kept, _kinds.unmasked(grads, grads_present), needs, _core)
    return [torch.zeros_like(t) if g is None else g
            for g, t, need in zip(got, ts, needs) if need]


def _whole_backward_fake(code, ts, present, kept, grads, grads_present, needs):
    return [t.new_empty(t.shape) for t, need in zip(_kinds.unmasked(ts, present), needs) if need]


LIB.impl("learned_whole", _whole_kernel, "CompositeExplicitAutograd")
LIB.impl("learned_whole", _whole_autograd, "Autograd")
torch.library.register_fake("cuwavelet::learned_whole", _whole_fake, lib=LIB)
LIB.impl("learned_whole_backward", _whole_backward_kernel, "CompositeExplicitAutograd")
torch.library.register_fake("cuwavelet::learned_whole_backward", _whole_backward_fake, lib=LIB)


def _core(ref, fn, *args):
    """fn(*args) in the core, in the scope of tensor ref's device."""
    with scope(ref) as s:
        return s.call(fn, *args)


# the per-operation route's two operations, as the level loops take them
_BY_OPERATIONS = _learned.LevelOps(
    lambda t, f, mode, axis: ANALYSIS((axis, mode), t, f),
    lambda lo, hi, f, mode, axis: SYNTHESIS((axis, mode), lo, hi, f)[0])


def _fused_call(kind, ts) -> list:
    return list(_LearnedRun.run(kind, ts))


def learned_wavedec(x, filters, modes, axes, level) -> list:
    """A learned decomposition on the fused route (fused_route must hold):
    [cA_L, details of level L (key order), ..., details of level 1]; axes
    counted from the end or not."""
    filters = [_filters(f, x) for f in filters]
    kind = _kinds.Wavedec(tuple(modes), tuple(norm_axes(axes, x.ndim)), int(level))
    return _fused_call(kind, (x, *filters))


def learned_swt(x, filters, axes, start_level, level) -> list:
    """A learned stationary transform on the fused route (fused_route must
    hold): every level's 2**k subbands, finest level first, key order."""
    filters = [_filters(f, x) for f in filters]
    kind = _kinds.Swt(tuple(norm_axes(axes, x.ndim)), int(start_level), int(level))
    return _fused_call(kind, (x, *filters))


def learned_waverec(a, details, filters, modes, axes, trim_first, stationary=False):
    """A learned inverse on the fused route (fused_route must hold): details
    per level, coarsest first, the 2**k - 1 detail subbands in key order
    (None where absent); stationary: an inverse SWT (modes unused)."""
    filters = [_filters(f, a) for f in filters]
    kind = _kinds.Waverec(tuple(modes), tuple(norm_axes(axes, a.ndim)), bool(trim_first), len(details),
                    bool(stationary))
    out = _LearnedRun.run(kind, (a, *_kinds.flat(details), *filters))
    return out if isinstance(out, torch.Tensor) else out[0]
