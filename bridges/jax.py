"""cuwavelet for jax.Array: pywt's transforms (same names, arguments and
coefficient structures), differentiable in reverse mode (jax.grad, jax.vjp)
through cuwavelet's exact adjoints.

Design
------
Four linear level operations are ``jax.custom_vjp`` functions:

    _dwtn(x)                 -> subbands   one analysis level over `axes`
    _dwtn_adjoint(subbands)  -> x          its transpose
    _idwtn(subbands)         -> y          one synthesis level (None entries are zeros)
    _idwtn_adjoint(y)        -> subbands   its transpose

each with its transposed operation as backward (itself a custom_vjp function,
so gradients of every order are exact adjoints). The multilevel transforms
are Python loops over them (bridges._frontend, shared with the torch bridge);
waverec's trimming is slicing, which JAX differentiates. Axes are stored
counted from the end, so a leading batch axis added by jax.vmap leaves them
pointing at the same data. Forward mode (jax.jvp) is not available: JAX does
not run custom_vjp functions forward-mode.

How arrays reach the core, and where copies happen
--------------------------------------------------
* Concrete arrays (eager calls, including eager jax.grad):
  - CPU: inputs reach the core without a copy (``numpy.from_dlpack``, a
    read-only view of the XLA buffer). Results go back with
    ``jax.dlpack.from_dlpack``: XLA adopts a NumPy buffer without a copy only
    when it is 64-byte aligned. The core's allocations are made 64-byte
    aligned, so whole results (inverse levels, adjoints of analysis levels) are
    adopted; subbands, which are views into one buffer, are copied by JAX
    unless their offsets happen to be aligned.
  - GPU: DLPack both ways to CuPy; the CUDA kernels run on the device (JAX
    may copy an unaligned subband on import, as above).
* Traced arrays (under jax.jit, jax.vmap, or grad of a jitted function):
  ``jax.pure_callback``. JAX copies the operands into host buffers for the
  callback and copies the results back: one copy each way on CPU; on GPU a
  device-to-host and a host-to-device transfer, and the transform then runs
  on the CPU. For device-resident work under jit, use cuwavelet on CuPy arrays.

dtypes: float32, float64, complex64 and complex128 as given (float64 needs
``jax_enable_x64``); float16 and bfloat16 are computed in float32 and cast
back; integers and bools are computed in JAX's default float dtype.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from cuwavelet import _multilevel as ml
from cuwavelet._arrays import allocator
from cuwavelet._shapes import coeff_len, coeff_len_of_rec, rec_len, with_len

from ._frontend import Frontend, subband_keys

__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn"]

_CORE_DTYPES = tuple(np.dtype(d) for d in (np.float32, np.float64, np.complex64, np.complex128))
_LOW_PRECISION = (np.dtype(jnp.float16), np.dtype(jnp.bfloat16))


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
    fn returns a tuple of core arrays shaped like out_avals."""
    present = [a for a in arrays if a is not None]
    if not any(isinstance(a, jax.core.Tracer) for a in present):
        platform = next(iter(present[0].devices())).platform
        if platform == "cpu":
            with allocator(_aligned_empty):
                outs = fn(*[None if a is None else np.from_dlpack(a) for a in arrays])
                return tuple(jax.dlpack.from_dlpack(o) for o in outs)
        if platform == "gpu" and _has_cupy():
            return _run_cupy(fn, arrays)
    return _run_callback(fn, arrays, out_avals)


def _run_callback(fn, arrays, out_avals):
    mask = [a is not None for a in arrays]

    def host(*given):
        given = iter(np.asarray(g) for g in given)
        return tuple(fn(*[next(given) if m else None for m in mask]))

    return jax.pure_callback(host, tuple(out_avals), *[a for a in arrays if a is not None],
                             vmap_method="broadcast_all")


def _run_cupy(fn, arrays):
    import cupy
    device = next(iter(next(a for a in arrays if a is not None).devices()))
    with cupy.cuda.Device(device.local_hardware_id):
        outs = fn(*[None if a is None else cupy.from_dlpack(a) for a in arrays])
        return tuple(jax.dlpack.from_dlpack(o) for o in outs)


def _has_cupy() -> bool:
    return importlib.util.find_spec("cupy") is not None


# --- the four level operations ---------------------------------------------------------

@partial(jax.custom_vjp, nondiff_argnums=(1, 2))
def _dwtn(x, spec: _Spec, sizes: tuple):
    lens = [coeff_len(n, b.length, m) for n, b, m in zip(sizes, spec.banks, spec.modes)]
    aval = jax.ShapeDtypeStruct(_with_lens(x.shape, spec.axes, lens), x.dtype)

    def run(a):
        sub = ml.dwtn(a, *spec.core(a.ndim))
        return tuple(sub[k] for k in spec.keys)

    return _run(run, (x,), [aval] * len(spec.keys))


