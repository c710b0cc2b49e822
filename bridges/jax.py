"""cuwavelet for jax.Array: pywt's transforms (same names, arguments and
coefficient structures), differentiable in forward and reverse mode (jax.jvp,
jax.jacfwd, jax.grad, jax.vjp, jax.jacrev, jax.hessian), under jax.jit and
jax.vmap, through cuwavelet's exact adjoints.

Design
------
Four linear level operations are JAX primitives (_LinearOp):

    _dwtn(x)                 -> subbands   one analysis level over `axes`
    _dwtn_adjoint(subbands)  -> x          its transpose
    _idwtn(subbands)         -> y          one synthesis level (None entries are zeros)
    _idwtn_adjoint(y)        -> subbands   its transpose

each with the rules of a linear map: its JVP is the operation applied to the
tangent, its transpose (reverse mode) is the paired operation, the core's
exact adjoint, and both are primitives again, so derivatives of every order
in either mode are exact. Its batching rule moves the mapped axis to the
front and makes one call: axes are stored counted from the end, so a leading
batch axis is one more batch axis of the transform (jax.vmap is one call per
level, not a loop). Absent operands (None) are zeros, which is also how
symbolic-zero tangents and cotangents are passed on. The multilevel
transforms are Python loops over the four (bridges._frontend, shared with the
torch bridge); waverec's trimming is slicing, which JAX differentiates. But
wavedec* and waverec* of 2+ levels are one primitive each (_wavedec,
_waverec and their transposes, below), so that the core runs them whole: on
a GPU its multi-level kernels.

A new linear operation is declared once, with its transpose::

    OP = _linear_op("name", core, out_avals)     # core(arrays, outs=None, **params) ->
    OP_T = _linear_op("name_adjoint", ...)       # tuple of NumPy/CuPy arrays; out_avals(
    _transposes(OP, OP_T)                        # arrays, **params) -> ShapeDtypeStructs
    OP((x,), **params) -> tuple of jax.Array     # params: static, hashable

The stationary transforms (swt ... iswtn), the packet level transforms
(packet_decompose, packet_reconstruct) and pad are linear primitives too,
each declared with its transpose, so forward and reverse mode work on them as
on the level operations: _swtn/_swtn_adjoint, _iswtn/_iswtn_adjoint,
_packet_decompose/..._adjoint and _packet_reconstruct/..._adjoint are whole
multilevel operations (_linear_pair; bridges._frontend_swt_packets has their
argument handling, shared with the torch bridge), _PAD/_PAD_ADJOINT pywt.pad.

A learned filter bank (four JAX arrays, traced: a model's parameters) has
two routes. Per operation, the DWT family runs one axis at a time through
the three partial derivatives of two trilinear forms, one level's analysis
<c, B_f x> and synthesis <y, S_f c>: the coefficients (B_f x), the data's
adjoint and the filters' gradient (cuwavelet/_filter_grad.py) are one
another's transposes, each a primitive bilinear in its two operands, so
derivatives of every order work in forward and reverse mode, under jit and
vmap; the stationary transforms run through the same two operations in a
stationary mode. Whole, a learned wavedec*, waverec*, swt* or iswt* (and
the transforms built on them) is one primitive (RUN), whose JVP is RUN
keeping what its backward reads plus a primitive linear in the tangents
(TANGENT) whose transpose is the whole backward (BACKWARD): reverse mode,
also under vmap, is one core call each way; forward mode and higher orders
run the per-operation route through those primitives' other rules. The
whole route is the one taken; the per-operation route is what it falls
back on.

How arrays reach the core, and where copies happen
--------------------------------------------------
* Eager calls of every primitive (dwt ... waverecn, the stationary and packet
  transforms, pad; including eager jax.grad and jax.jvp) run as their
  primitive compiled alone, JAX's own
  impl rule (``apply_primitive``: compiled once per shapes and parameters),
  so they take the traced route below, on XLA's buffers: no DLPack import
  or export per array, which cost about 70 us each on the CPU. Without
  buffer_callback (or ``EAGER_COMPILED = False``) they take the route of
  concrete arrays:

* Concrete arrays (eager calls without the compiled route):

  - CPU: inputs reach the core without a copy (``numpy.from_dlpack``, a
    read-only view of the XLA buffer). Results go back with
    ``jax.dlpack.from_dlpack``: XLA adopts a NumPy buffer without a copy only
    when it is 64-byte aligned. The core's allocations are made 64-byte
    aligned, so whole results (inverse levels, adjoints of analysis levels) are
    adopted; subbands, which are views into one buffer, are copied by JAX
    unless their offsets happen to be aligned.
  - GPU: DLPack both ways to CuPy; the CUDA kernels run on the device (JAX
    may copy an unaligned subband on import, as above).
  - Results XLA cannot import as views (a trimmed packet reconstruction, a
    strided view) are made compact first: one copy.

* Traced arrays (under jax.jit, or any transformation staged into a
  computation): ``jax.experimental.buffer_callback``, which hands the
  callback XLA's own buffers. The core reads the inputs in place (NumPy views
  on CPU; on GPU CuPy views of the device buffers, with the kernels launched
  on XLA's stream, without synchronizing). The level and stationary
  operations write their results straight into XLA's output buffers where
  the plan allocates them whole (``cuwavelet._program.results_into``: the
  fused GPU kernels' subbands and images, the CPU's inverse levels and
  adjoints, every array of the stationary transforms and their adjoints),
  and so do pad and its adjoint (their last launch); the rest (subbands the
  CPU route writes as views of one buffer, the packet transforms' nodes,
  float16 pads, computed in float32) is copied once into them (a device-to-device copy on GPU, in
  stream order). Nothing goes through the host.
* A JAX without buffer_callback falls back to ``jax.pure_callback``: JAX
  copies the operands into host buffers for the callback and copies the
  results back (on GPU a device-to-host and a host-to-device transfer, and the
  transform then runs on the CPU). ``benchmarks/bench_jax.py`` times both.
* Inside ``portable()`` nothing reaches the core: the transforms trace as
  jax.numpy operations (bridges/_portable.py), which ``jax.export`` can
  serialize (it cannot serialize the callbacks above).

dtypes: float32, float64, complex64 and complex128 as given (float64 needs
``jax_enable_x64``); float16 and bfloat16 are computed in float32 and cast
back; integers and bools are computed in JAX's default float dtype.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
from dataclasses import dataclass
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
from jax.interpreters import ad, batching, mlir

try:
    from jax.extend.core import Primitive
except ImportError:  # JAX before jax.extend.core
    from jax.core import Primitive
try:
    from jax.core import ShapedArray
except ImportError:  # a JAX whose jax.core no longer re-exports it
    from jax._src.core import ShapedArray
try:
    from jax.experimental.buffer_callback import ExecutionStage
    from jax.experimental.buffer_callback import buffer_callback as _buffer_callback
except ImportError:  # JAX before buffer_callback: host copies through pure_callback
    _buffer_callback = None
try:  # JAX's own impl rule: a primitive compiled alone (once per shapes and params) and run
    from jax._src.dispatch import apply_primitive as _apply_primitive
except ImportError:  # a JAX that moved it: eager level operations take the DLPack route
    _apply_primitive = None
# Eager level operations run as their compiled primitive (on XLA's buffers,
# like a jitted call) where buffer_callback exists; False: the DLPack route
# (benchmarks/bench_jax.py compares the two).
EAGER_COMPILED = True
# ... except operations that cannot write their results into XLA's outputs
# (the packet primitives: a level's nodes are views of one array, copied
# there) with more than this many bytes of results on the CPU, where that copy
# costs more than the DLPack route, which hands XLA the core's own arrays.
EAGER_COPY_LIMIT = 1 << 20
# Learned transforms run whole (RUN, TANGENT, BACKWARD below); False: per
# operation (benchmarks/bench_jax.py --learned compares the two).
WHOLE_LEARNED = True

from cuwavelet import _multilevel as ml
from cuwavelet import _cwt, _padding
from cuwavelet._docs import shared_docs
from cuwavelet._arrays import allocator, array_module
from cuwavelet._program import results_into
from cuwavelet._separable import check_one_shape
from cuwavelet._packets import (BaseNode, TreeArrays, _level_shapes, decompose_level, decompose_level_adjoint,
                                reconstruct_level, reconstruct_level_adjoint,
                                untrimmed_data_shape, untrimmed_level_shapes)
from cuwavelet._filter_bank_conditions import alternating_signs
from cuwavelet._filter_bank_conditions import conditions as filter_bank_conditions
from cuwavelet._filter_grad import analysis_filter_grad, synthesis_filter_grad
from cuwavelet import _lattice, _learned
from cuwavelet._shapes import coeff_len, coeff_len_of_rec, rec_len, with_len
from cuwavelet._wavelets import as_filter_bank, as_mode, check_signal_length, per_axis
from cuwavelet.transforms import banks_and_modes as _core_banks_and_modes
from cuwavelet._stationary import (PERIODIZATION, iswtn_levels, iswtn_levels_adjoint, swtn_levels,
                                   swtn_levels_adjoint)

from . import _learned_kinds as _kinds
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
from ._frontend_cwt import (arguments as cwt_arguments, docstring as cwt_docstring,
                            learned_call as cwt_learned_call, route as cwt_route)

__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn", "swt", "iswt", "swt2", "iswt2", "swtn",
           "iswtn", "packet_decompose", "packet_reconstruct", "WaveletPacket", "WaveletPacket2D",
           "WaveletPacketND", "mra", "mra2", "mran", "imra",
           "imra2", "imran", "threshold", "threshold_firm", "pad",
           "coeffs_to_array", "array_to_coeffs", "ravel_coeffs", "unravel_coeffs",
           "downcoef", "upcoef", "fswavedecn", "fswaverecn", "filter_bank_errors",
           "lattice_filter_bank", "orthogonal_filter_bank", "qmf", "portable", "cwt"]

_CORE_DTYPES = tuple(np.dtype(d) for d in (np.float32, np.float64, np.complex64, np.complex128))
_LOW_PRECISION = (np.dtype(jnp.float16), np.dtype(jnp.bfloat16))
_DLPACK_CUDA = 2  # DLPack's device type of CUDA memory


@dataclass(frozen=True)
class _Spec:
    """Static arguments of a level operation (hashable): axes counted from the end."""
    axes: tuple
    banks: tuple
    modes: tuple

    def core(self, ndim):
        return [a % ndim for a in self.axes], list(self.banks), list(self.modes)

    @property
    def keys(self):
        return subband_keys(len(self.axes))


def _with_lens(shape, axes, lens):
    shape = tuple(shape)
    for ax, n in zip(axes, lens):
        shape = with_len(shape, ax % len(shape), n)
    return shape


# --- running a core function on JAX arrays ------------------------------------------

def _aligned_empty(xp, shape, dtype):
    """A 64-byte aligned NumPy array, so that XLA can adopt it without a copy."""
    if xp is not np:
        return xp.empty(shape, dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + 64, np.uint8)
    start = -raw.ctypes.data % 64
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def _run(fn, arrays, out_avals):
    """out = fn(*core arrays) for JAX arrays (None entries passed as None);
    fn returns a tuple of core arrays shaped like out_avals. Concrete arrays
    reach the core by DLPack; traced ones (under jit) through a callback."""
    # cotangents may come as other arrays (JAX's materialized zeros are NumPy-like)
    arrays = tuple(a if a is None or isinstance(a, jax.Array) else jnp.asarray(a) for a in arrays)
    present = [a for a in arrays if a is not None]
    if not any(isinstance(a, jax.core.Tracer) for a in present):
        platform = next(iter(present[0].devices())).platform
        if platform == "cpu":
            with allocator(_aligned_empty):
                outs = fn(*[None if a is None else np.from_dlpack(a) for a in arrays])
                return tuple(jax.dlpack.from_dlpack(_compact(o)) for o in outs)
        if platform == "gpu" and _has_cupy():
            return _run_cupy(fn, arrays)
    return _run_callback(fn, arrays, out_avals)


def _run_callback(fn, arrays, out_avals):
    """fn as an operation of the traced computation: on XLA's own buffers
    (buffer_callback) where this JAX has it, else on host copies (pure_callback)."""
    mask = [a is not None for a in arrays]
    operands = [a for a in arrays if a is not None]

    def with_none(given):
        given = iter(given)
        return [next(given) if m else None for m in mask]

    if _buffer_callback is None:
        def host(*given):
            return tuple(fn(*with_none(np.asarray(g) for g in given)))
        return jax.pure_callback(host, tuple(out_avals), *operands, vmap_method="broadcast_all")

    def on_buffers(ctx, outs, *ins):
        if ctx.stage != ExecutionStage.EXECUTE:  # XLA may call it to prepare too
            return
        device_type, device_id = ins[0].__dlpack_device__()
        if device_type == _DLPACK_CUDA:
            _on_gpu_buffers(fn, ctx.stream, device_id, outs, with_none(ins))
        else:
            _on_cpu_buffers(fn, outs, with_none(ins))

    # vmap of the linear primitives never gets here (their batching rule makes
    # one call)
    return tuple(_buffer_callback(on_buffers, tuple(out_avals),
                                  vmap_method="broadcast_all")(*operands))


def _on_cpu_buffers(fn, outs, ins):
    """The core on NumPy views of XLA's buffers, writing into the outputs
    where it can (_written_into), else copied there."""
    def view(b):
        v = np.asarray(b).view()
        v.flags.writeable = False
        return v
    targets = [np.asarray(o) for o in outs]
    results = _written_into(fn, [None if b is None else view(b) for b in ins], targets)
    for t, r in zip(targets, results):
        if r is not t:
            np.copyto(t, r)


def _written_into(fn, ins, targets):
    """fn(*ins), asking a core function that can (`writes_into`: the level
    operations) to write its results straight into `targets` (XLA's output
    buffers): cuwavelet._program.results_into. A result that landed there is
    the target itself; the others still need copying."""
    if getattr(fn, "writes_into", False):
        return fn(*ins, outs=targets)
    return fn(*ins)


def _on_gpu_buffers(fn, stream, device_id, outs, ins):
    """The core's kernels on CuPy views of XLA's device buffers, on XLA's
    stream (no synchronization, no host copies), writing into the outputs
    where they can (_written_into), else copied there on the device, in
    stream order."""
    import cupy
    with cupy.cuda.Device(device_id), cupy.cuda.ExternalStream(stream, device_id):
        targets = [_cupy_view(o, device_id) for o in outs]
        results = _written_into(fn, [None if b is None else _cupy_view(b, device_id) for b in ins],
                                targets)
        for t, r in zip(targets, results):
            if r is not t:
                t[...] = r


def _cupy_view(buffer, device_id):
    """A CuPy array over a device buffer's memory, built from its
    __cuda_array_interface__ pointer: cupy.asarray would synchronize with the
    stream the interface names, DLPack would hand streams over."""
    import cupy
    cai = buffer.__cuda_array_interface__
    dtype = np.dtype(cai["typestr"])
    shape = tuple(cai["shape"])
    strides = cai.get("strides")
    if strides is None:
        extent = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    else:
        extent = (sum((n - 1) * s for n, s in zip(shape, strides)) + dtype.itemsize
                  if all(shape) else 0)
    memory = cupy.cuda.UnownedMemory(cai["data"][0], extent, buffer, device_id)
    return cupy.ndarray(shape, dtype, cupy.cuda.MemoryPointer(memory, 0), strides=strides)


def _run_cupy(fn, arrays):
    import cupy
    device = next(iter(next(a for a in arrays if a is not None).devices()))
    with cupy.cuda.Device(device.local_hardware_id):
        outs = fn(*[None if a is None else cupy.from_dlpack(a) for a in arrays])
        return tuple(jax.dlpack.from_dlpack(_compact(o)) for o in outs)


def _compact(a):
    """XLA imports only compact (possibly transposed) layouts: a strided view,
    e.g. a trimmed reconstruction, is copied first."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return a
    return array_module(a).ascontiguousarray(a)


