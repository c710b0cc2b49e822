"""pywt's twelve transforms over a framework's two level operations.

The torch and JAX bridges differ only in how one analysis level (split) and
one synthesis level (merge) run and in how their arrays are converted; the
argument checks, coefficient structures and multilevel loops are shared here.
A backend provides:

    prepare(values: dict) -> (dict, out_dtype)  arrays (None kept) in one compute
                                                dtype on one device, and the dtype
                                                results are cast back to (None:
                                                they are in it already)
    cast(coeffs, dtype) -> coeffs               the same structure in `dtype`
    asarray(data) -> array                      data as a framework array of its own dtype
    spec(axes, banks, modes) -> spec            what split/merge take (axes >= 0)
    split(x, spec) -> {key: subband}            one level, keys in the core's order
    merge({key: subband}, spec) -> array        one inverse level; missing keys are zeros
and optionally
    banks_and_modes(wavelet, mode, axes)        one bank (with .length) and mode number per
                                                axis, where the backend accepts wavelets the
                                                core does not (filters as framework arrays)
    wavedec_levels(x, spec, level)              a whole multilevel transform (2+ levels),
        -> [cA_L, {key: detail}_L, ..., {key: detail}_1] or None (not for this spec)
    waverec_levels(a, details, spec, trim_first) a whole inverse (a given; details: dicts,
        -> array or None                        coarsest first; pywt's trims of the
                                                approximation, the first level's with
                                                trim_first), or None: the per-level route
                                                (whole_waverec_sizes says whether the
                                                shapes chain)
    constant_specs(fn) -> fn                    wraps the spec lookup (wavelet, mode, axes)
                                                -> (spec, filter lengths, mode numbers), e.g.
                                                so that graph capture takes its result as a
                                                constant (pywt's tables are not traceable).
    capturing() -> bool                         whether a graph capture is tracing the call
    constant(fn) -> fn                          wraps a pure-Python check whose result graph
                                                capture takes as a constant (the level check,
                                                whose warning, as pywt's, then comes once
                                                when a function is captured)
Specs are cached per (wavelet, mode, axes) where those are plain names, so a
call with a named wavelet does not rebuild its filter bank.
"""
from __future__ import annotations

import operator
from itertools import product

from cuwavelet._multilevel import _at_most_one_longer
from cuwavelet._separable import subband_key
from cuwavelet._shapes import check_level, normalize_axes, normalize_axis, rec_len
from cuwavelet._wavelets import FilterBank
from cuwavelet.transforms import (_coeff_list, _split2, _two_axes, banks_and_modes, detail_dict,
                                  waverec2_parts)

# Subband keys for k axes in the order the core stacks them ('a...a' first); a
# plain table (not a cached function) so that torch.compile reads it directly.
_KEYS = {k: tuple(subband_key(i) for i in product(range(2), repeat=k)) for k in range(1, 9)}


def shape_of(t) -> tuple:
    """t's shape as a tuple of ints: torch.jit.trace reads sizes as 0-d
    tensors (the traced graph keeps the sizes it was traced at), and
    torch.compile's dynamic sizes are specialized here (the coefficients'
    shapes follow from them)."""
    return tuple(operator.index(n) for n in t.shape)


def subband_keys(k: int) -> tuple:
    return _KEYS[k] if k in _KEYS else tuple(subband_key(i) for i in product(range(2), repeat=k))


_NAMES = (str, int, FilterBank)
_SPEC_CACHE_SIZE = 512


def _spec_key(wavelet, mode, axes):
    """A cache key for (wavelet, mode, axes) given by names (one or one per axis), else None."""
    if type(wavelet) is str and type(mode) is str:  # the common case, first
        return wavelet, mode, tuple(axes)

    def plain(v):
        if isinstance(v, _NAMES) and not isinstance(v, bool):
            return v
        if isinstance(v, (list, tuple)) and all(isinstance(e, _NAMES) and not isinstance(e, bool)
                                                for e in v):
            return (type(v).__name__,) + tuple(v)
        return None
    w, m = plain(wavelet), plain(mode)
    if w is None or m is None:
        return None
    return w, m, tuple(axes)


def _axis(axis, ndim: int) -> int:
    """normalize_axis with a fast path for a plain int in range."""
    if type(axis) is int and -ndim <= axis < ndim:
        return axis % ndim
    return normalize_axis(axis, ndim)


def fit_approximation(a, shape, axes):
    """pywt's trimming: `a` cut to `shape` along the transformed axes where it is
    one sample longer; any other difference is a ValueError."""
    a_shape, shape = tuple(int(n) for n in a.shape), tuple(int(n) for n in shape)
    if a_shape == shape:
        return a
    if len(a_shape) != len(shape) or any(
            (a_shape[i] - shape[i] not in (0, 1)) if i in axes else a_shape[i] != shape[i]
            for i in range(len(shape))):
        raise ValueError(f"coefficient shape mismatch: an approximation of shape {a_shape} does "
                         f"not fit details of shape {shape} (transformed axes {list(axes)})")
    return a[tuple(slice(shape[i]) if i in axes else slice(None) for i in range(len(shape)))]


