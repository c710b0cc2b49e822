"""pywt's multiresolution analysis (mra, mra2, mran and their inverses) for a
bridge, made of the bridge's own transforms as pywt makes it of its own: the
forward transform once, then one inverse per subband with every other
subband absent (zeros), each trimmed to the data's shape. Every transform is
a bridge op whose gradient is its exact adjoint, so the parts' gradients are
exact too (tests/test_bridge_mra.py: against pywt.mra's explicit matrix).
"""
from __future__ import annotations

from cuwavelet._stationary import swt_max_level

from ._frontend import shape_of
from ._frontend_swt_packets import docstring as _docstring

_PERIODIC_ONLY = "transform swt only supports mode='periodization'"


class MraFrontend:
    """mra, mra2, mran, imra, imra2 and imran for a bridge: its DWT frontend
    (bridges._frontend.Frontend), its stationary one
    (bridges._frontend_swt_packets.StationaryFrontend) and its zeros_like."""

    def __init__(self, dwt_api, swt_api, zeros_like):
        self.dwt, self.swt, self.zeros_like = dwt_api, swt_api, zeros_like

    def mra(self, data, wavelet, level=None, axis=-1, transform="swt", mode="periodization"):
        return self._analysis(data, wavelet, level, {"axis": axis}, transform, mode, "")

    def mra2(self, data, wavelet, level=None, axes=(-2, -1), transform="swt2",
             mode="periodization"):
        return self._analysis(data, wavelet, level, {"axes": axes}, transform, mode, "2")

    def mran(self, data, wavelet, level=None, axes=None, transform="swtn", mode="periodization"):
        return self._analysis(data, wavelet, level, {"axes": axes}, transform, mode, "n")

    def _analysis(self, data, wavelet, level, where, transform, mode, suffix):
        """mra (suffix ''), mra2 ('2') or mran ('n'): the parts through the
        transforms of that suffix (swt2 and iswt2, wavedec2 and waverec2, ...);
        `where`: their axis or axes argument."""
        if transform == "swt" + suffix:
            if mode != "periodization":
                raise ValueError(_PERIODIC_ONLY)
            if level is None and suffix:  # (pywt: swt2 and swtn take no level None)
                level = min(swt_max_level(n) for n in shape_of(data))
            coeffs = getattr(self.swt, "swt" + suffix)(data, wavelet, level, trim_approx=True,
                                                      norm=True, **where)
            inverse = getattr(self.swt, "iswt" + suffix)
            return self._parts(data, coeffs, lambda c: inverse(c, wavelet, norm=True, **where))
        if transform == "dwt" + suffix:
            coeffs = getattr(self.dwt, "wavedec" + suffix)(data, wavelet, mode, level, **where)
            inverse = getattr(self.dwt, "waverec" + suffix)
            return self._parts(data, coeffs, lambda c: inverse(c, wavelet, mode, **where),
                               decimated=True)
        raise ValueError(f"unrecognized transform: {transform}")

    def _parts(self, data, coeffs, inverse, decimated=False) -> list:
        """coeffs' structure ([approximation, details per level]; details
        alone, in tuples or dicts), each subband replaced by the inverse of it
        alone, trimmed to the data's shape. The others are absent: the
        approximation zeros, the details None, or zeros where `decimated`
        (a level without details would lose its length: waverec's rule)."""
        shape = shape_of(data)
        zero = self.zeros_like(coeffs[0])
        detail = self.zeros_like if decimated else (lambda d: None)
        absent = [zero] + [_with_each(level, detail) for level in coeffs[1:]]

        def alone(j, replace):
            c = list(absent)
            c[j] = replace(c[j])
            rec = inverse(c)
            if shape_of(rec) != shape:
                rec = rec[tuple(slice(n) for n in shape)]
            return rec
        parts = [alone(0, lambda _: coeffs[0])]
        for j, level in enumerate(coeffs[1:], start=1):
            if not isinstance(level, (tuple, list, dict)):  # a 1D transform's detail
                parts.append(alone(j, lambda _, d=level: d))
                continue
            keys = list(level) if isinstance(level, dict) else range(len(level))
            parts.append(_rebuilt(level, {k: alone(j, lambda c, k=k: _only(level, c, k))
                                          for k in keys}))
        return parts

    @staticmethod
    def imra(mra_coeffs):
        return _sum(mra_coeffs)

    @staticmethod
    def imra2(mra_coeffs):
        return _sum(mra_coeffs)

    @staticmethod
    def imran(mra_coeffs):
        return _sum(mra_coeffs)