def _has_cupy() -> bool:
    return importlib.util.find_spec("cupy") is not None


# --- linear operations as JAX primitives -----------------------------------------------

# Inside bridges.jax.portable(): (op name, arrays, params) -> the operation's
# results computed by jax.numpy operations (bridges/_jax_portable.py), traced
# in the primitive's place.
portable_form = None


def _filled(operands, present):
    """operands (the present ones) with None where present is False."""
    given = iter(operands)
    return [next(given) if p else None for p in present]


class _LinearOp:
    """A linear map from a tuple of arrays (None entries: zeros) to a tuple of
    arrays, as a JAX primitive that JAX differentiates both ways and batches.

    core(arrays, outs, **params)      runs it on core arrays (NumPy or CuPy);
        -> tuple                      None entries are zero inputs; outs: None,
                                      or arrays to write the results into
                                      where the core can (results_into).
    out_avals(arrays, **params)       the results' jax.ShapeDtypeStructs, from
        -> list                       the given arrays (or avals; None kept).
    Static params are keyword arguments, hashable. `transpose` (set by
    _transposes) is the op computing the transposed map with the same params:
    its results are the cotangents of this op's inputs, all of them.
    """

    def __init__(self, name: str, core, out_avals, writes_into: bool = True,
                 leads: tuple = (0, 0)):
        self.name, self.core, self.out_avals = name, core, out_avals
        self.writes_into = writes_into  # core honours outs (results_into)
        # where a batch dimension goes in the inputs and comes out of the
        # results: 0, or 1 behind cwt's scales
        self.in_lead, self.out_lead = leads
        self.transpose = None
        p = self.primitive = Primitive(f"cuwavelet_{name}")
        p.multiple_results = True
        p.def_impl(self._eager)
        p.def_abstract_eval(self._abstract_eval)
        ad.primitive_jvps[p] = self._jvp
        ad.primitive_transposes[p] = self._transpose
        batching.primitive_batchers[p] = self._batch
        mlir.register_lowering(p, mlir.lower_fun(self._impl, multiple_results=True))

    def __call__(self, arrays, **params) -> tuple:
        """The op's results for `arrays` (a tuple, None entries meaning zeros)."""
        present = tuple(a is not None for a in arrays)
        if not any(present):
            raise ValueError(f"{self.name}: at least one input must be given.")
        if portable_form is not None:  # inside bridges.jax.portable()
            return portable_form(self.name, arrays, params)
        return tuple(self.primitive.bind(*[a for a in arrays if a is not None],
                                         present=present, **params))

    @staticmethod
    def _with_none(operands, present) -> tuple:
        return tuple(_filled(operands, present))

    def _eager(self, *operands, **params):
        """The impl rule (an eager bind): the primitive compiled alone where
        it can run on XLA's buffers, else _impl (DLPack)."""
        if EAGER_COMPILED and _apply_primitive is not None and _buffer_callback is not None \
                and (self.writes_into or not self._large_on_cpu(operands, params)):
            return _apply_primitive(self.primitive, *operands, **params)
        return self._impl(*operands, **params)

    def _large_on_cpu(self, operands, params) -> bool:
        """Results past EAGER_COPY_LIMIT bytes, on the CPU."""
        devices = getattr(operands[0], "devices", None)  # NumPy-like operands: host memory
        if devices is not None and next(iter(devices())).platform != "cpu":
            return False
        outs = self.out_avals(self._with_none(operands, params["present"]),
                              **{k: v for k, v in params.items() if k != "present"})
        return sum(int(np.prod(o.shape)) * np.dtype(o.dtype).itemsize for o in outs) \
            > EAGER_COPY_LIMIT

    def _impl(self, *operands, present, **params):
        # concrete arrays (eager) and tracers (lowering under jit) both go by _run
        arrays = self._with_none(operands, present)

        def run(*a, outs=None):
            return self.core(a, outs=outs, **params)
        run.writes_into = self.writes_into
        return _run(run, arrays, self.out_avals(arrays, **params))

    def _abstract_eval(self, *avals, present, **params):
        outs = self.out_avals(self._with_none(avals, present), **params)
        return [ShapedArray(o.shape, o.dtype) for o in outs]

    def _jvp(self, primals, tangents, *, present, **params):
        # linear: the tangent of the result is the op applied to the tangents
        out = self.primitive.bind(*primals, present=present, **params)
        given = [None if type(t) is ad.Zero else t for t in tangents]
        if all(t is None for t in given):  # JAX skips this case; kept for safety
            return out, [jnp.zeros_like(o) for o in out]
        full = self._with_none(given, present)
        return out, list(self(full, **params))

    def _transpose(self, cotangents, *operands, present, **params):
        cts = tuple(None if type(c) is ad.Zero else c for c in cotangents)
        if all(c is None for c in cts):
            return [None] * len(operands)
        full = self.transpose(cts, **params)
        taken = [t for t, p in zip(full, present) if p]
        # an operand that is not a linear input (a constant) gets no cotangent
        return [t if ad.is_undefined_primal(o) else None for t, o in zip(taken, operands)]

    def _batch(self, operands, dims, *, present, **params):
        # params count axes from the end: a leading batch axis is one more batch axis
        size, lead = next(o.shape[d] for o, d in zip(operands, dims) if d is not None), self.in_lead
        moved = [jnp.broadcast_to(jnp.expand_dims(o, lead),
                                  o.shape[:lead] + (size,) + o.shape[lead:])
                 if d is None else jnp.moveaxis(o, d, lead) for o, d in zip(operands, dims)]
        out = self.primitive.bind(*moved, present=present, **params)
        return out, [self.out_lead] * len(out)


def _linear_op(name: str, core, out_avals, writes_into: bool = True,
               leads: tuple = (0, 0)) -> _LinearOp:
    """Declares a linear operation (see _LinearOp); pair it with its transpose
    by _transposes. writes_into: whether core writes into `outs` where it can;
    leads: the dimension a vmapped batch takes in the inputs and the results."""
    return _LinearOp(name, core, out_avals, writes_into, leads)


def _transposes(a: _LinearOp, b: _LinearOp) -> None:
    """Declares a and b transposes of each other (with the same params)."""
    a.transpose, b.transpose = b, a


# --- the four level operations ---------------------------------------------------------

def _dwtn_core(arrays, *, spec: _Spec, sizes: tuple, outs=None):
    (x,) = arrays
    with results_into(None if outs is None else dict(zip(spec.keys, outs))):
        sub = ml.dwtn(x, *spec.core(x.ndim))
    return tuple(sub[k] for k in spec.keys)


def _checked_coeff_len(n: int, filter_len: int, mode: int) -> int:
    """coeff_len, after the core's refusal of a length the mode cannot
    extend: here, at trace time, it reaches the caller as the ValueError it
    is (raised in the core's callback, a runtime error would wrap it)."""
    check_signal_length(mode, n)
    return coeff_len(n, filter_len, mode)


def _dwtn_avals(arrays, *, spec: _Spec, sizes: tuple):
    (x,) = arrays
    lens = [_checked_coeff_len(n, b.length, m) for n, b, m in zip(sizes, spec.banks, spec.modes)]
    return [jax.ShapeDtypeStruct(_with_lens(x.shape, spec.axes, lens), x.dtype)] * len(spec.keys)


def _dwtn_adjoint_core(subbands, *, spec: _Spec, sizes: tuple, outs=None):
    cots = {k: s for k, s in zip(spec.keys, subbands) if s is not None}
    shape = next(iter(cots.values())).shape
    axes, banks, modes = spec.core(len(shape))
    with results_into(None if outs is None else outs[0]):
        return (ml.dwtn_adjoint(cots, axes, banks, modes, _with_lens(shape, axes, sizes)),)


def _dwtn_adjoint_avals(subbands, *, spec: _Spec, sizes: tuple):
    ref = next(s for s in subbands if s is not None)
    return [jax.ShapeDtypeStruct(_with_lens(ref.shape, spec.axes, sizes), ref.dtype)]


def _idwtn_core(subbands, *, spec: _Spec, outs=None):
    c = {k: s for k, s in zip(spec.keys, subbands) if s is not None}
    with results_into(None if outs is None else outs[0]):
        return (ml.idwtn(c, *spec.core(_ndim(subbands))),)


def _idwtn_avals(subbands, *, spec: _Spec):
    check_one_shape(dict(zip(spec.keys, subbands)))  # (now, not in the core's callback)
    ref = next(s for s in subbands if s is not None)
    lens = [rec_len(ref.shape[a], b.length, m) for a, b, m in zip(spec.axes, spec.banks, spec.modes)]
    return [jax.ShapeDtypeStruct(_with_lens(ref.shape, spec.axes, lens), ref.dtype)]


def _idwtn_adjoint_core(arrays, *, spec: _Spec, outs=None):
    (y,) = arrays
    with results_into(None if outs is None else dict(zip(spec.keys, outs))):
        sub = ml.idwtn_adjoint(y, *spec.core(y.ndim))
    return tuple(sub[k] for k in spec.keys)


def _idwtn_adjoint_avals(arrays, *, spec: _Spec):
    (y,) = arrays
    lens = [coeff_len_of_rec(y.shape[a], b.length, m)
            for a, b, m in zip(spec.axes, spec.banks, spec.modes)]
    return [jax.ShapeDtypeStruct(_with_lens(y.shape, spec.axes, lens), y.dtype)] * len(spec.keys)


def _ndim(arrays):
    return next(a for a in arrays if a is not None).ndim


_DWTN = _linear_op("dwtn", _dwtn_core, _dwtn_avals)
_DWTN_ADJOINT = _linear_op("dwtn_adjoint", _dwtn_adjoint_core, _dwtn_adjoint_avals)
_IDWTN = _linear_op("idwtn", _idwtn_core, _idwtn_avals)
_IDWTN_ADJOINT = _linear_op("idwtn_adjoint", _idwtn_adjoint_core, _idwtn_adjoint_avals)
_transposes(_DWTN, _DWTN_ADJOINT)
_transposes(_IDWTN, _IDWTN_ADJOINT)


def _dwtn(x, spec: _Spec, sizes: tuple) -> tuple:
    """One analysis level over spec.axes: the subbands in spec.keys' order."""
    return _DWTN((x,), spec=spec, sizes=sizes)


def _dwtn_adjoint(subbands: tuple, spec: _Spec, sizes: tuple):
    """The transpose of _dwtn (None subbands are zeros); `sizes` are the input's lengths."""
    return _DWTN_ADJOINT(tuple(subbands), spec=spec, sizes=sizes)[0]


def _idwtn(subbands: tuple, spec: _Spec):
    """One synthesis level (None subbands are zeros)."""
    return _IDWTN(tuple(subbands), spec=spec)[0]


def _idwtn_adjoint(y, spec: _Spec) -> tuple:
    """The transpose of _idwtn: one subband per key."""
    return _IDWTN_ADJOINT((y,), spec=spec)


# --- pywt.pad -----------------------------------------------------------------------------
# widths: (before, after) of the trailing dimensions, sizes: the data's lengths
# there, so that a batch axis in front (vmap) is one more unpadded dimension.
# The core allocates its results (pad is not planned): under jit they are
# copied into XLA's output buffers.

def _pad_widths(ndim: int, widths: tuple) -> list:
    """The widths of every dimension: None for a batch dimension in front
    (neither padded nor, in periodization, made even)."""
    return [None] * (ndim - len(widths)) + [list(w) for w in widths]


def _pad_core(arrays, *, widths: tuple, mode: int, sizes: tuple, outs=None):
    (x,) = arrays
    return (_padding.pad_core(x, _pad_widths(x.ndim, widths), mode,
                              into=None if outs is None else outs[0]),)


def _pad_avals(arrays, *, widths: tuple, mode: int, sizes: tuple):
    (x,) = arrays
    return [jax.ShapeDtypeStruct(_padding.padded_shape(x.shape, _pad_widths(x.ndim, widths),
                                                       mode), x.dtype)]


def _pad_data_shape(g, sizes: tuple) -> tuple:
    return tuple(g.shape[:g.ndim - len(sizes)]) + tuple(sizes)


def _pad_adjoint_core(arrays, *, widths: tuple, mode: int, sizes: tuple, outs=None):
    (g,) = arrays
    return (_padding.pad_adjoint_core(g, _pad_widths(g.ndim, widths), mode,
                                      _pad_data_shape(g, sizes),
                                      into=None if outs is None else outs[0]),)


def _pad_adjoint_avals(arrays, *, widths: tuple, mode: int, sizes: tuple):
    (g,) = arrays
    return [jax.ShapeDtypeStruct(_pad_data_shape(g, sizes), g.dtype)]


_PAD = _linear_op("pad", _pad_core, _pad_avals)
_PAD_ADJOINT = _linear_op("pad_adjoint", _pad_adjoint_core, _pad_adjoint_avals)
_transposes(_PAD, _PAD_ADJOINT)


