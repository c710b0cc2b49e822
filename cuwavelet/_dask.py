"""Dask arrays through every public transform, inverse and adjoint, lazily.

A public function called with a ``dask.array.Array`` (NumPy or CuPy chunks)
anywhere in its array arguments lands in `call` (through the `Planned`
wrapper of cuwavelet/_program.py, where such a call cannot be planned) and
returns pywt's structure with dask arrays as leaves. Nothing is computed: the structure, shapes and dtypes come from the
same public function run on zero-size stand-ins, so every argument is checked
exactly as in an eager call, and errors are raised at once.

Two ways to build the graph:

* Transform axes in one chunk each (the usual case: batches of images or
  signals chunked along their batch axes): every block goes through the
  public function itself, one task per block, fused kernels and all. Chunked
  transform axes are rechunked whole instead of split when the Dask config
  key ``cuwavelet.chunked-transform-axes`` is ``"rechunk"`` (a warning says
  when that makes a block larger than ``array.chunk-size``).
* Transform axes split into chunks (the default when they are): level by
  level, the level functions of `_multilevel` run per block on the block
  plus the halo their filters reach along every split axis, so that results
  are pywt's to rounding (see "a level over split axes" below).
"""
from __future__ import annotations

import functools
import importlib
import inspect
import warnings
from itertools import product

import dask
import dask.array as da
import numpy as np
from dask.array.utils import meta_from_array

from . import _multilevel as ml
from ._arrays import check_known_shapes, common_dtype, transform_dtype
from ._primitives import (analysis, analysis_adjoint, split_output_len, synthesis,
                          synthesis_adjoint)
from ._shapes import coeff_len, normalize_axes, normalize_axis, rec_len, with_len
from ._wavelets import MODES, PERIODIZATION

ZERO, PERIODIC = MODES.index("zero"), MODES.index("periodic")

CONFIG_KEY = "cuwavelet.chunked-transform-axes"   # "overlap" (default) or "rechunk"

# Parameters of the public functions that hold arrays or coefficient structures.
SINGLE_ARRAY_PARAMS = ("data", "y", "cA", "cD")
STRUCTURE_PARAMS = ("coeffs",)

# Per public name: how its coefficients are laid out ("1": bare detail arrays,
# "2": (cH, cV, cD) tuples, "n": dicts); and the forward transforms' names.
KIND = {"dwt": "1", "idwt": "1", "wavedec": "1", "waverec": "1",
        "dwt2": "2", "idwt2": "2", "wavedec2": "2", "waverec2": "2",
        "dwtn": "n", "idwtn": "n", "wavedecn": "n", "waverecn": "n"}
FORWARD = {"dwt", "dwt2", "dwtn", "wavedec", "wavedec2", "wavedecn"}
DETAILS_2D = ("da", "ad", "dd")


def min_chunk(bank) -> int:
    """Smallest chunk along a split transform axis: at least two filter lengths,
    so that every halo comes from the next chunk only and boundary chunks hold
    the samples their mode's extension reads; smaller chunks are merged with a
    neighbour (deep levels end up in one chunk)."""
    return max(2 * bank.length, 32)


# --- entry point ---------------------------------------------------------------

