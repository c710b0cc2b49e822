"""pywt's stationary transforms and the packet level transforms over a
framework's level operations, shared by the bridges (as _frontend.py is for
the decimated transforms): argument checks and coefficient structures here,
the arithmetic in the backend. Besides prepare and cast (see _frontend.py), a
backend provides:

    swt_levels(x, axes, banks, start_level, level) -> [{key: subband}, ...]
        cuwavelet._stationary.swtn_levels' contract: finest level first, every
        subband shaped like x; banks already scaled for `norm`.
    iswt_levels(a, details, axes, banks) -> array
        iswtn_levels' contract: details coarsest first, dicts without the
        approximation key (missing keys are zeros).
    packet_decompose(x, axes, banks, modes, level) -> [node, ...]
        every node of `level` in natural order (cuwavelet._packets.decompose_level).
    packet_reconstruct(nodes, axes, banks, modes, level, sizes) -> array
        the inverse from every node of `level` in natural order (None: zeros);
        sizes: the data's lengths along `axes`, to which every level is
        trimmed (None: untrimmed).
Banks reach the backend as its encode_banks(banks) made them (default: a tuple of
FilterBanks). Optionally
    encode_banks(banks) -> hashable plain values (e.g. filter lengths and taps)
    learned_banks(wavelet, axes) -> [bank, ...] or None
                                one bank per axis (pair(synthesis, like) ->
                                (2, F) filters and length, as for
                                _frontend.learned_split) where the wavelet is a
                                learned filter bank; the transforms then run
                                through the backend's learned operations:
    learned_ops                 for the stationary transforms, its learned
                                analysis(t, f, axis, mode) and synthesis(a, d,
                                f, axis, mode) (axis from the end; in
                                stationary modes: _LearnedStationary);
                                the packet transforms, its spec, split and
                                merge of the DWT (_LearnedPackets)
    constant_specs(fn) -> fn    as in _frontend.py: wraps the wavelet lookup
                                (wavelet, key, axes) -> encoded banks (and for
                                packets filter lengths and mode numbers), e.g.
                                so that graph capture takes it as a constant

Axes given to the backend are non-negative.
"""
from __future__ import annotations

from cuwavelet._packets import _level_setup, _level_shapes, _node_paths, _packet_axes
from cuwavelet._shapes import (AxisError, coeff_len, dwt_max_level, integer, normalize_axes,
                               normalize_axis)
from cuwavelet._stationary import (_banks, _forward, _inverse_parts, swt_max_level,
                                   swtn_axes)
from cuwavelet._wavelets import as_mode, per_axis, stationary_mode

from ._docstrings import ADJOINT, numpydoc
from ._frontend import shape_of, subband_keys