# pywt.cwt: the coefficients have the scales in front of the data's dimensions
# (a vmapped batch goes behind them). params: spec (the wavelet's name and
# bounds), scales (values, dtype name), precision, axis (from the end), real
# (the data is real). JAX transposes without conjugating: the transpose is
# conj(A^H conj(c)), its real part for real data.

def _cwt_core(arrays, *, spec, scales, precision, axis, real, outs=None):
    (x,) = arrays
    return (_cwt.cwt_core(x, spec, _cwt.scales_of(scales), precision, axis % x.ndim,
                          out=None if outs is None else outs[0]),)


def _cwt_avals(arrays, *, spec, scales, precision, axis, real):
    (x,) = arrays
    return [jax.ShapeDtypeStruct((len(scales[0]),) + tuple(x.shape),
                                 _cwt.output_dtype(spec, x.dtype))]


def _cwt_transpose_core(arrays, *, spec, scales, precision, axis, real, outs=None):
    (c,) = arrays
    xp = array_module(c)
    complex_ = _cwt.output_dtype(spec, c.dtype).kind == "c"
    conj = (lambda a: xp.conj(a)) if complex_ else (lambda a: a)
    t = conj(_cwt.cwt_adjoint_core(conj(c), spec, _cwt.scales_of(scales), precision,
                                   axis % (c.ndim - 1)))
    return (xp.ascontiguousarray(t.real) if real and t.dtype.kind == "c" else t,)


def _cwt_transpose_avals(arrays, *, spec, scales, precision, axis, real):
    (c,) = arrays
    dtype = _cwt.output_dtype(spec, c.dtype)
    return [jax.ShapeDtypeStruct(tuple(c.shape[1:]),
                                 np.finfo(dtype).dtype if real and dtype.kind == "c" else dtype)]


_CWT = _linear_op("cwt", _cwt_core, _cwt_avals, leads=(0, 1))
_CWT_TRANSPOSE = _linear_op("cwt_transpose", _cwt_transpose_core, _cwt_transpose_avals,
                            writes_into=False, leads=(1, 0))
_transposes(_CWT, _CWT_TRANSPOSE)


# --- the stationary and packet transforms: linear operations in pairs ------------------
# Each is a linear primitive of a tuple of arrays (None: absent, zero) whose
# transpose is its partner; they run whole multilevel transforms in the core
# (cuwavelet._stationary's swtn_levels ..., cuwavelet._packets' decompose_level
# ...). Packet levels travel as tuples of nodes, so that a batch dimension
# added in front (jax.vmap) stays a batch dimension of every array.

@dataclass(frozen=True)
class _Levels:
    """Static arguments of a multilevel operation (hashable): axes counted from
    the end; sizes: the data's lengths along the axes (packets; None: untrimmed)."""
    axes: tuple
    banks: tuple
    modes: tuple
    level: int
    start_level: int = 0
    sizes: tuple | None = None
    trim_first: bool = True  # (waverec: pywt's trim of the first level's approximation)

    def core(self, ndim):
        return [a % ndim for a in self.axes], list(self.banks), list(self.modes)

    @property
    def keys(self):
        return subband_keys(len(self.axes))

    @property
    def nodes(self) -> int:
        return 2 ** (len(self.axes) * self.level)

    def level_shapes(self, node_shape):
        """The data shape of every packet level (0: the data), from the nodes' shape."""
        axes, banks, modes = self.core(len(node_shape))
        return _level_shapes(_with_lens(node_shape, axes, self.sizes), axes, banks, modes,
                             self.level)


def _linear_pair(name: str, run, avals, run_t, avals_t, writes_into: bool = False):
    """Two linear operations (_LinearOp), each the other's transpose, as
    functions op(arrays, static) -> tuple of arrays. run(static, *core
    arrays, outs=None) -> tuple of core arrays, None entries being zeros
    (outs: XLA's output buffers to write into where the core can, for the
    pairs declared writes_into; the others' results are copied there);
    avals(static, arrays) -> their ShapeDtypeStructs. static: a _Levels
    (hashable, axes counted from the end, so that vmap's batch axis in front
    is one more batch axis)."""
    def declare(op_name, run, avals):
        def core(arrays, *, static, outs=None):
            return run(static, *arrays, outs=outs)
        return _linear_op(op_name, core, lambda arrays, *, static: avals(static, arrays),
                          writes_into)
    op, op_t = declare(name, run, avals), declare(name + "_adjoint", run_t, avals_t)
    _transposes(op, op_t)
    return (lambda ts, static: op(tuple(ts), static=static),
            lambda gs, static: op_t(tuple(gs), static=static))


def _like(a, count=1, shape=None):
    return [jax.ShapeDtypeStruct(a.shape if shape is None else shape, a.dtype)] * count


def _first(ts):
    return next(t for t in ts if t is not None)


def _by_level(flat, keys, level):
    """[{key: flat entry}, ...] of `level` levels, len(keys) entries each, in
    flat's order (None: flat is None)."""
    k = len(keys)
    return None if flat is None else [dict(zip(keys, flat[j * k:(j + 1) * k]))
                                      for j in range(level)]


# The stationary level functions are planned (cuwavelet._program) and
# allocate every result whole (each subband an array of its own), so their
# results land in XLA's buffers (results_into).

def _swtn_run(spec, x, outs=None):
    axes, banks, _ = spec.core(x.ndim)
    into = _by_level(outs, spec.keys, spec.level)  # (outs: coarsest first, as the results)
    with results_into(None if into is None else into[::-1]):
        levels = swtn_levels(x, axes, banks, spec.start_level, spec.level)
    return tuple(d[k] for d in levels[::-1] for k in spec.keys)


def _swtn_adjoint_run(spec, *cots, outs=None):
    ref = _first(cots)
    axes, banks, _ = spec.core(ref.ndim)
    coarsest_first = _by_level(cots, spec.keys, spec.level)
    with results_into(None if outs is None else outs[0]):
        return (swtn_levels_adjoint(coarsest_first[::-1], axes, banks, spec.start_level,
                                    ref.shape, array_module(ref), ref.dtype),)


_swtn, _swtn_adjoint = _linear_pair(
    "swtn", _swtn_run, lambda spec, ts: _like(ts[0], spec.level * len(spec.keys)),
    _swtn_adjoint_run, lambda spec, ts: _like(_first(ts)), writes_into=True)


def _iswtn_run(spec, a, *details, outs=None):
    if a is None:  # a zero approximation (a tangent or cotangent JAX knows to be zero)
        ref = _first(details)
        a = array_module(ref).zeros(ref.shape, ref.dtype)
    axes, banks, _ = spec.core(a.ndim)
    levels = [{key: d for key, d in level.items() if d is not None}
              for level in _by_level(details, spec.keys[1:], spec.level)]
    with results_into(None if outs is None else outs[0]):
        return (iswtn_levels(a, levels, axes, banks),)


def _iswtn_adjoint_run(spec, y, outs=None):
    axes, banks, _ = spec.core(y.ndim)
    into = None if outs is None else \
        [outs[0]] + _by_level(outs[1:], spec.keys[1:], spec.level)
    with results_into(into):
        parts = iswtn_levels_adjoint(y, spec.level, axes, banks)
    return (parts[0],) + tuple(d[k] for d in parts[1:] for k in spec.keys[1:])


_iswtn, _iswtn_adjoint = _linear_pair(
    "iswtn", _iswtn_run, lambda spec, ts: _like(_first(ts)),
    _iswtn_adjoint_run,
    lambda spec, ts: _like(ts[0], 1 + spec.level * (len(spec.keys) - 1)), writes_into=True)


# Whole multilevel DWTs with fixed banks: one primitive a transform (on a GPU the
# core runs several levels per launch: cuwavelet/_fused1d.py, the two-level 2D
# kernels), where a loop of _dwtn would make a launch and a round trip a level.
# wavedec's results are [cA_L, details of level L (key order), ..., of level
# 1]; its adjoint takes their cotangents (None: zeros). waverec takes
# [cA_L, details of level L (key order, None: zeros), ..., of level 1], pywt's
# trimming of the approximation included; its adjoint gives their cotangents.
# sizes: the data's lengths along the axes (wavedec); the approximation's, then
# every level's details' (waverec).

def _wavedec_run(spec, x, outs=None):
    axes, banks, modes = spec.core(x.ndim)
    keys = spec.keys[1:]
    into = None if outs is None else [outs[0]] + _by_level(outs[1:], keys, spec.level)
    with results_into(into):
        c = ml.wavedec(x, axes, banks, modes, spec.level)
    return (c[0],) + tuple(d[k] for d in c[1:] for k in keys)


def _wavedec_avals(spec, ts):
    (x,) = ts
    lens, shapes = [x.shape[a] for a in spec.axes], []
    for _ in range(spec.level):
        lens = [_checked_coeff_len(n, b.length, m) for n, b, m in zip(lens, spec.banks, spec.modes)]
        shapes.append(_with_lens(x.shape, spec.axes, lens))
    details = len(spec.keys) - 1
    return _like(x, 1, shapes[-1]) + [s for shape in shapes[::-1] for s in _like(x, details, shape)]


def _wavedec_adjoint_run(spec, *cots, outs=None):
    ref = _first(cots)
    axes, banks, modes = spec.core(ref.ndim)
    structure = [cots[0]] + _by_level(cots[1:], spec.keys[1:], spec.level)
    with results_into(None if outs is None else outs[0]):
        return (ml.wavedec_adjoint(structure, axes, banks, modes,
                                   _with_lens(ref.shape, axes, spec.sizes)),)


_wavedec, _wavedec_adjoint = _linear_pair(
    "wavedec", _wavedec_run, _wavedec_avals, _wavedec_adjoint_run,
    lambda spec, ts: _like(_first(ts), 1, _with_lens(_first(ts).shape, spec.axes, spec.sizes)),
    writes_into=True)


def _waverec_shapes(spec, ref_shape):
    """(the approximation's shape, every level's detail shape), from the
    batch shape of ref_shape and the lengths along the axes in spec.sizes."""
    shapes = [_with_lens(ref_shape, spec.axes, lens) for lens in spec.sizes]
    return shapes[0], shapes[1:]


def _waverec_run(spec, a, *details, outs=None):
    ref = _first((a, *details))
    axes, banks, modes = spec.core(ref.ndim)
    keys = spec.keys[1:]
    levels = [{k: v for k, v in level.items() if v is not None}  # (None: zeros)
              for level in _by_level(details, keys, spec.level)]
    with results_into(None if outs is None else outs[0]):  # (a level without details
        return (ml.waverec(a, levels, axes, banks, modes, spec.trim_first,  # trims all the same)
                           _waverec_shapes(spec, ref.shape)[1]),)


def _waverec_avals(spec, ts):
    ref = _first(ts)
    finest = _waverec_shapes(spec, ref.shape)[1][-1]
    axes, banks, modes = spec.core(len(finest))
    return _like(ref, 1, ml.rec_shape(finest, axes, banks, modes))


def _waverec_adjoint_run(spec, y, outs=None):
    axes, banks, modes = spec.core(y.ndim)
    a_shape, detail_shapes = _waverec_shapes(spec, y.shape)
    keys = spec.keys[1:]
    into = None if outs is None else [outs[0]] + _by_level(outs[1:], keys, spec.level)
    with results_into(into):
        c = ml.waverec_adjoint(y, a_shape, detail_shapes, axes, banks, modes, spec.trim_first)
    return (c[0],) + tuple(d[k] for d in c[1:] for k in keys)


def _waverec_adjoint_avals(spec, ts):
    a_shape, detail_shapes = _waverec_shapes(spec, ts[0].shape)
    details = len(spec.keys) - 1
    return _like(ts[0], 1, a_shape) + [s for shape in detail_shapes
                                       for s in _like(ts[0], details, shape)]


_waverec, _waverec_adjoint = _linear_pair(
    "waverec", _waverec_run, _waverec_avals, _waverec_adjoint_run, _waverec_adjoint_avals,
    writes_into=True)


def _waverec_spec(a, details, axes, banks, modes, trim_first):
    """The _Levels of a whole waverec of `a` and `details` (dicts, coarsest
    first; axes non-negative), or None where the shapes do not chain."""
    sizes = whole_waverec_sizes(a, details, axes, [b.length for b in banks], modes, trim_first)
    if sizes is None:
        return None
    return _Levels(_from_end(axes, a.ndim), tuple(banks), tuple(modes), len(details),
                   sizes=sizes, trim_first=bool(trim_first))


# The packet level functions return a level's nodes stacked in one array:
# XLA's buffers (one per node) get copies.

def _packet_decompose_run(spec, x, outs=None):
    axes, banks, modes = spec.core(x.ndim)
    return tuple(decompose_level(x, axes, banks, modes, spec.level))


def _packet_decompose_avals(spec, ts):
    (x,) = ts
    axes, banks, modes = spec.core(x.ndim)
    shapes = _level_shapes(tuple(x.shape), axes, banks, modes, spec.level)
    return _like(x, spec.nodes, shapes[-1])


def _packet_decompose_adjoint_run(spec, *nodes, outs=None):
    rows = _node_rows(nodes)
    ref = rows[0]
    axes, banks, modes = spec.core(ref.ndim)
    return (decompose_level_adjoint(rows, axes, banks, modes, spec.level_shapes(ref.shape)),)


_packet_decompose, _packet_decompose_adjoint = _linear_pair(
    "packet_decompose", _packet_decompose_run, _packet_decompose_avals,
    _packet_decompose_adjoint_run,
    lambda spec, ts: _like(_first(ts), 1, spec.level_shapes(_first(ts).shape)[0]))


def _node_rows(nodes):
    """The nodes of a packet level stacked (None entries: zeros)."""
    ref = _first(nodes)
    xp = array_module(ref)
    return xp.stack([n if n is not None else xp.zeros(ref.shape, ref.dtype) for n in nodes])


def _packet_reconstruct_run(spec, *nodes, outs=None):
    rows = _node_rows(nodes)
    ref = rows[0]
    axes, banks, modes = spec.core(ref.ndim)
    shapes = None if spec.sizes is None else spec.level_shapes(ref.shape)
    return (reconstruct_level(rows, axes, banks, modes, spec.level, shapes),)


def _packet_reconstruct_avals(spec, ts):
    ref = _first(ts)
    if spec.sizes is not None:
        return _like(ref, 1, spec.level_shapes(ref.shape)[0])
    axes, banks, modes = spec.core(ref.ndim)
    return _like(ref, 1, untrimmed_data_shape(ref.shape, axes, banks, modes, spec.level))