def call(public, args, kwargs):
    """`public(*args, **kwargs)` for arguments holding dask arrays."""
    bound = _signature(public).bind(*args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    name, is_adjoint = public.__name__, public.__module__.endswith("adjoint")
    inputs = {p: _as_dask_structure(arguments[p], p in STRUCTURE_PARAMS)
              for p in SINGLE_ARRAY_PARAMS + STRUCTURE_PARAMS if p in arguments}
    arrays = [leaf for v in inputs.values() for leaf in _leaves(v)]
    if not arrays:
        raise ValueError("At least one of the coefficients must be given (all are None).")
    check_known_shapes(*arrays)
    ndim = arrays[0].ndim
    if arguments.get("data_shape") is not None:
        ndim = len(tuple(arguments["data_shape"]))
    axes = _transform_axes(name, is_adjoint, arguments, inputs, ndim)
    meta_out = _meta_call(public, arguments, inputs, axes)

    chunked = any(len(a.chunks[ax]) > 1 for a in arrays for ax in axes)
    how = dask.config.get(CONFIG_KEY, "overlap")
    if how not in ("overlap", "rechunk"):
        raise ValueError(f"Dask config {CONFIG_KEY!r} must be 'overlap' or 'rechunk'; got {how!r}.")
    # The level-wise halos are derived for the decimated family (KIND); every
    # other function gets its transform axes whole in each block.
    if not chunked or how == "rechunk" or name not in KIND:
        return _per_block(public, arguments, inputs, axes, meta_out)
    result = _by_levels(name, is_adjoint, arguments, inputs, axes, meta_out)
    _check_shapes(result, meta_out)
    return result


@functools.lru_cache(maxsize=None)
def _signature(public):
    return inspect.signature(public)


def _transform_axes(name, is_adjoint, arguments, inputs, ndim) -> list:
    """The axes the function transforms, non-negative (as the eager path reads them)."""
    if "axis" in arguments:
        return [normalize_axis(arguments["axis"], ndim)]
    axes = arguments["axes"]
    coeffs = arguments.get("coeffs")
    if axes is None and name == "idwtn" and not is_adjoint and isinstance(coeffs, dict):
        keys = [k for k, v in coeffs.items() if v is not None]  # pywt: the first len(key) axes
        axes = range(len(keys[0]) if keys else ndim)
    return normalize_axes(axes, ndim)


def _meta_call(public, arguments, inputs, axes):
    """The public function on zero-size stand-ins with one extra leading axis of
    length 0: its result gives the output structure, shapes (less the leading
    0) and dtypes without computing anything, and its checks are the eager
    path's. Warnings it raises (a level too deep) are passed on once."""
    args = dict(arguments)
    for p, value in inputs.items():
        args[p] = _map_leaves(value, lambda a: np.empty((0,) + a.shape, a.dtype))
    if "axis" in args:
        args["axis"] = axes[0] + 1
    else:
        args["axes"] = [a + 1 for a in axes]
    if args.get("data_shape") is not None:
        args["data_shape"] = (0,) + tuple(args["data_shape"])
    if args.get("coeff_shapes") is not None:
        args["coeff_shapes"] = _map_shapes(args["coeff_shapes"], lambda s: (0,) + tuple(s))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = public(**args)
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=4)  # the user's line
    return out


def _as_dask_structure(value, is_structure):
    """Dask leaves as given; NumPy/CuPy leaves wrapped in one chunk; None kept."""
    if is_structure:
        return _map_leaves(value, _as_dask)
    return None if value is None else _as_dask(value)


def _as_dask(a):
    if isinstance(a, da.Array):
        return a
    if not (hasattr(a, "shape") and hasattr(a, "dtype")):
        a = np.asarray(a)
    return da.from_array(a, chunks=a.shape)


# --- structures ----------------------------------------------------------------

def _map_leaves(s, fn):
    if isinstance(s, dict):
        return {k: _map_leaves(v, fn) for k, v in s.items()}
    if isinstance(s, (list, tuple)):
        return type(s)(_map_leaves(v, fn) for v in s)
    return None if s is None else fn(s)


def _leaves(s) -> list:
    out = []
    _map_leaves(s, out.append)
    return out


def _map_shapes(s, fn):
    """coeff_shapes-like structures: a tuple/list of ints is a shape, anything else a container."""
    if s is None:
        return None
    if isinstance(s, dict):
        return {k: _map_shapes(v, fn) for k, v in s.items()}
    if isinstance(s, (list, tuple)) and all(isinstance(v, (int, np.integer)) for v in s):
        return fn(s)
    return type(s)(_map_shapes(v, fn) for v in s)


class _Slot:
    """Where the i-th block goes in a template of a structure (pickled to workers)."""
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __dask_tokenize__(self):
        return ("cuwavelet-slot", self.index)


def _template(s, arrays: list):
    """s with each dask leaf replaced by a _Slot into `arrays` (appended to)."""
    def slot(a):
        arrays.append(a)
        return _Slot(len(arrays) - 1)
    return _map_leaves(s, slot)


def _fill(template, blocks):
    return _map_leaves(template, lambda t: blocks[t.index] if isinstance(t, _Slot) else t)


def _check_shapes(result, meta_out):
    got, want = _leaves(result), _leaves(meta_out)
    if len(got) != len(want) or any(tuple(g.shape) != tuple(w.shape[1:]) for g, w in zip(got, want)):
        raise AssertionError("cuwavelet's Dask graph does not match the eager result's structure: "
                             f"{[g.shape for g in got]} vs {[w.shape[1:] for w in want]}")