class StationaryFrontend:
    """swt, iswt, swt2, iswt2, swtn and iswtn of cuwavelet, by name and
    signature, for one backend."""

    def __init__(self, backend):
        self.backend = backend
        self._lookup = _lookup(backend)

    def _banks(self, wavelet, axes, norm, inverse, what="wavelets"):
        learned = getattr(self.backend, "learned_banks", lambda w, a: None)(wavelet, axes)
        if learned is not None:
            return _LearnedStationary(learned, norm, inverse, self.backend.learned_ops)
        return self._lookup(wavelet, ("stationary", bool(norm), inverse, what), axes)

    def _data(self, data, min_ndim):
        values, out = self.backend.prepare({"data": data})
        x = values["data"]
        if x.ndim < min_ndim:
            if min_ndim == 1:
                raise AxisError("data must be at least 1-D.")
            raise ValueError("Input array has fewer dimensions than the specified axes")
        return x, out

    def _forward(self, x, axes, banks, level, start_level, trim_approx, swt=False):
        run = banks.levels if isinstance(banks, _LearnedStationary) else self.backend.swt_levels
        return _forward(x, axes, banks, level, start_level, trim_approx, run_levels=run, swt=swt)

    def swt(self, data, wavelet, level=None, start_level=0, axis=-1, trim_approx=False,
            norm=False):
        """Multilevel 1D stationary wavelet transform (pywt.swt)."""
        x, out = self._data(data, 1)
        axis = normalize_axis(axis, x.ndim)
        banks = self._banks(wavelet, [axis], norm, inverse=False, what="wavelet")
        if level is None:
            level = swt_max_level(shape_of(x)[axis])
        c = self._forward(x, [axis], banks, level, start_level, trim_approx, swt=True)
        if trim_approx:
            return _cast(self.backend, [c[0]] + [d["d"] for d in c[1:]], out)
        return _cast(self.backend, [(d["a"], d["d"]) for d in c], out)

    def swt2(self, data, wavelet, level, start_level=0, axes=(-2, -1), trim_approx=False,
             norm=False):
        """Multilevel 2D stationary wavelet transform (pywt.swt2)."""
        axes = tuple(axes)
        if len(axes) != 2:
            raise ValueError("Expected 2 axes")
        x, out = self._data(data, 2)
        axes = normalize_axes(axes, x.ndim, 2)
        if len(set(axes)) != 2:
            raise ValueError("The axes passed to swt2 must be unique.")
        banks = self._banks(wavelet, axes, norm, inverse=False)
        c = self._forward(x, axes, banks, level, start_level, trim_approx)
        if trim_approx:
            return _cast(self.backend, [c[0]] + [(d["da"], d["ad"], d["dd"]) for d in c[1:]], out)
        return _cast(self.backend, [(d["aa"], (d["da"], d["ad"], d["dd"])) for d in c], out)

    def swtn(self, data, wavelet, level, start_level=0, axes=None, trim_approx=False,
             norm=False):
        """nD stationary wavelet transform (pywt.swtn): dicts keyed by 'a'/'d' per axis."""
        x, out = self._data(data, 1)
        axes = swtn_axes(axes, x.ndim)
        banks = self._banks(wavelet, axes, norm, inverse=False)
        return _cast(self.backend, self._forward(x, axes, banks, level, start_level, trim_approx),
                                 out)

    def iswt(self, coeffs, wavelet, norm=False, axis=-1):
        """Multilevel 1D inverse stationary wavelet transform (pywt.iswt)."""
        if not isinstance(coeffs, (list, tuple)) or len(coeffs) < 1:
            raise ValueError("Expected a non-empty list of coefficients as returned by swt.")
        if not isinstance(coeffs[0], (tuple, list)):  # trim_approx=True
            a, details = coeffs[0], [{"d": d} for d in coeffs[1:]]
        else:
            for c in coeffs:
                if not isinstance(c, (tuple, list)) or len(c) != 2:
                    raise ValueError("Each level of swt's coefficients is a pair (cA, cD).")
            a, details = coeffs[0][0], [{"d": d} for _, d in coeffs]
        return self._inverse(a, details, wavelet, [axis], norm)

    def iswt2(self, coeffs, wavelet, norm=False, axes=(-2, -1)):
        """Multilevel 2D inverse stationary wavelet transform (pywt.iswt2)."""
        if not isinstance(coeffs, (list, tuple)) or len(coeffs) < 1:
            raise ValueError("Expected a non-empty list of coefficients as returned by swt2.")

        def details_of(d):
            if not isinstance(d, (tuple, list)) or len(d) != 3:
                raise ValueError("Detail coefficients must be a 3-tuple (cH, cV, cD).")
            return dict(zip(("da", "ad", "dd"), d))
        if not isinstance(coeffs[0], (tuple, list)):  # trim_approx=True
            a, details = coeffs[0], [details_of(d) for d in coeffs[1:]]
        else:
            for c in coeffs:
                if not isinstance(c, (tuple, list)) or len(c) != 2:
                    raise ValueError("Each level of swt2's coefficients is (cA, (cH, cV, cD)).")
            a, details = coeffs[0][0], [details_of(d) for _, d in coeffs]
        if len(tuple(axes)) != 2:
            raise ValueError("Expected 2 axes")
        return self._inverse(a, details, wavelet, axes, norm)

    def iswtn(self, coeffs, wavelet, axes=None, norm=False):
        """Multilevel nD inverse stationary wavelet transform (pywt.iswtn)."""
        a, details, _ = _inverse_parts(coeffs)
        return self._inverse(a, details, wavelet, axes, norm)

    def _inverse(self, a, details, wavelet, axes, norm):
        """The checks of cuwavelet._stationary._inverse, on the backend's arrays."""
        if a is None:
            raise ValueError("The approximation coefficients are required.")
        naxes = {len(k) for d in details for k in d}
        if len(naxes) > 1:
            raise ValueError("All detail coefficient keys must have the same length.")
        keyed = {("a",): a}
        for j, d in enumerate(details):
            bad = [k for k in d if not isinstance(k, str) or set(k) - set("ad")
                   or k == "a" * len(k)]
            if bad:
                raise ValueError(f"Invalid detail keys {bad}.")
            keyed.update({(j, k): v for k, v in d.items() if v is not None})
        arrays, out = self.backend.prepare(keyed)
        a = arrays[("a",)]
        if not details:  # no level to undo: the approximation, as pywt
            return _cast(self.backend, a, out)
        axes = list(range(a.ndim)) if axes is None else list(axes)
        axes = [normalize_axis(ax, a.ndim) for ax in axes]
        if len(set(axes)) != len(axes):
            raise ValueError("The axes passed to swtn must be unique.")
        naxes = naxes.pop() if naxes else None
        if naxes is not None and naxes != len(axes):
            raise ValueError("The number of axes used in iswtn must match the number of "
                             "dimensions transformed in swtn.")
        levels = [{k: arrays[(j, k)] for k in d if (j, k) in arrays}
                  for j, d in enumerate(details)]
        for d in levels:
            if len({shape_of(v) for v in d.values()}) > 1:
                raise RuntimeError("Mismatch in shape of intermediate coefficient arrays")
            for v in d.values():
                if shape_of(v) != shape_of(a):
                    raise ValueError(f"coefficient shape mismatch: details of shape "
                                     f"{tuple(v.shape)} do not match the approximation's "
                                     f"{tuple(a.shape)}")
        for ax in axes:
            if shape_of(a)[ax] % (1 << len(details)):
                raise ValueError(f"{len(details)} levels of the inverse SWT need a length that "
                                 f"is a multiple of {1 << len(details)} along axis {ax}; got "
                                 f"{a.shape[ax]}.")
        banks = self._banks(wavelet, axes, norm, inverse=True)
        run = banks.inverse_levels if isinstance(banks, _LearnedStationary) \
            else self.backend.iswt_levels
        return _cast(self.backend, run(a, levels, axes, banks), out)


