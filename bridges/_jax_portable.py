"""bridges.jax.portable(): the JAX bridge's operations as plain jax.numpy
operations (bridges/_portable.py), traced in the primitives' place
(bridges/jax.py: _LinearOp.__call__, _whole), so that jax.export serializes
programs that run without cuwavelet (and without its host callbacks)."""
from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp
import numpy as np

from cuwavelet import _cwt

from . import _portable as P
from . import jax as bridge


def _real_dtype(like):
    return jnp.finfo(like.dtype).dtype if jnp.issubdtype(like.dtype, jnp.complexfloating) \
        else like.dtype


class JaxArrays(P.Arrays):
    @staticmethod
    def take(x, index, axis):
        return jnp.take(x, np.asarray(index), axis=axis)

    @staticmethod
    def periodic(x, axis, start, stop):
        return jnp.take(x, np.arange(start, stop) % x.shape[axis], axis=axis)

    @staticmethod
    def constant(values, like):
        return jnp.asarray(values, dtype=_real_dtype(like))

    @staticmethod
    def real(filters, like):
        return filters.astype(_real_dtype(like))

    @staticmethod
    def zeros(shape, like):
        return jnp.zeros(shape, like.dtype)

    @staticmethod
    def cat(parts, axis):
        return jnp.concatenate(parts, axis)

    @staticmethod
    def stack(parts, axis=0):
        return jnp.stack(parts, axis)

    @staticmethod
    def expand(x, axis):
        return jnp.expand_dims(x, axis)

    @staticmethod
    def moveaxis(x, source, destination):
        return jnp.moveaxis(x, source, destination)


    @staticmethod
    def dtype_name(x):
        return np.dtype(x.dtype).name

    @staticmethod
    def fft(x, n, real):
        return jnp.fft.rfft(x, n=n, axis=-1) if real else jnp.fft.fft(x, n=n, axis=-1)

    @staticmethod
    def ifft(spectrum, n, real):
        return jnp.fft.irfft(spectrum, n=n, axis=-1) if real else jnp.fft.ifft(spectrum, axis=-1)

    @staticmethod
    def cwt_spectra(spec, scales, precision, dtype_name, n):
        period, full, spectra = _cwt.portable_spectra(spec, scales, precision, dtype_name, n)
        return period, full, jnp.asarray(spectra)

    @staticmethod
    def times_spectra(spectrum, spectra):
        return spectra.reshape(spectra.shape[:1] + (1,) * (spectrum.ndim - 1)
                               + spectra.shape[1:]) * spectrum


    @staticmethod
    def as_spectra(spectra):
        return spectra

    math = jnp

    @staticmethod
    def widened(parameters):
        return [jnp.asarray(p, dtype=jax.dtypes.canonicalize_dtype(np.float64))
                for p in parameters]

    @staticmethod
    def cast(x, dtype):
        return x.astype(jax.dtypes.canonicalize_dtype(np.dtype(dtype)))

    @staticmethod
    def constant_of(x):
        return jax.lax.stop_gradient(x)

    @staticmethod
    def learned_tables(bounds, scales, precision, real_name, n):
        return _cwt.learned_tables(bounds, scales, precision, real_name, n)

    @staticmethod
    def scattered(shape, rows, columns, values):
        return jnp.zeros(shape, values.dtype).at[np.asarray(rows), np.asarray(columns)].set(values)


A = JaxArrays
_LEVEL_OPS = P.level_ops(A)


# --- the operations, from their params (bridges/jax.py) -------------------------------

def _dwtn(arrays, spec, sizes):
    (x,) = arrays
    return P.dwtn(A, x, *spec.core(x.ndim))


def _idwtn(arrays, spec):
    return (P.idwtn(A, arrays, *spec.core(bridge._first(arrays).ndim)),)


def _pad(arrays, widths, mode, sizes):
    (x,) = arrays
    return (P.pad(A, x, bridge._pad_widths(x.ndim, widths), mode),)