def _packet_reconstruct_adjoint_run(spec, y, outs=None):
    axes, banks, modes = spec.core(y.ndim)
    if spec.sizes is not None:
        shapes = _level_shapes(tuple(y.shape), axes, banks, modes, spec.level)
    else:
        shapes = untrimmed_level_shapes(tuple(y.shape), axes, banks, modes, spec.level)
    return tuple(reconstruct_level_adjoint(y, axes, banks, modes, shapes))


def _packet_reconstruct_adjoint_avals(spec, ts):
    (y,) = ts
    axes, banks, modes = spec.core(y.ndim)
    shapes = (_level_shapes if spec.sizes is not None else untrimmed_level_shapes)(
        tuple(y.shape), axes, banks, modes, spec.level)
    return _like(y, spec.nodes, shapes[-1])


_packet_reconstruct, _packet_reconstruct_adjoint = _linear_pair(
    "packet_reconstruct", _packet_reconstruct_run, _packet_reconstruct_avals, _packet_reconstruct_adjoint_run,
    _packet_reconstruct_adjoint_avals)


# --- the public functions -------------------------------------------------------------

def _compute_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype in _CORE_DTYPES:
        return dtype
    if dtype in _LOW_PRECISION:
        return np.dtype(np.float32)
    if dtype.kind == "c":
        return np.dtype(jax.dtypes.canonicalize_dtype(np.complex128))
    return np.dtype(jax.dtypes.canonicalize_dtype(np.float64))  # ints and bools, as pywt


# --- learned filter banks: one axis at a time, the filters an operand ------------------
# A filter bank given as four JAX arrays that are being traced (the parameters
# of a model under grad, jit or vmap) runs per axis through the partials of two
# trilinear forms (_Form, _FormPartial below): one level's analysis and its
# synthesis, each a primitive bilinear in the data and the filters, whose
# transposes are the form's other partials (the core's adjoints and its
# filter-gradient reductions, cuwavelet/_filter_grad.py). Derivatives of every
# order, forward and reverse, under jit and vmap. Constant filters (concrete
# arrays, numbers, names) take the fixed-filter primitives above.

def _traced_filters(wavelet):
    """The four filter arrays of a bank given as arrays, at least one traced
    (four arrays, or an object whose filter_bank is), else None."""
    bank = wavelet
    if not isinstance(wavelet, (str, tuple, list)):
        bank = getattr(wavelet, "filter_bank", None)
    if (isinstance(bank, (tuple, list)) and len(bank) == 4
            and all(isinstance(f, (jax.Array, np.ndarray)) for f in bank)
            and any(isinstance(f, jax.core.Tracer) for f in bank)):
        return tuple(bank)
    return None


class _LearnedBank:
    """A filter bank of JAX arrays: (dec_lo, dec_hi, rec_lo, rec_hi)."""

    def __init__(self, filters):
        filters = tuple(jnp.asarray(f) for f in filters)
        if any(f.ndim != 1 for f in filters) or len({f.shape for f in filters}) != 1:
            raise ValueError(f"a filter bank given as arrays needs four 1-D filters of one "
                             f"length (dec_lo, dec_hi, rec_lo, rec_hi); got shapes "
                             f"{[tuple(f.shape) for f in filters]}")
        n = int(filters[0].shape[0])
        if n < 1:
            raise ValueError("a filter bank given as arrays needs filters of at least one tap")
        if not all(jnp.issubdtype(f.dtype, jnp.floating) for f in filters):
            raise TypeError(f"filters must be real floating-point arrays; got "
                            f"{[str(f.dtype) for f in filters]}")
        # (an odd length gets a zero appended, pywt.Wavelet's rule)
        self.filters, self.length, self.name = filters, n + n % 2, "arrays"

    @classmethod
    def fixed(cls, bank) -> "_LearnedBank":
        """A fixed bank on another axis of a learned transform, as constants."""
        return cls([np.asarray(f, np.float64)
                    for f in (bank.dec_lo, bank.dec_hi, bank.rec_lo, bank.rec_hi)])

    def pair(self, synthesis: bool, data) -> jax.Array:
        """(lo, hi) as a (2, F) array in the data's real dtype (F even: a zero
        appended to filters of odd length, as pywt.Wavelet pads them)."""
        lo, hi = self.filters[2:] if synthesis else self.filters[:2]
        f = jnp.stack((lo, hi))
        if f.shape[-1] % 2:
            f = jnp.pad(f, ((0, 0), (0, 1)))
        return f.astype(jnp.finfo(data.dtype).dtype)


@dataclass(frozen=True)
class _LearnedSpec:
    axes: tuple
    banks: tuple
    modes: tuple


def _learned_banks_and_modes(wavelet, mode, axes):
    """One bank per axis, _LearnedBank on every axis where any filter is traced;
    else the core's banks (None: no traced filters)."""
    learned = _traced_filters(wavelet)
    if learned is not None:
        wavelets = [learned] * len(axes)
    elif isinstance(wavelet, (tuple, list)) and any(_traced_filters(w) is not None
                                                    for w in wavelet):
        wavelets = per_axis(list(wavelet), axes, "wavelet")
    else:
        return None
    banks = [_LearnedBank(_traced_filters(w)) if _traced_filters(w) is not None
             else _LearnedBank.fixed(as_filter_bank(w)) for w in wavelets]
    return banks, [as_mode(m) for m in per_axis(mode, axes, "mode")]


def _filters(f):
    """(2, F) filters, or (items, 2, F) per-example banks (vmap), contiguous,
    as the core's learned operations take them: one kernel launch serves
    every item."""
    return array_module(f).ascontiguousarray(f)


def _conj(a):
    """JAX's cotangent of a complex result is the conjugate of the core's
    convention for the filter reductions (the real part of conj(cotangent)
    times the samples)."""
    return a if a is None or a.dtype.kind != "c" else a.conj()


class _Form:
    """A trilinear form of three slots of arrays, e.g. analysis: <c, B_f x>
    over x (the data), c (cA, cD) and f (lo, hi as one (2, F) array).

    partials[k](given, axis, mode, n, F, items) -> tuple
        the form's gradient with respect to slot k (arrays of slot k's shape)
        at the other two slots, `given` ({slot: tuple of core arrays}, None
        entries zeros), in JAX's convention for complex values (transposes
        without conjugation).
    avals[k](given, axis, mode, n, F, items) -> list of ShapeDtypeStructs
        the shapes of those results.
    n is a length the form's shapes follow from (the signal's along the axis
    for the analysis, the coefficients' for the synthesis); axis counts from
    the end; items: every operand has a leading axis of per-example banks
    (vmap), whose filter gradients are kept per item.
    """

    def __init__(self, name: str, slots: dict, partials: dict, avals: dict):
        self.name, self.slots = name, slots  # slots: {name: number of arrays}
        self.partials, self.avals = partials, avals
        self.ops = {k: _FormPartial(self, k) for k in slots}

    def others(self, slot: str) -> tuple:
        return tuple(s for s in self.slots if s != slot)


class _FormPartial(_LinearOp):
    """The partial derivative of a trilinear form with respect to one slot,
    as a JAX primitive: bilinear in the other two slots. Its JVP is the sum,
    over those two slots, of itself with that slot's tangent; its transpose
    in one of them is the form's partial for that slot with this one's
    cotangent in place. So the three partials of a form are one another's
    transposes, and JAX takes derivatives of every order, in both modes,
    through them. Running (eager, under jit) is _LinearOp's."""

    def __init__(self, form: _Form, slot: str):
        self.form, self.slot = form, slot
        self.given = form.others(slot)
        sizes = [form.slots[s] for s in self.given]
        self.groups = (tuple(range(sizes[0])), tuple(range(sizes[0], sizes[0] + sizes[1])))

        def core(arrays, *, outs=None, **params):
            return form.partials[slot](self._by_slot(arrays), **params)

        def out_avals(arrays, **params):
            return form.avals[slot](self._by_slot(arrays), **params)
        super().__init__(f"{form.name}_d{slot}", core, out_avals, writes_into=False)

    def _by_slot(self, arrays) -> dict:
        return {s: tuple(arrays[i] for i in g) for s, g in zip(self.given, self.groups)}

    def of(self, given: dict, **params) -> tuple:
        """The partial at `given` ({slot: tuple of arrays, None entries zeros})."""
        return self(tuple(a for s in self.given for a in given[s]), **params)

    def _jvp(self, primals, tangents, *, present, **params):
        out = self.primitive.bind(*primals, present=present, **params)
        at = self._by_slot(self._with_none(primals, present))
        moved = self._by_slot(self._with_none(
            [None if type(t) is ad.Zero else t for t in tangents], present))
        terms = [self.of({**at, s: moved[s]}, **params) for s in self.given
                 if any(t is not None for t in moved[s])]
        if not terms:  # JAX skips this case; kept for safety
            return out, [jnp.zeros_like(o) for o in out]
        return out, [sum(parts[1:], parts[0]) for parts in zip(*terms)]

    def _transpose(self, cotangents, *operands, present, **params):
        at = self._by_slot(self._with_none(operands, present))
        linear = [s for s in self.given
                  if any(a is not None and ad.is_undefined_primal(a) for a in at[s])]
        if len(linear) != 1:
            raise NotImplementedError(f"{self.name}: transposed in {len(linear)} slots at once")
        (s,) = linear
        (other,) = [o for o in self.given if o != s]
        cts = tuple(None if type(c) is ad.Zero else c for c in cotangents)
        if all(c is None for c in cts):
            return [None] * len(operands)
        grads = self.form.ops[s].of({self.slot: cts, other: at[other]}, **params)
        # a cotangent per operand: the linear slot's (its absent arrays, zeros,
        # are no operands); the other slot's are constants here
        return [grads[i] if name == s and ad.is_undefined_primal(a) else None
                for name in self.given for i, a in enumerate(at[name]) if a is not None]

    def _batch(self, operands, dims, *, present, items, **params):
        size = next(o.shape[d] for o, d in zip(operands, dims) if d is not None)
        at = self._by_slot(self._with_none(list(zip(operands, dims)), present))
        if not items and self.slot != "f" and all(
                a is None or a[1] is None for a in at.get("f", ())):
            # one bank for every example: the batch is one more leading axis
            # of the data (params count the axis from the end)
            moved = [o if s == "f" else _leading(o, d, size)
                     for s in self.given for o, d in (a for a in at[s] if a is not None)]
            out = self.primitive.bind(*moved, present=present, items=False, **params)
            return out, [0] * len(out)
        # per item: every operand (and so every result) gets the batch axis in
        # front; a second vmap merges its axis with the items'
        moved = [_leading(o, d, size) for o, d in zip(operands, dims)]
        if items:
            moved = [m.reshape((-1,) + m.shape[2:]) for m in moved]
        out = self.primitive.bind(*moved, present=present, items=True, **params)
        if items:
            out = [o.reshape((size, -1) + o.shape[1:]) for o in out]
        return out, [0] * len(out)


def _leading(operand, dim, size):
    """operand with its batch axis (dim, None: none yet) in front, of `size`."""
    if dim is None:
        return jnp.broadcast_to(operand, (size,) + operand.shape)
    return jnp.moveaxis(operand, dim, 0)


# --- the two forms: one level along one axis -------------------------------------------

def _filter_aval(a, F, items):
    lead = (a.shape[0],) if items else ()
    return jax.ShapeDtypeStruct(lead + (2, F), jnp.finfo(a.dtype).dtype)


def _shape_of(a, axis, n):
    return jax.ShapeDtypeStruct(with_len(a.shape, axis % len(a.shape), n), a.dtype)


def _present(arrays):
    return next(a for a in arrays if a is not None)


# (with items, every operand has a leading axis of items and the filters
# one bank per item: the core runs them in one launch)
def _analysis_dc(given, *, axis, mode, n, F, items):
    (x,), (f,) = given["x"], given["f"]
    return tuple(_learned.analysis(x, _filters(f), mode, axis % x.ndim))


def _analysis_dx(given, *, axis, mode, n, F, items):
    (ca, cd), (f,) = given["c"], given["f"]
    ref = _present((ca, cd))
    return (_learned.analysis_adjoint(ca, cd, _filters(f), mode, axis % ref.ndim, n),)


def _analysis_df(given, *, axis, mode, n, F, items):
    (x,), (ca, cd) = given["x"], given["c"]
    return (analysis_filter_grad(x, _conj(ca), _conj(cd), F, mode, axis % x.ndim, items=items),)


def _synthesis_dy(given, *, axis, mode, n, F, items):
    (ca, cd), (f,) = given["c"], given["f"]
    return (_learned.synthesis(ca, cd, _filters(f), mode, axis % _present((ca, cd)).ndim),)


def _synthesis_dc(given, *, axis, mode, n, F, items):
    (y,), (f,) = given["y"], given["f"]
    return tuple(_learned.synthesis_adjoint(y, _filters(f), mode, axis % y.ndim))


def _synthesis_df(given, *, axis, mode, n, F, items):
    (ca, cd), (y,) = given["c"], given["y"]
    return (synthesis_filter_grad(ca, cd, _conj(y), F, mode, axis % y.ndim, items=items),)


# analysis: <c, B_f x>, n the signal's length along the axis
_ANALYSIS = _Form("learned_analysis", {"x": 1, "c": 2, "f": 1},
                  {"c": _analysis_dc, "x": _analysis_dx, "f": _analysis_df}, {
    "c": lambda g, *, axis, mode, n, F, items: [
        _shape_of(g["x"][0], axis, _checked_coeff_len(n, F, mode))] * 2,
    "x": lambda g, *, axis, mode, n, F, items: [_shape_of(_present(g["c"]), axis, n)],
    "f": lambda g, *, axis, mode, n, F, items: [_filter_aval(g["x"][0], F, items)]})
# synthesis: <y, S_f c>, n the coefficients' length along the axis
_SYNTHESIS = _Form("learned_synthesis", {"c": 2, "y": 1, "f": 1},
                   {"y": _synthesis_dy, "c": _synthesis_dc, "f": _synthesis_df}, {
    "y": lambda g, *, axis, mode, n, F, items: [
        _shape_of(_present(g["c"]), axis, rec_len(n, F, mode))],
    "c": lambda g, *, axis, mode, n, F, items: [_shape_of(g["y"][0], axis, n)] * 2,
    "f": lambda g, *, axis, mode, n, F, items: [_filter_aval(g["y"][0], F, items)]})


def _learned_analysis(x, f, axis, mode):
    """(cA, cD) of one level along `axis` (from the end) with filters f (2, F)."""
    return _ANALYSIS.ops["c"].of({"x": (x,), "f": (f,)}, axis=axis, mode=mode,
                                 n=x.shape[axis], F=f.shape[-1], items=False)


