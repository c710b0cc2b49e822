"""pywt's coefficient layouts for a bridge: coeffs_to_array, array_to_coeffs,
ravel_coeffs and unravel_coeffs on the framework's arrays.

Where each subband goes is the core's own computation on shapes
(cuwavelet._coeff_array: packed_layout, raveled_layout, unpacked,
unraveled); the data moves by the framework's padding, concatenation and
slicing, so autograd differentiates them (and vmap batches them): a packing's
gradient is the unpacking of the cotangent, and the gaps' padding gets none. A wavelet loss or a sparsity
penalty can then be written on one array of every coefficient.
"""
from __future__ import annotations

import math

from cuwavelet._coeff_array import (coefficient_levels, packed_layout, raveled_layout, unpacked,
                                    unraveled)

from ._frontend import subband_keys
from ._frontend_swt_packets import docstring as _docstring


class LayoutFrontend:
    """The coefficient layouts for a framework. `ops` names its array test
    (is_array), how its arrays are called in messages (library), and four
    functional operations (no in-place writes, so that vmap batches them):
    full(shape, value, like) in like's dtype and device, padded(x, widths,
    value) with widths[i] values after x along dimension i,
    concatenate(arrays, axis), and cast(x, like) to like's dtype."""

    def __init__(self, ops):
        self.ops = ops

    def _levels(self, coeffs, axes):
        return coefficient_levels(coeffs, axes, self.ops.is_array, self.ops.library)

    def coeffs_to_array(self, coeffs, padding=0, axes=None):
        levels, axes = self._levels(coeffs, axes)
        approx = levels[0]
        if len(levels) == 1:
            return approx, [(slice(None),) * approx.ndim]  # pywt returns the array itself
        _, slices = packed_layout(levels, axes, tight=padding is None)
        fill = 0 if padding is None else padding
        mosaic = approx
        for level in levels[1:]:
            # a level's mosaic: 2**k blocks, one per key, 'a' along an axis the extent
            # of the coarser mosaic and 'd' that of the all-'d' subband; each subband
            # at the start of its block (pywt's places) and the rest padding
            ref = level["d" * len(axes)]
            extents = {"a": [int(n) for n in mosaic.shape], "d": [int(n) for n in ref.shape]}
            blocks = {}
            for key in subband_keys(len(axes)):
                shape = [int(n) for n in mosaic.shape]
                for letter, ax in zip(key, axes):
                    shape[ax] = extents[letter][ax]
                blocks[key] = (mosaic if key == "a" * len(axes) else
                               self._in_block(level.get(key), shape, fill, approx))
            for i in range(len(axes) - 1, -1, -1):  # join along the last key letter's axis
                blocks = {k[:i]: self.ops.concatenate([blocks[k[:i] + "a"], blocks[k[:i] + "d"]],
                                                      axes[i])
                          for k in blocks if k[i] == "a"}
            mosaic = blocks[""]
        return mosaic, slices

    def _in_block(self, d, shape, fill, approx):
        """Subband d (None: absent) in approx's dtype, padded with `fill` after
        its end to the block's `shape`."""
        if d is None:
            return self.ops.full(tuple(shape), fill, approx)
        widths = [n - int(m) for n, m in zip(shape, d.shape)]  # >= 0: packed_layout's check
        d = self.ops.cast(d, approx)
        return self.ops.padded(d, widths, fill) if max(widths) > 0 else d

    def ravel_coeffs(self, coeffs, axes=None):
        levels, _ = self._levels(coeffs, axes)
        approx = levels[0]
        if len(levels) == 1:
            shape = tuple(int(n) for n in approx.shape)
            return approx.reshape(-1), [slice(math.prod(shape))], [shape]
        _, slices, shapes = raveled_layout(levels)
        parts = [approx.reshape(-1)] + [self.ops.cast(level[key].reshape(-1), approx)
                                        for level in levels[1:] for key in sorted(level)]
        return self.ops.concatenate(parts, 0), slices, shapes

    @staticmethod
    def array_to_coeffs(arr, coeff_slices, output_format="wavedecn"):
        return unpacked(arr, coeff_slices, output_format)

    @staticmethod
    def unravel_coeffs(arr, coeff_slices, coeff_shapes, output_format="wavedecn"):
        return unraveled(arr, coeff_slices, coeff_shapes, output_format)


# --- the public functions' docstrings, shared by the bridges -------------------------

_GRADIENT = ("the framework's padding, concatenation and slicing, so the gradient is the "
             "cotangent's {inverse}")

DOCS = {
    "coeffs_to_array": ("Pack a multilevel coefficient list into one array "
                        "(``pywt.coeffs_to_array``).", """coeffs : list
        Coefficients as `wavedec`, `wavedec2` or `wavedecn` return them.
    padding : float or None
        Value of the gaps where subbands do not tile the array exactly
        (default 0); None raises instead when there are gaps.
    axes : sequence of int or None
        The transformed axes (None: every axis).""", """coeff_arr : {array}
        All coefficients, in the approximation's dtype and on its device.
    coeff_slices : list
        Where each subband lies: a tuple of slices for the approximation,
        then one dict of tuples of slices per level (keys as `wavedecn`'s)."""),
    "array_to_coeffs": ("Unpack `coeffs_to_array`'s array into a coefficient list "
                        "(``pywt.array_to_coeffs``).", """arr : {array}
        The packed coefficients.
    coeff_slices : list
        The slices `coeffs_to_array` returned with it.
    output_format : {{'wavedecn', 'wavedec2', 'wavedec'}}
        The structure to return.""", """list
        The coefficients in that structure, as slices of `arr`."""),
    "ravel_coeffs": ("Concatenate all coefficients into one 1D array (``pywt.ravel_coeffs``).",
                     """coeffs : list
        Coefficients as `wavedec`, `wavedec2` or `wavedecn` return them.
    axes : sequence of int or None
        The transformed axes (None: every axis).""", """coeff_arr : {array}
        1D, in the approximation's dtype: the approximation, then each
        level's details in the order of their keys.
    coeff_slices : list
        A slice for the approximation, then one dict of slices per level.
    coeff_shapes : list
        The shape of each subband, in the same structure."""),
    "unravel_coeffs": ("Unpack `ravel_coeffs`'s 1D array into a coefficient list "
                       "(``pywt.unravel_coeffs``).", """arr : {array}
        The raveled coefficients.
    coeff_slices, coeff_shapes : list
        What `ravel_coeffs` returned with it.
    output_format : {{'wavedecn', 'wavedec2', 'wavedec', 'swt', 'swt2', 'swtn'}}
        The structure to return.""", """list
        The coefficients in that structure, as slices of `arr`."""),
}

_INVERSES = {"coeffs_to_array": "unpacking (the padding gets none)",
             "array_to_coeffs": "packing (zeros in the gaps)",
             "ravel_coeffs": "unraveling", "unravel_coeffs": "raveling"}


def docstring(name: str, array: str, examples: str) -> str:
    """The numpydoc docstring of a bridge's `name` for arrays called `array`."""
    return _docstring(name, array, examples, DOCS,
                      gradient=_GRADIENT.format(inverse=_INVERSES[name]))
