"""Wavelet packets: pywt's WaveletPacket, WaveletPacket2D and WaveletPacketND
trees (with their Node classes), and the functional transforms underneath
them, packet_decompose and packet_reconstruct, with their adjoints.

The trees behave as pywt's: nodes are created lazily by path, can be edited,
replaced and deleted, and reconstruct from whatever the tree holds. What
differs is how the arithmetic is batched. All nodes of a level have the same
shape, so a level is kept as one array whose leading dimension numbers the
nodes in natural order (children of node p at rows 2**m * p + key bits, for m
transformed axes): decomposing the whole level below it is one split per axis
(cuwavelet/_separable.py: split_sweep_stacked), whatever the number of nodes.
get_level and get_leaf_nodes(decompose=True) decompose a level at a time that
way, and reconstruct merges every node of a level in one call per axis; the
nodes' arrays are views of those level arrays (in-place edits go through),
and where an untouched level is merged back, no copy is made.

Trees may hold NumPy or CuPy arrays; any dimensions beyond the transformed
axes are a batch. On Dask arrays everything stays lazy: the trees decompose
and reconstruct node by node through the lazy transforms
(_reconstruct_node_by_node), and the level functions (packet_decompose,
packet_reconstruct and their adjoints) take the transformed axes whole in
every block, a level's rows computed by one task per block (_lazy_rows,
_lazy_data). What a tree does with its arrays is its TreeArrays: the
bridges' trees (bridges/_frontend_packet_trees.py) hold torch tensors or JAX
arrays and decompose and reconstruct node by node through the bridges'
differentiable transforms.
"""
from __future__ import annotations

import numbers
from collections import OrderedDict
from dataclasses import dataclass
from itertools import product
from typing import Callable

import numpy as np
import pywt

from ._arrays import (array_module, as_array, check_known_shapes, common_dtype, is_cupy, is_dask,
                      transform_dtype, zeros)
from ._docs import Array
from ._eager import on_input_device
from ._primitives import analysis, analysis_adjoint, synthesis, synthesis_adjoint
from ._program import planned
from ._separable import merge_sweep_stacked, split_sweep_stacked
from ._shapes import coeff_len, coeff_len_of_rec, dwt_max_level, normalize_axes, rec_len, with_len
from ._wavelets import as_filter_bank, as_mode, as_pywt_wavelet, per_axis
from .transforms import dwt, dwt2, dwtn, idwtn

__all__ = ["BaseNode", "Node", "WaveletPacket", "Node2D", "WaveletPacket2D", "NodeND",
           "WaveletPacketND", "packet_decompose", "packet_reconstruct",
           "packet_decompose_adjoint", "packet_reconstruct_adjoint"]


def get_graycode_order(level, x="a", y="d"):
    """Paths of a level in frequency (sequency) order."""
    order = [x, y]
    for _ in range(level - 1):
        order = [x + p for p in order] + [y + p for p in order[::-1]]
    return order


def _node_dtype(data):
    """pywt's _check_dtype: an array's transform dtype; float64 for anything
    without a dtype (lists, nodes)."""
    dtype = getattr(data, "dtype", None)
    if dtype is None:
        return np.dtype(np.float64)
    dtype = np.dtype(dtype)
    if dtype in (np.float64, np.float32, np.complex64, np.complex128):
        return dtype
    if dtype == np.float16:
        return np.dtype(np.float32)
    if dtype.kind == "c":
        return np.dtype(np.complex128)
    return np.dtype(np.float64)


def _as_node_array(data):
    return data if is_cupy(data) or is_dask(data) else np.asarray(data)


@dataclass(frozen=True)
class TreeArrays:
    """What a packet tree does with its nodes' arrays. The core's trees hold
    NumPy, CuPy or Dask arrays (CORE_ARRAYS); a bridge's trees hold its
    framework's arrays and run its differentiable transforms, so that the
    nodes' values carry gradients."""

    as_array: Callable   # data (array_like) -> an array of this kind
    node_dtype: Callable  # data -> the dtype a node's data is kept in (pywt's _check_dtype)
    cast: Callable       # (array, dtype) -> array
    dwt: Callable        # pywt's dwt, dwt2, dwtn and idwtn on these arrays
    dwt2: Callable
    dwtn: Callable
    idwtn: Callable
    # the tree's wavelet as the four transforms take it (a bridge keeps a
    # bank of its own arrays: learned filters)
    as_wavelet: Callable = as_pywt_wavelet
    # levels kept as stacked rows and run by the core's level operations
    # (otherwise node by node, through the four transforms)
    batched: bool = False


CORE_ARRAYS = TreeArrays(_as_node_array, _node_dtype, lambda a, dtype: a.astype(dtype), dwt, dwt2,
                         dwtn, idwtn, batched=True)


# --- level operations on stacked arrays (rows = nodes, natural order) --------

def _level_setup(wavelet, mode, axes):
    banks = [as_filter_bank(w) for w in per_axis(wavelet, axes, "wavelet")]
    modes = [as_mode(m) for m in per_axis(mode, axes, "mode")]
    return banks, modes


def decompose_rows(rows, axes, banks, modes):
    """Rows (n, ...) -> their children (n * 2**m, ...) in natural order; axes
    count the row dimension."""
    out = split_sweep_stacked(rows, axes, banks, modes, analysis, at=1)
    return out.reshape(_merged_nodes(out, len(axes)))


def reconstruct_rows(children, axes, banks, modes):
    """Children (n * 2**m, ...) -> their parents (n, ...), untrimmed."""
    m = len(axes)
    stacked = children.reshape(_split_nodes(children, m))
    lens = [rec_len(children.shape[ax], b.length, md) for ax, b, md in zip(axes, banks, modes)]
    return merge_sweep_stacked(stacked, axes, banks, modes, synthesis, lens, at=1)


def _merged_nodes(stacked, m: int) -> tuple:
    """The rows shape of (n, 2, ..., 2 (m of them), *node shape): n * 2**m
    nodes (spelled out, not -1, which an empty node shape leaves ambiguous)."""
    return (stacked.shape[0] * 2 ** m,) + tuple(stacked.shape[1 + m:])