def _learned_synthesis(a, d, f, axis, mode):
    """One inverse level along `axis` (from the end) with filters f (2, F);
    a or d None: zeros."""
    n = _present((a, d)).shape[axis]
    return _SYNTHESIS.ops["y"].of({"c": (a, d), "f": (f,)}, axis=axis, mode=mode, n=n,
                                  F=f.shape[-1], items=False)[0]


# --- learned transforms as whole calls ---------------------------------------------------
# A learned wavedec2 of three levels is 9 analysis primitives forward and 18
# backward, each a callback into the core with its results copied into XLA's
# buffers. A learned transform (a kind: bridges/_learned_kinds.py) runs whole
# instead, as three primitives:
#
#     RUN(ts) -> outputs (+ with keep, the arrays the backward reads)
#     TANGENT(ts, kept, dts) -> the outputs' tangents     (linear in dts)
#     BACKWARD(ts, kept, cts) -> the cotangents of ts     (TANGENT's transpose)
#
# RUN's JVP is RUN with keep and TANGENT, whose transpose is BACKWARD: jax.grad
# and jax.vjp run one core call forward and one backward (the kinds' planned
# calls), and so does vmap of them (with per-example banks as the core's
# per-item banks: `items`, every operand with a leading axis of items).
# Everything else runs the kind's per-operation route (by_operations: the same
# level loops through the _Form primitives above, exact to every order in both
# modes): TANGENT itself (forward mode) and the JVPs of RUN with keep, of
# TANGENT and of BACKWARD (higher orders). The per-operation route keeps the
# same arrays in the same order as the core (cuwavelet._learned's loops take
# their operations), so a kept array has one shape either way.

_BY_OPERATIONS = _learned.LevelOps(
    lambda t, f, mode, axis: _learned_analysis(t, f, axis - t.ndim, mode),
    lambda lo, hi, f, mode, axis: _learned_synthesis(lo, hi, f, axis - _present((lo, hi)).ndim,
                                                     mode))


@functools.lru_cache(maxsize=256)
def _at(kind, ndim):
    """kind (axes counted from the end, as params are, for batching) with
    non-negative axes for arrays of ndim dimensions."""
    return dataclasses.replace(kind, axes=tuple(a % ndim for a in kind.axes))


def _direct(_ref, fn, *args):
    """A kind's core call on core arrays (a callback's)."""
    return fn(*args)


def _by_operations(kind, ts, keep=False):
    """(outputs, kept) of kind on ts (None entries: absent) by the
    per-operation route."""
    outputs, kept = _at(kind, ts[0].ndim).by_operations(list(ts), _BY_OPERATIONS, keep)
    return list(outputs), list(kept)


def _per_item(fn, items):
    """fn of operands, or with items, fn mapped over their leading axis."""
    return jax.vmap(fn) if items else fn


def _groups(operands, present, sizes):
    """The operands as lists (ts, kept, the rest), None where absent."""
    full = _filled(operands, present)
    a, b = sizes[0], sizes[0] + sizes[1]
    return full[:a], full[a:b], full[b:]


def _key(arrays, items):
    """(shape, dtype) per array (None kept), without the leading axis of items."""
    return tuple(None if a is None else (tuple(a.shape[int(items):]), np.dtype(a.dtype))
                 for a in arrays)


@functools.lru_cache(maxsize=512)
def _structure(kind, key):
    """(outputs' avals, kept arrays' avals, None where the kind keeps
    nothing) of kind on arrays of `key` (_key of ts), from the per-operation
    route traced abstractly."""
    present = [k is not None for k in key]

    def run(*given):
        return _by_operations(kind, _filled(given, present), True)
    return jax.eval_shape(run, *[jax.ShapeDtypeStruct(*k) for k in key if k is not None])


def _avals(structs, lead):
    return [jax.ShapeDtypeStruct(lead + tuple(s.shape), s.dtype) for s in structs
            if s is not None]


class _WholeOp(_LinearOp):
    """RUN, TANGENT or BACKWARD: the machinery of _LinearOp (present masks, the
    core on XLA's buffers) with the rules above. Params: kind, items, sizes
    (how many entries of ts, kept and the rest the operands hold, with their
    present masks); RUN's keep; BACKWARD's needs (per entry of ts)."""

    # the groups of operands laid out as ts (the data, then the filters): the
    # filters and what stands for them there (their tangents) are mapped or not
    FILTER_GROUPS = (0,)

    def _reference(self, *, present, kind, items, sizes, **params):
        """This op by the per-operation route, a function of its operands."""
        raise NotImplementedError

    def _filter_operands(self, present, sizes, count: int) -> list:
        """The operands' indices of the filters (the last `count` entries of
        ts) and of the entries mirroring them in FILTER_GROUPS."""
        found = []
        for group in self.FILTER_GROUPS:
            end = sum(sizes[:group + 1])
            found += [sum(present[:e]) for e in range(end - count, end) if present[e]]
        return found

    def _jvp(self, primals, tangents, **params):
        tangents = [ad.instantiate_zeros(t) if type(t) is ad.Zero else t for t in tangents]
        out, tan = jax.jvp(self._reference(**params), tuple(primals), tuple(tangents))
        return list(out), list(tan)

    def _transpose(self, cotangents, *operands, **params):
        raise NotImplementedError(f"{self.name} is transposed only as learned_tangent")

    def _batch(self, operands, dims, *, present, kind, items, sizes, **params):
        """The mapped axis in front of every operand, and then either one more
        batch axis of the transform (filters unmapped, none of their
        gradients asked for) or per-item banks (the axis merged with the
        items' where there are some already)."""
        size = next(o.shape[d] for o, d in zip(operands, dims) if d is not None)
        filters = self._filter_operands(present, sizes, len(kind.axes))
        needs = params.get("needs", ())
        if not items and all(dims[i] is None for i in filters) and \
                not any(needs[len(needs) - len(kind.axes):]):
            moved = [o if i in filters else _leading(o, d, size)
                     for i, (o, d) in enumerate(zip(operands, dims))]
            out = self.primitive.bind(*moved, present=present, kind=kind, items=False,
                                      sizes=sizes, **params)
            return out, [0] * len(out)
        moved = [_leading(o, d, size) for o, d in zip(operands, dims)]
        if items:
            moved = [m.reshape((-1,) + m.shape[2:]) for m in moved]
        out = self.primitive.bind(*moved, present=present, kind=kind, items=True, sizes=sizes,
                                  **params)
        if items:
            out = [o.reshape((size, -1) + o.shape[1:]) for o in out]
        return out, [0] * len(out)


def _into(outs, kept_structs):
    """outs (XLA's buffers: the outputs, then the kept arrays that are not
    None) as (outputs, kept with None entries; None without keep)."""
    if kept_structs is None:
        return list(outs), None
    n = len(outs) - sum(k is not None for k in kept_structs)
    return list(outs[:n]), _filled(outs[n:], [k is not None for k in kept_structs])


def _run_core(arrays, *, kind, items, sizes, keep, outs=None):
    at = _at(kind, arrays[0].ndim)
    into = None
    if outs is not None:  # (written into XLA's buffers where the plan allocates them whole)
        kept_structs = _structure(kind, _key(arrays, items))[1] if keep else None
        into = at.result(*_into(outs, kept_structs))
    with results_into(into):
        outputs, kept = at.forward(list(arrays), keep, _direct)
    return tuple(outputs) + tuple(k for k in kept if k is not None)


def _run_avals(arrays, *, kind, items, sizes, keep):
    outputs, kept = _structure(kind, _key(arrays, items))
    lead = tuple(arrays[0].shape[:1]) if items else ()
    return _avals(outputs, lead) + (_avals(kept, lead) if keep else [])


class _Run(_WholeOp):
    """RUN(ts; keep): the outputs, with keep then the kept arrays."""

    def __init__(self):
        super().__init__("learned_run", _run_core, _run_avals)

    def _reference(self, *, present, kind, items, sizes, keep):
        def fn(*ts):
            outputs, kept = _by_operations(kind, _filled(ts, present), keep)
            return tuple(outputs) + tuple(k for k in kept if k is not None)
        return _per_item(fn, items)

    def _jvp(self, primals, tangents, *, present, kind, items, sizes, keep):
        if keep:  # (a higher order)
            return super()._jvp(primals, tangents, present=present, kind=kind, items=items,
                                sizes=sizes, keep=keep)
        both = self.primitive.bind(*primals, present=present, kind=kind, items=items,
                                   sizes=sizes, keep=True)
        structs, kept_structs = _structure(kind, _key(_filled(primals, present), items))
        outputs, kept = both[:len(structs)], both[len(structs):]
        moved = _filled([None if type(t) is ad.Zero else t for t in tangents], present)
        operands = [*primals, *kept, *(t for t in moved if t is not None)]
        mask = present + tuple(k is not None for k in kept_structs) + \
            tuple(t is not None for t in moved)
        return outputs, _TANGENT.primitive.bind(
            *operands, present=mask, kind=kind, items=items,
            sizes=(len(present), len(kept_structs), len(present)))


def _tangent_avals(arrays, *, kind, items, sizes):
    lead = tuple(arrays[0].shape[:1]) if items else ()
    return _avals(_structure(kind, _key(arrays[:sizes[0]], items))[0], lead)


class _Tangent(_WholeOp):
    """TANGENT(ts, kept, dts): the outputs' tangents, linear in dts; runs by
    the per-operation route (forward mode), transposes into BACKWARD."""

    FILTER_GROUPS = (0, 2)  # (ts and dts)

    def __init__(self):
        super().__init__("learned_tangent", None, _tangent_avals, writes_into=False)

    def _reference(self, *, present, kind, items, sizes):
        def fn(*operands):
            ts, _kept, dts = _groups(operands, present, sizes)
            at = [t for t in ts if t is not None]
            moved = [jnp.zeros_like(t) if d is None else d for t, d in zip(ts, dts)
                     if t is not None]
            mask = [t is not None for t in ts]
            return jax.jvp(lambda *g: tuple(_by_operations(kind, _filled(g, mask))[0]),
                           tuple(at), tuple(moved))[1]
        return _per_item(fn, items)

    def _eager(self, *operands, **params):
        return list(self._reference(**params)(*operands))

    def _impl(self, *operands, **params):  # (lowered: the per-operation route's primitives)
        return list(self._reference(**params)(*operands))

    def _transpose(self, cotangents, *operands, present, kind, items, sizes):
        ts, kept, dts = _groups(operands, present, sizes)
        if any(ad.is_undefined_primal(a) for a in ts + kept if a is not None):
            raise NotImplementedError("learned_tangent: transposed in its primal operands")
        needs = tuple(d is not None and ad.is_undefined_primal(d) for d in dts)
        cts = [None if type(c) is ad.Zero else c for c in cotangents]
        if not any(needs) or all(c is None for c in cts):
            return [None] * len(operands)
        given = [a for a in ts + kept + cts if a is not None]
        mask = tuple(a is not None for a in ts + kept + cts)
        grads = iter(_BACKWARD.primitive.bind(*given, present=mask, kind=kind, items=items,
                                              sizes=(len(ts), len(kept), len(cts)), needs=needs))
        # a cotangent per operand: transposed dts' only
        return [None] * sum(a is not None for a in ts + kept) + \
            [next(grads) if need else None for d, need in zip(dts, needs) if d is not None]


def _backward_core(arrays, *, kind, items, sizes, needs, outs=None):
    ts, kept, cts = _groups(arrays, (True,) * len(arrays), sizes)
    at = _at(kind, ts[0].ndim)
    complex_data = any(c is not None and c.dtype.kind == "c" for c in cts)
    into = None
    if outs is not None and not complex_data:  # (complex: conjugated after)
        into = at.gradient_result(_filled(outs, needs))
    with results_into(into):  # (JAX's transposes are not conjugated: see _conj)
        grads = at.backward(ts, kept, [_conj(c) for c in cts], needs, _direct)
    return tuple(array_module(t).zeros_like(t) if g is None else _conj(g)
                 for g, t, need in zip(grads, ts, needs) if need)


def _backward_avals(arrays, *, kind, items, sizes, needs):
    return [jax.ShapeDtypeStruct(t.shape, t.dtype)
            for t, need in zip(arrays[:sizes[0]], needs) if need]


class _Backward(_WholeOp):
    """BACKWARD(ts, kept, cts; needs): the cotangents of the entries of ts
    that need one: the kind's backward, linear in cts."""

    def __init__(self):
        super().__init__("learned_backward", _backward_core, _backward_avals)

    def _reference(self, *, present, kind, items, sizes, needs):
        def fn(*operands):
            ts, _kept, cts = _groups(operands, present, sizes)
            wrt = [i for i, need in enumerate(needs) if need]

            def outputs(*moved):
                full = list(ts)
                for i, m in zip(wrt, moved):
                    full[i] = m
                return tuple(_by_operations(kind, full)[0])
            out, pullback = jax.vjp(outputs, *[ts[i] for i in wrt])
            return pullback(tuple(jnp.zeros_like(o) if c is None else c
                                  for c, o in zip(cts, out)))
        return _per_item(fn, items)


_RUN, _TANGENT, _BACKWARD = _Run(), _Tangent(), _Backward()


def _whole(kind, ts) -> list:
    """The outputs of a learned transform `kind` (axes counted from the end)
    on ts (None entries: absent) as one primitive."""
    if portable_form is not None:  # inside bridges.jax.portable()
        return list(portable_form("learned_whole", ts, {"kind": kind}))
    present = tuple(t is not None for t in ts)
    return list(_RUN.primitive.bind(*[t for t in ts if t is not None], present=present,
                                    kind=kind, items=False, sizes=(len(ts), 0, 0), keep=False))


def _from_end(axes, ndim) -> tuple:
    return tuple(a - ndim for a in axes)


def _whole_wavedec(x, spec: _LearnedSpec, level: int) -> list:
    """[cA_L, {key: detail}_L, ..., {key: detail}_1] of a learned spec (None:
    per operation, WHOLE_LEARNED off)."""
    if not WHOLE_LEARNED:
        return None
    kind = _kinds.Wavedec(spec.modes, _from_end(spec.axes, x.ndim), level)
    flat = _whole(kind, [x, *learned_pairs(spec.banks, False, x)])
    keys, n = subband_keys(len(spec.axes))[1:], 2 ** len(spec.axes) - 1
    return [flat[0]] + [dict(zip(keys, flat[1 + i * n:1 + (i + 1) * n])) for i in range(level)]