# --- transform axes whole: one task per block of the batch axes ----------------

def _per_block(public, arguments, inputs, axes, meta_out):
    arrays = []
    templates = {p: _template(v, arrays) for p, v in inputs.items()}
    ndim = arrays[0].ndim
    batch_axes = [i for i in range(ndim) if i not in axes]
    ref = arrays[0]
    batch_chunks = {i: ref.chunks[i] for i in batch_axes}

    def whole(a):
        return tuple(batch_chunks.get(i, a.shape[i]) for i in range(ndim))

    blocks = []
    for a in arrays:
        target = whole(a)
        blocks.append(a if a.chunks == da.core.normalize_chunks(target, a.shape) else a.rechunk(target))
    _warn_if_large(arrays, blocks, axes)

    outputs = _leaves(meta_out)
    chunks = [tuple(batch_chunks.get(i, (m.shape[1 + i],)) for i in range(ndim)) for m in outputs]
    static = {k: v for k, v in arguments.items() if k not in templates}
    tmp = da.map_blocks(_run_block, *blocks, public=(public.__module__, public.__name__),
                        static=static, templates=templates,
                        batch_axes=batch_axes, chunks=chunks[0], dtype=outputs[0].dtype,
                        meta=meta_from_array(ref._meta, ndim, outputs[0].dtype),
                        token=f"cuwavelet-{public.__name__}")
    leaves = iter([tmp.map_blocks(_part, i, chunks=c, dtype=m.dtype,
                                  meta=meta_from_array(ref._meta, ndim, m.dtype))
                   for i, (c, m) in enumerate(zip(chunks, outputs))])
    return _map_leaves(meta_out, lambda _: next(leaves))


def _part(outputs, i):
    """The i-th output of a task that returns several (a plain function: dask
    inspects its signature, which is slow for builtins like operator.getitem)."""
    return outputs[i]


def _run_block(*blocks, public, static, templates, batch_axes):
    """The public function (module, name) on one block; the outputs' leaves as a tuple."""
    public = getattr(importlib.import_module(public[0]), public[1])
    args = dict(static)
    for p, t in templates.items():
        args[p] = _fill(t, blocks)
    batch = {i: blocks[0].shape[i] for i in batch_axes}

    def local(shape):  # a shape argument, for this block's extent along the batch axes
        return tuple(batch.get(i, s) for i, s in enumerate(shape))

    if args.get("data_shape") is not None:
        args["data_shape"] = local(args["data_shape"])
    if args.get("coeff_shapes") is not None:
        args["coeff_shapes"] = _map_shapes(args["coeff_shapes"], local)
    return tuple(_leaves(public(**args)))


def _warn_if_large(arrays, blocks, axes):
    limit = dask.utils.parse_bytes(dask.config.get("array.chunk-size"))
    for a, b in zip(arrays, blocks):
        if b is a or not any(len(a.chunks[ax]) > 1 for ax in axes):
            continue
        largest = int(np.prod(b.chunksize)) * b.dtype.itemsize
        if largest > limit:
            warnings.warn(f"cuwavelet: taking the transform axes {axes} whole makes blocks of "
                          f"{largest / 2**20:.0f} MiB, more than array.chunk-size "
                          f"({limit / 2**20:.0f} MiB); chunk the other axes more finely, or leave "
                          f"the Dask config {CONFIG_KEY!r} at 'overlap' to transform split axes "
                          "chunk by chunk.", da.PerformanceWarning, stacklevel=5)
            return


# --- transform axes split: level by level, with halos -----------------------------