def learned_pairs(banks, synthesis: bool, data) -> list:
    """Each axis's (2, F) filters (bank.pair(synthesis, data)), made once per
    distinct bank: one learned bank serving every axis is one array, whose
    gradient the framework sums over the axes."""
    made, pairs = {}, []
    for bank in banks:
        key = tuple(map(id, bank.filters[2:] if synthesis else bank.filters[:2]))
        if key not in made:
            made[key] = bank.pair(synthesis, data)
        pairs.append(made[key])
    return pairs


def learned_split(x, spec, analysis) -> dict:
    """One level of a transform with learned filter banks (spec: axes, banks
    with pair(synthesis, data) -> (2, F) filters, modes), one axis at a time:
    each axis splits every subband so far. analysis(t, f, axis counted from
    the end, mode) -> (lo, hi) is the backend's bilinear operation."""
    sub = {"": x}
    for axis, bank, mode in zip(spec.axes, spec.banks, spec.modes):
        f = bank.pair(False, x)
        sub = {key + letter: half for key, t in sub.items()
               for letter, half in zip("ad", analysis(t, f, axis - x.ndim, mode))}
    return sub


def learned_merge(d: dict, spec, synthesis):
    """The inverse of learned_split, last axis first; synthesis(a, d, f, axis
    counted from the end, mode), a or d None where a subband is missing."""
    ref = next(iter(d.values()))
    if len({shape_of(t) for t in d.values()}) > 1:
        raise ValueError(f"coefficient shape mismatch: subbands of one level must share a shape; "
                         f"got { {key: shape_of(t) for key, t in d.items()} }")
    for j in reversed(range(len(spec.axes))):
        f = spec.banks[j].pair(True, ref)
        d = {p: synthesis(d.get(p + "a"), d.get(p + "d"), f, spec.axes[j] - ref.ndim,
                          spec.modes[j]) for p in {key[:j] for key in d}}
    return d[""]