def _split_nodes(rows, m: int) -> tuple:
    """The inverse of _merged_nodes: rows (n * 2**m, *node shape) -> (n, 2, ..., 2, *node shape)."""
    return (rows.shape[0] // 2 ** m,) + (2,) * m + tuple(rows.shape[1:])


def _trim(a, shape):
    """Rows trimmed to `shape` (the nodes' data shape) where they are longer."""
    if a.shape[1:] == tuple(shape):
        return a
    return a[(slice(None),) + tuple(slice(n) for n in shape)]


def _level_shapes(shape, axes, banks, modes, level):
    shapes = [tuple(shape)]
    for _ in range(level):
        s = shapes[-1]
        for ax, b, m in zip(axes, banks, modes):
            s = with_len(s, ax, coeff_len(s[ax], b.length, m))
        shapes.append(s)
    return shapes


def _node_paths(level, naxes):
    return ["".join(p) for p in product(*(["".join(k) for k in product("ad", repeat=naxes)],)
                                        * level)] if level else [""]


def _packet_axes(axes, ndim):
    if axes is None:
        return list(range(ndim))
    return normalize_axes(axes, ndim)


@on_input_device
def packet_decompose(data, wavelet, mode="symmetric", level=None, axes=-1) -> dict:
    """Every node of one level of the wavelet packet tree.

    Parameters
    ----------
    data : array_like
        Input (NumPy or CuPy); dimensions outside `axes` are a batch.
    wavelet : Wavelet object or name string, or one per axis
        Discrete wavelet.
    mode : str or one per axis, optional
        Signal extension mode (default 'symmetric').
    level : int, optional
        The level (default: dwt_max_level of the shortest transformed axis,
        as WaveletPacketND).
    axes : int or sequence of ints, optional
        Transformed axes (default -1; None: all).

    Returns
    -------
    nodes : dict
        ``{path: coefficients}`` in natural order, paths as WaveletPacketND's
        (one letter per axis per level, e.g. 'ad' then 'da' for 'adda').

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> nodes = cw.packet_decompose(np.arange(8.0), "db1", level=2)
    >>> list(nodes)
    ['aa', 'ad', 'da', 'dd']
    >>> nodes["ad"]
    array([-2., -2.])
    """
    x = data if is_dask(data) else as_array(data)
    check_known_shapes(x)
    axes = _packet_axes(axes, x.ndim)
    banks, modes = _level_setup(wavelet, mode, axes)
    if level is None:
        level = dwt_max_level(min(x.shape[ax] for ax in axes), min(b.length for b in banks))
    _check_packet_level(level, len(axes))
    if is_dask(x):
        shapes = _level_shapes(x.shape, axes, banks, modes, level)
        rows = _lazy_rows(x, axes, shapes[-1], 2 ** (len(axes) * level),
                          lambda b: decompose_level(as_array(b), axes, banks, modes, level))
    else:
        rows = decompose_level(x, axes, banks, modes, level)
    return dict(zip(_node_paths(level, len(axes)), rows))


# A level's nodes are arrays of their own: more than this many would exhaust
# the host's memory in their Python objects alone (2**40 of them from a level
# of 40 on two samples), so such a level is refused rather than attempted.
MAX_PACKET_NODES = 1 << 24


def _check_packet_level(level, naxes: int) -> None:
    if not isinstance(level, numbers.Integral) or isinstance(level, bool):
        raise TypeError(f"level must be an integer; got {level!r}")
    if level < 0:
        raise ValueError(f"Level value of {level} is too low . Minimum level is 0.")
    if naxes * level > MAX_PACKET_NODES.bit_length() - 1:
        raise ValueError(f"A packet level of {level} over {naxes} axes has 2**{naxes * level} "
                         f"nodes; at most {MAX_PACKET_NODES} (2**"
                         f"{MAX_PACKET_NODES.bit_length() - 1}) are made.")


def _rows_of(nodes, naxes, what):
    if not isinstance(nodes, dict) or not nodes:
        raise ValueError(f"Expected a non-empty dict of {what} keyed by path.")
    lengths = {len(k) for k in nodes}
    if len(lengths) != 1 or lengths.pop() % naxes:
        raise ValueError(f"Every path must have the same number of letters, a multiple of "
                         f"the {naxes} transformed axes.")
    level = len(next(iter(nodes))) // naxes
    paths = _node_paths(level, naxes)
    bad = [k for k in nodes if k not in set(paths)]
    if bad:
        raise ValueError(f"Invalid node paths {bad}.")
    present = {k: v if is_dask(v) else as_array(v, f"node {k!r}")
               for k, v in nodes.items() if v is not None}
    if not present:
        raise ValueError(f"At least one of the {what} must be given (all are None).")
    if any(is_dask(v) for v in present.values()):
        check_known_shapes(*present.values())
        import dask.array as xp
        present = {k: xp.asarray(v) for k, v in present.items()}
    else:
        xp = array_module(*present.values())
    dtype = common_dtype(present.values())
    shapes = {v.shape for v in present.values()}
    if len(shapes) != 1:
        raise ValueError(f"coefficient shape mismatch: the nodes of a level share one shape; got "
                         f"{sorted(shapes)}")
    shape = shapes.pop()
    if xp.__name__.startswith("dask"):  # lazily: zeros for the absent nodes
        # one chunking for every node (stacking nodes chunked apart would cut
        # each into the intersection of all their chunkings)
        chunks = next(iter(present.values())).chunks
        rows = xp.stack([present[p].astype(dtype).rechunk(chunks) if p in present else
                         xp.zeros(shape, dtype, chunks=chunks) for p in paths])
    elif len(present) == len(paths) and all(v.dtype == dtype for v in present.values()):
        rows = xp.stack([present[p] for p in paths])
    else:
        rows = zeros(xp, (len(paths),) + shape, dtype)
        for i, p in enumerate(paths):
            if p in present:
                rows[i] = present[p]
    return rows, level


@on_input_device
def packet_reconstruct(nodes, wavelet, mode="symmetric", axes=-1, data_shape=None) -> Array:
    """The data from every node of one level (the inverse of packet_decompose).

    Parameters
    ----------
    nodes : dict
        ``{path: coefficients}`` of one level, paths as packet_decompose's;
        missing or None nodes are zeros.
    wavelet : Wavelet object or name string, or one per axis
        Discrete wavelet.
    mode : str or one per axis, optional
        Signal extension mode.
    axes : int or sequence of ints, optional
        Transformed axes (default -1; None: all).
    data_shape : tuple, optional
        Shape of the decomposed data: every level is trimmed to the shapes its
        decomposition had, as the packet trees do. None trims nothing.

    Returns
    -------
    data : array
        The reconstruction.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(10.0)
    >>> nodes = cw.packet_decompose(x, "db2", level=2)
    >>> np.allclose(cw.packet_reconstruct(nodes, "db2", data_shape=x.shape), x)
    True
    """
    some = next(v for v in nodes.values() if v is not None) if isinstance(nodes, dict) and \
        any(v is not None for v in nodes.values()) else None
    ndim = 1 if some is None else getattr(some, "ndim", None) or as_array(some).ndim  # (lazily)
    axes = _packet_axes(axes, ndim)
    rows, level = _rows_of(nodes, len(axes), "nodes")
    banks, modes = _level_setup(wavelet, mode, axes)
    shapes = None
    if data_shape is not None:
        shapes = _level_shapes(data_shape, axes, banks, modes, level)
        if shapes[-1] != rows.shape[1:]:
            raise ValueError(f"coefficient shape mismatch: data of shape {tuple(data_shape)} "
                             f"gives nodes of shape {shapes[-1]}, not {rows.shape[1:]}")
    if is_dask(rows):
        out = shapes[0] if shapes is not None else \
            untrimmed_data_shape(rows.shape[1:], axes, banks, modes, level)
        return _lazy_data(rows, axes, out, lambda r: reconstruct_level(
            r, axes, banks, modes, level, _in_block(shapes, r.shape[1:], axes)))
    return reconstruct_level(rows, axes, banks, modes, level, shapes)


@on_input_device
def packet_decompose_adjoint(nodes, wavelet, mode="symmetric", axes=-1, *, data_shape) -> Array:
    """Adjoint (transpose) of `cuwavelet.packet_decompose`.

    Parameters
    ----------
    nodes : dict
        Cotangents of the nodes, ``{path: array}`` (missing or None: zero).
    wavelet : str, pywt.Wavelet, filter bank, or one per axis
        The forward call's wavelet.
    mode : str or one per axis, optional
        The forward call's mode.
    axes : int or sequence of int, optional
        The forward call's axes (default -1).
    data_shape : sequence of int
        Shape of the decomposed data.

    Returns
    -------
    array
        Cotangent of the data.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(10.0)
    >>> nodes = cw.packet_decompose(x, "db2", level=2)
    >>> ones = {k: np.ones_like(v) for k, v in nodes.items()}
    >>> g = cw.adjoint.packet_decompose(ones, "db2", data_shape=x.shape)
    >>> bool(np.isclose(sum(v.sum() for v in nodes.values()), np.vdot(x, g)))
    True
    """
    shape = tuple(int(s) for s in data_shape)
    axes = _packet_axes(axes, len(shape))
    rows, level = _rows_of(nodes, len(axes), "node cotangents")
    banks, modes = _level_setup(wavelet, mode, axes)
    shapes = _level_shapes(shape, axes, banks, modes, level)
    if rows.shape[1:] != shapes[-1]:
        raise ValueError(f"coefficient shape mismatch: data of shape {shape} gives nodes of "
                         f"shape {shapes[-1]}, not {rows.shape[1:]}")
    if is_dask(rows):
        return _lazy_data(rows, axes, shape, lambda r: decompose_level_adjoint(
            r, axes, banks, modes, _in_block(shapes, r.shape[1:], axes)))
    return decompose_level_adjoint(rows, axes, banks, modes, shapes)


@on_input_device
def packet_reconstruct_adjoint(y, wavelet, mode="symmetric", axes=-1, *, level, data_shape=None) -> dict:
    """Adjoint (transpose) of `cuwavelet.packet_reconstruct`.

    Parameters
    ----------
    y : array_like
        Cotangent of the reconstruction.
    wavelet : str, pywt.Wavelet, filter bank, or one per axis
        The forward call's wavelet.
    mode : str or one per axis, optional
        The forward call's mode.
    axes : int or sequence of int, optional
        The forward call's axes (default -1).
    level : int
        The level of the nodes that were reconstructed.
    data_shape : sequence of int, optional
        As given to packet_reconstruct (its trims become zero padding here).

    Returns
    -------
    dict
        ``{path: cotangent}`` of every node of the level.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> g = cw.adjoint.packet_reconstruct(np.ones(10), "db2", level=2, data_shape=(10,))
    >>> list(g)
    ['aa', 'ad', 'da', 'dd']
    """
    g = y if is_dask(y) else as_array(y, "y")
    check_known_shapes(g)
    axes = _packet_axes(axes, g.ndim)
    banks, modes = _level_setup(wavelet, mode, axes)
    _check_packet_level(level, len(axes))
    if data_shape is not None:
        shapes = _level_shapes(data_shape, axes, banks, modes, level)
        if tuple(g.shape) != shapes[0]:
            raise ValueError(f"coefficient shape mismatch: the cotangent has shape {g.shape}, "
                             f"the reconstruction {shapes[0]}")
    else:
        shapes = untrimmed_level_shapes(g.shape, axes, banks, modes, level)
    if is_dask(g):
        rows = _lazy_rows(g, axes, shapes[-1], 2 ** (len(axes) * level),
                          lambda b: reconstruct_level_adjoint(
                              as_array(b), axes, banks, modes, _in_block(shapes, b.shape, axes)))
    else:
        rows = reconstruct_level_adjoint(g, axes, banks, modes, shapes)
    return dict(zip(_node_paths(level, len(axes)), rows))


# --- dask arrays: a level's rows per block, the transformed axes whole -------------------

def _lazy_rows(x, axes, node_shape, count, to_rows):
    """to_rows (data block -> its level's rows) over a dask array: the rows as
    a dask array, nodes along a new first axis, each block in one task."""
    whole = x.rechunk({ax: -1 for ax in axes})
    chunks = tuple((node_shape[d],) if d in axes else c for d, c in enumerate(whole.chunks))
    dtype = transform_dtype(x.dtype)
    return whole.map_blocks(to_rows, new_axis=0, chunks=((count,),) + chunks, dtype=dtype,
                            meta=np.empty((0,) * (x.ndim + 1), dtype))


def _in_block(shapes, block_shape, axes):
    """Level shapes of the whole data as a block's (its own batch lengths)."""
    if shapes is None:
        return None
    return [tuple(s[d] if d in axes else block_shape[d] for d in range(len(s))) for s in shapes]


def _lazy_data(rows, axes, data_shape, to_data):
    """to_data (a block's rows -> its data) over dask rows (nodes first): the
    data as a dask array, the nodes and transformed axes whole in each block."""
    whole = rows.rechunk({0: -1, **{ax + 1: -1 for ax in axes}})
    chunks = tuple((data_shape[d],) if d in axes else c for d, c in enumerate(whole.chunks[1:]))
    dtype = transform_dtype(rows.dtype)
    return whole.map_blocks(to_data, drop_axis=0, chunks=chunks, dtype=dtype,
                            meta=np.empty((0,) * (rows.ndim - 1), dtype))


# --- whole levels as row arrays (the functions above and the bridges share these) --
# rows: (nodes, *node_shape), nodes in natural order; axes count the data's
# dimensions (not the node dimension); shapes[j]: the data shape of level j.

@planned("x")
def decompose_level(x, axes, banks, modes, level: int):
    """x -> the rows of every node of `level`."""
    rows = x[None]
    shifted = [ax + 1 for ax in axes]
    for _ in range(level):
        rows = decompose_rows(rows, shifted, banks, modes)
    return rows


@planned("rows")
def reconstruct_level(rows, axes, banks, modes, level: int, shapes=None):
    """The rows of every node of `level` -> the data; each level is trimmed
    to `shapes` (None: untrimmed)."""
    shifted = [ax + 1 for ax in axes]
    for j in range(level, 0, -1):
        rows = reconstruct_rows(rows, shifted, banks, modes)
        if shapes is not None:
            rows = _trim(rows, shapes[j - 1])
    return rows[0]


@planned("rows")
def decompose_level_adjoint(rows, axes, banks, modes, shapes):
    """Transpose of decompose_level (len(shapes) - 1 levels)."""
    shifted = [ax + 1 for ax in axes]
    for j in range(len(shapes) - 1, 0, -1):
        stacked = rows.reshape(_split_nodes(rows, len(axes)))
        rows = merge_sweep_stacked(stacked, shifted, banks, modes, analysis_adjoint,
                                   [shapes[j - 1][ax] for ax in axes], at=1)
    return rows[0]


@planned("g")
def reconstruct_level_adjoint(g, axes, banks, modes, shapes):
    """Transpose of reconstruct_level with these `shapes` (len(shapes) - 1
    levels; untrimmed_level_shapes where it trimmed nothing)."""
    xp = array_module(g)
    shifted = [ax + 1 for ax in axes]
    rows = g[None]
    for j in range(1, len(shapes)):
        full = shapes[j]
        for ax, b, m in zip(axes, banks, modes):
            full = with_len(full, ax, rec_len(full[ax], b.length, m))
        if rows.shape[1:] != full:  # the forward trimmed: pad the cotangent with zeros
            padded = zeros(xp, rows.shape[:1] + full, rows.dtype)
            padded[(slice(None),) + tuple(slice(n) for n in rows.shape[1:])] = rows
            rows = padded
        out = split_sweep_stacked(rows, shifted, banks, modes, synthesis_adjoint, at=1)
        rows = out.reshape(_merged_nodes(out, len(axes)))
    return rows


def untrimmed_level_shapes(shape, axes, banks, modes, level: int) -> list:
    """Level shapes of an untrimmed reconstruction of data of `shape`: each
    level's from the one above it."""
    shapes = [tuple(shape)]
    for _ in range(level):
        s = shapes[-1]
        for ax, b, m in zip(axes, banks, modes):
            s = with_len(s, ax, coeff_len_of_rec(s[ax], b.length, m))
        shapes.append(s)
    return shapes


def untrimmed_data_shape(node_shape, axes, banks, modes, level: int) -> tuple:
    """The shape of an untrimmed reconstruction from nodes of `node_shape`."""
    shape = tuple(node_shape)
    for _ in range(level):
        for ax, b, m in zip(axes, banks, modes):
            shape = with_len(shape, ax, rec_len(shape[ax], b.length, m))
    return shape


# --- the trees --------------------------------------------------------------------

def _integers(values, name: str):
    """A tree's axes, checked to be integers when it is built (as pywt's
    trees check them); their range is checked against the data's dimensions."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of integers; got {values!r}")
    values = tuple(values)
    for v in values:
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"{name} must be a sequence of integers; got {values!r}")
    return values


class BaseNode:
    """A node of a wavelet packet tree (pywt.BaseNode).

    Parameters
    ----------
    parent : BaseNode or None
        Parent node (None for a root).
    data : array_like or None
        The node's coefficients (the signal, at the root).
    node_name : str
        Its part name under the parent.
    """

    PART_LEN = None
    PARTS = None
    ARRAYS = CORE_ARRAYS  # a root's TreeArrays; a node takes its parent's

    def __init__(self, parent, data, node_name):
        self.parent = parent
        self._arrays = type(self).ARRAYS if parent is None else parent._arrays
        if parent is not None:
            self.wavelet = parent.wavelet
            self.mode = parent.mode
            self.level = parent.level + 1
            self._maxlevel = parent.maxlevel
            self.path = parent.path + node_name
            self.axes = parent.axes
        else:
            self.wavelet = None
            self.mode = None
            self.axes = None
            self.path = ""
            self.level = 0
        self.data = data
        self._data_shape = None if data is None else tuple(self._arrays.as_array(data).shape)
        self._row = None  # (level array, row) when the data is a row of a batched level
        self._init_subnodes()

    # --- copies and pickles: the whole tree, edits and deletions included ---
    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_arrays"]  # (a framework's functions: found again below, from the root's class)
        state["_row"] = None  # (a batched level's rows: a copy's data need not remember them)
        return state

    def __getattr__(self, name):  # (only for attributes not found: a copy's _arrays)
        if name != "_arrays":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        parent = self.__dict__.get("parent")
        self._arrays = type(self).ARRAYS if parent is None else parent._arrays
        return self._arrays

    # --- subnode storage (Node and Node2D: attributes; NodeND: a dict) ---
    def _init_subnodes(self):
        for part in self.PARTS:
            self._set_node(part, None)

    def _get_node(self, part):
        return getattr(self, part)

    def _set_node(self, part, node):
        setattr(self, part, node)

    def _delete_node(self, part):
        self._set_node(part, None)

    def _validate_node_name(self, part):
        if part not in self.PARTS:
            raise ValueError("Subnode name must be in [{}], not '{}'.".format(
                ", ".join(f"'{p}'" for p in self.PARTS), part))

    def _create_subnode(self, part, data=None, overwrite=True):
        raise NotImplementedError()

    def _create_subnode_base(self, node_cls, part, data=None, overwrite=True, **kwargs):
        self._validate_node_name(part)
        if not overwrite and self._get_node(part) is not None:
            return self._get_node(part)
        node = node_cls(self, data, part, **kwargs)
        self._set_node(part, node)
        return node

    # --- the part of a batched level this node's data is, if still untouched ---
    def _level_row(self):
        if self._row is None:
            return None
        rows, index, view = self._row
        return (rows, index) if self.data is view else None

    @property
    def path_tuple(self):
        """The path as a tuple of part names, one per level."""
        n = len(self.path) // self.PART_LEN
        return tuple(self.path[i * self.PART_LEN:(i + 1) * self.PART_LEN] for i in range(n))

    def _evaluate_maxlevel(self, evaluate_from="parent"):
        assert evaluate_from in ("parent", "subnodes")
        if self._maxlevel is not None:
            return self._maxlevel
        if self.data is not None:
            return self.level + self._max_level(min(self._arrays.as_array(self.data).shape))
        if evaluate_from == "parent":
            if self.parent is not None:
                return self.parent._evaluate_maxlevel(evaluate_from)
        else:
            for part in self.PARTS:
                node = self._get_node(part)
                if node is not None:
                    level = node._evaluate_maxlevel(evaluate_from)
                    if level is not None:
                        return level
        return None

    def _max_level(self, data_len: int) -> int:
        """dwt_max_level for the tree's wavelet (a pywt.Wavelet, or a bank of
        four filters of a framework's arrays)."""
        wavelet = self.wavelet
        return dwt_max_level(data_len, wavelet.dec_len if isinstance(wavelet, pywt.Wavelet)
                             else len(wavelet[0]))

    @property
    def maxlevel(self):
        """The deepest level of the tree."""
        if self._maxlevel is not None:
            return self._maxlevel
        self._maxlevel = self._evaluate_maxlevel(evaluate_from="parent")
        if self._maxlevel is None:
            self._maxlevel = self._evaluate_maxlevel(evaluate_from="subnodes")
        return self._maxlevel

    @property
    def node_name(self):
        """The node's part name under its parent."""
        return self.path[-self.PART_LEN:]

    def decompose(self):
        """Create the subnodes from one DWT level of this node's data."""
        if self.level < self.maxlevel:
            return self._decompose()
        raise ValueError("Maximum decomposition level reached.")

    def _decompose(self):
        raise NotImplementedError()

    def reconstruct(self, update=False):
        """This node's data from its subnodes (its own data if it has none).

        Parameters
        ----------
        update : bool, optional
            If True, the reconstruction replaces this node's data.
        """
        if not self.has_any_subnode:
            return self.data
        return self._reconstruct(update)

    def _reconstruct(self, update):
        if self._arrays.batched and not _holds_dask_data(self):
            rec = _reconstruct_subtree(self)
        else:
            rec = _reconstruct_node_by_node(self)
        if update:
            self.data = rec
        return rec

    def get_subnode(self, part, decompose=True):
        """The subnode `part`; if missing and `decompose`, this node is decomposed first."""
        self._validate_node_name(part)
        subnode = self._get_node(part)
        if subnode is None and decompose and not self.is_empty:
            self.decompose()
            subnode = self._get_node(part)
        return subnode

    def __getitem__(self, path):
        """The node at `path` (a string of part names, or a tuple of them),
        created by decomposition where missing."""
        message = ("Invalid path parameter type - expected string or tuple of strings but got "
                   f"{type(path)}.")
        if isinstance(path, tuple):
            try:
                path = "".join(path)
            except TypeError:
                raise TypeError(message) from None
        if not isinstance(path, str):
            raise TypeError(message)
        if self.maxlevel is not None and len(path) > self.maxlevel * self.PART_LEN:
            raise IndexError("Path length is out of range.")
        if path:
            return self.get_subnode(path[:self.PART_LEN], True)[path[self.PART_LEN:]]
        return self

    def __setitem__(self, path, data):
        """Set the data of the node at `path` (created, empty, where missing)."""
        if not isinstance(path, str):
            raise TypeError(f"Invalid path parameter type - expected string but got {type(path)}.")
        if self.maxlevel is not None and len(self.path) + len(path) > self.maxlevel * self.PART_LEN:
            raise IndexError("Path length out of range.")
        if path:
            part = path[:self.PART_LEN]
            subnode = self.get_subnode(part, False)
            if subnode is None:
                self._create_subnode(part, None)
                subnode = self.get_subnode(part, False)
            subnode[path[self.PART_LEN:]] = data
        else:
            value = data.data if isinstance(data, (BaseNode, pywt.BaseNode)) else data
            self.data = self._arrays.as_array(value)
            dtype = self._arrays.node_dtype(data)
            if self.data.dtype != dtype:
                self.data = self._arrays.cast(self.data, dtype)

    def __delitem__(self, path):
        """Remove the node at `path` from the tree."""
        node = self[path]
        parent = node.parent
        node.parent = None
        if parent and node.node_name:
            parent._delete_node(node.node_name)

    @property
    def is_empty(self):
        return self.data is None

    @property
    def has_any_subnode(self):
        return any(self._get_node(part) is not None for part in self.PARTS)

    def get_leaf_nodes(self, decompose=False):
        """The leaves (with `decompose`, of the tree decomposed to maxlevel)."""
        if decompose:
            _decompose_levels(self, self.maxlevel)
        result = []

        def collect(node):
            if node.level == node.maxlevel and not node.is_empty:
                result.append(node)
                return False
            if not decompose and not node.has_any_subnode:
                result.append(node)
                return False
            return True
        self.walk(collect, decompose=decompose)
        return result

    def walk(self, func, args=(), kwargs=None, decompose=True):
        """Call ``func(node, *args, **kwargs)`` on every node, top down; descend
        where it returns True (decomposing missing nodes with `decompose`)."""
        if kwargs is None:
            kwargs = {}
        if func(self, *args, **kwargs) and self.level < self.maxlevel:
            for part in self.PARTS:
                subnode = self.get_subnode(part, decompose)
                if subnode is not None:
                    subnode.walk(func, args, kwargs, decompose)

    def walk_depth(self, func, args=(), kwargs=None, decompose=True):
        """Call func on every node, bottom up."""
        if kwargs is None:
            kwargs = {}
        if self.level < self.maxlevel:
            for part in self.PARTS:
                subnode = self.get_subnode(part, decompose)
                if subnode is not None:
                    subnode.walk_depth(func, args, kwargs, decompose)
        func(self, *args, **kwargs)

    def _collect_level(self, level, decompose):
        if decompose:
            _decompose_levels(self, level)
        result = []

        def collect(node):
            if node.level == level:
                result.append(node)
                return False
            return True
        self.walk(collect, decompose=decompose)
        return result

    def __str__(self):
        return self.path + ": " + str(self.data)

    # --- batching hooks -----------------------------------------------------------
    def _key_bits(self):
        """{part: row offset among a node's children in the level arrays}."""
        raise NotImplementedError()

    def _batch_axes(self):
        """The transformed axes (normalized) of this tree's data."""
        raise NotImplementedError()

    def _missing_parts_message(self):
        return (f"Tree is missing data - all subnodes of `{self.path}` node are None. Cannot "
                "reconstruct node.")


class Node(BaseNode):
    """A node of a 1D wavelet packet tree (pywt.Node): subnodes 'a' and 'd'."""

    A = "a"
    D = "d"
    PARTS = A, D
    PART_LEN = 1

    def _create_subnode(self, part, data=None, overwrite=True):
        return self._create_subnode_base(node_cls=Node, part=part, data=data, overwrite=overwrite)

    def _decompose(self):
        if self.is_empty:
            for part in (self.A, self.D):
                if self._get_node(part) is None:
                    self._create_subnode(part, None)
        else:
            data_a, data_d = self._arrays.dwt(self.data, self.wavelet, self.mode, axis=self.axes)
            self._create_subnode(self.A, data_a)
            self._create_subnode(self.D, data_d)
        return self._get_node(self.A), self._get_node(self.D)

    def _key_bits(self):
        return {"a": 0, "d": 1}

    def _batch_axes(self):
        return [self.axes]

    def _missing_parts_message(self):
        return "Node is a leaf node and cannot be reconstructed from subnodes."


class Node2D(BaseNode):
    """A node of a 2D wavelet packet tree (pywt.Node2D): subnodes 'a' (LL),
    'h' (HL), 'v' (LH) and 'd' (HH)."""

    LL = "a"
    HL = "h"
    LH = "v"
    HH = "d"
    PARTS = LL, HL, LH, HH
    PART_LEN = 1

    def _create_subnode(self, part, data=None, overwrite=True):
        return self._create_subnode_base(node_cls=Node2D, part=part, data=data,
                                         overwrite=overwrite)

    def _decompose(self):
        if self.is_empty:
            ll = lh = hl = hh = None
        else:
            ll, (hl, lh, hh) = self._arrays.dwt2(self.data, self.wavelet, self.mode,
                                                 axes=self.axes)
        self._create_subnode(self.LL, ll)
        self._create_subnode(self.LH, lh)
        self._create_subnode(self.HL, hl)
        self._create_subnode(self.HH, hh)
        return (self._get_node(self.LL), self._get_node(self.HL), self._get_node(self.LH),
                self._get_node(self.HH))

    def expand_2d_path(self, path):
        """(row path, column path) of a path: 'l'/'h' per level along each axis."""
        expanded = {self.HH: "hh", self.HL: "hl", self.LH: "lh", self.LL: "ll"}
        return ("".join(expanded[p][0] for p in path), "".join(expanded[p][1] for p in path))

    def _key_bits(self):  # 'h' = detail along axes[0] ('da'), 'v' = along axes[1] ('ad')
        return {"a": 0, "v": 1, "h": 2, "d": 3}

    def _batch_axes(self):
        return list(self.axes)


class NodeND(BaseNode):
    """A node of an nD wavelet packet tree (pywt.NodeND): subnodes keyed by one
    letter ('a' or 'd') per transformed axis.

    Parameters
    ----------
    parent, data, node_name :
        As BaseNode.
    ndim : int
        Dimensions of the data.
    ndim_transform : int
        Number of transformed axes.
    """

    def __init__(self, parent, data, node_name, ndim, ndim_transform):
        super().__init__(parent=parent, data=data, node_name=node_name)
        self.PART_LEN = ndim_transform
        self.PARTS = OrderedDict(("".join(k), None) for k in product("ad", repeat=ndim_transform))
        self.ndim = ndim
        self.ndim_transform = ndim_transform

    def _init_subnodes(self):
        pass  # PARTS is the storage, made in __init__

    def _get_node(self, part):
        return self.PARTS[part]

    def _set_node(self, part, node):
        if part not in self.PARTS:
            raise ValueError("invalid part")
        self.PARTS[part] = node

    def _validate_node_name(self, part):
        if part not in self.PARTS:
            raise ValueError("Subnode name must be in [{}], not '{}'.".format(
                ", ".join(f"'{p}'" for p in self.PARTS), part))

    def _create_subnode(self, part, data=None, overwrite=True):
        return self._create_subnode_base(node_cls=NodeND, part=part, data=data,
                                         overwrite=overwrite, ndim=self.ndim,
                                         ndim_transform=self.ndim_transform)

    def _decompose(self):
        if self.is_empty:
            coeffs = {key: None for key in self.PARTS}
        else:
            coeffs = self._arrays.dwtn(self.data, self.wavelet, self.mode, axes=self.axes)
        for key, data in coeffs.items():
            self._create_subnode(key, data)
        return (self._get_node(key) for key in self.PARTS)

    def _key_bits(self):
        return {key: i for i, key in enumerate(self.PARTS)}

    def _batch_axes(self):
        return list(self.axes)


def _trimmed_to(rec, shape):
    if shape is None or tuple(rec.shape) == tuple(shape):
        return rec
    return rec[tuple(slice(n) for n in shape)]


class WaveletPacket(Node):
    """1D wavelet packet tree (pywt.WaveletPacket).

    Parameters
    ----------
    data : array_like or None
        The signal (NumPy or CuPy; other axes are a batch).
    wavelet : Wavelet object or name string
        Discrete wavelet.
    mode : str, optional
        Signal extension mode (default 'symmetric').
    maxlevel : int, optional
        Deepest level (default: dwt_max_level of the transformed axis).
    axis : int, optional
        The transformed axis (default -1).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> wp = cw.WaveletPacket(np.arange(1.0, 9.0), "db1", mode="symmetric")
    >>> wp["ad"].data
    array([-2., -2.])
    >>> [node.path for node in wp.get_level(2, "freq")]
    ['aa', 'ad', 'dd', 'da']
    >>> np.allclose(wp.reconstruct(), np.arange(1.0, 9.0))
    True
    """

    def __init__(self, data, wavelet, mode="symmetric", maxlevel=None, axis=-1):
        super().__init__(None, data, "")
        self.wavelet = self.ARRAYS.as_wavelet(wavelet)
        self.mode = mode
        self.axes = axis
        if data is not None:
            data = self._arrays.as_array(data)
            if self.axes < 0:
                self.axes = self.axes + data.ndim
            if not 0 <= self.axes < data.ndim:
                raise ValueError("Axis greater than data dimensions")
            self.data_size = data.shape
            if maxlevel is None:
                maxlevel = self._max_level(data.shape[self.axes])
        else:
            self.data_size = None
        self._maxlevel = maxlevel

    def reconstruct(self, update=True):
        """The data from the leaves (the root's data if it has no subnodes).

        Parameters
        ----------
        update : bool, optional
            If True (default), the reconstruction replaces the root's data.
        """
        if self.has_any_subnode:
            data = _trimmed_to(super().reconstruct(update), self.data_size)
            if update:
                self.data = data
            return data
        return self.data

    def get_level(self, level, order="natural", decompose=True):
        """Every node of `level`, in 'natural' (Paley) or 'freq' (sequency) order.

        Parameters
        ----------
        level : int
            The level.
        order : {'natural', 'freq'}, optional
            Node order.
        decompose : bool, optional
            Decompose missing nodes (default True; the whole level at once).
        """
        if order not in ("natural", "freq"):
            raise ValueError(f"Invalid order: {order}")
        if level > self.maxlevel:
            raise ValueError("The level cannot be greater than the maximum decomposition level "
                             f"value ({self.maxlevel})")
        result = self._collect_level(level, decompose)
        if order == "natural":
            return result
        by_path = {node.path: node for node in result}
        return [by_path[p] for p in get_graycode_order(level) if p in by_path]


class WaveletPacket2D(Node2D):
    """2D wavelet packet tree (pywt.WaveletPacket2D).

    Parameters
    ----------
    data : array_like or None
        Data with at least two dimensions (others are a batch).
    wavelet : Wavelet object or name string
        Discrete wavelet.
    mode : str, optional
        Signal extension mode (default 'smooth', as pywt).
    maxlevel : int, optional
        Deepest level (default: dwt_max_level of the shorter transformed axis).
    axes : 2-tuple of ints, optional
        The transformed axes (default the last two).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.outer(np.arange(8.0), np.ones(8))
    >>> wp = cw.WaveletPacket2D(x, "db1", mode="symmetric")
    >>> len(wp.get_level(2))
    16
    >>> np.allclose(wp.reconstruct(), x)
    True
    """

    def __init__(self, data, wavelet, mode="smooth", maxlevel=None, axes=(-2, -1)):
        super().__init__(None, data, "")
        self.wavelet = self.ARRAYS.as_wavelet(wavelet)
        self.mode = mode
        self.axes = _integers(axes, "axes")
        if len(set(self.axes)) != 2:  # (as pywt's np.unique; a set traces under torch.compile)
            raise ValueError("Expected two unique axes.")
        if data is not None:
            data = self._arrays.as_array(data)
            if data.ndim < 2:
                raise ValueError("WaveletPacket2D requires data with 2 or more dimensions.")
            normalize_axes(self.axes, data.ndim)  # (pywt's tree refuses bad axes when built)
            self.data_size = data.shape
            if maxlevel is None:
                maxlevel = self._max_level(min(data.shape[ax] for ax in self.axes))
        else:
            self.data_size = None
        self._maxlevel = maxlevel

    def reconstruct(self, update=True):
        """The data from the leaves; with `update` (default) it replaces the root's data."""
        if self.has_any_subnode:
            data = _trimmed_to(super().reconstruct(update), self.data_size)
            if update:
                self.data = data
            return data
        return self.data

    def get_level(self, level, order="natural", decompose=True):
        """Every node of `level`: a flat list ('natural') or rows and columns
        in frequency order ('freq')."""
        if order not in ("natural", "freq"):
            raise ValueError(f"Invalid order: {order}")
        if level > self.maxlevel:
            raise ValueError("The level cannot be greater than the maximum decomposition level "
                             f"value ({self.maxlevel})")
        result = self._collect_level(level, decompose)
        if order == "freq":
            grid = {}
            for node in result:
                row, col = self.expand_2d_path(node.path)
                grid.setdefault(row, {})[col] = node
            graycode = get_graycode_order(level, x="l", y="h")
            rows = [grid[p] for p in graycode if p in grid]
            result = [[row[p] for p in graycode if p in row] for row in rows]
        return result


class WaveletPacketND(NodeND):
    """nD wavelet packet tree (pywt.WaveletPacketND).

    Parameters
    ----------
    data : array_like or None
        The data (None needs `axes`).
    wavelet : Wavelet object or name string
        Discrete wavelet.
    mode : str, optional
        Signal extension mode (default 'smooth', as pywt).
    maxlevel : int, optional
        Deepest level (default: dwt_max_level of the shortest transformed axis).
    axes : int or tuple of ints, optional
        The transformed axes (default all).

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.arange(64.0).reshape(4, 4, 4)
    >>> wp = cw.WaveletPacketND(x, "db1", mode="symmetric")
    >>> len(wp.get_level(1)), wp["ddd"].data.shape
    (8, (2, 2, 2))
    >>> np.allclose(wp.reconstruct(), x)
    True
    """

    def __init__(self, data, wavelet, mode="smooth", maxlevel=None, axes=None):
        if data is None and axes is None:
            raise ValueError("If data is None, axes must be specified")
        if axes is None:
            axes = range(self.ARRAYS.as_array(data).ndim)
        elif isinstance(axes, (numbers.Number, str, bytes, np.generic)):  # (np.isscalar, traceable)
            axes = (axes,)
        axes = _integers(axes, "axes")
        if len(set(axes)) != len(axes):
            raise ValueError("Expected a set of unique axes.")
        if data is not None:
            array = self.ARRAYS.as_array(data)
            if array.ndim == 0:
                raise ValueError("data must be at least 1D")
            ndim = array.ndim
        else:
            array, ndim = None, len(axes)
        super().__init__(None, array, "", ndim, len(axes))  # (as pywt's: the data as an array)
        self.wavelet = self.ARRAYS.as_wavelet(wavelet)
        self.mode = mode
        self.axes = axes
        self.ndim_transform = len(axes)
        if data is not None:
            if array.ndim < len(axes):
                raise ValueError("The number of axes exceeds the number of data dimensions.")
            normalize_axes(axes, array.ndim)
            self.data_size = array.shape
            if maxlevel is None:
                maxlevel = self._max_level(min(array.shape[ax] for ax in axes))
        else:
            self.data_size = None
        self._maxlevel = maxlevel

    def reconstruct(self, update=True):
        """The data from the leaves; with `update` (default) it replaces the root's data."""
        if self.has_any_subnode:
            data = _trimmed_to(super().reconstruct(update), self.data_size)
            if update:
                self.data = data
            return data
        return self.data

    def get_level(self, level, decompose=True):
        """Every node of `level`, in natural order."""
        if level > self.maxlevel:
            raise ValueError("The level cannot be greater than the maximum decomposition level "
                             f"value ({self.maxlevel})")
        return self._collect_level(level, decompose)


# --- batched decomposition and reconstruction of the trees ------------------------

def _node_axes(node):
    """The tree's transformed axes, normalized for the node's data."""
    ndim = _as_node_array(node.data).ndim
    return normalize_axes(node._batch_axes(), ndim)


def _rows_for(nodes):
    """One array with the nodes' data as rows: the level array itself where the
    nodes are its consecutive untouched rows, a stacked copy otherwise."""
    first = nodes[0]._level_row()
    if first is not None:
        rows, start = first
        if all(n._level_row() is not None and n._level_row()[0] is rows
               and n._level_row()[1] == start + i for i, n in enumerate(nodes)):
            return rows[start:start + len(nodes)]
    arrays = [as_array(n.data) for n in nodes]
    xp = array_module(*arrays)
    return xp.stack(arrays)


def _decompose_levels(root, to_level):
    """Decompose, a level at a time and each level in one call per axis, every
    non-empty node above `to_level` that has no subnodes yet: what walking the
    tree with decompose=True would create node by node. Nodes with some
    subnodes are left to the walk (pywt re-decomposes those one at a time)."""
    if to_level is None:
        return
    frontier = [root]
    while frontier:
        # (dask data and a bridge's arrays are left to the walk: node by node)
        todo = [n for n in frontier if n.level < min(to_level, n.maxlevel) and not n.is_empty
                and not n.has_any_subnode and n._arrays.batched and not is_dask(n.data)]
        groups = {}
        for n in todo:
            array = _as_node_array(n.data)
            key = (tuple(array.shape), _node_dtype(n.data).str, is_cupy(array),
                   array.device.id if is_cupy(array) else -1)
            groups.setdefault(key, []).append(n)
        for nodes in groups.values():
            _decompose_group(nodes)
        frontier = [child for n in frontier if n.level < min(to_level, n.maxlevel)
                    and n.has_any_subnode and all(n._get_node(p) is not None for p in n.PARTS)
                    for child in (n._get_node(p) for p in n.PARTS)]


def _decompose_group(nodes):
    """The children of same-shaped nodes, from one split per axis of their rows."""
    ref = nodes[0]
    axes = _node_axes(ref)
    banks, modes = _level_setup(ref.wavelet, ref.mode, axes)
    rows = _rows_for(nodes)
    if rows.dtype != _node_dtype(rows):
        rows = rows.astype(_node_dtype(rows))
    children = decompose_rows(rows, [ax + 1 for ax in axes], banks, modes)
    bits = ref._key_bits()
    m = len(axes)
    order = sorted(ref.PARTS, key=lambda p: _creation_rank(ref, p))
    for i, node in enumerate(nodes):
        for part in order:
            index = (i << m) + bits[part]
            view = children[index]
            child = node._create_subnode(part, view)
            child._row = (children, index, view)


def _creation_rank(node, part):
    """pywt's order of creating subnodes (1D: a, d; 2D: a, v, h, d; nD: key order)."""
    if isinstance(node, Node2D):
        return "avhd".index(part)
    return list(node.PARTS).index(part)


def _reconstruct_subtree(top):
    """What pywt's recursive reconstruct returns for `top`: every node with
    subnodes is the idwt of its subnodes' values (trimmed to the node's
    original shape), computed bottom up, each level's nodes of one shape in
    one merge per axis."""
    by_level = {}
    stack = [top]
    while stack:
        node = stack.pop()
        if node.has_any_subnode:
            by_level.setdefault(node.level, []).append(node)
            stack.extend(c for c in (node._get_node(p) for p in node.PARTS) if c is not None)
    values = {}  # id(node) -> (array, level array or None, row)

    def value_of(node):
        if node is None:
            return None
        if id(node) in values:
            return values[id(node)]
        if node.data is None:
            return None
        row = node._level_row()
        return (node.data,) + (row if row is not None else (None, None))

    for level in sorted(by_level, reverse=True):
        groups = {}
        for node in by_level[level]:
            parts = [value_of(node._get_node(p)) for p in node.PARTS]
            if all(v is None for v in parts):
                raise ValueError(node._missing_parts_message())
            arrays = [as_array(v[0]) for v in parts if v is not None]
            shapes = {a.shape for a in arrays}
            if len(shapes) != 1:
                raise ValueError(f"coefficient shape mismatch: the subnodes of {node.path!r} "
                                 f"have shapes {sorted(shapes)}")
            signature = (shapes.pop(), common_dtype(arrays).str, tuple(v is None for v in parts),
                         node._data_shape)
            groups.setdefault(signature, []).append((node, parts))
        for (shape, dtype, _, data_shape), members in groups.items():
            # in the order of their subnodes' rows (where they come from a level array)
            members.sort(key=lambda member: min(
                [v[2] for v in member[1] if v is not None and v[1] is not None] or [-1]))
            merged = _merge_group(members, shape, np.dtype(dtype))
            if data_shape is not None:
                merged = _trim(merged, data_shape)
            for i, (node, _) in enumerate(members):
                values[id(node)] = (merged[i], merged, i)
    return values[id(top)][0]


def _holds_dask_data(top) -> bool:
    stack = [top]
    while stack:
        node = stack.pop()
        if is_dask(node.data):
            return True
        stack.extend(c for c in (node._get_node(p) for p in node.PARTS) if c is not None)
    return False


def _reconstruct_node_by_node(node):
    """_reconstruct_subtree for trees holding dask arrays or a bridge's: node
    by node, each node the inverse DWT (lazy on dask arrays, differentiable on
    a bridge's) of its subnodes' values, trimmed to the node's original shape;
    missing subnodes are zeros."""
    if not node.has_any_subnode:
        return node.data
    axes = node._batch_axes()
    m = len(axes)
    bits = node._key_bits()
    coeffs = {}
    for part in node.PARTS:
        sub = node._get_node(part)
        value = None if sub is None else _reconstruct_node_by_node(sub)
        # (bit i from the left: 'a' or 'd' along axes[i]; not format(b, "0mb"),
        # which torch.compile traces as str(b))
        coeffs["".join("ad"[(bits[part] >> (m - 1 - i)) & 1] for i in range(m))] = value
    if all(v is None for v in coeffs.values()):
        raise ValueError(node._missing_parts_message())
    rec = node._arrays.idwtn(coeffs, node.wavelet, node.mode, axes=axes)
    return _trimmed_to(rec, node._data_shape)


def _merge_group(members, shape, dtype):
    """The idwt (1, 2 or n axes) of each member's subnode values, all members
    in one merge per axis: rows (members, 2, ..., 2, *shape) of their values."""
    ref = members[0][0]
    parts = ref.PARTS
    bits = ref._key_bits()
    m = len(ref._batch_axes())
    values = [v for _, vals in members for v in vals if v is not None]
    xp = array_module(*(v[0] for v in values))
    by_row = None
    # untouched consecutive rows of one level array, in the kernels' order
    first = members[0][1][list(parts).index(min(parts, key=lambda p: bits[p]))]
    if first is not None and first[1] is not None and all(
            vals[k] is not None and vals[k][1] is first[1]
            and vals[k][2] == first[2] + (i << m) + bits[p]
            for i, (_, vals) in enumerate(members) for k, p in enumerate(parts)) \
            and first[1].dtype == dtype and first[2] % (1 << m) == 0:
        by_row = first[1][first[2]:first[2] + (len(members) << m)]
    if by_row is None:
        by_row = zeros(xp, (len(members) << m,) + tuple(shape), dtype)
        for i, (_, vals) in enumerate(members):
            for k, p in enumerate(parts):
                if vals[k] is not None:
                    by_row[(i << m) + bits[p]] = vals[k][0]
    axes = normalize_axes(ref._batch_axes(), len(shape))
    banks, modes = _level_setup(ref.wavelet, ref.mode, axes)
    return reconstruct_rows(by_row, [ax + 1 for ax in axes], banks, modes)