class _LearnedStationary:
    """The stationary transforms with learned filter banks (one per axis),
    through the backend's learned bilinear operations, so that gradients
    reach the filters (of every order where the backend's are).

    A level along an axis is the backend's learned analysis, and a level of
    the inverse its learned synthesis, in the stationary mode of the level's
    dilation (cuwavelet/_learned.py: pywt's swt level, and its iswt level
    from the reconstruction filters halved): one operation each, on the
    arrays as they are."""

    def __init__(self, banks, norm, inverse, ops):
        self.banks, self.ops = list(banks), ops
        self.scale = (2 ** 0.5 if inverse else 2 ** -0.5) if norm else 1.0  # as pywt's norm

    def _filters(self, bank, synthesis, like):
        f = bank.pair(synthesis, like)
        scale = self.scale / 2 if synthesis else self.scale  # (halved: see above)
        return f if scale == 1.0 else f * scale

    def _split(self, t, f, axis, s):
        """(cA, cD) of one stationary level at dilation s along `axis`."""
        return self.ops.analysis(t, f, axis - t.ndim, stationary_mode(s))

    def _merge(self, a, d, f, axis, s):
        """One inverse stationary level at dilation s along `axis` (a or d
        None: zeros)."""
        ndim = (a if a is not None else d).ndim
        return self.ops.synthesis(a, d, f, axis - ndim, stationary_mode(s))

    def levels(self, x, axes, _banks, start_level, level):
        """The backend's swt_levels contract: finest level first. A backend
        whose learned_ops has stationary_levels may run them all as one call
        (None where it cannot)."""
        whole = getattr(self.ops, "stationary_levels", None)
        if whole is not None:
            found = whole(x, [self._filters(bank, False, x) for bank in self.banks], axes,
                          start_level, level)
            if found is not None:
                return [dict(zip(subband_keys(len(axes)), sub)) for sub in found]
        out, a = [], x
        for j in range(start_level, start_level + level):
            sub = {"": a}
            for axis, bank in zip(axes, self.banks):
                f = self._filters(bank, False, x)
                sub = {key + letter: half for key, t in sub.items()
                       for letter, half in zip("ad", self._split(t, f, axis, 2 ** j))}
            out.append(sub)
            a = sub["a" * len(axes)]
        return out

    def inverse_levels(self, a, details, axes, _banks):
        """The backend's iswt_levels contract: details coarsest first (a
        backend's learned_ops.stationary_inverse may run it as one call)."""
        whole = getattr(self.ops, "stationary_inverse", None)
        if whole is not None and details and a is not None:
            y = whole(a, details, [self._filters(bank, True, a) for bank in self.banks], axes)
            if y is not None:
                return y
        for j, d in zip(range(len(details), 0, -1), details):
            sub = {"a" * len(axes): a, **d}
            for k in reversed(range(len(axes))):
                f = self._filters(self.banks[k], True, a)
                sub = {p: self._merge(sub.get(p + "a"), sub.get(p + "d"), f, axes[k], 2 ** (j - 1))
                       for p in {key[:k] for key in sub}}
            a = sub[""]
        return a