def _whole_inverse(a, details, filters, modes, axes, trim_first, stationary=False):
    """A learned waverec (or with `stationary` iswt) of details given as
    dicts, coarsest first; None for keys that the per-operation route names
    as unknown, and with WHOLE_LEARNED off."""
    keys = subband_keys(len(axes))[1:]
    if not WHOLE_LEARNED or any(set(d) - set(keys) for d in details):
        return None
    kind = _kinds.Waverec(tuple(modes), _from_end(axes, a.ndim), bool(trim_first), len(details),
                          bool(stationary))
    flat = [d.get(key) for d in details for key in keys]
    return _whole(kind, [a, *flat, *filters])[0]


def _whole_swt(x, filters, axes, start_level, level):
    """Every level's subbands (finest first, key order) of a learned SWT
    (None with WHOLE_LEARNED off)."""
    if not WHOLE_LEARNED:
        return None
    kind = _kinds.Swt(_from_end(axes, x.ndim), int(start_level), int(level))
    flat, n = _whole(kind, [x, *filters]), 2 ** len(axes)
    return [flat[i * n:(i + 1) * n] for i in range(level)]


def _whole_iswt(a, details, filters, axes):
    return _whole_inverse(a, details, filters, (), axes, False, stationary=True)


class _JaxBackend:
    """What bridges._frontend needs: conversions and one level each way."""

    @staticmethod
    def prepare(values: dict):
        arrays = {k: (v if v is None or isinstance(v, jax.Array) else jnp.asarray(v))
                  for k, v in values.items()}  # (jnp.asarray of a jax.Array costs ~8 us)
        present = [a for a in arrays.values() if a is not None]
        if not present:
            raise ValueError("At least one coefficient must be given (all are None).")
        dtypes = {np.dtype(a.dtype) for a in present}
        computed = {_compute_dtype(d) for d in dtypes}
        if len(computed) == 1:
            compute = computed.pop()
        else:  # pywt upcasts mixed inputs
            compute = _compute_dtype(np.complex128 if any(d.kind == "c" for d in computed)
                                     else np.float64)
        only = next(iter(dtypes)) if len(dtypes) == 1 else None
        out = only if only in _LOW_PRECISION else compute
        return {k: (a if a is None or a.dtype == compute else a.astype(compute))
                for k, a in arrays.items()}, out

    asarray = staticmethod(jnp.asarray)

    @staticmethod
    def cast(coeffs, dtype):
        return jax.tree_util.tree_map(lambda a: a if a.dtype == dtype else a.astype(dtype), coeffs)

    @staticmethod
    def banks_and_modes(wavelet, mode, axes):
        """Learned banks where any filter is traced, else the core's."""
        learned = _learned_banks_and_modes(wavelet, mode, axes)
        return _core_banks_and_modes(wavelet, mode, axes) if learned is None else learned

    @staticmethod
    def spec(axes, banks, modes):
        if any(isinstance(b, _LearnedBank) for b in banks):
            return _LearnedSpec(tuple(axes), tuple(banks), tuple(modes))
        return axes, banks, modes  # completed per call: axes from the end need ndim

    @staticmethod
    def split(x, spec) -> dict:
        if isinstance(spec, _LearnedSpec):
            c = _whole_wavedec(x, spec, 1)
            if c is None:
                return learned_split(x, spec, _learned_analysis)
            return {subband_keys(len(spec.axes))[0]: c[0], **c[1]}
        axes, banks, modes = spec
        s = _Spec(tuple(a - x.ndim for a in axes), tuple(banks), tuple(modes))
        sub = _dwtn(x, s, tuple(x.shape[a] for a in axes))
        return dict(zip(s.keys, sub))

    @staticmethod
    def merge(d: dict, spec):
        axes = spec.axes if isinstance(spec, _LearnedSpec) else spec[0]
        unknown = set(d) - set(subband_keys(len(axes)))
        if unknown:
            raise ValueError(f"Unexpected subband keys {sorted(unknown)} for {len(axes)} axes.")
        if isinstance(spec, _LearnedSpec):
            approx = subband_keys(len(spec.axes))[0]
            d = {key: v for key, v in d.items() if v is not None}
            y = None
            if d.get(approx) is not None:  # (one level: no trimming)
                y = _whole_inverse(d[approx], [{k: v for k, v in d.items() if k != approx}],
                                   learned_pairs(spec.banks, True, d[approx]), spec.modes,
                                   spec.axes, False)
            return learned_merge(d, spec, _learned_synthesis) if y is None else y
        axes, banks, modes = spec
        ndim = next(iter(d.values())).ndim
        s = _Spec(tuple(a - ndim for a in axes), tuple(banks), tuple(modes))
        return _idwtn(tuple(d.get(k) for k in s.keys), s)


    @staticmethod
    def wavedec_levels(x, spec, level):
        """A wavedec of 2+ levels as one primitive (learned or fixed banks)."""
        if isinstance(spec, _LearnedSpec):
            return _whole_wavedec(x, spec, level)
        axes, banks, modes = spec
        flat = _wavedec((x,), _Levels(_from_end(axes, x.ndim), tuple(banks), tuple(modes), level,
                                      sizes=tuple(x.shape[a] for a in axes)))
        keys, n = subband_keys(len(axes))[1:], 2 ** len(axes) - 1
        return [flat[0]] + [dict(zip(keys, flat[1 + j * n:1 + (j + 1) * n])) for j in range(level)]

    @staticmethod
    def waverec_levels(a, details, spec, trim_first):
        """A waverec (details: dicts, coarsest first; 2+ levels with a fixed
        bank) as one primitive, or None (the per-level route)."""
        if isinstance(spec, _LearnedSpec):
            return _whole_inverse(a, details, learned_pairs(spec.banks, True, a), spec.modes,
                                  spec.axes, trim_first)
        axes, banks, modes = spec
        levels = _waverec_spec(a, details, axes, banks, modes, trim_first)
        if levels is None:
            return None
        keys = subband_keys(len(axes))[1:]
        return _waverec((a, *(d.get(k) for d in details for k in keys)), levels)[0]

    # --- the stationary and packet transforms (bridges._frontend_swt_packets) ----------
    @staticmethod
    def learned_banks(wavelet, axes):
        """A _LearnedBank per axis where any filter is traced, else None."""
        learned = _learned_banks_and_modes(wavelet, "periodization", axes)
        return None if learned is None else learned[0]

    learned_ops = SimpleNamespace(analysis=_learned_analysis, synthesis=_learned_synthesis,
                                  stationary_levels=_whole_swt, stationary_inverse=_whole_iswt,
                                  stack=jnp.stack, zeros_like=jnp.zeros_like,
                                  unstack=lambda t, axis: jnp.unstack(t, axis=axis),
                                  concatenate=jnp.concatenate,
                                  split=lambda t, n: jnp.split(t, n, 0))

    @staticmethod
    def swt_levels(x, axes, banks, start_level, level):
        spec = _Levels(tuple(a - x.ndim for a in axes), tuple(banks),
                       (PERIODIZATION,) * len(axes), level, start_level)
        flat, k = _swtn((x,), spec), len(spec.keys)
        return [dict(zip(spec.keys, flat[j * k:(j + 1) * k])) for j in range(level)][::-1]

    @staticmethod
    def iswt_levels(a, details, axes, banks):
        spec = _Levels(tuple(ax - a.ndim for ax in axes), tuple(banks),
                       (PERIODIZATION,) * len(axes), len(details))
        return _iswtn((a,) + tuple(d.get(k) for d in details for k in spec.keys[1:]), spec)[0]

    @staticmethod
    def packet_decompose(x, axes, banks, modes, level):
        spec = _Levels(tuple(a - x.ndim for a in axes), tuple(banks), tuple(modes), level,
                       sizes=tuple(x.shape[a] for a in axes))
        return list(_packet_decompose((x,), spec))

    @staticmethod
    def packet_reconstruct(nodes, axes, banks, modes, level, sizes):
        ndim = next(n for n in nodes if n is not None).ndim
        spec = _Levels(tuple(a - ndim for a in axes), tuple(banks), tuple(modes), level,
                       sizes=None if sizes is None else tuple(sizes))
        return _packet_reconstruct(tuple(nodes), spec)[0]


_backend = _JaxBackend()
_api = Frontend(_backend)
_swt_api, _packet_api = StationaryFrontend(_backend), PacketFrontend(_backend)


# --- the DWT family (docstrings: bridges._docstrings) --------------------------------------

def dwt(data, wavelet, mode="symmetric", axis=-1) -> tuple:
    return _api.dwt(data, wavelet, mode, axis)


def idwt(cA, cD, wavelet, mode="symmetric", axis=-1) -> jax.Array:
    return _api.idwt(cA, cD, wavelet, mode, axis)


def wavedec(data, wavelet, mode="symmetric", level=None, axis=-1) -> list:
    return _api.wavedec(data, wavelet, mode, level, axis)


def waverec(coeffs, wavelet, mode="symmetric", axis=-1) -> jax.Array:
    return _api.waverec(coeffs, wavelet, mode, axis)


def dwt2(data, wavelet, mode="symmetric", axes=(-2, -1)) -> tuple:
    return _api.dwt2(data, wavelet, mode, axes)


def idwt2(coeffs, wavelet, mode="symmetric", axes=(-2, -1)) -> jax.Array:
    return _api.idwt2(coeffs, wavelet, mode, axes)


def wavedec2(data, wavelet, mode="symmetric", level=None, axes=(-2, -1)) -> list:
    return _api.wavedec2(data, wavelet, mode, level, axes)


def waverec2(coeffs, wavelet, mode="symmetric", axes=(-2, -1)) -> jax.Array:
    return _api.waverec2(coeffs, wavelet, mode, axes)


def dwtn(data, wavelet, mode="symmetric", axes=None) -> dict:
    return _api.dwtn(data, wavelet, mode, axes)


def idwtn(coeffs, wavelet, mode="symmetric", axes=None) -> jax.Array:
    return _api.idwtn(coeffs, wavelet, mode, axes)


def wavedecn(data, wavelet, mode="symmetric", level=None, axes=None) -> list:
    return _api.wavedecn(data, wavelet, mode, level, axes)


def waverecn(coeffs, wavelet, mode="symmetric", axes=None) -> jax.Array:
    return _api.waverecn(coeffs, wavelet, mode, axes)


_DWT_EXAMPLES = {
    "dwt": """    >>> import jax, jax.numpy as jnp
    >>> cA, cD = dwt(jnp.ones((2, 8)), "db2", "periodization")
    >>> cA.shape, float(jnp.abs(cD).max()) < 1e-6
    ((2, 4), True)
    >>> g = jax.grad(lambda x: dwt(x, "haar")[0].sum())(jnp.ones(4))  # the adjoint
    >>> [round(v, 6) for v in g.tolist()]
    [0.707107, 0.707107, 0.707107, 0.707107]
""",
    "idwt": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(6.0)
    >>> bool(jnp.allclose(idwt(*dwt(x, "db2"), "db2"), x, atol=1e-5))
    True
""",
    "wavedec": """    >>> import jax.numpy as jnp
    >>> c = wavedec(jnp.zeros((4, 64)), "db2", level=3)
    >>> [t.shape for t in c]
    [(4, 10), (4, 10), (4, 18), (4, 33)]
""",
    "waverec": """    >>> import jax, jax.numpy as jnp
    >>> x = jax.random.normal(jax.random.PRNGKey(0), (3, 50))
    >>> bool(jnp.allclose(waverec(wavedec(x, "sym4", level=2), "sym4"), x, atol=1e-5))
    True
    >>> rec = jax.jit(lambda x: waverec(wavedec(x, "sym4", level=2), "sym4"))
    >>> bool(jnp.allclose(rec(x), x, atol=1e-5))
    True
""",
    "dwt2": """    >>> import jax.numpy as jnp
    >>> cA, (cH, cV, cD) = dwt2(jnp.ones((3, 8, 8)), "haar")
    >>> cA.shape, float(jnp.abs(cH).max())
    ((3, 4, 4), 0.0)
""",
    "idwt2": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(36.0).reshape(6, 6)
    >>> bool(jnp.allclose(idwt2(dwt2(x, "db1"), "db1"), x, atol=1e-4))
    True
""",
    "wavedec2": """    >>> import jax.numpy as jnp
    >>> c = wavedec2(jnp.zeros((2, 32, 32)), "db2", level=2)
    >>> c[0].shape, len(c)
    ((2, 10, 10), 3)
""",
    "waverec2": """    >>> import jax, jax.numpy as jnp
    >>> x = jax.random.normal(jax.random.PRNGKey(0), (2, 20, 18))
    >>> bool(jnp.allclose(waverec2(wavedec2(x, "db2", level=2), "db2"), x, atol=1e-5))
    True
""",
    "dwtn": """    >>> import jax.numpy as jnp
    >>> sorted(dwtn(jnp.ones((4, 4, 4)), "haar"))
    ['aaa', 'aad', 'ada', 'add', 'daa', 'dad', 'dda', 'ddd']
""",
    "idwtn": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(24.0).reshape(4, 6)
    >>> y = idwtn(dwtn(x, "db2", "periodization"), "db2", "periodization")
    >>> bool(jnp.allclose(y, x, atol=1e-4))
    True
""",
    "wavedecn": """    >>> import jax.numpy as jnp
    >>> c = wavedecn(jnp.ones((8, 8, 8)), "haar", level=2)
    >>> c[0].shape, sorted(c[1])[:2]
    ((2, 2, 2), ['aad', 'ada'])
""",
    "waverecn": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(60.0).reshape(6, 10)
    >>> bool(jnp.allclose(waverecn(wavedecn(x, "db1", level=1), "db1"), x, atol=1e-4))
    True
""",
}
for _name, _example in _DWT_EXAMPLES.items():
    globals()[_name].__doc__ = numpydoc(DWT_DOCS, _name, "jax.Array", _example, DWT_GRADIENT)


# --- stationary and packet transforms (docstrings: bridges._frontend_swt_packets) ---------

def swt(data, wavelet, level=None, start_level=0, axis=-1, trim_approx=False, norm=False) -> list:
    return _swt_api.swt(data, wavelet, level, start_level, axis, trim_approx, norm)


def iswt(coeffs, wavelet, norm=False, axis=-1) -> jax.Array:
    return _swt_api.iswt(coeffs, wavelet, norm, axis)