def _by_levels(name, is_adjoint, arguments, inputs, axes, meta_out):
    from .transforms import banks_and_modes
    banks, modes = banks_and_modes(arguments["wavelet"], arguments["mode"], axes)
    kind, multilevel = KIND[name], name.startswith("wave")
    if name in FORWARD and not is_adjoint:  # a transform
        data = inputs["data"]
        x = data.astype(transform_dtype(data.dtype))
        if not multilevel:
            return _from_nd(split_level(x, axes, banks, modes, analysis), kind, False)
        level = len(meta_out) - 1
        if level == 0:
            return [data]
        return _from_nd(wavedec(x, axes, banks, modes, level), kind, True)
    if name in FORWARD:  # adjoint of a transform: cotangents -> data
        data_shape = tuple(int(s) for s in arguments["data_shape"])
        cots = _coefficients(inputs, name, kind, multilevel)
        if not multilevel:
            return merge_level(cots, axes, banks, modes, analysis_adjoint,
                               [data_shape[ax] for ax in axes])
        return wavedec_adjoint(cots, axes, banks, modes, data_shape)
    if not is_adjoint:  # an inverse
        coeffs = _coefficients(inputs, name, kind, multilevel)
        if not multilevel:
            shape = next(iter(coeffs.values())).shape
            return merge_level(coeffs, axes, banks, modes, synthesis,
                               [rec_len(shape[ax], b.length, m) for ax, b, m in zip(axes, banks, modes)])
        if len(coeffs) == 1:  # level 0: the approximation as given, its dtype kept (pywt's)
            return inputs["coeffs"][0]
        return waverec(coeffs[0], coeffs[1:], axes, banks, modes, trim_first=name != "waverecn")
    y = inputs["y"]  # adjoint of an inverse: cotangent of the reconstruction -> coefficients
    g = y.astype(transform_dtype(y.dtype))
    if not multilevel:
        return _from_nd(split_level(g, axes, banks, modes, synthesis_adjoint), kind, False)
    shapes = _to_nd(_map_leaves(meta_out, lambda m: m.shape[1:]), kind, True)
    if len(shapes) == 1:
        return [g]
    detail_shapes = [next(iter(d.values())) for d in shapes[1:]]
    c = waverec_adjoint(g, shapes[0], detail_shapes, axes, banks, modes,
                        trim_first=name != "waverecn")
    return _from_nd(c, kind, True)


def _coefficients(inputs, name, kind, multilevel):
    """A coefficient argument in the nD form (None entries dropped), one dtype."""
    if "coeffs" in inputs:
        nd = _to_nd(inputs["coeffs"], kind, multilevel)
    else:  # idwt(cA, cD) and dwt's adjoint
        nd = {"a": inputs["cA"], "d": inputs["cD"]}
    dtype = common_dtype([np.empty(0, transform_dtype(a.dtype)) for a in _leaves(nd)])

    def convert(a):
        return a if a.dtype == dtype else a.astype(dtype)
    if multilevel:
        return [None if nd[0] is None else convert(nd[0])] + \
            [{k: convert(v) for k, v in d.items() if v is not None} for d in nd[1:]]
    return {k: convert(v) for k, v in nd.items() if v is not None}


def _to_nd(s, kind, multilevel):
    """pywt's structure -> nD form ({key: array} per level, coarsest first)."""
    def level(d):
        if kind == "1":
            return {"d": d}
        if kind == "2":
            return dict(zip(DETAILS_2D, d))
        return dict(d)
    if multilevel:
        return [s[0]] + [level(d) for d in s[1:]]
    if kind == "1":
        return {"a": s[0], "d": s[1]}
    if kind == "2":
        return {"aa": s[0], **level(s[1])}
    return dict(s)


def _from_nd(c, kind, multilevel):
    """nD form -> pywt's structure (the inverse of _to_nd)."""
    def level(d):
        if kind == "1":
            return d["d"]
        if kind == "2":
            return tuple(d[k] for k in DETAILS_2D)
        return d
    if multilevel:
        return [c[0]] + [level(d) for d in c[1:]]
    if kind == "1":
        return c["a"], c["d"]
    if kind == "2":
        return c["aa"], level(c)
    return c


# --- multilevel, in the nD form (the same steps as _multilevel) ----------------

def wavedec(x, axes, banks, modes, level: int) -> list:
    details, a = [], x
    key = ml.approx_key(len(axes))
    for _ in range(level):
        sub = split_level(a, axes, banks, modes, analysis)
        a = sub.pop(key)
        details.append(sub)
    return [a] + details[::-1]


def waverec(a, details, axes, banks, modes, trim_first: bool):
    key = ml.approx_key(len(axes))
    for level, d in enumerate(details):
        if a is not None and d and (level > 0 or trim_first):
            a = ml.trim_to(a, next(iter(d.values())).shape)
        subbands = dict(d) if a is None else {**d, key: a}
        shape = next(iter(subbands.values())).shape
        a = merge_level(subbands, axes, banks, modes, synthesis,
                        [rec_len(shape[ax], b.length, m) for ax, b, m in zip(axes, banks, modes)])
    return a