def _swtn(arrays, static):
    (x,) = arrays
    axes, banks, _ = static.core(x.ndim)
    return P.swtn(A, x, axes, banks, static.start_level, static.level)


def _iswtn(arrays, static):
    ref = bridge._first(arrays)
    axes, banks, _ = static.core(ref.ndim)
    a = arrays[0] if arrays[0] is not None else jnp.zeros(ref.shape, ref.dtype)
    return (P.iswtn(A, (a, *arrays[1:]), axes, banks, static.level),)


def _wavedec(arrays, static):
    (x,) = arrays
    return P.wavedec(A, x, *static.core(x.ndim), static.level)


def _waverec(arrays, static):
    ref = bridge._first(arrays)
    return (P.waverec(A, arrays, *static.core(ref.ndim),
                      bridge._waverec_shapes(static, ref.shape)[1], static.trim_first),)


def _packet_decompose(arrays, static):
    (x,) = arrays
    rows = P.packet_decompose(A, x, *static.core(x.ndim), static.level)
    return tuple(rows[i] for i in range(rows.shape[0]))


def _packet_reconstruct(arrays, static):
    ref = bridge._first(arrays)
    rows = jnp.stack([n if n is not None else jnp.zeros(ref.shape, ref.dtype) for n in arrays])
    shapes = None if static.sizes is None else static.level_shapes(ref.shape)
    return (P.packet_reconstruct(A, rows, *static.core(ref.ndim), static.level, shapes),)


def _analysis(arrays, axis, mode, n, F, items):
    x, f = arrays
    return P.analysis(A, x, axis % x.ndim, f, mode)


def _synthesis(arrays, axis, mode, n, F, items):
    lo, hi, f = arrays
    return (P.synthesis(A, lo, hi, axis % bridge._first((lo, hi)).ndim, f, mode),)


def _cwt_form(arrays, spec, scales, precision, axis, real):
    (x,) = arrays
    return (P.cwt(A, x, spec, scales, precision, axis % x.ndim),)


def learned_cwt(x, family, parameters, bounds, scales, precision, axis):
    """bridges.jax.cwt of a wavelet with array parameters (learned)."""
    return P.learned_cwt(A, x, family, parameters, bounds, scales, precision, axis)


def _learned_whole(arrays, kind):
    return bridge._at(kind, bridge._first(arrays).ndim).by_operations(list(arrays), _LEVEL_OPS)[0]


_FORMS = {"dwtn": _dwtn, "idwtn": _idwtn, "pad": _pad, "swtn": _swtn, "iswtn": _iswtn,
          "wavedec": _wavedec, "waverec": _waverec, "packet_decompose": _packet_decompose,
          "packet_reconstruct": _packet_reconstruct, "learned_analysis_dc": _analysis,
          "learned_synthesis_dy": _synthesis, "learned_whole": _learned_whole, "cwt": _cwt_form}


def form(name: str, arrays, params: dict) -> tuple:
    """The results of operation `name` computed by jax.numpy operations."""
    fn = _FORMS.get(name)
    if fn is None:
        raise NotImplementedError(
            f"cuwavelet's {name} operation has no portable form; portable() covers the "
            "forward transforms (dwt/wavedec/swt and their inverses in 1D, 2D and nD, "
            "learned filter banks included), packets, pad and cwt; their derivatives are "
            "JAX's own of these forms")
    return tuple(fn(tuple(arrays), **params))


@contextlib.contextmanager
def portable():
    # jax.jit keeps a function's trace whatever the context it was made in:
    # the caches are cleared on the way in and out, so that each side traces
    # its own (what was compiled compiles again once)
    previous = bridge.portable_form
    jax.clear_caches()
    bridge.portable_form = form
    try:
        yield
    finally:
        bridge.portable_form = previous
        jax.clear_caches()