def swt2(data, wavelet, level, start_level=0, axes=(-2, -1), trim_approx=False,
         norm=False) -> list:
    return _swt_api.swt2(data, wavelet, level, start_level, axes, trim_approx, norm)


def iswt2(coeffs, wavelet, norm=False, axes=(-2, -1)) -> jax.Array:
    return _swt_api.iswt2(coeffs, wavelet, norm, axes)


def swtn(data, wavelet, level, start_level=0, axes=None, trim_approx=False, norm=False) -> list:
    return _swt_api.swtn(data, wavelet, level, start_level, axes, trim_approx, norm)


def iswtn(coeffs, wavelet, axes=None, norm=False) -> jax.Array:
    return _swt_api.iswtn(coeffs, wavelet, axes, norm)


def packet_decompose(data, wavelet, mode="symmetric", level=None, axes=-1) -> dict:
    return _packet_api.packet_decompose(data, wavelet, mode, level, axes)


def packet_reconstruct(nodes, wavelet, mode="symmetric", axes=-1, data_shape=None) -> jax.Array:
    return _packet_api.packet_reconstruct(nodes, wavelet, mode, axes, data_shape)


_EXAMPLES = {
    "swt": """    >>> import jax, jax.numpy as jnp
    >>> x = jnp.arange(8.0)
    >>> (cA2, cD2), (cA1, cD1) = swt(x, "haar", level=2)
    >>> cA1.shape
    (8,)
    >>> bool(jnp.allclose(iswt([(cA2, cD2), (cA1, cD1)], "haar"), x, atol=1e-5))
    True
    >>> g = jax.grad(lambda x: swt(x, "haar", level=1)[0][1].sum())(x)  # the adjoint
    >>> float(jnp.abs(g).max())
    0.0
""",
    "iswt": """    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(0.0, 1.0, 16).reshape(2, 8)
    >>> bool(jnp.allclose(iswt(swt(x, "db2", level=2), "db2"), x, atol=1e-5))
    True
""",
    "swt2": """    >>> import jax.numpy as jnp
    >>> cA, (cH, cV, cD) = swt2(jnp.ones((2, 8, 8)), "haar", level=1)[0]
    >>> cA.shape, float(jnp.abs(cH).max())
    ((2, 8, 8), 0.0)
""",
    "iswt2": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(64.0).reshape(8, 8)
    >>> bool(jnp.allclose(iswt2(swt2(x, "db1", level=2), "db1"), x, atol=1e-4))
    True
""",
    "swtn": """    >>> import jax.numpy as jnp
    >>> c = swtn(jnp.ones((4, 8, 8)), "haar", level=1, axes=(1, 2))
    >>> sorted(c[0])
    ['aa', 'ad', 'da', 'dd']
""",
    "iswtn": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(32.0).reshape(4, 8)
    >>> bool(jnp.allclose(iswtn(swtn(x, "db1", level=2), "db1"), x, atol=1e-4))
    True
""",
    "packet_decompose": """    >>> import jax.numpy as jnp
    >>> nodes = packet_decompose(jnp.arange(8.0), "db1", level=2)
    >>> list(nodes)
    ['aa', 'ad', 'da', 'dd']
    >>> jnp.round(nodes["ad"], 6).tolist()
    [-2.0, -2.0]
""",
    "packet_reconstruct": """    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(0.0, 1.0, 30)
    >>> nodes = packet_decompose(x, "db2", level=2)
    >>> y = packet_reconstruct(nodes, "db2", data_shape=x.shape)
    >>> y.shape, bool(jnp.allclose(y, x, atol=1e-5))
    ((30,), True)
""",
}
for _name, _example in _EXAMPLES.items():
    globals()[_name].__doc__ = docstring(_name, "jax.Array", _example)
del _name, _example


# --- wavelet packet trees (bridges._frontend_packet_trees) -------------------------------

def _tree_node_dtype(data):
    """The dtype a node set to `data` keeps: its own where inexact (this
    bridge's transforms keep it), JAX's default float otherwise."""
    array = jnp.asarray(data.data if isinstance(data, BaseNode) else data)
    return array.dtype if jnp.issubdtype(array.dtype, jnp.inexact) else jnp.asarray(0.0).dtype