def wavedec_adjoint(cots, axes, banks, modes, data_shape):
    key = ml.approx_key(len(axes))
    level = len(cots) - 1
    if level == 0:
        return cots[0]
    shapes = ml.level_shapes(data_shape, axes, banks, modes, level)
    a_bar = cots[0]
    for j in range(level, 0, -1):  # the coarsest level is stored first
        d = dict(cots[level - j + 1])
        if a_bar is not None:
            d[key] = a_bar
        a_bar = merge_level(d, axes, banks, modes, analysis_adjoint,
                            [shapes[j - 1][ax] for ax in axes]) if d else None
    return a_bar  # not None: the eager checks refuse cotangents that are all None


def waverec_adjoint(y, a_shape, detail_shapes, axes, banks, modes, trim_first: bool):
    key = ml.approx_key(len(axes))
    entering = [tuple(a_shape)] + [ml.rec_shape(s, axes, banks, modes) for s in detail_shapes[:-1]]
    details, g = [], y
    for level in range(len(detail_shapes) - 1, -1, -1):
        sub = split_level(g, axes, banks, modes, synthesis_adjoint)
        g = sub.pop(key)
        details.append(sub)
        if level > 0 or trim_first:
            g = untrim(g, entering[level])
    return [g] + details[::-1]


def split_level(x, axes, banks, modes, split) -> dict:
    """dwtn-like (split = analysis) or idwtn's adjoint (synthesis_adjoint):
    {key: subband}, one letter per axis in axes order."""
    setups = [_split_setup(x.shape[ax], x.chunks[ax], b, m, split) for ax, b, m in zip(axes, banks, modes)]
    for ax, st in zip(axes, setups):
        x = st.pre(x, ax) if st.pre else x
    bands = _halo_split(x, axes, banks, [st.mode for st in setups], split)
    for ax, st in zip(axes, setups):
        if st.post:
            bands = {k: st.post(v, ax) for k, v in bands.items()}
    return bands


def merge_level(coeffs: dict, axes, banks, modes, merge, out_lens):
    """idwtn-like (merge = synthesis) or dwtn's adjoint (analysis_adjoint) of
    the subbands given (missing or None ones are zeros)."""
    present = {k: v for k, v in coeffs.items() if v is not None}
    ref = next(iter(present.values()))
    present = {k: v if v.chunks == ref.chunks else v.rechunk(ref.chunks) for k, v in present.items()}
    setups = [_merge_setup(ref.shape[ax], ref.chunks[ax], b, m, merge, n)
              for ax, b, m, n in zip(axes, banks, modes, out_lens)]
    for ax, st in zip(axes, setups):
        if st.pre:
            present = {k: st.pre(v, ax) for k, v in present.items()}
    y = _halo_merge(present, axes, banks, [st.mode for st in setups], merge,
                    [st.out_len for st in setups])
    for ax, st in zip(axes, setups):
        y = st.post(y, ax) if st.post else y
    return y


def untrim(a, shape):
    """Transpose of trim_to: a zero appended along each axis that was trimmed."""
    for axis, (s, t) in enumerate(zip(shape, a.shape)):
        if s != t:
            a = da.concatenate([a, _zeros_slab(a, axis, s - t)], axis=axis)
    return a


# --- a level over split axes ---------------------------------------------------------
#
# Every operation is banded: along an axis, output o of a split operation
# (analysis, synthesis's adjoint) reads input samples 2o+2-F .. 2o+1 (F the
# filter length; samples beyond the ends come from the mode's extension,
# zeros for synthesis's adjoint), and the merge operations (synthesis,
# analysis's adjoint) are their transposes: output t reads coefficients
# ceil((t-1)/2) .. floor((t+F-2)/2). So a chunk of outputs needs its own
# inputs plus a halo of F-2 samples on the left (split; F-1 where a chunk
# starts at an odd sample) or F/2-1 coefficients on the right (merge), which
# dask.array.overlap brings from the neighbours, along every split axis at
# once. Each block runs the level of _multilevel (all axes, fused kernels
# included) on its slice of the overlapped block and keeps the outputs whose
# windows lie inside the slice. Only the first and last chunks along an axis
# see the mode's extension, so they run in the mode (their slices hold every
# sample the extension reads), and interior chunks of analysis's adjoint run
# in zero mode (no fold of an extension that is not there). The circular
# modes are the zero mode on the signal extended by its own other end
# (wrap_pad; their adjoints fold it back, wrap_fold), set up per axis below.