class PacketFrontend:
    """packet_decompose and packet_reconstruct of cuwavelet, by name and
    signature, for one backend."""

    def __init__(self, backend):
        self.backend = backend
        self._lookup = _lookup(backend)

    def packet_decompose(self, data, wavelet, mode="symmetric", level=None, axes=-1):
        """Every node of one level of the wavelet packet tree: {path: node}."""
        values, out = self.backend.prepare({"data": data})
        x = values["data"]
        axes = _packet_axes(axes, x.ndim)
        banks, lengths, modes = self._banks(wavelet, mode, axes)
        if level is None:
            level = dwt_max_level(min(shape_of(x)[ax] for ax in axes), min(lengths))
        level = integer(level, "level")
        if level < 0:
            raise ValueError(f"Level value of {level} is too low . Minimum level is 0.")
        if isinstance(banks, _LearnedPackets):
            nodes = banks.decompose(x, level)
        else:
            nodes = self.backend.packet_decompose(x, axes, banks, modes, level)
        return _cast(self.backend, dict(zip(_node_paths(level, len(axes)), nodes)), out)

    def _banks(self, wavelet, mode, axes):
        """(encoded banks, filter lengths, mode numbers); with a learned bank,
        a _LearnedPackets in place of the encoded banks."""
        learned = getattr(self.backend, "learned_banks", lambda w, a: None)(wavelet, axes)
        if learned is None:
            return self._lookup(wavelet, ("packet", mode), axes)
        modes = [as_mode(m) for m in per_axis(mode, axes, "mode")]
        return (_LearnedPackets(self.backend, self.backend.spec(axes, learned, modes)),
                tuple(b.length for b in learned), tuple(modes))

    def packet_reconstruct(self, nodes, wavelet, mode="symmetric", axes=-1, data_shape=None):
        """The data from every node of one level (missing or None nodes are zeros)."""
        if not isinstance(nodes, dict) or not any(v is not None for v in nodes.values()):
            raise ValueError("Expected a non-empty dict of nodes keyed by path, at least one "
                             "of them given.")
        values, out = self.backend.prepare({k: v for k, v in nodes.items() if v is not None})
        shapes = {shape_of(v) for v in values.values()}
        if len(shapes) != 1:
            raise ValueError(f"coefficient shape mismatch: the nodes of a level share one shape; "
                             f"got {sorted(shapes)}")
        shape = shapes.pop()
        axes = _packet_axes(axes, len(shape))
        lengths = {len(k) for k in nodes}
        if len(lengths) != 1 or lengths.pop() % len(axes):
            raise ValueError(f"Every path must have the same number of letters, a multiple of "
                             f"the {len(axes)} transformed axes.")
        level = len(next(iter(nodes))) // len(axes)
        paths = _node_paths(level, len(axes))
        bad = [k for k in nodes if k not in set(paths)]
        if bad:
            raise ValueError(f"Invalid node paths {bad}.")
        banks, lengths, modes = self._banks(wavelet, mode, axes)
        sizes = None
        if data_shape is not None:
            data_shape = tuple(int(n) for n in data_shape)
            if len(data_shape) != len(shape):
                raise ValueError(f"data_shape {data_shape} has {len(data_shape)} dimensions, the "
                                 f"nodes {len(shape)}")
            node_shape = _node_shape(data_shape, axes, lengths, modes, level)
            if node_shape != shape:
                raise ValueError(f"coefficient shape mismatch: data of shape {data_shape} "
                                 f"gives nodes of shape {node_shape}, not {shape}")
            sizes = tuple(data_shape[ax] for ax in axes)
        nodes = [values.get(p) for p in paths]
        if isinstance(banks, _LearnedPackets):
            return _cast(self.backend, banks.reconstruct(nodes, level, data_shape), out)
        return _cast(self.backend,
                     self.backend.packet_reconstruct(nodes, axes, banks, modes, level, sizes), out)