WaveletPacket, WaveletPacket2D, WaveletPacketND = packet_trees(
    TreeArrays(jnp.asarray, _tree_node_dtype, lambda a, dtype: a.astype(dtype), dwt, dwt2, dwtn,
               idwtn, tree_wavelet(lambda f: isinstance(f, jax.Array))),
    __name__, "jax.Array", {
        "WaveletPacket": """    >>> import jax, jax.numpy as jnp
    >>> x = jnp.arange(1.0, 9.0)
    >>> wp = WaveletPacket(x, "db1", mode="symmetric")
    >>> [round(v, 5) for v in wp["ad"].data.tolist()]
    [-2.0, -2.0]
    >>> [node.path for node in wp.get_level(2, "freq")]
    ['aa', 'ad', 'dd', 'da']
    >>> energy = lambda x: (WaveletPacket(x, "db1", "symmetric")["aa"].data ** 2).sum()
    >>> [round(v, 5) for v in jax.grad(energy)(x).tolist()]  # through the adjoints
    [5.0, 5.0, 5.0, 5.0, 13.0, 13.0, 13.0, 13.0]
""",
        "WaveletPacket2D": """    >>> import jax.numpy as jnp
    >>> x = jnp.outer(jnp.arange(8.0), jnp.ones(8))
    >>> wp = WaveletPacket2D(x, "db1", mode="symmetric")
    >>> len(wp.get_level(2))
    16
    >>> bool(jnp.allclose(wp.reconstruct(), x, atol=1e-5))
    True
""",
        "WaveletPacketND": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(64.0).reshape(4, 4, 4)
    >>> wp = WaveletPacketND(x, "db1", mode="symmetric")
    >>> len(wp.get_level(1)), wp["ddd"].data.shape
    (8, (2, 2, 2))
    >>> bool(jnp.allclose(wp.reconstruct(), x, atol=1e-4))
    True
""",
    })


# --- multiresolution analysis (docstrings: bridges._frontend_mra) -------------------------

_mra_api = MraFrontend(_api, _swt_api, jnp.zeros_like)


def mra(data, wavelet, level=None, axis=-1, transform="swt", mode="periodization") -> list:
    return _mra_api.mra(data, wavelet, level, axis, transform, mode)


def mra2(data, wavelet, level=None, axes=(-2, -1), transform="swt2",
         mode="periodization") -> list:
    return _mra_api.mra2(data, wavelet, level, axes, transform, mode)


def mran(data, wavelet, level=None, axes=None, transform="swtn", mode="periodization") -> list:
    return _mra_api.mran(data, wavelet, level, axes, transform, mode)


def imra(mra_coeffs) -> jax.Array:
    return _mra_api.imra(mra_coeffs)


def imra2(mra_coeffs) -> jax.Array:
    return _mra_api.imra2(mra_coeffs)


def imran(mra_coeffs) -> jax.Array:
    return _mra_api.imran(mra_coeffs)


_MRA_EXAMPLES = {
    "mra": """    >>> import jax, jax.numpy as jnp
    >>> x = jnp.linspace(0.0, 1.0, 64) ** 2
    >>> parts = mra(x, "db2", level=3)
    >>> len(parts), bool(jnp.allclose(imra(parts), x, atol=1e-5))
    (4, True)
    >>> jax.grad(lambda v: jnp.sum(mra(v, "db2", level=3)[1] ** 2))(x).shape
    (64,)
""",
    "mra2": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(256.0).reshape(16, 16)
    >>> parts = mra2(x, "db1", level=2)
    >>> len(parts), len(parts[1]), bool(jnp.allclose(imra2(parts), x, atol=1e-3))
    (3, 3, True)
""",
    "mran": """    >>> import jax.numpy as jnp
    >>> x = jnp.arange(512.0).reshape(8, 8, 8)
    >>> parts = mran(x, "db1", level=1)
    >>> sorted(parts[1])[:3], bool(jnp.allclose(imran(parts), x, atol=1e-3))
    (['aad', 'ada', 'add'], True)
""",
    "imra": """    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(-1.0, 1.0, 40)
    >>> y = imra(mra(x, "sym3", transform="dwt", mode="symmetric"))
    >>> bool(jnp.allclose(y, x, atol=1e-5))
    True
""",
    "imra2": """    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(-1.0, 1.0, 480).reshape(20, 24)
    >>> y = imra2(mra2(x, "db2", level=2, transform="dwt2", mode="zero"))
    >>> bool(jnp.allclose(y, x, atol=1e-5))
    True
""",
    "imran": """    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(-1.0, 1.0, 256).reshape(16, 16)
    >>> bool(jnp.allclose(imran(mran(x, "db1", level=2)), x, atol=1e-5))
    True
""",
}
for _name, _example in _MRA_EXAMPLES.items():
    globals()[_name].__doc__ = mra_docstring(_name, "jax.Array", _example)
del _name, _example


# --- thresholds (docstrings: bridges._frontend_thresholds) --------------------------------

def _host_value(v):
    """A threshold's values as NumPy where they are on the host; None where
    they are traced (jit, grad, vmap) or on a device (reading them would
    synchronize)."""
    if type(v) in (int, float):  # the common case: Python's comparisons are cheapest
        return v
    if isinstance(v, jax.core.Tracer):
        return None
    if isinstance(v, jax.Array) and next(iter(v.devices())).platform != "cpu":
        return None
    return np.asarray(v)


_threshold_api = ThresholdFrontend(SimpleNamespace(
    abs=jnp.abs, where=jnp.where, relu=jax.nn.relu, ones_like=jnp.ones_like,
    full_like=jnp.full_like, is_complex=jnp.iscomplexobj,
    is_floating=lambda a: jnp.issubdtype(jnp.asarray(a).dtype, jnp.floating),
    host_value=_host_value, asarray=lambda v, like: jnp.asarray(v, dtype=jnp.real(like).dtype)))


def threshold(data, value, mode: str = "soft", substitute=0) -> jax.Array:
    return _threshold_api.threshold(jnp.asarray(data), value, mode, substitute)


def threshold_firm(data, value_low, value_high) -> jax.Array:
    return _threshold_api.threshold_firm(jnp.asarray(data), value_low, value_high)


threshold.__doc__ = threshold_docstring("threshold", "jax.Array", """\
    >>> import jax, jax.numpy as jnp
    >>> data = jnp.linspace(1.0, 4.0, 7)
    >>> [round(v, 4) for v in threshold(data, 2.0, "soft").tolist()]
    [0.0, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0]
    >>> float(jax.grad(lambda v: threshold(data, v, "soft").sum())(2.0))  # a learned threshold
    -4.0
""")
threshold_firm.__doc__ = threshold_docstring("threshold_firm", "jax.Array", """\
    >>> import jax.numpy as jnp
    >>> y = threshold_firm(jnp.array([0.1, 0.5, 1.0, 3.0]), 0.2, 2.0)
    >>> [round(v, 4) for v in y.tolist()]
    [0.0, 0.3333, 0.8889, 3.0]
""")


@shared_docs
def pad(x, pad_widths, mode: str) -> jax.Array:
    """Extend an array past its edges by a signal extension mode (``pywt.pad``).

    The values are ``cuwavelet.pad``'s (the boundary extension the transforms
    use); both derivatives are exact: the JVP pads the tangent, the transpose
    is ``cuwavelet.adjoint.pad``. Works under jax.jit and jax.vmap.

    Parameters
    ----------
    x : array_like
        The array to pad. float16 and bfloat16 are padded in float32 and cast
        back; integer arrays are padded as they are, and bool ones (masks) in
        the modes that copy samples.
    {pad_widths}
    {pad_mode}

    Returns
    -------
    jax.Array
        The padded array, of x's dtype.

    Examples
    --------
    >>> import jax
    >>> import jax.numpy as jnp
    >>> x = jnp.array([1.0, 2.0, 4.0], dtype=jnp.float32)
    >>> pad(x, (1, 2), "smooth")
    Array([0., 1., 2., 4., 6., 8.], dtype=float32)
    >>> jax.grad(lambda t: pad(t, (1, 2), "smooth").sum())(x)
    Array([ 3., -3.,  6.], dtype=float32)
    """
    x = jnp.asarray(x)
    widths = _padding.pad_widths_of(pad_widths, x.ndim)
    m = _padding.mode_of(mode)
    dtype = np.dtype(x.dtype)
    if dtype.kind == "b":  # a mask: its bytes, in a mode that copies samples
        _padding.check_mask_mode(m)
    if any(before or after for before, after in widths):  # (here: not inside a callback)
        _padding.check_unsigned_mode(dtype, m)
    compute = np.dtype(np.uint8) if dtype.kind == "b" else \
        dtype if dtype.kind in "iu" else _compute_dtype(dtype)
    y = _PAD((x.astype(compute),), widths=tuple(tuple(w) for w in widths), mode=m,
             sizes=tuple(x.shape))[0]
    return y if y.dtype == dtype else y.astype(dtype)


def cwt(data, scales, wavelet, sampling_period: float = 1.0, method: str = "conv",
        axis: int = -1, *, precision: int = 12) -> tuple:
    x = jnp.asarray(data)
    dtype = np.dtype(x.dtype)
    compute = _compute_dtype(dtype)
    fixed, learned = cwt_route(wavelet, lambda p: isinstance(p, (jax.Array, np.ndarray)))
    if learned is not None:
        family, parameters, bounds, static_scales, ax, prec = cwt_learned_call(
            learned, scales, method, axis, x.ndim, precision)
        _cwt.check_samples(x.shape[ax], axis)
        from . import _jax_portable  # (it imports this module)
        return _jax_portable.learned_cwt(x.astype(compute), family, parameters, bounds,
                                         static_scales, prec, ax), None
    spec, static_scales, prec, ax, freqs = cwt_arguments(scales, fixed, sampling_period,
                                                         method, axis, x.ndim, precision)
    _cwt.check_samples(x.shape[ax], axis)
    # (its errors now, not inside XLA's callback)
    _cwt.filters_of(spec, _cwt.scales_of(static_scales), prec, compute)
    y = _CWT((x.astype(compute),), spec=spec, scales=static_scales, precision=prec, axis=ax,
             real=compute.kind != "c")[0]
    if dtype in _LOW_PRECISION and y.dtype.kind != "c":
        y = y.astype(dtype)
    return y, freqs


cwt.__doc__ = cwt_docstring("jax.Array", """    >>> import jax
    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(0.0, 1.0, 128, dtype=jnp.float32) ** 2
    >>> coefs, freqs = cwt(x, [1, 2, 4, 8], "mexh")
    >>> coefs.shape
    (4, 128)
    >>> g = jax.grad(lambda t: jnp.sum(cwt(t, [1, 2, 4, 8], "cmor1.5-1.0")[0].real ** 2))(x)
    >>> g.shape, g.dtype
    ((128,), dtype('float32'))
""")


# --- coefficient layouts (docstrings: bridges._frontend_layout) ------------------------

_layout_api = LayoutFrontend(SimpleNamespace(
    is_array=lambda v: isinstance(v, (jax.Array, np.ndarray)), library="a jax.Array",
    full=lambda shape, value, like: jnp.full(shape, value, dtype=like.dtype),
    padded=lambda x, widths, value: jnp.pad(x, [(0, w) for w in widths], constant_values=value),
    concatenate=lambda arrays, axis: jnp.concatenate(arrays, axis=axis),
    cast=lambda x, like: jnp.asarray(x).astype(like.dtype)))


def coeffs_to_array(coeffs, padding=0, axes=None) -> tuple:
    return _layout_api.coeffs_to_array(coeffs, padding, axes)


def array_to_coeffs(arr, coeff_slices, output_format="wavedecn") -> list:
    return _layout_api.array_to_coeffs(jnp.asarray(arr), coeff_slices, output_format)


def ravel_coeffs(coeffs, axes=None) -> tuple:
    return _layout_api.ravel_coeffs(coeffs, axes)


def unravel_coeffs(arr, coeff_slices, coeff_shapes, output_format="wavedecn") -> list:
    return _layout_api.unravel_coeffs(jnp.asarray(arr), coeff_slices, coeff_shapes,
                                      output_format)


_LAYOUT_EXAMPLES = {
    "coeffs_to_array": """    >>> import jax, jax.numpy as jnp
    >>> x = jnp.linspace(-1.0, 1.0, 256).reshape(16, 16)
    >>> arr, slices = coeffs_to_array(wavedec2(x, "haar", level=2))
    >>> arr.shape, slices[1]["dd"]
    ((16, 16), (slice(4, 8, None), slice(4, 8, None)))
    >>> l1 = lambda v: jnp.abs(coeffs_to_array(wavedec2(v, "haar", level=2))[0]).sum()
    >>> jax.grad(l1)(x).shape  # an l1 penalty on every coefficient
    (16, 16)
""",
    "array_to_coeffs": """    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(-1.0, 1.0, 256).reshape(16, 16)
    >>> arr, slices = coeffs_to_array(wavedec2(x, "db1", level=3))
    >>> coeffs = array_to_coeffs(arr, slices, output_format="wavedec2")
    >>> bool(jnp.allclose(waverec2(coeffs, "db1"), x, atol=1e-5))
    True
""",
    "ravel_coeffs": """    >>> import jax.numpy as jnp
    >>> x = jnp.ones((2, 100))
    >>> arr, slices, shapes = ravel_coeffs(wavedecn(x, "db2", level=2, axes=(-1,)), axes=(-1,))
    >>> arr.shape, shapes[0]
    ((210,), (2, 27))
""",
    "unravel_coeffs": """    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(-1.0, 1.0, 100)
    >>> arr, slices, shapes = ravel_coeffs(wavedec(x, "db2", level=2))
    >>> coeffs = unravel_coeffs(arr, slices, shapes, output_format="wavedec")
    >>> bool(jnp.allclose(waverec(coeffs, "db2"), x, atol=1e-5))
    True
""",
}
for _name, _example in _LAYOUT_EXAMPLES.items():
    globals()[_name].__doc__ = layout_docstring(_name, "jax.Array", _example)
del _name, _example


# --- partial and fully separable transforms (docstrings: bridges._frontend_partial) -------

_partial_api = PartialFrontend(_api, lambda shape, like: jnp.zeros(shape, dtype=like.dtype),
                               lambda arrays, axis: jnp.concatenate(arrays, axis=axis),
                               learned=lambda wavelet: _traced_filters(wavelet) is not None)


def downcoef(part, data, wavelet, mode="symmetric", level=1, axis=None) -> jax.Array:
    return _partial_api.downcoef(part, jnp.asarray(data), wavelet, mode, level, axis)


def upcoef(part, coeffs, wavelet, level=1, take=0, axis=None) -> jax.Array:
    return _partial_api.upcoef(part, jnp.asarray(coeffs), wavelet, level, take, axis)


def fswavedecn(data, wavelet, mode="symmetric", levels=None, axes=None) -> FswavedecnResult:
    return _partial_api.fswavedecn(jnp.asarray(data), wavelet, mode, levels, axes)


def fswaverecn(fswavedecn_result) -> jax.Array:
    return _partial_api.fswaverecn(fswavedecn_result)


def filter_bank_errors(wavelet) -> tuple:
    bank = wavelet
    if not isinstance(wavelet, (str, tuple, list)):
        bank = getattr(wavelet, "filter_bank", wavelet)
    if isinstance(bank, (tuple, list)) and len(bank) == 4 and \
            all(isinstance(f, (jax.Array, np.ndarray)) for f in bank):
        filters = tuple(jnp.asarray(f) for f in bank)
    else:
        fixed = as_filter_bank(wavelet)
        filters = tuple(jnp.asarray(np.asarray(f, np.float64)) for f in
                        (fixed.dec_lo, fixed.dec_hi, fixed.rec_lo, fixed.rec_hi))
    shapes = {f.shape for f in filters}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1 or filters[0].shape[0] % 2:
        raise ValueError(f"a filter bank needs four 1-D filters of one even length (dec_lo, "
                         f"dec_hi, rec_lo, rec_hi); got shapes {[f.shape for f in filters]}")
    signs = jnp.asarray(alternating_signs(filters[0].shape[0]), dtype=filters[0].dtype)
    return filter_bank_conditions(*filters, jnp.convolve, signs)


filter_bank_errors.__doc__ = numpydoc(FILTER_BANK_DOCS, "filter_bank_errors", "jax.Array", """\
    >>> import jax, jax.numpy as jnp, pywt
    >>> r, a = filter_bank_errors("db4")
    >>> float(r) < 1e-10 and float(a) < 1e-10
    True
    >>> bank = [jnp.asarray(f) for f in pywt.Wavelet("db4").filter_bank]
    >>> loss = lambda b: sum(filter_bank_errors(b))  # a term of a training loss
    >>> [g.shape for g in jax.grad(loss)(bank)]
    [(8,), (8,), (8,), (8,)]
""", gradient=FILTER_BANK_GRADIENT)


def _vector(f, what: str) -> jax.Array:
    """A 1-D real floating-point array (integers: JAX's default float)."""
    a = jnp.asarray(f)
    if jnp.issubdtype(a.dtype, jnp.integer) or a.dtype == jnp.bool_:
        a = a.astype(jnp.result_type(float))
    _lattice.check_vector(a.shape, jnp.issubdtype(a.dtype, jnp.floating), what)
    return a


def lattice_filter_bank(angles) -> tuple:
    return _lattice.lattice(_vector(angles, "lattice angles (K - 1 for 2K taps)"), jnp)


def orthogonal_filter_bank(scaling_filter) -> tuple:
    return _lattice.orthogonal_filter_bank_of(_vector(scaling_filter, "scaling_filter"), jnp)


def qmf(filt) -> jax.Array:
    return _lattice.quadrature_mirror(_vector(filt, "filt"), jnp)


def portable(enabled: bool = True) -> contextlib.AbstractContextManager:
    """A context in which the transforms are computed by jax.numpy operations,
    for programs that must run without cuwavelet (``jax.export``).

    The transforms are JAX primitives whose lowering calls cuwavelet's
    kernels back on the host or the device, which ``jax.export`` cannot
    serialize. Inside this context every call is traced as plain jax.numpy
    operations instead (index gathers for the boundary extension, read from
    the core's own ``pad``; the filters as strided slices times taps), with
    pywt's values in every mode, dtype and wavelet, learned filter banks
    included; JAX differentiates, batches and compiles them as its own.
    Covered: the DWT family (``dwt`` ... ``waverecn``), ``swt`` ... ``iswtn``,
    ``packet_decompose``/``packet_reconstruct``, ``mra``,
    ``downcoef``/``upcoef``, ``fswavedecn``, ``pad`` and ``cwt`` (by
    jax.numpy's FFTs), at the shapes they are traced at. On a CPU under
    ``jax.jit`` XLA fuses them into loops whose forward beats the kernels'
    callbacks (``benchmarks/bench_portable.py --jax``), though their
    gradients are far slower than the adjoint kernels and they take longer to
    compile; on a GPU the kernels are expected to win. Entering and leaving the context
    clears JAX's caches (``jax.clear_caches``), so that a function jitted on
    one side is traced again on the other (compiled functions compile again
    once).
    Eager calls inside the context take the plain route too. The context is
    process-wide; trace in one thread at a time.

    Parameters
    ----------
    enabled : bool
        False makes the context do nothing, for code that chooses at run time.

    Returns
    -------
    contextlib.AbstractContextManager
        Enter it with ``with``; leaving it restores the primitives.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from jax import export
    >>> from bridges import jax as cwj
    >>> def denoise(x):
    ...     a, *details = cwj.wavedec2(x, "db2", mode="symmetric", level=2)
    ...     details = [tuple(cwj.threshold(d, 0.5) for d in lvl) for lvl in details]
    ...     return cwj.waverec2([a, *details], "db2", mode="symmetric")
    >>> x = jax.random.normal(jax.random.key(0), (1, 32, 32))
    >>> with cwj.portable():
    ...     program = export.export(jax.jit(denoise))(x)
    >>> restored = export.deserialize(program.serialize())  # no cuwavelet needed from here
    >>> bool(jnp.allclose(restored.call(x), denoise(x), atol=1e-5))
    True
    """
    if not enabled:
        return contextlib.nullcontext()
    from . import _jax_portable
    return _jax_portable.portable()


lattice_filter_bank.__doc__ = numpydoc(FILTER_BANK_DOCS, "lattice_filter_bank", "jax.Array", """\
    >>> import jax, jax.numpy as jnp
    >>> x = jax.random.normal(jax.random.key(0), (4, 64))
    >>> def loss(angles):  # orthogonal for any angles: 8 taps
    ...     bank = lattice_filter_bank(angles)
    ...     return sum(jnp.abs(c).sum() for c in wavedec(x, bank, "periodization", 3)[1:])
    >>> jax.grad(loss)(jnp.array([0.3, -1.2, 0.5])).shape
    (3,)
""", gradient=CONSTRUCTION_GRADIENT)
orthogonal_filter_bank.__doc__ = numpydoc(FILTER_BANK_DOCS, "orthogonal_filter_bank",
                                          "jax.Array", """\
    >>> import jax.numpy as jnp
    >>> dec_lo, dec_hi, rec_lo, rec_hi = orthogonal_filter_bank(jnp.array([1.0, 3.0, 3.0, 1.0]))
    >>> [round(float(v), 4) for v in rec_lo]
    [0.1768, 0.5303, 0.5303, 0.1768]
""", gradient=CONSTRUCTION_GRADIENT)
qmf.__doc__ = numpydoc(FILTER_BANK_DOCS, "qmf", "jax.Array", """\
    >>> import jax.numpy as jnp
    >>> [float(v) for v in qmf(jnp.array([1.0, 2.0, 3.0, 4.0]))]
    [4.0, -3.0, 2.0, -1.0]
""", gradient=CONSTRUCTION_GRADIENT)


class _FswavedecnLayout:
    """An FswavedecnResult's layout (slices, wavelets, modes, axes) as the
    static part of a pytree: equal where the values are, so that jit caches
    and tree operations match results of equal layouts."""

    def __init__(self, result: FswavedecnResult):
        if any(_traced_filters(w) is not None for w in result.wavelets):
            raise TypeError("an FswavedecnResult holding a learned filter bank (traced arrays) "
                            "cannot leave the traced function or be mapped over as a pytree: "
                            "its wavelets are the static part; use it inside the function "
                            "(fswaverecn, a loss) or pass the filters along separately")
        self.slices = tuple(tuple((s.start, s.stop) for s in axis) for axis in result.coeff_slices)
        self.wavelets, self.modes, self.axes = result.wavelets, result.modes, result.axes
        banks = tuple(tuple(tuple(f) for f in w.filter_bank) for w in self.wavelets)
        self._key = (self.slices, banks, tuple(self.modes), self.axes)

    def __eq__(self, other):
        return isinstance(other, _FswavedecnLayout) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def result(self, coeffs) -> FswavedecnResult:
        slices = [[slice(start, stop) for start, stop in axis] for axis in self.slices]
        return FswavedecnResult(coeffs, slices, self.wavelets, self.modes, self.axes)


# fswavedecn's result through jit, grad and vmap: its coefficients are the leaf.
jax.tree_util.register_pytree_node(
    FswavedecnResult, lambda r: ((r.coeffs,), _FswavedecnLayout(r)),
    lambda layout, children: layout.result(children[0]))


_PARTIAL_EXAMPLES = {
    "downcoef": """    >>> import jax.numpy as jnp
    >>> [round(v, 4) for v in downcoef("a", jnp.arange(8.0), "haar", mode="zero").tolist()]
    [0.7071, 3.5355, 6.364, 9.1924]
""",
    "upcoef": """    >>> import jax, jax.numpy as jnp
    >>> upcoef("a", jnp.ones(3), "db2", level=2).shape
    (18,)
    >>> jax.grad(lambda c: upcoef("a", c, "db2", level=2).sum())(jnp.ones(3)).shape
    (3,)
""",
    "fswavedecn": """    >>> import jax, jax.numpy as jnp
    >>> x = jnp.linspace(-1.0, 1.0, 1024).reshape(32, 32)
    >>> result = jax.jit(lambda v: fswavedecn(v, "sym2", levels=(1, 3)))(x)
    >>> result.detail_keys()[:3], result[1, 3].shape
    ([(0, 1), (0, 2), (0, 3)], (17, 17))
""",
    "fswaverecn": """    >>> import jax.numpy as jnp
    >>> x = jnp.linspace(-1.0, 1.0, 48).reshape(6, 8)
    >>> bool(jnp.allclose(fswaverecn(fswavedecn(x, "db2")), x, atol=1e-5))
    True
""",
}
for _name, _example in _PARTIAL_EXAMPLES.items():
    globals()[_name].__doc__ = partial_docstring(_name, "jax.Array", _example)
del _name, _example