class _Setup:
    """How one axis of a level runs: `pre` and `post` (array, axis) -> array
    around the halo operation (None: nothing), the mode the halo operation
    runs in, and for merges the length it produces."""
    __slots__ = ("pre", "mode", "post", "out_len")

    def __init__(self, mode, pre=None, post=None, out_len=None):
        self.pre, self.mode, self.post, self.out_len = pre, mode, post, out_len


def _whole(chunks, bank) -> bool:
    return len(_merged(chunks, min_chunk(bank))) == 1


def _split_setup(N, chunks, bank, mode, split) -> _Setup:
    F = bank.length
    if _whole(chunks, bank):
        return _Setup(mode)
    n = split_output_len(split, N, bank, mode)
    if mode == PERIODIZATION and split is analysis:
        pad = F // 2 - 1  # outputs read samples 2o+1-F/2 .. 2o+F/2 (mod the even length)

        def pre(x, axis):
            if N % 2:  # an odd length repeats its last sample
                x = da.concatenate([x, _take(x, axis, N - 1, N)], axis=axis)
            return wrap_pad(x, axis, pad, pad)
        return _Setup(ZERO, pre, lambda c, axis: _take(c, axis, pad, pad + n))
    if mode == PERIODIC and split is analysis:  # samples 2-F .. N+F-2
        return _Setup(ZERO, lambda x, axis: wrap_pad(x, axis, F - 2, F - 1),
                      lambda c, axis: _take(c, axis, F // 2 - 1, F // 2 - 1 + n))
    if mode == PERIODIZATION:  # synthesis's adjoint: the transpose of _merge_setup's synthesis
        wrap, shift = _periodization_synthesis(F)
        zero_len = 2 * (n + 2 * wrap) - F + 2
        return _Setup(ZERO, lambda y, axis: zero_pad(y, axis, shift, zero_len - N - shift),
                      lambda c, axis: wrap_fold(c, axis, wrap, wrap))
    return _Setup(mode)


def _merge_setup(n, chunks, bank, mode, merge, out_len) -> _Setup:
    F = bank.length
    if _whole(chunks, bank):
        return _Setup(mode, out_len=out_len)
    if mode == PERIODIZATION and merge is synthesis:
        wrap, shift = _periodization_synthesis(F)
        return _Setup(ZERO, lambda c, axis: wrap_pad(c, axis, wrap, wrap),
                      lambda y, axis: _take(y, axis, shift, shift + out_len),
                      2 * (n + 2 * wrap) - F + 2)
    if mode == PERIODIZATION:  # analysis's adjoint: the transpose of _split_setup's analysis
        pad, even = F // 2 - 1, out_len + out_len % 2

        def post(x, axis):
            x = wrap_fold(x, axis, pad, pad)
            if out_len % 2:  # the repeated last sample folds onto the last one
                last = _take(x, axis, out_len - 1, out_len) + _take(x, axis, out_len, out_len + 1)
                x = da.concatenate([_take(x, axis, 0, out_len - 1), last], axis=axis)
            return x
        return _Setup(ZERO, lambda c, axis: zero_pad(c, axis, pad, pad), post, even + F - 2)
    if mode == PERIODIC and merge is analysis_adjoint:
        zero_len = out_len + 2 * F - 3
        left = F // 2 - 1
        right = coeff_len(zero_len, F, ZERO) - n - left
        return _Setup(ZERO, lambda c, axis: zero_pad(c, axis, left, right),
                      lambda x, axis: wrap_fold(x, axis, F - 2, F - 1), zero_len)
    return _Setup(mode, out_len=out_len)


@functools.lru_cache(maxsize=None)
def _periodization_synthesis(F):
    """(wrap, shift): periodization's synthesis of n coefficients equals zero
    mode's synthesis of the coefficients extended periodically by `wrap` on
    both sides, from output `shift` on (2*wrap - shift = F/2 - 1)."""
    shift = (F // 2 - 1) % 2
    return (F // 2 - 1 + shift) // 2, shift


def _split_plan(N, chunks, bank, mode, split):
    """Per chunk (slice from, slice to, keep from, keep to, mode) in the
    overlapped block, the output chunks and the halo (left, right)."""
    F, m = bank.length, len(chunks)
    n = split_output_len(split, N, bank, mode)
    if m == 1:
        return [(0, N, 0, n, mode)], (n,), (0, 0)
    starts = np.cumsum((0,) + chunks).tolist()
    halo = F - 2 if all(s % 2 == 0 for s in starts[1:-1]) else F - 1
    # output chunk k: coefficients first[k] .. first[k+1]-1, read from samples
    # [2 first[k] + 2 - F, 2 first[k+1]), clipped to the signal (the boundary
    # chunks' extension comes from the operation in the mode)
    first = [0] + [s // 2 for s in starts[1:-1]] + [n]
    plan = []
    for k in range(m):
        block_start = starts[k] - halo if k else 0
        lo, hi = max(2 * first[k] + 2 - F, 0), min(2 * first[k + 1], N)
        plan.append((lo - block_start, hi - block_start, first[k] - lo // 2, first[k + 1] - lo // 2, mode))
    return plan, tuple(np.diff(first).tolist()), (halo, 0)


def _merge_plan(n, chunks, bank, mode, merge, out_len):
    """Per chunk (slice from, slice to, output length, keep from, keep to, mode)
    in the overlapped block, the output chunks and the halo (left, right)."""
    F, m = bank.length, len(chunks)
    if m == 1:
        return [(0, n, out_len, 0, out_len, mode)], (out_len,), (0, 0)
    starts = np.cumsum((0,) + chunks).tolist()
    halo = (0, F // 2 - 1) if merge is synthesis else (F // 2, F - 1)
    out_starts = [2 * s for s in starts[:-1]] + [out_len]
    plan = []
    for k in range(m):
        block_start = starts[k] - halo[0] if k else 0
        if merge is synthesis or 0 < k < m - 1:
            # t reads coefficients up to floor((t+F-2)/2): F/2-1 beyond the chunk;
            # synthesis has no extension, so every chunk is interior
            a, b = starts[k], (starts[k + 1] + F // 2 - 1 if k < m - 1 else n)
            length = 2 * (b - a) - F + 2
            keep, seg_mode = (0, length), (mode if merge is synthesis else ZERO)
        elif k == 0:  # the adjoint folds the left extension; F-1 more coefficients keep
            # the fold of the slice's own right end off the outputs kept
            a, b = 0, starts[1] + F - 1
            length = 2 * b - F + 2
            keep, seg_mode = (0, out_starts[1]), mode
        else:  # last chunk: F/2 coefficients before it keep the left fold off
            a, b = starts[k] - F // 2, n
            length = out_len - 2 * a
            keep, seg_mode = (F, length), mode
        plan.append((a - block_start, b - block_start, length, *keep, seg_mode))
    return plan, tuple(np.diff(out_starts).tolist()), halo


def _halo_split(x, axes, banks, modes, split) -> dict:
    x = _rechunk_axes(x, {ax: _merged(x.chunks[ax], min_chunk(b)) for ax, b in zip(axes, banks)})
    plans, depth, out_chunks = [], {}, list(x.chunks)
    for ax, bank, mode in zip(axes, banks, modes):
        plan, out_chunks[ax], halo = _split_plan(x.shape[ax], x.chunks[ax], bank, mode, split)
        plans.append(plan)
        if halo != (0, 0):
            depth[ax] = halo
    xo = da.overlap.overlap(x, depth=depth, boundary="none") if depth else x
    meta = meta_from_array(x._meta, x.ndim, x.dtype)
    level = ml.dwtn if split is analysis else ml.idwtn_adjoint
    tmp = xo.map_blocks(_split_block, level=level, axes=axes, banks=banks, plans=plans,
                        chunks=out_chunks, dtype=x.dtype, meta=meta)
    keys = map("".join, product("ad", repeat=len(axes)))
    return {k: tmp.map_blocks(_part, i, chunks=out_chunks, dtype=x.dtype, meta=meta)
            for i, k in enumerate(keys)}


def _split_block(block, level, axes, banks, plans, block_info=None):
    where = block_info[0]["chunk-location"]
    steps = [plan[where[ax]] for ax, plan in zip(axes, plans)]
    bands = level(block[_index(block.ndim, axes, [s[0:2] for s in steps])], axes, banks,
                  [s[4] for s in steps])
    keep = _index(block.ndim, axes, [s[2:4] for s in steps])
    return tuple(b[keep] for b in bands.values())


def _halo_merge(coeffs: dict, axes, banks, modes, merge, out_lens):
    ref = next(iter(coeffs.values()))
    chunks = {ax: _merged(ref.chunks[ax], min_chunk(b)) for ax, b in zip(axes, banks)}
    coeffs = {k: _rechunk_axes(v, chunks) for k, v in coeffs.items()}
    ref = next(iter(coeffs.values()))
    plans, depth, out_chunks = [], {}, list(ref.chunks)
    for ax, bank, mode, out_len in zip(axes, banks, modes, out_lens):
        plan, out_chunks[ax], halo = _merge_plan(ref.shape[ax], ref.chunks[ax], bank, mode, merge,
                                                 out_len)
        plans.append(plan)
        if halo != (0, 0):
            depth[ax] = halo
    if depth:
        coeffs = {k: da.overlap.overlap(v, depth=depth, boundary="none") for k, v in coeffs.items()}
    return da.map_blocks(_merge_block, *coeffs.values(), names=tuple(coeffs), merge=merge, axes=axes,
                         banks=banks, plans=plans, chunks=out_chunks, dtype=ref.dtype,
                         meta=meta_from_array(ref._meta, ref.ndim, ref.dtype))


def _merge_block(*blocks, names, merge, axes, banks, plans, block_info=None):
    where = block_info[0]["chunk-location"]
    steps = [plan[where[ax]] for ax, plan in zip(axes, plans)]
    ndim = blocks[0].ndim
    segment = _index(ndim, axes, [s[0:2] for s in steps])
    coeffs = {k: b[segment] for k, b in zip(names, blocks)}
    modes = [s[5] for s in steps]
    if merge is synthesis:
        out = ml.idwtn(coeffs, axes, banks, modes)
    else:
        shape = list(next(iter(coeffs.values())).shape)
        for ax, s in zip(axes, steps):
            shape[ax] = s[2]
        out = ml.dwtn_adjoint(coeffs, axes, banks, modes, tuple(shape))
    return out[_index(ndim, axes, [s[3:5] for s in steps])]


def _index(ndim, axes, ranges):
    index = [slice(None)] * ndim
    for ax, (start, stop) in zip(axes, ranges):
        index[ax] = slice(start, stop)
    return tuple(index)


# --- dask-level helpers -----------------------------------------------------------

def wrap_pad(x, axis, left, right):
    """x extended periodically: its last `left` samples before it, its first `right` after."""
    N = x.shape[axis]
    parts = ([_take(x, axis, N - left, N)] if left else []) + [x] + \
        ([_take(x, axis, 0, right)] if right else [])
    return da.concatenate(parts, axis=axis)


def wrap_fold(z, axis, left, right):
    """Transpose of wrap_pad: the extension's entries added back where they came from."""
    N = z.shape[axis] - left - right
    mid = _take(z, axis, left, left + N)
    parts = []
    if right:
        parts.append(_take(mid, axis, 0, right) + _take(z, axis, left + N, left + N + right))
    parts.append(_take(mid, axis, right, N - left))
    if left:
        parts.append(_take(mid, axis, N - left, N) + _take(z, axis, 0, left))
    return da.concatenate(parts, axis=axis)


def zero_pad(x, axis, left, right):
    parts = ([_zeros_slab(x, axis, left)] if left else []) + [x] + \
        ([_zeros_slab(x, axis, right)] if right else [])
    return da.concatenate(parts, axis=axis)


def _zeros_slab(x, axis, width):
    shape = with_len(x.shape, axis, width)
    return da.zeros_like(x, shape=shape, chunks=_with_axis_chunks(x.chunks, axis, [width]))


def _take(a, axis, start, stop):
    return a[(slice(None),) * axis + (slice(start, stop),)]


def _with_axis_chunks(chunks, axis, along):
    return tuple(tuple(int(c) for c in along) if i == axis else c for i, c in enumerate(chunks))


def _rechunk_axes(x, chunks: dict):
    """x rechunked along the given axes (nothing done where they already match)."""
    changed = {ax: c for ax, c in chunks.items() if x.chunks[ax] != tuple(c)}
    return x.rechunk(changed) if changed else x


def _merged(chunks, minimum) -> tuple:
    """Chunk sizes with every chunk at least `minimum` (small ones joined to the next)."""
    out, pending = [], 0
    for c in chunks:
        pending += c
        if pending >= minimum:
            out.append(pending)
            pending = 0
    if pending:
        if out:
            out[-1] += pending
        else:
            out.append(pending)
    return tuple(out)