@partial(jax.custom_vjp, nondiff_argnums=(1, 2))
def _dwtn_adjoint(subbands: tuple, spec: _Spec, sizes: tuple):
    ref = next(s for s in subbands if s is not None)
    aval = jax.ShapeDtypeStruct(_with_lens(ref.shape, spec.axes, sizes), ref.dtype)

    def run(*subs):
        cots = {k: s for k, s in zip(spec.keys, subs) if s is not None}
        shape = next(iter(cots.values())).shape
        axes, banks, modes = spec.core(len(shape))
        return (ml.dwtn_adjoint(cots, axes, banks, modes, _with_lens(shape, axes, sizes)),)

    return _run(run, subbands, [aval])[0]


@partial(jax.custom_vjp, nondiff_argnums=(1,))
def _idwtn(subbands: tuple, spec: _Spec):
    ref = next(s for s in subbands if s is not None)
    lens = [rec_len(ref.shape[a], b.length, m) for a, b, m in zip(spec.axes, spec.banks, spec.modes)]
    aval = jax.ShapeDtypeStruct(_with_lens(ref.shape, spec.axes, lens), ref.dtype)

    def run(*subs):
        c = {k: s for k, s in zip(spec.keys, subs) if s is not None}
        return (ml.idwtn(c, *spec.core(_ndim(subs))),)

    return _run(run, subbands, [aval])[0]


@partial(jax.custom_vjp, nondiff_argnums=(1,))
def _idwtn_adjoint(y, spec: _Spec):
    lens = [coeff_len_of_rec(y.shape[a], b.length, m)
            for a, b, m in zip(spec.axes, spec.banks, spec.modes)]
    aval = jax.ShapeDtypeStruct(_with_lens(y.shape, spec.axes, lens), y.dtype)

    def run(a):
        sub = ml.idwtn_adjoint(a, *spec.core(a.ndim))
        return tuple(sub[k] for k in spec.keys)

    return _run(run, (y,), [aval] * len(spec.keys))


def _ndim(arrays):
    return next(a for a in arrays if a is not None).ndim


# Each backward is the transposed operation (differentiable in turn). Linear
# maps keep no residuals.

def _dwtn_fwd(x, spec, sizes):
    return _dwtn(x, spec, sizes), None


def _dwtn_bwd(spec, sizes, _, g):
    return (_dwtn_adjoint(tuple(g), spec, sizes),)


def _dwtn_adjoint_fwd(subbands, spec, sizes):
    return _dwtn_adjoint(subbands, spec, sizes), tuple(s is not None for s in subbands)


def _dwtn_adjoint_bwd(spec, sizes, present, g):
    sub = _dwtn(g, spec, sizes)
    return (tuple(s if p else None for s, p in zip(sub, present)),)


def _idwtn_fwd(subbands, spec):
    return _idwtn(subbands, spec), tuple(s is not None for s in subbands)


def _idwtn_bwd(spec, present, g):
    sub = _idwtn_adjoint(g, spec)
    return (tuple(s if p else None for s, p in zip(sub, present)),)


def _idwtn_adjoint_fwd(y, spec):
    return _idwtn_adjoint(y, spec), None


def _idwtn_adjoint_bwd(spec, _, g):
    return (_idwtn(tuple(g), spec),)


_dwtn.defvjp(_dwtn_fwd, _dwtn_bwd)
_dwtn_adjoint.defvjp(_dwtn_adjoint_fwd, _dwtn_adjoint_bwd)
_idwtn.defvjp(_idwtn_fwd, _idwtn_bwd)
_idwtn_adjoint.defvjp(_idwtn_adjoint_fwd, _idwtn_adjoint_bwd)


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


class _JaxBackend:
    """What bridges._frontend needs: conversions and one level each way."""

    @staticmethod
    def prepare(values: dict):
        arrays = {k: (None if v is None else jnp.asarray(v)) for k, v in values.items()}
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

    @staticmethod
    def cast(coeffs, dtype):
        return jax.tree_util.tree_map(lambda a: a if a.dtype == dtype else a.astype(dtype), coeffs)

    @staticmethod
    def spec(axes, banks, modes):
        return axes, banks, modes  # completed per call: axes from the end need ndim

    @staticmethod
    def split(x, spec) -> dict:
        axes, banks, modes = spec
        s = _Spec(tuple(a - x.ndim for a in axes), tuple(banks), tuple(modes))
        sub = _dwtn(x, s, tuple(x.shape[a] for a in axes))
        return dict(zip(s.keys, sub))

    @staticmethod
    def merge(d: dict, spec):
        axes, banks, modes = spec
        ndim = next(iter(d.values())).ndim
        s = _Spec(tuple(a - ndim for a in axes), tuple(banks), tuple(modes))
        unknown = set(d) - set(s.keys)
        if unknown:
            raise ValueError(f"Unexpected subband keys {sorted(unknown)} for {len(axes)} axes.")
        return _idwtn(tuple(d.get(k) for k in s.keys), s)


_api = Frontend(_JaxBackend())
dwt, idwt, dwtn, idwtn, dwt2, idwt2 = _api.dwt, _api.idwt, _api.dwtn, _api.idwtn, _api.dwt2, _api.idwt2
wavedec, waverec, wavedec2, waverec2 = _api.wavedec, _api.waverec, _api.wavedec2, _api.waverec2
wavedecn, waverecn = _api.wavedecn, _api.waverecn