class _LearnedPackets:
    """The packet level transforms with learned filter banks, through the
    backend's learned DWT (split, merge: the learned bilinear operations), so
    that gradients reach the filters: the nodes of a level stacked along a
    new first dimension, so that each level is one split (or merge) of all
    of them, however many there are.

    The stack is key-major: a level's split gives one block per subband key,
    each with the parents in the stack's order, and the next stack is those
    blocks one after another (a concatenation, whose transpose hands the
    core contiguous cotangents). So a node's place in the stack is its path
    read from the last level's key to the first (digits in base 2**naxes),
    the reverse of natural order (each parent's children in key order), in
    which the nodes come and go."""

    def __init__(self, backend, spec):
        self.backend, self.spec = backend, spec
        self.keys = subband_keys(len(spec.axes))
        # the same spec over the stacked nodes (one more dimension in front)
        self.stacked = backend.spec([a + 1 for a in spec.axes], spec.banks, spec.modes)
        self.ops = backend.learned_ops

    def _order(self, level) -> list:
        """Place in the stack of each node of `level` in natural order (the
        digit reversal is its own inverse: also the node at each place)."""
        n = len(self.keys)
        return [sum((i // n ** (level - 1 - j)) % n * n ** j for j in range(level))
                for i in range(n ** level)]

    def decompose(self, x, level):
        nodes = x[None]
        for _ in range(level):
            sub = self.backend.split(nodes, self.stacked)
            nodes = self.ops.concatenate([sub[k] for k in self.keys], 0)
        stacked = self.ops.unstack(nodes, 0)  # (one transpose: a stack, not a scatter per node)
        return [stacked[s] for s in self._order(level)]

    def reconstruct(self, nodes, level, data_shape):
        """The data from a level's nodes (None: zeros), each level trimmed to
        the shape the decomposition of data of `data_shape` gave it (None:
        untrimmed)."""
        spec, n = self.spec, len(self.keys)
        shapes = None if data_shape is None else _level_shapes(data_shape, spec.axes, spec.banks,
                                                               spec.modes, level)
        ref = next(v for v in nodes if v is not None)
        in_stack = [nodes[i] for i in self._order(level)]
        parents = len(in_stack) // n
        # the given nodes stacked per key (a key none of whose nodes is given:
        # absent; the others' missing nodes zeros), then each level's parents
        given = {}
        for i, k in enumerate(self.keys):
            block = in_stack[i * parents:(i + 1) * parents]
            if any(v is not None for v in block):
                given[k] = self.ops.stack([self.ops.zeros_like(ref) if v is None else v
                                           for v in block])
        for j in range(level, 0, -1):
            rec = self.backend.merge(given, self.stacked)  # (parents, ...)
            if shapes is not None:
                rec = rec[(slice(None),) + tuple(slice(0, m) for m in shapes[j - 1])]
            if j > 1:
                given = dict(zip(self.keys, self.ops.split(rec, n)))
        return rec[0]


def _cast(backend, coeffs, out):
    return coeffs if out is None else backend.cast(coeffs, out)


def _lookup(backend):
    """(wavelet, key, axes) -> the stationary transforms' encoded banks (key:
    ("stationary", norm, inverse, what)) or the packet transforms' (encoded
    banks, filter lengths, mode numbers) (key: ("packet", mode)), through the
    backend's constant_specs where it has one."""
    encode = getattr(backend, "encode_banks", tuple)

    def look(wavelet, key, axes):
        axes = list(axes)
        if key[0] == "stationary":
            _, norm, inverse, what = key
            return encode(_banks(wavelet, axes, norm, inverse=inverse, what=what))
        banks, modes = _level_setup(wavelet, key[1], axes)
        return encode(banks), tuple(b.length for b in banks), tuple(modes)
    return getattr(backend, "constant_specs", lambda fn: fn)(look)


def _node_shape(shape, axes, lengths, modes, level) -> tuple:
    """The nodes' shape at `level` for data of `shape` (the decimated lengths)."""
    shape = tuple(shape)
    for _ in range(level):
        for ax, n, m in zip(axes, lengths, modes):
            shape = shape[:ax] + (coeff_len(shape[ax], n, m),) + shape[ax + 1:]
    return shape



# --- the public functions' docstrings, shared by the bridges -------------------------
# Each bridge fills in {array} (its array type) and {examples} (a doctest in its
# own terms) with docstring().

_SWT_PARAMS = """wavelet : str, pywt.Wavelet or filter bank{per_axis}
        A discrete wavelet, or a learned filter bank as for the DWT (four
        {{array}}s: the gradients reach the filters).
    level : int{level_none}
        Number of levels.
    start_level : int
        Levels to skip before the first one returned (default 0).
    {axes_doc}
    trim_approx : bool
        If True, return only the coarsest approximation ({trimmed}).
    norm : bool
        If True, the filters are scaled by ``1/sqrt(2)`` (energy preserving for
        an orthogonal wavelet with ``trim_approx=True``)."""

_INVERSE_PARAMS = """wavelet : str, pywt.Wavelet or filter bank{per_axis}
        The wavelet of the forward transform (a learned bank too).
    norm : bool
        Must match the forward transform's `norm`.
    {axes_doc}"""

DOCS = {
    "swt": ("Multilevel 1D stationary wavelet transform (``pywt.swt``).", """data : {array}
        Any shape; every dimension but `axis` is a batch dimension. The length
        along `axis` must be a multiple of ``2**(start_level + level)``.
    """ + _SWT_PARAMS.format(per_axis="", level_none=" or None",
                             axes_doc="axis : int\n        The transformed axis.",
                             trimmed="``[cAn, cDn, ..., cD1]``"), """list
        ``[(cAn, cDn), ..., (cA1, cD1)]`` (coarsest first), or
        ``[cAn, cDn, ..., cD1]`` with `trim_approx`; every {array} has the
        shape of `data`."""),
    "swt2": ("Multilevel 2D stationary wavelet transform (``pywt.swt2``).", """data : {array}
        At least 2-D; dimensions outside `axes` are batch dimensions.
    """ + _SWT_PARAMS.format(per_axis=", or one per axis", level_none="",
                             axes_doc="axes : pair of int\n        The transformed axes.",
                             trimmed="``[cAn, (cHn, cVn, cDn), ..., (cH1, cV1, cD1)]``"),
             """list
        ``[(cAn, (cHn, cVn, cDn)), ..., (cA1, (cH1, cV1, cD1))]`` (coarsest
        first), or wavedec2's structure with `trim_approx`; every {array} has
        the shape of `data`."""),
    "swtn": ("Multilevel nD stationary wavelet transform (``pywt.swtn``).", """data : {array}
        Dimensions outside `axes` are batch dimensions.
    """ + _SWT_PARAMS.format(per_axis=", or one per axis", level_none="",
                             axes_doc="axes : sequence of int or None\n        The transformed "
                                      "axes (None: all).",
                             trimmed="``[cAn, {{details_n}}, ..., {{details_1}}]``"), """list
        Dicts keyed by one letter ('a' or 'd') per axis, coarsest level first
        (with `trim_approx`: wavedecn's structure); every {array} has the
        shape of `data`."""),
    "iswt": ("Multilevel 1D inverse stationary wavelet transform (``pywt.iswt``).",
             """coeffs : list
        `swt`'s structure, with or without `trim_approx`; None details are
        zeros.
    """ + _INVERSE_PARAMS.format(per_axis="", axes_doc="axis : int\n        The transformed "
                                                       "axis."), """{array}
        The reconstruction (the shape of the coefficients)."""),
    "iswt2": ("Multilevel 2D inverse stationary wavelet transform (``pywt.iswt2``).",
              """coeffs : list
        `swt2`'s structure, with or without `trim_approx`; None details are
        zeros.
    """ + _INVERSE_PARAMS.format(per_axis=", or one per axis",
                                 axes_doc="axes : pair of int\n        The transformed axes."),
              """{array}
        The reconstruction."""),
    "iswtn": ("Multilevel nD inverse stationary wavelet transform (``pywt.iswtn``).",
              """coeffs : list
        `swtn`'s structure, with or without `trim_approx`; missing or None
        details are zeros.
    """ + _INVERSE_PARAMS.format(per_axis=", or one per axis",
                                 axes_doc="axes : sequence of int or None\n        The "
                                          "transformed axes (None: all)."), """{array}
        The reconstruction."""),
    "packet_decompose": ("Every node of one level of the wavelet packet tree "
                         "(``cuwavelet.packet_decompose``).", """data : {array}
        Dimensions outside `axes` are batch dimensions.
    wavelet : str, pywt.Wavelet or filter bank, or one per axis
        A discrete wavelet, or a learned filter bank (four {array}s: through
        the learned DWT, a level's nodes at once; the gradients reach the
        filters).
    mode : str, or one per axis
        Boundary extension (pywt's modes).
    level : int or None
        The level (None: ``dwt_max_level`` of the shortest transformed axis).
    axes : int, sequence of int or None
        The transformed axes (default -1; None: all).""", """dict
        ``{{path: node}}`` in natural order, paths as ``WaveletPacketND``'s (one
        letter per axis per level)."""),
    "packet_reconstruct": ("The data from every node of one level of the wavelet packet tree "
                           "(``cuwavelet.packet_reconstruct``).", """nodes : dict
        ``{{path: {array}}}`` of one level (missing or None nodes are zeros).
    wavelet : str, pywt.Wavelet or filter bank, or one per axis
        The wavelet of the decomposition (a learned bank too).
    mode : str, or one per axis
        Its boundary extension.
    axes : int, sequence of int or None
        The transformed axes (default -1; None: all).
    data_shape : tuple of int or None
        The decomposed data's shape: every level is trimmed to it as the
        packet trees do (None: untrimmed).""", """{array}
        The reconstruction."""),
}


def docstring(name: str, array: str, examples: str, docs=None, gradient: str = ADJOINT) -> str:
    """The numpydoc docstring of a bridge's `name` for arrays called `array`
    (its summary, parameters and returns from `docs`, default DOCS; how it
    is differentiated: `gradient`)."""
    return numpydoc(DOCS if docs is None else docs, name, array, examples, gradient)