class Frontend:
    """The transforms of cuwavelet.transforms, by name and signature, for one backend."""

    def __init__(self, backend):
        self.backend = backend
        self._banks_and_modes = getattr(backend, "banks_and_modes", banks_and_modes)
        self._specs: dict = {}
        self._lookup = getattr(backend, "constant_specs", lambda fn: fn)(self._lookup_spec)
        self._check_level = getattr(backend, "constant", lambda fn: fn)(check_level)
        self._capturing = getattr(backend, "capturing", lambda: False)

    # --- helpers ---------------------------------------------------------------

    def _data(self, data, min_ndim=1):
        values, out = self.backend.prepare({"data": data})
        x = values["data"]
        if x.ndim < min_ndim:
            raise ValueError(f"Expected input data to have at least {min_ndim} dimension(s); "
                             f"got {x.ndim}.")
        return x, out

    def _cast(self, coeffs, out):
        return coeffs if out is None else self.backend.cast(coeffs, out)

    def _spec(self, wavelet, mode, axes):
        """(backend spec, filter lengths, mode numbers), cached for named wavelets
        (not while a graph is captured: the lookup is a constant there, and a
        cache the capture read would be guarded, so filling it would recompile)."""
        if self._capturing():
            return self._lookup(wavelet, mode, axes)
        key = _spec_key(wavelet, mode, axes)
        if key is not None:
            hit = self._specs.get(key)
            if hit is not None:
                return hit
        found = self._lookup(wavelet, mode, axes)
        if key is not None:
            if len(self._specs) >= _SPEC_CACHE_SIZE:
                self._specs.clear()
            self._specs[key] = found
        return found

    def filter_length(self, wavelet, axis: int) -> int:
        """The length of `wavelet`'s filters along `axis` (through the spec
        lookup, which graph capture takes as a constant)."""
        return self._spec(wavelet, "zero", [axis])[1][0]

    def _lookup_spec(self, wavelet, mode, axes):
        banks, modes = self._banks_and_modes(wavelet, mode, axes)
        return self.backend.spec(list(axes), banks, modes), [b.length for b in banks], modes

    def _wavedec(self, x, wavelet, mode, level, axes) -> list:
        """[cA_n, {key: detail}_n, ..., {key: detail}_1], one split per level."""
        spec, lengths, _ = self._spec(wavelet, mode, axes)
        # (operator.index: graph capture with dynamic shapes specializes the
        # transformed axes' sizes, which decide the coefficients' shapes)
        level = self._check_level(tuple(operator.index(x.shape[a]) for a in axes),
                                  tuple(lengths), level)
        whole = getattr(self.backend, "wavedec_levels", None)
        if whole is not None and level > 1:
            c = whole(x, spec, level)
            if c is not None:
                return c
        approx, details = subband_keys(len(axes))[0], []
        for _ in range(level):
            sub = self.backend.split(x, spec)
            x = sub.pop(approx)
            details.append(sub)
        return [x] + details[::-1]

    def _waverec(self, a, details, wavelet, mode, axes, trim_first):
        """Inverse of _wavedec (details coarsest first), with pywt's trimming of a
        (along the transformed axes only)."""
        spec = self._spec(wavelet, mode, axes)[0]
        whole = getattr(self.backend, "waverec_levels", None)
        if whole is not None and a is not None:
            y = whole(a, details, spec, trim_first)
            if y is not None:
                return y
        approx = subband_keys(len(axes))[0]
        for level, d in enumerate(details):
            if a is not None and d and (level > 0 or trim_first):
                a = fit_approximation(a, shape_of(next(iter(d.values()))), axes)
            d = {**d, approx: a} if a is not None else dict(d)
            if d:  # (nothing to merge yet: pywt skips the level)
                a = self.backend.merge(d, spec)
        if a is None:
            raise ValueError("At least one coefficient must contain a valid value.")
        return a

    def _level_zero(self, data) -> list:
        """pywt's level 0 returns [data] as given, of any dtype (integer and
        bool data too, which the levels would compute in floating point)."""
        return [self.backend.asarray(data)]

    def _present_ndim(self, values: dict) -> int:
        return next(v for v in values.values() if v is not None).ndim

    # --- single level ------------------------------------------------------------

    def dwt(self, data, wavelet, mode="symmetric", axis=-1):
        """Single-level DWT along `axis`: (cA, cD)."""
        x, out = self._data(data)
        spec, _, _ = self._spec(wavelet, mode, [_axis(axis, x.ndim)])
        sub = self.backend.split(x, spec)
        return self._cast((sub["a"], sub["d"]), out)

    def idwt(self, cA, cD, wavelet, mode="symmetric", axis=-1):
        """Single-level inverse DWT; cA or cD may be None (zeros)."""
        c, out = self.backend.prepare({"a": cA, "d": cD})
        spec, _, _ = self._spec(wavelet, mode, [_axis(axis, self._present_ndim(c))])
        return self._cast(self.backend.merge(
            {k: v for k, v in c.items() if v is not None}, spec), out)

    def dwtn(self, data, wavelet, mode="symmetric", axes=None):
        """Single-level nD DWT: {key: subband}, one letter ('a'/'d') per axis in axes order."""
        x, out = self._data(data)
        spec, _, _ = self._spec(wavelet, mode, normalize_axes(axes, x.ndim))
        return self._cast(self.backend.split(x, spec), out)

    def idwtn(self, coeffs, wavelet, mode="symmetric", axes=None):
        """Single-level nD inverse DWT of a dwtn-style dict (missing or None subbands are zeros)."""
        if not isinstance(coeffs, dict):
            raise TypeError(f"idwtn expects a dict of subbands; got {type(coeffs).__name__}.")
        given = detail_dict({k: v for k, v in coeffs.items() if v is not None}, None, "coefficients")
        if not given:
            raise ValueError("At least one of the coefficients must be given (all are None).")
        c, out = self.backend.prepare(given)
        naxes = len(next(iter(c)))
        axes = normalize_axes(range(naxes) if axes is None else axes, self._present_ndim(c))
        if len(axes) != naxes:
            raise ValueError(f"The coefficient keys have {naxes} letters but {len(axes)} axes "
                             "were given.")
        spec, _, _ = self._spec(wavelet, mode, axes)
        return self._cast(self.backend.merge(c, spec), out)

    def dwt2(self, data, wavelet, mode="symmetric", axes=(-2, -1)):
        """Single-level 2D DWT: (cA, (cH, cV, cD))."""
        x, out = self._data(data, 2)
        spec, _, _ = self._spec(wavelet, mode, normalize_axes(axes, x.ndim, 2))
        c = self.backend.split(x, spec)
        return self._cast((c["aa"], (c["da"], c["ad"], c["dd"])), out)

    def idwt2(self, coeffs, wavelet, mode="symmetric", axes=(-2, -1)):
        """Single-level 2D inverse DWT of (cA, (cH, cV, cD)); None entries are zeros."""
        cA, (cH, cV, cD) = _split2(coeffs)
        return self.idwtn({"aa": cA, "da": cH, "ad": cV, "dd": cD}, wavelet, mode,
                          _two_axes(axes))

    # --- multilevel ----------------------------------------------------------------

    def wavedec(self, data, wavelet, mode="symmetric", level=None, axis=-1):
        """Multilevel 1D DWT: [cA_n, cD_n, ..., cD_1]."""
        x, out = self._data(data)
        c = self._wavedec(x, wavelet, mode, level, [_axis(axis, x.ndim)])
        if len(c) == 1:
            return self._level_zero(data)
        return self._cast([c[0]] + [d["d"] for d in c[1:]], out)

    def waverec(self, coeffs, wavelet, mode="symmetric", axis=-1):
        """Multilevel 1D inverse DWT of [cA_n, cD_n, ..., cD_1] (None details are zeros)."""
        a, details = _coeff_list(coeffs, "wavedec")
        if not details:
            return a
        c, out = self.backend.prepare(dict(enumerate([a] + details)))
        axes = [_axis(axis, self._present_ndim(c))]
        d = [{"d": c[i + 1]} if c[i + 1] is not None else {} for i in range(len(details))]
        return self._cast(self._waverec(c[0], d, wavelet, mode, axes, True), out)

    def wavedec2(self, data, wavelet, mode="symmetric", level=None, axes=(-2, -1)):
        """Multilevel 2D DWT: [cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]."""
        x, out = self._data(data, 2)
        c = self._wavedec(x, wavelet, mode, level, normalize_axes(axes, x.ndim, 2))
        if len(c) == 1:
            return self._level_zero(data)
        return self._cast([c[0]] + [(d["da"], d["ad"], d["dd"]) for d in c[1:]], out)

    def waverec2(self, coeffs, wavelet, mode="symmetric", axes=(-2, -1)):
        """Multilevel 2D inverse DWT of wavedec2's structure (None details are zeros)."""
        a, dicts, axes = waverec2_parts(coeffs, axes)
        if not dicts:
            return a
        return self._waverec_dicts(a, dicts, wavelet, mode, axes, trim_first=True)

    def wavedecn(self, data, wavelet, mode="symmetric", level=None, axes=None):
        """Multilevel nD DWT: [cA_n, {key: detail}_n, ..., {key: detail}_1]."""
        x, out = self._data(data)
        c = self._wavedec(x, wavelet, mode, level, normalize_axes(axes, x.ndim))
        if len(c) == 1:
            return self._level_zero(data)
        return self._cast(c, out)

    def waverecn(self, coeffs, wavelet, mode="symmetric", axes=None):
        """Multilevel nD inverse DWT of wavedecn's structure."""
        a, details = _coeff_list(coeffs, "wavedecn")
        if not details:
            return a
        for d in details:
            detail_dict(d, None)
            if any(v is None for v in d.values()):
                raise ValueError("Detail coefficients set to None: use zeros instead of None in "
                                 "multilevel transforms.")
        return self._waverec_dicts(a, [dict(d) for d in details], wavelet, mode, axes,
                                   trim_first=False)

    def _waverec_dicts(self, a, dicts, wavelet, mode, axes, trim_first):
        flat = {("a",): a}
        for i, d in enumerate(dicts):
            flat.update({(i, k): v for k, v in d.items()})
        c, out = self.backend.prepare(flat)
        ndim = self._present_ndim(c)
        axes = normalize_axes(range(ndim) if axes is None else axes, ndim)
        details = [{k: c[(i, k)] for k in d if c[(i, k)] is not None} for i, d in enumerate(dicts)]
        for d in details:
            detail_dict(d, len(axes))
        return self._cast(
            self._waverec(c[("a",)], details, wavelet, mode, axes, trim_first), out)


def whole_waverec_sizes(a, details, axes, lengths, modes, trim_first):
    """The lengths along `axes` (non-negative) of a whole waverec's
    coefficients: the approximation's, then each level's details' (coarsest
    first; a level without details: the approximation's), or None where
    one op does not pay or the shapes do not chain (one level, keys that are
    not details: the per-level route then says how). The approximation may
    be one sample longer than a level's details along an axis (pywt's trim;
    at the first level only with trim_first)."""
    keys = set(subband_keys(len(axes))[1:])
    if len(details) < 2 or any(set(d) - keys for d in details):
        return None
    shape = shape_of(a)
    sizes = [tuple(shape[ax] for ax in axes)]
    for level, d in enumerate(details):
        present = {shape_of(v) for v in d.values() if v is not None}
        if len(present) > 1:
            return None
        level_shape = present.pop() if present else shape
        if not (_at_most_one_longer(shape, level_shape, axes) if level > 0 or trim_first
                else shape == level_shape):
            return None
        sizes.append(tuple(level_shape[ax] for ax in axes))
        shape = level_shape
        for ax, n, m in zip(axes, lengths, modes):
            shape = shape[:ax] + (rec_len(shape[ax], n, m),) + shape[ax + 1:]
    return tuple(sizes)
