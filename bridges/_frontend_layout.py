"""pywt's coefficient layouts for a bridge: coeffs_to_array, array_to_coeffs,
ravel_coeffs and unravel_coeffs on the framework's arrays.

Where each subband goes, and the packing by padding and concatenation, are
the core's (cuwavelet._coeff_array: packed, raveled, unpacked, unraveled,
also its route for Dask arrays); the data moves by the framework's padding,
concatenation and slicing, so autograd differentiates them (and vmap batches
them): a packing's gradient is the unpacking of the cotangent, and the gaps'
padding gets none. A wavelet loss or a sparsity penalty can then be written
on one array of every coefficient.
"""
from __future__ import annotations

from cuwavelet._coeff_array import coefficient_levels, packed, raveled, unpacked, unraveled

from ._frontend_swt_packets import docstring as _docstring


class LayoutFrontend:
    """The coefficient layouts for a framework. `ops` names its array test
    (is_array), how its arrays are called in messages (library), and the
    functional operations cuwavelet._coeff_array.packed and raveled take
    (no in-place writes, so that vmap batches them)."""

    def __init__(self, ops):
        self.ops = ops

    def _levels(self, coeffs, axes):
        return coefficient_levels(coeffs, axes, self.ops.is_array, self.ops.library)

    def coeffs_to_array(self, coeffs, padding=0, axes=None):
        levels, axes = self._levels(coeffs, axes)
        if len(levels) == 1:
            return levels[0], [(slice(None),) * levels[0].ndim]  # pywt: the array itself
        return packed(levels, axes, padding, self.ops)

    def ravel_coeffs(self, coeffs, axes=None):
        levels, _ = self._levels(coeffs, axes)
        return raveled(levels, self.ops)

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