def _with_each(level, f):
    """A level's details (tuple, list or dict) with f applied to each."""
    if isinstance(level, dict):
        return {k: f(v) for k, v in level.items()}
    if isinstance(level, (tuple, list)):
        return type(level)(f(v) for v in level)
    return f(level)


def _only(level, absent, key):
    """`absent` (a level of Nones) with level's detail `key` in place."""
    if isinstance(absent, dict):
        return {**absent, key: level[key]}
    return type(absent)(level[key] if i == key else v for i, v in enumerate(absent))


def _rebuilt(level, parts: dict):
    if isinstance(level, dict):
        return parts
    return type(level)(parts[i] for i in range(len(level)))


def _sum(mra_coeffs):
    """The sum of every part (pywt's imra, imra2 and imran)."""
    total = None
    for level in mra_coeffs:
        values = level.values() if isinstance(level, dict) else \
            level if isinstance(level, (tuple, list)) else (level,)
        for v in values:
            total = v if total is None else total + v
    return total


# --- the public functions' docstrings, shared by the bridges -------------------------

_TRANSFORM = """    transform : {{{names}}}
        The undecimated transform (``norm=True``, default) or the decimated
        one.
    mode : str
        Boundary extension of the decimated transform (the undecimated one
        needs 'periodization')."""

DOCS = {
    "mra": ("Forward 1D multiresolution analysis (``pywt.mra``).", """data : {array}
        Any shape; every dimension but `axis` is a batch dimension.
    wavelet : str, pywt.Wavelet or filter bank
        A discrete wavelet, or a learned filter bank (four {array}s: the
        gradients reach the filters).
    level : int or None
        Levels (None: the deepest).
    axis : int
        The analysed axis.
""" + _TRANSFORM.format(names="'swt', 'dwt'"), """list
        ``[An, Dn, ..., D1]``: the projections onto each subspace, each the
        shape of `data`; they add up to `data` (`imra`)."""),
    "mra2": ("Forward 2D multiresolution analysis (``pywt.mra2``).", """data : {array}
        At least 2-D; dimensions outside `axes` are batch dimensions.
    wavelet : str, pywt.Wavelet or filter bank, or one per axis
        A discrete wavelet, or a learned filter bank (four {array}s: the
        gradients reach the filters).
    level : int or None
        Levels (None: the deepest SWT level of every dimension, as pywt).
    axes : pair of int
        The analysed axes.
""" + _TRANSFORM.format(names="'swt2', 'dwt2'"), """list
        ``[An, (Hn, Vn, Dn), ..., (H1, V1, D1)]``, each the shape of `data`;
        they add up to `data` (`imra2`)."""),
    "mran": ("Forward nD multiresolution analysis (``pywt.mran``).", """data : {array}
        Dimensions outside `axes` are batch dimensions.
    wavelet : str, pywt.Wavelet or filter bank, or one per axis
        A discrete wavelet, or a learned filter bank (four {array}s: the
        gradients reach the filters).
    level : int or None
        Levels (None: the deepest SWT level of every dimension, as pywt).
    axes : sequence of int or None
        The analysed axes (None: all).
""" + _TRANSFORM.format(names="'swtn', 'dwtn'"), """list
        ``[An, {{details_n}}, ..., {{details_1}}]``, dicts keyed by one letter
        per axis, each part the shape of `data`; they add up to `data`
        (`imran`)."""),
    "imra": ("Inverse 1D multiresolution analysis (``pywt.imra``): the sum of the parts.",
             """mra_coeffs : list
        `mra`'s parts.""", """{array}
        The data."""),
    "imra2": ("Inverse 2D multiresolution analysis (``pywt.imra2``): the sum of the parts.",
              """mra_coeffs : list
        `mra2`'s parts.""", """{array}
        The data."""),
    "imran": ("Inverse nD multiresolution analysis (``pywt.imran``): the sum of the parts.",
              """mra_coeffs : list
        `mran`'s parts.""", """{array}
        The data."""),
}


def docstring(name: str, array: str, examples: str) -> str:
    """The numpydoc docstring of a bridge's `name` for arrays called `array`."""
    return _docstring(name, array, examples, DOCS)
